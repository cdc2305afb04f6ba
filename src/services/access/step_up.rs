//! A one-time code sent to the email on file before changes to what we hold (a saved card,
//! later the email address or a data download): the light sign-in with a reference and date
//! of birth is not enough for those.
//!
//! The code (only its hash) and its wrong tries live in one database row per person and
//! purpose. Each try is counted by a conditional UPDATE before the code is compared, so tries
//! sent at once cannot overwrite each other's count (as they could in the session).
use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    ExprTrait, QueryFilter, Set,
};

use crate::crypto::{constant_time_eq, sha256_hex};
use crate::db::begin_write;
use crate::email::{outbox, templates};
use crate::entities::{debtor, step_up_code};

pub const CODE_MINUTES: i64 = 10;
/// Tries allowed per code before a new one must be sent.
pub const MAX_TRIES: i32 = 5;

#[derive(Debug, thiserror::Error)]
pub enum StepUpError {
    #[error("database error")]
    Database(#[from] DbErr),
    #[error("email could not be rendered")]
    Template(#[from] askama::Error),
}

fn hash(code: &str) -> String {
    sha256_hex(&format!("step-up:{}", code.trim()))
}

/// Emails a fresh six-digit code to the person's address on file; it replaces any earlier
/// code for the same purpose.
pub async fn send_code<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
    purpose: &str,
    now: DateTime<Utc>,
) -> Result<(), StepUpError> {
    let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32));
    let Some(person) = debtor::Entity::find_by_id(debtor_id).one(conn).await? else {
        return Ok(());
    };
    forget(conn, debtor_id, purpose).await?;
    step_up_code::ActiveModel {
        debtor_id: Set(debtor_id),
        purpose: Set(purpose.to_string()),
        code_hash: Set(hash(&code)),
        tries: Set(0),
        expires_at: Set(now + Duration::minutes(CODE_MINUTES)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let content = templates::confirmation_code(&code, CODE_MINUTES)?;
    outbox::enqueue_to_debtor(conn, person.id, content, now).await?;
    Ok(())
}

async fn forget<C: ConnectionTrait>(conn: &C, debtor_id: i32, purpose: &str) -> Result<(), DbErr> {
    step_up_code::Entity::delete_many()
        .filter(step_up_code::Column::DebtorId.eq(debtor_id))
        .filter(step_up_code::Column::Purpose.eq(purpose))
        .exec(conn)
        .await?;
    Ok(())
}

#[derive(Debug, PartialEq, Eq)]
pub enum CodeCheck {
    Confirmed,
    Wrong,
    /// Expired, or too many wrong tries: a new code is needed.
    NeedsNewCode,
}

/// Checks a typed code. The try is claimed first (only while tries are left and the code has
/// not expired), then compared; a right code is used up.
pub async fn check(
    db: &DatabaseConnection,
    debtor_id: i32,
    purpose: &str,
    typed: &str,
    now: DateTime<Utc>,
) -> Result<CodeCheck, DbErr> {
    let txn = begin_write(db).await?;
    let claimed = step_up_code::Entity::update_many()
        .col_expr(
            step_up_code::Column::Tries,
            Expr::col(step_up_code::Column::Tries).add(1),
        )
        .filter(step_up_code::Column::DebtorId.eq(debtor_id))
        .filter(step_up_code::Column::Purpose.eq(purpose))
        .filter(step_up_code::Column::Tries.lt(MAX_TRIES))
        .filter(step_up_code::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        txn.commit().await?;
        return Ok(CodeCheck::NeedsNewCode);
    }
    let row = step_up_code::Entity::find()
        .filter(step_up_code::Column::DebtorId.eq(debtor_id))
        .filter(step_up_code::Column::Purpose.eq(purpose))
        .one(&txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("step-up code".to_string()))?;
    let matches = constant_time_eq(&hash(typed), &row.code_hash);
    if matches {
        forget(&txn, debtor_id, purpose).await?;
    }
    txn.commit().await?;
    Ok(outcome(matches, row.tries))
}

/// What a try means, given whether it matched and how many tries the code has now had.
fn outcome(matches: bool, tries: i32) -> CodeCheck {
    if matches {
        CodeCheck::Confirmed
    } else if tries >= MAX_TRIES {
        CodeCheck::NeedsNewCode
    } else {
        CodeCheck::Wrong
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_wrong_try_asks_for_a_new_code() {
        assert_eq!(outcome(true, MAX_TRIES), CodeCheck::Confirmed);
        assert_eq!(outcome(false, MAX_TRIES - 1), CodeCheck::Wrong);
        assert_eq!(outcome(false, MAX_TRIES), CodeCheck::NeedsNewCode);
    }

    #[test]
    fn codes_are_compared_without_surrounding_spaces() {
        assert_eq!(hash(" 123456 "), hash("123456"));
    }
}
