//! Each creditor's plan policy: stored per creditor, the default where none is set.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

use crate::domain::policy::{PlanPolicy, PolicyTerms};
use crate::domain::schedule::Frequency;
use crate::domain::{Currency, Money};
use crate::entities::plan_policy;

pub async fn for_creditor<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
    currency: Currency,
) -> Result<PlanPolicy, DbErr> {
    let row = plan_policy::Entity::find_by_id(creditor_id)
        .one(conn)
        .await?;
    from_stored(row.as_ref(), currency)
}

/// The policy a creditor's stored row (if any) sets: no row means the defaults.
pub fn from_stored(
    row: Option<&plan_policy::Model>,
    currency: Currency,
) -> Result<PlanPolicy, DbErr> {
    match row {
        Some(row) => from_row(row, currency),
        None => Ok(PlanPolicy::default_for(currency)),
    }
}

fn count(value: i32) -> u32 {
    u32::try_from(value).unwrap_or(0)
}

/// A stored policy, checked again as it is read. Every save went through `PlanPolicy::new`
/// (and the admin form had the same limits before it), so a row that fails is damaged data:
/// an error, rather than a policy quietly made up.
fn from_row(row: &plan_policy::Model, currency: Currency) -> Result<PlanPolicy, DbErr> {
    let terms = PolicyTerms {
        allowed_frequencies: row
            .allowed_frequencies
            .split(',')
            .filter_map(|f| Frequency::parse(f.trim()))
            .collect(),
        max_installments: count(row.max_installments),
        max_duration_days: count(row.max_duration_days),
        min_installment: Money::from_minor(row.min_installment_minor, currency),
        max_deferral_days: count(row.max_deferral_days),
        grace_days: count(row.grace_days),
        missed_to_break: count(row.missed_to_break),
        allow_move_date: row.allow_move_date,
        allow_skip: row.allow_skip,
        breathing_space_max_days: count(row.breathing_space_max_days),
    };
    PlanPolicy::new(terms).map_err(|invalid| {
        DbErr::Custom(format!(
            "creditor {}'s stored plan policy breaks the policy rules: {invalid}",
            row.creditor_id
        ))
    })
}

/// Creates or replaces a creditor's policy; it takes only a checked `PlanPolicy`. Plans already agreed keep their own terms.
pub async fn save<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
    policy: &PlanPolicy,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let as_i32 = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
    let frequencies: Vec<&str> = policy
        .allowed_frequencies()
        .iter()
        .map(|f| f.as_str())
        .collect();
    let row = plan_policy::ActiveModel {
        creditor_id: Set(creditor_id),
        allowed_frequencies: Set(frequencies.join(",")),
        max_installments: Set(as_i32(policy.max_installments())),
        max_duration_days: Set(as_i32(policy.max_duration_days())),
        min_installment_minor: Set(policy.min_installment().to_minor().unwrap_or(0)),
        max_deferral_days: Set(as_i32(policy.max_deferral_days())),
        grace_days: Set(as_i32(policy.grace_days())),
        missed_to_break: Set(as_i32(policy.missed_to_break())),
        allow_move_date: Set(policy.allow_move_date()),
        allow_skip: Set(policy.allow_skip()),
        breathing_space_max_days: Set(as_i32(policy.breathing_space_max_days())),
        updated_at: Set(now),
    };
    use plan_policy::Column as C;
    plan_policy::Entity::insert(row)
        .on_conflict(
            OnConflict::column(C::CreditorId)
                .update_columns([
                    C::AllowedFrequencies,
                    C::MaxInstallments,
                    C::MaxDurationDays,
                    C::MinInstallmentMinor,
                    C::MaxDeferralDays,
                    C::GraceDays,
                    C::MissedToBreak,
                    C::AllowMoveDate,
                    C::AllowSkip,
                    C::BreathingSpaceMaxDays,
                    C::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// An admin changes a creditor's policy; recorded in the audit log. Plans already agreed
/// keep the terms they were agreed on.
pub async fn update_by_admin(
    db: &sea_orm::DatabaseConnection,
    admin_id: i32,
    creditor_id: i32,
    policy: &PlanPolicy,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    use sea_orm::TransactionTrait;
    let txn = db.begin().await?;
    save(&txn, creditor_id, policy, now).await?;
    crate::services::audit::record(
        &txn,
        crate::services::audit::AuditEvent {
            actor: crate::services::audit::Actor::Staff(admin_id),
            creditor_id: Some(creditor_id),
            action: "plan_policy.updated",
            subject_kind: "creditor",
            subject_id: Some(creditor_id),
            detail: "",
        },
        now,
    )
    .await?;
    txn.commit().await
}
