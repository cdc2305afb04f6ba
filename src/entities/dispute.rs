use sea_orm::entity::prelude::*;

use crate::domain::disputes::{DisputeReason, DisputeStatus};

/// A dispute about an account. While open, the account is held (`hold_id`).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "disputes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub account_id: i32,
    pub debtor_id: i32,
    pub creditor_id: i32,
    /// The first reason given; every reason is in its entries.
    pub reason: DisputeReason,
    pub status: DisputeStatus,
    pub hold_id: Option<i32>,
    pub answer: Option<String>,
    /// The adjustment booked when upheld (negative reduces the balance).
    pub adjustment_minor: Option<i64>,
    pub answered_by: Option<i32>,
    pub answered_at: Option<DateTimeUtc>,
    pub opened_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
