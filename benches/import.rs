//! Import of 100,000 accounts on a fresh SQLite file, through the same service code the
//! upload page uses: check (validation, hashing) then the batched import. Prints the time of
//! each step and the peak resident memory (VmHWM). Target: under 15 s in total.
//!
//! `cargo bench --bench import` (set IMPORT_ACCOUNTS to change the size).
use std::fmt::Write as _;
use std::time::Instant;

use chrono::Utc;
use goodterms::crypto::KeyedHasher;
use goodterms::entities::{account, ledger_entry};
use goodterms::services::demo;
use goodterms::services::staff::imports::{self, Importer};
use sea_orm::{EntityTrait, PaginatorTrait};

const HEADER: &str =
    "reference,name,email,date_of_birth,time_zone,currency,amount,date,kind,description\n";

/// Every account has a principal; every third a fee; every fifth a payment.
fn generate(accounts: usize) -> String {
    let mut csv = String::with_capacity(accounts * 150);
    csv.push_str(HEADER);
    for n in 1..=accounts {
        let person = format!(
            "BEN-{n:07},Person Number {n},person{n}@example.com,19{:02}-{:02}-{:02},Europe/London,GBP",
            50 + n % 50,
            1 + n % 12,
            1 + n % 28
        );
        let _ = writeln!(
            csv,
            "{person},{}.{:02},2026-04-01,principal,Energy supplied in the winter quarter",
            100 + n % 900,
            n % 100
        );
        if n % 3 == 0 {
            let _ = writeln!(
                csv,
                "{person},25.00,2026-05-02,fee,Late payment fee because the bill was not paid by 30 April 2026"
            );
        }
        if n % 5 == 0 {
            let _ = writeln!(
                csv,
                "{person},40.00,2026-06-15,payment,Payment by bank transfer"
            );
        }
    }
    csv
}

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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let accounts: usize = std::env::var("IMPORT_ACCOUNTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let path =
        std::env::temp_dir().join(format!("goodterms-import-bench-{}.db", std::process::id()));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let db = goodterms::db::connect(&url).await?;
    goodterms::db::migrate(&db).await?;
    let hasher = KeyedHasher::derive("benchmark-secret-benchmark-secret-benchmark");
    demo::load(&db, &hasher, Utc::now()).await?;
    let staff = goodterms::entities::staff_user::Entity::find()
        .all(&db)
        .await?
        .into_iter()
        .find(|s| s.creditor_id.is_some())
        .expect("demo staff");
    let who = Importer {
        creditor_id: staff.creditor_id.expect("creditor"),
        staff_id: staff.id,
    };

    let csv = generate(accounts);
    println!(
        "generated {accounts} accounts: {} rows, {:.1} MB of CSV",
        csv.lines().count() - 1,
        csv.len() as f64 / 1e6
    );

    let total = Instant::now();
    let started = Instant::now();
    let id = imports::check_upload(&db, &hasher, who, "bench.csv", csv.into_bytes(), Utc::now())
        .await?
        .expect("the generated file is readable");
    let check_time = started.elapsed();
    let peak_after_check = peak_memory_mb();
    let report = imports::find(&db, who.creditor_id, id)
        .await?
        .expect("report");
    assert_eq!(report.problem_count, 0, "{:?}", report.problems.first());

    let started = Instant::now();
    imports::start(&db, who, id, false, Utc::now())
        .await?
        .expect("starts");
    let summary = imports::run(&db, id, Utc::now()).await?.expect("runs");
    let import_time = started.elapsed();
    let total_time = total.elapsed();

    let in_db = account::Entity::find().count(&db).await?;
    let entries = ledger_entry::Entity::find().count(&db).await?;
    println!(
        "check (parse, validate, hash, save report): {:.2} s",
        check_time.as_secs_f64()
    );
    println!(
        "import ({} batches of {}): {:.2} s",
        accounts.div_ceil(imports::BATCH),
        imports::BATCH,
        import_time.as_secs_f64()
    );
    println!(
        "total: {:.2} s (target under 15 s)",
        total_time.as_secs_f64()
    );
    println!(
        "created {} accounts; {in_db} accounts and {entries} ledger entries in the database",
        summary.created
    );
    println!(
        "peak memory (VmHWM): after the check {peak_after_check}, after the import {}",
        peak_memory_mb()
    );

    // Re-import of the same file: nothing changes.
    let csv = generate(accounts);
    let started = Instant::now();
    let again = imports::check_upload(&db, &hasher, who, "bench.csv", csv.into_bytes(), Utc::now())
        .await?
        .expect("readable");
    imports::start(&db, who, again, false, Utc::now())
        .await?
        .expect("starts");
    let summary = imports::run(&db, again, Utc::now()).await?.expect("runs");
    println!(
        "re-import of the same file: {:.2} s, unchanged {}, created {}, adjusted {}",
        started.elapsed().as_secs_f64(),
        summary.unchanged,
        summary.created,
        summary.adjusted
    );
    println!("peak memory (VmHWM) after both: {}", peak_memory_mb());
    drop(db);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    Ok(())
}
