//! Slows down guessing without ever locking anyone out for good: after a few failures in a
//! window the next try must wait, the wait doubles with each further failure, and it is capped
//! so a person who needs to pay can always get in a little later.
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::crypto::KeyedHasher;
use crate::entities::sign_in_attempt;

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

/// The longest wait any of the keys still has to serve, if any.
pub async fn wait_needed<C: ConnectionTrait>(
    conn: &C,
    keys: &[ThrottleKey],
    now: DateTime<Utc>,
) -> Result<Option<Duration>, DbErr> {
    let mut longest: Option<Duration> = None;
    for key in keys {
        let recent = recent_attempts(conn, key, now).await?;
        let (Some(latest), Some(wait)) = (recent.first(), wait_after(recent.len())) else {
            continue;
        };
        let remaining = *latest + wait - now;
        if remaining > Duration::zero() && longest.is_none_or(|l| remaining > l) {
            longest = Some(remaining);
        }
    }
    Ok(longest)
}

async fn recent_attempts<C: ConnectionTrait>(
    conn: &C,
    key: &ThrottleKey,
    now: DateTime<Utc>,
) -> Result<Vec<DateTime<Utc>>, DbErr> {
    let rows = sign_in_attempt::Entity::find()
        .filter(sign_in_attempt::Column::KeyHash.eq(key.0.as_str()))
        .filter(sign_in_attempt::Column::AttemptedAt.gt(now - Duration::minutes(WINDOW_MINUTES)))
        .order_by_desc(sign_in_attempt::Column::AttemptedAt)
        .limit(64)
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|r| r.attempted_at).collect())
}

pub async fn record<C: ConnectionTrait>(
    conn: &C,
    keys: &[ThrottleKey],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    for key in keys {
        sign_in_attempt::ActiveModel {
            key_hash: Set(key.0.clone()),
            attempted_at: Set(now),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

/// Forget failures for a key after a success, so a person who mistyped is not slowed later.
pub async fn clear<C: ConnectionTrait>(conn: &C, key: &ThrottleKey) -> Result<(), DbErr> {
    sign_in_attempt::Entity::delete_many()
        .filter(sign_in_attempt::Column::KeyHash.eq(key.0.as_str()))
        .exec(conn)
        .await?;
    Ok(())
}

/// Housekeeping: attempts older than the window no longer matter.
pub async fn delete_old<C: ConnectionTrait>(conn: &C, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let result = sign_in_attempt::Entity::delete_many()
        .filter(sign_in_attempt::Column::AttemptedAt.lte(now - Duration::minutes(WINDOW_MINUTES)))
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// "2 minutes", "30 seconds": for the kind message that asks a person to wait.
pub fn describe_wait(wait: Duration) -> String {
    // Round up: "wait 30 seconds" must never be shorter than the real wait.
    let seconds = ((wait.num_milliseconds() + 999) / 1000).max(1);
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
