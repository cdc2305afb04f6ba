//! How a payment meets a plan: which installments it pays, and what a refund takes back.
//! A payment pays what is overdue first, then the next one due; what is left goes on
//! earliest first, or, for an extra payment, shortens the plan from the end (so the later due
//! dates stay as agreed). Each share is recorded against the installment's id, so a refund
//! takes back exactly what its payment paid.
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, LockType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, ExprTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::domain::Money;
use crate::domain::lifecycle;
use crate::domain::payments::{PaymentPurpose, PaymentStatus};
use crate::domain::plans::{PlanKind, PlanStatus};
use crate::domain::wording::full_date;
use crate::entities::{installment, payment_allocation, payment_attempt, plan};
use crate::services::accounts::statements::Scope;
use crate::services::payments::PaymentError;
use crate::services::plans::choose::{self, AccountForPlan};
use crate::services::plans::lifecycle::reassess;
use crate::services::plans::records::{self, PlanView};

/// A plan that payments count towards.
fn paying_plan(account: &AccountForPlan) -> Option<&PlanView> {
    account
        .latest_plan
        .as_ref()
        .filter(|p| p.kind == PlanKind::Installments && p.status.takes_payments())
}

/// The earliest installment not fully paid: its date and what is left on it, never more than
/// the balance (a payment the person already made outside the plan counts).
pub fn next_installment(account: &AccountForPlan, _today: NaiveDate) -> Option<(NaiveDate, Money)> {
    let plan = paying_plan(account)?;
    let (due_on, left) = plan.installments.iter().find_map(|i| {
        let left = i.left();
        left.is_positive().then_some((i.due_on, left))
    })?;
    at_most_owed(left, account.balance).map(|amount| (due_on, amount))
}

/// What is left on installments whose date has passed (missed or within their grace days),
/// never more than the balance: the "catch up" amount. `None` when nothing is overdue.
pub fn overdue(account: &AccountForPlan, today: NaiveDate) -> Option<Money> {
    let owed = paying_plan(account)?.position(today).overdue?;
    at_most_owed(owed, account.balance)
}

fn at_most_owed(amount: Money, balance: Money) -> Option<Money> {
    let capped = if amount.amount() > balance.amount() {
        balance
    } else {
        amount
    };
    capped.is_positive().then_some(capped)
}

/// What a payment did, for the receipt.
pub struct Effect {
    pub creditor_name: String,
    pub paid_for: Vec<String>,
    pub balance_after: Money,
}

/// Serialises payments and refunds on one account's plans. On PostgreSQL the plan rows are
/// locked (SELECT ... FOR UPDATE) before their installments are read, so of two payments
/// committing at once the second waits and then sees what the first paid. SQLite's write
/// transactions (BEGIN IMMEDIATE) are serialised already.
async fn lock_plans<C: ConnectionTrait>(conn: &C, account_id: i32) -> Result<(), DbErr> {
    if conn.get_database_backend() == DbBackend::Postgres {
        plan::Entity::find()
            .select_only()
            .column(plan::Column::Id)
            .filter(plan::Column::AccountId.eq(account_id))
            .lock(LockType::Update)
            .into_tuple::<i32>()
            .all(conn)
            .await?;
    }
    Ok(())
}

