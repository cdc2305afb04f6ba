//! The connection read-only pages use. On a SQLite file it runs each statement on the
//! request's own thread through rusqlite: sqlx-sqlite hands every statement to a worker
//! thread and back, and those hand-offs were most of a page's cost (the profile in README,
//! "Performance"). Elsewhere (PostgreSQL, an in-memory SQLite) it is the ordinary pool.
//!
//! Within a request, all of its reads share one read transaction (see
//! [`one_snapshot_per_request`]).
//!
//! The queries themselves are unchanged: sea-orm builds them and maps the rows. sea-orm wants
//! each value in the exact variant of its field's type, which SQLite's storage classes do not
//! tell (an `i32` id and an `i64` amount are both INTEGER), so each result column's type comes
//! from the entity that declares its table and column; a computed column is named in the
//! `computed` list given to [`ReadDb::open`].
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use rusqlite::config::DbConfig;
use rusqlite::types::{Value as Stored, ValueRef};
use rusqlite::{Connection, OpenFlags};
use sea_orm::sea_query::{ColumnType, Value};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, ExecResult,
    IdenStatic, Iterable, MockDatabase, MockDatabaseTrait, QueryResult, RuntimeErr, Statement,
};

use super::QueryCounter;
use crate::entities;

/// The connection for pages that only read.
#[derive(Clone, Debug)]
pub enum ReadDb {
    /// The pool itself (PostgreSQL, or SQLite in memory).
    Pool(DatabaseConnection),
    /// rusqlite connections to the pool's SQLite file, used on the calling thread.
    SameThread(Arc<SqliteReader>),
}

impl ReadDb {
    /// On a SQLite file, a same-thread reader beside `pool`; otherwise `pool` itself.
    /// `computed` names the result columns that are expressions, with their types.
    pub fn open(
        url: &str,
        pool: &DatabaseConnection,
        counter: &QueryCounter,
        computed: &'static [(&'static str, ColumnType)],
    ) -> Result<Self, DbErr> {
        let Some(path) = sqlite_file(url) else {
            return Ok(Self::Pool(pool.clone()));
        };
        let reader = SqliteReader {
            path,
            idle: Mutex::default(),
            counter: counter.clone(),
            computed,
        };
        // Fail at start-up, not on the first page, if the file cannot be opened.
        reader.give_back(reader.take()?);
        Ok(Self::SameThread(Arc::new(reader)))
    }

    /// Whether reads share one transaction per request ([`one_snapshot_per_request`]); only
    /// the same-thread reader does, so elsewhere the middleware is left out.
    pub fn shares_a_snapshot_per_request(&self) -> bool {
        matches!(self, Self::SameThread(_))
    }
}

fn read_only() -> DbErr {
    DbErr::Custom("the read connection does not write; use the pool".into())
}

#[async_trait::async_trait]
impl ConnectionTrait for ReadDb {
    fn get_database_backend(&self) -> DbBackend {
        match self {
            Self::Pool(db) => db.get_database_backend(),
            Self::SameThread(_) => DbBackend::Sqlite,
        }
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        match self {
            Self::Pool(db) => db.execute_raw(stmt).await,
            Self::SameThread(_) => Err(read_only()),
        }
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        match self {
            Self::Pool(db) => db.execute_unprepared(sql).await,
            Self::SameThread(_) => Err(read_only()),
        }
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        match self {
            Self::Pool(db) => db.query_one_raw(stmt).await,
            Self::SameThread(reader) => Ok(reader.run(&stmt)?.into_iter().next()),
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match self {
            Self::Pool(db) => db.query_all_raw(stmt).await,
            Self::SameThread(reader) => reader.run(&stmt),
        }
    }
}

/// The file behind a `sqlite:` URL; `None` for PostgreSQL or an in-memory database, which a
/// second connection could not see.
fn sqlite_file(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let in_memory = path.is_empty() || path == ":memory:" || query.contains("mode=memory");
    (!in_memory).then(|| path.to_owned())
}

/// How long a read waits for a lock (in WAL mode readers wait only in rare cases, such as
/// recovery after a crash). Short, because the wait blocks a web worker thread and every
/// request on it; past it the page answers 503 with Retry-After and the person tries again.
const BUSY_WAIT: Duration = Duration::from_millis(250);
/// Connections kept open between requests; more are opened under a burst and then closed.
const IDLE_CONNECTIONS: usize = 16;
/// Column layouts remembered per connection (the same few queries are run over and over).
const REMEMBERED_LAYOUTS: usize = 256;

#[derive(Debug)]
pub struct SqliteReader {
    path: String,
    idle: Mutex<Vec<Reader>>,
    counter: QueryCounter,
    computed: &'static [(&'static str, ColumnType)],
}

