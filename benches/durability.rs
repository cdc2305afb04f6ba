//! What `synchronous=FULL` costs on SQLite: books N payments (one ledger entry each, each in
//! its own write transaction, as the payment path commits them) on a fresh file with
//! `synchronous=NORMAL`, then on another with `FULL`, and prints both rates.
//!
//! `cargo bench --bench durability` (set DURABILITY_ENTRIES to change N; default 2,000).
use std::time::Instant;

use chrono::Utc;
use goodterms::crypto::KeyedHasher;
use goodterms::db::{self, SqliteSynchronous};
use goodterms::domain::{Currency, EntryKind, Money};
use goodterms::entities::account;
use goodterms::services::accounts::ledger::{self, NewEntry};
use goodterms::services::demo;
use sea_orm::{DatabaseConnection, EntityTrait};

async fn book_payments(db: &DatabaseConnection, entries: usize) -> f64 {
    let account_id = account::Entity::find()
        .one(db)
        .await
        .expect("query")
        .expect("the demo data has an account")
        .id;
    let gbp = Currency::parse("GBP").expect("GBP");
    let started = Instant::now();
    for _ in 0..entries {
        let txn = db::begin_write(db).await.expect("begin");
        let entry = NewEntry {
            account_id,
            kind: EntryKind::Payment,
            amount: Money::from_minor(-1_00, gbp),
            description: "Card payment",
            reason: None,
            occurred_on: Utc::now().date_naive(),
        };
        ledger::append(&txn, entry, Utc::now())
            .await
            .expect("append");
        txn.commit().await.expect("commit");
    }
    started.elapsed().as_secs_f64()
}

async fn run(level: SqliteSynchronous, name: &str, entries: usize) {
    let path = std::env::temp_dir().join(format!(
        "goodterms-durability-{name}-{}.db",
        std::process::id()
    ));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let db = db::connect_with(&url, level).await.expect("open");
    db::migrate(&db).await.expect("migrate");
    let hasher = KeyedHasher::derive(&"k".repeat(64));
    demo::load(&db, &hasher, Utc::now()).await.expect("demo");
    let seconds = book_payments(&db, entries).await;
    println!(
        "synchronous={name}: {entries} payments in {seconds:.2} s = {:.0} commits/s, {:.2} ms each",
        entries as f64 / seconds,
        seconds * 1000.0 / entries as f64
    );
    db.close().await.ok();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[tokio::main]
async fn main() {
    let entries = std::env::var("DURABILITY_ENTRIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    run(SqliteSynchronous::Normal, "NORMAL", entries).await;
    run(SqliteSynchronous::Full, "FULL", entries).await;
}
