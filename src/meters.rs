//! What an operator can measure: one Prometheus recorder for the process, and one small
//! function per thing we count, so callers never spell a metric name or label themselves.
//!
//! The recorder is process-global (the `metrics` facade allows one), so it is installed once,
//! whichever instance asks first; many applications in one process (tests) share it. Until it
//! is installed every function here costs next to nothing: the facade's no-op recorder.
//!
//! Labels are always from small closed sets (route patterns, outcomes, job names) and never
//! carry ids, addresses, tokens or anything a person typed.
use std::collections::HashSet;
use std::sync::{LazyLock, OnceLock, RwLock};
use std::time::Duration;

use metrics::{Label, counter, gauge, histogram};
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};

pub const HTTP_REQUESTS: &str = "goodterms_http_requests_total";
pub const HTTP_DURATION: &str = "goodterms_http_request_duration_seconds";
pub const DB_STATEMENTS: &str = "goodterms_db_statements_total";
pub const DB_DURATION: &str = "goodterms_db_statement_duration_seconds";
pub const OUTBOX_DELIVERIES: &str = "goodterms_outbox_deliveries_total";
pub const OUTBOX_BACKLOG: &str = "goodterms_outbox_backlog_messages";
pub const JOB_DURATION: &str = "goodterms_job_pass_duration_seconds";
pub const JOB_FAILURES: &str = "goodterms_job_pass_failures_total";
pub const PAYMENT_EVENTS: &str = "goodterms_payment_events_total";
pub const SESSION_LOADS: &str = "goodterms_session_loads_total";
pub const SESSION_WRITES: &str = "goodterms_session_writes_total";

/// Requests: from a cached static file (about a millisecond) to a timed-out one.
const HTTP_BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Statements: most take well under a millisecond; the statement timeout is 30 s.
const DB_BUCKETS: [f64; 14] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0, 30.0,
];
/// Job passes: an idle outbox pass takes milliseconds; a scheduler pass over a million
/// accounts is budgeted at a minute.
const JOB_BUCKETS: [f64; 11] = [
    0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
];
/// Histograms keep their samples until drained; rendering drains them too, but a process that
/// is never scraped must not grow.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    #[error("the metrics recorder could not be built or installed")]
    Build(#[from] BuildError),
    #[error("the metrics upkeep thread could not start")]
    Upkeep(#[from] std::io::Error),
    /// An earlier attempt failed; the recorder is installed at most once.
    #[error("the metrics recorder could not be installed: {0}")]
    Earlier(String),
}

static HANDLE: OnceLock<Result<PrometheusHandle, String>> = OnceLock::new();

/// Installs the process's recorder on first call; later calls return the same handle.
pub fn install() -> Result<PrometheusHandle, MetricsError> {
    HANDLE
        .get_or_init(|| install_global().map_err(|e| e.to_string()))
        .clone()
        .map_err(MetricsError::Earlier)
}

/// Whether a recorder is collecting: work done only to feed a metric (a count query) is
/// skipped otherwise.
pub fn enabled() -> bool {
    HANDLE.get().is_some_and(Result::is_ok)
}

fn install_global() -> Result<PrometheusHandle, MetricsError> {
    let recorder = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), &HTTP_BUCKETS)?
        .set_buckets_for_metric(Matcher::Full(DB_DURATION.into()), &DB_BUCKETS)?
        .set_buckets_for_metric(Matcher::Full(JOB_DURATION.into()), &JOB_BUCKETS)?
        .build_recorder();
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder).map_err(BuildError::from)?;
    let upkeep = handle.clone();
    // A thread, not a task: the recorder outlives any one runtime (tests start many).
    std::thread::Builder::new()
        .name("metrics-upkeep".into())
        .spawn(move || {
            loop {
                std::thread::sleep(UPKEEP_EVERY);
                upkeep.run_upkeep();
            }
        })?;
    Ok(handle)
}

/// One HTTP request. `route` is the matched pattern (`/account/{id}`), never the path;
/// `status` the code, "200".
pub fn http_request(route: &str, method: &'static str, status: &str, elapsed: Duration) {
    let labels = vec![
        Label::from_static_parts("route", intern(route)),
        Label::from_static_parts("method", method),
        Label::from_static_parts("status", intern(status)),
    ];
    counter!(HTTP_REQUESTS, labels.clone()).increment(1);
    histogram!(HTTP_DURATION, labels).record(elapsed);
}

/// One database statement, as the pool's metric callback reports it.
/// Every page runs a few statements, so the labels are literals: keys built at compile time.
pub fn db_statement(elapsed: Duration, failed: bool) {
    let statements = if failed {
        counter!(DB_STATEMENTS, "outcome" => "error")
    } else {
        counter!(DB_STATEMENTS, "outcome" => "ok")
    };
    statements.increment(1);
    histogram!(DB_DURATION).record(elapsed);
}

/// Messages an outbox pass dealt with, by what became of them (`sent`, `retry_later`, ...).
pub fn outbox_deliveries(outcome: &'static str, count: usize) {
    counter!(OUTBOX_DELIVERIES, "outcome" => outcome).increment(count as u64);
}

/// Messages waiting to be sent (pending, due or not yet).
pub fn outbox_backlog(waiting: u64) {
    gauge!(OUTBOX_BACKLOG).set(waiting as f64);
}

/// One pass of scheduled work, by its name (`outbox`, `reminders`, ...).
pub fn job_pass(job: &'static str, elapsed: Duration, succeeded: bool) {
    histogram!(JOB_DURATION, "job" => job).record(elapsed);
    if !succeeded {
        counter!(JOB_FAILURES, "job" => job).increment(1);
    }
}

/// What processing one payment event (webhook, return from checkout, reconciliation, staff
/// record) did and committed: `applied`, `already_done` (a redelivery), `failed`,
/// `refunded`, ... An event that could not be processed is not counted here: its request
/// answers 5xx (and Stripe redelivers it) or its job pass counts as failed.
pub fn payment_event(outcome: &'static str) {
    counter!(PAYMENT_EVENTS, "outcome" => outcome).increment(1);
}

/// A session read from the store (every request that carries a session cookie).
pub fn session_load() {
    counter!(SESSION_LOADS).increment(1);
}

/// What a session write did to the store.
#[derive(Clone, Copy, Debug)]
pub enum SessionWrite {
    Create,
    Update,
    /// The idle timeout pushed back (at most once a minute per session).
    Extend,
    Delete,
}

pub fn session_write(kind: SessionWrite) {
    let writes = match kind {
        SessionWrite::Create => counter!(SESSION_WRITES, "kind" => "create"),
        SessionWrite::Update => counter!(SESSION_WRITES, "kind" => "update"),
        SessionWrite::Extend => counter!(SESSION_WRITES, "kind" => "extend"),
        SessionWrite::Delete => counter!(SESSION_WRITES, "kind" => "delete"),
    };
    writes.increment(1);
}

/// Label values that are not known at compile time but come from a small closed set (route
/// patterns, status codes), kept once for the life of the process, so recording a request
/// allocates no label string after the first request of its kind.
fn intern(value: &str) -> &'static str {
    static INTERNED: LazyLock<RwLock<HashSet<&'static str>>> = LazyLock::new(RwLock::default);
    if let Ok(known) = INTERNED.read()
        && let Some(found) = known.get(value)
    {
        return found;
    }
    let Ok(mut known) = INTERNED.write() else {
        return "unknown";
    };
    if let Some(found) = known.get(value) {
        return found;
    }
    let kept: &'static str = Box::leak(value.to_owned().into_boxed_str());
    known.insert(kept);
    kept
}
