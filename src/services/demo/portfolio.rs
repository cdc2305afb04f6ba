//! Writes synthetic accounts' stories a batch at a time: one transaction per batch, a few
//! multi-row INSERTs per table, never a round trip per row. Rows are matched back to their
//! story by a natural key (person, reference, account, plan and number, idempotency key),
//! never by the order the database returns them in.
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use sea_orm::sea_query::LockType;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QuerySelect, Set,
};

use super::DemoError;
use super::stories::{self, GRACE_DAYS, MISSED_TO_BREAK, Payment, PlanStory, Story};
use crate::crypto::{KeyedHasher, sha256_hex};
use crate::db::begin_write;
use crate::domain::payments::{PaymentStatus, ProviderName};
use crate::domain::plans::PlanKind;
use crate::domain::wording;
use crate::domain::{Currency, EntryKind, EntryOrigin, Money};
use crate::entities::{
    account, creditor, debtor, installment, payment_allocation, payment_attempt, plan,
};
use crate::services::accounts::ledger::{self, NewEntry};
use crate::services::accounts::people;
use crate::services::payments::events::payment_description;

/// Bind parameters per INSERT, below SQLite's limit of 32,766 (PostgreSQL allows 65,535).
const PARAMETERS_PER_INSERT: usize = 30_000;

/// Multi-row INSERTs of `$rows` (`$columns` values each), returning the rows written.
macro_rules! insert_returning {
    ($entity:ty, $conn:expr, $rows:expr, $columns:expr) => {{
        let mut written = Vec::new();
        let mut rows = $rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<_> = rows
                .by_ref()
                .take(PARAMETERS_PER_INSERT / $columns)
                .collect();
            written.extend(
                <$entity>::insert_many(chunk)
                    .exec_with_returning($conn)
                    .await?,
            );
        }
        written
    }};
}

/// Money moves at ten in the morning in the demo.
fn at_ten(on: NaiveDate) -> DateTime<Utc> {
    on.and_time(NaiveTime::from_hms_opt(10, 0, 0).unwrap_or_default())
        .and_utc()
}

fn missing(what: &str) -> DbErr {
    DbErr::Custom(format!("a demo {what} was not written"))
}

/// The ids one batch's rows got, by story position.
struct Written {
    debtors: Vec<i32>,
    accounts: Vec<i32>,
    plans: HashMap<i32, i32>,
}

/// How many accounts one batch adds.
pub enum Batch {
    /// This many more.
    More(u64),
    /// As many as it takes to have this many (none if there are already).
    UpTo(u64),
}

/// Adds accounts numbered after the synthetic ones already there, returning how many. The
/// count is read inside the batch's write transaction, with the creditor row locked on PostgreSQL
/// (SQLite's BEGIN IMMEDIATE serialises writers already), so two runs at once interleave
/// their batches instead of colliding on references.
pub async fn add_batch(
    db: &DatabaseConnection,
    hasher: &KeyedHasher,
    creditor_id: i32,
    batch: Batch,
    now: DateTime<Utc>,
) -> Result<u64, DemoError> {
    let txn = begin_write(db).await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        creditor::Entity::find_by_id(creditor_id)
            .lock(LockType::Update)
            .one(&txn)
            .await?;
    }
    let existing = super::synthetic_count(&txn, creditor_id).await?;
    let count = match batch {
        Batch::More(count) => count,
        Batch::UpTo(total) => total.saturating_sub(existing),
    };
    let first = existing + 1;
    let today = now.date_naive();
    let stories: Vec<Story> = (first..first + count)
        .map(|n| stories::tell(hasher, n, today))
        .collect();
    let debtors = insert_debtors(&txn, creditor_id, &stories, now).await?;
    let accounts = insert_accounts(&txn, creditor_id, &stories, &debtors, now).await?;
    insert_ledger(&txn, &stories, &accounts, now).await?;
    let mut written = Written {
        debtors,
        accounts,
        plans: HashMap::new(),
    };
    written.plans = insert_plans(&txn, creditor_id, &stories, &written, now).await?;
    let installments = insert_installments(&txn, &stories, &written).await?;
    insert_payments(&txn, creditor_id, &stories, &written, &installments, now).await?;
    txn.commit().await?;
    Ok(count)
}

