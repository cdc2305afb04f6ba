use sea_orm::entity::prelude::*;

/// One row per throttled key: how many attempts were claimed in the current window, and
/// until when the next one must wait.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "throttle_buckets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key_hash: String,
    pub attempts: i32,
    pub window_started_at: DateTimeUtc,
    pub blocked_until: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
