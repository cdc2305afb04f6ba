use sea_orm::entity::prelude::*;

/// What one payment paid towards one installment (negative rows: what a refund took back).
/// Append-only; keyed by the installment's id, so a later change of positions does not matter.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payment_allocations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub attempt_id: i32,
    pub installment_id: i32,
    pub amount_minor: i64,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
