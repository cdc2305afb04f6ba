use sea_orm::entity::prelude::*;

use crate::domain::contact::TimeOfDay;

/// How a person (one creditor's debtor record) wants reminders; no row means the defaults.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contact_preferences")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub debtor_id: i32,
    pub reminders_by_email: bool,
    pub time_of_day: TimeOfDay,
    /// Day of the month pay arrives, when the person wants reminders only around payday.
    pub payday: Option<i32>,
    pub paused_until: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
