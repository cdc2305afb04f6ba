//! Importing accounts from CSV, in two steps.
//!
//! 1. [`check_upload`] reads the file (pure rules in `domain::import`) and saves a report.
//!    A file that cannot be read at all (wrong header, not UTF-8, junk) saves nothing. The
//!    valid accounts are kept with the report in chunks of [`BATCH`] (the `import_chunks`
//!    table), dates of birth already hashed, so no plain date of birth is ever stored.
//! 2. [`start`] queues it (all accounts, or only the valid ones when the person chose that),
//!    and [`run`] imports one chunk at a time, one write transaction each, with the progress
//!    counters updated in the same transaction.
//!
//! Memory stays bounded by one batch while importing: 100,000 accounts held at once, as
//! parsed rows and as one JSON copy of them, came to over half a gigabyte.
//!
//! Importing is idempotent: a reference the creditor already has is compared by balance, the
//! file's against the creditor's own entries only (what earlier imports wrote; see
//! `domain::import::reconcile`), so payments, discounts and refunds made in the portal are
//! never undone. Equal means nothing happens; different means one `adjustment` entry for the
//! difference. The check works out the same comparison beforehand, as a preview staff see
//! before they choose to import. Nothing is ever edited or deleted, and debtor details of
//! existing accounts are left alone.
//!
//! A new account's person is matched by email and date of birth whatever the creditor
//! (`services::accounts::people`): the creditor's existing debtor row for that person is
//! reused, otherwise a new one is linked to the same person.
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

use crate::crypto::KeyedHasher;
use crate::db::begin_write;
use crate::domain::import::{
    self, CheckedFile, FileError, ImportAccount, ImportPreview, ImportStatus, Reconciliation,
    RowProblem,
};
use crate::domain::{Currency, EntryKind, EntryOrigin, Money};
use crate::entities::{account, debtor, import as import_row, import_chunk};
use crate::services::access::debtor_sign_in::dob_hash;
use crate::services::accounts::ledger::{self, LedgerError, NewEntry};
use crate::services::accounts::people::{self, normalise_email};
use crate::services::audit::{self, Actor, AuditEvent};
use crate::services::care::breathing_space;