/// A person and this creditor's debtor row for each story.
async fn insert_debtors<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
    stories: &[Story],
    now: DateTime<Utc>,
) -> Result<Vec<i32>, DbErr> {
    let identities: Vec<people::Identity> = stories
        .iter()
        .map(|s| (people::normalise_email(&s.email), s.dob_hash.clone()))
        .collect();
    let person_ids = people::ensure_people(conn, &identities, now).await?;
    let person_of = |identity: &people::Identity| person_ids.get(identity).copied();
    let rows = stories
        .iter()
        .zip(&identities)
        .map(|(s, identity)| debtor::ActiveModel {
            creditor_id: Set(creditor_id),
            person_id: Set(person_of(identity)),
            full_name: Set(s.name.clone()),
            email: Set(s.email.clone()),
            dob_hash: Set(s.dob_hash.clone()),
            time_zone: Set("Europe/London".to_string()),
            created_at: Set(at_ten(s.opened)),
            ..Default::default()
        });
    let by_person: HashMap<Option<i32>, i32> = insert_returning!(debtor::Entity, conn, rows, 8)
        .into_iter()
        .map(|d| (d.person_id, d.id))
        .collect();
    identities
        .iter()
        .map(|identity| {
            person_of(identity)
                .and_then(|p| by_person.get(&Some(p)).copied())
                .ok_or_else(|| missing("debtor"))
        })
        .collect()
}

pub fn reference(n: u64) -> String {
    format!("{}{n:07}", super::REFERENCE_PREFIX)
}

async fn insert_accounts<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
    stories: &[Story],
    debtors: &[i32],
    now: DateTime<Utc>,
) -> Result<Vec<i32>, DbErr> {
    let rows = stories
        .iter()
        .zip(debtors)
        .map(|(s, debtor_id)| account::ActiveModel {
            creditor_id: Set(creditor_id),
            debtor_id: Set(*debtor_id),
            reference: Set(reference(s.n)),
            description: Set(s.description.to_string()),
            currency: Set(Currency::GBP.code().to_string()),
            created_at: Set(at_ten(s.opened).min(now)),
            ..Default::default()
        });
    let by_reference: HashMap<String, i32> = insert_returning!(account::Entity, conn, rows, 7)
        .into_iter()
        .map(|a| (a.reference, a.id))
        .collect();
    stories
        .iter()
        .map(|s| {
            by_reference
                .get(&reference(s.n))
                .copied()
                .ok_or_else(|| missing("account"))
        })
        .collect()
}

fn gbp(minor: i64) -> Money {
    Money::from_minor(minor, Currency::GBP)
}

/// The creditor's charges (as if imported) and the payments booked in the portal, each with
/// the origin a re-import relies on.
async fn insert_ledger<C: ConnectionTrait>(
    conn: &C,
    stories: &[Story],
    accounts: &[i32],
    now: DateTime<Utc>,
) -> Result<(), DemoError> {
    let mut charges = Vec::new();
    let descriptions: Vec<Vec<String>> = stories
        .iter()
        .map(|s| {
            s.payments
                .iter()
                .map(|p| payment_description(p.bank_reference.as_deref()))
                .collect()
        })
        .collect();
    let mut booked = Vec::new();
    for ((story, account_id), words) in stories.iter().zip(accounts).zip(&descriptions) {
        charges.extend(story.charges.iter().map(|c| NewEntry {
            account_id: *account_id,
            kind: c.kind,
            amount: gbp(c.minor),
            description: c.description,
            reason: c.reason,
            occurred_on: c.on,
        }));
        for (payment, description) in story.payments.iter().zip(words) {
            booked.extend(payment_entries(*account_id, payment, description));
        }
    }
    ledger::append_many(conn, &charges, EntryOrigin::Creditor, now).await?;
    ledger::append_many(conn, &booked, EntryOrigin::Portal, now).await?;
    Ok(())
}

