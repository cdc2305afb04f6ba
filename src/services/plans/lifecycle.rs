//! The scheduler's daily pass over plans: an installment past its due date plus the grace
//! days is missed; too many missed break the plan; catching up restores it; everything paid
//! completes it; a pay-later date that has passed ends that arrangement. The rules are the
//! ones agreed with the plan (a snapshot), not today's policy.
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::db::begin_write;
use crate::domain::lifecycle;
use crate::domain::plans::{PlanKind, PlanStatus};
use crate::entities::{installment, plan};
use crate::services::accounts::statements::Scope;
use crate::services::audit::{self, Actor, AuditEvent};
use crate::services::care::holds;
use crate::services::plans::records::{self, PlanView, RecordError};

const BATCH: u64 = 500;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct LifecycleReport {
    pub checked: usize,
    pub broken: usize,
    pub restored: usize,
    pub completed: usize,
    pub ended: usize,
    /// Plans that could not be read or updated: logged by id and left for the next pass, so
    /// one bad row never stops the others from being checked.
    pub skipped: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum LifecycleRunError {
    #[error("database error")]
    Database(#[from] DbErr),
    #[error("stored plan could not be read")]
    Records(#[from] RecordError),
}

/// One pass over every active or broken plan, in batches by id. A plan that fails is skipped
/// and counted; only failing to list the plans ends the pass early.
pub async fn run(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<LifecycleReport, LifecycleRunError> {
    let mut report = LifecycleReport::default();
    let mut after = 0;
    loop {
        let batch: Vec<(i32, i32)> = plan::Entity::find()
            .select_only()
            .column(plan::Column::Id)
            .column(plan::Column::CreditorId)
            .filter(plan::Column::Id.gt(after))
            .filter(plan::Column::Status.is_in(PlanStatus::FOLLOWED))
            .order_by_asc(plan::Column::Id)
            .limit(BATCH)
            .into_tuple()
            .all(db)
            .await?;
        let Some(&(last, _)) = batch.last() else {
            if report.skipped > 0 {
                tracing::warn!(
                    skipped = report.skipped,
                    "plan lifecycle pass skipped plans"
                );
            }
            return Ok(report);
        };
        for (plan_id, creditor_id) in batch {
            if let Err(error) = check_one(db, plan_id, creditor_id, now, &mut report).await {
                tracing::warn!(plan_id, error = %error, "plan skipped by the lifecycle pass");
                report.skipped += 1;
            }
        }
        after = last;
    }
}

async fn check_one(
    db: &DatabaseConnection,
    plan_id: i32,
    creditor_id: i32,
    now: DateTime<Utc>,
    report: &mut LifecycleReport,
) -> Result<(), LifecycleRunError> {
    let Some(plan) = records::load(db, plan_id, Scope::Creditor(creditor_id)).await? else {
        return Ok(());
    };
    report.checked += 1;
    // Collection is paused on a held account (a dispute, a breathing space, staff's hold):
    // no payment is marked missed and no plan breaks while the hold lasts.
    if holds::current(db, plan.account_id, now).await?.is_some() {
        return Ok(());
    }
    let txn = begin_write(db).await?;
    let moved = reassess(&txn, &plan, now).await?;
    txn.commit().await?;
    match moved {
        Some(PlanStatus::Broken) => report.broken += 1,
        Some(PlanStatus::Completed) => report.completed += 1,
        Some(PlanStatus::Ended) => report.ended += 1,
        Some(_) => report.restored += 1,
        None => {}
    }
    Ok(())
}

/// Brings one plan's state and its installments' "missed" marks in line with its payments
/// on `now`'s date; returns the new status when it moved. Used by the daily pass and right
/// after a payment, so catching up shows at once.
pub async fn reassess<C: ConnectionTrait>(
    conn: &C,
    plan: &PlanView,
    now: DateTime<Utc>,
) -> Result<Option<PlanStatus>, LifecycleRunError> {
    let today = now.date_naive();
    let target = match plan.kind {
        PlanKind::Deferral => deferral_target(plan, today),
        PlanKind::Installments => installments_target(conn, plan, now).await?,
    };
    if target == plan.status
        || !records::set_status(conn, plan.id, &[plan.status], target, now).await?
    {
        return Ok(None);
    }
    let action = match target {
        PlanStatus::Broken => "plan.broken",
        PlanStatus::Completed => "plan.completed",
        PlanStatus::Ended => "plan.ended",
        _ => "plan.restored",
    };
    record(conn, plan, action, "", now).await?;
    Ok(Some(target))
}

/// Something the lifecycle did to a plan, in the audit log.
async fn record<C: ConnectionTrait>(
    conn: &C,
    plan: &PlanView,
    action: &str,
    detail: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    audit::record(
        conn,
        AuditEvent {
            actor: Actor::System,
            creditor_id: Some(plan.creditor_id),
            action,
            subject_kind: "plan",
            subject_id: Some(plan.id),
            detail,
        },
        now,
    )
    .await
}

fn deferral_target(plan: &PlanView, today: NaiveDate) -> PlanStatus {
    match plan.defer_until {
        Some(until) if until < today => PlanStatus::Ended,
        _ => plan.status,
    }
}

/// Works out the plan's state and keeps each installment's "missed" mark up to date; each
/// change of mark is audited, so the account's timeline shows every missed payment and
/// every one caught up.
async fn installments_target<C: ConnectionTrait>(
    conn: &C,
    plan: &PlanView,
    now: DateTime<Utc>,
) -> Result<PlanStatus, LifecycleRunError> {
    let today = now.date_naive();
    let progress = records::progress(&plan.installments);
    let Ok(assessment) = lifecycle::assess(&progress, today, plan.grace_days, plan.missed_to_break)
    else {
        tracing::warn!(plan_id = plan.id, "plan installments could not be assessed");
        return Ok(plan.status);
    };
    for item in &plan.installments {
        let missed = assessment.missed.contains(&item.seq);
        if missed != item.missed {
            // Only from the mark this pass read: of two workers passing at once, the one
            // that changes it records it; the other finds it changed and records nothing.
            let changed = installment::Entity::update_many()
                .col_expr(installment::Column::Missed, Expr::value(missed))
                .filter(installment::Column::Id.eq(item.id))
                .filter(installment::Column::Missed.eq(item.missed))
                .exec(conn)
                .await?;
            if changed.rows_affected == 0 {
                continue;
            }
            let action = if missed {
                "plan.installment_missed"
            } else {
                "plan.installment_caught_up"
            };
            record(conn, plan, action, &format!("payment={}", item.seq), now).await?;
        }
    }
    Ok(assessment.state.into())
}
