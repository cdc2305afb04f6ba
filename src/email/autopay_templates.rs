//! Emails about automatic payments. Subjects and first lines are neutral like every other
//! email; amounts and dates appear only in the body.
use askama::Template;

use super::EmailContent;
use super::templates::PaymentLine;

#[derive(Template)]
#[template(path = "emails/autopay_set_up.txt")]
struct SetUpText<'a> {
    creditor: &'a str,
    lines: &'a [PaymentLine],
}

#[derive(Template)]
#[template(path = "emails/autopay_set_up.html")]
struct SetUpHtml<'a> {
    creditor: &'a str,
    lines: &'a [PaymentLine],
}

pub fn set_up(creditor: &str, lines: &[PaymentLine]) -> Result<EmailContent, askama::Error> {
    Ok(EmailContent {
        template: "autopay_set_up",
        subject: "Automatic payments are set up".to_string(),
        text: SetUpText { creditor, lines }.render()?,
        html: SetUpHtml { creditor, lines }.render()?,
    })
}

#[derive(Template)]
#[template(path = "emails/autopay_reminder.txt")]
struct ReminderText<'a> {
    creditor: &'a str,
    payment: &'a PaymentLine,
}

#[derive(Template)]
#[template(path = "emails/autopay_reminder.html")]
struct ReminderHtml<'a> {
    creditor: &'a str,
    payment: &'a PaymentLine,
}

pub fn reminder(creditor: &str, payment: &PaymentLine) -> Result<EmailContent, askama::Error> {
    Ok(EmailContent {
        template: "autopay_reminder",
        subject: "A payment is coming up".to_string(),
        text: ReminderText { creditor, payment }.render()?,
        html: ReminderHtml { creditor, payment }.render()?,
    })
}

/// Why an automatic payment stopped for one installment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// Tried twice, three days apart.
    DidNotGoThrough,
    /// The bank wanted the person to confirm the payment, and nobody was there to.
    BankNeedsYou,
}

#[derive(Template)]
#[template(path = "emails/autopay_pay_by_hand.txt")]
struct PayByHandText<'a> {
    creditor: &'a str,
    payment: &'a PaymentLine,
    bank_needs_you: bool,
    pay_link: &'a str,
}

#[derive(Template)]
#[template(path = "emails/autopay_pay_by_hand.html")]
struct PayByHandHtml<'a> {
    creditor: &'a str,
    payment: &'a PaymentLine,
    bank_needs_you: bool,
    pay_link: &'a str,
}

pub fn pay_by_hand(
    creditor: &str,
    payment: &PaymentLine,
    reason: StopReason,
    pay_link: &str,
) -> Result<EmailContent, askama::Error> {
    let bank_needs_you = reason == StopReason::BankNeedsYou;
    Ok(EmailContent {
        template: "autopay_pay_by_hand",
        subject: "An update about your account".to_string(),
        text: PayByHandText {
            creditor,
            payment,
            bank_needs_you,
            pay_link,
        }
        .render()?,
        html: PayByHandHtml {
            creditor,
            payment,
            bank_needs_you,
            pay_link,
        }
        .render()?,
    })
}
