//! Turning a due reminder into a queued email: a single-use link to its page, the words,
//! and the outbox row under its unique key, a batch at a time in one write transaction.
use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr};

use super::Context;
use crate::db::begin_write;
use crate::email::outbox::{self, Reminder};
use crate::email::reminder_templates::{self, Addressed, ReminderKind, ReminderLinks};
use crate::services::contact::{deep_links, unsubscribe};

/// What a reminder says, in words and figures already formatted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Facts {
    Upcoming {
        amount: String,
        date: String,
    },
    Missed {
        amount: String,
        date: String,
        catch_up: String,
    },
    PlanBroken {
        catch_up: String,
    },
    LaterSoon {
        amount: String,
        date: String,
    },
    LaterPassed {
        amount: String,
        date: String,
    },
    PlanCompleted,
}

impl Facts {
    fn kind(&self) -> ReminderKind<'_> {
        match self {
            Facts::Upcoming { amount, date } => ReminderKind::Upcoming { amount, date },
            Facts::Missed {
                amount,
                date,
                catch_up,
            } => ReminderKind::Missed {
                amount,
                date,
                catch_up,
            },
            Facts::PlanBroken { catch_up } => ReminderKind::PlanBroken { catch_up },
            Facts::LaterSoon { amount, date } => ReminderKind::LaterSoon { amount, date },
            Facts::LaterPassed { amount, date } => ReminderKind::LaterPassed { amount, date },
            Facts::PlanCompleted => ReminderKind::PlanCompleted,
        }
    }
}

/// Whom a reminder is to, and for which account and creditor.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub debtor_id: i32,
    pub account_id: i32,
    pub first_name: String,
    pub creditor: String,
}

impl Recipient {
    pub fn new(debtor_id: i32, account_id: i32, full_name: &str, creditor: &str) -> Self {
        Recipient {
            debtor_id,
            account_id,
            first_name: first_name(full_name),
            creditor: creditor.to_string(),
        }
    }
}

/// A reminder that is due, before it has words.
#[derive(Debug, Clone)]
pub struct Due {
    pub key: String,
    pub to: Recipient,
    /// The portal page its link opens.
    pub target: String,
    pub facts: Facts,
    pub send_at: DateTime<Utc>,
    pub stale_at: DateTime<Utc>,
}

/// "Alex" from "Alex Morgan"; a name we cannot split is used whole.
fn first_name(full_name: &str) -> String {
    full_name
        .split_whitespace()
        .next()
        .unwrap_or(full_name)
        .to_string()
}

/// Queues every reminder in `due` in one transaction; returns how many were new. One that
/// cannot be rendered is logged by key and skipped (counted in `skipped`).
pub async fn queue(
    db: &DatabaseConnection,
    context: &Context<'_>,
    due: Vec<Due>,
    skipped: &mut usize,
) -> Result<usize, DbErr> {
    if due.is_empty() {
        return Ok(0);
    }
    let txn = begin_write(db).await?;
    let mut queued = 0;
    for reminder in due {
        let link =
            deep_links::create(&txn, context.base_url, reminder.to.debtor_id, &reminder.target, context.now)
                .await?;
        let links = ReminderLinks {
            continue_link: link,
            account_page: format!("{}/account", context.base_url),
            contact_page: format!("{}/account/contact", context.base_url),
            unsubscribe: unsubscribe::url(context.hasher, context.base_url, reminder.to.debtor_id),
        };
        let to = Addressed {
            first_name: &reminder.to.first_name,
            creditor: &reminder.to.creditor,
            links: &links,
        };
        let content = match reminder_templates::reminder(to, reminder.facts.kind()) {
            Ok(content) => content,
            Err(error) => {
                tracing::warn!(key = %reminder.key, error = %error, "reminder not rendered");
                *skipped += 1;
                continue;
            }
        };
        let row = Reminder {
            debtor_id: reminder.to.debtor_id,
            account_id: reminder.to.account_id,
            key: reminder.key,
            content,
            unsubscribe_url: links.unsubscribe,
            send_at: reminder.send_at,
            stale_at: Some(reminder.stale_at),
        };
        if outbox::enqueue_reminder(&txn, row, context.now).await?.is_some() {
            queued += 1;
        }
    }
    txn.commit().await?;
    Ok(queued)
}