impl SqliteReader {
    fn take(&self) -> Result<Reader, DbErr> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        match idle {
            Some(reader) => Ok(reader),
            None => Reader::open(&self.path),
        }
    }

    fn give_back(&self, reader: Reader) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < IDLE_CONNECTIONS
        {
            idle.push(reader);
        }
    }

    fn run(self: &Arc<Self>, statement: &Statement) -> Result<Vec<QueryResult>, DbErr> {
        let started = Instant::now();
        let rows = match SNAPSHOT.try_with(|snapshot| self.in_snapshot(snapshot, statement)) {
            Ok(rows) => rows,
            // Outside a request (jobs, tests): a connection for this one statement.
            Err(_) => {
                let mut reader = self.take()?;
                let rows = reader.query(statement, self.computed);
                // A connection that failed is dropped rather than reused.
                if rows.is_ok() {
                    self.give_back(reader);
                }
                rows
            }
        };
        self.counter.record(started.elapsed(), rows.is_err());
        as_query_results(rows?)
    }

    /// Runs `statement` in the request's read transaction, begun by its first read.
    fn in_snapshot(
        self: &Arc<Self>,
        snapshot: &RefCell<Option<Snapshot>>,
        statement: &Statement,
    ) -> Result<Vec<BTreeMap<String, Value>>, DbErr> {
        let mut slot = snapshot.borrow_mut();
        if slot.is_none() {
            let reader = self.take()?;
            reader.run_plain("BEGIN")?;
            *slot = Some(Snapshot {
                reader: Some(reader),
                owner: self.clone(),
            });
        }
        let reader = slot
            .as_mut()
            .and_then(|s| s.reader.as_mut())
            .ok_or_else(|| DbErr::Custom("the read transaction has ended".into()))?;
        let rows = reader.query(statement, self.computed);
        if rows.is_err() {
            // A failed statement may have ended the transaction: later reads start afresh.
            *slot = None;
        }
        rows
    }
}

tokio::task_local! {
    /// The read transaction of the request being served, if it has read anything yet.
    static SNAPSHOT: RefCell<Option<Snapshot>>;
}

/// Middleware: every read a request makes through [`ReadDb`] on SQLite (the session, then
/// the page) runs in one read transaction. The page sees one consistent state (the balance
/// and the entries it is made of cannot be from either side of a payment), and a request
/// begins and ends one transaction instead of one per statement, which was a fifth of a
/// page's database time.
///
/// What the pool writes during the request is not seen by reads through `ReadDb` after it:
/// handlers that write read through the pool.
pub async fn one_snapshot_per_request(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    SNAPSHOT.scope(RefCell::new(None), next.call(request)).await
}

/// A reader with a read transaction open, ended and given back when the request is done.
struct Snapshot {
    reader: Option<Reader>,
    owner: Arc<SqliteReader>,
}

impl Drop for Snapshot {
    fn drop(&mut self) {
        if let Some(reader) = self.reader.take()
            && reader.run_plain("COMMIT").is_ok()
        {
            self.owner.give_back(reader);
        }
    }
}

