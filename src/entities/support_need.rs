use sea_orm::entity::prelude::*;

/// Extra support the person asked for, in their own words, with their consent; for one creditor only (their debtor record there). In force while not withdrawn.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "support_needs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub debtor_id: i32,
    pub creditor_id: i32,
    pub words: String,
    pub consented_at: DateTimeUtc,
    pub withdrawn_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
