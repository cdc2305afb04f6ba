//! Emails about automatic payments. Subjects and first lines are neutral like every other
//! email; amounts and dates appear only in the body.
use super::templates::PaymentLine;
use super::{Email, EmailContent};

/// Automatic payments are on: every payment they will take.
struct SetUp<'a> {
    creditor: &'a str,
    lines: &'a [PaymentLine],
}

email_bodies!(
    SetUp<'a>,
    text = "emails/autopay_set_up.txt",
    html = "emails/autopay_set_up.html"
);

impl Email for SetUp<'_> {
    const TEMPLATE: &'static str = "autopay_set_up";

    fn subject(&self) -> &'static str {
        "Automatic payments are set up"
    }
}

pub fn set_up(creditor: &str, lines: &[PaymentLine]) -> Result<EmailContent, askama::Error> {
    SetUp { creditor, lines }.content()
}

/// A payment will be taken in a few days.
struct Reminder<'a> {
    creditor: &'a str,
    payment: &'a PaymentLine,
}

email_bodies!(
    Reminder<'a>,
    text = "emails/autopay_reminder.txt",
    html = "emails/autopay_reminder.html"
);

impl Email for Reminder<'_> {
    const TEMPLATE: &'static str = "autopay_reminder";

    fn subject(&self) -> &'static str {
        "A payment is coming up"
    }
}

pub fn reminder(creditor: &str, payment: &PaymentLine) -> Result<EmailContent, askama::Error> {
    Reminder { creditor, payment }.content()
}

/// Why an automatic payment stopped for one installment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// Tried twice, three days apart.
    DidNotGoThrough,
    /// The bank wanted the person to confirm the payment, and nobody was there to.
    BankNeedsYou,
    /// Tried once; no second try (the person asked for extra support, which the email
    /// never says).
    NotRetried,
}

/// An automatic payment stopped: the person can pay it themselves.
struct PayByHand<'a> {
    creditor: &'a str,
    payment: &'a PaymentLine,
    bank_needs_you: bool,
    tried_twice: bool,
    pay_link: &'a str,
}

email_bodies!(
    PayByHand<'a>,
    text = "emails/autopay_pay_by_hand.txt",
    html = "emails/autopay_pay_by_hand.html"
);

impl Email for PayByHand<'_> {
    const TEMPLATE: &'static str = "autopay_pay_by_hand";

    fn subject(&self) -> &'static str {
        "An update about your account"
    }
}

pub fn pay_by_hand(
    creditor: &str,
    payment: &PaymentLine,
    reason: StopReason,
    pay_link: &str,
) -> Result<EmailContent, askama::Error> {
    PayByHand {
        creditor,
        payment,
        bank_needs_you: reason == StopReason::BankNeedsYou,
        tried_twice: reason == StopReason::DidNotGoThrough,
        pay_link,
    }
    .content()
}