/// Accounts per write transaction.
pub const BATCH: usize = 1_000;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("database error")]
    Database(#[from] DbErr),
    #[error("ledger error")]
    Ledger(#[from] LedgerError),
    #[error("stored import could not be read")]
    Payload(#[from] serde_json::Error),
    #[error("the file check stopped unexpectedly")]
    Join(#[from] tokio::task::JoinError),
}

/// An account as kept between the check and the import: no plain date of birth.
#[derive(Serialize, Deserialize)]
struct StoredAccount {
    r: String,
    n: String,
    e: String,
    /// Keyed hash of the date of birth.
    h: String,
    z: String,
    c: String,
    i: Vec<StoredItem>,
}

#[derive(Serialize, Deserialize)]
struct StoredItem {
    k: String,
    a: i64,
    d: NaiveDate,
    t: String,
}

impl StoredAccount {
    /// Who this is whatever the creditor: see `services::accounts::people`.
    fn identity(&self) -> people::Identity {
        (normalise_email(&self.e), self.h.clone())
    }

    fn balance_minor(&self) -> i64 {
        self.i.iter().map(|i| i.a).sum()
    }

    /// Takes the parsed account apart rather than cloning it, so its memory goes as it is
    /// stored.
    fn from_checked(a: ImportAccount, hasher: &KeyedHasher) -> Self {
        StoredAccount {
            h: dob_hash(hasher, a.date_of_birth),
            r: a.reference,
            n: a.name,
            e: a.email,
            z: a.time_zone,
            c: a.currency.code().to_string(),
            i: a.items
                .into_iter()
                .map(|i| StoredItem {
                    k: i.kind.as_str().to_string(),
                    a: i.amount_minor,
                    d: i.date,
                    t: i.description,
                })
                .collect(),
        }
    }
}

/// Everything the pages show about one import.
#[derive(Debug, Clone)]
pub struct ImportView {
    pub id: i32,
    pub file_name: String,
    pub status: ImportStatus,
    pub only_valid: bool,
    pub total_rows: i64,
    pub invalid_rows: i64,
    pub total_accounts: i64,
    pub valid_accounts: i64,
    pub problem_count: i64,
    pub problems: Vec<RowProblem>,
    /// What the import would change; `None` for imports checked before previews existed.
    pub preview: Option<ImportPreview>,
    pub processed: i64,
    pub created: i64,
    pub adjusted: i64,
    pub unchanged: i64,
    pub skipped: i64,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl ImportView {
    fn from_model(row: import_row::Model) -> Self {
        Self {
            problems: serde_json::from_str(&row.problems).unwrap_or_default(),
            preview: row
                .preview
                .as_deref()
                .and_then(|p| serde_json::from_str(p).ok()),
            id: row.id,
            file_name: row.file_name,
            status: row.status,
            only_valid: row.only_valid,
            total_rows: row.total_rows,
            invalid_rows: row.invalid_rows,
            total_accounts: row.total_accounts,
            valid_accounts: row.valid_accounts,
            problem_count: row.problem_count,
            processed: row.processed,
            created: row.created,
            adjusted: row.adjusted,
            unchanged: row.unchanged,
            skipped: row.skipped,
            error: row.error,
            created_at: row.created_at,
        }
    }

    pub fn is_clean(&self) -> bool {
        self.problem_count == 0
    }

    /// Still working: the progress page keeps refreshing.
    pub fn in_progress(&self) -> bool {
        self.status.is_under_way()
    }
}

/// What the background import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub created: i64,
    pub adjusted: i64,
    pub unchanged: i64,
    /// Existing accounts in another currency than the file says: left alone.
    pub skipped: i64,
}

/// Who is importing, for scoping and the audit log.
#[derive(Clone, Copy, Debug)]
pub struct Importer {
    pub creditor_id: i32,
    pub staff_id: i32,
}

/// A checked file, ready to save: the report (its accounts already moved into `chunks`).
struct ReadUpload {
    report: CheckedFile,
    valid_accounts: u64,
    /// JSON lists of at most [`BATCH`] stored accounts each, in file order.
    chunks: Vec<String>,
    /// Each account's reference, currency and balance, for the preview.
    balances: Vec<FileBalance>,
}

/// What the file says one account owes.
struct FileBalance {
    reference: String,
    currency: String,
    minor: i64,
}

/// Checks an uploaded file and saves its report. A file that cannot be read at all gives
/// `Ok(Err(FileError))` and saves nothing. Takes any owned bytes so the web handler can pass
/// a slice of the request body without copying it.
pub async fn check_upload<B>(
    db: &DatabaseConnection,
    hasher: &KeyedHasher,
    who: Importer,
    file_name: &str,
    bytes: B,
    now: DateTime<Utc>,
) -> Result<Result<i32, FileError>, ImportError>
where
    B: AsRef<[u8]> + Send + 'static,
{
    let hasher = hasher.clone();
    let today = now.date_naive();
    // Reading 100,000 rows takes a moment of CPU: keep it off the async workers.
    let read = tokio::task::spawn_blocking(move || read_upload(bytes, today, &hasher)).await?;
    let read = match read? {
        Ok(read) => read,
        Err(file_error) => return Ok(Err(file_error)),
    };
    let file_name: String = file_name
        .chars()
        .filter(|c| !c.is_control())
        .take(255)
        .collect();
    let preview = preview(db, who.creditor_id, &read.balances).await?;
    let txn = begin_write(db).await?;
    let saved = import_row::ActiveModel {
        creditor_id: Set(who.creditor_id),
        staff_user_id: Set(who.staff_id),
        file_name: Set(file_name),
        status: Set(ImportStatus::Checked),
        only_valid: Set(false),
        total_rows: Set(read.report.total_rows as i64),
        invalid_rows: Set(read.report.invalid_rows as i64),
        total_accounts: Set(read.report.total_accounts as i64),
        valid_accounts: Set(read.valid_accounts as i64),
        problem_count: Set(read.report.problem_count as i64),
        problems: Set(serde_json::to_string(&read.report.problems)?),
        preview: Set(Some(serde_json::to_string(&preview)?)),
        payload: Set(None),
        processed: Set(0),
        created: Set(0),
        adjusted: Set(0),
        unchanged: Set(0),
        skipped: Set(0),
        error: Set(None),
        created_at: Set(now),
        started_at: Set(None),
        finished_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    save_chunks(&txn, saved.id, read.chunks).await?;
    audit::record(
        &txn,
        AuditEvent {
            actor: Actor::Staff(who.staff_id),
            creditor_id: Some(who.creditor_id),
            action: "import.checked",
            subject_kind: "import",
            subject_id: Some(saved.id),
            detail: &format!(
                "rows={} valid_accounts={} problems={}",
                read.report.total_rows, read.valid_accounts, read.report.problem_count
            ),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(saved.id))
}

/// Checks the file, then turns its valid accounts into JSON chunks. The upload is dropped
/// as soon as it is parsed, and each parsed account as soon as it is stored, so the file
/// never sits in memory in several forms at once.
fn read_upload(
    bytes: impl AsRef<[u8]>,
    today: NaiveDate,
    hasher: &KeyedHasher,
) -> Result<Result<ReadUpload, FileError>, serde_json::Error> {
    let checked = import::check(bytes.as_ref(), today);
    drop(bytes);
    let mut report = match checked {
        Ok(report) => report,
        Err(file_error) => return Ok(Err(file_error)),
    };
    let valid_accounts = report.valid_accounts();
    let balances = report
        .accounts
        .iter()
        .map(|a| FileBalance {
            reference: a.reference.clone(),
            currency: a.currency.code().to_string(),
            minor: a.balance_minor(),
        })
        .collect();
    let chunks = stored_chunks(std::mem::take(&mut report.accounts), hasher)?;
    Ok(Ok(ReadUpload {
        report,
        valid_accounts,
        chunks,
        balances,
    }))
}

/// What importing these balances would do, worked out the way [`import_batch`] does it, one
/// batch of references at a time.
async fn preview<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
    balances: &[FileBalance],
) -> Result<ImportPreview, DbErr> {
    let mut preview = ImportPreview::default();
    for batch in balances.chunks(BATCH) {
        let references = batch.iter().map(|b| b.reference.as_str()).collect();
        let existing = existing_accounts(conn, creditor_id, references, Lock::No).await?;
        for file in batch {
            let outcome = existing
                .get(&file.reference)
                .map(|kept| (kept.reconcile(file.minor, &file.currency), kept.total_minor));
            preview.add(&file.reference, &file.currency, outcome);
        }
    }
    Ok(preview.finish())
}

/// An account the creditor already has, with the sums a re-import needs.
struct ExistingAccount {
    id: i32,
    currency: String,
    /// What is owed now: every entry.
    total_minor: i64,
    /// The creditor's own entries only: what earlier imports wrote.
    creditor_minor: i64,
}

impl ExistingAccount {
    fn reconcile(&self, file_minor: i64, file_currency: &str) -> Reconciliation {
        import::reconcile(
            file_minor,
            self.currency == file_currency,
            self.creditor_minor,
        )
    }
}

/// Whether the accounts read stay locked for the caller's transaction.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lock {
    /// Only to show: the preview.
    No,
    /// Importing: two imports of one account at once on PostgreSQL take turns, so the second
    /// sees the first's adjustment and does not book the same difference again. (SQLite's
    /// write transactions already take turns.)
    UntilCommit,
}

/// The creditor's accounts with these references, with their sums: two statements whatever
/// the number of references.
async fn existing_accounts<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
    references: Vec<&str>,
    lock: Lock,
) -> Result<HashMap<String, ExistingAccount>, DbErr> {
    use crate::entities::ledger_entry;
    let mut query = account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .column(account::Column::Reference)
        .column(account::Column::Currency)
        .filter(account::Column::CreditorId.eq(creditor_id))
        .filter(account::Column::Reference.is_in(references))
        // One order for every import, so two of them never wait on each other in a circle.
        .order_by_asc(account::Column::Id);
    if lock == Lock::UntilCommit {
        query = query.lock_exclusive();
    }
    let found: Vec<(i32, String, String)> = query.into_tuple().all(conn).await?;
    if found.is_empty() {
        return Ok(HashMap::new());
    }
    let sums: Vec<(i32, i64, i64)> = ledger_entry::Entity::find()
        .select_only()
        .column(ledger_entry::Column::AccountId)
        // PostgreSQL sums BIGINT into NUMERIC; cast back so both databases give an i64.
        .column_as(Expr::cust("CAST(SUM(amount_minor) AS BIGINT)"), "total")
        .column_as(
            Expr::cust(format!(
                "CAST(SUM(CASE WHEN origin = '{}' THEN amount_minor ELSE 0 END) AS BIGINT)",
                EntryOrigin::Creditor.as_str()
            )),
            "creditor",
        )
        .filter(ledger_entry::Column::AccountId.is_in(found.iter().map(|(id, _, _)| *id)))
        .group_by(ledger_entry::Column::AccountId)
        .into_tuple()
        .all(conn)
        .await?;
    let sums: HashMap<i32, (i64, i64)> = sums
        .into_iter()
        .map(|(id, total, creditor)| (id, (total, creditor)))
        .collect();
    Ok(found
        .into_iter()
        .map(|(id, reference, currency)| {
            let (total_minor, creditor_minor) = sums.get(&id).copied().unwrap_or_default();
            let kept = ExistingAccount {
                id,
                currency,
                total_minor,
                creditor_minor,
            };
            (reference, kept)
        })
        .collect())
}

fn stored_chunks(
    accounts: Vec<ImportAccount>,
    hasher: &KeyedHasher,
) -> Result<Vec<String>, serde_json::Error> {
    let mut chunks = Vec::with_capacity(accounts.len().div_ceil(BATCH));
    let mut batch = Vec::with_capacity(BATCH);
    for account in accounts {
        batch.push(StoredAccount::from_checked(account, hasher));
        if batch.len() == BATCH {
            chunks.push(serde_json::to_string(&batch)?);
            batch.clear();
        }
    }
    if !batch.is_empty() {
        chunks.push(serde_json::to_string(&batch)?);
    }
    Ok(chunks)
}

/// One row per chunk, each freed once written.
async fn save_chunks<C: ConnectionTrait>(
    txn: &C,
    import_id: i32,
    chunks: Vec<String>,
) -> Result<(), DbErr> {
    for (seq, payload) in (0_i32..).zip(chunks) {
        let chunk = import_chunk::ActiveModel {
            import_id: Set(import_id),
            seq: Set(seq),
            payload: Set(payload),
            ..Default::default()
        };
        // Without RETURNING: reading the payload back would only copy it again.
        import_chunk::Entity::insert(chunk)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// One import, only if it belongs to this creditor.
pub async fn find<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
    id: i32,
) -> Result<Option<ImportView>, DbErr> {
    let row = import_row::Entity::find_by_id(id)
        .filter(import_row::Column::CreditorId.eq(creditor_id))
        .one(conn)
        .await?;
    Ok(row.map(ImportView::from_model))
}

/// The creditor's latest imports, newest first.
pub async fn recent<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
    limit: u64,
) -> Result<Vec<ImportView>, DbErr> {
    let rows = import_row::Entity::find()
        .select_only()
        .columns([
            import_row::Column::Id,
            import_row::Column::CreditorId,
            import_row::Column::StaffUserId,
            import_row::Column::FileName,
            import_row::Column::Status,
            import_row::Column::OnlyValid,
            import_row::Column::TotalRows,
            import_row::Column::InvalidRows,
            import_row::Column::TotalAccounts,
            import_row::Column::ValidAccounts,
            import_row::Column::ProblemCount,
            import_row::Column::Processed,
            import_row::Column::Created,
            import_row::Column::Adjusted,
            import_row::Column::Unchanged,
            import_row::Column::Skipped,
            import_row::Column::Error,
            import_row::Column::CreatedAt,
            import_row::Column::StartedAt,
            import_row::Column::FinishedAt,
        ])
        // Neither the problems, the preview nor the payload are needed for a list.
        .column_as(Expr::value("[]"), "problems")
        .column_as(Expr::cust("NULL"), "preview")
        .column_as(Expr::cust("NULL"), "payload")
        .filter(import_row::Column::CreditorId.eq(creditor_id))
        .order_by_desc(import_row::Column::Id)
        .limit(limit)
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(ImportView::from_model).collect())
}

/// Why an import could not be started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartRefused {
    NotFound,
    /// Some rows have problems and the person did not choose "only the valid rows".
    HasProblems,
    NothingToImport,
    /// Already started (a second click, or another tab).
    AlreadyStarted,
}

