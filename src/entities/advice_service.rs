use sea_orm::entity::prelude::*;

/// A free debt advice service a creditor names to its customers, in order. A creditor with none shows the UK defaults.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "advice_services")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub creditor_id: i32,
    pub position: i32,
    pub name: String,
    pub url: String,
    pub phone: Option<String>,
    pub description: String,
}

impl ActiveModelBehavior for ActiveModel {}
