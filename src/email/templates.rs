//! One struct per email, its subject beside it; its text and HTML bodies both render it.
//! Subjects and first lines stay neutral: someone reading over a shoulder or a lock-screen
//! preview learns nothing about a debt.
use chrono::NaiveDate;

use crate::domain::Money;
use crate::domain::schedule::Schedule;
use crate::domain::wording::{full_date, pay_later_reminders};

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
    /// Opens the plan (a deep link, used once).
    link: &'a str,
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
    link: &str,
) -> Result<EmailContent, askama::Error> {
    PlanConfirmation {
        creditor,
        total: schedule.total().to_string(),
        lines: &payment_lines(schedule),
        link,
    }
    .content()
}

/// "Pay later" agreed: the whole balance by a date.
struct DeferralConfirmation<'a> {
    creditor: &'a str,
    balance: String,
    until: String,
    /// The reminders the person will get before and after the date, in words.
    reminders: String,
    /// Opens the plan (a deep link, used once).
    link: &'a str,
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

/// `days_before`: the creditor's reminder cadence, so the email promises what is sent.
pub fn deferral_confirmation(
    creditor: &str,
    balance: Money,
    until: NaiveDate,
    days_before: u32,
    link: &str,
) -> Result<EmailContent, askama::Error> {
    DeferralConfirmation {
        creditor,
        balance: balance.to_string(),
        until: full_date(until),
        reminders: pay_later_reminders(days_before),
        link,
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

/// The email for each piece of news about a proposed plan: each has its own subject, so the
/// person can tell them apart in their inbox.
/// `link` opens the plan (a deep link, used once).
pub fn plan_update(
    creditor: &str,
    notice: DecisionNotice<'_>,
    link: &str,
) -> Result<EmailContent, askama::Error> {
    match notice {
        DecisionNotice::Received => PlanProposed { creditor, link }.content(),
        DecisionNotice::Approved(schedule) => {
            let lines = payment_lines(schedule);
            PlanApproved(PlanTerms::of(creditor, schedule, &lines, link)).content()
        }
        DecisionNotice::Declined(reason) => PlanDeclined {
            creditor,
            reason,
            link,
        }
        .content(),
        DecisionNotice::Countered(schedule) => {
            let lines = payment_lines(schedule);
            PlanCountered(PlanTerms::of(creditor, schedule, &lines, link)).content()
        }
    }
}

pub fn proposal_received(creditor: &str, link: &str) -> Result<EmailContent, askama::Error> {
    plan_update(creditor, DecisionNotice::Received, link)
}

/// A plan's payments as an email shows them: who it is with, each payment, the total.
struct PlanTerms<'a> {
    creditor: &'a str,
    total: String,
    lines: &'a [PaymentLine],
    /// Opens the plan (a deep link, used once).
    link: &'a str,
}

impl<'a> PlanTerms<'a> {
    fn of(creditor: &'a str, schedule: &Schedule, lines: &'a [PaymentLine], link: &'a str) -> Self {
        PlanTerms {
            creditor,
            total: schedule.total().to_string(),
            lines,
            link,
        }
    }
}

/// Each email below dereferences to its terms, so its templates name the fields directly.
macro_rules! plan_terms_email {
    ($name:ident) => {
        impl<'a> std::ops::Deref for $name<'a> {
            type Target = PlanTerms<'a>;
            fn deref(&self) -> &Self::Target {
                &self.0
            }
        }
    };
}

/// A proposal outside the policy reached the creditor.
struct PlanProposed<'a> {
    creditor: &'a str,
    link: &'a str,
}

email_bodies!(
    PlanProposed<'a>,
    text = "emails/plan_proposed.txt",
    html = "emails/plan_proposed.html"
);

impl Email for PlanProposed<'_> {
    const TEMPLATE: &'static str = "plan_proposed";

    fn subject(&self) -> &'static str {
        "We have your payment plan request"
    }
}

/// The creditor agreed to the proposal as it was.
struct PlanApproved<'a>(PlanTerms<'a>);
plan_terms_email!(PlanApproved);

