use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "installments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub plan_id: i32,
    pub seq: i32,
    pub due_on: Date,
    pub amount_minor: i64,
    pub paid_minor: i64,
    pub missed: bool,
    #[sea_orm(belongs_to, from = "plan_id", to = "id")]
    pub plan: BelongsTo<super::plan::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