/// sea-orm 2.0.4 turns a column-name-to-value map into a `QueryResult` only through its mock
/// database (its proxy connection, made for this, does not compile beside sqlx-sqlite), so
/// the rows pass through one: a conversion, nothing is mocked.
fn as_query_results(rows: Vec<BTreeMap<String, Value>>) -> Result<Vec<QueryResult>, DbErr> {
    let mut converter = MockDatabase::new(DbBackend::Sqlite).append_query_results([rows]);
    converter.query(0, Statement::from_string(DbBackend::Sqlite, String::new()))
}

/// One rusqlite connection and the column layouts of the statements it has run.
struct Reader {
    conn: Connection,
    layouts: HashMap<String, Arc<[Col]>>,
}

impl std::fmt::Debug for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Reader")
    }
}

/// A result column: its name in the row and the value variant sea-orm expects for it.
struct Col {
    name: String,
    kind: Option<Kind>,
}

impl Reader {
    fn open(path: &str) -> Result<Self, DbErr> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(failed)?;
        // Writes go through the pool only.
        conn.pragma_update(None, "query_only", true)
            .map_err(failed)?;
        conn.busy_timeout(BUSY_WAIT).map_err(failed)?;
        // Without the query planner stability guarantee, a statement whose plan may depend
        // on a bound value (sea-orm binds `LIMIT 1` as `LIMIT ?`) is compiled again every
        // time it is bound: the session load did that on every request.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
            .map_err(failed)?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(Self {
            conn,
            layouts: HashMap::new(),
        })
    }

    /// A statement with no parameters and no rows (BEGIN, COMMIT), prepared once.
    fn run_plain(&self, sql: &str) -> Result<(), DbErr> {
        self.conn
            .prepare_cached(sql)
            .and_then(|mut statement| statement.execute([]))
            .map(drop)
            .map_err(failed)
    }

    fn query(
        &mut self,
        statement: &Statement,
        computed: &[(&str, ColumnType)],
    ) -> Result<Vec<BTreeMap<String, Value>>, DbErr> {
        let mut prepared = self.conn.prepare_cached(&statement.sql).map_err(failed)?;
        let layout = match self.layouts.get(&statement.sql) {
            Some(layout) => layout.clone(),
            None => {
                let layout = layout_of(&prepared, computed);
                if self.layouts.len() >= REMEMBERED_LAYOUTS {
                    self.layouts.clear();
                }
                self.layouts.insert(statement.sql.clone(), layout.clone());
                layout
            }
        };
        let params = match &statement.values {
            Some(values) => values.0.iter().map(to_stored).collect::<Result<_, _>>()?,
            None => Vec::new(),
        };
        let mut rows = prepared
            .query(rusqlite::params_from_iter(params))
            .map_err(failed)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(failed)? {
            let mut values = BTreeMap::new();
            for (i, col) in layout.iter().enumerate() {
                let value = row.get_ref(i).map_err(failed)?;
                values.insert(col.name.clone(), to_value(col, value)?);
            }
            out.push(values);
        }
        Ok(out)
    }
}

fn layout_of(
    prepared: &rusqlite::CachedStatement<'_>,
    computed: &[(&str, ColumnType)],
) -> Arc<[Col]> {
    prepared
        .columns_with_metadata()
        .iter()
        .map(|c| {
            let declared = c
                .table_name()
                .zip(c.origin_name())
                .and_then(|(table, column)| DECLARED.get(&(table.to_owned(), column.to_owned())));
            let kind = declared.copied().or_else(|| {
                computed
                    .iter()
                    .find(|(name, _)| c.name().ends_with(name))
                    .and_then(|(_, t)| Kind::of(t))
            });
            Col {
                name: c.name().to_owned(),
                kind,
            }
        })
        .collect()
}

/// The value variants sea-orm reads the portal's columns as.
#[derive(Clone, Copy, Debug)]
enum Kind {
    SmallInt,
    Int,
    BigInt,
    Bool,
    Text,
    Bytes,
    Double,
    Date,
    DateTimeUtc,
}

