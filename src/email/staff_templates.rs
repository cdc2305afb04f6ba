//! Emails to staff: the set-password link for an invitation or a reset.
use super::{Email, EmailContent};

struct SetPassword<'a> {
    link: &'a str,
    days: i64,
    /// A new account (an invitation), or a reset of an existing one.
    invited: bool,
}

email_bodies!(
    SetPassword<'a>,
    text = "emails/staff_set_password.txt",
    html = "emails/staff_set_password.html"
);

impl Email for SetPassword<'_> {
    const TEMPLATE: &'static str = "staff_set_password";

    fn subject(&self) -> &'static str {
        if self.invited {
            "You are invited to Good Terms"
        } else {
            "Choose a new password for Good Terms"
        }
    }
}

pub fn set_password(link: &str, days: i64, invited: bool) -> Result<EmailContent, askama::Error> {
    SetPassword {
        link,
        days,
        invited,
    }
    .content()
}
