//! The reminders pass over a large portfolio on a fresh SQLite file: N accounts, each with an
//! active plan of 3 installments (due dates spread over the next weeks, some missed, some
//! plans broken, some pay-later, some accounts on hold), built fast with multi-row INSERTs in
//! one transaction. Then it times three reminders passes on that data, printing each time,
//! what it queued, and the peak resident memory (VmHWM):
//!
//! 1. the first pass (an empty queue: every reminder due in the window is new);
//! 2. the same pass an hour later (nothing new: the steady hourly cost);
//! 3. the pass the next day (one day's new reminders).
//!
//! `cargo bench --bench scheduler` (SCHEDULER_ACCOUNTS=1000000 for a million; default
//! 100,000). The plan lifecycle pass is not measured here: it still reads plan by plan.
use std::fmt::Write as _;
use std::time::Instant;

use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};
use goodterms::crypto::KeyedHasher;
use goodterms::services::contact::reminders;
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};

/// Rows per INSERT statement.
const ROWS_PER_INSERT: usize = 500;
const ZONES: [&str; 3] = ["Europe/London", "America/New_York", "Asia/Kolkata"];

fn peak_memory_mb() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// The text form sqlx gives a timestamp on SQLite, so range comparisons hold.
fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

/// Appends rows to multi-row INSERTs and runs each when full.
struct Inserter<'a> {
    txn: &'a sea_orm::DatabaseTransaction,
    head: &'static str,
    sql: String,
    rows: usize,
}

impl<'a> Inserter<'a> {
    fn new(txn: &'a sea_orm::DatabaseTransaction, head: &'static str) -> Self {
        Inserter {
            txn,
            head,
            sql: String::with_capacity(ROWS_PER_INSERT * 160),
            rows: 0,
        }
    }

