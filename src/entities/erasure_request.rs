use sea_orm::entity::prelude::*;

use crate::domain::privacy::ErasureStatus;

/// A person's request to erase their personal data at one creditor, and what an admin did.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "erasure_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub debtor_id: i32,
    pub creditor_id: i32,
    pub status: ErasureStatus,
    pub note: Option<String>,
    pub requested_at: DateTimeUtc,
    pub decided_by: Option<i32>,
    pub decided_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
