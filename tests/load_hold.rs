//! The load hold: 50 simulated debtors for `LOAD_HOLD_SECS` seconds (default 120) on loopback,
//! each signing in, reading their balance, previewing a plan and either agreeing to it (from
//! two tabs at once) or paying part or all of what they owe, through the fake Stripe: checkout,
//! then the paid webhook delivered three times at once, as Stripe's retries can. Afterwards
//! the books are checked: no 5xx, every balance is its ledger's sum and what the person was
//! told, at most one open plan per account, each Checkout Session paid and booked once, and
//! each receipt and plan confirmation emailed once. Two instances share the database, as
//! behind a load balancer; one of them also runs the scheduled work meanwhile.
//!
//! A test of correctness under concurrency, not a benchmark: it prints what it did and asserts
//! nothing about speed. `#[ignore]`d (and not built by a plain `cargo test`, see Cargo.toml):
//! `.ci/run` runs it on PostgreSQL, several writers at once:
//! `TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432 cargo test --test load_hold -- --ignored --nocapture`
#[path = "api/helpers.rs"]
mod helpers;
// Only the sink's basics are used here.
#[allow(dead_code)]
#[path = "api/smtp.rs"]
mod smtp;
#[path = "api/stripe_fake.rs"]
mod stripe_fake;

#[path = "load_hold/books.rs"]
mod books;
#[path = "load_hold/journey.rs"]
mod journey;
#[path = "load_hold/seed.rs"]
mod seed;
#[path = "load_hold/tally.rs"]
mod tally;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;

use crate::helpers::{TestApp, spawn_app_with};
use crate::journey::{Debtor, Outcome};
use crate::seed::Person;
use crate::smtp::SmtpSink;
use crate::stripe_fake::FakeStripe;
use crate::tally::Tally;

const DEBTORS: usize = 50;
const DEFAULT_SECONDS: u64 = 120;

fn hold_for() -> Duration {
    let seconds = std::env::var("LOAD_HOLD_SECS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(DEFAULT_SECONDS);
    Duration::from_secs(seconds)
}

/// Two instances behind one "load balancer" on one database: the first also runs the
/// scheduled work (receipts and plan confirmations go out while the load goes on), the
/// second serves pages only.
async fn two_instances(fake: &FakeStripe, sink: &SmtpSink) -> (Arc<TestApp>, Arc<TestApp>) {
    let with_jobs = spawn_app_with(|s| {
        fake.configure(s);
        s.smtp_url = Some(sink.url().into());
        s.run_jobs = true;
        // Each simulated person comes from their own address through the proxy.
        s.trusted_proxies = vec!["127.0.0.1/32".parse().expect("CIDR")];
    })
    .await;
    let web_only = with_jobs.another_instance(|s| s.run_jobs = false).await;
    (Arc::new(with_jobs), Arc::new(web_only))
}

/// Every person on their own task until `until`, half on each instance; what each did.
async fn hold(
    people: &[Person],
    (first, second): (&Arc<TestApp>, &Arc<TestApp>),
    tally: &Arc<Tally>,
    until: Instant,
) -> Vec<Outcome> {
    let mut running = tokio::task::JoinSet::new();
    for (n, person) in people.iter().enumerate() {
        let (instance, other) = if n % 2 == 0 {
            (first, second)
        } else {
            (second, first)
        };
        let debtor = Debtor::new(
            instance.clone(),
            other.clone(),
            tally.clone(),
            person.clone(),
            n,
        );
        running.spawn(debtor.hold_until(until));
    }
    let mut outcomes = Vec::new();
    while let Some(done) = running.join_next().await {
        outcomes.push(done.expect("a simulated debtor panicked"));
    }
    outcomes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "two minutes of load: run by .ci/run with --ignored"]
async fn fifty_debtors_for_two_minutes_keep_the_books_exact() {
    let fake = FakeStripe::start().await;
    fake.accept_checkouts().await;
    let sink = SmtpSink::start().await;
    let (app, web_only) = two_instances(&fake, &sink).await;
    goodterms::services::demo::load(&app.db, &app.hasher, Utc::now())
        .await
        .expect("demo creditor and staff");
    let people = seed::people(DEBTORS);
    seed::import(&app, &people).await;

    let tally = Arc::new(Tally::default());
    let until = Instant::now() + hold_for();
    let outcomes = hold(&people, (&app, &web_only), &tally, until).await;

    let summary = tally.summary();
    println!("{summary}");
    assert_eq!(tally.server_errors(), 0, "5xx answers: {summary}");
    assert_eq!(
        tally.transport_errors(),
        0,
        "requests that failed: {summary}"
    );
    let unexpected = tally.unexpected_answers();
    assert!(unexpected.is_empty(), "unexpected answers: {unexpected:#?}");
    assert!(tally.payments() > 0, "no payment was made: {summary}");
    books::check(&app, &outcomes).await;
    books::each_email_sent_once(&app, &sink, tally.payments()).await;
}
