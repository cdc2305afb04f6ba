//! Connecting, migrating, and starting write transactions the way each backend needs.
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::SqliteJournalMode;
pub use sea_orm::sqlx::sqlite::SqliteSynchronous;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

mod reads;
pub use reads::{ReadDb, one_snapshot_per_request};

/// A statement that runs longer than this is cancelled (PostgreSQL), so one runaway query
/// cannot hold locks and connections indefinitely.
pub const STATEMENT_TIMEOUT: &str = "30s";
/// A session idle inside an open transaction this long is ended by PostgreSQL, releasing the
/// row locks it holds (a worker that hung mid-transaction would otherwise block the plan).
pub const IDLE_IN_TRANSACTION_TIMEOUT: &str = "60s";

/// A pooled connection idle this long is pinged before it is handed out.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(10);

/// Opens the pool. SQLite runs in WAL mode with a busy timeout, so readers never block the
/// writer and a briefly locked database waits instead of failing at once; `synchronous=FULL`
/// so a committed ledger entry survives a power cut, not only a crash of the process.
/// PostgreSQL connections carry statement and idle-in-transaction timeouts.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    open(url, SqliteSynchronous::Full, None).await
}

/// [`connect`] with a chosen SQLite `synchronous` level: for the durability benchmark.
pub async fn connect_with(
    url: &str,
    synchronous: SqliteSynchronous,
) -> Result<DatabaseConnection, DbErr> {
    open(url, synchronous, None).await
}

/// [`connect`] keeping at most `pool_size` connections (`None`: 8 on SQLite, 16 on
/// PostgreSQL): several instances on one PostgreSQL share its connection limit.
pub async fn connect_pool(url: &str, pool_size: Option<u32>) -> Result<DatabaseConnection, DbErr> {
    open(url, SqliteSynchronous::Full, pool_size).await
}

async fn open(
    url: &str,
    synchronous: SqliteSynchronous,
    pool_size: Option<u32>,
) -> Result<DatabaseConnection, DbErr> {
    let sqlite = url.starts_with("sqlite:");
    let default_size = if sqlite { 8 } else { 16 };
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .acquire_timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(5))
        .max_connections(pool_size.unwrap_or(default_size))
        .map_sqlx_sqlite_opts(move |o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(synchronous)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
                .create_if_missing(true)
        })
        // Sent at connection start-up, so every pooled connection has them.
        .map_sqlx_postgres_opts(|o| {
            o.options([
                ("statement_timeout", STATEMENT_TIMEOUT),
                (
                    "idle_in_transaction_session_timeout",
                    IDLE_IN_TRANSACTION_TIMEOUT,
                ),
            ])
        });
    if sqlite {
        // A SQLite connection is a file handle that does not break, so pinging it on every
        // checkout (sqlx's default) only doubled each statement's round trips to its worker
        // thread. PostgreSQL keeps the ping: after an outage a pooled connection may be dead,
        // and the ping replaces it before a request uses it.
        options.test_before_acquire_if_idle_for(IDLE_BEFORE_PING);
    }
    Database::connect(options).await
}

pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Begins a transaction that will write. On SQLite it takes the write lock up front
/// (BEGIN IMMEDIATE): a deferred transaction that later tries to write can fail with
/// SQLITE_BUSY without waiting, which would surface as an error instead of a short wait.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            db.begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await
        }
        _ => db.begin().await,
    }
}

/// How many statements a connection pool has run: tests hold a page to its query budget and
/// the benchmark reports queries per request. Each application's pool has its own counter.
#[derive(Clone, Debug, Default)]
pub struct QueryCounter(Arc<AtomicU64>);

impl QueryCounter {
    /// Statements run so far (successful or not).
    pub fn total(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Counts every statement `db` runs from now on, and feeds the statement metrics (one
    /// callback per pool: this is it).
    pub fn attach(db: &mut DatabaseConnection) -> Self {
        let counter = Self::default();
        let counting = counter.clone();
        db.set_metric_callback(move |info| counting.record(info.elapsed, info.failed));
        counter
    }

    /// One statement run, by the pool or by the same-thread reader.
    fn record(&self, elapsed: Duration, failed: bool) {
        self.0.fetch_add(1, Ordering::Relaxed);
        crate::meters::db_statement(elapsed, failed);
    }
}

/// Readiness: can we run a trivial query?
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.execute_unprepared("SELECT 1").await.is_ok()
}

/// True when an error means "the database is busy or unreachable right now", which the web
/// layer answers with 503 and Retry-After instead of a 500.
pub fn is_unavailable(err: &DbErr) -> bool {
    let text = err.to_string().to_ascii_lowercase();
    matches!(err, DbErr::ConnectionAcquire(_) | DbErr::Conn(_))
        || lost_connection(err)
        || text.contains("database is locked")
        || text.contains("database is busy")
        || text.contains("connection refused")
        || text.contains("pool timed out")
}

/// A connection that broke under a statement (the server went away, the network was cut), or
/// a server that is shutting down or starting up: PostgreSQL's SQLSTATE classes 08
/// (connection exception) and 57P (operator intervention, e.g. 57P01 admin shutdown).
fn lost_connection(err: &DbErr) -> bool {
    use sea_orm::RuntimeErr::SqlxError;
    use sea_orm::sqlx::Error;
    let (DbErr::Exec(SqlxError(cause)) | DbErr::Query(SqlxError(cause))) = err else {
        return false;
    };
    match cause.as_ref() {
        Error::Io(_) | Error::PoolTimedOut | Error::PoolClosed | Error::WorkerCrashed => true,
        Error::Database(db) => db
            .code()
            .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::Arc;

    use sea_orm::RuntimeErr;
    use sea_orm::sqlx::Error;

    use super::*;

    fn query_failed(cause: Error) -> DbErr {
        DbErr::Query(RuntimeErr::SqlxError(Arc::new(cause)))
    }

    #[test]
    fn a_connection_lost_under_a_statement_is_unavailable_but_a_bad_statement_is_not() {
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        assert!(is_unavailable(&query_failed(Error::Io(reset))));
        assert!(is_unavailable(&query_failed(Error::PoolTimedOut)));
        assert!(!is_unavailable(&query_failed(Error::RowNotFound)));
        assert!(!is_unavailable(&DbErr::Custom("no such column".into())));
    }
}
