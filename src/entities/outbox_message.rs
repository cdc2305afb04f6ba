use sea_orm::entity::prelude::*;

use crate::domain::outbox::{MessageCategory, OutboxStatus};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub message_id: String,
    pub template: String,
    pub to_address: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub status: OutboxStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub claimed_until: Option<DateTimeUtc>,
    /// Who holds the claim: only they may mark the message sent or failed.
    pub claim_token: Option<String>,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    /// The creditor the email was sent for; none for staff emails and older messages.
    pub creditor_id: Option<i32>,
    /// The debtor record (one person at one creditor) the message went to, if any.
    pub debtor_id: Option<i32>,
    /// The account it is about, when it is about one (reminders always are).
    pub account_id: Option<i32>,
    pub category: MessageCategory,
    /// Unique per reminder (say `installment:41:upcoming`): the scheduler queues it once.
    #[sea_orm(unique)]
    pub reminder_key: Option<String>,
    /// The display name in From: "Northwind Utilities via Good Terms".
    pub from_name: Option<String>,
    /// Reminders only: the one-click unsubscribe address (RFC 8058).
    pub unsubscribe_url: Option<String>,
    /// The contact policy's last word, in plain words for staff ("Held until 08:00: quiet
    /// hours", "Not sent: the person turned reminders off").
    pub decision: Option<String>,
    /// A reminder not sent by then is dropped: an upcoming-payment reminder is no use after
    /// the due date.
    pub stale_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