email_bodies!(
    PlanApproved<'a>,
    text = "emails/plan_approved.txt",
    html = "emails/plan_approved.html"
);

impl Email for PlanApproved<'_> {
    const TEMPLATE: &'static str = "plan_approved";

    fn subject(&self) -> &'static str {
        "Your payment plan is agreed"
    }
}

/// The creditor could not agree: kindly, with the reason and what the person can do next.
struct PlanDeclined<'a> {
    creditor: &'a str,
    reason: &'a str,
    link: &'a str,
}

email_bodies!(
    PlanDeclined<'a>,
    text = "emails/plan_declined.txt",
    html = "emails/plan_declined.html"
);

impl Email for PlanDeclined<'_> {
    const TEMPLATE: &'static str = "plan_declined";

    fn subject(&self) -> &'static str {
        "About the payment plan you asked for"
    }
}

/// The creditor offered other terms, quoted in full.
struct PlanCountered<'a>(PlanTerms<'a>);
plan_terms_email!(PlanCountered);

email_bodies!(
    PlanCountered<'a>,
    text = "emails/plan_countered.txt",
    html = "emails/plan_countered.html"
);

impl Email for PlanCountered<'_> {
    const TEMPLATE: &'static str = "plan_countered";

    fn subject(&self) -> &'static str {
        "A new offer for your payment plan"
    }
}

/// The person moved a payment date or skipped a payment: the payments as they now stand.
struct PlanChanged<'a>(PlanTerms<'a>);
plan_terms_email!(PlanChanged);

email_bodies!(
    PlanChanged<'a>,
    text = "emails/plan_changed.txt",
    html = "emails/plan_changed.html"
);

impl Email for PlanChanged<'_> {
    const TEMPLATE: &'static str = "plan_changed";

    fn subject(&self) -> &'static str {
        "Your payment plan is updated"
    }
}

pub fn plan_changed(
    creditor: &str,
    schedule: &Schedule,
    link: &str,
) -> Result<EmailContent, askama::Error> {
    let lines = payment_lines(schedule);
    PlanChanged(PlanTerms::of(creditor, schedule, &lines, link)).content()
}

/// A card payment the person started was declined: nothing taken, and a link to try again.
struct PaymentFailed<'a> {
    creditor: &'a str,
    amount: String,
    link: &'a str,
}

email_bodies!(
    PaymentFailed<'a>,
    text = "emails/payment_failed.txt",
    html = "emails/payment_failed.html"
);

impl Email for PaymentFailed<'_> {
    const TEMPLATE: &'static str = "payment_failed";

    fn subject(&self) -> &'static str {
        "Your payment did not go through"
    }
}

/// `link` opens the page to pay again (a deep link, used once).
pub fn payment_failed(
    creditor: &str,
    amount: Money,
    link: &str,
) -> Result<EmailContent, askama::Error> {
    PaymentFailed {
        creditor,
        amount: amount.to_string(),
        link,
    }
    .content()
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
    /// Opens this receipt (a deep link, used once).
    link: &'a str,
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
    link: &str,
) -> Result<EmailContent, askama::Error> {
    PaymentReceipt {
        creditor,
        amount: amount.to_string(),
        discount: discount.map(|d| d.to_string()),
        date: full_date(date),
        paid_for,
        settled: !left.is_positive(),
        left: left.to_string(),
        link,
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

/// Staff wrote in the person's message thread. The email says only that: never the words,
/// which stay on the portal behind sign-in.
struct NewMessage<'a> {
    creditor: &'a str,
    /// Opens the thread (a deep link, used once).
    link: &'a str,
}

email_bodies!(
    NewMessage<'a>,
    text = "emails/new_message.txt",
    html = "emails/new_message.html"
);

impl Email for NewMessage<'_> {
    const TEMPLATE: &'static str = "new_message";

    fn subject(&self) -> &'static str {
        "You have a new message"
    }
}

pub fn new_message(creditor: &str, link: &str) -> Result<EmailContent, askama::Error> {
    NewMessage { creditor, link }.content()
}
