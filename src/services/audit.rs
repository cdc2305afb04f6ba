//! The audit log: who did what to which record. Ids and short codes only, no personal data.
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};

use crate::domain::audit::ActorKind;
use crate::entities::audit_log;

#[derive(Clone, Copy, Debug)]
pub enum Actor {
    Debtor(i32),
    Staff(i32),
    System,
}

impl Actor {
    fn parts(self) -> (ActorKind, Option<i32>) {
        match self {
            Actor::Debtor(id) => (ActorKind::Debtor, Some(id)),
            Actor::Staff(id) => (ActorKind::Staff, Some(id)),
            Actor::System => (ActorKind::System, None),
        }
    }
}

pub struct AuditEvent<'a> {
    pub actor: Actor,
    pub creditor_id: Option<i32>,
    pub action: &'a str,
    pub subject_kind: &'a str,
    pub subject_id: Option<i32>,
    pub detail: &'a str,
}

pub async fn record<C: ConnectionTrait>(
    conn: &C,
    event: AuditEvent<'_>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let (actor_kind, actor_id) = event.actor.parts();
    audit_log::ActiveModel {
        actor_kind: Set(actor_kind),
        actor_id: Set(actor_id),
        creditor_id: Set(event.creditor_id),
        action: Set(event.action.to_string()),
        subject_kind: Set(event.subject_kind.to_string()),
        subject_id: Set(event.subject_id),
        detail: Set(event.detail.chars().take(500).collect()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}
