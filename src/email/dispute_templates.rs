//! Emails about a dispute: that we have the person's message, and that the creditor has
//! answered. Subjects stay neutral (a dispute says there is a debt); the body names the
//! reference and links to the dispute page.
use super::{Email, EmailContent};

/// "We have your message": sent when a dispute is opened or added to.
struct DisputeReceived<'a> {
    creditor: &'a str,
    reference: &'a str,
    /// Opens the dispute page (a deep link, used once).
    link: &'a str,
}

email_bodies!(
    DisputeReceived<'a>,
    text = "emails/dispute_received.txt",
    html = "emails/dispute_received.html"
);

impl Email for DisputeReceived<'_> {
    const TEMPLATE: &'static str = "dispute_received";

    fn subject(&self) -> &'static str {
        "We have your message"
    }
}

pub fn dispute_received(
    creditor: &str,
    reference: &str,
    link: &str,
) -> Result<EmailContent, askama::Error> {
    DisputeReceived {
        creditor,
        reference,
        link,
    }
    .content()
}

/// The creditor answered: the words are on the portal, behind the link.
struct DisputeAnswered<'a> {
    creditor: &'a str,
    reference: &'a str,
    link: &'a str,
}

email_bodies!(
    DisputeAnswered<'a>,
    text = "emails/dispute_answered.txt",
    html = "emails/dispute_answered.html"
);

impl Email for DisputeAnswered<'_> {
    const TEMPLATE: &'static str = "dispute_answered";

    fn subject(&self) -> &'static str {
        "An update about your account"
    }
}

pub fn dispute_answered(
    creditor: &str,
    reference: &str,
    link: &str,
) -> Result<EmailContent, askama::Error> {
    DisputeAnswered {
        creditor,
        reference,
        link,
    }
    .content()
}
