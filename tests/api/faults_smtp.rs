//! The mail server down, or answering temporary (4xx) and permanent (5xx) errors: nothing is
//! lost, temporary failures are retried later with backoff, permanent ones are marked failed at
//! once and shown to admins, and a pass never hammers a server that is down.
use chrono::{DateTime, Duration, Utc};
use goodterms::domain::outbox::OutboxStatus;
use goodterms::email::outbox::{self, DeliveryReport};
use goodterms::entities::outbox_message;
use sea_orm::{EntityTrait, QueryOrder};

use crate::helpers::{TestApp, spawn_app_with, spawn_demo_app};
use crate::outbox_claims::note;
use crate::smtp::SmtpSink;

const ARRIVAL: std::time::Duration = std::time::Duration::from_secs(10);
const ADMIN: (&str, &str) = ("admin@goodterms.example", "admin-demo");
/// The outbox's first wait before a retry.
const FIRST_RETRY_MINUTES: i64 = 1;

async fn app_sending_to(sink: &SmtpSink) -> TestApp {
    let url = sink.url();
    spawn_app_with(|settings| settings.smtp_url = Some(url.into())).await
}

/// Queues `count` notes to person0@…, person1@…; returns when.
async fn queue_notes(app: &TestApp, count: usize) -> DateTime<Utc> {
    let now = Utc::now();
    for n in 0..count {
        outbox::enqueue(&app.db, &format!("person{n}@example.com"), note(n), now)
            .await
            .expect("queued");
    }
    now
}

async fn rows(app: &TestApp) -> Vec<outbox_message::Model> {
    outbox_message::Entity::find()
        .order_by_asc(outbox_message::Column::Id)
        .all(&app.db)
        .await
        .expect("outbox rows")
}

fn attempts(rows: &[outbox_message::Model]) -> Vec<i32> {
    rows.iter().map(|r| r.attempts).collect()
}

#[tokio::test]
async fn a_pass_stops_at_a_mail_server_that_is_down_and_the_next_pass_after_it_is_back_sends_all() {
    let mut sink = SmtpSink::start_restartable().await;
    sink.stop().await;
    let app = app_sending_to(&sink).await;
    let queued = queue_notes(&app, 3).await;

    let report = app.deliver_outbox(queued).await;
    assert_eq!(
        report,
        DeliveryReport {
            retry_later: 1,
            held_back: 2,
            ..Default::default()
        },
        "one connection attempt, not one per email"
    );
    assert_eq!(
        attempts(&rows(&app).await),
        [1, 0, 0],
        "the others were not tried"
    );

    let back = SmtpSink::start_on(sink.port()).await;
    let retry_due = queued + Duration::minutes(FIRST_RETRY_MINUTES);
    assert_eq!(app.deliver_outbox(retry_due).await.sent, 3);
    let received = back.wait_for_messages(3, ARRIVAL).await;
    let mut to: Vec<String> = received
        .iter()
        .flat_map(|m| m.envelope_to.clone())
        .collect();
    to.sort();
    assert_eq!(
        to,
        [
            "person0@example.com",
            "person1@example.com",
            "person2@example.com"
        ],
        "nothing lost, nothing doubled"
    );
    assert!(
        rows(&app)
            .await
            .iter()
            .all(|r| r.status == OutboxStatus::Sent)
    );
}

#[tokio::test]
async fn a_server_closing_with_421_gets_one_connection_per_pass() {
    let sink = SmtpSink::start().await;
    sink.refuse_recipients(Some("421 4.3.2 Service shutting down"));
    let app = app_sending_to(&sink).await;
    let queued = queue_notes(&app, 3).await;

    let report = app.deliver_outbox(queued).await;
    assert_eq!((report.retry_later, report.held_back), (1, 2), "{report:?}");
    assert_eq!(sink.connections(), 1, "no retry storm");
    assert!(sink.messages().is_empty());
    assert!(
        rows(&app)
            .await
            .iter()
            .all(|r| r.status == OutboxStatus::Pending)
    );
}

