//! Reading and writing plans and their installments, shared by the debtor's, the staff's and
//! the scheduler's use cases. Every read is scoped to a debtor or a creditor.
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use crate::domain::lifecycle::InstallmentProgress;
use crate::domain::plans::{PlanKind, PlanStatus};
use crate::domain::schedule::{Frequency, Installment, Schedule};
use crate::domain::standing::PlanFacts;
use crate::domain::{Currency, Money, MoneyError};
use crate::entities::{installment, plan};
use crate::services::accounts::people::same_person_rows;
use crate::services::accounts::statements::Scope;

#[derive(Clone, Debug)]
pub struct InstallmentView {
    /// Stable for the installment's life: moving or skipping a payment renumbers `seq`, never
    /// this, so payments (and their recorded allocations),, reminders and retries stay with the installment they were for.
    pub id: i32,
    pub seq: u32,
    pub due_on: NaiveDate,
    pub amount: Money,
    pub paid: Money,
    pub missed: bool,
}

impl InstallmentView {
    /// What is still to pay on this installment (never below zero).
    pub fn left(&self) -> Money {
        self.amount
            .checked_sub(&self.paid)
            .ok()
            .filter(Money::is_positive)
            .unwrap_or(Money::zero(self.amount.currency()))
    }
}

/// Installments as the lifecycle rules see them.
pub fn progress(items: &[InstallmentView]) -> Vec<InstallmentProgress> {
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

/// Where a plan's payments stand on a given day: what collections staff act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentPosition {
    /// The regular payment (a last payment may be smaller).
    pub installment: Option<Money>,
    pub first_due: Option<NaiveDate>,
    pub last_due: Option<NaiveDate>,
    /// The first payment from that day on with something still to pay.
    pub next_due: Option<NaiveDate>,
    /// What is left on payments whose date has passed, including any still within their
    /// grace days (the same rule the scheduler uses); `None` for a plan without payments.
    pub overdue: Option<Money>,
}

#[derive(Clone, Debug)]
pub struct PlanView {
    pub id: i32,
    pub account_id: i32,
    pub creditor_id: i32,
    pub debtor_id: i32,
    pub kind: PlanKind,
    pub status: PlanStatus,
    pub frequency: Option<Frequency>,
    pub anchor_date: Option<NaiveDate>,
    pub total: Money,
    pub defer_until: Option<NaiveDate>,
    pub defer_reason: Option<String>,
    pub debtor_note: Option<String>,
    pub decision_reason: Option<String>,
    pub decided_by: Option<i32>,
    pub decided_at: Option<DateTime<Utc>>,
    pub consent_text: Option<String>,
    pub consent_at: Option<DateTime<Utc>>,
    pub grace_days: u32,
    pub missed_to_break: u32,
    pub date_moved: bool,
    pub installment_skipped: bool,
    /// The hardship statement the plan or proposal was made from, for staff to see.
    pub hardship_id: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub installments: Vec<InstallmentView>,
}

impl PlanView {
    /// The schedule as the domain sees it, for moving or skipping a payment.
    pub fn schedule(&self) -> Option<Schedule> {
        let installments = self
            .installments
            .iter()
            .map(|i| Installment {
                seq: i.seq,
                due_on: i.due_on,
                amount: i.amount,
            })
            .collect();
        Schedule::restore(self.frequency?, self.anchor_date?, installments).ok()
    }

    pub fn paid(&self) -> Money {
        Money::sum(
            self.total.currency(),
            self.installments.iter().map(|i| i.paid),
        )
        .unwrap_or(Money::zero(self.total.currency()))
    }

    /// The date a pay-later plan is due in full; `None` for a plan of payments.
    pub fn pay_later_by(&self) -> Option<NaiveDate> {
        self.defer_until.filter(|_| self.kind == PlanKind::Deferral)
    }

    /// Where the payments stand on `today`, from the installments already loaded (no query).
    pub fn position(&self, today: NaiveDate) -> PaymentPosition {
        let items = &self.installments;
        let overdue = (!items.is_empty()).then(|| {
            Money::sum(
                self.total.currency(),
                items.iter().filter(|i| i.due_on < today).map(|i| i.left()),
            )
            .unwrap_or(Money::zero(self.total.currency()))
        });
        PaymentPosition {
            installment: items.first().map(|i| i.amount),
            first_due: items.first().map(|i| i.due_on),
            last_due: items.last().map(|i| i.due_on),
            next_due: self.next_unpaid(today).map(|i| i.due_on),
            overdue,
        }
    }

