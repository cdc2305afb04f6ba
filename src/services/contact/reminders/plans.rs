//! Reminders about a plan as a whole: it stopped (broken), it is complete, a pay-later date
//! is coming up, or has passed. A change of state is told once: its key carries the plan
//! and, for a plan that can break again after a restart, the moment it broke.
use chrono::{Days, Duration, NaiveDate};
use sea_orm::{DatabaseConnection, DbErr};

use super::compose::{self, Due, Facts, Recipient};
use super::installments::money;
use super::queries::{self, PlanRow};
use super::timing;
use super::{Context, Report};
use crate::domain::plans::{PlanKind, PlanStatus};
use crate::domain::wording::full_date;

/// A change of state is told if it happened this recently (the pass runs hourly; this
/// covers a worker that was down for a while without telling people about old news).
const EVENT_LOOKBACK_DAYS: i64 = 3;
/// A note about a change of state is dropped if it could not go within this many days.
const EVENT_STALE_DAYS: u64 = 3;

/// Plans that stopped, were completed, or whose pay-later date passed, since the lookback.
pub async fn changes(
    db: &DatabaseConnection,
    context: &Context<'_>,
    report: &mut Report,
) -> Result<(), DbErr> {
    for status in [PlanStatus::Broken, PlanStatus::Completed, PlanStatus::Ended] {
        let since = context.now - Duration::days(EVENT_LOOKBACK_DAYS);
        let mut cursor = None;
        loop {
            let rows =
                queries::plans_moved(db, status, context.now.date_naive(), since, cursor).await?;
            let Some(last) = rows.last() else {
                break;
            };
            cursor = Some((last.updated_at, last.plan_id));
            let due =
                not_yet_queued(db, rows.iter().filter_map(|r| change_due(context, r))).await?;
            let queued = compose::queue(db, context, due, &mut report.skipped).await?;
            match status {
                PlanStatus::Broken => report.broken += queued,
                PlanStatus::Completed => report.completed += queued,
                _ => report.later_passed += queued,
            }
        }
    }
    Ok(())
}

fn change_due(context: &Context<'_>, row: &PlanRow) -> Option<Due> {
    let zone = timing::zone(&row.time_zone);
    let day = timing::local_today(row.updated_at, zone);
    let plan = row.plan_id;
    let (key, facts, target) = match (row.status, row.kind) {
        (PlanStatus::Broken, PlanKind::Installments) if row.overdue_minor > 0 => (
            format!("plan:{plan}:broken:{}", row.updated_at.timestamp()),
            Facts::PlanBroken {
                catch_up: money(row.overdue_minor, &row.currency)?,
            },
            format!("/account/{}/plan", row.account_id),
        ),
        (PlanStatus::Completed, PlanKind::Installments) => (
            format!("plan:{plan}:completed"),
            Facts::PlanCompleted,
            format!("/account/{}", row.account_id),
        ),
        (PlanStatus::Ended, PlanKind::Deferral) if row.balance_minor > 0 => (
            format!("plan:{plan}:later:passed"),
            Facts::LaterPassed {
                amount: money(row.balance_minor, &row.currency)?,
                date: full_date(row.defer_until?),
            },
            format!("/account/{}/options", row.account_id),
        ),
        _ => return None,
    };
    Some(Due {
        key,
        to: recipient(row),
        target,
        facts,
        send_at: timing::send_at(day, zone, context.now.max(row.updated_at)),
        stale_at: timing::start_of(add(day, EVENT_STALE_DAYS + 1), zone),
    })
}

/// Active pay-later plans whose date is a few days away.
pub async fn deferrals(
    db: &DatabaseConnection,
    context: &Context<'_>,
    report: &mut Report,
) -> Result<(), DbErr> {
    let today = context.now.date_naive();
    let window = (
        today.checked_sub_days(Days::new(1)).unwrap_or(today),
        add(today, u64::from(context.longest_days_before()) + 1),
    );
    let mut cursor = None;
    loop {
        let rows = queries::deferrals_due(db, today, window, cursor).await?;
        // Every row has a date (the query selects by it); a row without one ends the pass.
        let Some((until, last_id)) = rows.last().and_then(|r| Some((r.defer_until?, r.plan_id)))
        else {
            return Ok(());
        };
        cursor = Some((until, last_id));
        let due = not_yet_queued(db, rows.iter().filter_map(|r| deferral_due(context, r))).await?;
        report.later_soon += compose::queue(db, context, due, &mut report.skipped).await?;
    }
}

fn deferral_due(context: &Context<'_>, row: &PlanRow) -> Option<Due> {
    let cadence = context.cadence_for(row.creditor_id, row.supported);
    let until = row.defer_until?;
    if cadence.days_before() == 0 || row.balance_minor <= 0 {
        return None;
    }
    let zone = timing::zone(&row.time_zone);
    let today = timing::local_today(context.now, zone);
    let day = until.checked_sub_days(Days::new(u64::from(cadence.days_before())))?;
    // The pay-later date is the last day to pay, so a reminder on it is still in time.
    if today < day || today > until || row.created_at >= timing::start_of(day, zone) {
        return None;
    }
    Some(Due {
        key: format!("plan:{}:later:{until}:soon", row.plan_id),
        to: recipient(row),
        target: format!("/account/{}/pay", row.account_id),
        facts: Facts::LaterSoon {
            amount: money(row.balance_minor, &row.currency)?,
            date: full_date(until),
        },
        send_at: timing::send_at(day, zone, context.now),
        stale_at: timing::start_of(add(until, 1), zone),
    })
}

/// Drops the reminders already queued (one lookup for the batch), before any link is made.
async fn not_yet_queued(
    db: &DatabaseConnection,
    due: impl Iterator<Item = Due>,
) -> Result<Vec<Due>, DbErr> {
    let due: Vec<Due> = due.collect();
    let keys: Vec<String> = due.iter().map(|d| d.key.clone()).collect();
    let queued = queries::queued_keys(db, &keys).await?;
    Ok(due
        .into_iter()
        .filter(|d| !queued.contains(&d.key))
        .collect())
}

fn recipient(row: &PlanRow) -> Recipient {
    Recipient {
        debtor_id: row.debtor_id,
        account_id: row.account_id,
        first_name: compose::first_name(&row.full_name),
        email: row.email.clone(),
        creditor_id: row.creditor_id,
        creditor: row.creditor_name.clone(),
    }
}

fn add(day: NaiveDate, days: u64) -> NaiveDate {
    day.checked_add_days(Days::new(days)).unwrap_or(day)
}
