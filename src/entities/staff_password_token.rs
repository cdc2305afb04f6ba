use sea_orm::entity::prelude::*;

use crate::domain::staff::PasswordLinkPurpose;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_password_tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub staff_user_id: i32,
    /// SHA-256 of the token in the link; the token itself is only ever in the email.
    #[sea_orm(unique)]
    pub token_hash: String,
    pub purpose: PasswordLinkPurpose,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
