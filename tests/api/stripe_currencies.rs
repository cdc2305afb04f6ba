//! Currencies Stripe counts differently from ISO 4217: an ISK payment goes to Stripe as a
//! two-decimal amount (x100) and comes back booked in whole krónur; a BHD amount Stripe cannot
//! charge exactly is refused by the field, not rounded.
use chrono::Utc;
use goodterms::domain::{Currency, EntryKind, Money};
use goodterms::entities::{account, payment_attempt};
use goodterms::providers::stripe::sign_for_tests;
use goodterms::services::accounts::ledger::{self, NewEntry};
use sea_orm::{ActiveModelTrait, EntityTrait, QueryOrder, Set};

use crate::helpers::{TestApp, spawn_app_with};
use crate::payments::{account_id, balance_minor};
use crate::stripe_fake::{FakeStripe, SECRET_KEY, WEBHOOK_SECRET, event_json, form, session_json};

/// The demo app against the fake Stripe, with a second account of Alex's in `currency`
/// owing 106,500 minor units (106,500 krónur in ISK, BHD 106.500). Returns its id.
async fn app_in(fake: &FakeStripe, currency: &str) -> (TestApp, i32) {
    let base = fake.api_base();
    let app = spawn_app_with(|s| {
        s.stripe_secret_key = Some(SECRET_KEY.into());
        s.stripe_webhook_secret = Some(WEBHOOK_SECRET.into());
        s.stripe_api_base = Some(base);
    })
    .await;
    goodterms::services::demo::load(&app.db, &app.hasher, Utc::now())
        .await
        .unwrap();
    let alex = account::Entity::find_by_id(account_id(&app, "NW-1001").await)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let other = account::ActiveModel {
        creditor_id: Set(alex.creditor_id),
        debtor_id: Set(alex.debtor_id),
        reference: Set(format!("NW-{currency}")),
        description: Set("Electricity in another country".to_string()),
        currency: Set(currency.to_string()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    let owed = Money::from_minor(106_500, Currency::parse(currency).unwrap());
    ledger::append(
        &app.db,
        NewEntry {
            account_id: other.id,
            kind: EntryKind::Principal,
            amount: owed,
            description: "Electricity bill",
            reason: None,
            occurred_on: Utc::now().date_naive(),
        },
        Utc::now(),
    )
    .await
    .unwrap();
    app.sign_in_alex().await;
    (app, other.id)
}

async fn latest_attempt(app: &TestApp) -> payment_attempt::Model {
    payment_attempt::Entity::find()
        .order_by_desc(payment_attempt::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .expect("attempt")
}

#[tokio::test]
async fn an_isk_payment_goes_to_stripe_times_a_hundred_and_is_booked_in_kronur() {
    let fake = FakeStripe::start().await;
    fake.accept_checkouts().await;
    let (app, id) = app_in(&fake, "ISK").await;

    let started = app
        .post_form(&format!("/account/{id}/pay"), &[("choice", "full")])
        .await;
    assert_eq!(started.status().as_u16(), 303);
    let requests = fake.requests_to("/v1/checkout/sessions").await;
    let sent = form(&requests[0]);
    assert_eq!(sent["line_items[0][price_data][currency]"], "isk");
    assert_eq!(
        sent["line_items[0][price_data][unit_amount]"], "10650000",
        "106,500 krónur is 10,650,000 in Stripe's two-decimal ISK"
    );

    // Stripe reports the session paid in its own units.
    let attempt = latest_attempt(&app).await;
    assert_eq!(attempt.amount_minor, 106_500);
    let session = session_json(
        attempt.provider_ref.as_deref().unwrap(),
        "complete",
        "paid",
        10_650_000,
        "isk",
        attempt.id,
    );
    let body = event_json("evt_isk_paid", "checkout.session.completed", session);
    let delivered = app
        .client
        .post(app.url("/webhooks/stripe"))
        .header(
            "Stripe-Signature",
            sign_for_tests(&body, WEBHOOK_SECRET, Utc::now().timestamp()),
        )
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(delivered.status().as_u16(), 200);
    assert_eq!(
        balance_minor(&app, id).await,
        0,
        "the whole 106,500 krónur is paid, not a hundredth or a hundred times it"
    );
}

#[tokio::test]
async fn a_bhd_amount_stripe_cannot_charge_exactly_is_refused_by_the_field() {
    let fake = FakeStripe::start().await;
    fake.accept_checkouts().await;
    let (app, id) = app_in(&fake, "BHD").await;

    let refused = app
        .post_form(
            &format!("/account/{id}/pay"),
            &[("choice", "other"), ("amount", "10.125")],
        )
        .await;
    assert_eq!(refused.status().as_u16(), 400);
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("Card payments in BHD must be a multiple of BHD 0.01"),
        "{page}"
    );
    assert!(fake.requests_to("/v1/checkout/sessions").await.is_empty());

    let accepted = app
        .post_form(
            &format!("/account/{id}/pay"),
            &[("choice", "other"), ("amount", "10.120")],
        )
        .await;
    assert_eq!(accepted.status().as_u16(), 303);
    let sent = form(&fake.requests_to("/v1/checkout/sessions").await[0]);
    assert_eq!(sent["line_items[0][price_data][unit_amount]"], "10120");
}
