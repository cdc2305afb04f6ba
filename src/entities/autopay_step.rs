use sea_orm::entity::prelude::*;

use crate::domain::autopay::StepKind;

/// One thing automatic payments did for one installment; unique per installment and step.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "autopay_steps")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub mandate_id: i32,
    pub plan_id: i32,
    /// The installment's id (stable when payments are moved or skipped). `None` only for a
    /// step from before ids were kept whose installment no longer exists.
    pub installment_id: Option<i32>,
    pub step: StepKind,
    pub attempt_id: Option<i32>,
    /// The provider's PaymentIntent, kept here so reconciliation never mistakes it for a
    /// checkout session.
    pub provider_ref: Option<String>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
