//! `/metrics`: Prometheus text on its own private address, only when `metrics_bind` is set.
//! The recorder is shared by every app in this test process, so each test compares a scrape
//! before and after its own requests, on routes and outcomes those requests produce.
use std::time::{Duration as WaitTime, Instant};

use chrono::Utc;
use goodterms::config::Settings;

use crate::cli::{goodterms, temp_database};
use crate::helpers::{TestApp, spawn_app, spawn_app_with, spawn_demo_app};
use crate::outbox::{ALEX, request_sign_in_link, stopped_sink};
use crate::payments::account_id;
use crate::smtp::SmtpSink;
use crate::stripe_fake::{FakeStripe, WEBHOOK_SECRET};
use crate::stripe_webhooks::{deliver, go_to_checkout, paid_event, stripe_app_with};
use crate::worker::{
    database_with_a_queued_email, free_port, remove_database, start, terminate, wait_until_healthy,
};

fn with_metrics(settings: &mut Settings) {
    settings.metrics_bind = Some("127.0.0.1:0".to_string());
}

async fn metrics_app() -> TestApp {
    spawn_app_with(with_metrics).await
}

fn metrics_url(app: &TestApp, path: &str) -> String {
    let port = app.metrics_port.expect("a metrics listener");
    format!("http://127.0.0.1:{port}{path}")
}

async fn scrape(app: &TestApp) -> String {
    let response = reqwest::get(metrics_url(app, "/metrics"))
        .await
        .expect("scrape");
    assert_eq!(response.status().as_u16(), 200);
    response.text().await.expect("scrape body")
}

/// The sum of the samples of `name` whose labels include all of `labels`; 0 when there is
/// none (a counter nobody has touched yet).
fn total(scrape: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    scrape
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.rsplit_once(' '))
        .filter(|(series, _)| {
            let (series_name, series_labels) = series.split_once('{').unwrap_or((series, ""));
            series_name == name
                && labels
                    .iter()
                    .all(|(k, v)| series_labels.contains(&format!("{k}=\"{v}\"")))
        })
        .map(|(_, value)| value.parse::<f64>().expect("a sample value"))
        .sum()
}

/// How much `name` with `labels` grew between two scrapes.
fn grew(before: &str, after: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    total(after, name, labels) - total(before, name, labels)
}

#[tokio::test]
async fn without_a_metrics_address_no_listener_opens_and_the_portal_has_no_metrics_page() {
    let app = spawn_app().await;
    assert_eq!(app.metrics_port, None);
    assert_eq!(app.get("/metrics").await.status().as_u16(), 404);
}

#[tokio::test]
async fn metrics_are_served_only_on_their_own_address_and_nothing_else_is() {
    let app = metrics_app().await;
    assert_ne!(app.metrics_port, Some(app.port));
    assert_eq!(app.get("/metrics").await.status().as_u16(), 404);
    for path in ["/", "/healthz", "/account", "/metrics/extra"] {
        let response = reqwest::get(metrics_url(&app, path)).await.unwrap();
        assert_eq!(response.status().as_u16(), 404, "{path}");
    }
    let response = reqwest::get(metrics_url(&app, "/metrics")).await.unwrap();
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
}

#[tokio::test]
async fn a_visited_page_is_counted_by_route_and_status_with_a_latency_histogram() {
    let app = metrics_app().await;
    let before = scrape(&app).await;
    for _ in 0..2 {
        assert_eq!(app.get("/accessibility").await.status().as_u16(), 200);
    }
    assert_eq!(app.get("/no-such-page/12345").await.status().as_u16(), 404);
    let after = scrape(&app).await;

    let page = [
        ("route", "/accessibility"),
        ("method", "GET"),
        ("status", "200"),
    ];
    let requests = "goodterms_http_requests_total";
    assert_eq!(grew(&before, &after, requests, &page), 2.0);
    let latency = "goodterms_http_request_duration_seconds";
    assert!(after.contains(&format!("# TYPE {latency} histogram")));
    assert_eq!(
        grew(&before, &after, &format!("{latency}_count"), &page),
        2.0
    );
    let buckets = format!("{latency}_bucket");
    let everything = [page.as_slice(), &[("le", "+Inf")]].concat();
    assert_eq!(grew(&before, &after, &buckets, &everything), 2.0);
    for bound in ["0.001", "10"] {
        let bucket = [page.as_slice(), &[("le", bound)]].concat();
        assert!(
            after.contains(&series_prefix(&buckets, &bucket)),
            "a {bound} s bucket"
        );
    }

    let unmatched = [("route", "unmatched"), ("status", "404")];
    assert!(grew(&before, &after, requests, &unmatched) >= 1.0);
    assert!(
        !after.contains("no-such-page"),
        "an unmatched path never becomes a label"
    );
}

