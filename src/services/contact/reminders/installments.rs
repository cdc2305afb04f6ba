//! Reminders about one installment: a few days before it is due, and a gentle note a day
//! (the creditor's cadence) after it is marked missed. At most the cadence's number of
//! reminders about any one installment; the upcoming one counts first.
use chrono::{DateTime, Days, Duration, NaiveDate, Utc};
use sea_orm::{DatabaseConnection, DbErr};

use super::compose::{self, Due, Facts, Recipient};
use super::queries::{self, InstallmentQuery, InstallmentRow};
use super::timing;
use super::{Context, Report};
use crate::domain::Money;
use crate::domain::cadence::ReminderCadence;
use crate::domain::money::Currency;
use crate::domain::wording::full_date;

/// A missed-payment note is still worth sending this many days after its day (the pass
/// may not have run); later than that it would be old news.
const MISSED_LATE_DAYS: u64 = 3;
/// How far back a missed installment can be and still be due its note: the longest grace
/// period plus the longest wait after a miss, with room to spare.
const MISSED_LOOKBACK_DAYS: u64 = 90;

// The query that leaves out installments already reminded builds these same keys in SQL
// (queries::not_queued): change both together.
fn upcoming_key(installment_id: i32) -> String {
    format!("installment:{installment_id}:upcoming")
}

fn missed_key(installment_id: i32) -> String {
    format!("installment:{installment_id}:missed")
}

/// Every installment due in the next few days whose reminder day has come.
pub async fn upcoming(
    db: &DatabaseConnection,
    context: &Context<'_>,
    report: &mut Report,
) -> Result<(), DbErr> {
    let today = context.now.date_naive();
    // Due after the earliest local date anywhere, and no later than the latest local date
    // anywhere plus the longest "days before".
    let (earliest, latest) = local_dates(context.now);
    let window = (
        add(earliest, 1),
        add(latest, u64::from(context.longest_days_before())),
    );
    let mut cursor = None;
    loop {
        let rows =
            queries::installments(db, InstallmentQuery::Upcoming, today, window, cursor).await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        cursor = Some((last.due_on, last.installment_id));
        let due: Vec<Due> = rows
            .iter()
            .filter_map(|r| upcoming_due(context, r))
            .collect();
        report.upcoming += compose::queue(db, context, due, &mut report.skipped).await?;
    }
}

fn upcoming_due(context: &Context<'_>, row: &InstallmentRow) -> Option<Due> {
    let cadence = context.cadence_for(row.creditor_id, row.supported);
    if cadence.days_before() == 0 || cadence.max_per_installment() == 0 {
        return None;
    }
    let zone = timing::zone(&row.time_zone);
    let today = timing::local_today(context.now, zone);
    let day = row
        .due_on
        .checked_sub_days(Days::new(u64::from(cadence.days_before())))?;
    // Not before its day, never on or after the due date, and not for a plan agreed on or
    // after that day: its confirmation has just listed the payment.
    if today < day || today >= row.due_on || row.agreed_at() >= timing::start_of(day, zone) {
        return None;
    }
    Some(Due {
        key: upcoming_key(row.installment_id),
        facts: Facts::Upcoming {
            amount: money(row.left_minor, &row.currency)?,
            date: full_date(row.due_on),
        },
        send_at: timing::send_at(day, zone, context.now),
        stale_at: timing::start_of(row.due_on, zone),
        to: recipient(row),
        target: format!("/account/{}/plan", row.account_id),
    })
}

/// Every missed, unpaid installment of an active plan whose follow-up day has come.
pub async fn missed(
    db: &DatabaseConnection,
    context: &Context<'_>,
    report: &mut Report,
) -> Result<(), DbErr> {
    let today = context.now.date_naive();
    let window = (
        today
            .checked_sub_days(Days::new(MISSED_LOOKBACK_DAYS))
            .unwrap_or(today),
        today,
    );
    // The note's day is the grace period's last day + 1 + the cadence's days after a miss;
    // it is due from then until MISSED_LATE_DAYS later, on the person's own date.
    let (earliest, latest) = local_dates(context.now);
    let (fewest, most) = context.days_after_miss_range();
    let grace_ended = (
        sub(earliest, MISSED_LATE_DAYS + 1 + u64::from(most)),
        sub(latest, 1 + u64::from(fewest)),
    );
    let query = InstallmentQuery::Missed { grace_ended };
    let mut cursor = None;
    loop {
        let rows = queries::installments(db, query, today, window, cursor).await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        cursor = Some((last.due_on, last.installment_id));
        let due: Vec<Due> = rows
            .iter()
            .filter(|r| {
                let cadence = context.cadence_for(r.creditor_id, r.supported);
                r.earlier < i64::from(cadence.max_per_installment())
            })
            .filter_map(|r| missed_due(context, r))
            .collect();
        report.missed += compose::queue(db, context, due, &mut report.skipped).await?;
    }
}

/// The follow-up day: the installment is marked missed the day after its grace period
/// ends, and the note goes the cadence's days after that.
fn missed_day(due_on: NaiveDate, grace_days: i32, cadence: &ReminderCadence) -> Option<NaiveDate> {
    let grace = u64::try_from(grace_days).unwrap_or(0);
    due_on.checked_add_days(Days::new(grace + 1 + u64::from(cadence.days_after_miss())))
}

fn missed_due(context: &Context<'_>, row: &InstallmentRow) -> Option<Due> {
    let cadence = context.cadence_for(row.creditor_id, row.supported);
    let zone = timing::zone(&row.time_zone);
    let today = timing::local_today(context.now, zone);
    let day = missed_day(row.due_on, row.grace_days, &cadence)?;
    let too_late = add(day, MISSED_LATE_DAYS);
    if today < day || today > too_late {
        return None;
    }
    Some(Due {
        key: missed_key(row.installment_id),
        facts: Facts::Missed {
            amount: money(row.left_minor, &row.currency)?,
            date: full_date(row.due_on),
            catch_up: money(row.overdue_minor.max(row.left_minor), &row.currency)?,
        },
        send_at: timing::send_at(day, zone, context.now),
        stale_at: timing::start_of(add(too_late, 1), zone),
        to: recipient(row),
        target: format!("/account/{}/plan", row.account_id),
    })
}

fn recipient(row: &InstallmentRow) -> Recipient {
    Recipient {
        debtor_id: row.debtor_id,
        account_id: row.account_id,
        first_name: compose::first_name(&row.full_name),
        email: row.email.clone(),
        creditor_id: row.creditor_id,
        creditor: row.creditor_name.clone(),
    }
}

/// An amount in words and figures ("£213.00"); None (and a log line) for a currency this
/// build does not know, so one odd row never stops the pass.
pub fn money(minor: i64, currency: &str) -> Option<String> {
    match Currency::parse(currency) {
        Ok(currency) => Some(Money::from_minor(minor, currency).to_string()),
        Err(_) => {
            tracing::warn!(currency, "reminder skipped: unknown currency");
            None
        }
    }
}

fn add(day: NaiveDate, days: u64) -> NaiveDate {
    day.checked_add_days(Days::new(days)).unwrap_or(day)
}

fn sub(day: NaiveDate, days: u64) -> NaiveDate {
    day.checked_sub_days(Days::new(days)).unwrap_or(day)
}

/// The earliest and latest calendar dates anywhere on Earth at `now` (UTC-12 to UTC+14).
fn local_dates(now: DateTime<Utc>) -> (NaiveDate, NaiveDate) {
    (
        (now - Duration::hours(12)).date_naive(),
        (now + Duration::hours(14)).date_naive(),
    )
}
