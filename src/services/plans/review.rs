//! The creditor's side of plans: the review queue for proposals (approve, decline with a
//! reason, or counter-offer), the list of plans with filters and CSV export, one plan's
//! detail. Every query is filtered by the staff member's creditor.
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::db::begin_write;
use crate::domain::Money;
use crate::domain::plans::{PlanKind, PlanStatus};
use crate::domain::policy::{self, Allowance, Breach};
use crate::domain::schedule::{self, Schedule, ScheduleError};
use crate::email::templates::{self, DecisionNotice};
use crate::entities::{account, debtor, plan};
use crate::services::accounts::statements;
use crate::services::accounts::statements::Scope;
use crate::services::audit::{self, Actor, AuditEvent};
use crate::services::care::hardship::{self, Told};
use crate::services::contact::deep_links;
use crate::services::payments::{PaymentError, allocation};
use crate::services::plans::choose::{InstallmentChoice, check_first_date, queue_email};
use crate::services::plans::policies;
use crate::services::plans::records::{self, PlanView, RecordError};

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("plan not found for this creditor")]
    NotFound,
    #[error("this plan is no longer waiting for a decision")]
    AlreadyDecided,
    #[error("Say why, so the person knows what to do next")]
    ReasonRequired,
    #[error("Only a plan of payments can be offered with different terms")]
    NotInstallments,
    #[error("{0}")]
    Schedule(#[from] ScheduleError),
    #[error("{0}")]
    Date(String),
    #[error("database error")]
    Database(#[from] DbErr),
    #[error("stored plan could not be read")]
    Records(#[from] RecordError),
    #[error("stored balance could not be read")]
    Statement(#[from] statements::StatementError),
    #[error("email could not be rendered")]
    Template(#[from] askama::Error),
    #[error("earlier payments could not be counted towards the plan")]
    Payments(#[from] PaymentError),
}

/// One plan with what staff need beside it.
#[derive(Debug)]
pub struct PlanSummary {
    pub plan: PlanView,
    pub reference: String,
    pub debtor_name: String,
}

/// A proposal waiting for review, with what the policy would have allowed.
#[derive(Debug)]
pub struct Proposal {
    pub summary: PlanSummary,
    pub waiting_days: i64,
    pub breaches: Vec<Breach>,
    pub allowance: Allowance,
    /// What the person told us about their money, when the proposal came from the hardship
    /// pages.
    pub hardship: Option<Told>,
}

pub async fn queue<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
    now: DateTime<Utc>,
) -> Result<Vec<Proposal>, ReviewError> {
    // Oldest first: nobody waits longest, and the cap never hides the oldest.
    let filter = PlanFilter {
        status: Some(PlanStatus::Proposed),
        oldest_first: true,
        ..PlanFilter::default()
    };
    let mut proposals = Vec::new();
    for summary in list(conn, creditor_id, &filter).await? {
        let total = summary.plan.total;
        let policy = policies::for_creditor(conn, creditor_id, total.currency()).await?;
        let today = now.date_naive();
        let breaches = summary
            .plan
            .schedule()
            .map(|s| policy::check_schedule(&policy, &s, today))
            .unwrap_or_default();
        let hardship = match summary.plan.hardship_id {
            Some(id) => hardship::told_to_creditor(conn, creditor_id, id).await?,
            None => None,
        };
        proposals.push(Proposal {
            hardship,
            waiting_days: (now - summary.plan.created_at).num_days(),
            allowance: policy::allowance(&policy, total, today),
            breaches,
            summary,
        });
    }
    Ok(proposals)
}

#[derive(Clone, Debug, Default)]
pub struct PlanFilter {
    pub status: Option<PlanStatus>,
    /// Created on or after.
    pub from: Option<NaiveDate>,
    /// Created on or before.
    pub to: Option<NaiveDate>,
    pub min_total: Option<i64>,
    pub max_total: Option<i64>,
    /// Newest first unless set.
    pub oldest_first: bool,
}

/// The most rows one page or export holds.
pub const LIST_LIMIT: u64 = 1000;

pub async fn list<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
    filter: &PlanFilter,
) -> Result<Vec<PlanSummary>, ReviewError> {
    let mut query = plan::Entity::find()
        .filter(plan::Column::CreditorId.eq(creditor_id))
        .limit(LIST_LIMIT);
    query = if filter.oldest_first {
        query.order_by_asc(plan::Column::Id)
    } else {
        query.order_by_desc(plan::Column::Id)
    };
    if let Some(status) = filter.status {
        query = query.filter(plan::Column::Status.eq(status));
    }
    if let Some(from) = filter.from.and_then(|d| d.and_hms_opt(0, 0, 0)) {
        query = query.filter(plan::Column::CreatedAt.gte(from.and_utc()));
    }
    if let Some(to) = filter
        .to
        .and_then(|d| d.succ_opt())
        .and_then(|d| d.and_hms_opt(0, 0, 0))
    {
        query = query.filter(plan::Column::CreatedAt.lt(to.and_utc()));
    }
    if let Some(min) = filter.min_total {
        query = query.filter(plan::Column::TotalMinor.gte(min));
    }
    if let Some(max) = filter.max_total {
        query = query.filter(plan::Column::TotalMinor.lte(max));
    }
    let ids: Vec<i32> = query
        .select_only()
        .column(plan::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    let names = names_for(conn, creditor_id, &ids).await?;
    let plans = records::load_many(conn, &ids, Scope::Creditor(creditor_id)).await?;
    Ok(plans
        .into_iter()
        .map(|plan| {
            let (reference, debtor_name) = names.get(&plan.account_id).cloned().unwrap_or_default();
            PlanSummary {
                plan,
                reference,
                debtor_name,
            }
        })
        .collect())
}

/// Account reference and the person's name for each plan's account, in two queries.
async fn names_for<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
    plan_ids: &[i32],
) -> Result<HashMap<i32, (String, String)>, DbErr> {
    let account_ids: Vec<i32> = plan::Entity::find()
        .select_only()
        .column(plan::Column::AccountId)
        .filter(plan::Column::Id.is_in(plan_ids.to_vec()))
        .into_tuple()
        .all(conn)
        .await?;
    let rows = account::Entity::find()
        .find_also_related(debtor::Entity)
        .filter(account::Column::CreditorId.eq(creditor_id))
        .filter(account::Column::Id.is_in(account_ids))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(a, d)| {
            (
                a.id,
                (a.reference, d.map(|d| d.full_name).unwrap_or_default()),
            )
        })
        .collect())
}

pub async fn detail<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
    plan_id: i32,
) -> Result<Option<PlanSummary>, ReviewError> {
    let Some(plan) = records::load(conn, plan_id, Scope::Creditor(creditor_id)).await? else {
        return Ok(None);
    };
    let names = names_for(conn, creditor_id, &[plan_id]).await?;
    let (reference, debtor_name) = names.get(&plan.account_id).cloned().unwrap_or_default();
    Ok(Some(PlanSummary {
        plan,
        reference,
        debtor_name,
    }))
}

