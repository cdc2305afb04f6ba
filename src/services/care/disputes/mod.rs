//! Disputes: the person says something is wrong with a debt, optionally with a file; the
//! account is held at once (reminders and autopay ask `holds`) until the creditor answers,
//! upholding it (with an adjustment booked in the ledger) or explaining why the debt stands.
//! One open dispute per account (a partial unique index): anything more adds to it.
mod answer;
mod tell;
mod views;

pub use answer::{Answer, Answerer, adjustment_limit, answer};
pub use tell::{NewEntry, Received, tell};
pub use views::{
    DisputeView, EntryView, FileLink, PersonDisputes, QueueRow, StaffQueue, StaffView, for_person,
    for_staff, queue,
};

use sea_orm::DbErr;

use crate::services::accounts::ledger::LedgerError;
use crate::services::accounts::statements::StatementError;

/// The most a person (or staff) may write in one go.
pub const MAX_TEXT_CHARS: usize = 2000;

#[derive(Debug, thiserror::Error)]
pub enum DisputeError {
    /// No such account or dispute for this person or creditor.
    #[error("dispute or account not found")]
    NotFound,
    /// Someone answered it first.
    #[error("the dispute was already answered")]
    AlreadyAnswered,
    /// A rule the form could not check alone (the adjustment against the balance).
    #[error("{0}")]
    Invalid(String),
    #[error("database error")]
    Database(#[from] DbErr),
    #[error("ledger error")]
    Ledger(#[from] LedgerError),
    #[error("balance could not be read")]
    Statement(#[from] StatementError),
    #[error("email could not be rendered")]
    Email(#[from] askama::Error),
}

/// Text as it is kept (trimmed), or the message to show next to its field. The forms'
/// `validator` rules call this too, so the page and the service never disagree.
pub fn text(typed: &str, empty: &'static str) -> Result<String, &'static str> {
    let kept = typed.trim();
    if kept.is_empty() {
        return Err(empty);
    }
    if kept.chars().count() > MAX_TEXT_CHARS {
        return Err("Keep it to 2,000 characters or fewer");
    }
    Ok(kept.to_string())
}

/// The page a person reads about their dispute; email links lead here.
pub fn page_path(account_id: i32) -> String {
    format!("/account/{account_id}/dispute")
}