impl Kind {
    fn of(column_type: &ColumnType) -> Option<Self> {
        Some(match column_type {
            ColumnType::TinyInteger | ColumnType::SmallInteger => Self::SmallInt,
            ColumnType::Integer => Self::Int,
            ColumnType::BigInteger => Self::BigInt,
            ColumnType::Boolean => Self::Bool,
            ColumnType::Char(_)
            | ColumnType::String(_)
            | ColumnType::Text
            | ColumnType::Enum { .. } => Self::Text,
            ColumnType::Binary(_) | ColumnType::VarBinary(_) | ColumnType::Blob => Self::Bytes,
            ColumnType::Float | ColumnType::Double => Self::Double,
            ColumnType::Date => Self::Date,
            // Every timestamp field in the portal is a `DateTime<Utc>`.
            ColumnType::Timestamp | ColumnType::TimestampWithTimeZone | ColumnType::DateTime => {
                Self::DateTimeUtc
            }
            _ => return None,
        })
    }

    fn null(self) -> Value {
        match self {
            Self::SmallInt => Value::SmallInt(None),
            Self::Int => Value::Int(None),
            Self::BigInt => Value::BigInt(None),
            Self::Bool => Value::Bool(None),
            Self::Text => Value::String(None),
            Self::Bytes => Value::Bytes(None),
            Self::Double => Value::Double(None),
            Self::Date => Value::ChronoDate(None),
            Self::DateTimeUtc => Value::ChronoDateTimeUtc(None),
        }
    }
}

/// The declared type of every column of every entity, by (table, column).
static DECLARED: LazyLock<HashMap<(String, String), Kind>> = LazyLock::new(|| {
    let mut declared = HashMap::new();
    macro_rules! declare {
        ($($entity:ident),* $(,)?) => {
            $(declare_entity::<entities::$entity::Entity>(&mut declared);)*
        };
    }
    declare!(
        account,
        account_hold,
        account_note,
        advice_service,
        attachment,
        attachment_content,
        audit_log,
        autopay_mandate,
        autopay_step,
        contact_preference,
        creditor,
        debtor,
        deep_link,
        discount_offer,
        discount_rule,
        dispute,
        dispute_entry,
        erasure_request,
        feedback,
        hardship_statement,
        import,
        import_chunk,
        installment,
        ledger_entry,
        message,
        outbox_message,
        payment_allocation,
        payment_attempt,
        person,
        plan,
        plan_policy,
        provider_event,
        reminder_cadence,
        session,
        sign_in_token,
        staff_password_token,
        staff_user,
        step_up_code,
        support_need,
        throttle_bucket,
    );
    declared
});

fn declare_entity<E: EntityTrait>(declared: &mut HashMap<(String, String), Kind>) {
    let table = sea_orm::EntityName::table_name(&E::default()).to_owned();
    for column in E::Column::iter() {
        if let Some(kind) = Kind::of(column.def().get_column_type()) {
            declared.insert((table.clone(), column.as_str().to_owned()), kind);
        }
    }
}

/// A stored value as the variant sea-orm expects.
fn to_value(col: &Col, stored: ValueRef<'_>) -> Result<Value, DbErr> {
    let Some(kind) = col.kind else {
        return Err(DbErr::Custom(format!(
            "column {} has no known type for the SQLite reader",
            col.name
        )));
    };
    let mismatch = || DbErr::Type(format!("column {} holds {stored:?}", col.name));
    Ok(match (kind, stored) {
        (kind, ValueRef::Null) => kind.null(),
        (Kind::SmallInt, ValueRef::Integer(i)) => {
            Value::SmallInt(Some(i16::try_from(i).map_err(|_| mismatch())?))
        }
        (Kind::Int, ValueRef::Integer(i)) => {
            Value::Int(Some(i32::try_from(i).map_err(|_| mismatch())?))
        }
        (Kind::BigInt, ValueRef::Integer(i)) => Value::BigInt(Some(i)),
        (Kind::Bool, ValueRef::Integer(i)) => Value::Bool(Some(i != 0)),
        (Kind::Double, ValueRef::Real(f)) => Value::Double(Some(f)),
        (Kind::Double, ValueRef::Integer(i)) => Value::Double(Some(i as f64)),
        (Kind::Bytes, ValueRef::Blob(b)) => Value::Bytes(Some(b.to_vec())),
        (kind, ValueRef::Text(bytes)) => {
            let text = std::str::from_utf8(bytes).map_err(|_| mismatch())?;
            match kind {
                Kind::Text => Value::String(Some(text.to_owned())),
                Kind::Date => Value::ChronoDate(Some(
                    NaiveDate::parse_from_str(text, "%F").map_err(|_| mismatch())?,
                )),
                Kind::DateTimeUtc => {
                    Value::ChronoDateTimeUtc(Some(parse_timestamp(text).ok_or_else(mismatch)?))
                }
                _ => return Err(mismatch()),
            }
        }
        _ => return Err(mismatch()),
    })
}

