use sea_orm::entity::prelude::*;

use crate::domain::attachments::AttachmentKind;

/// A file attached to a dispute or a message. The bytes are in `attachment_contents`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attachments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub account_id: i32,
    pub debtor_id: i32,
    pub creditor_id: i32,
    /// Set when staff attached it; none when the person did.
    pub staff_user_id: Option<i32>,
    pub file_name: String,
    pub content_type: AttachmentKind,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: DateTimeUtc,
    /// Erased on request: the row stays as a record that something was attached.
    pub erased_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
