//! An admin creates and edits creditors. It takes only checked [`CreditorDetails`] (made by
//! `CreditorDetails::new`); this module checks the name is free, saves, and audits.
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, Set,
};

use crate::db::begin_write;
pub use crate::domain::creditor::CreditorDetails;
use crate::entities::creditor;
use crate::services::audit::{self, Actor, AuditEvent};

/// Every field of one creditor, as stored, for the edit form.
#[derive(Clone, Debug)]
pub struct CreditorRecord {
    pub id: i32,
    pub name: String,
    pub display_name: String,
    pub currency: String,
    pub time_zone: String,
    pub contact_email: String,
    pub contact_phone: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CreditorSaveError {
    #[error("another creditor already has that name")]
    NameTaken,
    #[error("no such creditor")]
    NotFound,
    #[error("database error")]
    Database(#[from] DbErr),
}

pub async fn record(
    db: &DatabaseConnection,
    creditor_id: i32,
) -> Result<Option<CreditorRecord>, DbErr> {
    Ok(creditor::Entity::find_by_id(creditor_id)
        .one(db)
        .await?
        .map(|c| CreditorRecord {
            id: c.id,
            name: c.name,
            display_name: c.display_name,
            currency: c.currency,
            time_zone: c.time_zone,
            contact_email: c.contact_email,
            contact_phone: c.contact_phone,
        }))
}

async fn name_taken<C: sea_orm::ConnectionTrait>(
    conn: &C,
    name: &str,
    except: Option<i32>,
) -> Result<bool, DbErr> {
    let mut query = creditor::Entity::find().filter(creditor::Column::Name.eq(name));
    if let Some(id) = except {
        query = query.filter(creditor::Column::Id.ne(id));
    }
    Ok(query.one(conn).await?.is_some())
}

pub async fn create(
    db: &DatabaseConnection,
    admin_id: i32,
    details: &CreditorDetails,
    now: DateTime<Utc>,
) -> Result<i32, CreditorSaveError> {
    let txn = begin_write(db).await?;
    if name_taken(&txn, details.name(), None).await? {
        return Err(CreditorSaveError::NameTaken);
    }
    let row = creditor::ActiveModel {
        name: Set(details.name().to_string()),
        display_name: Set(details.display_name().to_string()),
        currency: Set(details.currency().code().to_string()),
        time_zone: Set(details.time_zone().name().to_string()),
        contact_email: Set(details.contact_email().as_str().to_string()),
        contact_phone: Set(details.contact_phone().to_string()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(unique_to_taken)?;
    audit::record(
        &txn,
        AuditEvent {
            actor: Actor::Staff(admin_id),
            creditor_id: Some(row.id),
            action: "creditor.created",
            subject_kind: "creditor",
            subject_id: Some(row.id),
            detail: "",
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(row.id)
}

pub async fn update(
    db: &DatabaseConnection,
    admin_id: i32,
    creditor_id: i32,
    details: &CreditorDetails,
    now: DateTime<Utc>,
) -> Result<(), CreditorSaveError> {
    let txn = begin_write(db).await?;
    let Some(existing) = creditor::Entity::find_by_id(creditor_id).one(&txn).await? else {
        return Err(CreditorSaveError::NotFound);
    };
    if name_taken(&txn, details.name(), Some(creditor_id)).await? {
        return Err(CreditorSaveError::NameTaken);
    }
    let changed: Vec<&str> = [
        ("name", existing.name != details.name()),
        (
            "display_name",
            existing.display_name != details.display_name(),
        ),
        ("currency", existing.currency != details.currency().code()),
        (
            "time_zone",
            existing.time_zone != details.time_zone().name(),
        ),
        (
            "contact_email",
            existing.contact_email != details.contact_email().as_str(),
        ),
        (
            "contact_phone",
            existing.contact_phone != details.contact_phone(),
        ),
    ]
    .into_iter()
    .filter_map(|(field, differs)| differs.then_some(field))
    .collect();
    let mut row = existing.into_active_model();
    row.name = Set(details.name().to_string());
    row.display_name = Set(details.display_name().to_string());
    row.currency = Set(details.currency().code().to_string());
    row.time_zone = Set(details.time_zone().name().to_string());
    row.contact_email = Set(details.contact_email().as_str().to_string());
    row.contact_phone = Set(details.contact_phone().to_string());
    row.update(&txn).await.map_err(unique_to_taken)?;
    let detail = format!("changed: {}", changed.join(", "));
    audit::record(
        &txn,
        AuditEvent {
            actor: Actor::Staff(admin_id),
            creditor_id: Some(creditor_id),
            action: "creditor.updated",
            subject_kind: "creditor",
            subject_id: Some(creditor_id),
            detail: &detail,
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Two admins saving the same new name at once: the unique index decides, and the loser
/// hears "name taken" rather than a 500.
fn unique_to_taken(err: DbErr) -> CreditorSaveError {
    if matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    ) {
        CreditorSaveError::NameTaken
    } else {
        CreditorSaveError::Database(err)
    }
}
