//! `FakeStripe`: a scripted stand-in for Stripe's API on wiremock, speaking Stripe's JSON shapes
//! (checked against async-stripe's own types below), plus the tests of our Stripe provider.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use goodterms::entities::payment_attempt;
use goodterms::providers::stripe::{StripeProvider, WebhookError, sign_for_tests, verify_webhook};
use goodterms::providers::{CheckoutRequest, CheckoutStatus, PaymentEvent, ProviderError};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::helpers::TestApp;

pub const SECRET_KEY: &str = "sk_test_goodterms";
pub const WEBHOOK_SECRET: &str = "whsec_test_goodterms";
const NOW: i64 = 1_763_900_000;

pub struct FakeStripe {
    server: MockServer,
}

impl FakeStripe {
    pub async fn start() -> Self {
        Self {
            server: MockServer::start().await,
        }
    }

    /// What `STRIPE_API_BASE` should be for the app under test.
    pub fn api_base(&self) -> String {
        self.server.uri()
    }

    /// Points the app's Stripe settings (keys and API base) at this fake.
    pub fn configure(&self, settings: &mut goodterms::config::Settings) {
        settings.stripe_secret_key = Some(SECRET_KEY.into());
        settings.stripe_webhook_secret = Some(WEBHOOK_SECRET.into());
        settings.stripe_api_base = Some(self.api_base());
    }

    pub fn provider(&self) -> StripeProvider {
        StripeProvider::new(SECRET_KEY, Some(&self.api_base()))
    }

    /// `POST /v1/checkout/sessions` creates open sessions, replaying the same session for a
    /// repeated `Idempotency-Key` as Stripe does.
    pub async fn accept_checkouts(&self) {
        Mock::given(method("POST"))
            .and(path("/v1/checkout/sessions"))
            .respond_with(CheckoutSessions::default())
            .mount(&self.server)
            .await;
    }

    /// `GET /v1/checkout/sessions/{id}` answers with `session` (see [`session_json`]).
    pub async fn script_session(&self, session: Value) {
        let id = session["id"].as_str().expect("session id").to_string();
        Mock::given(method("GET"))
            .and(path(format!("/v1/checkout/sessions/{id}")))
            .respond_with(ResponseTemplate::new(200).set_body_json(session))
            .mount(&self.server)
            .await;
    }

    /// `POST /v1/payment_intents` confirms intents with `status`, echoing amount, currency and
    /// metadata from the request.
    pub async fn accept_payment_intents(&self, status: &'static str) {
        let respond = move |request: &Request| {
            let form = form(request);
            let metadata: HashMap<&str, &str> = form
                .iter()
                .filter_map(|(k, v)| {
                    let key = k.strip_prefix("metadata[")?.strip_suffix(']')?;
                    Some((key, v.as_str()))
                })
                .collect();
            ResponseTemplate::new(200).set_body_json(payment_intent_json(
                "pi_test_offsession1",
                status,
                form["amount"].parse().expect("amount"),
                &form["currency"],
                json!(metadata),
            ))
        };
        Mock::given(method("POST"))
            .and(path("/v1/payment_intents"))
            .respond_with(respond)
            .mount(&self.server)
            .await;
    }

    /// Any `http_method` request to `url_path` fails with `status` and `body`.
    pub async fn fail(&self, http_method: &str, url_path: &str, status: u16, body: &str) {
        Mock::given(method(http_method))
            .and(path(url_path))
            .respond_with(ResponseTemplate::new(status).set_body_raw(body, "application/json"))
            .mount(&self.server)
            .await;
    }

    /// Any other scripted answer.
    pub async fn mount(&self, mock: Mock) {
        mock.mount(&self.server).await;
    }

    /// Requests received for `url_path`, oldest first.
    pub async fn requests_to(&self, url_path: &str) -> Vec<Request> {
        let all = self.server.received_requests().await.expect("recording");
        all.into_iter()
            .filter(|r| r.url.path() == url_path)
            .collect()
    }
}

