//! Scheduled work: sending queued email, automatic payments, payment reconciliation, the plan
//! lifecycle pass (missed, broken, completed, ended), housekeeping and reminders. It runs inside `serve`
//! (unless `--no-jobs`) or alone in `goodterms worker`. Each task is also callable directly
//! (tests drive them with a fixed clock).
pub mod import;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::email::mailer::Mailer;
use crate::email::outbox;
use crate::meters;
use crate::providers::PaymentProvider;
use crate::services::access::sessions;
use crate::services::access::throttle;
use crate::services::autopay::charges;
use crate::services::care::breathing_space;
use crate::services::contact::reminders;
use crate::services::payments;
use crate::services::plans::lifecycle;

const OUTBOX_EVERY: Duration = Duration::from_secs(5);
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(600);
/// Pending payments are checked with the provider this often (those older than 5 minutes).
const RECONCILE_EVERY: Duration = Duration::from_secs(120);
const OUTBOX_BATCH: u64 = 50;
/// Reminders and charges are due by the day; hourly keeps a late start from losing a day.
const AUTOPAY_EVERY: Duration = Duration::from_secs(3600);
/// Reminders are due by the day and planned for 10:00 local time; hourly is plenty.
const REMINDERS_EVERY: Duration = Duration::from_secs(3600);

/// Everything the scheduled passes need.
pub struct Jobs {
    pub db: DatabaseConnection,
    pub mailer: Mailer,
    pub from: String,
    pub provider: PaymentProvider,
    pub base_url: String,
    /// Signs the unsubscribe links in reminders.
    pub hasher: crate::crypto::KeyedHasher,
}

/// One kind of scheduled work, repeated on its own interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pass {
    Outbox,
    Autopay,
    Reconcile,
    Housekeeping,
    Reminders,
}

/// In this order in `run_once`: reminders come after housekeeping, whose plan lifecycle
/// pass marks the missed installments and broken or completed plans they tell people about.
const PASSES: [Pass; 5] = [
    Pass::Outbox,
    Pass::Autopay,
    Pass::Reconcile,
    Pass::Housekeeping,
    Pass::Reminders,
];

impl Pass {
    /// The `job` label of its metrics.
    fn name(self) -> &'static str {
        match self {
            Pass::Outbox => "outbox",
            Pass::Autopay => "autopay",
            Pass::Reconcile => "reconcile",
            Pass::Housekeeping => "housekeeping",
            Pass::Reminders => "reminders",
        }
    }

    fn every(self) -> Duration {
        match self {
            Pass::Outbox => OUTBOX_EVERY,
            Pass::Autopay => AUTOPAY_EVERY,
            Pass::Reconcile => RECONCILE_EVERY,
            Pass::Housekeeping => HOUSEKEEPING_EVERY,
            Pass::Reminders => REMINDERS_EVERY,
        }
    }
}

impl Jobs {
    /// Runs every pass once (each is due when a worker starts); false when any failed.
    pub async fn run_once(&self, now: DateTime<Utc>) -> bool {
        let mut all_ok = true;
        for pass in PASSES {
            all_ok &= self.run(pass, now, &|| true).await;
        }
        if let Err(error) = outbox::release_own_claims(&self.db).await {
            tracing::warn!(error = %error, "releasing outbox claims failed");
            all_ok = false;
        }
        all_ok
    }

    /// Runs each pass on its interval until `Running::stop`.
    pub fn start(self) -> Running {
        let jobs = Arc::new(self);
        let (stop, stopped) = watch::channel(false);
        let mut tasks = JoinSet::new();
        for pass in PASSES {
            tasks.spawn(repeat(jobs.clone(), pass, stopped.clone()));
        }
        Running { jobs, stop, tasks }
    }

    /// One pass, timed for the metrics; false when it failed (the failure is logged).
    async fn run(
        &self,
        pass: Pass,
        now: DateTime<Utc>,
        keep_going: &(dyn Fn() -> bool + Sync),
    ) -> bool {
        let started = std::time::Instant::now();
        let succeeded = self.run_pass(pass, now, keep_going).await;
        meters::job_pass(pass.name(), started.elapsed(), succeeded);
        succeeded
    }

    /// The outbox pass stops taking new messages once `keep_going` says no.
    async fn run_pass(
        &self,
        pass: Pass,
        now: DateTime<Utc>,
        keep_going: &(dyn Fn() -> bool + Sync),
    ) -> bool {
        match pass {
            Pass::Outbox => self.outbox_pass(now, keep_going).await,
            Pass::Autopay => autopay_pass(&self.db, &self.provider, &self.base_url, now).await,
            Pass::Reconcile => reconcile_pass(&self.db, &self.provider, &self.base_url, now).await,
            Pass::Housekeeping => housekeeping(&self.db, now).await,
            Pass::Reminders => self.reminders_pass(now).await,
        }
    }

