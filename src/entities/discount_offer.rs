use sea_orm::entity::prelude::*;

/// When a person first saw an offer: fixes a "days from offer" deadline.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "discount_offers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub account_id: i32,
    pub rule_id: i32,
    pub first_seen_on: Date,
    /// The payment that earned this offer's discount: claimed once, by a conditional UPDATE.
    pub claimed_attempt_id: Option<i32>,
}

impl ActiveModelBehavior for ActiveModel {}
