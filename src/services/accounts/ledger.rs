//! Appending to the ledger: the only way entries are written. The table refuses updates and
//! deletes, so a correction is always a new entry.
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};

use crate::domain::{EntryKind, EntryOrigin, Money, MoneyError};
use crate::entities::{MinorUnits, ledger_entry};

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("database error")]
    Database(#[from] DbErr),
    #[error("amount cannot be stored")]
    Money(#[from] MoneyError),
}

pub struct NewEntry<'a> {
    pub account_id: i32,
    pub kind: EntryKind,
    /// Positive adds to what is owed, negative takes off.
    pub amount: Money,
    pub description: &'a str,
    pub reason: Option<&'a str>,
    pub occurred_on: NaiveDate,
}

/// Books one entry in the portal (a payment, discount or refund).
pub async fn append<C: ConnectionTrait>(
    conn: &C,
    entry: NewEntry<'_>,
    now: DateTime<Utc>,
) -> Result<i32, LedgerError> {
    let row = ledger_entry::ActiveModel {
        account_id: Set(entry.account_id),
        kind: Set(entry.kind),
        amount_minor: Set(MinorUnits(entry.amount.to_minor()?)),
        currency: Set(entry.amount.currency().code().to_string()),
        description: Set(entry.description.to_string()),
        reason: Set(entry.reason.map(str::to_string)),
        occurred_on: Set(entry.occurred_on),
        origin: Set(EntryOrigin::Portal),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(row.id)
}

/// How many entries go into one INSERT: 8 values each stays well under the bind-parameter
/// limits of SQLite (32,766) and PostgreSQL (65,535).
const ENTRIES_PER_INSERT: usize = 2_000;

/// Appends many entries with a few multi-row INSERTs (bulk imports). Same rules as [`append`]:
/// new rows only, never an edit. `origin` says whose records they come from.
pub async fn append_many<C: ConnectionTrait>(
    conn: &C,
    entries: &[NewEntry<'_>],
    origin: EntryOrigin,
    now: DateTime<Utc>,
) -> Result<u64, LedgerError> {
    use sea_orm::EntityTrait;
    let mut written = 0;
    for chunk in entries.chunks(ENTRIES_PER_INSERT) {
        let rows = chunk
            .iter()
            .map(|entry| {
                Ok(ledger_entry::ActiveModel {
                    account_id: Set(entry.account_id),
                    kind: Set(entry.kind),
                    amount_minor: Set(MinorUnits(entry.amount.to_minor()?)),
                    currency: Set(entry.amount.currency().code().to_string()),
                    description: Set(entry.description.to_string()),
                    reason: Set(entry.reason.map(str::to_string)),
                    occurred_on: Set(entry.occurred_on),
                    origin: Set(origin),
                    created_at: Set(now),
                    ..Default::default()
                })
            })
            .collect::<Result<Vec<_>, MoneyError>>()?;
        written += ledger_entry::Entity::insert_many(rows)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(written)
}
