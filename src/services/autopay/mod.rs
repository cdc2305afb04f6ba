//! Automatic payments: setting up a saved card, and charging it when installments fall due.
pub mod charges;
pub mod setup;

use sea_orm::DbErr;

use crate::domain::MoneyError;
use crate::providers::ProviderError;
use crate::services::payments::PaymentError;
use crate::services::plans::choose::PlanError;
use crate::services::plans::records::RecordError;

#[derive(Debug, thiserror::Error)]
pub enum AutopayError {
    #[error("account not found for this person")]
    NotFound,
    #[error("database error")]
    Database(#[from] DbErr),
    #[error("plan could not be read")]
    Plan(#[from] PlanError),
    #[error("plan could not be read")]
    Records(#[from] RecordError),
    #[error("stored amounts could not be read")]
    Money(#[from] MoneyError),
    #[error("payment could not be processed")]
    Payment(#[from] PaymentError),
    #[error("the payment provider could not be asked")]
    Provider(#[from] ProviderError),
    #[error("email could not be rendered")]
    Template(#[from] askama::Error),
}