/// The start of a sample line, labels in the order they were recorded.
fn series_prefix(name: &str, labels: &[(&str, &str)]) -> String {
    let labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    format!("{name}{{{}}}", labels.join(","))
}

#[tokio::test]
async fn an_account_page_is_labelled_with_its_pattern_never_the_account_or_the_person() {
    let app = metrics_app().await;
    goodterms::services::demo::load(&app.db, &app.hasher, Utc::now())
        .await
        .expect("demo data");
    let before = scrape(&app).await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    let page = app.get(&format!("/account/{id}")).await;
    assert_eq!(page.status().as_u16(), 200);
    let after = scrape(&app).await;

    let account_page = [
        ("route", "/account/{id}"),
        ("method", "GET"),
        ("status", "200"),
    ];
    let requests = "goodterms_http_requests_total";
    assert!(grew(&before, &after, requests, &account_page) >= 1.0);
    for personal in [
        format!("/account/{id}\""),
        format!("/account/{id}/"),
        "NW-1001".to_string(),
        ALEX.to_string(),
    ] {
        assert!(!after.contains(&personal), "{personal} is in the scrape");
    }
    // The page's statements, and the session the sign-in created and the page read.
    let statements = [("outcome", "ok")];
    assert!(
        grew(
            &before,
            &after,
            "goodterms_db_statements_total",
            &statements
        ) >= 1.0
    );
    let statement_latency = "goodterms_db_statement_duration_seconds_count";
    assert!(grew(&before, &after, statement_latency, &[]) >= 1.0);
    assert!(grew(&before, &after, "goodterms_session_loads_total", &[]) >= 1.0);
    let created = [("kind", "create")];
    assert!(grew(&before, &after, "goodterms_session_writes_total", &created) >= 1.0);
}

#[tokio::test]
async fn a_stripe_payment_and_its_redelivery_show_in_payments_by_outcome() {
    let fake = FakeStripe::start().await;
    fake.accept_checkouts().await;
    let app = stripe_app_with(&fake, with_metrics).await;
    let (_, attempt) = go_to_checkout(&app).await;
    let before = scrape(&app).await;
    let body = paid_event(
        "evt_metrics_paid",
        "checkout.session.completed",
        &attempt,
        106_500,
    );
    let now = Utc::now().timestamp();
    for _ in 0..2 {
        assert_eq!(deliver(&app, &body, WEBHOOK_SECRET, now).await, 200);
    }
    let after = scrape(&app).await;

    let payments = "goodterms_payment_events_total";
    assert!(grew(&before, &after, payments, &[("outcome", "applied")]) >= 1.0);
    let redelivered = [("outcome", "already_done")];
    assert!(grew(&before, &after, payments, &redelivered) >= 1.0);
    let webhook = [("route", "/webhooks/stripe"), ("status", "200")];
    let requests = "goodterms_http_requests_total";
    assert!(grew(&before, &after, requests, &webhook) >= 2.0);
}

#[tokio::test]
async fn outbox_deliveries_show_by_outcome_beside_the_backlog() {
    let sink = SmtpSink::start().await;
    let stopped = stopped_sink().await;
    let up = spawn_demo_app_with_mail(sink.url()).await;
    let down = spawn_demo_app_with_mail(stopped.url()).await;
    let before = scrape(&up).await;
    let asked = request_sign_in_link(&up, ALEX).await;
    assert_eq!(up.deliver_outbox(asked).await.sent, 1);
    let asked = request_sign_in_link(&down, ALEX).await;
    assert_eq!(down.deliver_outbox(asked).await.retry_later, 1);
    let after = scrape(&up).await;

    let deliveries = "goodterms_outbox_deliveries_total";
    assert!(grew(&before, &after, deliveries, &[("outcome", "sent")]) >= 1.0);
    let retried = [("outcome", "retry_later")];
    assert!(grew(&before, &after, deliveries, &retried) >= 1.0);
    assert!(after.contains("# TYPE goodterms_outbox_backlog_messages gauge"));
}

