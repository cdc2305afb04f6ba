use sea_orm::entity::prelude::*;

use crate::domain::payments::EventOutcome;

/// A provider event already processed: its id is the key, so a replay is recognised.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "provider_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub event_id: String,
    pub kind: String,
    pub outcome: EventOutcome,
    pub received_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
