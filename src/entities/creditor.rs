use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "creditors")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub name: String,
    pub display_name: String,
    pub currency: String,
    pub time_zone: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub created_at: DateTimeUtc,
    #[sea_orm(has_many)]
    pub accounts: HasMany<super::account::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
