//! Extra support the person asked for, with their consent: kept for their debtor row at one
//! creditor only, seen by that creditor's staff, and in force until the person withdraws it.
//! While in force reminders are fewer (the cadence halves) and a failed automatic payment is
//! not retried. None of it ever goes into an email.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set,
};

use crate::db::begin_write;
use crate::domain::support::SupportRequest;
use crate::entities::support_need::{self, Column};
use crate::entities::{account, creditor};
use crate::services::accounts::people;

/// SQL for "the plan's person has extra support in force", for the reminder scheduler's
/// queries (aliases: `p` the plan).
pub const SUPPORTED_SQL: &str = "EXISTS (SELECT 1 FROM support_needs s \
     WHERE s.debtor_id = p.debtor_id AND s.creditor_id = p.creditor_id \
     AND s.withdrawn_at IS NULL)";

/// The support in force for this debtor row (at its one creditor), if any.
pub async fn in_force<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
) -> Result<Option<support_need::Model>, DbErr> {
    support_need::Entity::find()
        .filter(Column::DebtorId.eq(debtor_id))
        .filter(Column::WithdrawnAt.is_null())
        .order_by_desc(Column::Id)
        .one(conn)
        .await
}

/// The account the person is asking about, the creditor it is with, and what they told
/// that creditor (if anything is in force).
pub struct SupportFacts {
    pub account_id: i32,
    pub debtor_id: i32,
    pub creditor_id: i32,
    pub creditor_name: String,
    pub current: Option<support_need::Model>,
}

/// None when the account is not the signed-in person's.
pub async fn facts<C: ConnectionTrait>(
    conn: &C,
    signed_in: i32,
    account_id: i32,
) -> Result<Option<SupportFacts>, DbErr> {
    if people::holder_of_account(conn, signed_in, account_id)
        .await?
        .is_none()
    {
        return Ok(None);
    }
    let Some((found, Some(creditor))) = account::Entity::find_by_id(account_id)
        .find_also_related(creditor::Entity)
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(SupportFacts {
        account_id: found.id,
        debtor_id: found.debtor_id,
        creditor_id: found.creditor_id,
        creditor_name: creditor.display_name,
        current: in_force(conn, found.debtor_id).await?,
    }))
}

/// Keeps what the person told us (replacing anything in force before). Returns false when
/// the account is not theirs.
pub async fn record(
    db: &DatabaseConnection,
    signed_in: i32,
    account_id: i32,
    request: &SupportRequest,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let txn = begin_write(db).await?;
    let Some(facts) = facts(&txn, signed_in, account_id).await? else {
        return Ok(false);
    };
    withdraw_all(&txn, facts.debtor_id, now).await?;
    support_need::ActiveModel {
        debtor_id: Set(facts.debtor_id),
        creditor_id: Set(facts.creditor_id),
        words: Set(request.words().to_string()),
        consented_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(true)
}

/// The person withdraws what they told us: staff no longer see it and reminders and
/// automatic payments go back to normal. Returns false when the account is not theirs.
pub async fn withdraw(
    db: &DatabaseConnection,
    signed_in: i32,
    account_id: i32,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let Some(facts) = facts(db, signed_in, account_id).await? else {
        return Ok(false);
    };
    withdraw_all(db, facts.debtor_id, now).await?;
    Ok(true)
}

async fn withdraw_all<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    support_need::Entity::update_many()
        .col_expr(Column::WithdrawnAt, Expr::value(now))
        .filter(Column::DebtorId.eq(debtor_id))
        .filter(Column::WithdrawnAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}