pub async fn allocate<C: ConnectionTrait>(
    conn: &C,
    attempt: &payment_attempt::Model,
    covered: Money,
    now: DateTime<Utc>,
) -> Result<Effect, PaymentError> {
    lock_plans(conn, attempt.account_id).await?;
    let account = choose::account_for_plan(conn, attempt.debtor_id, attempt.account_id)
        .await?
        .ok_or(PaymentError::NotFound)?;
    let mut paid_for = Vec::new();
    if let Some(plan) = paying_plan(&account) {
        let extra = attempt.purpose == PaymentPurpose::Extra;
        for (seq, amount) in pay_installments(conn, plan, attempt.id, covered, extra, now).await? {
            if let Some(item) = plan.installments.iter().find(|i| i.seq == seq) {
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

/// Shares `covered` out over the plan's installments, records each share against the
/// installment's id, then brings the plan's state up to date at once: a missed installment
/// paid in full is no longer missed, and a plan stopped for missed payments is back on track.
async fn pay_installments<C: ConnectionTrait>(
    conn: &C,
    plan: &PlanView,
    attempt_id: i32,
    covered: Money,
    extra: bool,
    now: DateTime<Utc>,
) -> Result<Vec<(u32, Money)>, PaymentError> {
    let items = records::progress(&plan.installments);
    let today = now.date_naive();
    let allocation = if extra {
        lifecycle::allocate_extra(&items, covered, today)
    } else {
        lifecycle::allocate(&items, covered)
    }
    .map_err(|_| records::RecordError::Corrupt("installments"))?;
    for (seq, amount) in &allocation.applied {
        if let Some(item) = plan.installments.iter().find(|i| i.seq == *seq) {
            move_paid(conn, attempt_id, item.id, amount.to_minor()?, now).await?;
        }
    }
    refresh(conn, plan, now).await?;
    Ok(allocation.applied)
}

/// Re-reads the plan and applies the lifecycle rules to it now.
async fn refresh<C: ConnectionTrait>(
    conn: &C,
    plan: &PlanView,
    now: DateTime<Utc>,
) -> Result<(), PaymentError> {
    if let Some(fresh) = records::load(conn, plan.id, Scope::Creditor(plan.creditor_id)).await? {
        reassess(conn, &fresh, now).await?;
    }
    Ok(())
}

/// Adds `minor` (negative: takes it back) to an installment and records it against the payment.
async fn move_paid<C: ConnectionTrait>(
    conn: &C,
    attempt_id: i32,
    installment_id: i32,
    minor: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    installment::Entity::update_many()
        .col_expr(
            installment::Column::PaidMinor,
            Expr::col(installment::Column::PaidMinor).add(minor),
        )
        .filter(installment::Column::Id.eq(installment_id))
        .exec(conn)
        .await?;
    payment_allocation::ActiveModel {
        attempt_id: Set(attempt_id),
        installment_id: Set(installment_id),
        amount_minor: Set(minor),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// A refund takes back what the refunded payment paid towards installments, from its own
/// recorded shares, the latest installment first; `part` is the cash refunded plus any
/// discount taken back with it. A plan that was paid in full reopens when money is owed again.
pub async fn unallocate<C: ConnectionTrait>(
    conn: &C,
    attempt: &payment_attempt::Model,
    part: Money,
    now: DateTime<Utc>,
) -> Result<(), PaymentError> {
    lock_plans(conn, attempt.account_id).await?;
    let shares = shares_of(conn, attempt.id).await?;
    let mut left = part.to_minor()?;
    for (installment_id, share) in shares.on_installments {
        let take = std::cmp::Ord::min(share, left);
        if take > 0 {
            move_paid(conn, attempt.id, installment_id, -take, now).await?;
            left -= take;
        }
    }
    let account = choose::account_for_plan(conn, attempt.debtor_id, attempt.account_id)
        .await?
        .ok_or(PaymentError::NotFound)?;
    let plan = account
        .latest_plan
        .as_ref()
        .filter(|p| p.kind == PlanKind::Installments);
    // Shares on installment rows a schedule change has since replaced come back from the
    // plan's latest paid installments instead.
    let from_replaced = std::cmp::Ord::min(left, shares.on_replaced);
    if let Some(plan) = plan
        && from_replaced > 0
    {
        take_back_latest_first(conn, attempt.id, plan, from_replaced, now).await?;
    }
    if let Some(plan) = plan.filter(|p| p.status == PlanStatus::Completed)
        && account.balance.is_positive()
        && records::set_status(
            conn,
            plan.id,
            &[PlanStatus::Completed],
            PlanStatus::Active,
            now,
        )
        .await?
    {
        // Reopened: the usual rules decide at once whether it is on track or behind.
        refresh(conn, plan, now).await?;
    }
    Ok(())
}

async fn take_back_latest_first<C: ConnectionTrait>(
    conn: &C,
    attempt_id: i32,
    plan: &PlanView,
    mut left: i64,
    now: DateTime<Utc>,
) -> Result<(), PaymentError> {
    for item in plan.installments.iter().rev() {
        let take = std::cmp::Ord::min(item.paid.to_minor()?, left);
        if take > 0 {
            move_paid(conn, attempt_id, item.id, -take, now).await?;
            left -= take;
        }
    }
    Ok(())
}

/// What a payment still has towards a plan, net of earlier refunds.
struct Shares {
    /// On installments that still exist, latest first.
    on_installments: Vec<(i32, i64)>,
    /// On installment rows since replaced by a schedule change (moved or skipped payments).
    on_replaced: i64,
}

async fn shares_of<C: ConnectionTrait>(conn: &C, attempt_id: i32) -> Result<Shares, DbErr> {
    let rows: Vec<(i32, i64)> = payment_allocation::Entity::find()
        .select_only()
        .column(payment_allocation::Column::InstallmentId)
        .column(payment_allocation::Column::AmountMinor)
        .filter(payment_allocation::Column::AttemptId.eq(attempt_id))
        .into_tuple()
        .all(conn)
        .await?;
    let total: i64 = rows.iter().map(|(_, minor)| minor).sum();
    let mut net: Vec<(i32, i64)> = Vec::new();
    for (id, minor) in rows {
        match net.iter_mut().find(|(known, _)| *known == id) {
            Some((_, sum)) => *sum += minor,
            None => net.push((id, minor)),
        }
    }
    let order: Vec<i32> = installment::Entity::find()
        .select_only()
        .column(installment::Column::Id)
        .filter(installment::Column::Id.is_in(net.iter().map(|(id, _)| *id)))
        .order_by_desc(installment::Column::DueOn)
        .order_by_desc(installment::Column::Seq)
        .into_tuple()
        .all(conn)
        .await?;
    let on_installments: Vec<(i32, i64)> = order
        .into_iter()
        .filter_map(|id| net.iter().find(|(known, _)| *known == id).copied())
        .filter(|(_, minor)| *minor > 0)
        .collect();
    let on_existing: i64 = on_installments.iter().map(|(_, minor)| minor).sum();
    Ok(Shares {
        on_installments,
        on_replaced: std::cmp::Ord::max(total - on_existing, 0),
    })
}

/// When staff approve a proposal (or the person accepts a counter-offer), payments made while
/// it waited count towards it first, so nobody is asked to pay those installments again.
pub async fn allocate_earlier_payments<C: ConnectionTrait>(
    conn: &C,
    plan_id: i32,
    creditor_id: i32,
    now: DateTime<Utc>,
) -> Result<(), PaymentError> {
    let Some(plan) = records::load(conn, plan_id, Scope::Creditor(creditor_id)).await? else {
        return Ok(());
    };
    lock_plans(conn, plan.account_id).await?;
    let earlier = payment_attempt::Entity::find()
        .filter(payment_attempt::Column::AccountId.eq(plan.account_id))
        .filter(
            payment_attempt::Column::Status
                .is_in([PaymentStatus::Succeeded, PaymentStatus::Refunded]),
        )
        .filter(payment_attempt::Column::SucceededAt.gte(plan.created_at))
        .order_by_asc(payment_attempt::Column::Id)
        .all(conn)
        .await?;
    for attempt in earlier {
        let net = attempt.amount_minor - attempt.refunded_minor;
        let Some(fresh) = records::load(conn, plan_id, Scope::Creditor(creditor_id)).await? else {
            break;
        };
        let shares = shares_of(conn, attempt.id).await?;
        if net > 0 && shares.on_installments.is_empty() && shares.on_replaced == 0 {
            let covered = Money::from_minor(net, fresh.total.currency());
            pay_installments(conn, &fresh, attempt.id, covered, false, now).await?;
        }
    }
    Ok(())
}
