use sea_orm::entity::prelude::*;

use crate::domain::audit::ActorKind;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub actor_kind: ActorKind,
    pub actor_id: Option<i32>,
    pub creditor_id: Option<i32>,
    pub action: String,
    pub subject_kind: String,
    pub subject_id: Option<i32>,
    pub detail: String,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
