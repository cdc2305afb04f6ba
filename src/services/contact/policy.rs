//! The facts the contact policy ([`crate::domain::contact::decide_reminder`]) needs about one
//! person and one account, read inside the transaction that decides and claims a reminder.
//! That transaction first locks the person's debtor row, so two workers deciding reminders
//! for the same person take turns: the second one counts the first one's reminder.
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
};

use crate::domain::EntryKind;
use crate::domain::contact::{CAP_DAYS, ContactPreferences, HoldReason, ReminderFacts};
use crate::domain::outbox::{MessageCategory, OutboxStatus};
use crate::domain::payments::PaymentStatus;
use crate::entities::{
    contact_preference, creditor, debtor, ledger_entry, outbox_message, payment_attempt,
};
use crate::services::staff::workspace;

/// A payment this recent means the person has just paid: no reminder on top of it.
const JUST_PAID_DAYS: i64 = 2;

/// Reads the person's debtor row and locks it until the transaction ends (`SELECT ... FOR
/// UPDATE` on PostgreSQL; on SQLite the write transaction already holds the only write lock).
pub async fn lock_person<C: ConnectionTrait>(
    txn: &C,
    debtor_id: i32,
) -> Result<Option<debtor::Model>, DbErr> {
    debtor::Entity::find_by_id(debtor_id)
        .lock_exclusive()
        .one(txn)
        .await
}

/// Everything the policy weighs for a reminder to `person` about `account_id`.
pub async fn reminder_facts<C: ConnectionTrait>(
    conn: &C,
    person: &debtor::Model,
    account_id: Option<i32>,
    stale_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<ReminderFacts, DbErr> {
    Ok(ReminderFacts {
        preferences: preferences(conn, person.id).await?,
        zone: time_zone(conn, person).await?,
        hold: match account_id {
            Some(account_id) => hold(conn, account_id, now).await?,
            None => None,
        },
        recent_reminders: recent_reminders(conn, person.id, now).await?,
        stale_at,
    })
}

/// The person's saved preferences, or the defaults when they never saved any.
pub async fn preferences<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
) -> Result<ContactPreferences, DbErr> {
    let saved = contact_preference::Entity::find_by_id(debtor_id)
        .one(conn)
        .await?;
    Ok(saved.map(from_row).unwrap_or_default())
}

fn from_row(row: contact_preference::Model) -> ContactPreferences {
    ContactPreferences {
        reminders_by_email: row.reminders_by_email,
        time_of_day: row.time_of_day,
        payday: row.payday.and_then(|day| u32::try_from(day).ok()),
        paused_until: row.paused_until,
    }
}

/// The person's own time zone; their creditor's if theirs cannot be read (an old import),
/// and UTC only if neither can.
async fn time_zone<C: ConnectionTrait>(conn: &C, person: &debtor::Model) -> Result<Tz, DbErr> {
    if let Ok(zone) = person.time_zone.parse::<Tz>() {
        return Ok(zone);
    }
    let creditor = creditor::Entity::find_by_id(person.creditor_id)
        .one(conn)
        .await?;
    Ok(creditor
        .and_then(|c| c.time_zone.parse::<Tz>().ok())
        .unwrap_or(Tz::UTC))
}

/// The first reason, if any, that the account should get no reminder now. Each kind of hold
/// is one source here: any hold in force (staff, dispute, breathing space), then a payment.
async fn hold<C: ConnectionTrait>(
    conn: &C,
    account_id: i32,
    now: DateTime<Utc>,
) -> Result<Option<HoldReason>, DbErr> {
    if let Some(hold) = workspace::current_hold(conn, account_id, now).await? {
        return Ok(Some(HoldReason::from(hold.kind)));
    }
    if paid_recently(conn, account_id, now).await? {
        return Ok(Some(HoldReason::RecentPayment));
    }
    Ok(None)
}

/// A payment booked in the last 2 days (portal, staff or a creditor's file: by when it was
/// booked and when it was made, so an old payment in today's import does not count), or a
/// card payment that succeeded then.
async fn paid_recently<C: ConnectionTrait>(
    conn: &C,
    account_id: i32,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let since = now - Duration::days(JUST_PAID_DAYS);
    let booked = ledger_entry::Entity::find()
        .select_only()
        .column(ledger_entry::Column::Id)
        .filter(ledger_entry::Column::AccountId.eq(account_id))
        .filter(ledger_entry::Column::Kind.eq(EntryKind::Payment))
        .filter(ledger_entry::Column::CreatedAt.between(since, now))
        .filter(ledger_entry::Column::OccurredOn.gte(since.date_naive()))
        .into_tuple::<i32>()
        .one(conn)
        .await?;
    if booked.is_some() {
        return Ok(true);
    }
    let succeeded = payment_attempt::Entity::find()
        .select_only()
        .column(payment_attempt::Column::Id)
        .filter(payment_attempt::Column::AccountId.eq(account_id))
        .filter(payment_attempt::Column::Status.eq(PaymentStatus::Succeeded))
        .filter(payment_attempt::Column::SucceededAt.between(since, now))
        .into_tuple::<i32>()
        .one(conn)
        .await?;
    Ok(succeeded.is_some())
}

/// When the person's reminders of the last 7 days went. One another worker is sending right
/// now (claimed, not yet marked sent) counts as sent now: otherwise two workers could each
/// see two and both send a third and a fourth.
async fn recent_reminders<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
    now: DateTime<Utc>,
) -> Result<Vec<DateTime<Utc>>, DbErr> {
    let sent = Condition::all()
        .add(outbox_message::Column::Status.eq(OutboxStatus::Sent))
        .add(outbox_message::Column::SentAt.gt(now - Duration::days(CAP_DAYS)));
    let in_flight = Condition::all()
        .add(outbox_message::Column::Status.eq(OutboxStatus::Pending))
        .add(outbox_message::Column::ClaimToken.is_not_null())
        .add(outbox_message::Column::ClaimedUntil.gt(now));
    let rows: Vec<Option<DateTime<Utc>>> = outbox_message::Entity::find()
        .select_only()
        .column(outbox_message::Column::SentAt)
        .filter(outbox_message::Column::DebtorId.eq(debtor_id))
        .filter(outbox_message::Column::Category.eq(MessageCategory::Reminder))
        .filter(Condition::any().add(sent).add(in_flight))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|sent_at| sent_at.unwrap_or(now))
        .collect())
}
