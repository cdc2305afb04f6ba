//! A staff member chooses a password from an emailed link (an invitation or a reset). Like
//! sign-in links: 256 random bits, stored only as a hash, single use; the GET shows the form
//! and only the POST uses the token. An invitation's link also enables the account.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

use crate::crypto::{hash_password, sha256_hex};
use crate::db::begin_write;
use crate::domain::staff::PasswordLinkPurpose;
use crate::entities::{staff_password_token, staff_user};
use crate::services::admin::create_staff::MIN_PASSWORD_LEN;
use crate::services::audit::{self, Actor, AuditEvent};

/// The longest password we hash: argon2 copes, but there is no reason to accept megabytes.
pub const MAX_PASSWORD_LEN: usize = 1024;

#[derive(Debug, PartialEq, Eq)]
pub enum PasswordLinkProblem {
    Used,
    Expired,
    Unknown,
}

#[derive(Debug, thiserror::Error)]
pub enum SetPasswordError {
    #[error("the link does not work")]
    Link(PasswordLinkProblem),
    #[error("the password could not be hashed")]
    Hash,
    #[error("database error")]
    Database(#[from] DbErr),
}

/// Why a chosen password cannot be used, as a message for the field.
pub fn password_problem(password: &str, confirm: &str) -> Option<(&'static str, String)> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_LEN {
        return Some((
            "password",
            format!("Enter a password of at least {MIN_PASSWORD_LEN} characters"),
        ));
    }
    if length > MAX_PASSWORD_LEN {
        return Some((
            "password",
            format!("Enter a password of at most {MAX_PASSWORD_LEN} characters"),
        ));
    }
    if password != confirm {
        return Some(("confirm", "The two passwords are not the same".to_string()));
    }
    None
}

async fn find(
    db: &DatabaseConnection,
    token: &str,
) -> Result<Option<staff_password_token::Model>, DbErr> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    staff_password_token::Entity::find()
        .filter(staff_password_token::Column::TokenHash.eq(sha256_hex(token)))
        .one(db)
        .await
}

fn usable(
    row: &staff_password_token::Model,
    now: DateTime<Utc>,
) -> Result<(), PasswordLinkProblem> {
    if row.used_at.is_some() {
        Err(PasswordLinkProblem::Used)
    } else if row.expires_at <= now {
        Err(PasswordLinkProblem::Expired)
    } else {
        Ok(())
    }
}

/// For the GET: whether the link would work, without using it.
pub async fn check(
    db: &DatabaseConnection,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Result<(), PasswordLinkProblem>, DbErr> {
    Ok(match find(db, token).await? {
        None => Err(PasswordLinkProblem::Unknown),
        Some(row) => usable(&row, now),
    })
}

/// For the POST: uses the link and sets the password (the caller has checked it with
/// [`password_problem`]). Returns the staff id.
pub async fn set_password(
    db: &DatabaseConnection,
    token: &str,
    password: String,
    now: DateTime<Utc>,
) -> Result<i32, SetPasswordError> {
    let row = find(db, token)
        .await?
        .ok_or(SetPasswordError::Link(PasswordLinkProblem::Unknown))?;
    usable(&row, now).map_err(SetPasswordError::Link)?;
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|_| SetPasswordError::Hash)?
        .map_err(|_| SetPasswordError::Hash)?;
    let txn = begin_write(db).await?;
    // Conditional: of two submits at once, exactly one uses the link.
    let spent = staff_password_token::Entity::update_many()
        .col_expr(staff_password_token::Column::UsedAt, Expr::value(Some(now)))
        .filter(staff_password_token::Column::Id.eq(row.id))
        .filter(staff_password_token::Column::UsedAt.is_null())
        .filter(staff_password_token::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?;
    if spent.rows_affected != 1 {
        txn.rollback().await?;
        return Err(SetPasswordError::Link(PasswordLinkProblem::Used));
    }
    let Some(user) = staff_user::Entity::find_by_id(row.staff_user_id)
        .one(&txn)
        .await?
    else {
        txn.rollback().await?;
        return Err(SetPasswordError::Link(PasswordLinkProblem::Unknown));
    };
    let mut update = staff_user::Entity::update_many()
        .col_expr(staff_user::Column::PasswordHash, Expr::value(hash))
        .filter(staff_user::Column::Id.eq(user.id));
    if row.purpose == PasswordLinkPurpose::Invite {
        update = update.col_expr(staff_user::Column::Disabled, Expr::value(false));
    }
    update.exec(&txn).await?;
    // A new password ends sessions started with the old one.
    crate::services::access::staff_sign_in::end_sessions(&txn, user.id).await?;
    audit::record(
        &txn,
        AuditEvent {
            actor: Actor::Staff(user.id),
            creditor_id: user.creditor_id,
            action: "staff.password_set",
            subject_kind: "staff_user",
            subject_id: Some(user.id),
            detail: row.purpose.as_str(),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(user.id)
}
