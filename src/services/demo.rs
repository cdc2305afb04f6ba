//! Demo data (only with `--demo`), loaded idempotently: running it twice changes nothing.
//! Also synthetic accounts in bulk for benchmarks (`goodterms demo --accounts N`).
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, Set,
};

use crate::crypto::KeyedHasher;
use crate::db::begin_write;
use crate::domain::policy::{PlanPolicy, PolicyTerms};
use crate::domain::schedule::Frequency;
use crate::domain::staff::StaffRole;
use crate::domain::{Currency, EntryKind, EntryOrigin, Money};
use crate::entities::{
    MinorUnits, account, creditor, debtor, ledger_entry, plan_policy, staff_user,
};
use crate::services::access::debtor_sign_in::dob_hash;
use crate::services::accounts::ledger::LedgerError;
use crate::services::accounts::people;
use crate::services::admin::create_staff::{self, CreateStaffError, NewStaff};
use crate::services::plans::policies;

mod portfolio;
pub mod stories;

use portfolio::Batch;
pub use portfolio::reference;

pub const DEMO_CREDITOR: &str = "Northwind Utilities";

struct DemoEntry {
    kind: EntryKind,
    minor: i64,
    date: (i32, u32, u32),
    description: &'static str,
    reason: Option<&'static str>,
}

struct DemoDebtor {
    reference: &'static str,
    name: &'static str,
    email: &'static str,
    dob: (i32, u32, u32),
    account_for: &'static str,
    entries: &'static [DemoEntry],
}

