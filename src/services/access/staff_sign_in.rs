//! Staff sign-in with email and password (argon2), throttled like debtor sign-in, and the
//! per-request check that the account is still enabled.
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

use crate::crypto::{KeyedHasher, verify_password};
use crate::db::begin_write;
use crate::domain::staff::StaffRole;
use crate::entities::staff_user;
use crate::services::access::throttle::{self, ThrottleKey};
use crate::services::audit::{self, Actor, AuditEvent};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffIdentity {
    pub staff_id: i32,
    pub role: StaffRole,
    pub creditor_id: Option<i32>,
    /// Sessions remember this; a reset or disable raises it and so ends them.
    pub session_epoch: i32,
}

#[derive(Debug)]
pub enum StaffSignInOutcome {
    SignedIn(StaffIdentity),
    NoMatch,
    WaitBeforeRetry(chrono::Duration),
}

/// A real argon2 hash of a random password, checked when the email is unknown, so a wrong
/// email takes as long as a wrong password and timing reveals nothing.
fn decoy_hash() -> String {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY
        .get_or_init(|| {
            crate::crypto::hash_password(&crate::crypto::random_token()).unwrap_or_default()
        })
        .clone()
}

pub async fn sign_in(
    db: &DatabaseConnection,
    hasher: &KeyedHasher,
    email: &str,
    password: String,
    client: &str,
    now: DateTime<Utc>,
) -> Result<StaffSignInOutcome, DbErr> {
    let email = email.trim().to_lowercase();
    let keys = [
        ThrottleKey::new(hasher, "staff", &email),
        ThrottleKey::new(hasher, "staff-client", client),
    ];
    if let Some(wait) = throttle::claim(db, &keys, now).await? {
        return Ok(StaffSignInOutcome::WaitBeforeRetry(wait));
    }
    let user = staff_user::Entity::find()
        .filter(staff_user::Column::Email.eq(email.as_str()))
        .one(db)
        .await?;
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let matches = tokio::task::spawn_blocking(move || {
        verify_password(&password, &stored.unwrap_or_else(decoy_hash))
    })
    .await
    .unwrap_or(false);
    let identity = user
        .filter(|u| matches && !u.disabled)
        .and_then(|u| identity_of(&u));
    let txn = begin_write(db).await?;
    let outcome = match identity {
        Some(identity) => {
            throttle::clear(&txn, &keys[0]).await?;
            throttle::give_back(&txn, &keys[1], now).await?;
            audit::record(
                &txn,
                AuditEvent {
                    actor: Actor::Staff(identity.staff_id),
                    creditor_id: identity.creditor_id,
                    action: "staff.signed_in",
                    subject_kind: "staff_user",
                    subject_id: Some(identity.staff_id),
                    detail: "",
                },
                now,
            )
            .await?;
            StaffSignInOutcome::SignedIn(identity)
        }
        // The attempt was counted when it was claimed.
        None => StaffSignInOutcome::NoMatch,
    };
    txn.commit().await?;
    Ok(outcome)
}

fn identity_of(user: &staff_user::Model) -> Option<StaffIdentity> {
    let role = user.role;
    // A creditor user without a creditor could see nothing; treat it as no account.
    if role == StaffRole::Creditor && user.creditor_id.is_none() {
        return None;
    }
    Some(StaffIdentity {
        staff_id: user.id,
        role,
        creditor_id: user.creditor_id,
        session_epoch: user.session_epoch,
    })
}

/// The staff member behind a session, if still enabled and the session was started since
/// their last password reset or disable: those end access on the next request.
pub async fn current(
    db: &DatabaseConnection,
    staff_id: i32,
    session_epoch: i32,
) -> Result<Option<StaffIdentity>, DbErr> {
    let user = staff_user::Entity::find_by_id(staff_id).one(db).await?;
    Ok(user
        .filter(|u| !u.disabled && u.session_epoch == session_epoch)
        .and_then(|u| identity_of(&u)))
}

/// Ends every session the user has, wherever it is stored (database or Redis): each session
/// carries the epoch it started under, and this raises it.
pub async fn end_sessions<C: sea_orm::ConnectionTrait>(
    conn: &C,
    staff_id: i32,
) -> Result<(), DbErr> {
    use sea_orm::ExprTrait;
    use sea_orm::sea_query::Expr;
    staff_user::Entity::update_many()
        .col_expr(
            staff_user::Column::SessionEpoch,
            Expr::col(staff_user::Column::SessionEpoch).add(1),
        )
        .filter(staff_user::Column::Id.eq(staff_id))
        .exec(conn)
        .await?;
    Ok(())
}