/// A payment that went through, and its refund when it was given back.
fn payment_entries<'a>(account_id: i32, p: &Payment, description: &'a str) -> Vec<NewEntry<'a>> {
    if !p.is_booked() {
        return Vec::new();
    }
    let mut entries = vec![NewEntry {
        account_id,
        kind: EntryKind::Payment,
        amount: gbp(-p.minor),
        description,
        reason: None,
        occurred_on: p.on,
    }];
    if p.status == PaymentStatus::Refunded {
        entries.push(NewEntry {
            account_id,
            kind: EntryKind::Reversal,
            amount: gbp(p.minor),
            description: "Card payment refunded",
            reason: None,
            occurred_on: p.on,
        });
    }
    entries
}

/// Plans by account id.
async fn insert_plans<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
    stories: &[Story],
    written: &Written,
    now: DateTime<Utc>,
) -> Result<HashMap<i32, i32>, DbErr> {
    let rows: Vec<plan::ActiveModel> = stories
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let story = s.plan.as_ref()?;
            let ids = (written.accounts[i], written.debtors[i]);
            Some(plan_row(creditor_id, ids, s.n, story, now))
        })
        .collect();
    Ok(insert_returning!(plan::Entity, conn, rows, 26)
        .into_iter()
        .map(|p| (p.account_id, p.id))
        .collect())
}

fn plan_row(
    creditor_id: i32,
    (account_id, debtor_id): (i32, i32),
    n: u64,
    story: &PlanStory,
    now: DateTime<Utc>,
) -> plan::ActiveModel {
    let created = at_ten(story.created_on).min(now);
    let consent_text = match (&story.schedule, story.kind) {
        (Some(schedule), _) => wording::installment_consent(super::DEMO_CREDITOR, schedule),
        (None, PlanKind::Deferral) => "I will pay the full balance by the date I chose.".into(),
        (None, PlanKind::Installments) => String::new(),
    };
    let decided_at = story.decided_on.map(|on| at_ten(on).min(now));
    plan::ActiveModel {
        account_id: Set(account_id),
        creditor_id: Set(creditor_id),
        debtor_id: Set(debtor_id),
        kind: Set(story.kind),
        status: Set(story.status),
        frequency: Set(story.schedule.as_ref().map(|s| s.frequency())),
        anchor_date: Set(story.schedule.as_ref().map(|s| s.anchor_date())),
        total_minor: Set(story.total_minor),
        currency: Set(Currency::GBP.code().to_string()),
        defer_until: Set(story.defer_until),
        defer_reason: Set(story
            .defer_until
            .map(|_| "Waiting for my wages to come in.".to_string())),
        debtor_note: Set(story.debtor_note.map(str::to_string)),
        decision_reason: Set(story.decision_reason.map(str::to_string)),
        decided_by: Set(None),
        decided_at: Set(decided_at),
        consent_text: Set(story.agreed.then_some(consent_text)),
        consent_at: Set(story.agreed.then_some(created)),
        consent_session: Set(story.agreed.then(|| sha256_hex(&format!("demo-{n}")))),
        grace_days: Set(GRACE_DAYS as i32),
        missed_to_break: Set(MISSED_TO_BREAK as i32),
        date_moved: Set(false),
        installment_skipped: Set(false),
        created_at: Set(created),
        updated_at: Set(decided_at.unwrap_or(created)),
        ..Default::default()
    }
}

/// Paid amounts are the sums of the payments' shares, so they match the allocations.
fn paid_on(payments: &[Payment], seq: u32) -> i64 {
    payments
        .iter()
        .filter(|p| p.is_booked())
        .flat_map(|p| &p.shares)
        .filter(|(s, _)| *s == seq)
        .map(|(_, minor)| minor)
        .sum()
}