/// An API base where nothing listens, so connections are refused: Stripe unreachable. (A
/// dropped `MockServer` goes back to wiremock's pool and keeps listening.)
pub fn unreachable_api_base() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port();
    format!("http://127.0.0.1:{port}")
}

/// Mints `cs_test_…` sessions; a repeated idempotency key gets the first session back.
#[derive(Default)]
struct CheckoutSessions {
    by_key: Mutex<HashMap<String, Value>>,
    created: AtomicUsize,
}

impl Respond for CheckoutSessions {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let key = header(request, "idempotency-key").unwrap_or_default();
        let mut by_key = self.by_key.lock().expect("lock");
        let session = by_key.entry(key).or_insert_with(|| {
            let n = self.created.fetch_add(1, Ordering::SeqCst) + 1;
            created_session(&form(request), n)
        });
        ResponseTemplate::new(200).set_body_json(session.clone())
    }
}

fn created_session(form: &HashMap<String, String>, n: usize) -> Value {
    let id = format!("cs_test_a1{n:04}");
    let mut session = session_json(
        &id,
        "open",
        "unpaid",
        form["line_items[0][price_data][unit_amount]"]
            .parse()
            .expect("unit_amount"),
        &form["line_items[0][price_data][currency]"],
        form["metadata[attempt_id]"].parse().expect("attempt_id"),
    );
    session["url"] = json!(format!("https://checkout.stripe.com/c/pay/{id}"));
    session["success_url"] = json!(form.get("success_url"));
    session["cancel_url"] = json!(form.get("cancel_url"));
    session["customer_email"] = json!(form.get("customer_email"));
    session
}

/// A Stripe event saying the attempt's Checkout Session was paid `amount` (GBP).
pub fn paid_event(
    event_id: &str,
    kind: &str,
    attempt: &payment_attempt::Model,
    amount: i64,
) -> String {
    let session = session_json(
        attempt.provider_ref.as_deref().unwrap(),
        "complete",
        "paid",
        amount,
        "gbp",
        attempt.id,
    );
    event_json(event_id, kind, session)
}

/// Sends a webhook to the app signed with `secret` at `timestamp`; returns the status.
pub async fn deliver(app: &TestApp, body: &str, secret: &str, timestamp: i64) -> u16 {
    app.client
        .post(app.url("/webhooks/stripe"))
        .header("Stripe-Signature", sign_for_tests(body, secret, timestamp))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// A request's form body, keys decoded (`line_items[0][quantity]`).
pub fn form(request: &Request) -> HashMap<String, String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(&request.body)
        .expect("form body")
        .into_iter()
        .collect()
}

pub fn header(request: &Request, name: &str) -> Option<String> {
    request
        .headers
        .get(name)
        .map(|v| v.to_str().expect("ascii").to_string())
}

