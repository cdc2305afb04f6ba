//! One subject + text + HTML set per email. Subjects and first lines stay neutral: someone
//! reading over a shoulder or a lock-screen preview learns nothing about a debt.
use askama::Template;
use chrono::NaiveDate;

use crate::domain::Money;
use crate::domain::schedule::Schedule;
use crate::domain::wording::full_date;

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

#[derive(Template)]
#[template(path = "emails/plan_confirmation.txt")]
struct PlanConfirmationText<'a> {
    creditor: &'a str,
    total: String,
    lines: &'a [PaymentLine],
}

#[derive(Template)]
#[template(path = "emails/plan_confirmation.html")]
struct PlanConfirmationHtml<'a> {
    creditor: &'a str,
    total: String,
    lines: &'a [PaymentLine],
}

pub fn plan_confirmation(
    creditor: &str,
    schedule: &Schedule,
) -> Result<EmailContent, askama::Error> {
    let lines = payment_lines(schedule);
    let total = schedule.total().to_string();
    Ok(EmailContent {
        template: "plan_confirmation",
        subject: "Your payment plan is set up".to_string(),
        text: PlanConfirmationText {
            creditor,
            total: total.clone(),
            lines: &lines,
        }
        .render()?,
        html: PlanConfirmationHtml {
            creditor,
            total,
            lines: &lines,
        }
        .render()?,
    })
}

#[derive(Template)]
#[template(path = "emails/deferral_confirmation.txt")]
struct DeferralText<'a> {
    creditor: &'a str,
    balance: String,
    until: String,
}

#[derive(Template)]
#[template(path = "emails/deferral_confirmation.html")]
struct DeferralHtml<'a> {
    creditor: &'a str,
    balance: String,
    until: String,
}

pub fn deferral_confirmation(
    creditor: &str,
    balance: Money,
    until: NaiveDate,
) -> Result<EmailContent, askama::Error> {
    let (balance, until) = (balance.to_string(), full_date(until));
    Ok(EmailContent {
        template: "deferral_confirmation",
        subject: "Your new payment date is set".to_string(),
        text: DeferralText {
            creditor,
            balance: balance.clone(),
            until: until.clone(),
        }
        .render()?,
        html: DeferralHtml {
            creditor,
            balance,
            until,
        }
        .render()?,
    })
}

/// What the creditor decided about a proposal, for the email that tells the person.
pub enum DecisionNotice<'a> {
    Received,
    Approved(&'a Schedule),
    Declined(&'a str),
    Countered(&'a Schedule),
}

#[derive(Template)]
#[template(path = "emails/plan_update.txt")]
struct PlanUpdateText<'a> {
    creditor: &'a str,
    kind: &'static str,
    reason: &'a str,
    total: String,
    lines: &'a [PaymentLine],
}

#[derive(Template)]
#[template(path = "emails/plan_update.html")]
struct PlanUpdateHtml<'a> {
    creditor: &'a str,
    kind: &'static str,
    reason: &'a str,
    total: String,
    lines: &'a [PaymentLine],
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
    let lines = schedule.map(payment_lines).unwrap_or_default();
    let total = schedule.map(|s| s.total().to_string()).unwrap_or_default();
    Ok(EmailContent {
        template: "plan_update",
        subject: "An update about your account".to_string(),
        text: PlanUpdateText {
            creditor,
            kind,
            reason,
            total: total.clone(),
            lines: &lines,
        }
        .render()?,
        html: PlanUpdateHtml {
            creditor,
            kind,
            reason,
            total,
            lines: &lines,
        }
        .render()?,
    })
}

pub fn proposal_received(creditor: &str) -> Result<EmailContent, askama::Error> {
    plan_update(creditor, DecisionNotice::Received)
}

#[derive(Template)]
#[template(path = "emails/payment_receipt.txt")]
struct ReceiptText<'a> {
    creditor: &'a str,
    amount: String,
    discount: Option<String>,
    date: String,
    paid_for: &'a [String],
    left: String,
    settled: bool,
}

#[derive(Template)]
#[template(path = "emails/payment_receipt.html")]
struct ReceiptHtml<'a> {
    creditor: &'a str,
    amount: String,
    discount: Option<String>,
    date: String,
    paid_for: &'a [String],
    left: String,
    settled: bool,
}

pub fn payment_receipt(
    creditor: &str,
    amount: Money,
    discount: Option<Money>,
    date: NaiveDate,
    paid_for: &[String],
    left: Money,
) -> Result<EmailContent, askama::Error> {
    let (amount, discount, date) = (
        amount.to_string(),
        discount.map(|d| d.to_string()),
        full_date(date),
    );
    let settled = !left.is_positive();
    let left = left.to_string();
    Ok(EmailContent {
        template: "payment_receipt",
        subject: "Your receipt".to_string(),
        text: ReceiptText {
            creditor,
            amount: amount.clone(),
            discount: discount.clone(),
            date: date.clone(),
            paid_for,
            left: left.clone(),
            settled,
        }
        .render()?,
        html: ReceiptHtml {
            creditor,
            amount,
            discount,
            date,
            paid_for,
            left,
            settled,
        }
        .render()?,
    })
}

#[derive(Template)]
#[template(path = "emails/confirmation_code.txt")]
struct CodeText<'a> {
    code: &'a str,
    minutes: i64,
}

#[derive(Template)]
#[template(path = "emails/confirmation_code.html")]
struct CodeHtml<'a> {
    code: &'a str,
    minutes: i64,
}

pub fn confirmation_code(code: &str, minutes: i64) -> Result<EmailContent, askama::Error> {
    Ok(EmailContent {
        template: "confirmation_code",
        subject: "Your confirmation code".to_string(),
        text: CodeText { code, minutes }.render()?,
        html: CodeHtml { code, minutes }.render()?,
    })
}