/// Queues a checked import. The caller then runs [`run`] in the background.
pub async fn start(
    db: &DatabaseConnection,
    who: Importer,
    id: i32,
    only_valid: bool,
    now: DateTime<Utc>,
) -> Result<Result<(), StartRefused>, ImportError> {
    let Some(found) = find(db, who.creditor_id, id).await? else {
        return Ok(Err(StartRefused::NotFound));
    };
    if found.status != ImportStatus::Checked {
        return Ok(Err(StartRefused::AlreadyStarted));
    }
    if found.valid_accounts == 0 {
        return Ok(Err(StartRefused::NothingToImport));
    }
    if !found.is_clean() && !only_valid {
        return Ok(Err(StartRefused::HasProblems));
    }
    let txn = begin_write(db).await?;
    // Only one click wins: the update only matches while the import is still "checked".
    let claimed = import_row::Entity::update_many()
        .col_expr(
            import_row::Column::Status,
            Expr::value(ImportStatus::Queued),
        )
        .col_expr(import_row::Column::OnlyValid, Expr::value(only_valid))
        .filter(import_row::Column::Id.eq(id))
        .filter(import_row::Column::CreditorId.eq(who.creditor_id))
        .filter(import_row::Column::Status.eq(ImportStatus::Checked))
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Ok(Err(StartRefused::AlreadyStarted));
    }
    audit::record(
        &txn,
        AuditEvent {
            actor: Actor::Staff(who.staff_id),
            creditor_id: Some(who.creditor_id),
            action: "import.started",
            subject_kind: "import",
            subject_id: Some(id),
            detail: if only_valid {
                "only_valid=true"
            } else {
                "only_valid=false"
            },
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(()))
}