    /// The first payment from `today` on with something still to pay.
    fn next_unpaid(&self, today: NaiveDate) -> Option<&InstallmentView> {
        self.installments
            .iter()
            .find(|i| i.due_on >= today && i.left().is_positive())
    }

    /// What decides where the person stands on `today` (see `AccountStanding`).
    pub fn facts(&self, today: NaiveDate) -> PlanFacts {
        PlanFacts {
            status: self.status,
            kind: self.kind,
            pay_later_by: self.pay_later_by(),
            overdue: self.position(today).overdue,
            next: self.next_unpaid(today).map(|i| (i.due_on, i.left())),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("database error")]
    Database(#[from] DbErr),
    #[error("stored plan is not valid: {0}")]
    Corrupt(&'static str),
    #[error("stored amount is not valid")]
    Money(#[from] MoneyError),
}

fn to_view(row: plan::Model, rows: Vec<installment::Model>) -> Result<PlanView, RecordError> {
    let currency = Currency::parse(&row.currency)?;
    let money = |minor| Money::from_minor(minor, currency);
    let installments = rows
        .into_iter()
        .map(|i| InstallmentView {
            id: i.id,
            seq: u32::try_from(i.seq).unwrap_or(0),
            due_on: i.due_on,
            amount: money(i.amount_minor),
            paid: money(i.paid_minor),
            missed: i.missed,
        })
        .collect();
    Ok(PlanView {
        id: row.id,
        account_id: row.account_id,
        creditor_id: row.creditor_id,
        debtor_id: row.debtor_id,
        kind: row.kind,
        status: row.status,
        frequency: row.frequency,
        anchor_date: row.anchor_date,
        total: money(row.total_minor),
        defer_until: row.defer_until,
        defer_reason: row.defer_reason,
        debtor_note: row.debtor_note,
        decision_reason: row.decision_reason,
        decided_by: row.decided_by,
        decided_at: row.decided_at,
        consent_text: row.consent_text,
        consent_at: row.consent_at,
        grace_days: u32::try_from(row.grace_days).unwrap_or(0),
        missed_to_break: u32::try_from(row.missed_to_break).unwrap_or(0),
        date_moved: row.date_moved,
        installment_skipped: row.installment_skipped,
        hardship_id: row.hardship_id,
        created_at: row.created_at,
        installments,
    })
}

async fn installments_of<C: ConnectionTrait>(
    conn: &C,
    plan_id: i32,
) -> Result<Vec<installment::Model>, DbErr> {
    installment::Entity::find()
        .filter(installment::Column::PlanId.eq(plan_id))
        .order_by_asc(installment::Column::Seq)
        .all(conn)
        .await
}

fn scoped(query: sea_orm::Select<plan::Entity>, scope: Scope) -> sea_orm::Select<plan::Entity> {
    match scope {
        Scope::Debtor(id) => query.filter(plan::Column::DebtorId.eq(id)),
        Scope::Creditor(id) => query.filter(plan::Column::CreditorId.eq(id)),
    }
}

pub async fn load<C: ConnectionTrait>(
    conn: &C,
    plan_id: i32,
    scope: Scope,
) -> Result<Option<PlanView>, RecordError> {
    let Some(row) = scoped(plan::Entity::find_by_id(plan_id), scope)
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let rows = installments_of(conn, row.id).await?;
    to_view(row, rows).map(Some)
}

/// Several plans with their installments in two queries, in the order of `plan_ids`.
pub async fn load_many<C: ConnectionTrait>(
    conn: &C,
    plan_ids: &[i32],
    scope: Scope,
) -> Result<Vec<PlanView>, RecordError> {
    if plan_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = scoped(plan::Entity::find(), scope)
        .filter(plan::Column::Id.is_in(plan_ids.to_vec()))
        .all(conn)
        .await?;
    let mut installments: std::collections::HashMap<i32, Vec<installment::Model>> =
        std::collections::HashMap::new();
    for item in installment::Entity::find()
        .filter(installment::Column::PlanId.is_in(plan_ids.to_vec()))
        .order_by_asc(installment::Column::Seq)
        .all(conn)
        .await?
    {
        installments.entry(item.plan_id).or_default().push(item);
    }
    let mut by_id: std::collections::HashMap<i32, plan::Model> =
        rows.into_iter().map(|r| (r.id, r)).collect();
    plan_ids
        .iter()
        .filter_map(|id| by_id.remove(id))
        .map(|row| {
            let items = installments.remove(&row.id).unwrap_or_default();
            to_view(row, items)
        })
        .collect()
}

/// The newest plan on an account (open or not), as the person last saw it.
pub async fn latest_for_account<C: ConnectionTrait>(
    conn: &C,
    account_id: i32,
    scope: Scope,
) -> Result<Option<PlanView>, RecordError> {
    // The newest plan and its installments in one query: a plan page's budget is four
    // statements. Only the newest plan's id passes the filter.
    let newest = Query::select()
        .expr(Expr::col(plan::Column::Id).max())
        .from(plan::Entity)
        .and_where(plan::Column::AccountId.eq(account_id))
        .to_owned();
    let found = scoped(plan::Entity::find(), scope)
        .filter(plan::Column::AccountId.eq(account_id))
        .filter(plan::Column::Id.in_subquery(newest))
        .find_with_related(installment::Entity)
        .all(conn)
        .await?;
    let Some((row, mut items)) = found.into_iter().next() else {
        return Ok(None);
    };
    items.sort_by_key(|i| i.seq);
    to_view(row, items).map(Some)
}

/// The newest plan on each of these accounts of the person behind `debtor_id` (one person may
/// have several debtor rows), in one query: the balance page's budget allows no query per
/// account.
pub async fn latest_for_person<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
    account_ids: &[i32],
) -> Result<std::collections::HashMap<i32, PlanView>, RecordError> {
    let mut latest = std::collections::HashMap::new();
    if account_ids.is_empty() {
        return Ok(latest);
    }
    let rows = plan::Entity::find()
        .filter(plan::Column::AccountId.is_in(account_ids.to_vec()))
        .filter(plan::Column::DebtorId.in_subquery(same_person_rows(debtor_id)))
        .order_by_asc(plan::Column::Id)
        .find_with_related(installment::Entity)
        .all(conn)
        .await?;
    // Ascending ids: a later plan on the same account replaces an earlier one.
    for (row, mut items) in rows {
        items.sort_by_key(|i| i.seq);
        latest.insert(row.account_id, to_view(row, items)?);
    }
    Ok(latest)
}

/// What a new plan row holds; the schedule's installments are written alongside.
pub struct NewPlan<'a> {
    pub account_id: i32,
    pub creditor_id: i32,
    pub debtor_id: i32,
    pub kind: PlanKind,
    pub status: PlanStatus,
    pub total: Money,
    pub schedule: Option<&'a Schedule>,
    pub defer_until: Option<NaiveDate>,
    pub defer_reason: Option<String>,
    pub debtor_note: Option<String>,
    pub consent: Option<ConsentRecord>,
    /// The missed-payment rules at the time of agreement; later policy changes leave them.
    pub grace_days: u32,
    pub missed_to_break: u32,
    /// The hardship statement the plan is made from, if any.
    pub hardship_id: Option<i32>,
}

/// The exact words agreed to, when, and in which session (a hash: no session key stored).
#[derive(Clone, Debug)]
pub struct ConsentRecord {
    pub text: String,
    pub session: String,
}

pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    new: NewPlan<'_>,
    now: DateTime<Utc>,
) -> Result<i32, RecordError> {
    let row = plan::ActiveModel {
        account_id: Set(new.account_id),
        creditor_id: Set(new.creditor_id),
        debtor_id: Set(new.debtor_id),
        kind: Set(new.kind),
        status: Set(new.status),
        frequency: Set(new.schedule.map(|s| s.frequency())),
        anchor_date: Set(new.schedule.map(|s| s.anchor_date())),
        total_minor: Set(new.total.to_minor()?),
        currency: Set(new.total.currency().code().to_string()),
        defer_until: Set(new.defer_until),
        defer_reason: Set(new.defer_reason),
        debtor_note: Set(new.debtor_note),
        consent_at: Set(new.consent.as_ref().map(|_| now)),
        consent_session: Set(new.consent.as_ref().map(|c| c.session.clone())),
        consent_text: Set(new.consent.map(|c| c.text)),
        grace_days: Set(i32::try_from(new.grace_days).unwrap_or(i32::MAX)),
        missed_to_break: Set(i32::try_from(new.missed_to_break).unwrap_or(i32::MAX)),
        date_moved: Set(false),
        installment_skipped: Set(false),
        hardship_id: Set(new.hardship_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    if let Some(schedule) = new.schedule {
        write_installments(conn, row.id, schedule).await?;
    }
    Ok(row.id)
}

/// Writes a plan's schedule. Installments keep their rows (and ids, payments, missed flags):
/// one that keeps its date and amount is the same installment whatever its new position; the
/// ones that changed (a moved or skipped payment) pair up with the old ones left, in order.
/// Rows no longer needed are deleted and extra ones inserted.
pub async fn write_installments<C: ConnectionTrait>(
    conn: &C,
    plan_id: i32,
    schedule: &Schedule,
) -> Result<(), RecordError> {
    let existing = installments_of(conn, plan_id).await?;
    let wanted = schedule.installments();
    let rows = pair_installments(&existing, wanted);
    // (plan, seq) is unique: park the kept rows on seqs no schedule uses before renumbering.
    for row in &existing {
        let kept = rows.iter().any(|r| r.map(|m| m.id) == Some(row.id));
        let parked = installment::Entity::update_many()
            .col_expr(installment::Column::Seq, Expr::value(-row.id))
            .filter(installment::Column::Id.eq(row.id));
        if kept {
            parked.exec(conn).await?;
        } else {
            installment::Entity::delete_by_id(row.id).exec(conn).await?;
        }
    }
    for (item, row) in wanted.iter().zip(rows) {
        let seq = i32::try_from(item.seq).unwrap_or(i32::MAX);
        let amount_minor = item.amount.to_minor()?;
        match row {
            Some(row) => {
                installment::Entity::update_many()
                    .col_expr(installment::Column::Seq, Expr::value(seq))
                    .col_expr(installment::Column::DueOn, Expr::value(item.due_on))
                    .col_expr(installment::Column::AmountMinor, Expr::value(amount_minor))
                    .filter(installment::Column::Id.eq(row.id))
                    .exec(conn)
                    .await?;
            }
            None => {
                installment::ActiveModel {
                    plan_id: Set(plan_id),
                    seq: Set(seq),
                    due_on: Set(item.due_on),
                    amount_minor: Set(amount_minor),
                    paid_minor: Set(0),
                    missed: Set(false),
                    ..Default::default()
                }
                .insert(conn)
                .await?;
            }
        }
    }
    Ok(())
}

/// For each wanted installment, the stored row it continues (`None`: a new one). Same date and
/// amount first; then the rest in order.
fn pair_installments<'a>(
    existing: &'a [installment::Model],
    wanted: &[Installment],
) -> Vec<Option<&'a installment::Model>> {
    let mut used = vec![false; existing.len()];
    let mut rows: Vec<Option<&installment::Model>> = wanted
        .iter()
        .map(|item| {
            let at = (0..existing.len()).find(|&i| {
                !used[i]
                    && existing[i].due_on == item.due_on
                    && item.amount.to_minor().ok() == Some(existing[i].amount_minor)
            })?;
            used[at] = true;
            Some(&existing[at])
        })
        .collect();
    let mut left = existing
        .iter()
        .enumerate()
        .filter(|(i, _)| !used[*i])
        .map(|(_, row)| row);
    for row in rows.iter_mut().filter(|r| r.is_none()) {
        *row = left.next();
    }
    rows
}

pub async fn set_status<C: ConnectionTrait>(
    conn: &C,
    plan_id: i32,
    from: &[PlanStatus],
    to: PlanStatus,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = plan::Entity::update_many()
        .col_expr(plan::Column::Status, Expr::value(to))
        .col_expr(plan::Column::UpdatedAt, Expr::value(now))
        .filter(plan::Column::Id.eq(plan_id))
        .filter(plan::Column::Status.is_in(from.iter().copied()))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn record_consent<C: ConnectionTrait>(
    conn: &C,
    plan_id: i32,
    consent: ConsentRecord,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    plan::Entity::update_many()
        .col_expr(plan::Column::ConsentText, Expr::value(Some(consent.text)))
        .col_expr(
            plan::Column::ConsentSession,
            Expr::value(Some(consent.session)),
        )
        .col_expr(plan::Column::ConsentAt, Expr::value(Some(now)))
        .filter(plan::Column::Id.eq(plan_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Remembers that the one allowed date move (or skip) has been used.
pub async fn mark_changed<C: ConnectionTrait>(
    conn: &C,
    plan_id: i32,
    moved: bool,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let column = if moved {
        plan::Column::DateMoved
    } else {
        plan::Column::InstallmentSkipped
    };
    plan::Entity::update_many()
        .col_expr(column, Expr::value(true))
        .col_expr(plan::Column::UpdatedAt, Expr::value(now))
        .filter(plan::Column::Id.eq(plan_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// New terms for a counter-offer: frequency, first date and total follow the schedule.
pub async fn set_terms<C: ConnectionTrait>(
    conn: &C,
    plan_id: i32,
    schedule: &Schedule,
    now: DateTime<Utc>,
) -> Result<(), RecordError> {
    plan::Entity::update_many()
        .col_expr(
            plan::Column::Frequency,
            Expr::value(Some(schedule.frequency())),
        )
        .col_expr(
            plan::Column::AnchorDate,
            Expr::value(Some(schedule.anchor_date())),
        )
        .col_expr(
            plan::Column::TotalMinor,
            Expr::value(schedule.total().to_minor()?),
        )
        .col_expr(plan::Column::UpdatedAt, Expr::value(now))
        .filter(plan::Column::Id.eq(plan_id))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn record_decision<C: ConnectionTrait>(
    conn: &C,
    plan_id: i32,
    staff_id: i32,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    plan::Entity::update_many()
        .col_expr(plan::Column::DecidedBy, Expr::value(Some(staff_id)))
        .col_expr(plan::Column::DecidedAt, Expr::value(Some(now)))
        .col_expr(
            plan::Column::DecisionReason,
            Expr::value(reason.map(str::to_string)),
        )
        .filter(plan::Column::Id.eq(plan_id))
        .exec(conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).expect("date")
    }

    fn gbp(minor: i64) -> Money {
        Money::from_minor(minor, Currency::GBP)
    }

    fn item(seq: u32, due_on: NaiveDate, amount: i64, paid: i64) -> InstallmentView {
        InstallmentView {
            id: i32::try_from(seq).unwrap_or(0),
            seq,
            due_on,
            amount: gbp(amount),
            paid: gbp(paid),
            missed: false,
        }
    }

    fn plan(kind: PlanKind, installments: Vec<InstallmentView>) -> PlanView {
        PlanView {
            id: 1,
            account_id: 2,
            creditor_id: 3,
            debtor_id: 4,
            kind,
            status: PlanStatus::Active,
            frequency: Some(Frequency::Weekly),
            anchor_date: Some(day(2)),
            total: gbp(25_000),
            defer_until: Some(day(30)),
            defer_reason: None,
            debtor_note: None,
            decision_reason: None,
            decided_by: None,
            decided_at: None,
            consent_text: None,
            consent_at: None,
            grace_days: 7,
            missed_to_break: 2,
            date_moved: false,
            installment_skipped: false,
            hardship_id: None,
            created_at: DateTime::<Utc>::MIN_UTC,
            installments,
        }
    }

    #[test]
    fn overdue_is_what_is_left_on_past_dates_and_next_due_is_the_first_unpaid_from_today() {
        let plan = plan(
            PlanKind::Installments,
            vec![
                item(1, day(2), 10_000, 10_000),
                item(2, day(9), 10_000, 2_500),
                item(3, day(16), 5_000, 5_000),
                item(4, day(23), 5_000, 0),
            ],
        );
        let position = plan.position(day(16));
        assert_eq!(position.overdue, Some(gbp(7_500)));
        assert_eq!(position.next_due, Some(day(23)));
        assert_eq!(position.installment, Some(gbp(10_000)));
        assert_eq!(
            (position.first_due, position.last_due),
            (Some(day(2)), Some(day(23)))
        );
        assert_eq!(plan.pay_later_by(), None);
    }

    #[test]
    fn a_pay_later_plan_has_a_date_and_no_payments() {
        let plan = plan(PlanKind::Deferral, Vec::new());
        let position = plan.position(day(16));
        assert_eq!(position.overdue, None);
        assert_eq!(position.next_due, None);
        assert_eq!(plan.pay_later_by(), Some(day(30)));
    }
}
