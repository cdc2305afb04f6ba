use sea_orm::entity::prelude::*;

/// One person across creditors: a normalised email and the keyed hash of a date of birth,
/// unique together. Each creditor's `debtors` row points here.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "people")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Trimmed and lower case.
    pub email_normalised: String,
    pub dob_hash: String,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
