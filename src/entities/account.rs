use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "accounts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub creditor_id: i32,
    pub debtor_id: i32,
    pub reference: String,
    /// What the debt is for, in the creditor's words.
    pub description: String,
    pub currency: String,
    pub created_at: DateTimeUtc,
    #[sea_orm(belongs_to, from = "creditor_id", to = "id")]
    pub creditor: BelongsTo<super::creditor::Entity>,
    #[sea_orm(belongs_to, from = "debtor_id", to = "id")]
    pub debtor: BelongsTo<super::debtor::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
