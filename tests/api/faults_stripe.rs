//! The fake Stripe slow, failing (500, 429), timing out, or not there at all, while a person
//! starts a payment or an automatic payment is taken. The person is told the truth: "you have
//! not been charged" only when no request reached Stripe; otherwise we say we are checking,
//! and every retry sends the same idempotency key, so nothing is ever taken twice.
use std::time::Duration as WaitTime;

use goodterms::domain::payments::PaymentStatus;
use goodterms::entities::payment_attempt;
use goodterms::providers::ProviderError;
use goodterms::providers::stripe::StripeProvider;
use reqwest::Response;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::autopay::{
    agree_plan, autopay_attempts, card_payments, deliver, first_installment_paid, give_notice, run,
    stripe_mandate,
};
use crate::helpers::TestApp;
use crate::payments::{account_id, balance_minor};
use crate::stripe_fake::{
    FakeStripe, SECRET_KEY, error_json, event_json, header, payment_intent_json, session_json,
    unreachable_api_base,
};
use crate::stripe_webhooks::{latest_attempt, stripe_app, stripe_app_at};

const NOT_CHARGED: &str = "you have not been charged";
const CHECKING: &str = "we are checking what happened";
const CHECKOUTS: &str = "/v1/checkout/sessions";
const INTENTS: &str = "/v1/payment_intents";
/// Alex's demo balance.
const ALEX_OWES_MINOR: i64 = 106_500;

/// `http_method url_path` answers `status` once, then falls through to later mocks.
async fn fail_once(fake: &FakeStripe, http_method: &str, url_path: &str, status: u16) {
    let body = error_json("api_error", "", "Something went wrong on Stripe's end.");
    fake.mount(
        Mock::given(method(http_method))
            .and(path(url_path))
            .respond_with(ResponseTemplate::new(status).set_body_raw(body, "application/json"))
            .up_to_n_times(1),
    )
    .await;
}

async fn press_pay_in_full(app: &TestApp) -> Response {
    let id = account_id(app, "NW-1001").await;
    app.post_form(&format!("/account/{id}/pay"), &[("choice", "full")])
        .await
}

/// The 503 page, with `Retry-After`, and its words.
async fn unavailable_page(response: Response) -> String {
    assert_eq!(response.status().as_u16(), 503);
    assert!(
        response.headers().get("retry-after").is_some(),
        "no Retry-After"
    );
    response.text().await.expect("body")
}

async fn attempts(app: &TestApp) -> u64 {
    payment_attempt::Entity::find()
        .count(&app.db)
        .await
        .expect("count")
}

fn idempotency_keys(requests: &[wiremock::Request]) -> Vec<Option<String>> {
    requests
        .iter()
        .map(|r| header(r, "idempotency-key"))
        .collect()
}

#[tokio::test]
async fn stripe_not_reached_at_checkout_says_you_have_not_been_charged() {
    let app = stripe_app_at(unreachable_api_base()).await;

    let page = unavailable_page(press_pay_in_full(&app).await).await;
    assert!(page.contains(NOT_CHARGED), "{page}");
    assert_eq!(latest_attempt(&app).await.status, PaymentStatus::Failed);
    let id = account_id(&app, "NW-1001").await;
    assert_eq!(balance_minor(&app, id).await, ALEX_OWES_MINOR);
}

/// Stripe answers `status` to the first checkout request; the person tries again.
async fn checkout_retried_after(status: u16) {
    let fake = FakeStripe::start().await;
    fail_once(&fake, "POST", CHECKOUTS, status).await;
    fake.accept_checkouts().await;
    let app = stripe_app(&fake).await;

    let page = unavailable_page(press_pay_in_full(&app).await).await;
    assert!(page.contains(CHECKING), "{page}");
    assert!(
        !page.contains(NOT_CHARGED),
        "it may have reached Stripe: {page}"
    );
    let waiting = latest_attempt(&app).await;
    assert_eq!(waiting.status, PaymentStatus::Created, "not written off");

    let again = press_pay_in_full(&app).await;
    assert_eq!(again.status().as_u16(), 303);
    let to = again.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    assert!(to.starts_with("https://checkout.stripe.com/"), "{to}");
    let key = Some(waiting.idempotency_key.clone());
    assert_eq!(
        idempotency_keys(&fake.requests_to(CHECKOUTS).await),
        [key.clone(), key],
        "the retry carried the same key"
    );
    assert_eq!(
        attempts(&app).await,
        1,
        "the same payment attempt carried on"
    );
    assert_eq!(latest_attempt(&app).await.status, PaymentStatus::Pending);
}

