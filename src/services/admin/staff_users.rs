//! An admin manages staff: invite (an emailed set-password link), disable, enable, and reset
//! (a new link; the old password stops working at once). Every action is audited, and every
//! email goes through the outbox in the same transaction.
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::crypto::{hash_password, random_token, sha256_hex};
use crate::db::begin_write;
use crate::domain::invitation::{Invitee, StaffInvitation};
use crate::domain::staff::{PasswordLinkPurpose, StaffRole};
use crate::email::{outbox, staff_templates};
use crate::entities::{creditor, staff_password_token, staff_user};
use crate::services::access::staff_sign_in;
use crate::services::audit::{self, Actor, AuditEvent};

/// How long a set-password link works.
pub const SET_PASSWORD_DAYS: i64 = 7;

#[derive(Clone, Debug)]
pub struct StaffListing {
    pub id: i32,
    pub email: String,
    pub role: StaffRole,
    pub creditor_name: Option<String>,
    pub disabled: bool,
    /// Invited and has not chosen a password yet.
    pub waiting_for_password: bool,
}

pub async fn list(db: &DatabaseConnection) -> Result<Vec<StaffListing>, DbErr> {
    let users = staff_user::Entity::find()
        .order_by_asc(staff_user::Column::Email)
        .all(db)
        .await?;
    let creditors: std::collections::HashMap<i32, String> = creditor::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.display_name))
        .collect();
    let open_invites: std::collections::HashSet<i32> = staff_password_token::Entity::find()
        .filter(staff_password_token::Column::Purpose.eq(PasswordLinkPurpose::Invite))
        .filter(staff_password_token::Column::UsedAt.is_null())
        .all(db)
        .await?
        .into_iter()
        .map(|t| t.staff_user_id)
        .collect();
    Ok(users
        .into_iter()
        .map(|u| StaffListing {
            id: u.id,
            creditor_name: u.creditor_id.and_then(|id| creditors.get(&id).cloned()),
            waiting_for_password: u.disabled && open_invites.contains(&u.id),
            email: u.email,
            role: u.role,
            disabled: u.disabled,
        })
        .collect())
}

