use sea_orm::entity::prelude::*;

use crate::domain::disputes::DisputeReason;

/// One thing the person said about a dispute: the first, and any added while it is open.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dispute_entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub dispute_id: i32,
    pub reason: DisputeReason,
    pub details: String,
    pub attachment_id: Option<i32>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