#[tokio::test]
async fn a_stripe_server_error_at_checkout_is_checked_and_retried_with_the_same_key() {
    checkout_retried_after(500).await;
}

#[tokio::test]
async fn stripe_rate_limiting_at_checkout_is_checked_and_retried_with_the_same_key() {
    checkout_retried_after(429).await;
}

#[tokio::test]
async fn a_slow_stripe_within_the_timeout_still_starts_the_checkout() {
    let fake = FakeStripe::start().await;
    let mut session = session_json("cs_test_slow", "open", "unpaid", ALEX_OWES_MINOR, "gbp", 1);
    session["url"] = json!("https://checkout.stripe.com/c/pay/cs_test_slow");
    fake.mount(
        Mock::given(method("POST"))
            .and(path(CHECKOUTS))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(session)
                    .set_delay(WaitTime::from_millis(800)),
            ),
    )
    .await;
    let app = stripe_app(&fake).await;

    assert_eq!(press_pay_in_full(&app).await.status().as_u16(), 303);
    let attempt = latest_attempt(&app).await;
    assert_eq!(attempt.status, PaymentStatus::Pending);
    assert_eq!(attempt.provider_ref.as_deref(), Some("cs_test_slow"));
}

#[tokio::test]
async fn a_stripe_call_that_times_out_may_have_reached_stripe() {
    let fake = FakeStripe::start().await;
    fake.mount(
        Mock::given(method("POST"))
            .and(path(INTENTS))
            .respond_with(ResponseTemplate::new(200).set_delay(WaitTime::from_secs(3))),
    )
    .await;
    let impatient = StripeProvider::with_timeout(
        SECRET_KEY,
        Some(&fake.api_base()),
        WaitTime::from_millis(300),
    );

    let result = impatient
        .charge_off_session(7, "attempt-7", 5_000, "EUR", "cus_test_1", "pm_test_card")
        .await;
    assert!(
        matches!(result, Err(ProviderError::Unavailable(_))),
        "a timeout leaves the outcome unknown, never 'not reached': {result:?}"
    );
}

#[tokio::test]
async fn an_automatic_payment_stripe_failed_to_answer_is_resent_with_the_same_key_and_taken_once() {
    let fake = FakeStripe::start().await;
    fail_once(&fake, "POST", INTENTS, 500).await;
    fail_once(&fake, "POST", INTENTS, 429).await;
    fake.accept_payment_intents("succeeded").await;
    let app = stripe_app(&fake).await;
    let (id, first_due) = agree_plan(&app).await;
    stripe_mandate(&app, id).await;
    give_notice(&app, first_due).await;

    for pass in 1..=3 {
        run(&app, first_due).await;
        let expected = if pass < 3 {
            PaymentStatus::Created
        } else {
            PaymentStatus::Pending
        };
        assert_eq!(
            autopay_attempts(&app).await[0].status,
            expected,
            "after pass {pass}"
        );
    }
    let attempts = autopay_attempts(&app).await;
    assert_eq!(attempts.len(), 1, "one attempt, sent three times");
    let key = Some(attempts[0].idempotency_key.clone());
    assert_eq!(
        idempotency_keys(&fake.requests_to(INTENTS).await),
        [key.clone(), key.clone(), key]
    );

    let intent = payment_intent_json(
        "pi_test_offsession1",
        "succeeded",
        21_300,
        "gbp",
        json!({"attempt_id": attempts[0].id.to_string(), "off_session": "true"}),
    );
    let event = event_json("evt_autopay_retried", "payment_intent.succeeded", intent);
    assert_eq!(deliver(&app, &event).await, 200);
    assert_eq!(card_payments(&app, id).await, 1);
    assert_eq!(first_installment_paid(&app).await, 21_300);
}
