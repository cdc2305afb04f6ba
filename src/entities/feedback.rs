use sea_orm::entity::prelude::*;

use crate::domain::feedback::FeedbackMoment;

/// An answer to "how easy was that?" (1 to 5, optional) and an optional comment.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "feedback")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub account_id: i32,
    pub debtor_id: i32,
    pub creditor_id: i32,
    pub moment: FeedbackMoment,
    pub score: Option<i16>,
    pub comment: Option<String>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
