use sea_orm::entity::prelude::*;

use crate::domain::care::HoldKind;

/// Collection paused on an account: reminders, autopay, fees and interest stop. In force
/// while `ended_at` is empty or still ahead (a breathing space is given its end when it
/// starts, so it ends on its own).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account_holds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub account_id: i32,
    pub kind: HoldKind,
    pub reason: String,
    /// A staff user's id for a staff hold; the debtor record's id for a dispute or a
    /// breathing space, which the person starts themselves.
    pub started_by: i32,
    pub started_at: DateTimeUtc,
    pub ended_by: Option<i32>,
    pub ended_at: Option<DateTimeUtc>,
    /// When the person was told that a breathing space is about to end.
    pub notice_sent_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
