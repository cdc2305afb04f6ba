//! Turning a due reminder into a queued email: a single-use link to its page, the words,
//! and the outbox row under its unique key, a batch at a time in one write transaction.
use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr};

use super::Context;
use crate::db::begin_write;
use crate::domain::outbox::MessageCategory;
use crate::email::outbox::{self, Addressee, Reminder};
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
    /// The thanks for a completed plan is news of the person's own doing, not a reminder.
    fn category(&self) -> MessageCategory {
        match self {
            Facts::PlanCompleted => MessageCategory::Transactional,
            _ => MessageCategory::Reminder,
        }
    }

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
    pub email: String,
    pub creditor_id: i32,
    pub creditor: String,
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
pub fn first_name(full_name: &str) -> String {
    full_name
        .split_whitespace()
        .next()
        .unwrap_or(full_name)
        .to_string()
}

/// Queues every reminder in `due`, with its link, in one transaction and a few multi-row
/// INSERTs; returns how many were new. One that cannot be rendered is logged by key and
/// skipped (counted in `skipped`).
pub async fn queue(
    db: &DatabaseConnection,
    context: &Context<'_>,
    due: Vec<Due>,
    skipped: &mut usize,
) -> Result<usize, DbErr> {
    let mut links = Vec::with_capacity(due.len());
    let mut rows = Vec::with_capacity(due.len());
    for reminder in due {
        let (link_row, link) = deep_links::new_link(
            context.base_url,
            reminder.to.debtor_id,
            &reminder.target,
            context.now,
        );
        match words(context, &reminder, link) {
            Ok(row) => {
                links.push(link_row);
                rows.push(row);
            }
            Err(error) => {
                tracing::warn!(key = %reminder.key, error = %error, "reminder not rendered");
                *skipped += 1;
            }
        }
    }
    if rows.is_empty() {
        return Ok(0);
    }
    let txn = begin_write(db).await?;
    deep_links::save_all(&txn, links).await?;
    let queued = outbox::enqueue_reminders(&txn, rows, context.now).await?;
    txn.commit().await?;
    Ok(usize::try_from(queued).unwrap_or(usize::MAX))
}

/// The email for one reminder, with its continue link, addressed.
fn words(
    context: &Context<'_>,
    reminder: &Due,
    continue_link: String,
) -> Result<(Reminder, Addressee), askama::Error> {
    let to = &reminder.to;
    let links = ReminderLinks {
        continue_link,
        account_page: format!("{}/account", context.base_url),
        help_page: format!("{}/account/{}/help", context.base_url, to.account_id),
        contact_page: format!("{}/account/contact", context.base_url),
        unsubscribe: unsubscribe::url(context.hasher, context.base_url, to.debtor_id),
    };
    let addressed = Addressed {
        first_name: &to.first_name,
        creditor: &to.creditor,
        links: &links,
    };
    let content = reminder_templates::reminder(addressed, reminder.facts.kind())?;
    let row = Reminder {
        debtor_id: to.debtor_id,
        account_id: to.account_id,
        key: reminder.key.clone(),
        content,
        unsubscribe_url: links.unsubscribe,
        send_at: reminder.send_at,
        stale_at: Some(reminder.stale_at),
        category: reminder.facts.category(),
    };
    let address = Addressee {
        email: to.email.clone(),
        creditor_id: to.creditor_id,
        creditor_name: to.creditor.clone(),
    };
    Ok((row, address))
}
