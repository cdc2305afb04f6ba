//! Emails about care: a breathing space about to end. Subjects and first lines stay neutral;
//! the body says only what changes and when, never an amount.
use chrono::NaiveDate;

use crate::domain::wording::full_date;

use super::{Email, EmailContent};

/// A breathing space ends soon: reminders and payments start again on a date.
struct BreathingSpaceEnding<'a> {
    creditor: &'a str,
    resumes: String,
    /// Opens the account's breathing space page (a deep link, used once).
    link: &'a str,
}

email_bodies!(
    BreathingSpaceEnding<'a>,
    text = "emails/breathing_space_ending.txt",
    html = "emails/breathing_space_ending.html"
);

impl Email for BreathingSpaceEnding<'_> {
    const TEMPLATE: &'static str = "breathing_space_ending";

    fn subject(&self) -> &'static str {
        "An update about your account"
    }
}

pub fn breathing_space_ending(
    creditor: &str,
    resumes: NaiveDate,
    link: &str,
) -> Result<EmailContent, askama::Error> {
    BreathingSpaceEnding {
        creditor,
        resumes: full_date(resumes),
        link,
    }
    .content()
}
