//! A person's contact preferences, kept per debtor row: one creditor's reminders each. No row
//! means the defaults (reminders by email, any allowed time, no pause).
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, Set};

use crate::db::begin_write;
use crate::domain::contact::ContactPreferences;
use crate::entities::{contact_preference, creditor, debtor};
use crate::services::audit::{self, Actor, AuditEvent};

/// The preferences of one debtor row, and what the page needs to say whose reminders they
/// are about.
#[derive(Debug, Clone)]
pub struct ContactSettings {
    pub debtor_id: i32,
    pub creditor_id: i32,
    /// "Northwind Utilities": the preferences are about its reminders only.
    pub creditor_name: String,
    /// The person's time zone, to show when a pause ends.
    pub time_zone: String,
    pub preferences: ContactPreferences,
}

/// The preferences saved for `debtor_id`, or the defaults.
pub async fn of<C: ConnectionTrait>(conn: &C, debtor_id: i32) -> Result<ContactPreferences, DbErr> {
    Ok(contact_preference::Entity::find_by_id(debtor_id)
        .one(conn)
        .await?
        .map(from_row)
        .unwrap_or_default())
}

fn from_row(row: contact_preference::Model) -> ContactPreferences {
    ContactPreferences {
        reminders_by_email: row.reminders_by_email,
        time_of_day: row.time_of_day,
        payday: row.payday.and_then(|day| u32::try_from(day).ok()),
        paused_until: row.paused_until,
    }
}

/// Everything the preferences page shows; `None` for a debtor row that does not exist.
pub async fn settings<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
) -> Result<Option<ContactSettings>, DbErr> {
    let Some(person) = debtor::Entity::find_by_id(debtor_id).one(conn).await? else {
        return Ok(None);
    };
    let Some(owner) = creditor::Entity::find_by_id(person.creditor_id)
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(ContactSettings {
        debtor_id,
        creditor_id: owner.id,
        creditor_name: owner.display_name,
        time_zone: person.time_zone,
        preferences: of(conn, debtor_id).await?,
    }))
}

/// Saves the preferences for `debtor_id` (one row each, replaced) and records who changed
/// them, in one transaction.
pub async fn save(
    db: &DatabaseConnection,
    settings: &ContactSettings,
    chosen: &ContactPreferences,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let txn = begin_write(db).await?;
    upsert(&txn, settings.debtor_id, chosen, now).await?;
    audit::record(
        &txn,
        AuditEvent {
            actor: Actor::Debtor(settings.debtor_id),
            creditor_id: Some(settings.creditor_id),
            action: "contact.preferences_saved",
            subject_kind: "debtor",
            subject_id: Some(settings.debtor_id),
            detail: &describe(chosen),
        },
        now,
    )
    .await?;
    txn.commit().await
}

/// The one-click unsubscribe: reminders by email off for `debtor_id`, everything else as it
/// was. Saying it twice changes nothing and logs nothing more. The creditor's name (for the
/// page) when the debtor row exists.
pub async fn stop_reminders(
    db: &DatabaseConnection,
    debtor_id: i32,
    now: DateTime<Utc>,
) -> Result<Option<String>, DbErr> {
    let txn = begin_write(db).await?;
    let Some(settings) = settings(&txn, debtor_id).await? else {
        return Ok(None);
    };
    if settings.preferences.reminders_by_email {
        let chosen = ContactPreferences {
            reminders_by_email: false,
            ..settings.preferences.clone()
        };
        upsert(&txn, debtor_id, &chosen, now).await?;
        audit::record(
            &txn,
            AuditEvent {
                actor: Actor::Debtor(debtor_id),
                creditor_id: Some(settings.creditor_id),
                action: "contact.unsubscribed",
                subject_kind: "debtor",
                subject_id: Some(debtor_id),
                detail: "reminders by email turned off by the link in a reminder",
            },
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(Some(settings.creditor_name))
}

async fn upsert<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
    chosen: &ContactPreferences,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    use contact_preference::Column;
    let row = contact_preference::ActiveModel {
        debtor_id: Set(debtor_id),
        reminders_by_email: Set(chosen.reminders_by_email),
        time_of_day: Set(chosen.time_of_day),
        payday: Set(chosen.payday.and_then(|day| i32::try_from(day).ok())),
        paused_until: Set(chosen.paused_until),
        updated_at: Set(now),
    };
    contact_preference::Entity::insert(row)
        .on_conflict(
            OnConflict::column(Column::DebtorId)
                .update_columns([
                    Column::RemindersByEmail,
                    Column::TimeOfDay,
                    Column::Payday,
                    Column::PausedUntil,
                    Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Short codes for the audit log: what was chosen, nothing about the person.
fn describe(chosen: &ContactPreferences) -> String {
    let mut detail = format!(
        "reminders_by_email={} time_of_day={}",
        chosen.reminders_by_email, chosen.time_of_day
    );
    if let Some(day) = chosen.payday {
        detail.push_str(&format!(" payday={day}"));
    }
    if let Some(until) = chosen.paused_until {
        detail.push_str(&format!(" paused_until={}", until.to_rfc3339()));
    }
    detail
}
