//! What the person may pay on an account today: the full balance, the next installment or an
//! amount of their own, with any early-payment discount recomputed on the server.
use sea_orm::{ConnectionTrait, DatabaseConnection};

use crate::domain::Money;
use crate::domain::discount::Offer;
use crate::domain::payments::PaymentPurpose;
use crate::services::payments::allocation;
use crate::services::payments::discounts;
use crate::services::plans::choose::{self, AccountForPlan};

use super::PaymentError;

/// What the person chose to pay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayChoice {
    Full,
    NextInstallment,
    /// Everything overdue on the plan: missed payments and any still within their grace days.
    CatchUp,
    Other(Money),
}

impl PayChoice {
    pub(super) fn purpose(self) -> PaymentPurpose {
        match self {
            Self::Full => PaymentPurpose::Full,
            Self::NextInstallment | Self::CatchUp => PaymentPurpose::Installment,
            Self::Other(_) => PaymentPurpose::Extra,
        }
    }
}

/// Everything the payment pages show before the person chooses.
#[derive(Debug)]
pub struct PaymentOptions {
    pub account: AccountForPlan,
    pub offer: Option<Offer>,
    /// The earliest unpaid installment of an active plan: date and what is left on it.
    pub next_installment: Option<(chrono::NaiveDate, Money)>,
    /// What is overdue on an active or stopped plan, at most the balance.
    pub overdue: Option<Money>,
}

pub async fn options<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
    account_id: i32,
    today: chrono::NaiveDate,
) -> Result<Option<PaymentOptions>, PaymentError> {
    let Some(account) = choose::account_for_plan(conn, debtor_id, account_id).await? else {
        return Ok(None);
    };
    let offer = if account.balance.is_positive() {
        discounts::best_offer(
            conn,
            account.account_id,
            account.creditor_id,
            account.balance,
            today,
        )
        .await?
    } else {
        None
    };
    let next_installment = allocation::next_installment(&account, today);
    let overdue = allocation::overdue(&account, today);
    Ok(Some(PaymentOptions {
        account,
        offer,
        next_installment,
        overdue,
    }))
}

/// Remembers that the person has now seen the offer: a "days from offer" deadline counts
/// from the first time.
pub async fn note_offer_seen(
    db: &DatabaseConnection,
    options: &PaymentOptions,
    today: chrono::NaiveDate,
) -> Result<(), PaymentError> {
    if let Some(offer) = &options.offer {
        discounts::record_seen(db, options.account.account_id, offer, today).await?;
    }
    Ok(())
}

/// The amount, and any discount it qualifies for, recomputed on the server for a choice.
pub fn amount_for(
    choice: PayChoice,
    options: &PaymentOptions,
) -> Result<(Money, Option<Offer>), PaymentError> {
    let balance = options.account.balance;
    if !balance.is_positive() {
        return Err(PaymentError::NothingOwed);
    }
    match choice {
        PayChoice::Full => Ok(match options.offer {
            Some(offer) => (offer.pay, Some(offer)),
            None => (balance, None),
        }),
        PayChoice::NextInstallment => options
            .next_installment
            .map(|(_, amount)| (amount, None))
            .ok_or_else(|| PaymentError::Amount("There is no payment due in your plan".into())),
        PayChoice::CatchUp => options
            .overdue
            .map(|amount| (amount, None))
            .ok_or_else(|| PaymentError::Amount("Nothing in your plan is overdue".into())),
        PayChoice::Other(amount) => {
            if !amount.is_positive() {
                Err(PaymentError::Amount(
                    "Enter an amount more than zero".into(),
                ))
            } else if amount.amount() > balance.amount() {
                Err(PaymentError::Amount(format!(
                    "Enter an amount of {balance} or less, which is what you owe"
                )))
            } else {
                Ok((amount, None))
            }
        }
    }
}