/// Installment ids by (plan id, number).
async fn insert_installments<C: ConnectionTrait>(
    conn: &C,
    stories: &[Story],
    written: &Written,
) -> Result<HashMap<(i32, u32), i32>, DbErr> {
    let mut rows = Vec::new();
    for (i, s) in stories.iter().enumerate() {
        let Some((story, schedule)) = s
            .plan
            .as_ref()
            .and_then(|p| Some((p, p.schedule.as_ref()?)))
        else {
            continue;
        };
        let plan_id = *written
            .plans
            .get(&written.accounts[i])
            .ok_or_else(|| missing("plan"))?;
        for (item, missed) in schedule.installments().iter().zip(&story.missed) {
            rows.push(installment::ActiveModel {
                plan_id: Set(plan_id),
                seq: Set(item.seq as i32),
                due_on: Set(item.due_on),
                amount_minor: Set(item.amount.to_minor().map_err(|_| missing("amount"))?),
                paid_minor: Set(paid_on(&s.payments, item.seq)),
                missed: Set(*missed),
                ..Default::default()
            });
        }
    }
    Ok(insert_returning!(installment::Entity, conn, rows, 6)
        .into_iter()
        .map(|row| ((row.plan_id, row.seq as u32), row.id))
        .collect())
}

/// The attempts, then what each paid towards each installment.
async fn insert_payments<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
    stories: &[Story],
    written: &Written,
    installments: &HashMap<(i32, u32), i32>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut rows = Vec::new();
    for (i, s) in stories.iter().enumerate() {
        let account_id = written.accounts[i];
        let plan_id = written.plans.get(&account_id).copied();
        for p in &s.payments {
            let ids = (
                account_id,
                written.debtors[i],
                plan_id.filter(|_| !p.shares.is_empty()),
            );
            rows.push(attempt_row(creditor_id, ids, p, now));
        }
    }
    let by_key: HashMap<String, i32> = insert_returning!(payment_attempt::Entity, conn, rows, 23)
        .into_iter()
        .map(|a| (a.idempotency_key, a.id))
        .collect();
    let mut allocations = Vec::new();
    for (i, s) in stories.iter().enumerate() {
        let plan_id = written.plans.get(&written.accounts[i]).copied();
        for p in s.payments.iter().filter(|p| p.is_booked()) {
            for (seq, minor) in &p.shares {
                let installment_id = plan_id
                    .and_then(|plan| installments.get(&(plan, *seq)))
                    .ok_or_else(|| missing("installment"))?;
                allocations.push(payment_allocation::ActiveModel {
                    attempt_id: Set(*by_key.get(&p.key).ok_or_else(|| missing("payment"))?),
                    installment_id: Set(*installment_id),
                    amount_minor: Set(*minor),
                    created_at: Set(at_ten(p.on).min(now)),
                    ..Default::default()
                });
            }
        }
    }
    for chunk in allocations.chunks(PARAMETERS_PER_INSERT / 4) {
        payment_allocation::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

fn attempt_row(
    creditor_id: i32,
    (account_id, debtor_id, plan_id): (i32, i32, Option<i32>),
    p: &Payment,
    now: DateTime<Utc>,
) -> payment_attempt::ActiveModel {
    let at = at_ten(p.on).min(now);
    // A card attempt gets the provider's reference once it was sent, as checkout does.
    let card = p.provider == ProviderName::Stripe && p.status != PaymentStatus::Created;
    payment_attempt::ActiveModel {
        account_id: Set(account_id),
        creditor_id: Set(creditor_id),
        debtor_id: Set(debtor_id),
        plan_id: Set(plan_id),
        purpose: Set(p.purpose),
        amount_minor: Set(p.minor),
        currency: Set(Currency::GBP.code().to_string()),
        discount_minor: Set(0),
        discount_rule_id: Set(None),
        discount_deadline: Set(None),
        provider: Set(p.provider),
        provider_ref: Set(card.then(|| format!("cs_demo_{}", p.key))),
        idempotency_key: Set(p.key.clone()),
        status: Set(p.status),
        failure_message: Set(p.failure.map(str::to_string)),
        refunded_minor: Set(if p.status == PaymentStatus::Refunded {
            p.minor
        } else {
            0
        }),
        external_reference: Set(p.bank_reference.clone()),
        created_at: Set(at),
        updated_at: Set(at),
        succeeded_at: Set(p.is_booked().then_some(at)),
        form_token: Set(None),
        ..Default::default()
    }
}