/// A timestamp as sqlx writes it (RFC 3339) or as SQLite's own clock does (`YYYY-MM-DD
/// HH:MM:SS`, UTC).
fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    ["%F %T%.f", "%FT%T%.f"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|naive| naive.and_utc())
}

/// A bound value stored the way sqlx-sqlite stores it, so comparisons with what the pool
/// wrote hold (timestamps as RFC 3339 text, booleans as 0 and 1).
fn to_stored(value: &Value) -> Result<Stored, DbErr> {
    fn or_null<T>(v: &Option<T>, f: impl FnOnce(&T) -> Stored) -> Stored {
        v.as_ref().map_or(Stored::Null, f)
    }
    Ok(match value {
        Value::Bool(v) => or_null(v, |b| Stored::Integer(i64::from(*b))),
        Value::TinyInt(v) => or_null(v, |i| Stored::Integer(i64::from(*i))),
        Value::SmallInt(v) => or_null(v, |i| Stored::Integer(i64::from(*i))),
        Value::Int(v) => or_null(v, |i| Stored::Integer(i64::from(*i))),
        Value::BigInt(v) => or_null(v, |i| Stored::Integer(*i)),
        Value::TinyUnsigned(v) => or_null(v, |i| Stored::Integer(i64::from(*i))),
        Value::SmallUnsigned(v) => or_null(v, |i| Stored::Integer(i64::from(*i))),
        Value::Unsigned(v) => or_null(v, |i| Stored::Integer(i64::from(*i))),
        // LIMIT and OFFSET.
        Value::BigUnsigned(Some(i)) => {
            Stored::Integer(i64::try_from(*i).map_err(|_| cannot_bind(value))?)
        }
        Value::BigUnsigned(None) => Stored::Null,
        Value::Double(v) => or_null(v, |f| Stored::Real(*f)),
        Value::Float(v) => or_null(v, |f| Stored::Real(f64::from(*f))),
        Value::String(v) => or_null(v, |s| Stored::Text(s.clone())),
        Value::Char(v) => or_null(v, |c| Stored::Text(c.to_string())),
        Value::Bytes(v) => or_null(v, |b| Stored::Blob(b.clone())),
        Value::ChronoDate(v) => or_null(v, |d| Stored::Text(d.format("%F").to_string())),
        Value::ChronoDateTimeUtc(v) => or_null(v, |t| {
            Stored::Text(t.to_rfc3339_opts(SecondsFormat::AutoSi, false))
        }),
        Value::Enum(e) => match e {
            sea_orm::sea_query::OptionEnum::Some(v) => Stored::Text(v.value.to_string()),
            sea_orm::sea_query::OptionEnum::None(_) => Stored::Null,
        },
        other => return Err(cannot_bind(other)),
    })
}

fn cannot_bind(value: &Value) -> DbErr {
    DbErr::Custom(format!("the SQLite reader cannot bind {value:?}"))
}

fn failed(err: rusqlite::Error) -> DbErr {
    DbErr::Query(RuntimeErr::Internal(err.to_string()))
}

#[cfg(test)]
mod tests {
    use chrono::Timelike;

    use super::*;

