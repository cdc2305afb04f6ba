//! Paying: starting a checkout, processing what the provider says happened, and applying a
//! payment exactly once. Whatever route the news takes (webhook, the person returning from
//! checkout, the reconciliation job, the offline test page), it ends in `handle_event`, and
//! a payment is applied only by the conditional UPDATE that moves its attempt to
//! "succeeded", in the same transaction as its ledger entries.
pub mod allocation;
pub mod attempts;
pub mod checkout;
pub mod discounts;
pub mod events;
mod failures;
pub mod offline;
pub mod options;
pub mod reconcile;
pub mod views;

use sea_orm::DbErr;

use crate::domain::MoneyError;
use crate::services::accounts::ledger::LedgerError;
use crate::services::plans::choose::PlanError;
use crate::services::plans::lifecycle::LifecycleRunError;
use crate::services::plans::records::RecordError;

#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    #[error("account not found for this person")]
    NotFound,
    #[error("{0}")]
    Amount(String),
    #[error("there is nothing left to pay")]
    NothingOwed,
    /// Neither Stripe nor the offline test checkout is configured on this instance.
    #[error("card payments are not offered here")]
    CardPaymentsOff,
    #[error("database error")]
    Database(#[from] DbErr),
    #[error("stored amounts could not be read")]
    Money(#[from] MoneyError),
    #[error("ledger entry could not be written")]
    Ledger(#[from] LedgerError),
    #[error("plan could not be read")]
    Plan(#[from] PlanError),
    #[error("plan could not be read")]
    Records(#[from] RecordError),
    #[error("email could not be rendered")]
    Template(#[from] askama::Error),
    #[error("plan state could not be worked out")]
    Lifecycle(#[from] LifecycleRunError),
}