    async fn row(&mut self, values: std::fmt::Arguments<'_>) -> anyhow::Result<()> {
        if self.rows == 0 {
            self.sql.push_str(self.head);
        } else {
            self.sql.push(',');
        }
        self.sql.write_fmt(format_args!("({values})"))?;
        self.rows += 1;
        if self.rows == ROWS_PER_INSERT {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> anyhow::Result<()> {
        if self.rows > 0 {
            self.txn.execute_unprepared(&self.sql).await?;
            self.sql.clear();
            self.rows = 0;
        }
        Ok(())
    }
}

/// One account's story, from its number.
struct Story {
    first_due: NaiveDate,
    /// Installments due before today that were not paid (and are marked missed).
    misses: bool,
    broken: bool,
    deferral: bool,
    held: bool,
}

fn story(n: usize, today: NaiveDate) -> Story {
    Story {
        // Every day from 40 days ago to 20 days ahead has some first payments.
        first_due: today - Duration::days(40) + Duration::days((n % 60) as i64),
        misses: n.is_multiple_of(10),
        broken: n % 100 == 1,
        deferral: n % 50 == 2,
        held: n % 200 == 3,
    }
}

async fn build(db: &DatabaseConnection, accounts: usize, now: DateTime<Utc>) -> anyhow::Result<()> {
    let today = now.date_naive();
    let created = stamp(now - Duration::days(45));
    let changed = stamp(now - Duration::hours(30));
    let txn = db.begin().await?;
    txn.execute_unprepared(
        "INSERT INTO creditors (name, display_name, currency, time_zone, contact_email, \
         contact_phone, created_at) VALUES ('Bench Energy', 'Bench Energy', 'GBP', \
         'Europe/London', 'help@bench.example', '0300 000 0000', '2026-01-01T00:00:00+00:00')",
    )
    .await?;
    let creditor = "(SELECT id FROM creditors WHERE name = 'Bench Energy')";
    let creditor_id: i64 = txn
        .query_one_raw(sea_orm::Statement::from_string(
            txn.get_database_backend(),
            format!("SELECT {creditor} AS id"),
        ))
        .await?
        .and_then(|row| row.try_get::<i64>("", "id").ok())
        .ok_or_else(|| anyhow::anyhow!("creditor"))?;
    // Ids are the account number n (1..=N) in every table, so rows can point at each other.
    let mut debtors = Inserter::new(
        &txn,
        "INSERT INTO debtors (id, creditor_id, full_name, email, dob_hash, time_zone, created_at) VALUES ",
    );
    let mut accounts_rows = Inserter::new(
        &txn,
        "INSERT INTO accounts (id, creditor_id, debtor_id, reference, description, currency, created_at) VALUES ",
    );
    let mut ledger = Inserter::new(
        &txn,
        "INSERT INTO ledger_entries (account_id, kind, amount_minor, currency, description, occurred_on, created_at) VALUES ",
    );
    let mut plans = Inserter::new(
        &txn,
        "INSERT INTO plans (id, account_id, creditor_id, debtor_id, kind, status, frequency, \
         anchor_date, total_minor, currency, defer_until, grace_days, missed_to_break, \
         created_at, updated_at) VALUES ",
    );
    let mut installments = Inserter::new(
        &txn,
        "INSERT INTO installments (plan_id, seq, due_on, amount_minor, paid_minor, missed) VALUES ",
    );
    let mut holds = Inserter::new(
        &txn,
        "INSERT INTO account_holds (account_id, reason, started_by, started_at) VALUES ",
    );
    // Table by table, parents first, so every foreign key finds its row.
    for n in 1..=accounts {
        let zone = ZONES[n % ZONES.len()];
        debtors
            .row(format_args!(
                "{n},{creditor_id},'Person {n}','person{n}@example.com','{n:064}','{zone}','{created}'"
            ))
            .await?;
    }
    debtors.flush().await?;
    for n in 1..=accounts {
        accounts_rows
            .row(format_args!(
                "{n},{creditor_id},{n},'BEN-{n:07}','Energy supplied','GBP','{created}'"
            ))
            .await?;
    }
    accounts_rows.flush().await?;
    for n in 1..=accounts {
        ledger
            .row(format_args!(
                "{n},'principal',90000,'GBP','Energy supplied','2026-01-01','{created}'"
            ))
            .await?;
        if story(n, today).held {
            holds
                .row(format_args!("{n},'Hardship',1,'{created}'"))
                .await?;
        }
    }
    for n in 1..=accounts {
        let s = story(n, today);
        let (kind, status, until, updated) = match (s.deferral, s.broken) {
            (true, _) => ("deferral", "active", format!("'{}'", s.first_due), &created),
            (false, true) => ("installments", "broken", "NULL".to_string(), &changed),
            (false, false) => ("installments", "active", "NULL".to_string(), &created),
        };
        plans
            .row(format_args!(
                "{n},{n},{creditor_id},{n},'{kind}','{status}','monthly','{}',90000,'GBP',{until},7,2,'{created}','{updated}'",
                s.first_due
            ))
            .await?;
    }
    plans.flush().await?;
    for n in 1..=accounts {
        let s = story(n, today);
        if s.deferral {
            continue;
        }
        for seq in 0..3i64 {
            let due = s.first_due + Duration::days(28 * seq);
            let past = due < today;
            let behind = s.misses || s.broken;
            let missed = past && behind && due + Duration::days(7) < today;
            let paid = if past && !behind { 30000 } else { 0 };
            installments
                .row(format_args!(
                    "{n},{},'{due}',30000,{paid},{}",
                    seq + 1,
                    i32::from(missed)
                ))
                .await?;
        }
    }
    for inserter in [
        &mut debtors,
        &mut accounts_rows,
        &mut ledger,
        &mut plans,
        &mut installments,
        &mut holds,
    ] {
        inserter.flush().await?;
    }
    txn.commit().await?;
    db.execute_unprepared("ANALYZE").await?;
    Ok(())
}

async fn timed_pass(
    label: &str,
    db: &DatabaseConnection,
    hasher: &KeyedHasher,
    now: DateTime<Utc>,
) -> anyhow::Result<f64> {
    let started = Instant::now();
    let report = reminders::run(db, hasher, "https://portal.example", now).await?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{label}: {seconds:.2} s, queued {} ({report:?}), peak memory {}",
        report.queued(),
        peak_memory_mb()
    );
    Ok(seconds)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let accounts: usize = std::env::var("SCHEDULER_ACCOUNTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let path = std::env::temp_dir().join(format!(
        "goodterms-scheduler-bench-{}.db",
        std::process::id()
    ));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let db = goodterms::db::connect(&url).await?;
    goodterms::db::migrate(&db).await?;
    let hasher = KeyedHasher::derive("benchmark-secret-benchmark-secret-benchmark");
    // 05:00 UTC: before 10:00 for every zone above, so reminders are planned, not late.
    let now = Utc::now()
        .date_naive()
        .and_hms_opt(5, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or_else(Utc::now);

    let started = Instant::now();
    build(&db, accounts, now).await?;
    println!(
        "built {accounts} accounts with plans in {:.1} s, peak memory {}",
        started.elapsed().as_secs_f64(),
        peak_memory_mb()
    );

    let first = timed_pass("reminders pass, empty queue", &db, &hasher, now).await?;
    timed_pass(
        "same pass an hour later (nothing new)",
        &db,
        &hasher,
        now + Duration::hours(1),
    )
    .await?;
    timed_pass("the next day's pass", &db, &hasher, now + Duration::days(1)).await?;
    println!(
        "first pass per 100,000 accounts: {:.2} s",
        first * 100_000.0 / accounts as f64
    );
    drop(db);
    if std::env::var_os("SCHEDULER_KEEP_DB").is_some() {
        println!("kept {}", path.display());
        return Ok(());
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    Ok(())
}