/// A Checkout Session in payment mode for our attempt, as Stripe returns and sends it.
pub fn session_json(
    id: &str,
    status: &str,
    payment_status: &str,
    amount_minor: i64,
    currency: &str,
    attempt_id: i32,
) -> Value {
    let paid = payment_status == "paid";
    // Two halves: one `json!` this size exceeds the macro's recursion limit.
    let mut session = json!({
        "id": id,
        "object": "checkout.session",
        "after_expiration": null,
        "allow_promotion_codes": null,
        "amount_subtotal": amount_minor,
        "amount_total": amount_minor,
        "automatic_tax": {"enabled": false, "liability": null, "provider": null, "status": null},
        "billing_address_collection": null,
        "cancel_url": "https://goodterms.example/pay/cancelled",
        "client_reference_id": attempt_id.to_string(),
        "client_secret": null,
        "consent": null,
        "consent_collection": null,
        "created": NOW - 120,
        "currency": currency.to_ascii_lowercase(),
        "custom_fields": [],
        "custom_text": {
            "after_submit": null,
            "shipping_address": null,
            "submit": null,
            "terms_of_service_acceptance": null
        },
        "customer": null,
        "customer_creation": "if_required",
        "customer_details": null,
        "customer_email": null,
        "expires_at": NOW + 86_280,
        "invoice": null,
        "invoice_creation": null,
        "livemode": false,
        "locale": null
    });
    let rest = json!({
        "metadata": {"attempt_id": attempt_id.to_string()},
        "mode": "payment",
        "payment_intent": if paid { json!("pi_test_checkout1") } else { Value::Null },
        "payment_link": null,
        "payment_method_collection": "if_required",
        "payment_method_options": {},
        "payment_method_types": ["card"],
        "payment_status": payment_status,
        "phone_number_collection": {"enabled": false},
        "recovered_from": null,
        "setup_intent": null,
        "shipping_address_collection": null,
        "shipping_cost": null,
        "shipping_options": [],
        "status": status,
        "submit_type": null,
        "subscription": null,
        "success_url": "https://goodterms.example/pay/done?session_id={CHECKOUT_SESSION_ID}",
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "ui_mode": "hosted",
        "url": null
    });
    let fields = session.as_object_mut().expect("object");
    fields.extend(rest.as_object().expect("object").clone());
    session
}

pub fn payment_intent_json(
    id: &str,
    status: &str,
    amount_minor: i64,
    currency: &str,
    metadata: Value,
) -> Value {
    let received = if status == "succeeded" {
        amount_minor
    } else {
        0
    };
    json!({
        "id": id,
        "object": "payment_intent",
        "amount": amount_minor,
        "amount_capturable": 0,
        "amount_received": received,
        "capture_method": "automatic_async",
        "client_secret": format!("{id}_secret_test"),
        "confirmation_method": "automatic",
        "created": NOW - 5,
        "currency": currency.to_ascii_lowercase(),
        "customer": "cus_test_1",
        "description": null,
        "last_payment_error": null,
        "latest_charge": if received > 0 { json!("ch_test_1") } else { Value::Null },
        "livemode": false,
        "metadata": metadata,
        "next_action": null,
        "payment_method": "pm_test_card",
        "payment_method_types": ["card"],
        "status": status
    })
}

pub fn charge_json(id: &str, amount_minor: i64, refunded_minor: i64, metadata: Value) -> Value {
    json!({
        "id": id,
        "object": "charge",
        "amount": amount_minor,
        "amount_captured": amount_minor,
        "amount_refunded": refunded_minor,
        "billing_details": {"address": null, "email": null, "name": null, "phone": null, "tax_id": null},
        "captured": true,
        "created": NOW - 3_600,
        "currency": "eur",
        "customer": null,
        "description": "Payment to Northwind Utilities",
        "disputed": false,
        "livemode": false,
        "metadata": metadata,
        "paid": true,
        "payment_intent": "pi_test_checkout1",
        "refunded": refunded_minor == amount_minor,
        "status": "succeeded"
    })
}

/// The event envelope Stripe posts to the webhook endpoint.
pub fn event_json(id: &str, kind: &str, object: Value) -> String {
    json!({
        "id": id,
        "object": "event",
        "api_version": "2026-09-30.endive",
        "created": NOW - 1,
        "data": {"object": object},
        "livemode": false,
        "pending_webhooks": 1,
        "request": {"id": null, "idempotency_key": null},
        "type": kind
    })
    .to_string()
}

/// Stripe's error body, e.g. `("card_error", "card_declined", "Your card was declined.")`.
pub fn error_json(kind: &str, code: &str, message: &str) -> String {
    json!({"error": {"type": kind, "code": code, "message": message}}).to_string()
}