const DEMO_DEBTORS: &[DemoDebtor] = &[
    DemoDebtor {
        reference: "NW-1001",
        name: "Alex Morgan",
        email: "alex.morgan@example.com",
        dob: (1985, 4, 12),
        account_for: "Electricity at 14 Elm Road, January to March 2026",
        entries: &[
            DemoEntry {
                kind: EntryKind::Principal,
                minor: 124_000,
                date: (2026, 4, 1),
                description: "Electricity used from 1 January to 31 March 2026",
                reason: None,
            },
            DemoEntry {
                kind: EntryKind::Fee,
                minor: 2_500,
                date: (2026, 5, 2),
                description: "Late payment fee",
                reason: Some(
                    "Added on 2 May 2026 because the bill was not paid by its due date of 30 April 2026. The contract for this account allows this fee once per bill.",
                ),
            },
            DemoEntry {
                kind: EntryKind::Payment,
                minor: -20_000,
                date: (2026, 6, 15),
                description: "Payment by bank transfer. Thank you",
                reason: None,
            },
        ],
    },
    DemoDebtor {
        reference: "NW-1002",
        name: "Sam Lee",
        email: "sam.lee@example.com",
        dob: (1990, 9, 30),
        account_for: "Water and sewerage at 3 Mill Lane, 2025 to 2026",
        entries: &[DemoEntry {
            kind: EntryKind::Principal,
            minor: 48_000,
            date: (2026, 4, 1),
            description: "Water and sewerage charges for April 2025 to March 2026",
            reason: None,
        }],
    },
];

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("database error")]
    Database(#[from] DbErr),
    #[error("staff user could not be created")]
    Staff(#[from] CreateStaffError),
    #[error("ledger entry could not be written")]
    Ledger(#[from] LedgerError),
}

pub async fn load(
    db: &DatabaseConnection,
    hasher: &KeyedHasher,
    now: DateTime<Utc>,
) -> Result<(), DemoError> {
    let creditor_id = ensure_creditor(db, now).await?;
    ensure_policy(db, creditor_id, now).await?;
    for demo in DEMO_DEBTORS {
        ensure_debtor(db, hasher, creditor_id, demo, now).await?;
    }
    ensure_staff(
        db,
        "staff@northwind.example",
        "northwind-demo",
        StaffRole::Creditor,
        now,
    )
    .await?;
    ensure_staff(
        db,
        "admin@goodterms.example",
        "admin-demo",
        StaffRole::Admin,
        now,
    )
    .await?;
    Ok(())
}

async fn ensure_creditor(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<i32, DbErr> {
    if let Some(found) = creditor::Entity::find()
        .filter(creditor::Column::Name.eq(DEMO_CREDITOR))
        .one(db)
        .await?
    {
        return Ok(found.id);
    }
    let created = creditor::ActiveModel {
        name: Set(DEMO_CREDITOR.to_string()),
        display_name: Set(DEMO_CREDITOR.to_string()),
        currency: Set("GBP".to_string()),
        time_zone: Set("Europe/London".to_string()),
        contact_email: Set("help@northwind.example".to_string()),
        contact_phone: Set("0300 123 4567".to_string()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(created.id)
}

/// Northwind allows weekly to monthly payments, up to 12 installments of at least £10.00,
/// and pauses of up to 60 days. An existing policy (perhaps edited by an admin) is kept.
async fn ensure_policy(
    db: &DatabaseConnection,
    creditor_id: i32,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let exists = plan_policy::Entity::find_by_id(creditor_id).one(db).await?;
    if exists.is_some() {
        return Ok(());
    }
    let policy = PlanPolicy::new(PolicyTerms {
        allowed_frequencies: Frequency::ALL.to_vec(),
        max_installments: 12,
        max_duration_days: 366,
        min_installment: Money::from_minor(stories::MIN_INSTALLMENT_MINOR, Currency::GBP),
        max_deferral_days: 60,
        grace_days: stories::GRACE_DAYS,
        missed_to_break: stories::MISSED_TO_BREAK,
        allow_move_date: true,
        allow_skip: true,
        breathing_space_max_days: 60,
    })
    .map_err(|invalid| DbErr::Custom(format!("the demo policy breaks the rules: {invalid}")))?;
    policies::save(db, creditor_id, &policy, now).await
}

fn date((y, m, d): (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

async fn ensure_debtor(
    db: &DatabaseConnection,
    hasher: &KeyedHasher,
    creditor_id: i32,
    demo: &DemoDebtor,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let exists = account::Entity::find()
        .filter(account::Column::CreditorId.eq(creditor_id))
        .filter(account::Column::Reference.eq(demo.reference))
        .one(db)
        .await?;
    if exists.is_some() {
        return Ok(());
    }
    let txn = begin_write(db).await?;
    let dob_hash = dob_hash(hasher, date(demo.dob));
    let person_id = people::ensure_person(&txn, demo.email, &dob_hash, now).await?;
    let person = debtor::ActiveModel {
        creditor_id: Set(creditor_id),
        person_id: Set(Some(person_id)),
        full_name: Set(demo.name.to_string()),
        email: Set(demo.email.to_string()),
        dob_hash: Set(dob_hash),
        time_zone: Set("Europe/London".to_string()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let debt = account::ActiveModel {
        creditor_id: Set(creditor_id),
        debtor_id: Set(person.id),
        reference: Set(demo.reference.to_string()),
        description: Set(demo.account_for.to_string()),
        currency: Set("GBP".to_string()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for entry in demo.entries {
        ledger_entry::ActiveModel {
            account_id: Set(debt.id),
            kind: Set(entry.kind),
            amount_minor: Set(MinorUnits(entry.minor)),
            currency: Set("GBP".to_string()),
            description: Set(entry.description.to_string()),
            reason: Set(entry.reason.map(str::to_string)),
            occurred_on: Set(date(entry.date)),
            // The demo creditor's own records, as if imported.
            origin: Set(EntryOrigin::Creditor),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await
}

async fn ensure_staff(
    db: &DatabaseConnection,
    email: &str,
    password: &str,
    role: StaffRole,
    now: DateTime<Utc>,
) -> Result<(), DemoError> {
    let exists = staff_user::Entity::find()
        .filter(staff_user::Column::Email.eq(email))
        .one(db)
        .await?;
    if exists.is_some() {
        return Ok(());
    }
    let creditor_name = (role == StaffRole::Creditor).then_some(DEMO_CREDITOR);
    create_staff::create_unchecked(
        db,
        NewStaff {
            email,
            password,
            role,
            creditor_name,
        },
        now,
    )
    .await?;
    Ok(())
}

/// How many synthetic accounts `serve --demo` gives the demo creditor, so its dashboard and
/// plan list are not empty.
pub const LIVING_PORTFOLIO: u64 = 200;

/// Synthetic accounts' references start with this; the next one is numbered after them.
pub const REFERENCE_PREFIX: &str = "SYN-";

/// Accounts written per transaction: big enough that commits are rare, small enough that
/// the stories of one batch sit comfortably in memory.
const ACCOUNTS_PER_BATCH: u64 = 2_000;

/// Adds `count` synthetic accounts with months of history to the demo creditor, numbered
/// after those already there: running it again adds more, never the same ones.
pub async fn add_synthetic(
    db: &DatabaseConnection,
    hasher: &KeyedHasher,
    count: u64,
    now: DateTime<Utc>,
) -> Result<u64, DemoError> {
    let creditor_id = ensure_creditor(db, now).await?;
    ensure_policy(db, creditor_id, now).await?;
    let mut added = 0;
    while added < count {
        let batch = (count - added).min(ACCOUNTS_PER_BATCH);
        portfolio::add_batch(db, hasher, creditor_id, Batch::More(batch), now).await?;
        added += batch;
    }
    Ok(added)
}

/// The `serve --demo` portfolio: topped up to its size in one transaction, so repeating
/// `--demo` (or two servers starting at once) adds nothing more.
pub async fn add_living_portfolio(
    db: &DatabaseConnection,
    hasher: &KeyedHasher,
    now: DateTime<Utc>,
) -> Result<u64, DemoError> {
    let creditor_id = ensure_creditor(db, now).await?;
    ensure_policy(db, creditor_id, now).await?;
    let wanted = Batch::UpTo(LIVING_PORTFOLIO);
    portfolio::add_batch(db, hasher, creditor_id, wanted, now).await
}

async fn synthetic_count<C: ConnectionTrait>(db: &C, creditor_id: i32) -> Result<u64, DbErr> {
    account::Entity::find()
        .filter(account::Column::CreditorId.eq(creditor_id))
        .filter(account::Column::Reference.starts_with(REFERENCE_PREFIX))
        .count(db)
        .await
}
