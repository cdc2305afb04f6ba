//! Turning the plan forms' typed values into the choices the plan services take, with a
//! message for each field that needs fixing.
use crate::domain::Money;
use crate::domain::schedule::{Frequency, PlanSize};
use crate::services::plans::choose::{
    AccountForPlan, DEFER_REASONS, DeferralChoice, InstallmentChoice,
};
use crate::web::forms::{Problems, parse_count, read_date, read_money};

/// The installment builder's fields, as typed (kept to show the form again).
#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
pub struct InstallmentForm {
    pub frequency: String,
    pub size_by: String,
    pub payments: String,
    pub amount: String,
    pub first_day: String,
    pub first_month: String,
    pub first_year: String,
    pub note: String,
    /// Fingerprint of the terms shown on "check your answers".
    pub terms: String,
}

impl InstallmentForm {
    pub fn is_by_amount(&self) -> bool {
        self.size_by == "amount"
    }

    pub fn is_by_payments(&self) -> bool {
        self.size_by == "payments"
    }

    pub fn frequency_is(&self, code: &str) -> bool {
        self.frequency == code
    }
}

pub fn read_frequency(code: &str, problems: &mut Problems) -> Option<Frequency> {
    let found = Frequency::parse(code);
    if found.is_none() {
        problems.add("frequency", "Choose how often you want to pay");
    }
    found
}

pub fn read_installments(
    form: &InstallmentForm,
    account: &AccountForPlan,
    problems: &mut Problems,
) -> Option<InstallmentChoice> {
    let frequency = read_frequency(&form.frequency, problems);
    let size = if form.is_by_payments() {
        parse_count(&form.payments)
            .map(PlanSize::NumberOfPayments)
            .map_err(|m| problems.add("payments", m))
            .ok()
    } else if form.is_by_amount() {
        read_amount(&form.amount, account, "amount", problems).map(PlanSize::PerPayment)
    } else {
        problems.add("size_by", "Choose how you want to work out your payments");
        None
    };
    let first_due = read_date(
        (&form.first_day, &form.first_month, &form.first_year),
        "first-day",
        "Enter a date",
        problems,
    );
    Some(InstallmentChoice {
        frequency: frequency?,
        size: size?,
        first_due: first_due?,
    })
}

/// An amount the person typed, in their account's currency, more than zero.
pub fn read_amount(
    typed: &str,
    account: &AccountForPlan,
    field: &'static str,
    problems: &mut Problems,
) -> Option<Money> {
    let currency = account.balance.currency();
    read_money(
        typed,
        currency,
        &account.creditor_name,
        false,
        field,
        problems,
    )
}

#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
pub struct DeferralForm {
    pub until_day: String,
    pub until_month: String,
    pub until_year: String,
    pub reason: String,
    pub terms: String,
}

impl DeferralForm {
    pub fn reason_is(&self, code: &str) -> bool {
        self.reason == code
    }
}

pub fn read_deferral(form: &DeferralForm, problems: &mut Problems) -> Option<DeferralChoice> {
    let until = read_date(
        (&form.until_day, &form.until_month, &form.until_year),
        "until-day",
        "Enter a date",
        problems,
    )?;
    // The reason is optional; an unknown value is treated as none rather than an error.
    let reason = DEFER_REASONS
        .iter()
        .find(|(code, _)| *code == form.reason)
        .map(|(code, _)| *code);
    Some(DeferralChoice { until, reason })
}