/// Runs a queued import to the end. Safe to call twice: only one caller claims it. Progress
/// is written to the imports table after each batch; the pages read it from there.
pub async fn run(
    db: &DatabaseConnection,
    id: i32,
    now: DateTime<Utc>,
) -> Result<Option<Summary>, ImportError> {
    let claimed = import_row::Entity::update_many()
        .col_expr(
            import_row::Column::Status,
            Expr::value(ImportStatus::Running),
        )
        .col_expr(import_row::Column::StartedAt, Expr::value(now))
        .filter(import_row::Column::Id.eq(id))
        .filter(import_row::Column::Status.eq(ImportStatus::Queued))
        .exec(db)
        .await?;
    if claimed.rows_affected != 1 {
        return Ok(None);
    }
    match run_claimed(db, id, now).await {
        Ok(summary) => Ok(Some(summary)),
        Err(err) => {
            tracing::warn!(error = %err, import_id = id, "import failed");
            import_row::Entity::update_many()
                .col_expr(import_row::Column::Status, Expr::value(ImportStatus::Failed))
                .col_expr(
                    import_row::Column::Error,
                    Expr::value("The import stopped because of a problem on our side. Accounts imported so far are kept; importing the same file again finishes the rest without changing them."),
                )
                .col_expr(import_row::Column::FinishedAt, Expr::value(Utc::now()))
                .filter(import_row::Column::Id.eq(id))
                .exec(db)
                .await?;
            Err(err)
        }
    }
}

