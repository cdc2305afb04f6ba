//! The reminders pass: runs after the plan lifecycle pass (which marks missed installments
//! and broken, restored, completed and ended plans) and queues, once each, every reminder
//! that has come due: a payment coming up, a payment missed, a plan stopped, a pay-later
//! date coming up or passed, a plan completed.
//!
//! It is set-based so it scales to a large portfolio: one indexed range query per kind of
//! reminder (joined to the plan, the person and the creditor), read in batches, with the
//! batch's reminders written in one transaction. Each reminder has a unique key, so running
//! the pass again, or on two workers at once, queues nothing twice. Each is planned for
//! 10:00 in the person's time zone; the contact policy decides at delivery whether it goes.
mod compose;
mod installments;
mod plans;
mod queries;
mod timing;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr, EntityTrait};

use crate::crypto::KeyedHasher;
use crate::domain::cadence::ReminderCadence;
use crate::entities::reminder_cadence;

/// What one pass queued, by kind.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub upcoming: usize,
    pub missed: usize,
    pub broken: usize,
    pub later_soon: usize,
    pub later_passed: usize,
    pub completed: usize,
    /// Due but not queued because the words could not be rendered (logged by key).
    pub skipped: usize,
}

impl Report {
    pub fn queued(&self) -> usize {
        self.upcoming
            + self.missed
            + self.broken
            + self.later_soon
            + self.later_passed
            + self.completed
    }
}

/// What every step of the pass needs.
pub struct Context<'a> {
    hasher: &'a KeyedHasher,
    base_url: &'a str,
    now: DateTime<Utc>,
    cadences: HashMap<i32, ReminderCadence>,
}

impl Context<'_> {
    /// The creditor's cadence; no row (or a row outside the allowed ranges) is the default.
    fn cadence(&self, creditor_id: i32) -> ReminderCadence {
        self.cadences.get(&creditor_id).copied().unwrap_or_default()
    }

    /// The cadence for one person: half the creditor's while they have extra support in
    /// force (fewer and gentler reminders; never more, so the look-ahead below still holds).
    fn cadence_for(&self, creditor_id: i32, supported: bool) -> ReminderCadence {
        let cadence = self.cadence(creditor_id);
        if supported {
            cadence.gentler()
        } else {
            cadence
        }
    }

    /// The widest "days before" of any creditor: how far ahead the pass must look.
    fn longest_days_before(&self) -> u32 {
        self.cadences
            .values()
            .map(ReminderCadence::days_before)
            .chain([ReminderCadence::default().days_before()])
            .max()
            .unwrap_or_default()
    }

    /// The fewest and most "days after a miss" of any creditor.
    fn days_after_miss_range(&self) -> (u32, u32) {
        let all = || {
            self.cadences
                .values()
                .map(ReminderCadence::days_after_miss)
                .chain([ReminderCadence::default().days_after_miss()])
        };
        (
            all().min().unwrap_or_default(),
            all().max().unwrap_or_default(),
        )
    }
}

/// One pass at `now`. `base_url` makes the links absolute (never taken from a request);
/// `hasher` signs the unsubscribe links.
pub async fn run(
    db: &DatabaseConnection,
    hasher: &KeyedHasher,
    base_url: &str,
    now: DateTime<Utc>,
) -> Result<Report, DbErr> {
    let context = Context {
        hasher,
        base_url: base_url.trim_end_matches('/'),
        now,
        cadences: cadences(db).await?,
    };
    let mut report = Report::default();
    installments::upcoming(db, &context, &mut report).await?;
    installments::missed(db, &context, &mut report).await?;
    plans::changes(db, &context, &mut report).await?;
    plans::deferrals(db, &context, &mut report).await?;
    Ok(report)
}

/// Every creditor's saved cadence (a handful of rows).
async fn cadences(db: &DatabaseConnection) -> Result<HashMap<i32, ReminderCadence>, DbErr> {
    let rows = reminder_cadence::Entity::find().all(db).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let figure = |n: i32| u32::try_from(n).unwrap_or(u32::MAX);
            match ReminderCadence::new(
                figure(row.days_before),
                figure(row.days_after_miss),
                figure(row.max_per_installment),
            ) {
                Ok(cadence) => Some((row.creditor_id, cadence)),
                Err(_) => {
                    tracing::warn!(
                        creditor_id = row.creditor_id,
                        "stored reminder cadence out of range: using the default"
                    );
                    None
                }
            }
        })
        .collect())
}
