//! The scheduler's reads: one indexed range query per kind of reminder over the whole
//! portfolio, joined to the plan, the person and the creditor, read in batches (keyset on
//! the index's own order) so memory stays flat however large the portfolio is. Accounts
//! with a hold in force are left out here; the contact policy checks holds again at send
//! time. Plain SQL with `$n` parameters, which both SQLite and PostgreSQL read.
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult, Statement, Value};

use crate::domain::autopay::MandateStatus;
use crate::domain::plans::{PlanKind, PlanStatus};

/// Rows per batch.
pub const BATCH: u64 = 1_000;

/// The person and creditor a reminder goes to and for.
const WHO: &str = "p.id AS plan_id, p.account_id, p.debtor_id, p.creditor_id, p.currency, \
     d.full_name, d.email, d.time_zone, c.display_name AS creditor_name";

/// The person asked for extra support (read as `supported`): their reminders are fewer.
const SUPPORTED: &str = crate::services::care::support::SUPPORTED_SQL;

const JOINS: &str = "JOIN debtors d ON d.id = p.debtor_id JOIN creditors c ON c.id = p.creditor_id";

/// Accounts on hold get nothing.
const NOT_HELD: &str = crate::services::care::holds::NOT_HELD_SQL;

/// What is left to pay on the plan's installments due before `$1` (today).
const OVERDUE: &str = "(SELECT CAST(COALESCE(SUM(j.amount_minor - j.paid_minor), 0) AS BIGINT) \
     FROM installments j WHERE j.plan_id = p.id AND j.due_on < $1 \
     AND j.paid_minor < j.amount_minor) AS overdue_minor";

/// The account's balance: the sum of its ledger.
const BALANCE: &str = "(SELECT CAST(COALESCE(SUM(e.amount_minor), 0) AS BIGINT) \
     FROM ledger_entries e WHERE e.account_id = p.account_id) AS balance_minor";

/// One unpaid installment of an active plan, with whom to tell.
#[derive(Debug, Clone, FromQueryResult)]
pub struct InstallmentRow {
    pub installment_id: i32,
    pub due_on: NaiveDate,
    pub left_minor: i64,
    /// Everything overdue on the plan (the catch-up amount).
    pub overdue_minor: i64,
    /// Reminders already queued about this installment (the cap counts them).
    pub earlier: i64,
    pub grace_days: i32,
    /// When the plan was agreed: set up, consented to or approved, whichever was last.
    pub created_at: DateTime<Utc>,
    pub consent_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub account_id: i32,
    pub debtor_id: i32,
    pub creditor_id: i32,
    pub currency: String,
    pub full_name: String,
    pub email: String,
    pub time_zone: String,
    pub creditor_name: String,
    /// Extra support is in force for the person: the gentler cadence applies.
    pub supported: bool,
}

impl InstallmentRow {
    /// The moment the person agreed to the plan.
    pub fn agreed_at(&self) -> DateTime<Utc> {
        [self.consent_at, self.decided_at]
            .into_iter()
            .flatten()
            .fold(self.created_at, DateTime::max)
    }
}

/// Where a keyset batch over installments stopped: (due_on, id) of the last row.
pub type InstallmentCursor = Option<(NaiveDate, i32)>;

/// The installment's reminder of this kind is not queued yet (by its unique key).
fn not_queued(kind: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM outbox_messages o WHERE o.reminder_key = \
         'installment:' || CAST(i.id AS TEXT) || ':{kind}')"
    )
}

/// Which installments a query reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstallmentQuery {
    /// Unpaid, due in the window, on an active plan without automatic payments (those have
    /// their own notice before each charge).
    Upcoming,
    /// Marked missed and still unpaid, due in the window, whose grace period ended between
    /// the two dates, on a plan that is still active (a broken plan gets its own message
    /// instead).
    Missed { grace_ended: (NaiveDate, NaiveDate) },
}

/// The last day of an installment's grace period, in the database's own date arithmetic.
fn grace_ends(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Sqlite => "date(i.due_on, '+' || p.grace_days || ' days')",
        DbBackend::Postgres => "(i.due_on + p.grace_days)",
        _ => "DATE_ADD(i.due_on, INTERVAL p.grace_days DAY)",
    }
}

/// One batch of installments due between `from` and `to` (inclusive), after `cursor`.
pub async fn installments<C: ConnectionTrait>(
    conn: &C,
    query: InstallmentQuery,
    today: NaiveDate,
    (from, to): (NaiveDate, NaiveDate),
    cursor: InstallmentCursor,
) -> Result<Vec<InstallmentRow>, DbErr> {
    let (after_day, after_id) = cursor.unwrap_or((from, 0));
    let mut values: Vec<Value> = vec![
        today.into(),
        from.into(),
        to.into(),
        after_day.into(),
        after_id.into(),
        PlanStatus::Active.as_str().into(),
    ];
    let (missed, earlier, only) = match query {
        InstallmentQuery::Upcoming => {
            values.push(MandateStatus::Active.as_str().into());
            (
                "false",
                "CAST(0 AS BIGINT)".to_string(),
                format!(
                    "AND {} AND NOT EXISTS (SELECT 1 FROM autopay_mandates m \
                     WHERE m.plan_id = p.id AND m.status = $7)",
                    not_queued("upcoming")
                ),
            )
        }
        InstallmentQuery::Missed {
            grace_ended: (first, last),
        } => {
            values.push(first.into());
            values.push(last.into());
            (
                "true",
                "(SELECT CAST(COUNT(*) AS BIGINT) FROM outbox_messages o WHERE o.reminder_key = \
                 'installment:' || CAST(i.id AS TEXT) || ':upcoming')"
                    .to_string(),
                format!(
                    "AND {} AND {} BETWEEN $7 AND $8",
                    not_queued("missed"),
                    grace_ends(conn.get_database_backend())
                ),
            )
        }
    };
    // (missed, due_on, id) is one index: the range and the order come straight from it.
    let sql = format!(
        "SELECT i.id AS installment_id, i.due_on, \
         CAST(i.amount_minor - i.paid_minor AS BIGINT) AS left_minor, {OVERDUE}, \
         {earlier} AS earlier, \
         p.grace_days, p.created_at, p.consent_at, p.decided_at, {WHO}, {SUPPORTED} AS supported \
         FROM installments i JOIN plans p ON p.id = i.plan_id {JOINS} \
         WHERE i.missed = {missed} AND i.due_on >= $2 AND i.due_on <= $3 \
         AND (i.due_on, i.id) > ($4, $5) \
         AND i.paid_minor < i.amount_minor AND p.status = $6 AND {NOT_HELD} {only} \
         ORDER BY i.due_on, i.id LIMIT {BATCH}"
    );
    let statement = Statement::from_sql_and_values(conn.get_database_backend(), sql, values);
    InstallmentRow::find_by_statement(statement).all(conn).await
}