pub enum Decision {
    Approve,
    Decline { reason: String },
    Counter(InstallmentChoice),
}

pub async fn decide(
    db: &DatabaseConnection,
    base_url: &str,
    staff_id: i32,
    creditor_id: i32,
    plan_id: i32,
    decision: Decision,
    now: DateTime<Utc>,
) -> Result<(), ReviewError> {
    let txn = begin_write(db).await?;
    let summary = detail(&txn, creditor_id, plan_id)
        .await?
        .ok_or(ReviewError::NotFound)?;
    let plan = &summary.plan;
    if plan.status != PlanStatus::Proposed {
        return Err(ReviewError::AlreadyDecided);
    }
    let creditor = creditor_name(&txn, creditor_id).await?;
    let (to, action, notice_schedule, reason) = match &decision {
        Decision::Approve => {
            let schedule = plan
                .schedule()
                .ok_or(RecordError::Corrupt("proposal schedule"))?;
            (PlanStatus::Active, "plan.approved", Some(schedule), None)
        }
        Decision::Decline { reason } => {
            if reason.trim().is_empty() {
                return Err(ReviewError::ReasonRequired);
            }
            (
                PlanStatus::Declined,
                "plan.declined",
                None,
                Some(reason.trim().to_string()),
            )
        }
        Decision::Counter(choice) => {
            let offer = counter_schedule(plan, choice, now.date_naive())?;
            records::write_installments(&txn, plan.id, &offer).await?;
            records::set_terms(&txn, plan.id, &offer, now).await?;
            (PlanStatus::Countered, "plan.countered", Some(offer), None)
        }
    };
    if !records::set_status(&txn, plan.id, &[PlanStatus::Proposed], to, now).await? {
        return Err(ReviewError::AlreadyDecided);
    }
    if to == PlanStatus::Active {
        allocation::allocate_earlier_payments(&txn, plan.id, creditor_id, now).await?;
    }
    records::record_decision(&txn, plan.id, staff_id, reason.as_deref(), now).await?;
    audit::record(
        &txn,
        AuditEvent {
            actor: Actor::Staff(staff_id),
            creditor_id: Some(creditor_id),
            action,
            subject_kind: "plan",
            subject_id: Some(plan.id),
            detail: "",
        },
        now,
    )
    .await?;
    let notice = match (&decision, &notice_schedule) {
        (Decision::Approve, Some(s)) => DecisionNotice::Approved(s),
        (Decision::Counter(_), Some(s)) => DecisionNotice::Countered(s),
        (Decision::Decline { .. }, _) => {
            DecisionNotice::Declined(reason.as_deref().unwrap_or_default())
        }
        // Approve and counter always carry a schedule (checked above).
        _ => return Err(RecordError::Corrupt("decision without a schedule").into()),
    };
    let target = format!("/account/{}/plan", plan.account_id);
    let link = deep_links::create(&txn, base_url, plan.debtor_id, &target, now).await?;
    queue_email(
        &txn,
        plan.debtor_id,
        templates::plan_update(&creditor, notice, &link)?,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

fn counter_schedule(
    plan: &PlanView,
    choice: &InstallmentChoice,
    today: NaiveDate,
) -> Result<Schedule, ReviewError> {
    check_first_date(choice.first_due, today).map_err(|e| ReviewError::Date(e.to_string()))?;
    if plan.kind != PlanKind::Installments {
        return Err(ReviewError::NotInstallments);
    }
    Ok(schedule::build(
        plan.total,
        choice.frequency,
        choice.size,
        choice.first_due,
    )?)
}

async fn creditor_name<C: ConnectionTrait>(conn: &C, creditor_id: i32) -> Result<String, DbErr> {
    Ok(crate::entities::creditor::Entity::find_by_id(creditor_id)
        .one(conn)
        .await?
        .map(|c| c.display_name)
        .unwrap_or_default())
}

/// The filtered list as CSV, for a spreadsheet: amounts as plain numbers in the plan's
/// currency, dates as YYYY-MM-DD, where payments stand on `today`. Cells that a spreadsheet
/// would run as a formula are prefixed with an apostrophe.
pub fn to_csv(rows: &[PlanSummary], today: NaiveDate) -> String {
    let mut out = String::from(
        "plan_id,reference,name,kind,status,total,currency,frequency,payments,paid,created,consented,\
         account_id,installment,first_due,last_due,pay_later_by,next_due,overdue\n",
    );
    let amount = |m: Option<Money>| m.map(|m| m.amount().to_string()).unwrap_or_default();
    let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    for row in rows {
        let p = &row.plan;
        let position = p.position(today);
        let cells = [
            p.id.to_string(),
            row.reference.clone(),
            row.debtor_name.clone(),
            p.kind.as_str().to_string(),
            p.status.as_str().to_string(),
            p.total.amount().to_string(),
            p.total.currency().code().to_string(),
            p.frequency
                .map(|f| f.as_str().to_string())
                .unwrap_or_default(),
            p.installments.len().to_string(),
            p.paid().amount().to_string(),
            p.created_at.format("%Y-%m-%d").to_string(),
            p.consent_at.map(|c| c.to_rfc3339()).unwrap_or_default(),
            p.account_id.to_string(),
            amount(position.installment),
            date(position.first_due),
            date(position.last_due),
            date(p.pay_later_by()),
            date(position.next_due),
            amount(position.overdue),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

fn csv_cell(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// Parses "12.50" into minor units of a currency, for the amount filters.
pub fn parse_amount_filter(value: &str, currency: crate::domain::Currency) -> Option<i64> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    Money::parse(value, currency).ok()?.to_minor().ok()
}
