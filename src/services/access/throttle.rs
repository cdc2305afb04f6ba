//! Slows down guessing without ever locking anyone out for good: after a few attempts in a
//! window the next try must wait, the wait doubles with each further attempt, and it is capped
//! so a person who needs to pay can always get in a little later.
//!
//! An attempt is *claimed* before it is evaluated: one row per key, locked (PostgreSQL
//! `FOR UPDATE`; SQLite's `BEGIN IMMEDIATE` already serialises writers), checked and counted
//! in one transaction. Two hundred requests at once therefore get at most the free attempts
//! evaluated; counting after the check, as before, let all of them through.
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QuerySelect, Set,
};

use crate::crypto::KeyedHasher;
use crate::db::begin_write;
use crate::entities::throttle_bucket;

pub const WINDOW_MINUTES: i64 = 15;
pub const FREE_ATTEMPTS: usize = 5;
const FIRST_WAIT_SECONDS: i64 = 30;
const MAX_WAIT_SECONDS: i64 = 15 * 60;

/// What is being limited: a reference, an email address, a client address.
pub struct ThrottleKey(String);

impl ThrottleKey {
    pub fn new(hasher: &KeyedHasher, kind: &str, value: &str) -> Self {
        Self(hasher.hash("throttle", &format!("{kind}:{value}")))
    }
}

/// How long the wait is after `count` attempts inside the window.
pub fn wait_after(count: usize) -> Option<Duration> {
    if count < FREE_ATTEMPTS {
        return None;
    }
    let doublings = (count - FREE_ATTEMPTS).min(10) as u32;
    let seconds = (FIRST_WAIT_SECONDS << doublings).min(MAX_WAIT_SECONDS);
    Some(Duration::seconds(seconds))
}

