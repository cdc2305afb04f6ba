use sea_orm::entity::prelude::*;

use crate::domain::plans::{PlanKind, PlanStatus};
use crate::domain::schedule::Frequency;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "plans")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub account_id: i32,
    pub creditor_id: i32,
    pub debtor_id: i32,
    pub kind: PlanKind,
    pub status: PlanStatus,
    /// None for a deferral.
    pub frequency: Option<Frequency>,
    pub anchor_date: Option<Date>,
    pub total_minor: i64,
    pub currency: String,
    pub defer_until: Option<Date>,
    pub defer_reason: Option<String>,
    pub debtor_note: Option<String>,
    pub decision_reason: Option<String>,
    pub decided_by: Option<i32>,
    pub decided_at: Option<DateTimeUtc>,
    pub consent_text: Option<String>,
    pub consent_at: Option<DateTimeUtc>,
    pub consent_session: Option<String>,
    /// Snapshot of the policy's grace days and missed-payment limit when the plan was agreed.
    pub grace_days: i32,
    pub missed_to_break: i32,
    pub date_moved: bool,
    pub installment_skipped: bool,
    /// The hardship statement this plan or proposal was made from, for staff to see.
    pub hardship_id: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    #[sea_orm(has_many)]
    pub installments: HasMany<super::installment::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
