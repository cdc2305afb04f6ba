use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "debtors")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub creditor_id: i32,
    /// The person behind this creditor's debtor record; set for every row the app writes.
    pub person_id: Option<i32>,
    pub full_name: String,
    pub email: String,
    /// Keyed hash of the date of birth; the date itself is never stored.
    pub dob_hash: String,
    pub time_zone: String,
    pub created_at: DateTimeUtc,
    /// When an admin erased this person's personal fields on request.
    pub erased_at: Option<DateTimeUtc>,
    #[sea_orm(has_many)]
    pub accounts: HasMany<super::account::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
