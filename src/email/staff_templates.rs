//! Emails to staff: the set-password link for an invitation or a reset.
use askama::Template;

use super::EmailContent;

#[derive(Template)]
#[template(path = "emails/staff_set_password.txt")]
struct SetPasswordText<'a> {
    link: &'a str,
    days: i64,
    invited: bool,
}

#[derive(Template)]
#[template(path = "emails/staff_set_password.html")]
struct SetPasswordHtml<'a> {
    link: &'a str,
    days: i64,
    invited: bool,
}

pub fn set_password(link: &str, days: i64, invited: bool) -> Result<EmailContent, askama::Error> {
    Ok(EmailContent {
        template: "staff_set_password",
        subject: if invited {
            "You are invited to Good Terms".to_string()
        } else {
            "Choose a new password for Good Terms".to_string()
        },
        text: SetPasswordText {
            link,
            days,
            invited,
        }
        .render()?,
        html: SetPasswordHtml {
            link,
            days,
            invited,
        }
        .render()?,
    })
}
