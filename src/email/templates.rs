//! One subject + text + HTML set per email. Subjects and first lines stay neutral: someone
//! reading over a shoulder or a lock-screen preview learns nothing about a debt.
use askama::Template;

use super::EmailContent;

#[derive(Template)]
#[template(path = "emails/sign_in_link.txt")]
struct SignInLinkText<'a> {
    link: &'a str,
    minutes: i64,
}

#[derive(Template)]
#[template(path = "emails/sign_in_link.html")]
struct SignInLinkHtml<'a> {
    link: &'a str,
    minutes: i64,
}

pub fn sign_in_link(link: &str, minutes: i64) -> Result<EmailContent, askama::Error> {
    Ok(EmailContent {
        template: "sign_in_link",
        subject: "Your sign-in link".to_string(),
        text: SignInLinkText { link, minutes }.render()?,
        html: SignInLinkHtml { link, minutes }.render()?,
    })
}
