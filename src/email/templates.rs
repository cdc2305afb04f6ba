//! One struct per email, its subject beside it; its text and HTML bodies both render it.
//! Subjects and first lines stay neutral: someone reading over a shoulder or a lock-screen
//! preview learns nothing about a debt.
use chrono::NaiveDate;

use crate::domain::Money;
use crate::domain::schedule::Schedule;
use crate::domain::wording::full_date;

use super::{Email, EmailContent};

/// The sign-in link someone asked for.
struct SignInLink<'a> {
    link: &'a str,
    minutes: i64,
}

email_bodies!(
    SignInLink<'a>,
    text = "emails/sign_in_link.txt",
    html = "emails/sign_in_link.html"
);

impl Email for SignInLink<'_> {
    const TEMPLATE: &'static str = "sign_in_link";

    fn subject(&self) -> &'static str {
        "Your sign-in link"
    }
}

pub fn sign_in_link(link: &str, minutes: i64) -> Result<EmailContent, askama::Error> {
    SignInLink { link, minutes }.content()
}

/// One payment in an email: date and amount, already in words and figures.
pub struct PaymentLine {
    pub date: String,
    pub amount: String,
}

fn payment_lines(schedule: &Schedule) -> Vec<PaymentLine> {
    schedule
        .installments()
        .iter()
        .map(|i| PaymentLine {
            date: full_date(i.due_on),
            amount: i.amount.to_string(),
        })
        .collect()
}

/// A plan within policy, set up at once: every payment and the total.
struct PlanConfirmation<'a> {
    creditor: &'a str,
    total: String,
    lines: &'a [PaymentLine],
}

email_bodies!(
    PlanConfirmation<'a>,
    text = "emails/plan_confirmation.txt",
    html = "emails/plan_confirmation.html"
);

impl Email for PlanConfirmation<'_> {
    const TEMPLATE: &'static str = "plan_confirmation";

    fn subject(&self) -> &'static str {
        "Your payment plan is set up"
    }
}

pub fn plan_confirmation(
    creditor: &str,
    schedule: &Schedule,
) -> Result<EmailContent, askama::Error> {
    PlanConfirmation {
        creditor,
        total: schedule.total().to_string(),
        lines: &payment_lines(schedule),
    }
    .content()
}

/// "Pay later" agreed: the whole balance by a date.
struct DeferralConfirmation<'a> {
    creditor: &'a str,
    balance: String,
    until: String,
}

email_bodies!(
    DeferralConfirmation<'a>,
    text = "emails/deferral_confirmation.txt",
    html = "emails/deferral_confirmation.html"
);

impl Email for DeferralConfirmation<'_> {
    const TEMPLATE: &'static str = "deferral_confirmation";

    fn subject(&self) -> &'static str {
        "Your new payment date is set"
    }
}

pub fn deferral_confirmation(
    creditor: &str,
    balance: Money,
    until: NaiveDate,
) -> Result<EmailContent, askama::Error> {
    DeferralConfirmation {
        creditor,
        balance: balance.to_string(),
        until: full_date(until),
    }
    .content()
}

/// What the creditor decided about a proposal, for the email that tells the person.
pub enum DecisionNotice<'a> {
    Received,
    Approved(&'a Schedule),
    Declined(&'a str),
    Countered(&'a Schedule),
}

/// News about a proposed plan: received, approved, declined (with the reason) or countered.
struct PlanUpdate<'a> {
    creditor: &'a str,
    /// Which news: "received", "approved", "declined" or "countered".
    kind: &'static str,
    reason: &'a str,
    total: String,
    lines: &'a [PaymentLine],
}

email_bodies!(
    PlanUpdate<'a>,
    text = "emails/plan_update.txt",
    html = "emails/plan_update.html"
);

impl Email for PlanUpdate<'_> {
    const TEMPLATE: &'static str = "plan_update";

    fn subject(&self) -> &'static str {
        "An update about your account"
    }
}

pub fn plan_update(
    creditor: &str,
    notice: DecisionNotice<'_>,
) -> Result<EmailContent, askama::Error> {
    let (kind, reason, schedule) = match notice {
        DecisionNotice::Received => ("received", "", None),
        DecisionNotice::Approved(s) => ("approved", "", Some(s)),
        DecisionNotice::Declined(reason) => ("declined", reason, None),
        DecisionNotice::Countered(s) => ("countered", "", Some(s)),
    };
    PlanUpdate {
        creditor,
        kind,
        reason,
        total: schedule.map(|s| s.total().to_string()).unwrap_or_default(),
        lines: &schedule.map(payment_lines).unwrap_or_default(),
    }
    .content()
}

pub fn proposal_received(creditor: &str) -> Result<EmailContent, askama::Error> {
    plan_update(creditor, DecisionNotice::Received)
}

/// A payment went through: what it paid for and what is left.
struct PaymentReceipt<'a> {
    creditor: &'a str,
    amount: String,
    discount: Option<String>,
    date: String,
    paid_for: &'a [String],
    left: String,
    settled: bool,
}

email_bodies!(
    PaymentReceipt<'a>,
    text = "emails/payment_receipt.txt",
    html = "emails/payment_receipt.html"
);

impl Email for PaymentReceipt<'_> {
    const TEMPLATE: &'static str = "payment_receipt";

    fn subject(&self) -> &'static str {
        "Your receipt"
    }
}

pub fn payment_receipt(
    creditor: &str,
    amount: Money,
    discount: Option<Money>,
    date: NaiveDate,
    paid_for: &[String],
    left: Money,
) -> Result<EmailContent, askama::Error> {
    PaymentReceipt {
        creditor,
        amount: amount.to_string(),
        discount: discount.map(|d| d.to_string()),
        date: full_date(date),
        paid_for,
        settled: !left.is_positive(),
        left: left.to_string(),
    }
    .content()
}

/// A one-time code, before a change that needs more than the light sign-in.
struct ConfirmationCode<'a> {
    code: &'a str,
    minutes: i64,
}

email_bodies!(
    ConfirmationCode<'a>,
    text = "emails/confirmation_code.txt",
    html = "emails/confirmation_code.html"
);

impl Email for ConfirmationCode<'_> {
    const TEMPLATE: &'static str = "confirmation_code";

    fn subject(&self) -> &'static str {
        "Your confirmation code"
    }
}

pub fn confirmation_code(code: &str, minutes: i64) -> Result<EmailContent, askama::Error> {
    ConfirmationCode { code, minutes }.content()
}
