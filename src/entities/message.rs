use sea_orm::entity::prelude::*;

/// One message in an account's thread between the person and the creditor's staff.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub account_id: i32,
    pub debtor_id: i32,
    pub creditor_id: i32,
    /// The staff member who wrote it; none when the person did.
    pub staff_user_id: Option<i32>,
    pub body: String,
    pub attachment_id: Option<i32>,
    pub created_at: DateTimeUtc,
    /// When the other side first read it.
    pub read_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
