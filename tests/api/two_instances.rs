//! Two instances of the app on one PostgreSQL database and one Redis session store, as behind
//! a load balancer: a session started on one works on the other and ends on both at once, and
//! the scheduled work both run sends each queued email exactly once. Those need both servers,
//! so they run in `.ci/run`'s Redis step (`TEST_DATABASE_URL` and `TEST_REDIS_URL` set; the
//! names contain "redis"); elsewhere they say why and pass.
//!
//! Two workers' passes at the same moment, on any database: each plan change recorded and
//! each reminder queued once.
use std::time::Duration;

use chrono::Utc;
use goodterms::domain::outbox::OutboxStatus;
use goodterms::email::outbox;
use goodterms::entities::{audit_log, outbox_message, session};
use goodterms::startup;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::{TestApp, assert_redirect, spawn_app, spawn_app_with};
use crate::outbox_claims::{address, assert_each_got_one, note};
use crate::smtp::SmtpSink;

const EMAILS: usize = 20;
/// Slow enough that both instances' outbox passes are sending at the same time.
const SEND_TAKES: Duration = Duration::from_millis(200);
/// Several outbox intervals (5 s each): every email has had its chance to go twice.
const DELIVERY_WITHIN: Duration = Duration::from_secs(60);

/// The Redis URL, when PostgreSQL and Redis are both configured for tests.
fn redis_with_postgres() -> Option<String> {
    let set = |name| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    match (set("TEST_DATABASE_URL"), set("TEST_REDIS_URL")) {
        (Some(_), Some(redis)) => Some(redis),
        _ => {
            eprintln!(
                "TEST_DATABASE_URL and TEST_REDIS_URL are not both set: the two-instance tests run in .ci/run's Redis step"
            );
            None
        }
    }
}

async fn sessions_in_the_database(app: &TestApp) -> u64 {
    session::Entity::find().count(&app.db).await.unwrap()
}

async fn sign_out(instance: &TestApp) {
    let signed_out = instance.post_form("/signout", &[]).await;
    assert_redirect(&signed_out, "/signed-out");
}

#[tokio::test]
async fn redis_sessions_started_on_one_instance_work_and_end_on_the_other() {
    let Some(redis) = redis_with_postgres() else {
        return;
    };
    let a = spawn_app_with(|s| s.redis_url = Some(redis.into())).await;
    goodterms::services::demo::load(&a.db, &a.hasher, Utc::now())
        .await
        .unwrap();
    let b = a.another_instance(|_| {}).await;

    assert_redirect(&a.sign_in_alex().await, "/account");
    let on_b = b.get("/account").await;
    assert_eq!(on_b.status().as_u16(), 200, "B knows the session A started");
    assert!(on_b.text().await.unwrap().contains("£1,065.00"));
    assert_eq!(
        sessions_in_the_database(&a).await,
        0,
        "the session lives in Redis, not in the shared database"
    );

    sign_out(&b).await;
    assert_redirect(&a.get("/account").await, "/");
    assert_redirect(&b.get("/account").await, "/");
}

async fn all_sent(app: &TestApp) -> bool {
    outbox_message::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .iter()
        .all(|row| row.status == OutboxStatus::Sent)
}

#[tokio::test]
async fn redis_backed_instances_both_running_jobs_send_each_email_once() {
    let Some(redis) = redis_with_postgres() else {
        return;
    };
    let sink = SmtpSink::start_slow(SEND_TAKES).await;
    let a = spawn_app_with(|s| {
        s.redis_url = Some(redis.into());
        s.smtp_url = Some(sink.url().into());
        s.run_jobs = true;
    })
    .await;
    let b = a.another_instance(|_| {}).await;
    let now = Utc::now();
    for n in 0..EMAILS {
        outbox::enqueue(&b.db, &address(n), note(n), now)
            .await
            .unwrap();
    }

    sink.wait_for_messages(EMAILS, DELIVERY_WITHIN).await;
    let settled = tokio::time::timeout(DELIVERY_WITHIN, async {
        while !all_sent(&a).await {
            tokio::time::sleep(SEND_TAKES).await;
        }
    });
    settled.await.expect("every email is marked sent");
    // A duplicate would be a send already under way: give it time to arrive.
    tokio::time::sleep(SEND_TAKES * 3).await;

    assert_each_got_one(&sink, EMAILS);
    let rows = outbox_message::Entity::find().all(&a.db).await.unwrap();
    assert!(rows.iter().all(|row| row.attempts == 1), "{rows:?}");
}

/// What the plan lifecycle recorded, once per change: (plan, action, detail).
async fn plan_changes(app: &TestApp) -> Vec<(Option<i32>, String, String)> {
    audit_log::Entity::find()
        .filter(audit_log::Column::SubjectKind.eq("plan"))
        .filter(audit_log::Column::Action.ne("plan.agreed"))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|row| (row.subject_id, row.action, row.detail))
        .collect()
}

/// Every queued email: (to, subject, text).
async fn queued_emails(app: &TestApp) -> Vec<(String, String, String)> {
    outbox_message::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|row| (row.to_address, row.subject, row.text_body))
        .collect()
}

/// Needs no Redis: runs in every suite, on SQLite and on PostgreSQL.
#[tokio::test]
async fn two_workers_at_once_record_each_plan_change_and_queue_each_email_once() {
    let app = spawn_app().await;
    // A portfolio written 120 days ago and left alone since: payments have fallen due and
    // gone unpaid, so plans have installments to mark missed and plans to break.
    let then = Utc::now() - chrono::Duration::days(120);
    goodterms::services::demo::add_synthetic(&app.db, &app.hasher, 200, then)
        .await
        .unwrap();
    let before = plan_changes(&app).await.len();
    let (first, second) = (
        startup::worker(&app.settings).await.unwrap(),
        startup::worker(&app.settings).await.unwrap(),
    );

    let now = Utc::now();
    let (a, b) = tokio::join!(first.run_once(now), second.run_once(now));
    assert!(a && b, "both workers' passes succeeded");

    let queued = queued_emails(&app).await;
    assert!(
        duplicates(queued.clone()).is_empty(),
        "an email queued twice: {:?}",
        duplicates(queued)
    );
    let changes = plan_changes(&app).await;
    assert!(changes.len() > before, "the lifecycle had work to do");
    let mut once = changes.clone();
    once.sort();
    once.dedup();
    assert_eq!(
        once.len(),
        changes.len(),
        "a change recorded twice: {:?}",
        duplicates(changes)
    );
}

fn duplicates<T: Ord + Clone>(mut items: Vec<T>) -> Vec<T> {
    items.sort();
    items
        .windows(2)
        .filter(|pair| pair[0] == pair[1])
        .map(|pair| pair[0].clone())
        .collect()
}
