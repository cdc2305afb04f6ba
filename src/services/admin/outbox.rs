//! Messages the outbox gave up on, and the admin's "Try again".
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::db::begin_write;
use crate::domain::outbox::OutboxStatus;
use crate::entities::outbox_message::{self, Column};
use crate::services::audit::{self, Actor, AuditEvent};

/// The most failed messages shown at once, newest first.
pub const FAILED_LIST_LIMIT: u64 = 200;

#[derive(Clone, Debug)]
pub struct FailedMessage {
    pub id: i32,
    pub to: String,
    pub subject: String,
    pub attempts: i32,
    pub last_error: String,
    /// When it last failed (the moment it was given up on).
    pub failed_at: DateTime<Utc>,
}

pub struct FailedMessages {
    pub shown: Vec<FailedMessage>,
    pub total: u64,
}

pub async fn failed(db: &DatabaseConnection) -> Result<FailedMessages, DbErr> {
    let query = outbox_message::Entity::find().filter(Column::Status.eq(OutboxStatus::Failed));
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_desc(Column::NextAttemptAt)
        .order_by_desc(Column::Id)
        .limit(FAILED_LIST_LIMIT)
        .all(db)
        .await?;
    Ok(FailedMessages {
        shown: rows
            .into_iter()
            .map(|m| FailedMessage {
                id: m.id,
                to: m.to_address,
                subject: m.subject,
                attempts: m.attempts,
                last_error: m.last_error.unwrap_or_default(),
                failed_at: m.next_attempt_at,
            })
            .collect(),
        total,
    })
}

/// Messages still being tried that have failed at least once (the mail server down, or asking
/// us to wait): an outage shows here long before anything is given up on.
pub async fn retrying(db: &DatabaseConnection) -> Result<u64, DbErr> {
    outbox_message::Entity::find()
        .filter(Column::Status.eq(OutboxStatus::Pending))
        .filter(Column::Attempts.gt(0))
        .count(db)
        .await
}

/// Puts a failed message back in the queue, due now with a fresh set of attempts. Returns
/// false when the message is not (or no longer) failed, e.g. a second click.
pub async fn retry(
    db: &DatabaseConnection,
    admin_id: i32,
    message_id: i32,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let txn = begin_write(db).await?;
    let result = outbox_message::Entity::update_many()
        .col_expr(Column::Status, Expr::value(OutboxStatus::Pending))
        .col_expr(Column::Attempts, Expr::value(0))
        .col_expr(Column::NextAttemptAt, Expr::value(now))
        .col_expr(
            Column::ClaimedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(Column::Id.eq(message_id))
        .filter(Column::Status.eq(OutboxStatus::Failed))
        .exec(&txn)
        .await?;
    if result.rows_affected != 1 {
        txn.rollback().await?;
        return Ok(false);
    }
    audit::record(
        &txn,
        AuditEvent {
            actor: Actor::Staff(admin_id),
            creditor_id: None,
            action: "outbox.retried",
            subject_kind: "outbox_message",
            subject_id: Some(message_id),
            detail: "",
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}