/// A plan, for the messages about the plan as a whole.
#[derive(Debug, Clone, FromQueryResult)]
pub struct PlanRow {
    pub status: PlanStatus,
    pub kind: PlanKind,
    pub created_at: DateTime<Utc>,
    /// When the plan last changed state (for a broken, completed or ended plan: when it did).
    pub updated_at: DateTime<Utc>,
    pub defer_until: Option<NaiveDate>,
    pub overdue_minor: i64,
    pub balance_minor: i64,
    pub plan_id: i32,
    pub account_id: i32,
    pub debtor_id: i32,
    pub creditor_id: i32,
    pub currency: String,
    pub full_name: String,
    pub email: String,
    pub time_zone: String,
    pub creditor_name: String,
    /// Extra support is in force for the person: the gentler cadence applies.
    pub supported: bool,
}

/// Where a keyset batch over plans stopped: (the ordering column, id) of the last row.
pub type PlanCursor<T> = Option<(T, i32)>;

/// One batch, after `cursor`, of plans that moved to `status` since `since`, in the order of
/// the (status, updated_at) index.
pub async fn plans_moved<C: ConnectionTrait>(
    conn: &C,
    status: PlanStatus,
    today: NaiveDate,
    since: DateTime<Utc>,
    cursor: PlanCursor<DateTime<Utc>>,
) -> Result<Vec<PlanRow>, DbErr> {
    let (after_at, after_id) = cursor.unwrap_or((since, 0));
    let sql = format!(
        "SELECT p.status, p.kind, p.created_at, p.updated_at, p.defer_until, {OVERDUE}, \
         {BALANCE}, {WHO}, {SUPPORTED} AS supported \
         FROM plans p {JOINS} \
         WHERE p.status = $2 AND p.updated_at >= $3 AND (p.updated_at, p.id) > ($4, $5) \
         AND {NOT_HELD} ORDER BY p.updated_at, p.id LIMIT {BATCH}"
    );
    let values: Vec<Value> = vec![
        today.into(),
        status.as_str().into(),
        since.into(),
        after_at.into(),
        after_id.into(),
    ];
    let statement = Statement::from_sql_and_values(conn.get_database_backend(), sql, values);
    PlanRow::find_by_statement(statement).all(conn).await
}

/// One batch, after `cursor`, of active pay-later plans whose date falls between `from` and
/// `to` (inclusive), in the order of the defer_until index.
pub async fn deferrals_due<C: ConnectionTrait>(
    conn: &C,
    today: NaiveDate,
    (from, to): (NaiveDate, NaiveDate),
    cursor: PlanCursor<NaiveDate>,
) -> Result<Vec<PlanRow>, DbErr> {
    let (after_day, after_id) = cursor.unwrap_or((from, 0));
    let sql = format!(
        "SELECT p.status, p.kind, p.created_at, p.updated_at, p.defer_until, {OVERDUE}, \
         {BALANCE}, {WHO}, {SUPPORTED} AS supported \
         FROM plans p {JOINS} \
         WHERE p.defer_until >= $2 AND p.defer_until <= $3 \
         AND (p.defer_until, p.id) > ($4, $7) \
         AND p.kind = $5 AND p.status = $6 AND {NOT_HELD} \
         ORDER BY p.defer_until, p.id LIMIT {BATCH}"
    );
    let values: Vec<Value> = vec![
        today.into(),
        from.into(),
        to.into(),
        after_day.into(),
        PlanKind::Deferral.as_str().into(),
        PlanStatus::Active.as_str().into(),
        after_id.into(),
    ];
    let statement = Statement::from_sql_and_values(conn.get_database_backend(), sql, values);
    PlanRow::find_by_statement(statement).all(conn).await
}

/// Which of `keys` are already queued (one indexed lookup for a whole batch).
pub async fn queued_keys<C: ConnectionTrait>(
    conn: &C,
    keys: &[String],
) -> Result<std::collections::HashSet<String>, DbErr> {
    use crate::entities::outbox_message::{Column, Entity};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
    let mut found = std::collections::HashSet::new();
    // Bound parameters are limited per statement (SQLite: 32766), so look up in chunks.
    for chunk in keys.chunks(500) {
        let rows: Vec<Option<String>> = Entity::find()
            .select_only()
            .column(Column::ReminderKey)
            .filter(Column::ReminderKey.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(conn)
            .await?;
        found.extend(rows.into_iter().flatten());
    }
    Ok(found)
}