fn checkout_request(key: &str) -> CheckoutRequest {
    CheckoutRequest {
        attempt_id: 42,
        idempotency_key: key.to_string(),
        amount_minor: 12_345,
        currency: "EUR".to_string(),
        description: "Payment to Northwind Utilities".to_string(),
        success_url: "https://goodterms.example/pay/done?session_id={CHECKOUT_SESSION_ID}"
            .to_string(),
        cancel_url: "https://goodterms.example/pay/cancelled".to_string(),
        customer_email: Some("ada@example.com".to_string()),
    }
}

async fn charge(fake: &FakeStripe) -> Result<String, ProviderError> {
    fake.provider()
        .charge_off_session(7, "attempt-7", 5_000, "EUR", "cus_test_1", "pm_test_card")
        .await
}

fn signed(payload: &str) -> Result<PaymentEvent, WebhookError> {
    let header = sign_for_tests(payload, WEBHOOK_SECRET, NOW);
    verify_webhook(payload, &header, WEBHOOK_SECRET, NOW)
}

#[tokio::test]
async fn start_checkout_creates_one_payment_session_for_the_attempt() {
    let fake = FakeStripe::start().await;
    fake.accept_checkouts().await;

    let started = fake
        .provider()
        .start_checkout(&checkout_request("attempt-42-key"))
        .await
        .expect("checkout");

    assert!(started.provider_ref.starts_with("cs_test_"));
    assert_eq!(
        started.redirect_url,
        format!("https://checkout.stripe.com/c/pay/{}", started.provider_ref)
    );
    let requests = fake.requests_to("/v1/checkout/sessions").await;
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(
        header(request, "idempotency-key").as_deref(),
        Some("attempt-42-key")
    );
    assert_eq!(
        header(request, "authorization").as_deref(),
        Some("Bearer sk_test_goodterms")
    );
    let sent = form(request);
    for (key, value) in [
        ("mode", "payment"),
        ("line_items[0][price_data][currency]", "eur"),
        ("line_items[0][price_data][unit_amount]", "12345"),
        (
            "line_items[0][price_data][product_data][name]",
            "Payment to Northwind Utilities",
        ),
        ("line_items[0][quantity]", "1"),
        ("client_reference_id", "42"),
        ("metadata[attempt_id]", "42"),
        ("payment_intent_data[metadata][attempt_id]", "42"),
        (
            "payment_intent_data[description]",
            "Payment to Northwind Utilities",
        ),
        (
            "success_url",
            "https://goodterms.example/pay/done?session_id={CHECKOUT_SESSION_ID}",
        ),
        ("cancel_url", "https://goodterms.example/pay/cancelled"),
        ("customer_email", "ada@example.com"),
    ] {
        assert_eq!(sent.get(key).map(String::as_str), Some(value), "{key}");
    }
    assert!(
        !sent.keys().any(|k| k.contains("statement_descriptor")),
        "{sent:?}"
    );
}

#[tokio::test]
async fn a_retried_checkout_reuses_the_key_and_gets_the_same_session() {
    let fake = FakeStripe::start().await;
    fake.accept_checkouts().await;
    let provider = fake.provider();
    let request = checkout_request("attempt-42-key");

    let first = provider.start_checkout(&request).await.expect("first");
    let second = provider.start_checkout(&request).await.expect("retry");

    assert_eq!(first.provider_ref, second.provider_ref);
    let keys: Vec<_> = fake
        .requests_to("/v1/checkout/sessions")
        .await
        .iter()
        .map(|r| header(r, "idempotency-key"))
        .collect();
    let key = Some("attempt-42-key".to_string());
    assert_eq!(keys, [key.clone(), key]);
}

#[tokio::test]
async fn a_stripe_server_error_is_unavailable() {
    let fake = FakeStripe::start().await;
    let body = json!({"error": {"type": "api_error", "message": "Something went wrong."}});
    let body = body.to_string();
    fake.fail("POST", "/v1/checkout/sessions", 500, &body).await;

    let result = fake
        .provider()
        .start_checkout(&checkout_request("k1"))
        .await;

    assert!(
        matches!(result, Err(ProviderError::Unavailable(_))),
        "{result:?}"
    );
    // Sent once: the retry is the caller's, later, with the same key.
    assert_eq!(fake.requests_to("/v1/checkout/sessions").await.len(), 1);
}

