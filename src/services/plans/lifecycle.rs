//! The scheduler's daily pass over plans: an installment past its due date plus the grace
//! days is missed; too many missed break the plan; catching up restores it; everything paid
//! completes it; a pay-later date that has passed ends that arrangement. The rules are the
//! ones agreed with the plan (a snapshot), not today's policy.
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::db::begin_write;
use crate::domain::lifecycle::{self, InstallmentProgress};
use crate::domain::plans::{PlanKind, PlanStatus};
use crate::entities::{installment, plan};
use crate::services::accounts::statements::Scope;
use crate::services::audit::{self, Actor, AuditEvent};
use crate::services::plans::records::{self, PlanView, RecordError};

const BATCH: u64 = 500;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct LifecycleReport {
    pub checked: usize,
    pub broken: usize,
    pub restored: usize,
    pub completed: usize,
    pub ended: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum LifecycleRunError {
    #[error("database error")]
    Database(#[from] DbErr),
    #[error("stored plan could not be read")]
    Records(#[from] RecordError),
}

/// One pass over every active or broken plan, in batches by id.
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
            return Ok(report);
        };
        for (plan_id, creditor_id) in batch {
            if let Some(plan) = records::load(db, plan_id, Scope::Creditor(creditor_id)).await? {
                report.checked += 1;
                step(db, &plan, now, &mut report).await?;
            }
        }
        after = last;
    }
}

async fn step(
    db: &DatabaseConnection,
    plan: &PlanView,
    now: DateTime<Utc>,
    report: &mut LifecycleReport,
) -> Result<(), LifecycleRunError> {
    let today = now.date_naive();
    let target = match plan.kind {
        PlanKind::Deferral => deferral_target(plan, today),
        PlanKind::Installments => installments_target(db, plan, today).await?,
    };
    if target == plan.status {
        return Ok(());
    }
    let txn = begin_write(db).await?;
    if records::set_status(&txn, plan.id, &[plan.status], target, now).await? {
        let action = match target {
            PlanStatus::Broken => {
                report.broken += 1;
                "plan.broken"
            }
            PlanStatus::Completed => {
                report.completed += 1;
                "plan.completed"
            }
            PlanStatus::Ended => {
                report.ended += 1;
                "plan.ended"
            }
            _ => {
                report.restored += 1;
                "plan.restored"
            }
        };
        audit::record(
            &txn,
            AuditEvent {
                actor: Actor::System,
                creditor_id: Some(plan.creditor_id),
                action,
                subject_kind: "plan",
                subject_id: Some(plan.id),
                detail: "",
            },
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

fn deferral_target(plan: &PlanView, today: NaiveDate) -> PlanStatus {
    match plan.defer_until {
        Some(until) if until < today => PlanStatus::Ended,
        _ => plan.status,
    }
}

/// Works out the plan's state and keeps each installment's "missed" mark up to date.
async fn installments_target(
    db: &DatabaseConnection,
    plan: &PlanView,
    today: NaiveDate,
) -> Result<PlanStatus, LifecycleRunError> {
    let progress: Vec<InstallmentProgress> = plan
        .installments
        .iter()
        .map(|i| InstallmentProgress {
            seq: i.seq,
            due_on: i.due_on,
            amount: i.amount,
            paid: i.paid,
        })
        .collect();
    let Ok(assessment) = lifecycle::assess(&progress, today, plan.grace_days, plan.missed_to_break)
    else {
        tracing::warn!(plan_id = plan.id, "plan installments could not be assessed");
        return Ok(plan.status);
    };
    for item in &plan.installments {
        let missed = assessment.missed.contains(&item.seq);
        if missed != item.missed {
            installment::Entity::update_many()
                .col_expr(installment::Column::Missed, Expr::value(missed))
                .filter(installment::Column::PlanId.eq(plan.id))
                .filter(installment::Column::Seq.eq(i32::try_from(item.seq).unwrap_or(0)))
                .exec(db)
                .await?;
        }
    }
    Ok(assessment.state.into())
}
