use sea_orm::entity::prelude::*;

/// The one live step-up code per debtor and purpose (only its hash), with its wrong tries.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "step_up_codes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub debtor_id: i32,
    pub purpose: String,
    pub code_hash: String,
    pub tries: i32,
    pub expires_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