#[derive(Debug, thiserror::Error)]
pub enum StaffAdminError {
    #[error("a staff user with that email already exists")]
    EmailTaken,
    #[error("that creditor does not exist")]
    UnknownCreditor,
    #[error("you cannot disable your own account")]
    CannotDisableSelf,
    #[error("no such staff user")]
    NotFound,
    #[error("the password could not be hashed")]
    Hash,
    #[error("email could not be rendered")]
    Template(#[from] askama::Error),
    #[error("database error")]
    Database(#[from] DbErr),
}

/// A hash of a random password nobody knows: the account exists but cannot be signed in to
/// until a set-password link is used.
async fn unusable_password_hash() -> Result<String, StaffAdminError> {
    let secret = random_token();
    tokio::task::spawn_blocking(move || hash_password(&secret))
        .await
        .map_err(|_| StaffAdminError::Hash)?
        .map_err(|_| StaffAdminError::Hash)
}

/// Creates the user, disabled until they choose a password, and emails the link.
pub async fn invite(
    db: &DatabaseConnection,
    admin_id: i32,
    invitation: &StaffInvitation,
    base_url: &str,
    now: DateTime<Utc>,
) -> Result<i32, StaffAdminError> {
    let email = invitation.email().as_str().to_lowercase();
    let (role, creditor_id) = match invitation.invitee() {
        Invitee::Admin => (StaffRole::Admin, None),
        Invitee::CreditorStaff { creditor_id } => {
            creditor::Entity::find_by_id(creditor_id)
                .one(db)
                .await?
                .ok_or(StaffAdminError::UnknownCreditor)?;
            (StaffRole::Creditor, Some(creditor_id))
        }
    };
    let hash = unusable_password_hash().await?;
    let txn = begin_write(db).await?;
    let taken = staff_user::Entity::find()
        .filter(staff_user::Column::Email.eq(email.as_str()))
        .one(&txn)
        .await?;
    if taken.is_some() {
        return Err(StaffAdminError::EmailTaken);
    }
    let user = staff_user::ActiveModel {
        email: Set(email.clone()),
        password_hash: Set(hash),
        role: Set(role),
        creditor_id: Set(creditor_id),
        disabled: Set(true),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if matches!(
            e.sql_err(),
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
        ) {
            StaffAdminError::EmailTaken
        } else {
            StaffAdminError::Database(e)
        }
    })?;
    send_link(&txn, &user, PasswordLinkPurpose::Invite, base_url, now).await?;
    audit::record(
        &txn,
        AuditEvent {
            actor: Actor::Staff(admin_id),
            creditor_id,
            action: "staff.invited",
            subject_kind: "staff_user",
            subject_id: Some(user.id),
            detail: role.as_str(),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(user.id)
}

/// Closes every open link for the user, then writes a new one and queues the email.
async fn send_link(
    txn: &DatabaseTransaction,
    user: &staff_user::Model,
    purpose: PasswordLinkPurpose,
    base_url: &str,
    now: DateTime<Utc>,
) -> Result<(), StaffAdminError> {
    close_open_links(txn, user.id).await?;
    let token = random_token();
    staff_password_token::ActiveModel {
        staff_user_id: Set(user.id),
        token_hash: Set(sha256_hex(&token)),
        purpose: Set(purpose),
        expires_at: Set(now + Duration::days(SET_PASSWORD_DAYS)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let link = format!("{base_url}/staff/set-password/{token}");
    let content = staff_templates::set_password(
        &link,
        SET_PASSWORD_DAYS,
        purpose == PasswordLinkPurpose::Invite,
    )?;
    outbox::enqueue(txn, &user.email, content, now).await?;
    Ok(())
}

pub(super) async fn close_open_links<C: ConnectionTrait>(
    conn: &C,
    staff_id: i32,
) -> Result<(), DbErr> {
    // Deleted rather than marked used: a used row means the person really chose a password.
    staff_password_token::Entity::delete_many()
        .filter(staff_password_token::Column::StaffUserId.eq(staff_id))
        .filter(staff_password_token::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

async fn target(
    txn: &DatabaseTransaction,
    staff_id: i32,
) -> Result<staff_user::Model, StaffAdminError> {
    staff_user::Entity::find_by_id(staff_id)
        .one(txn)
        .await?
        .ok_or(StaffAdminError::NotFound)
}

/// Disables the user: their session ends on their next request, and any open set-password
/// link stops working (so an invitation cannot re-enable them).
pub async fn disable(
    db: &DatabaseConnection,
    admin_id: i32,
    staff_id: i32,
    now: DateTime<Utc>,
) -> Result<(), StaffAdminError> {
    if admin_id == staff_id {
        return Err(StaffAdminError::CannotDisableSelf);
    }
    set_disabled(db, admin_id, staff_id, true, now).await
}

pub async fn enable(
    db: &DatabaseConnection,
    admin_id: i32,
    staff_id: i32,
    now: DateTime<Utc>,
) -> Result<(), StaffAdminError> {
    set_disabled(db, admin_id, staff_id, false, now).await
}

async fn set_disabled(
    db: &DatabaseConnection,
    admin_id: i32,
    staff_id: i32,
    disabled: bool,
    now: DateTime<Utc>,
) -> Result<(), StaffAdminError> {
    let txn = begin_write(db).await?;
    let user = target(&txn, staff_id).await?;
    staff_user::Entity::update_many()
        .col_expr(staff_user::Column::Disabled, Expr::value(disabled))
        .filter(staff_user::Column::Id.eq(staff_id))
        .exec(&txn)
        .await?;
    if disabled {
        close_open_links(&txn, staff_id).await?;
        staff_sign_in::end_sessions(&txn, staff_id).await?;
    }
    audit::record(
        &txn,
        AuditEvent {
            actor: Actor::Staff(admin_id),
            creditor_id: user.creditor_id,
            action: if disabled {
                "staff.disabled"
            } else {
                "staff.enabled"
            },
            subject_kind: "staff_user",
            subject_id: Some(staff_id),
            detail: "",
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The old password stops working at once; the user gets a new set-password link. A
/// disabled user stays disabled: only an invitation's link enables.
pub async fn reset(
    db: &DatabaseConnection,
    admin_id: i32,
    staff_id: i32,
    base_url: &str,
    now: DateTime<Utc>,
) -> Result<(), StaffAdminError> {
    let hash = unusable_password_hash().await?;
    let txn = begin_write(db).await?;
    let user = target(&txn, staff_id).await?;
    staff_user::Entity::update_many()
        .col_expr(staff_user::Column::PasswordHash, Expr::value(hash))
        .filter(staff_user::Column::Id.eq(staff_id))
        .exec(&txn)
        .await?;
    // Whoever holds a session with the old password is signed out too.
    staff_sign_in::end_sessions(&txn, staff_id).await?;
    // A user still waiting on their invitation gets a fresh invitation, so it still enables.
    let purpose = if user.disabled && has_unused_invite(&txn, staff_id).await? {
        PasswordLinkPurpose::Invite
    } else {
        PasswordLinkPurpose::Reset
    };
    send_link(&txn, &user, purpose, base_url, now).await?;
    audit::record(
        &txn,
        AuditEvent {
            actor: Actor::Staff(admin_id),
            creditor_id: user.creditor_id,
            action: "staff.password_reset",
            subject_kind: "staff_user",
            subject_id: Some(staff_id),
            detail: "",
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Invited, never used the link, and not disabled since (disabling deletes open links).
async fn has_unused_invite(txn: &DatabaseTransaction, staff_id: i32) -> Result<bool, DbErr> {
    Ok(staff_password_token::Entity::find()
        .filter(staff_password_token::Column::StaffUserId.eq(staff_id))
        .filter(staff_password_token::Column::Purpose.eq(PasswordLinkPurpose::Invite))
        .filter(staff_password_token::Column::UsedAt.is_null())
        .one(txn)
        .await?
        .is_some())
}
