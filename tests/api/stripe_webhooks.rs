//! The real Stripe path end to end: checkout against a fake Stripe on loopback, signed
//! webhooks into `POST /webhooks/stripe`, the return page asking Stripe for the truth.
use chrono::Utc;
use goodterms::domain::payments::PaymentStatus;
use goodterms::entities::{ledger_entry, payment_attempt, provider_event};
use goodterms::providers::stripe::sign_for_tests;
use goodterms::services::payments;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::helpers::{TestApp, spawn_app_with};
use crate::payments::{account_id, balance_minor};
use crate::stripe_fake::{FakeStripe, SECRET_KEY, WEBHOOK_SECRET, event_json, session_json};
// They live beside the fake (the load-hold test shares it); other tests import them from here.
pub use crate::stripe_fake::{deliver, paid_event};

pub async fn stripe_app(fake: &FakeStripe) -> TestApp {
    stripe_app_with(fake, |_| {}).await
}

/// [`stripe_app`] with more settings of the test's own.
pub async fn stripe_app_with(
    fake: &FakeStripe,
    configure: impl FnOnce(&mut goodterms::config::Settings),
) -> TestApp {
    demo_app_calling_stripe_at(fake.api_base(), configure).await
}

/// The demo app with Alex signed in, calling Stripe's API at `base`.
pub async fn stripe_app_at(base: String) -> TestApp {
    demo_app_calling_stripe_at(base, |_| {}).await
}

async fn demo_app_calling_stripe_at(
    base: String,
    configure: impl FnOnce(&mut goodterms::config::Settings),
) -> TestApp {
    let app = spawn_app_with(|s| {
        s.stripe_secret_key = Some(SECRET_KEY.into());
        s.stripe_webhook_secret = Some(WEBHOOK_SECRET.into());
        s.stripe_api_base = Some(base);
        configure(s);
    })
    .await;
    goodterms::services::demo::load(&app.db, &app.hasher, Utc::now())
        .await
        .unwrap();
    app.sign_in_alex().await;
    app
}

