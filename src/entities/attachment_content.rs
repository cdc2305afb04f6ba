use sea_orm::entity::prelude::*;

/// The bytes of one attachment, apart so that listing attachments never loads them.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attachment_contents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub attachment_id: i32,
    pub bytes: Vec<u8>,
}

impl ActiveModelBehavior for ActiveModel {}
