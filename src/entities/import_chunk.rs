use sea_orm::entity::prelude::*;

/// One batch of a checked import's valid accounts (JSON, dates of birth already hashed).
/// Deleted when the import finishes.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "import_chunks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub import_id: i32,
    /// Order within the import, from 0.
    pub seq: i32,
    #[sea_orm(column_type = "Text")]
    pub payload: String,
}

impl ActiveModelBehavior for ActiveModel {}
