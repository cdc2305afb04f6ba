use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "discount_rules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    /// None: every creditor.
    pub creditor_id: Option<i32>,
    pub percent_basis_points: Option<i32>,
    pub fixed_minor: Option<i64>,
    pub currency: Option<String>,
    pub deadline: Option<Date>,
    pub days_from_offer: Option<i32>,
    pub min_balance_minor: i64,
    pub max_discount_minor: Option<i64>,
    pub active_from: Date,
    pub active_to: Option<Date>,
    pub enabled: bool,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
