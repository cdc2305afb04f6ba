//! Creating staff users (from the CLI, and later the admin console).
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set,
};

use crate::crypto::hash_password;
use crate::domain::staff::StaffRole;
use crate::entities::{creditor, staff_user};

#[derive(Debug, thiserror::Error)]
pub enum CreateStaffError {
    #[error("a staff user with that email already exists")]
    EmailTaken,
    #[error("no creditor is called {0:?}")]
    UnknownCreditor(String),
    #[error("a creditor user needs a creditor")]
    CreditorRequired,
    #[error("the password must be at least 12 characters")]
    PasswordTooShort,
    #[error("the password could not be hashed")]
    Hash,
    #[error("database error")]
    Database(#[from] DbErr),
}

pub struct NewStaff<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub role: StaffRole,
    pub creditor_name: Option<&'a str>,
}

pub const MIN_PASSWORD_LEN: usize = 12;

pub async fn create(
    db: &DatabaseConnection,
    new: NewStaff<'_>,
    now: DateTime<Utc>,
) -> Result<i32, CreateStaffError> {
    if new.password.chars().count() < MIN_PASSWORD_LEN {
        return Err(CreateStaffError::PasswordTooShort);
    }
    create_unchecked(db, new, now).await
}

/// Creates the user without the password-length rule: only for the published demo sign-ins.
pub(crate) async fn create_unchecked(
    db: &DatabaseConnection,
    new: NewStaff<'_>,
    now: DateTime<Utc>,
) -> Result<i32, CreateStaffError> {
    let email = new.email.trim().to_lowercase();
    let taken = staff_user::Entity::find()
        .filter(staff_user::Column::Email.eq(email.as_str()))
        .one(db)
        .await?;
    if taken.is_some() {
        return Err(CreateStaffError::EmailTaken);
    }
    let creditor_id = creditor_for(db, new.role, new.creditor_name).await?;
    let password = new.password.to_string();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|_| CreateStaffError::Hash)?
        .map_err(|_| CreateStaffError::Hash)?;
    let user = staff_user::ActiveModel {
        email: Set(email),
        password_hash: Set(hash),
        role: Set(new.role),
        creditor_id: Set(creditor_id),
        disabled: Set(false),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(user.id)
}

async fn creditor_for(
    db: &DatabaseConnection,
    role: StaffRole,
    name: Option<&str>,
) -> Result<Option<i32>, CreateStaffError> {
    let Some(name) = name else {
        return match role {
            StaffRole::Admin => Ok(None),
            StaffRole::Creditor => Err(CreateStaffError::CreditorRequired),
        };
    };
    let found = creditor::Entity::find()
        .filter(creditor::Column::Name.eq(name))
        .one(db)
        .await?;
    found
        .map(|c| Some(c.id))
        .ok_or_else(|| CreateStaffError::UnknownCreditor(name.to_string()))
}