    /// A migrated SQLite file with its pool, removed when dropped.
    struct TestFile {
        path: std::path::PathBuf,
        url: String,
        pool: DatabaseConnection,
        counter: QueryCounter,
    }

    impl TestFile {
        async fn migrated(name: &str) -> Self {
            let path = std::env::temp_dir().join(format!("{name}-{}.db", std::process::id()));
            let url = format!("sqlite://{}?mode=rwc", path.display());
            let mut pool = super::super::connect(&url).await.unwrap();
            super::super::migrate(&pool).await.unwrap();
            let counter = QueryCounter::attach(&mut pool);
            Self {
                path,
                url,
                pool,
                counter,
            }
        }
    }

    impl Drop for TestFile {
        fn drop(&mut self) {
            for suffix in ["", "-wal", "-shm"] {
                std::fs::remove_file(format!("{}{suffix}", self.path.display())).ok();
            }
        }
    }

    #[test]
    fn only_a_sqlite_file_gets_a_reader_of_its_own() {
        assert_eq!(
            sqlite_file("sqlite://goodterms.db?mode=rwc").as_deref(),
            Some("goodterms.db")
        );
        assert_eq!(
            sqlite_file("sqlite:///tmp/a.db").as_deref(),
            Some("/tmp/a.db")
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("sqlite://x.db?mode=memory"), None);
        assert_eq!(sqlite_file("postgres://localhost/test"), None);
    }

    #[test]
    fn timestamps_read_back_as_the_pool_wrote_them() {
        let at = DateTime::parse_from_rfc3339("2026-12-04T20:25:53.123456+00:00")
            .unwrap()
            .with_timezone(&Utc);
        let Stored::Text(text) = to_stored(&Value::ChronoDateTimeUtc(Some(at))).unwrap() else {
            panic!("a timestamp is stored as text");
        };
        assert_eq!(parse_timestamp(&text), Some(at));
        assert_eq!(
            parse_timestamp("2026-12-04 20:25:53"),
            Some(at.with_nanosecond(0).unwrap())
        );
    }

    /// Everything the pool wrote for the demo portfolio (plans in every state, holds, ledger
    /// entries of every kind) reads back the same through the same-thread reader.
    #[tokio::test]
    async fn the_reader_reads_back_what_the_pool_wrote() {
        use crate::entities::{account, account_hold, creditor, installment, ledger_entry, plan};
        use sea_orm::{ActiveModelTrait, Set};

        use crate::domain::care::HoldKind;
        use crate::services::accounts::statements;

        let TestFile {
            url, pool, counter, ..
        } = &TestFile::migrated("reads").await;
        let hasher = crate::crypto::KeyedHasher::derive("reads test");
        let now = Utc::now();
        crate::services::demo::load(pool, &hasher, now)
            .await
            .unwrap();
        crate::services::demo::add_living_portfolio(pool, &hasher, now)
            .await
            .unwrap();
        // A dispute and a breathing space on the first person's first account, so the
        // computed hold columns are read with values, not only as nothing.
        let first = account::Entity::find().one(pool).await.unwrap().unwrap();
        for (kind, ends) in [
            (HoldKind::Dispute, None),
            (
                HoldKind::BreathingSpace,
                Some(now + chrono::Duration::days(30)),
            ),
        ] {
            let hold = account_hold::ActiveModel {
                account_id: Set(first.id),
                kind: Set(kind),
                reason: Set("test".into()),
                started_by: Set(first.debtor_id),
                started_at: Set(now),
                ended_at: Set(ends),
                ..Default::default()
            };
            hold.insert(pool).await.unwrap();
        }
        let computed = &crate::services::care::holds::COMPUTED_COLUMNS;
        let reads = ReadDb::open(url, pool, counter, computed).unwrap();
        assert!(matches!(reads, ReadDb::SameThread(_)));

        macro_rules! same_rows {
            ($($entity:ident),*) => {$(
                let written = $entity::Entity::find().all(pool).await.unwrap();
                assert!(!written.is_empty(), "the demo has {}", stringify!($entity));
                assert_eq!($entity::Entity::find().all(&reads).await.unwrap(), written);
            )*};
        }
        same_rows!(
            account,
            creditor,
            ledger_entry,
            plan,
            installment,
            account_hold
        );

        let held = statements::for_debtor(&reads, first.debtor_id)
            .await
            .unwrap();
        let holds = &held
            .iter()
            .find(|s| s.account_id == first.id)
            .unwrap()
            .holds;
        assert!(holds.disputed && holds.breathing_space_until.is_some());
        for debtor in 1..=5 {
            let written = statements::for_debtor(pool, debtor).await.unwrap();
            let read = statements::for_debtor(&reads, debtor).await.unwrap();
            assert_eq!(format!("{read:?}"), format!("{written:?}"));
        }
    }