/// Claims one attempt on every key, or none: when any key must still wait, nothing is
/// counted and the longest wait is returned. Only a granted claim may be evaluated.
pub async fn claim(
    db: &DatabaseConnection,
    keys: &[ThrottleKey],
    now: DateTime<Utc>,
) -> Result<Option<Duration>, DbErr> {
    let txn = begin_write(db).await?;
    let buckets = lock_buckets(&txn, keys, now).await?;
    let longest = buckets
        .iter()
        .filter_map(|b| b.blocked_until)
        .map(|until| until - now)
        .filter(|remaining| *remaining > Duration::zero())
        .max();
    if longest.is_some() {
        txn.rollback().await?;
        return Ok(longest);
    }
    for bucket in buckets {
        let attempts = bucket.attempts + 1;
        let blocked_until = wait_after(attempts as usize).map(|wait| now + wait);
        save(
            &txn,
            bucket.key_hash,
            attempts,
            bucket.window_started_at,
            blocked_until,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(None)
}

/// The buckets of `keys`, locked for this transaction, with windows that ran out started
/// afresh. Locked in one order (by hash) so two claims on the same keys cannot deadlock.
async fn lock_buckets<C: ConnectionTrait>(
    conn: &C,
    keys: &[ThrottleKey],
    now: DateTime<Utc>,
) -> Result<Vec<throttle_bucket::Model>, DbErr> {
    let mut hashes: Vec<&str> = keys.iter().map(|k| k.0.as_str()).collect();
    hashes.sort_unstable();
    hashes.dedup();
    let mut buckets = Vec::with_capacity(hashes.len());
    for hash in hashes {
        ensure_bucket(conn, hash, now).await?;
        let row = throttle_bucket::Entity::find_by_id(hash.to_string())
            .lock_exclusive()
            .one(conn)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound(format!("throttle bucket {hash}")))?;
        buckets.push(fresh_window(row, now));
    }
    Ok(buckets)
}

async fn ensure_bucket<C: ConnectionTrait>(
    conn: &C,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    throttle_bucket::Entity::insert(throttle_bucket::ActiveModel {
        key_hash: Set(hash.to_string()),
        attempts: Set(0),
        window_started_at: Set(now),
        blocked_until: Set(None),
    })
    .on_conflict(
        OnConflict::column(throttle_bucket::Column::KeyHash)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// Attempts older than the window no longer count; a wait still being served still holds.
fn fresh_window(mut row: throttle_bucket::Model, now: DateTime<Utc>) -> throttle_bucket::Model {
    if row.window_started_at <= now - Duration::minutes(WINDOW_MINUTES) {
        row.attempts = 0;
        row.window_started_at = now;
    }
    row
}

async fn save<C: ConnectionTrait>(
    conn: &C,
    key_hash: String,
    attempts: i32,
    window_started_at: DateTime<Utc>,
    blocked_until: Option<DateTime<Utc>>,
) -> Result<(), DbErr> {
    throttle_bucket::Entity::update_many()
        .col_expr(throttle_bucket::Column::Attempts, Expr::value(attempts))
        .col_expr(
            throttle_bucket::Column::WindowStartedAt,
            Expr::value(window_started_at),
        )
        .col_expr(
            throttle_bucket::Column::BlockedUntil,
            Expr::value(blocked_until),
        )
        .filter(throttle_bucket::Column::KeyHash.eq(key_hash))
        .exec(conn)
        .await?;
    Ok(())
}

/// Forget the attempts on a key after a success, so a person who mistyped is not slowed later.
pub async fn clear<C: ConnectionTrait>(conn: &C, key: &ThrottleKey) -> Result<(), DbErr> {
    throttle_bucket::Entity::delete_many()
        .filter(throttle_bucket::Column::KeyHash.eq(key.0.as_str()))
        .exec(conn)
        .await?;
    Ok(())
}

/// Gives back the attempt a success claimed on a key (the client address): people who get
/// in are not held against the others who share their address.
pub async fn give_back<C: ConnectionTrait>(
    conn: &C,
    key: &ThrottleKey,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let row = throttle_bucket::Entity::find_by_id(key.0.clone())
        .lock_exclusive()
        .one(conn)
        .await?;
    let Some(row) = row.map(|r| fresh_window(r, now)) else {
        return Ok(());
    };
    let attempts = (row.attempts - 1).max(0);
    let blocked_until = row
        .blocked_until
        .filter(|_| wait_after(attempts as usize).is_some());
    save(
        conn,
        row.key_hash,
        attempts,
        row.window_started_at,
        blocked_until,
    )
    .await
}

/// Housekeeping: buckets whose window and wait are both over no longer matter.
pub async fn delete_old<C: ConnectionTrait>(conn: &C, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let result = throttle_bucket::Entity::delete_many()
        .filter(
            throttle_bucket::Column::WindowStartedAt.lte(now - Duration::minutes(WINDOW_MINUTES)),
        )
        .filter(
            Condition::any()
                .add(throttle_bucket::Column::BlockedUntil.is_null())
                .add(throttle_bucket::Column::BlockedUntil.lte(now)),
        )
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// The wait in whole seconds, rounded up: never shorter than the real wait.
pub fn wait_seconds(wait: Duration) -> i64 {
    ((wait.num_milliseconds() + 999) / 1000).max(1)
}

/// "2 minutes", "30 seconds": for the kind message that asks a person to wait.
pub fn describe_wait(wait: Duration) -> String {
    let seconds = wait_seconds(wait);
    if seconds < 60 {
        return format!("{seconds} seconds");
    }
    let minutes = (seconds + 59) / 60;
    if minutes == 1 {
        "1 minute".to_string()
    } else {
        format!("{minutes} minutes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_start_after_five_attempts_double_and_are_capped() {
        assert_eq!(wait_after(4), None);
        assert_eq!(wait_after(5), Some(Duration::seconds(30)));
        assert_eq!(wait_after(6), Some(Duration::seconds(60)));
        assert_eq!(wait_after(7), Some(Duration::seconds(120)));
        assert_eq!(wait_after(60), Some(Duration::seconds(MAX_WAIT_SECONDS)));
    }

    #[test]
    fn waits_read_naturally() {
        assert_eq!(describe_wait(Duration::seconds(30)), "30 seconds");
        assert_eq!(describe_wait(Duration::seconds(61)), "2 minutes");
        assert_eq!(describe_wait(Duration::seconds(60)), "1 minute");
    }
}