async fn spawn_demo_app_with_mail(smtp_url: String) -> TestApp {
    let app = spawn_app_with(|settings| {
        with_metrics(settings);
        settings.smtp_url = Some(smtp_url.into());
    })
    .await;
    goodterms::services::demo::load(&app.db, &app.hasher, Utc::now())
        .await
        .expect("demo data");
    app
}

#[tokio::test]
async fn each_scheduled_pass_is_timed_under_its_name() {
    let app = spawn_demo_app().await;
    let metrics = metrics_app().await;
    let jobs = goodterms::startup::worker(&app.settings)
        .await
        .expect("worker");
    let before = scrape(&metrics).await;
    assert!(jobs.run_once(Utc::now()).await, "every pass succeeds");
    let after = scrape(&metrics).await;

    let passes = "goodterms_job_pass_duration_seconds_count";
    for job in [
        "outbox",
        "autopay",
        "reconcile",
        "housekeeping",
        "reminders",
    ] {
        assert!(
            grew(&before, &after, passes, &[("job", job)]) >= 1.0,
            "{job}"
        );
    }
}

#[tokio::test]
async fn a_failed_pass_is_counted_under_its_name() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    let metrics = metrics_app().await;
    let jobs = goodterms::startup::worker(&app.settings)
        .await
        .expect("worker");
    // The outbox's table gone: its pass cannot read what is due.
    app.db
        .execute_unprepared("ALTER TABLE outbox_messages RENAME TO outbox_messages_gone")
        .await
        .unwrap();
    let before = scrape(&metrics).await;
    assert!(!jobs.run_once(Utc::now()).await, "the outbox pass fails");
    let after = scrape(&metrics).await;

    let failures = "goodterms_job_pass_failures_total";
    assert!(grew(&before, &after, failures, &[("job", "outbox")]) >= 1.0);
}

/// Scrapes `port` until `ready` holds for the text (the process records after its work).
async fn scrape_until(port: u16, ready: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + WaitTime::from_secs(30);
    let url = format!("http://127.0.0.1:{port}/metrics");
    loop {
        if let Ok(response) = reqwest::get(&url).await
            && let Ok(text) = response.text().await
            && (ready(&text) || Instant::now() > deadline)
        {
            return text;
        }
        assert!(Instant::now() < deadline, "no metrics on port {port}");
        tokio::time::sleep(WaitTime::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_worker_serves_its_metrics_where_it_is_told() {
    let sink = SmtpSink::start().await;
    let database = database_with_a_queued_email().await;
    let metrics_port = free_port();
    let mut command = goodterms(&database);
    command.env("SMTP_URL", sink.url()).args([
        "worker",
        "--metrics-bind",
        &format!("127.0.0.1:{metrics_port}"),
    ]);
    let worker = start(command);
    sink.wait_for_messages(1, WaitTime::from_secs(30)).await;
    let sent = [("outcome", "sent")];
    let deliveries = "goodterms_outbox_deliveries_total";
    // The backlog is measured at the end of a pass, a moment after the delivery is counted.
    let backlog_empty = "\ngoodterms_outbox_backlog_messages 0\n";
    let scraped = scrape_until(metrics_port, |text| {
        total(text, deliveries, &sent) >= 1.0 && text.contains(backlog_empty)
    })
    .await;
    assert!(terminate(worker).await.success());
    remove_database(&database);

    // Its own process: totals are this worker's alone.
    assert_eq!(total(&scraped, deliveries, &sent), 1.0);
    assert!(scraped.contains(backlog_empty), "nothing waits");
    let passes = "goodterms_job_pass_duration_seconds_count";
    assert!(total(&scraped, passes, &[("job", "outbox")]) >= 1.0);
}

#[tokio::test]
async fn serve_takes_its_metrics_address_from_the_environment() {
    let database = temp_database();
    let (port, metrics_port) = (free_port(), free_port());
    let mut command = goodterms(&database);
    command
        .env("METRICS_BIND", format!("127.0.0.1:{metrics_port}"))
        .args(["serve", "--no-jobs", "--bind", &format!("127.0.0.1:{port}")]);
    let server = start(command);
    wait_until_healthy(port).await;
    let portal = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .unwrap();
    let health = [("route", "/healthz"), ("status", "200")];
    let requests = "goodterms_http_requests_total";
    let scraped = scrape_until(metrics_port, |text| total(text, requests, &health) >= 1.0).await;
    assert!(terminate(server).await.success());
    remove_database(&database);

    assert_eq!(portal.status().as_u16(), 404);
    assert!(total(&scraped, requests, &health) >= 1.0);
}
