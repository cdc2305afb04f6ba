//! A reminder goes only when the contact policy says so. The decision and the claim happen in
//! one write transaction that first locks the person's debtor row: with several workers on
//! one PostgreSQL database, two reminders to the same person are decided one after the
//! other, and the second sees the first one (sent, or claimed and being sent) when it counts
//! the 7-day cap. The row keeps the decision in plain words for staff; a reminder held for
//! later keeps its attempts, since nothing was tried.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

use super::{Due, claim, unclaimed};
use crate::db;
use crate::domain::contact::{ContactDecision, decide_reminder};
use crate::domain::outbox::OutboxStatus;
use crate::entities::outbox_message::{self, Column};
use crate::services::contact::policy;

/// What became of a due reminder.
pub(super) enum Gate {
    /// Claimed by this worker: send it.
    Claimed(Box<outbox_message::Model>),
    /// Held until a later time (its `next_attempt_at`).
    Held,
    /// Dropped for good (status suppressed).
    Dropped,
    /// Another worker had it first.
    Taken,
}

/// For a reminder whose person is no longer on file.
const NO_PERSON: &str = "Not sent: the person is no longer on file";

pub(super) async fn gate(
    db: &DatabaseConnection,
    due: &Due,
    now: DateTime<Utc>,
    lease_now: DateTime<Utc>,
) -> Result<Gate, DbErr> {
    let txn = db::begin_write(db).await?;
    let gate = decide_and_record(&txn, due, now, lease_now).await?;
    txn.commit().await?;
    Ok(gate)
}

async fn decide_and_record<C: ConnectionTrait>(
    txn: &C,
    due: &Due,
    now: DateTime<Utc>,
    lease_now: DateTime<Utc>,
) -> Result<Gate, DbErr> {
    let person = match due.debtor_id {
        Some(debtor_id) => policy::lock_person(txn, debtor_id).await?,
        None => None,
    };
    let Some(person) = person else {
        return drop_with(txn, due.id, NO_PERSON, lease_now).await;
    };
    // Read after the lock: whatever another worker decided for this person is now visible.
    let Some(row) = claimable(txn, due.id, lease_now).await? else {
        return Ok(Gate::Taken);
    };
    let facts = policy::reminder_facts(txn, &person, row.account_id, row.stale_at, now).await?;
    let decision = decide_reminder(&facts, now);
    let words = decision.in_words(&facts.zone);
    tracing::debug!(outbox_id = row.id, ?decision, "contact policy");
    match decision {
        ContactDecision::SendNow => Ok(match claim(txn, row.id, lease_now).await? {
            Some(claimed) => Gate::Claimed(Box::new(claimed)),
            None => Gate::Taken,
        }),
        ContactDecision::Defer { until, .. } => {
            hold_until(txn, row.id, until, &words, lease_now).await
        }
        ContactDecision::Suppress(_) => drop_with(txn, row.id, &words, lease_now).await,
    }
}

/// The reminder, if it is still pending, due and unclaimed.
async fn claimable<C: ConnectionTrait>(
    txn: &C,
    id: i32,
    now: DateTime<Utc>,
) -> Result<Option<outbox_message::Model>, DbErr> {
    outbox_message::Entity::find_by_id(id)
        .filter(Column::Status.eq(OutboxStatus::Pending))
        .filter(Column::NextAttemptAt.lte(now))
        .filter(unclaimed(now))
        .one(txn)
        .await
}

/// Moves the reminder to `until` without counting an attempt.
async fn hold_until<C: ConnectionTrait>(
    txn: &C,
    id: i32,
    until: DateTime<Utc>,
    words: &str,
    now: DateTime<Utc>,
) -> Result<Gate, DbErr> {
    let changes = outbox_message::Entity::update_many()
        .col_expr(Column::NextAttemptAt, Expr::value(until))
        .col_expr(Column::Decision, Expr::value(words));
    Ok(match record(txn, id, changes, now).await? {
        true => Gate::Held,
        false => Gate::Taken,
    })
}

async fn drop_with<C: ConnectionTrait>(
    txn: &C,
    id: i32,
    words: &str,
    now: DateTime<Utc>,
) -> Result<Gate, DbErr> {
    let changes = outbox_message::Entity::update_many()
        .col_expr(Column::Status, Expr::value(OutboxStatus::Suppressed))
        .col_expr(Column::Decision, Expr::value(words));
    Ok(match record(txn, id, changes, now).await? {
        true => Gate::Dropped,
        false => Gate::Taken,
    })
}

/// Applies `changes` only to a reminder still pending and unclaimed.
async fn record<C: ConnectionTrait>(
    txn: &C,
    id: i32,
    changes: sea_orm::UpdateMany<outbox_message::Entity>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = changes
        .filter(Column::Id.eq(id))
        .filter(Column::Status.eq(OutboxStatus::Pending))
        .filter(unclaimed(now))
        .exec(txn)
        .await?;
    Ok(result.rows_affected == 1)
}
