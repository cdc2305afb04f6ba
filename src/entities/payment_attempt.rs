use sea_orm::entity::prelude::*;

use crate::domain::payments::{PaymentPurpose, PaymentStatus, ProviderName};

/// One try at collecting money. Saved before the provider is called; its idempotency key is
/// sent with every provider request for it.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payment_attempts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub account_id: i32,
    pub creditor_id: i32,
    pub debtor_id: i32,
    pub plan_id: Option<i32>,
    pub purpose: PaymentPurpose,
    pub amount_minor: i64,
    pub currency: String,
    pub discount_minor: i64,
    pub discount_rule_id: Option<i32>,
    pub discount_deadline: Option<Date>,
    pub provider: ProviderName,
    pub provider_ref: Option<String>,
    #[sea_orm(unique)]
    pub idempotency_key: String,
    pub status: PaymentStatus,
    pub failure_message: Option<String>,
    pub refunded_minor: i64,
    /// A bank transfer or cheque reference, for payments recorded by staff.
    pub external_reference: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub succeeded_at: Option<DateTimeUtc>,
    /// The one-time token of the staff form that recorded an offline payment (unique).
    pub form_token: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