#[tokio::test]
async fn a_temporary_refusal_is_retried_after_the_backoff_and_then_delivered() {
    let sink = SmtpSink::start().await;
    sink.refuse_recipients(Some("451 4.3.0 Try again later"));
    let app = app_sending_to(&sink).await;
    let queued = queue_notes(&app, 2).await;

    let report = app.deliver_outbox(queued).await;
    assert_eq!(
        report,
        DeliveryReport {
            retry_later: 2,
            ..Default::default()
        },
        "a refusal of one email is no reason to stop the pass"
    );
    let stored = rows(&app).await;
    assert!(stored.iter().all(|r| r.status == OutboxStatus::Pending));
    assert!(
        stored
            .iter()
            .all(|r| r.last_error.as_deref().is_some_and(|e| e.contains("451"))),
        "the reason is kept: {stored:?}"
    );

    sink.refuse_recipients(None);
    let too_soon = queued + Duration::seconds(30);
    assert_eq!(
        app.deliver_outbox(too_soon).await,
        DeliveryReport::default()
    );
    let retry_due = queued + Duration::minutes(FIRST_RETRY_MINUTES);
    assert_eq!(app.deliver_outbox(retry_due).await.sent, 2);
    assert_eq!(sink.wait_for_messages(2, ARRIVAL).await.len(), 2);
}

#[tokio::test]
async fn a_permanent_refusal_is_failed_at_once_and_listed_for_admins() {
    let sink = SmtpSink::start().await;
    sink.refuse_recipients(Some("550 5.1.1 Mailbox unavailable"));
    let app = spawn_demo_app().await;
    let mailer = goodterms::email::mailer::Mailer::smtp(&sink.url()).expect("mailer");
    let queued = queue_notes(&app, 1).await;
    let pass = |now| outbox::deliver_due(&app.db, &mailer, crate::helpers::MAIL_FROM, now, 100);

    let report = pass(queued).await.expect("pass");
    assert_eq!(
        report,
        DeliveryReport {
            gave_up: 1,
            ..Default::default()
        }
    );
    let failed = &rows(&app).await[0];
    assert_eq!(failed.status, OutboxStatus::Failed);
    assert_eq!(
        failed.attempts, 1,
        "not retried: the answer would be the same"
    );
    let a_day_later = queued + Duration::days(1);
    assert_eq!(
        pass(a_day_later).await.expect("pass"),
        DeliveryReport::default()
    );

    assert_eq!(
        app.sign_in_staff(ADMIN.0, ADMIN.1).await.status().as_u16(),
        303
    );
    let page = app.get_html("/admin/outbox").await;
    assert!(page.contains("person0@example.com"), "{page}");
    assert!(page.contains("Note 0"));
    assert!(page.contains("the mail server answered 550"));
}

#[tokio::test]
async fn admins_see_how_many_emails_wait_for_a_mail_server_that_is_down() {
    let mut sink = SmtpSink::start_restartable().await;
    sink.stop().await;
    let app = app_sending_to(&sink).await;
    goodterms::services::demo::load(&app.db, &app.hasher, Utc::now())
        .await
        .expect("demo data");
    let queued = queue_notes(&app, 2).await;
    assert_eq!(
        app.sign_in_staff(ADMIN.0, ADMIN.1).await.status().as_u16(),
        303
    );
    let before = app.get_html("/admin/outbox").await;
    assert!(!before.contains("waiting to be tried again"), "{before}");

    // One connection attempt per pass: the second pass tries the email the first held back.
    for _ in 0..2 {
        assert_eq!(app.deliver_outbox(queued).await.retry_later, 1);
    }
    let page = app.get_html("/admin/outbox").await;
    assert!(
        page.contains("2 emails are waiting to be tried again"),
        "{page}"
    );
    assert!(page.contains("No emails are stuck"), "none given up on yet");
}