    /// Queues the reminders that have come due (the outbox pass sends them).
    pub async fn reminders_pass(&self, now: DateTime<Utc>) -> bool {
        let notices = breathing_space::send_ending_notices(&self.db, &self.base_url, now).await;
        if let Err(error) = &notices {
            tracing::warn!(error = %error, "breathing space notices failed");
        }
        notices.is_ok() && self.due_reminders(now).await
    }

    async fn due_reminders(&self, now: DateTime<Utc>) -> bool {
        match reminders::run(&self.db, &self.hasher, &self.base_url, now).await {
            Ok(report) if report.queued() + report.skipped > 0 => {
                tracing::info!(?report, "reminders pass");
                true
            }
            Ok(_) => true,
            Err(error) => {
                tracing::warn!(error = %error, "reminders pass failed");
                false
            }
        }
    }

    async fn outbox_pass(
        &self,
        now: DateTime<Utc>,
        keep_going: &(dyn Fn() -> bool + Sync),
    ) -> bool {
        let db = &self.db;
        match outbox::deliver_due_while(db, &self.mailer, &self.from, now, OUTBOX_BATCH, keep_going)
            .await
        {
            Ok(_) => true,
            Err(error) => {
                tracing::warn!(error = %error, "outbox pass failed");
                false
            }
        }
    }
}

/// Scheduled work in progress.
pub struct Running {
    jobs: Arc<Jobs>,
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
}

impl Running {
    /// Lets each pass in progress finish (the outbox pass takes no new message), then gives
    /// back any outbox claim this process still holds so another worker can send it at once.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        while self.tasks.join_next().await.is_some() {}
        match outbox::release_own_claims(&self.jobs.db).await {
            Ok(0) => {}
            Ok(released) => tracing::info!(released, "outbox claims released"),
            Err(error) => tracing::warn!(error = %error, "releasing outbox claims failed"),
        }
    }
}

async fn repeat(jobs: Arc<Jobs>, pass: Pass, mut stopped: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(pass.every());
    loop {
        tokio::select! {
            // Stopping wins over a tick that is due at the same moment.
            biased;
            // Also ends the loop when the sender is gone.
            _ = stopped.changed() => break,
            _ = tick.tick() => {}
        }
        let keep_going = || !*stopped.borrow();
        jobs.run(pass, Utc::now(), &keep_going).await;
    }
}

async fn autopay_pass(
    db: &DatabaseConnection,
    provider: &PaymentProvider,
    base_url: &str,
    now: DateTime<Utc>,
) -> bool {
    match charges::run(db, provider, base_url, now).await {
        Ok(report) if report.reminders + report.charges + report.pay_by_hand > 0 => {
            tracing::info!(?report, "automatic payments pass");
            true
        }
        Ok(_) => true,
        Err(error) => {
            tracing::warn!(error = %error, "automatic payments pass failed");
            false
        }
    }
}

async fn reconcile_pass(
    db: &DatabaseConnection,
    provider: &PaymentProvider,
    base_url: &str,
    now: DateTime<Utc>,
) -> bool {
    match payments::reconcile::reconcile(db, provider, base_url, now).await {
        Ok(report) if report.failed > 0 => {
            tracing::warn!(?report, "payment reconciliation skipped some payments");
            true
        }
        Ok(_) => true,
        Err(error) => {
            tracing::warn!(error = %error, "payment reconciliation failed");
            false
        }
    }
}

async fn housekeeping(db: &DatabaseConnection, now: DateTime<Utc>) -> bool {
    let mut all_ok = true;
    match lifecycle::run(db, now).await {
        Ok(report) if report != Default::default() => {
            tracing::info!(?report, "plan lifecycle pass");
        }
        Ok(_) => {}
        Err(error) => {
            tracing::warn!(error = %error, "plan lifecycle pass failed");
            all_ok = false;
        }
    }
    if let Err(error) = sessions::delete_expired(db, now).await {
        tracing::warn!(error = %error, "expired session clean-up failed");
        all_ok = false;
    }
    if let Err(error) = throttle::delete_old(db, now).await {
        tracing::warn!(error = %error, "sign-in attempt clean-up failed");
        all_ok = false;
    }
    all_ok
}
