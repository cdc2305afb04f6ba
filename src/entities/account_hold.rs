use sea_orm::entity::prelude::*;

/// Collection paused on an account (a dispute, hardship) until `ended_at`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account_holds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub account_id: i32,
    pub reason: String,
    pub started_by: i32,
    pub started_at: DateTimeUtc,
    pub ended_by: Option<i32>,
    pub ended_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
