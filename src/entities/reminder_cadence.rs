use sea_orm::entity::prelude::*;

/// A creditor's reminder cadence; no row means the defaults (`ReminderCadence::default`).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reminder_cadences")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub creditor_id: i32,
    pub days_before: i32,
    pub days_after_miss: i32,
    pub max_per_installment: i32,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
