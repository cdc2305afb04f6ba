use sea_orm::entity::prelude::*;

use crate::domain::care::{HardshipOutcome, HardshipReason};

/// What changed for the person and, if they filled in the form, their monthly figures (minor units, in the account's currency).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hardship_statements")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub account_id: i32,
    pub debtor_id: i32,
    pub creditor_id: i32,
    pub reason: HardshipReason,
    pub currency: String,
    pub income_minor: Option<i64>,
    pub housing_minor: Option<i64>,
    pub utilities_minor: Option<i64>,
    pub food_minor: Option<i64>,
    pub transport_minor: Option<i64>,
    pub other_debts_minor: Option<i64>,
    pub other_minor: Option<i64>,
    /// Income less spending, a month; negative when spending is more.
    pub left_minor: Option<i64>,
    pub outcome: HardshipOutcome,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
