//! Storage of server-side session state. Rows are keyed by a hash of the cookie's key, so a
//! copy of the table cannot be replayed as cookies.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set,
};

use crate::crypto::sha256_hex;
use crate::entities::session;

pub async fn load<C: ConnectionTrait>(
    db: &C,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, DbErr> {
    let row = session::Entity::find_by_id(sha256_hex(key))
        .filter(session::Column::ExpiresAt.gt(now))
        .one(db)
        .await?;
    Ok(row.map(|r| r.state))
}

pub async fn upsert(
    db: &DatabaseConnection,
    key: &str,
    state: String,
    expires_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let row = session::ActiveModel {
        id_hash: Set(sha256_hex(key)),
        state: Set(state),
        expires_at: Set(expires_at),
    };
    session::Entity::insert(row)
        .on_conflict(
            OnConflict::column(session::Column::IdHash)
                .update_columns([session::Column::State, session::Column::ExpiresAt])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn touch(
    db: &DatabaseConnection,
    key: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    session::Entity::update_many()
        .col_expr(
            session::Column::ExpiresAt,
            sea_orm::sea_query::Expr::value(expires_at),
        )
        .filter(session::Column::IdHash.eq(sha256_hex(key)))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn delete(db: &DatabaseConnection, key: &str) -> Result<(), DbErr> {
    session::Entity::delete_by_id(sha256_hex(key))
        .exec(db)
        .await?;
    Ok(())
}

/// Removes expired rows; run by the scheduler.
pub async fn delete_expired(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let result = session::Entity::delete_many()
        .filter(session::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Ends every database-stored session signed in as this debtor row (used when the person's
/// data is erased). The state is the session's JSON map, whose "debtor" value is itself JSON
/// text, so the id appears as `{\"debtor_id\":N,`; `!` escapes LIKE on both databases.
/// Sessions kept in Redis are not searched: they end at their lifetime (two hours).
pub async fn end_debtor_sessions<C: sea_orm::ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
) -> Result<(), DbErr> {
    let pattern = format!("%{{\\\"debtor_id\\\":{debtor_id},%");
    session::Entity::delete_many()
        .filter(session::Column::State.like(sea_orm::sea_query::LikeExpr::new(pattern).escape('!')))
        .exec(conn)
        .await?;
    Ok(())
}
