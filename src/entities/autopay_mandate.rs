use sea_orm::entity::prelude::*;

use crate::domain::autopay::MandateStatus;
use crate::domain::payments::ProviderName;

/// The person's agreement that we may charge a saved card on their plan's due dates.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "autopay_mandates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub account_id: i32,
    pub debtor_id: i32,
    pub plan_id: i32,
    pub provider: ProviderName,
    #[sea_orm(unique)]
    pub idempotency_key: String,
    pub setup_ref: Option<String>,
    pub customer_ref: Option<String>,
    pub payment_method_ref: Option<String>,
    pub status: MandateStatus,
    pub created_at: DateTimeUtc,
    pub activated_at: Option<DateTimeUtc>,
    pub ended_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
