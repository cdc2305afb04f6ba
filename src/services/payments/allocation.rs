//! How a payment meets a plan: which installments it pays, and what a refund takes back.
//! A payment pays the earliest unpaid installments; an extra payment (more than what is due)
//! shortens the plan from the end instead, so the next due dates stay as agreed.
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter};

use crate::domain::Money;
use crate::domain::lifecycle::{self, InstallmentProgress};
use crate::domain::payments::PaymentPurpose;
use crate::domain::plans::{PlanKind, PlanStatus};
use crate::domain::wording::full_date;
use crate::entities::{installment, payment_attempt};
use crate::services::payments::PaymentError;
use crate::services::plans::choose::{self, AccountForPlan};
use crate::services::plans::records::{self, InstallmentView, PlanView};

/// A plan that payments count towards.
fn paying_plan(account: &AccountForPlan) -> Option<&PlanView> {
    account
        .latest_plan
        .as_ref()
        .filter(|p| p.kind == PlanKind::Installments && p.status.takes_payments())
}

/// The earliest installment not fully paid: its date and what is left on it.
pub fn next_installment(account: &AccountForPlan, _today: NaiveDate) -> Option<(NaiveDate, Money)> {
    let plan = paying_plan(account)?;
    plan.installments.iter().find_map(|i| {
        let left = i.amount.checked_sub(&i.paid).ok()?;
        left.is_positive().then_some((i.due_on, left))
    })
}

/// What a payment did, for the receipt.
pub struct Effect {
    pub creditor_name: String,
    pub paid_for: Vec<String>,
    pub balance_after: Money,
}

fn progress(items: &[InstallmentView]) -> Vec<InstallmentProgress> {
    items
        .iter()
        .map(|i| InstallmentProgress {
            seq: i.seq,
            due_on: i.due_on,
            amount: i.amount,
            paid: i.paid,
        })
        .collect()
}

pub async fn allocate<C: ConnectionTrait>(
    conn: &C,
    attempt: &payment_attempt::Model,
    covered: Money,
    now: DateTime<Utc>,
) -> Result<Effect, PaymentError> {
    let account = choose::account_for_plan(conn, attempt.debtor_id, attempt.account_id)
        .await?
        .ok_or(PaymentError::NotFound)?;
    let mut paid_for = Vec::new();
    if let Some(plan) = paying_plan(&account) {
        let items = progress(&plan.installments);
        let allocation = if attempt.purpose == PaymentPurpose::Extra {
            lifecycle::allocate_from_end(&items, covered)
        } else {
            lifecycle::allocate(&items, covered)
        }
        .map_err(|_| records::RecordError::Corrupt("installments"))?;
        for (seq, amount) in &allocation.applied {
            add_paid(conn, plan.id, *seq, amount.to_minor()?).await?;
            if let Some(item) = plan.installments.iter().find(|i| i.seq == *seq) {
                paid_for.push(format!(
                    "{amount} towards payment {seq} of {}, due {}",
                    plan.installments.len(),
                    full_date(item.due_on)
                ));
            }
        }
    }
    if paid_for.is_empty() {
        paid_for.push(format!("{covered} towards what you owe"));
    }
    if !account.balance.is_positive()
        && let Some(open) = account.open_plan()
    {
        records::set_status(conn, open.id, &PlanStatus::OPEN, PlanStatus::Completed, now).await?;
    }
    Ok(Effect {
        creditor_name: account.creditor_name.clone(),
        paid_for,
        balance_after: account.balance,
    })
}

async fn add_paid<C: ConnectionTrait>(
    conn: &C,
    plan_id: i32,
    seq: u32,
    minor: i64,
) -> Result<(), sea_orm::DbErr> {
    installment::Entity::update_many()
        .col_expr(
            installment::Column::PaidMinor,
            Expr::col(installment::Column::PaidMinor).add(minor),
        )
        .filter(installment::Column::PlanId.eq(plan_id))
        .filter(installment::Column::Seq.eq(i32::try_from(seq).unwrap_or(0)))
        .exec(conn)
        .await?;
    Ok(())
}

/// A refund takes back from the latest paid installments first.
pub async fn unallocate<C: ConnectionTrait>(
    conn: &C,
    attempt: &payment_attempt::Model,
    part: Money,
) -> Result<(), PaymentError> {
    let account = choose::account_for_plan(conn, attempt.debtor_id, attempt.account_id)
        .await?
        .ok_or(PaymentError::NotFound)?;
    let Some(plan) = paying_plan(&account) else {
        return Ok(());
    };
    let mut left = part.to_minor()?;
    for item in plan.installments.iter().rev() {
        if left == 0 {
            break;
        }
        let take = std::cmp::Ord::min(item.paid.to_minor()?, left);
        if take > 0 {
            add_paid(conn, plan.id, item.seq, -take).await?;
            left -= take;
        }
    }
    Ok(())
}
