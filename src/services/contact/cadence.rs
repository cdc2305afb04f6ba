//! Each creditor's reminder cadence: stored per creditor, the default where none is set.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, Set, TransactionTrait};

use crate::domain::cadence::ReminderCadence;
use crate::entities::reminder_cadence;
use crate::services::audit::{self, Actor, AuditEvent};

/// The cadence the reminder scheduler follows for `creditor_id`: the saved one, or
/// `ReminderCadence::default()` when an admin never changed it.
pub async fn for_creditor<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
) -> Result<ReminderCadence, DbErr> {
    let row = reminder_cadence::Entity::find_by_id(creditor_id)
        .one(conn)
        .await?;
    from_stored(row.as_ref())
}

/// The cadence a creditor's stored row (if any) sets: no row means the defaults.
pub fn from_stored(row: Option<&reminder_cadence::Model>) -> Result<ReminderCadence, DbErr> {
    match row {
        Some(row) => from_row(row),
        None => Ok(ReminderCadence::default()),
    }
}

/// A stored cadence, checked again as it is read: every save went through
/// `ReminderCadence::new`, so a row that fails is damaged data, an error rather than a
/// cadence quietly made up.
fn from_row(row: &reminder_cadence::Model) -> Result<ReminderCadence, DbErr> {
    let count = |value: i32| u32::try_from(value).unwrap_or(u32::MAX);
    ReminderCadence::new(
        count(row.days_before),
        count(row.days_after_miss),
        count(row.max_per_installment),
    )
    .map_err(|invalid| {
        DbErr::Custom(format!(
            "creditor {}'s stored reminder cadence breaks the cadence rules: {invalid}",
            row.creditor_id
        ))
    })
}

/// Creates or replaces a creditor's cadence; it takes only a checked `ReminderCadence`.
async fn save<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
    cadence: &ReminderCadence,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    // The domain keeps every figure under 15, so they always fit.
    let as_i32 = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
    let row = reminder_cadence::ActiveModel {
        creditor_id: Set(creditor_id),
        days_before: Set(as_i32(cadence.days_before())),
        days_after_miss: Set(as_i32(cadence.days_after_miss())),
        max_per_installment: Set(as_i32(cadence.max_per_installment())),
        updated_at: Set(now),
    };
    use reminder_cadence::Column as C;
    reminder_cadence::Entity::insert(row)
        .on_conflict(
            OnConflict::column(C::CreditorId)
                .update_columns([
                    C::DaysBefore,
                    C::DaysAfterMiss,
                    C::MaxPerInstallment,
                    C::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// An admin changes a creditor's cadence; recorded in the audit log in the same
/// transaction. Reminders already queued keep their times.
pub async fn update_by_admin(
    db: &DatabaseConnection,
    admin_id: i32,
    creditor_id: i32,
    cadence: &ReminderCadence,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    save(&txn, creditor_id, cadence, now).await?;
    let detail = format!(
        "days_before={} days_after_miss={} max_per_installment={}",
        cadence.days_before(),
        cadence.days_after_miss(),
        cadence.max_per_installment()
    );
    audit::record(
        &txn,
        AuditEvent {
            actor: Actor::Staff(admin_id),
            creditor_id: Some(creditor_id),
            action: "reminder_cadence.updated",
            subject_kind: "creditor",
            subject_id: Some(creditor_id),
            detail: &detail,
        },
        now,
    )
    .await?;
    txn.commit().await
}