pub async fn latest_attempt(app: &TestApp) -> payment_attempt::Model {
    payment_attempt::Entity::find()
        .order_by_desc(payment_attempt::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .expect("attempt")
}

/// Pays in full up to Stripe's checkout page; returns (account id, attempt).
pub async fn go_to_checkout(app: &TestApp) -> (i32, payment_attempt::Model) {
    let id = account_id(app, "NW-1001").await;
    let response = app
        .post_form(&format!("/account/{id}/pay"), &[("choice", "full")])
        .await;
    assert_eq!(response.status().as_u16(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with("https://checkout.stripe.com/"),
        "{location}"
    );
    (id, latest_attempt(app).await)
}

async fn card_payments(app: &TestApp, account: i32) -> u64 {
    ledger_entry::Entity::find()
        .filter(ledger_entry::Column::AccountId.eq(account))
        .filter(ledger_entry::Column::Description.eq("Card payment. Thank you"))
        .count(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn checkout_is_created_with_the_attempt_and_its_idempotency_key() {
    let fake = FakeStripe::start().await;
    fake.accept_checkouts().await;
    let app = stripe_app(&fake).await;
    let (_, attempt) = go_to_checkout(&app).await;
    let requests = fake.requests_to("/v1/checkout/sessions").await;
    assert_eq!(requests.len(), 1);
    let sent = crate::stripe_fake::form(&requests[0]);
    assert_eq!(sent["line_items[0][price_data][unit_amount]"], "106500");
    assert_eq!(sent["line_items[0][price_data][currency]"], "gbp");
    assert_eq!(sent["metadata[attempt_id]"], attempt.id.to_string());
    assert_eq!(
        crate::stripe_fake::header(&requests[0], "idempotency-key").as_deref(),
        Some(attempt.idempotency_key.as_str())
    );
    assert_eq!(attempt.status, PaymentStatus::Pending);
}

#[tokio::test]
async fn a_signed_webhook_applies_the_payment_once_however_often_it_arrives() {
    let fake = FakeStripe::start().await;
    fake.accept_checkouts().await;
    let app = stripe_app(&fake).await;
    let (id, attempt) = go_to_checkout(&app).await;
    let now = Utc::now().timestamp();
    let body = paid_event(
        "evt_paid_1",
        "checkout.session.completed",
        &attempt,
        106_500,
    );
    for _ in 0..3 {
        assert_eq!(deliver(&app, &body, WEBHOOK_SECRET, now).await, 200);
    }
    // The same news under another event id (async payment success) changes nothing either.
    let again = paid_event(
        "evt_paid_2",
        "checkout.session.async_payment_succeeded",
        &attempt,
        106_500,
    );
    assert_eq!(deliver(&app, &again, WEBHOOK_SECRET, now).await, 200);
    // A late "expired" does not undo the payment.
    let expired = event_json(
        "evt_expired",
        "checkout.session.expired",
        session_json(
            attempt.provider_ref.as_deref().unwrap(),
            "expired",
            "unpaid",
            106_500,
            "gbp",
            attempt.id,
        ),
    );
    assert_eq!(deliver(&app, &expired, WEBHOOK_SECRET, now).await, 200);
    assert_eq!(card_payments(&app, id).await, 1);
    assert_eq!(balance_minor(&app, id).await, 0);
    assert_eq!(latest_attempt(&app).await.status, PaymentStatus::Succeeded);
}

#[tokio::test]
async fn forged_or_stale_webhooks_are_refused_and_change_nothing() {
    let fake = FakeStripe::start().await;
    fake.accept_checkouts().await;
    let app = stripe_app(&fake).await;
    let (id, attempt) = go_to_checkout(&app).await;
    let now = Utc::now().timestamp();
    let body = paid_event(
        "evt_forged",
        "checkout.session.completed",
        &attempt,
        106_500,
    );
    assert_eq!(deliver(&app, &body, "whsec_wrong", now).await, 400);
    assert_eq!(deliver(&app, &body, WEBHOOK_SECRET, now - 600).await, 400);
    assert_eq!(deliver(&app, &body, WEBHOOK_SECRET, now + 600).await, 400);
    let tampered = body.replace("106500", "1");
    let signature = sign_for_tests(&body, WEBHOOK_SECRET, now);
    let status = app
        .client
        .post(app.url("/webhooks/stripe"))
        .header("Stripe-Signature", signature)
        .body(tampered)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 400);
    assert_eq!(
        provider_event::Entity::find().count(&app.db).await.unwrap(),
        0
    );
    assert_eq!(balance_minor(&app, id).await, 106_500);
}

#[tokio::test]
async fn an_event_for_a_different_amount_is_flagged_not_applied() {
    let fake = FakeStripe::start().await;
    fake.accept_checkouts().await;
    let app = stripe_app(&fake).await;
    let (id, attempt) = go_to_checkout(&app).await;
    let body = paid_event(
        "evt_wrong_amount",
        "checkout.session.completed",
        &attempt,
        100,
    );
    assert_eq!(
        deliver(&app, &body, WEBHOOK_SECRET, Utc::now().timestamp()).await,
        200
    );
    assert_eq!(latest_attempt(&app).await.status, PaymentStatus::Flagged);
    assert_eq!(balance_minor(&app, id).await, 106_500);
}

#[tokio::test]
async fn returning_before_the_webhook_shows_the_truth_from_stripe() {
    let fake = FakeStripe::start().await;
    fake.accept_checkouts().await;
    let app = stripe_app(&fake).await;
    let (id, attempt) = go_to_checkout(&app).await;
    let session_id = attempt.provider_ref.clone().unwrap();
    // Still open at Stripe: the person is told we are confirming.
    fake.script_session(session_json(
        &session_id,
        "open",
        "unpaid",
        106_500,
        "gbp",
        attempt.id,
    ))
    .await;
    let page = app
        .get_html(&format!("/account/{id}/payments/{}", attempt.id))
        .await;
    assert!(page.contains("We are confirming your payment"));
    assert_eq!(balance_minor(&app, id).await, 106_500);
}

#[tokio::test]
async fn a_paid_session_found_on_return_is_applied_and_the_later_webhook_changes_nothing() {
    let fake = FakeStripe::start().await;
    fake.accept_checkouts().await;
    let app = stripe_app(&fake).await;
    let (id, attempt) = go_to_checkout(&app).await;
    let session_id = attempt.provider_ref.clone().unwrap();
    fake.script_session(session_json(
        &session_id,
        "complete",
        "paid",
        106_500,
        "gbp",
        attempt.id,
    ))
    .await;
    let page = app
        .get_html(&format!("/account/{id}/payments/{}", attempt.id))
        .await;
    assert!(page.contains("Thank you, your payment is done"));
    let body = paid_event(
        "evt_after_return",
        "checkout.session.completed",
        &attempt,
        106_500,
    );
    assert_eq!(
        deliver(&app, &body, WEBHOOK_SECRET, Utc::now().timestamp()).await,
        200
    );
    assert_eq!(card_payments(&app, id).await, 1);
    assert_eq!(balance_minor(&app, id).await, 0);
}

#[tokio::test]
async fn a_payment_left_pending_is_finished_by_reconciliation() {
    let fake = FakeStripe::start().await;
    fake.accept_checkouts().await;
    let app = stripe_app(&fake).await;
    let (id, attempt) = go_to_checkout(&app).await;
    // The webhook was lost; Stripe knows the session was paid.
    fake.script_session(session_json(
        attempt.provider_ref.as_deref().unwrap(),
        "complete",
        "paid",
        106_500,
        "gbp",
        attempt.id,
    ))
    .await;
    let later = Utc::now() + chrono::Duration::minutes(10);
    let checked =
        payments::reconcile::reconcile(&app.db, &app.provider, &app.settings.base_url, later)
            .await
            .unwrap();
    assert_eq!(checked.checked, 1);
    assert_eq!(balance_minor(&app, id).await, 0);
    assert_eq!(
        payments::reconcile::reconcile(&app.db, &app.provider, &app.settings.base_url, later)
            .await
            .unwrap()
            .checked,
        0
    );
}

/// Makes every ledger insert fail, as if the process died before committing.
async fn break_ledger_writes(app: &TestApp, broken: bool) {
    use sea_orm::{ConnectionTrait, DbBackend};
    let sql: &[&str] = match (app.db.get_database_backend(), broken) {
        (DbBackend::Postgres, true) => &[
            "CREATE FUNCTION simulated_crash() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'simulated crash'; END $$",
            "CREATE TRIGGER simulated_crash BEFORE INSERT ON ledger_entries FOR EACH ROW EXECUTE FUNCTION simulated_crash()",
        ],
        (DbBackend::Postgres, false) => &[
            "DROP TRIGGER simulated_crash ON ledger_entries",
            "DROP FUNCTION simulated_crash()",
        ],
        (_, true) => &[
            "CREATE TRIGGER simulated_crash BEFORE INSERT ON ledger_entries BEGIN SELECT RAISE(ABORT, 'simulated crash'); END",
        ],
        (_, false) => &["DROP TRIGGER simulated_crash"],
    };
    for statement in sql {
        app.db.execute_unprepared(statement).await.unwrap();
    }
}

#[tokio::test]
async fn a_crash_after_stripe_charged_is_finished_exactly_once_by_the_webhook_retry() {
    let fake = FakeStripe::start().await;
    fake.accept_checkouts().await;
    let app = stripe_app(&fake).await;
    let (id, attempt) = go_to_checkout(&app).await;
    let body = paid_event("evt_crash", "checkout.session.completed", &attempt, 106_500);
    let now = Utc::now().timestamp();

    break_ledger_writes(&app, true).await;
    // Our side fails mid-way: Stripe sees an error and will send the event again.
    assert_eq!(deliver(&app, &body, WEBHOOK_SECRET, now).await, 500);
    assert_eq!(
        latest_attempt(&app).await.status,
        PaymentStatus::Pending,
        "nothing half-done was kept"
    );
    assert_eq!(
        provider_event::Entity::find().count(&app.db).await.unwrap(),
        0
    );
    break_ledger_writes(&app, false).await;

    for _ in 0..2 {
        assert_eq!(deliver(&app, &body, WEBHOOK_SECRET, now).await, 200);
    }
    assert_eq!(card_payments(&app, id).await, 1);
    assert_eq!(balance_minor(&app, id).await, 0);
}