async fn run_claimed(
    db: &DatabaseConnection,
    id: i32,
    now: DateTime<Utc>,
) -> Result<Summary, ImportError> {
    let row = import_row::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DbErr::RecordNotFound("import".into()))?;
    let mut progress = Progress {
        import_id: id,
        creditor_id: row.creditor_id,
        now,
        processed: 0,
        summary: Summary::default(),
    };
    // Imports checked before chunks existed keep all their accounts in one value.
    if let Some(payload) = row.payload.as_deref() {
        let accounts: Vec<StoredAccount> = serde_json::from_str(payload)?;
        for batch in accounts.chunks(BATCH) {
            progress.import_batch(db, batch).await?;
        }
    }
    for chunk_id in chunk_ids(db, id).await? {
        let batch = load_chunk(db, chunk_id).await?;
        progress.import_batch(db, &batch).await?;
    }
    let summary = progress.summary;
    let txn = begin_write(db).await?;
    import_row::Entity::update_many()
        .col_expr(import_row::Column::Status, Expr::value(ImportStatus::Done))
        .col_expr(import_row::Column::Payload, Expr::cust("NULL"))
        .col_expr(import_row::Column::FinishedAt, Expr::value(Utc::now()))
        .filter(import_row::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    import_chunk::Entity::delete_many()
        .filter(import_chunk::Column::ImportId.eq(id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        AuditEvent {
            actor: Actor::Staff(row.staff_user_id),
            creditor_id: Some(row.creditor_id),
            action: "import.finished",
            subject_kind: "import",
            subject_id: Some(id),
            detail: &format!(
                "created={} adjusted={} unchanged={} skipped={}",
                summary.created, summary.adjusted, summary.unchanged, summary.skipped
            ),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(summary)
}

/// The import's chunks in file order; only their ids, so one chunk is in memory at a time.
async fn chunk_ids<C: ConnectionTrait>(conn: &C, import_id: i32) -> Result<Vec<i32>, DbErr> {
    import_chunk::Entity::find()
        .select_only()
        .column(import_chunk::Column::Id)
        .filter(import_chunk::Column::ImportId.eq(import_id))
        .order_by_asc(import_chunk::Column::Seq)
        .into_tuple()
        .all(conn)
        .await
}

async fn load_chunk<C: ConnectionTrait>(
    conn: &C,
    chunk_id: i32,
) -> Result<Vec<StoredAccount>, ImportError> {
    let chunk = import_chunk::Entity::find_by_id(chunk_id)
        .one(conn)
        .await?
        .ok_or(DbErr::RecordNotFound("import chunk".into()))?;
    Ok(serde_json::from_str(&chunk.payload)?)
}

/// A running import's counters, written to its row after every batch.
struct Progress {
    import_id: i32,
    creditor_id: i32,
    now: DateTime<Utc>,
    processed: i64,
    summary: Summary,
}

impl Progress {
    /// One batch and the new counters in one write transaction, so the progress shown
    /// always matches what is committed.
    async fn import_batch(
        &mut self,
        db: &DatabaseConnection,
        batch: &[StoredAccount],
    ) -> Result<(), ImportError> {
        let import_date = self.now.date_naive();
        let txn = begin_write(db).await?;
        let counts = import_batch(&txn, self.creditor_id, batch, import_date, self.now).await?;
        let summary = &mut self.summary;
        summary.created += counts.created;
        summary.adjusted += counts.adjusted;
        summary.unchanged += counts.unchanged;
        summary.skipped += counts.skipped;
        self.processed += batch.len() as i64;
        import_row::Entity::update_many()
            .col_expr(import_row::Column::Processed, Expr::value(self.processed))
            .col_expr(import_row::Column::Created, Expr::value(summary.created))
            .col_expr(import_row::Column::Adjusted, Expr::value(summary.adjusted))
            .col_expr(
                import_row::Column::Unchanged,
                Expr::value(summary.unchanged),
            )
            .col_expr(import_row::Column::Skipped, Expr::value(summary.skipped))
            .filter(import_row::Column::Id.eq(self.import_id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        // Let page requests in between batches.
        tokio::task::yield_now().await;
        Ok(())
    }
}

/// Imports one batch inside the caller's write transaction, with a fixed number of
/// statements whatever the batch size: one lookup of existing references, one grouped sum of
/// their ledgers, the people and debtor rows of new accounts, then multi-row inserts of
/// debtors, accounts and ledger entries.
async fn import_batch<C: ConnectionTrait>(
    txn: &C,
    creditor_id: i32,
    batch: &[StoredAccount],
    import_date: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Summary, ImportError> {
    let mut counts = Summary::default();
    let references: Vec<&str> = batch.iter().map(|a| a.r.as_str()).collect();
    let existing = existing_accounts(txn, creditor_id, references, Lock::UntilCommit).await?;
    let existing_ids: Vec<i32> = existing.values().map(|a| a.id).collect();
    // During a breathing space no fee or interest is added: an increase waits for the next
    // import after it ends (the file's balance is compared with the ledger again then).
    let paused = breathing_space::in_force_on(txn, &existing_ids, now).await?;
    let mut held_back = Vec::new();

    let description = format!(
        "Balance updated by the account import of {}",
        import_date.format("%-d %B %Y")
    );
    let mut adjustments = Vec::new();
    let mut new_accounts = Vec::new();
    for stored in batch {
        let Some(kept) = existing.get(&stored.r) else {
            new_accounts.push(stored);
            continue;
        };
        let difference = match kept.reconcile(stored.balance_minor(), &stored.c) {
            Reconciliation::OtherCurrency => {
                counts.skipped += 1;
                continue;
            }
            Reconciliation::Unchanged => {
                counts.unchanged += 1;
                continue;
            }
            Reconciliation::Change(difference)
                if difference > 0 && paused.contains_key(&kept.id) =>
            {
                held_back.push(kept.id);
                counts.unchanged += 1;
                continue;
            }
            Reconciliation::Change(difference) => difference,
        };
        let Ok(currency) = Currency::parse(&stored.c) else {
            counts.skipped += 1;
            continue;
        };
        adjustments.push(NewEntry {
            account_id: kept.id,
            kind: EntryKind::Adjustment,
            amount: Money::from_minor(difference, currency),
            description: &description,
            reason: None,
            occurred_on: import_date,
        });
        counts.adjusted += 1;
    }
    ledger::append_many(txn, &adjustments, EntryOrigin::Creditor, now).await?;
    for account_id in held_back {
        record_held_back(txn, creditor_id, account_id, now).await?;
    }
    counts.created = create_accounts(txn, creditor_id, &new_accounts, now).await?;
    Ok(counts)
}

/// An increase left out because of a breathing space, in the audit log (ids only) so staff
/// can see why the balance did not follow the file.
async fn record_held_back<C: ConnectionTrait>(
    txn: &C,
    creditor_id: i32,
    account_id: i32,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    audit::record(
        txn,
        AuditEvent {
            actor: Actor::System,
            creditor_id: Some(creditor_id),
            action: "import.increase_held_for_breathing_space",
            subject_kind: "account",
            subject_id: Some(account_id),
            detail: "",
        },
        now,
    )
    .await
}

/// New references: an account and its items each, held by the creditor's debtor row for the
/// account's person (added when the creditor has none yet).
async fn create_accounts<C: ConnectionTrait>(
    txn: &C,
    creditor_id: i32,
    accounts: &[&StoredAccount],
    now: DateTime<Utc>,
) -> Result<i64, ImportError> {
    if accounts.is_empty() {
        return Ok(0);
    }
    let holders = debtor_rows_for(txn, creditor_id, accounts, now).await?;
    let mut rows = Vec::with_capacity(accounts.len());
    for a in accounts {
        let debtor_id = *holders.get(&a.identity()).ok_or(DbErr::RecordNotInserted)?;
        rows.push(account::ActiveModel {
            creditor_id: Set(creditor_id),
            debtor_id: Set(debtor_id),
            reference: Set(a.r.clone()),
            description: Set(account_description(a)),
            currency: Set(a.c.clone()),
            created_at: Set(now),
            ..Default::default()
        });
    }
    let created = account::Entity::insert_many(rows)
        .exec_with_returning(txn)
        .await?;
    let account_ids: HashMap<&str, i32> = created
        .iter()
        .map(|a| (a.reference.as_str(), a.id))
        .collect();

    let mut entries = Vec::new();
    for a in accounts {
        let account_id = *account_ids
            .get(a.r.as_str())
            .ok_or(DbErr::RecordNotInserted)?;
        let currency = Currency::parse(&a.c).map_err(LedgerError::from)?;
        for item in &a.i {
            let kind = EntryKind::parse(&item.k).unwrap_or(EntryKind::Adjustment);
            entries.push(NewEntry {
                account_id,
                kind,
                amount: Money::from_minor(item.a, currency),
                description: &item.t,
                // Fees and interest need a reason a person can read: the file's description.
                reason: kind.needs_reason().then_some(item.t.as_str()),
                occurred_on: item.d,
            });
        }
    }
    ledger::append_many(txn, &entries, EntryOrigin::Creditor, now).await?;
    Ok(created.len() as i64)
}

/// The creditor's debtor row for each person among these accounts, by identity: the row the
/// creditor already has for that person, or a new one linked to them. A person with several
/// accounts in one file gets one row.
async fn debtor_rows_for<C: ConnectionTrait>(
    txn: &C,
    creditor_id: i32,
    accounts: &[&StoredAccount],
    now: DateTime<Utc>,
) -> Result<HashMap<people::Identity, i32>, ImportError> {
    let identities: Vec<people::Identity> = accounts.iter().map(|a| a.identity()).collect();
    let person_ids = people::ensure_people(txn, &identities, now).await?;
    let mut held =
        people::debtor_rows_at(txn, creditor_id, person_ids.values().copied().collect()).await?;
    let mut missing = Vec::new();
    let mut adding = std::collections::HashSet::new();
    for a in accounts {
        let person_id = *person_ids
            .get(&a.identity())
            .ok_or(DbErr::RecordNotInserted)?;
        if !held.contains_key(&person_id) && adding.insert(person_id) {
            missing.push((person_id, *a));
        }
    }
    let rows = missing.iter().map(|(person_id, a)| debtor::ActiveModel {
        creditor_id: Set(creditor_id),
        person_id: Set(Some(*person_id)),
        full_name: Set(a.n.clone()),
        email: Set(a.e.clone()),
        dob_hash: Set(a.h.clone()),
        time_zone: Set(a.z.clone()),
        created_at: Set(now),
        ..Default::default()
    });
    if !missing.is_empty() {
        // One new row per person, so the person id tells the returned rows apart.
        for row in debtor::Entity::insert_many(rows)
            .exec_with_returning(txn)
            .await?
        {
            if let Some(person_id) = row.person_id {
                held.insert(person_id, row.id);
            }
        }
    }
    person_ids
        .into_iter()
        .map(|(identity, person_id)| {
            let debtor_id = held
                .get(&person_id)
                .copied()
                .ok_or(DbErr::RecordNotInserted)?;
            Ok::<_, ImportError>((identity, debtor_id))
        })
        .collect()
}

/// What the debt is for: the description of the account's first principal item, or of its
/// first item.
fn account_description(a: &StoredAccount) -> String {
    a.i.iter()
        .find(|i| i.k == EntryKind::Principal.as_str())
        .or_else(|| a.i.first())
        .map(|i| i.t.clone())
        .unwrap_or_default()
}
