//! Free debt advice services: each creditor's own list, or the UK defaults when it has none.
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set,
};

use crate::db::begin_write;
use crate::domain::advice::{AdviceService, uk_defaults};
use crate::entities::{account, advice_service, creditor};
use crate::services::accounts::people;
use crate::services::audit::{self, Actor, AuditEvent};

/// The services a creditor names, and whose list it is.
pub struct AdviceList {
    pub creditor_name: String,
    pub services: Vec<AdviceService>,
    /// True when the creditor set none and these are the UK defaults.
    pub defaults: bool,
}

/// The creditor's own list, in order; empty when it has not set one.
pub async fn own_list<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
) -> Result<Vec<AdviceService>, DbErr> {
    Ok(advice_service::Entity::find()
        .filter(advice_service::Column::CreditorId.eq(creditor_id))
        .order_by_asc(advice_service::Column::Position)
        .order_by_asc(advice_service::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|row| AdviceService {
            name: row.name,
            url: row.url,
            phone: row.phone,
            description: row.description,
        })
        .collect())
}

/// The list shown for one of the person's accounts; none when it is not theirs.
pub async fn for_account<C: ConnectionTrait>(
    conn: &C,
    signed_in: i32,
    account_id: i32,
) -> Result<Option<AdviceList>, DbErr> {
    if people::holder_of_account(conn, signed_in, account_id)
        .await?
        .is_none()
    {
        return Ok(None);
    }
    let Some((_, Some(owner))) = account::Entity::find_by_id(account_id)
        .find_also_related(creditor::Entity)
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let own = own_list(conn, owner.id).await?;
    Ok(Some(AdviceList {
        creditor_name: owner.display_name,
        defaults: own.is_empty(),
        services: if own.is_empty() { uk_defaults() } else { own },
    }))
}

/// Replaces the creditor's list with `services` (empty: back to the defaults), in one
/// transaction, recorded in the audit log. False when there is no such creditor.
pub async fn replace(
    db: &DatabaseConnection,
    admin_id: i32,
    creditor_id: i32,
    services: Vec<AdviceService>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let txn = begin_write(db).await?;
    if creditor::Entity::find_by_id(creditor_id)
        .one(&txn)
        .await?
        .is_none()
    {
        return Ok(false);
    }
    advice_service::Entity::delete_many()
        .filter(advice_service::Column::CreditorId.eq(creditor_id))
        .exec(&txn)
        .await?;
    for (position, service) in services.into_iter().enumerate() {
        advice_service::ActiveModel {
            creditor_id: Set(creditor_id),
            position: Set(position as i32),
            name: Set(service.name),
            url: Set(service.url),
            phone: Set(service.phone),
            description: Set(service.description),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    audit::record(
        &txn,
        AuditEvent {
            actor: Actor::Staff(admin_id),
            creditor_id: Some(creditor_id),
            action: "creditor.advice_changed",
            subject_kind: "creditor",
            subject_id: Some(creditor_id),
            detail: "",
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}

/// The creditor's display name, for the admin page's heading.
pub async fn creditor_name<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
) -> Result<Option<String>, DbErr> {
    Ok(creditor::Entity::find_by_id(creditor_id)
        .one(conn)
        .await?
        .map(|c| c.display_name))
}
