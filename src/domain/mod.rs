//! Pure domain logic: money, balances and the values people type into forms.
//!
//! Nothing in here does any I/O, so every rule can be checked by fast unit and
//! property tests.

#[macro_use]
mod stored;

pub mod advice;
pub mod affordability;
pub mod attachments;
pub mod audit;
pub mod autopay;
pub mod balance;
pub mod cadence;
pub mod care;
pub mod contact;
pub mod contact_choices;
pub mod creditor;
pub mod discount;
pub mod disputes;
pub mod feedback;
pub mod import;
pub mod inputs;
pub mod invalid;
pub mod invitation;
pub mod lifecycle;
pub mod messages;
pub mod money;
pub mod outbox;
pub mod payments;
pub mod plans;
pub mod policy;
pub mod privacy;
pub mod schedule;
pub mod staff;
pub mod standing;
pub mod support;
pub mod wording;

pub use balance::{BalanceExplanation, EntryKind, EntryOrigin, ExplainedItem, LedgerItem, Totals};
pub use invalid::{FieldProblem, Invalid};
pub use money::{Currency, Money, MoneyError};
