use sea_orm::entity::prelude::*;

use crate::domain::staff::StaffRole;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub email: String,
    pub password_hash: String,
    pub role: StaffRole,
    pub creditor_id: Option<i32>,
    pub disabled: bool,
    /// Raised by a password reset or disable: sessions started under an older epoch end.
    pub session_epoch: i32,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
