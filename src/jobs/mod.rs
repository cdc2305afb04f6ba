//! Scheduled work that runs inside `serve`: sending queued email, the plan lifecycle pass
//! (missed, broken, completed, ended) and housekeeping. Each task
//! is also callable directly (tests drive them with a fixed clock).
pub mod import;

use std::time::Duration;

use chrono::Utc;
use sea_orm::DatabaseConnection;

use crate::email::mailer::Mailer;
use crate::email::outbox;
use crate::providers::PaymentProvider;
use crate::services::access::sessions;
use crate::services::access::throttle;
use crate::services::autopay::charges;
use crate::services::payments;
use crate::services::plans::lifecycle;

const OUTBOX_EVERY: Duration = Duration::from_secs(5);
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(600);
/// Pending payments are checked with the provider this often (those older than 5 minutes).
const RECONCILE_EVERY: Duration = Duration::from_secs(120);
const OUTBOX_BATCH: u64 = 50;
/// Reminders and charges are due by the day; hourly keeps a late start from losing a day.
const AUTOPAY_EVERY: Duration = Duration::from_secs(3600);

pub fn spawn(
    db: DatabaseConnection,
    mailer: Mailer,
    from: String,
    provider: PaymentProvider,
    base_url: String,
) {
    let outbox_db = db.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(OUTBOX_EVERY);
        loop {
            tick.tick().await;
            if let Err(error) =
                outbox::deliver_due(&outbox_db, &mailer, &from, Utc::now(), OUTBOX_BATCH).await
            {
                tracing::warn!(error = %error, "outbox pass failed");
            }
        }
    });
    let autopay_db = db.clone();
    let autopay_provider = provider.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(AUTOPAY_EVERY);
        loop {
            tick.tick().await;
            autopay_pass(&autopay_db, &autopay_provider, &base_url).await;
        }
    });
    let payments_db = db.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(RECONCILE_EVERY);
        loop {
            tick.tick().await;
            match payments::reconcile::reconcile(&payments_db, &provider, Utc::now()).await {
                Ok(report) if report.failed > 0 => {
                    tracing::warn!(?report, "payment reconciliation skipped some payments");
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(error = %error, "payment reconciliation failed"),
            }
        }
    });
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(HOUSEKEEPING_EVERY);
        loop {
            tick.tick().await;
            housekeeping(&db).await;
        }
    });
}

async fn autopay_pass(db: &DatabaseConnection, provider: &PaymentProvider, base_url: &str) {
    match charges::run(db, provider, base_url, Utc::now()).await {
        Ok(report) if report.reminders + report.charges + report.pay_by_hand > 0 => {
            tracing::info!(?report, "automatic payments pass");
        }
        Ok(_) => {}
        Err(error) => tracing::warn!(error = %error, "automatic payments pass failed"),
    }
}

async fn housekeeping(db: &DatabaseConnection) {
    let now = Utc::now();
    match lifecycle::run(db, now).await {
        Ok(report) if report != Default::default() => {
            tracing::info!(?report, "plan lifecycle pass");
        }
        Ok(_) => {}
        Err(error) => tracing::warn!(error = %error, "plan lifecycle pass failed"),
    }
    if let Err(error) = sessions::delete_expired(db, now).await {
        tracing::warn!(error = %error, "expired session clean-up failed");
    }
    if let Err(error) = throttle::delete_old(db, now).await {
        tracing::warn!(error = %error, "sign-in attempt clean-up failed");
    }
}