#[tokio::test]
async fn a_gateway_error_page_is_unavailable() {
    let fake = FakeStripe::start().await;
    let html = "<html><body>502 Bad Gateway</body></html>";
    fake.fail("POST", "/v1/checkout/sessions", 502, html).await;

    let result = fake
        .provider()
        .start_checkout(&checkout_request("k1"))
        .await;

    assert!(
        matches!(result, Err(ProviderError::Unavailable(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_unreachable_stripe_is_unreachable() {
    let result = StripeProvider::new(SECRET_KEY, Some(&unreachable_api_base()))
        .start_checkout(&checkout_request("k1"))
        .await;

    // Never connected, so Stripe never saw the request: nothing can have happened there.
    assert!(
        matches!(result, Err(ProviderError::Unreachable(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_invalid_request_is_rejected() {
    let fake = FakeStripe::start().await;
    let body = error_json(
        "invalid_request_error",
        "parameter_invalid_integer",
        "Invalid integer: -5",
    );
    fake.fail("POST", "/v1/checkout/sessions", 400, &body).await;

    let result = fake
        .provider()
        .start_checkout(&checkout_request("k1"))
        .await;

    assert!(
        matches!(&result, Err(ProviderError::Rejected(m)) if m.contains("Invalid integer")),
        "{result:?}"
    );
}

#[tokio::test]
async fn checkout_status_reports_paid_open_unpaid_and_expired() {
    let fake = FakeStripe::start().await;
    fake.script_session(session_json(
        "cs_test_paid",
        "complete",
        "paid",
        12_345,
        "eur",
        42,
    ))
    .await;
    fake.script_session(session_json(
        "cs_test_open",
        "open",
        "unpaid",
        12_345,
        "eur",
        42,
    ))
    .await;
    fake.script_session(session_json(
        "cs_test_pending",
        "complete",
        "unpaid",
        100,
        "eur",
        42,
    ))
    .await;
    fake.script_session(session_json(
        "cs_test_gone",
        "expired",
        "unpaid",
        100,
        "eur",
        42,
    ))
    .await;
    let provider = fake.provider();
    let status = async |id: &str| provider.checkout_status(id).await.expect(id);

    assert_eq!(
        status("cs_test_paid").await,
        CheckoutStatus::Paid {
            amount_minor: 12_345,
            currency: "EUR".to_string(),
            payment_intent: Some("pi_test_checkout1".to_string()),
        }
    );
    assert_eq!(status("cs_test_open").await, CheckoutStatus::Open);
    assert_eq!(status("cs_test_pending").await, CheckoutStatus::Unpaid);
    assert_eq!(status("cs_test_gone").await, CheckoutStatus::Expired);
}

#[tokio::test]
async fn an_off_session_charge_is_confirmed_with_our_key_and_metadata() {
    let fake = FakeStripe::start().await;
    fake.accept_payment_intents("succeeded").await;

    let intent_id = charge(&fake).await.expect("charge");

    assert_eq!(intent_id, "pi_test_offsession1");
    let requests = fake.requests_to("/v1/payment_intents").await;
    assert_eq!(
        header(&requests[0], "idempotency-key").as_deref(),
        Some("attempt-7")
    );
    let sent = form(&requests[0]);
    for (key, value) in [
        ("amount", "5000"),
        ("currency", "eur"),
        ("customer", "cus_test_1"),
        ("payment_method", "pm_test_card"),
        ("confirm", "true"),
        ("off_session", "true"),
        ("metadata[attempt_id]", "7"),
        ("metadata[off_session]", "true"),
    ] {
        assert_eq!(sent.get(key).map(String::as_str), Some(value), "{key}");
    }
}

#[tokio::test]
async fn a_declined_off_session_charge_is_declined() {
    let fake = FakeStripe::start().await;
    let body = error_json(
        "card_error",
        "card_declined",
        "Your card has insufficient funds.",
    );
    fake.fail("POST", "/v1/payment_intents", 402, &body).await;

    let result = charge(&fake).await;

    assert!(
        matches!(&result, Err(ProviderError::Declined(m)) if m == "Your card has insufficient funds."),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_off_session_charge_needing_authentication_is_action_required() {
    let fake = FakeStripe::start().await;
    // Stripe's real body also carries the intent, which must not break parsing of the error.
    let intent = payment_intent_json(
        "pi_test_3ds",
        "requires_payment_method",
        5_000,
        "eur",
        json!({"attempt_id": "7", "off_session": "true"}),
    );
    let body = json!({"error": {
        "type": "card_error",
        "code": "authentication_required",
        "decline_code": "authentication_required",
        "message": "Your card was declined. This transaction requires authentication.",
        "payment_intent": intent,
    }})
    .to_string();
    fake.fail("POST", "/v1/payment_intents", 402, &body).await;

    let result = charge(&fake).await;

    assert!(
        matches!(result, Err(ProviderError::ActionRequired)),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_off_session_intent_left_requiring_action_is_action_required() {
    let fake = FakeStripe::start().await;
    fake.accept_payment_intents("requires_action").await;

    let result = charge(&fake).await;

    assert!(
        matches!(result, Err(ProviderError::ActionRequired)),
        "{result:?}"
    );
}

#[test]
fn a_signed_paid_checkout_is_checkout_paid() {
    let session = session_json("cs_test_paid", "complete", "paid", 12_345, "eur", 42);
    let payload = event_json("evt_1", "checkout.session.completed", session);

    assert_eq!(
        signed(&payload).expect("verified"),
        PaymentEvent::CheckoutPaid {
            event_id: "evt_1".to_string(),
            attempt_id: 42,
            session_id: "cs_test_paid".to_string(),
            amount_minor: 12_345,
            currency: "EUR".to_string(),
        }
    );
}

#[test]
fn the_fakes_payloads_match_async_stripes_types() {
    // Keeps the fake honest: Stripe's own shapes, not just enough for our mapping.
    let payloads = [
        event_json(
            "evt_1",
            "checkout.session.completed",
            session_json("cs_test_1", "complete", "paid", 100, "eur", 1),
        ),
        event_json(
            "evt_2",
            "payment_intent.succeeded",
            payment_intent_json("pi_1", "succeeded", 100, "eur", json!({})),
        ),
        event_json(
            "evt_3",
            "charge.refunded",
            charge_json("ch_1", 100, 100, json!({})),
        ),
    ];
    for payload in payloads {
        let header = sign_for_tests(&payload, WEBHOOK_SECRET, NOW);
        stripe_webhook::Webhook::construct_event_with_timestamp(
            &payload,
            &header,
            WEBHOOK_SECRET,
            NOW,
        )
        .unwrap_or_else(|err| panic!("{err}: {payload}"));
    }
}

#[test]
fn forged_stale_future_and_tampered_webhooks_are_rejected() {
    let session = session_json("cs_test_paid", "complete", "paid", 12_345, "eur", 42);
    let payload = event_json("evt_1", "checkout.session.completed", session);
    let verify = |header: &str, body: &str| verify_webhook(body, header, WEBHOOK_SECRET, NOW);

    let wrong_secret = sign_for_tests(&payload, "whsec_someone_else", NOW);
    assert!(matches!(
        verify(&wrong_secret, &payload),
        Err(WebhookError::BadSignature)
    ));

    let ten_minutes_old = sign_for_tests(&payload, WEBHOOK_SECRET, NOW - 600);
    assert!(matches!(
        verify(&ten_minutes_old, &payload),
        Err(WebhookError::BadTimestamp(_))
    ));

    let ten_minutes_ahead = sign_for_tests(&payload, WEBHOOK_SECRET, NOW + 600);
    assert!(matches!(
        verify(&ten_minutes_ahead, &payload),
        Err(WebhookError::BadTimestamp(_))
    ));

    let header = sign_for_tests(&payload, WEBHOOK_SECRET, NOW);
    let tampered = payload.replace("12345", "99999");
    assert_ne!(tampered, payload);
    assert!(matches!(
        verify(&header, &tampered),
        Err(WebhookError::BadSignature)
    ));
    // A body that is not even an event must fail on the signature, never reach parsing.
    assert!(matches!(
        verify(&header, "{}"),
        Err(WebhookError::BadSignature)
    ));

    assert!(matches!(
        verify("v1=abc", &payload),
        Err(WebhookError::BadHeader)
    ));
    // Within the tolerance either way is fine: clocks drift.
    let slightly_ahead = sign_for_tests(&payload, WEBHOOK_SECRET, NOW + 60);
    assert!(verify(&slightly_ahead, &payload).is_ok());
}

#[test]
fn an_unpaid_completed_checkout_waits_for_the_async_result() {
    let session = session_json("cs_test_ach", "complete", "unpaid", 100, "eur", 42);
    let completed = event_json("evt_1", "checkout.session.completed", session.clone());
    let succeeded = event_json(
        "evt_2",
        "checkout.session.async_payment_succeeded",
        session.clone(),
    );
    let failed = event_json("evt_3", "checkout.session.async_payment_failed", session);

    assert_eq!(
        signed(&completed).expect("verified"),
        PaymentEvent::Other {
            event_id: "evt_1".to_string(),
            kind: "checkout.session.completed".to_string(),
        }
    );
    assert!(matches!(
        signed(&succeeded).expect("verified"),
        PaymentEvent::CheckoutPaid {
            attempt_id: 42,
            amount_minor: 100,
            ..
        }
    ));
    assert!(matches!(
        signed(&failed).expect("verified"),
        PaymentEvent::CheckoutFailed { attempt_id: 42, .. }
    ));
}

#[test]
fn an_expired_checkout_is_checkout_expired() {
    let session = session_json("cs_test_gone", "expired", "unpaid", 100, "eur", 42);
    let payload = event_json("evt_1", "checkout.session.expired", session);

    assert_eq!(
        signed(&payload).expect("verified"),
        PaymentEvent::CheckoutExpired {
            event_id: "evt_1".to_string(),
            attempt_id: 42,
            session_id: "cs_test_gone".to_string(),
        }
    );
}

#[test]
fn only_our_off_session_intents_are_decided_by_intent_events() {
    let ours = json!({"attempt_id": "7", "off_session": "true"});
    let checkouts = json!({"attempt_id": "42"});
    let succeeded = |metadata: &Value| {
        let intent = payment_intent_json("pi_1", "succeeded", 5_000, "eur", metadata.clone());
        signed(&event_json("evt_1", "payment_intent.succeeded", intent)).expect("verified")
    };
    let failed = |metadata: &Value| {
        let mut intent = payment_intent_json(
            "pi_1",
            "requires_payment_method",
            5_000,
            "eur",
            metadata.clone(),
        );
        intent["last_payment_error"] = json!({
            "type": "card_error", "code": "card_declined", "message": "Your card was declined."
        });
        signed(&event_json(
            "evt_2",
            "payment_intent.payment_failed",
            intent,
        ))
        .expect("verified")
    };

    assert_eq!(
        succeeded(&ours),
        PaymentEvent::IntentSucceeded {
            event_id: "evt_1".to_string(),
            attempt_id: 7,
            intent_id: "pi_1".to_string(),
            amount_minor: 5_000,
            currency: "EUR".to_string(),
        }
    );
    assert_eq!(
        failed(&ours),
        PaymentEvent::IntentFailed {
            event_id: "evt_2".to_string(),
            attempt_id: 7,
            intent_id: "pi_1".to_string(),
            message: "Your card was declined.".to_string(),
        }
    );
    assert!(matches!(succeeded(&checkouts), PaymentEvent::Other { .. }));
    assert!(matches!(failed(&checkouts), PaymentEvent::Other { .. }));
}

#[test]
fn a_refunded_charge_is_refunded() {
    let charge = charge_json("ch_1", 12_345, 2_000, json!({"attempt_id": "42"}));
    let payload = event_json("evt_9", "charge.refunded", charge);

    assert_eq!(
        signed(&payload).expect("verified"),
        PaymentEvent::Refunded {
            event_id: "evt_9".to_string(),
            attempt_id: 42,
            amount_minor: 2_000,
            currency: "EUR".to_string(),
        }
    );
}

#[test]
fn an_event_without_our_attempt_id_is_unmatched() {
    let charge = charge_json("ch_1", 12_345, 12_345, json!({}));
    let payload = event_json("evt_9", "charge.refunded", charge);

    assert!(matches!(
        signed(&payload),
        Err(WebhookError::Unmatched(id)) if id == "evt_9"
    ));

    let mut session = session_json("cs_test_1", "complete", "paid", 100, "eur", 1);
    session["metadata"] = json!({"attempt_id": "not-a-number"});
    let payload = event_json("evt_10", "checkout.session.completed", session);
    assert!(matches!(
        signed(&payload),
        Err(WebhookError::Unmatched(id)) if id == "evt_10"
    ));
}

#[test]
fn unknown_and_unhandled_event_types_are_other() {
    let payload = event_json(
        "evt_5",
        "billing.meter.brand_new_thing",
        json!({"id": "x_1", "object": "brand_new_thing"}),
    );
    assert_eq!(
        signed(&payload).expect("verified"),
        PaymentEvent::Other {
            event_id: "evt_5".to_string(),
            kind: "billing.meter.brand_new_thing".to_string(),
        }
    );

    let customer = json!({"id": "cus_1", "object": "customer", "created": NOW, "livemode": false});
    let payload = event_json("evt_6", "customer.created", customer);
    assert!(matches!(
        signed(&payload).expect("verified"),
        PaymentEvent::Other { .. }
    ));
}

#[test]
fn a_verified_event_in_another_api_versions_shape_still_maps() {
    // An endpoint pinned to another API version may send shapes async-stripe cannot type;
    // the payment must not be refused for fields we never read.
    let mut session = session_json("cs_test_paid", "complete", "paid", 700, "gbp", 3);
    session
        .as_object_mut()
        .expect("object")
        .remove("custom_text");
    session["automatic_tax"] = json!("no longer an object");
    let payload = event_json("evt_7", "checkout.session.completed", session);

    assert!(matches!(
        signed(&payload).expect("verified"),
        PaymentEvent::CheckoutPaid {
            attempt_id: 3,
            amount_minor: 700,
            ..
        }
    ));
}

#[tokio::test]
async fn an_api_base_with_a_path_prefix_keeps_it() {
    // The client glues `v1/...` straight onto the base, so "…/stripe" must become "…/stripe/".
    let server = MockServer::start().await;
    let session = session_json("cs_test_open", "open", "unpaid", 1, "eur", 1);
    Mock::given(method("GET"))
        .and(path("/stripe/v1/checkout/sessions/cs_test_open"))
        .respond_with(ResponseTemplate::new(200).set_body_json(session))
        .mount(&server)
        .await;

    let provider = StripeProvider::new(SECRET_KEY, Some(&format!("{}/stripe", server.uri())));
    let status = provider.checkout_status("cs_test_open").await;

    assert!(matches!(status, Ok(CheckoutStatus::Open)), "{status:?}");
}
