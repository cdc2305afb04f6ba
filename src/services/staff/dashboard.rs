//! The creditor's figures at a glance. Every query is filtered by the creditor; amounts are
//! summed in SQL per currency, never loaded row by row.
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
};

use crate::domain::plans::PlanStatus;
use crate::domain::{Currency, EntryKind, Money};
use crate::entities::{account, installment, ledger_entry, plan};

#[derive(Debug)]
pub struct Dashboard {
    pub currency: Currency,
    pub outstanding: Money,
    pub collected_this_month: Money,
    pub collected_last_month: Money,
    /// Collected per week, oldest first, for the last 12 weeks (Monday starts).
    pub weekly: Vec<(NaiveDate, Money)>,
    pub plans_by_status: Vec<(PlanStatus, u64)>,
    /// Installments paid in full (and not missed) out of those due so far, in percent.
    pub promise_kept_percent: Option<u32>,
    /// Everything collected out of everything ever charged, in percent.
    pub recovery_percent: Option<u32>,
    pub proposals_waiting: u64,
    pub oldest_proposal_days: Option<i64>,
}

fn percent(part: i64, whole: i64) -> Option<u32> {
    (whole > 0).then(|| u32::try_from(part.max(0) * 100 / whole).unwrap_or(100))
}

/// Sum of ledger amounts for this creditor's accounts matching `filter`.
async fn ledger_sum<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
    filter: sea_orm::Condition,
) -> Result<i64, DbErr> {
    let accounts = account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .filter(account::Column::CreditorId.eq(creditor_id))
        .into_query();
    let total: Option<Option<i64>> = ledger_entry::Entity::find()
        .select_only()
        // PostgreSQL sums BIGINT into NUMERIC; cast back so both databases give an i64.
        .column_as(Expr::cust("CAST(SUM(amount_minor) AS BIGINT)"), "total")
        .filter(ledger_entry::Column::AccountId.in_subquery(accounts))
        .filter(filter)
        .into_tuple()
        .one(conn)
        .await?;
    Ok(total.flatten().unwrap_or(0))
}

fn collected_between(from: NaiveDate, to: NaiveDate) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(ledger_entry::Column::Kind.is_in([EntryKind::Payment, EntryKind::Reversal]))
        .add(ledger_entry::Column::OccurredOn.gte(from))
        .add(ledger_entry::Column::OccurredOn.lt(to))
}

fn month_start(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

pub async fn for_creditor<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
    currency: Currency,
    now: DateTime<Utc>,
) -> Result<Dashboard, DbErr> {
    let today = now.date_naive();
    let money = |minor: i64| Money::from_minor(minor, currency);
    let this_month = month_start(today);
    let last_month = month_start(this_month - Duration::days(1));
    let next_month = month_start(this_month + Duration::days(32));
    let collected = |from, to| ledger_sum(conn, creditor_id, collected_between(from, to));
    let this_monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let mut weekly = Vec::with_capacity(12);
    for weeks_back in (0..12).rev() {
        let start = this_monday - Duration::weeks(weeks_back);
        let minor = collected(start, start + Duration::weeks(1)).await?;
        weekly.push((start, money(-minor)));
    }
    let charged = ledger_sum(
        conn,
        creditor_id,
        ledger_entry::Column::AmountMinor.gt(0).into(),
    )
    .await?;
    let since_ever = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(today);
    let all_collected =
        -ledger_sum(conn, creditor_id, collected_between(since_ever, next_month)).await?;
    let (kept, due) = promises(conn, creditor_id, today).await?;
    let (waiting, oldest) = proposals(conn, creditor_id, now).await?;
    Ok(Dashboard {
        currency,
        outstanding: money(ledger_sum(conn, creditor_id, sea_orm::Condition::all()).await?),
        collected_this_month: money(-collected(this_month, next_month).await?),
        collected_last_month: money(-collected(last_month, this_month).await?),
        weekly,
        plans_by_status: plans_by_status(conn, creditor_id).await?,
        promise_kept_percent: percent(kept, due),
        recovery_percent: percent(all_collected, charged),
        proposals_waiting: waiting,
        oldest_proposal_days: oldest,
    })
}

async fn plans_by_status<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
) -> Result<Vec<(PlanStatus, u64)>, DbErr> {
    let rows: Vec<(PlanStatus, i64)> = plan::Entity::find()
        .select_only()
        .column(plan::Column::Status)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .filter(plan::Column::CreditorId.eq(creditor_id))
        .group_by(plan::Column::Status)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(status, n)| (status, u64::try_from(n).unwrap_or(0)))
        .collect())
}

/// (installments paid in full and never missed, installments due by today) on this
/// creditor's plans that were agreed.
async fn promises<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
    today: NaiveDate,
) -> Result<(i64, i64), DbErr> {
    let plans = plan::Entity::find()
        .select_only()
        .column(plan::Column::Id)
        .filter(plan::Column::CreditorId.eq(creditor_id))
        .filter(plan::Column::Status.is_in(PlanStatus::AGREED))
        .into_query();
    let rows: Vec<(i64, i64, bool)> = installment::Entity::find()
        .select_only()
        .column(installment::Column::AmountMinor)
        .column(installment::Column::PaidMinor)
        .column(installment::Column::Missed)
        .filter(installment::Column::PlanId.in_subquery(plans))
        .filter(installment::Column::DueOn.lte(today))
        .into_tuple()
        .all(conn)
        .await?;
    let kept = rows
        .iter()
        .filter(|(amount, paid, missed)| paid >= amount && !missed)
        .count();
    Ok((
        i64::try_from(kept).unwrap_or(0),
        i64::try_from(rows.len()).unwrap_or(0),
    ))
}

async fn proposals<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
    now: DateTime<Utc>,
) -> Result<(u64, Option<i64>), DbErr> {
    let waiting = plan::Entity::find()
        .filter(plan::Column::CreditorId.eq(creditor_id))
        .filter(plan::Column::Status.eq(PlanStatus::Proposed))
        .all(conn)
        .await?;
    let oldest = waiting
        .iter()
        .map(|p| (now - p.created_at).num_days())
        .max();
    Ok((u64::try_from(waiting.len()).unwrap_or(0), oldest))
}
