//! The exact words a person agrees to. Built here, shown on "check your answers", stored
//! with the plan, and compared by fingerprint when they agree, so the record is what they saw.
use chrono::NaiveDate;

use crate::domain::Money;
use crate::domain::schedule::Schedule;

/// "Friday 12 December 2026".
pub fn full_date(date: NaiveDate) -> String {
    date.format("%A %-d %B %Y").to_string()
}

pub fn installment_consent(creditor: &str, schedule: &Schedule) -> String {
    let count = schedule.count();
    let regular = schedule.regular_amount();
    let last = schedule.final_amount();
    let amounts = if count == 1 {
        format!("one payment of {regular}")
    } else if regular == last {
        format!("{count} payments of {regular}")
    } else {
        format!(
            "{} payments of {regular} and a last payment of {last}",
            count - 1
        )
    };
    format!(
        "I agree to pay {creditor} {total} in {amounts}, {how_often}, from {first} to {last_date}. \
         I can ask to change or cancel this plan at any time.",
        total = schedule.total(),
        how_often = schedule.frequency().label(),
        first = full_date(schedule.first_due()),
        last_date = full_date(schedule.last_due()),
    )
}

pub fn deferral_consent(creditor: &str, balance: Money, until: NaiveDate) -> String {
    format!(
        "I will pay {creditor} {balance} in full, or set up a payment plan, by {}. \
         Until then you will not send me reminders about this account.",
        full_date(until)
    )
}