    /// Within a request every read sees the state of its first read, even if the pool
    /// commits in between; the next request sees the write.
    #[tokio::test]
    async fn a_request_reads_one_state_while_the_pool_writes() {
        use crate::entities::creditor;
        use sea_orm::{ActiveModelTrait, Set};

        let TestFile {
            url, pool, counter, ..
        } = &TestFile::migrated("reads-snap").await;
        let reads = ReadDb::open(url, pool, counter, &[]).unwrap();
        let add_creditor = |name: &str| creditor::ActiveModel {
            name: Set(name.into()),
            display_name: Set(name.into()),
            currency: Set("GBP".into()),
            time_zone: Set("Europe/London".into()),
            contact_email: Set("help@example.com".into()),
            contact_phone: Set("0800 000 000".into()),
            created_at: Set(Utc::now()),
            ..Default::default()
        };
        add_creditor("First").insert(pool).await.unwrap();
        let names = || async { creditor::Entity::find().all(&reads).await.unwrap().len() };

        let (first_read, second_read) = SNAPSHOT
            .scope(RefCell::new(None), async {
                let first = names().await;
                add_creditor("Second").insert(pool).await.unwrap();
                (first, names().await)
            })
            .await;
        assert_eq!((first_read, second_read), (1, 1));
        let next_request = SNAPSHOT.scope(RefCell::new(None), names()).await;
        assert_eq!(next_request, 2);
    }

    /// A statement with a bound LIMIT (every sea-orm `.one()`) is compiled once, not again
    /// on every run.
    #[test]
    fn a_cached_statement_is_not_compiled_again() {
        let path = std::env::temp_dir().join(format!("reads-qpsg-{}.db", std::process::id()));
        Connection::open(&path)
            .unwrap()
            .execute_batch(
                "CREATE TABLE t (id INTEGER PRIMARY KEY, at TEXT); CREATE INDEX t_at ON t (at);",
            )
            .unwrap();
        let mut reader = Reader::open(path.to_str().unwrap()).unwrap();
        let sql = "SELECT id FROM t WHERE id = ? AND at > ? LIMIT ?";
        for at in ["2026-01-01", "2026-02-01", "2026-03-01"] {
            let statement = Statement::from_sql_and_values(
                DbBackend::Sqlite,
                sql,
                [1.into(), at.into(), 1u64.into()],
            );
            reader.query(&statement, &[]).unwrap();
        }
        let prepared = reader.conn.prepare_cached(sql).unwrap();
        assert_eq!(prepared.get_status(rusqlite::StatementStatus::RePrepare), 0);
        drop(prepared);
        std::fs::remove_file(&path).ok();
    }

    #[test]
    fn an_amount_is_read_wide_and_an_id_narrow() {
        let declared = |table: &str, column: &str| {
            DECLARED
                .get(&(table.to_owned(), column.to_owned()))
                .copied()
        };
        assert!(matches!(
            declared("ledger_entries", "amount_minor"),
            Some(Kind::BigInt)
        ));
        assert!(matches!(declared("accounts", "id"), Some(Kind::Int)));
        assert!(matches!(
            declared("sessions", "expires_at"),
            Some(Kind::DateTimeUtc)
        ));
    }
}
