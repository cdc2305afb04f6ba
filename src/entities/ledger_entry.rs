use sea_orm::entity::prelude::*;

use crate::domain::{EntryKind, EntryOrigin};

use super::MinorUnits;

/// Append-only: the database refuses UPDATE and DELETE on this table.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub account_id: i32,
    pub kind: EntryKind,
    /// Positive adds to what is owed, negative takes off.
    pub amount_minor: MinorUnits,
    pub currency: String,
    pub description: String,
    /// Why a fee or interest was charged, in plain words.
    pub reason: Option<String>,
    pub occurred_on: Date,
    /// The creditor's own records, or booked in the portal.
    pub origin: EntryOrigin,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
