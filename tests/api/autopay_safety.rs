//! Automatic payments and webhooks that can be trusted with money: never more than is owed,
//! never before the promised notice, reconciled when a webhook is lost, looked up before a
//! resend Stripe would no longer recognise, tied to the installment they are for; webhooks
//! matched by the provider's own ids; a reconciliation pass that survives one bad row.
use chrono::{Duration, Utc};
use goodterms::domain::EntryKind;
use goodterms::domain::payments::{EventOutcome, PaymentStatus};
use goodterms::domain::{Currency, Money};
use goodterms::entities::{autopay_step, installment, payment_attempt, provider_event};
use goodterms::providers::stripe::sign_for_tests;
use goodterms::services::accounts::ledger::{self, NewEntry};
use goodterms::services::payments;
use goodterms::services::plans::choose::{self, PaymentChange};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::autopay::{
    agree_plan, at, autopay_attempts, emails_with_subject, give_notice, opt_in, run, stripe_app,
    stripe_mandate,
};
use crate::helpers::{TestApp, spawn_demo_app};
use crate::payments::balance_minor;
use crate::stripe_fake::{
    FakeStripe, WEBHOOK_SECRET, error_json, event_json, payment_intent_json, session_json,
};
use crate::stripe_webhooks::{deliver, go_to_checkout};

async fn installments(app: &TestApp) -> Vec<installment::Model> {
    installment::Entity::find()
        .order_by_asc(installment::Column::Seq)
        .all(&app.db)
        .await
        .unwrap()
}

async fn debtor_of(app: &TestApp, account: i32) -> i32 {
    goodterms::entities::account::Entity::find_by_id(account)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .debtor_id
}

#[tokio::test]
async fn an_automatic_payment_never_takes_more_than_the_balance() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let (id, first_due) = agree_plan(&app).await;
    opt_in(&app, id, "save").await;
    // A credit leaves £100.00 owed, less than the £213.00 installment.
    ledger::append(
        &app.db,
        NewEntry {
            account_id: id,
            kind: EntryKind::Credit,
            amount: Money::from_minor(-96_500, Currency::GBP),
            description: "Goodwill credit",
            reason: None,
            occurred_on: Utc::now().date_naive(),
        },
        Utc::now(),
    )
    .await
    .unwrap();
    give_notice(&app, first_due).await;
    let notice = emails_with_subject(&app, "A payment is coming up").await;
    assert!(
        notice[0].text_body.contains("£100.00"),
        "the notice says £100.00"
    );

    assert_eq!(run(&app, first_due).await.charges, 1);
    let attempts = autopay_attempts(&app).await;
    assert_eq!(attempts[0].amount_minor, 10_000);
    assert_eq!(balance_minor(&app, id).await, 0, "paid up, not in credit");
}

#[tokio::test]
async fn after_downtime_the_charge_waits_for_its_notice_and_the_person_is_told_the_new_date() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let (id, first_due) = agree_plan(&app).await;
    opt_in(&app, id, "save").await;

    // Nothing ran until two days after the due date: the notice goes, the charge waits.
    let back = run(&app, first_due + Duration::days(2)).await;
    assert_eq!((back.reminders, back.charges), (1, 0));
    let moved_to = first_due + Duration::days(5);
    let notice = emails_with_subject(&app, "A payment is coming up").await;
    assert!(
        notice[0]
            .text_body
            .contains(&moved_to.format("%A %-d %B %Y").to_string()),
        "the notice names the new date"
    );
    assert_eq!(run(&app, first_due + Duration::days(4)).await.charges, 0);
    assert!(autopay_attempts(&app).await.is_empty());
    assert_eq!(run(&app, moved_to).await.charges, 1);
    assert_eq!(balance_minor(&app, id).await, 106_500 - 21_300);
}

#[tokio::test]
async fn skipping_a_payment_keeps_reminders_and_payments_with_their_own_installment() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let (id, first_due) = agree_plan(&app).await;
    opt_in(&app, id, "save").await;
    give_notice(&app, first_due).await;
    // Something already paid towards the last installment.
    let before = installments(&app).await;
    let last = before.last().unwrap().clone();
    installment::ActiveModel {
        id: Set(last.id),
        paid_minor: Set(5_000),
        ..Default::default()
    }
    .update(&app.db)
    .await
    .unwrap();

    let debtor = debtor_of(&app, id).await;
    choose::change_payment(
        &app.db,
        &app.settings.base_url,
        debtor,
        id,
        PaymentChange::Skip { seq: 1 },
        Utc::now(),
    )
    .await
    .unwrap();

    let after = installments(&app).await;
    let skipped = after
        .iter()
        .find(|i| i.id == before[0].id)
        .expect("same row");
    assert_eq!(skipped.seq, 5, "the skipped payment moved to the end");
    let was_last = after.iter().find(|i| i.id == last.id).expect("same row");
    assert_eq!((was_last.due_on, was_last.paid_minor), (last.due_on, 5_000));
    let reminder = autopay_step::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reminder.installment_id, Some(before[0].id));

    // The payment now first gets its own notice before it is charged.
    let second_due = before[1].due_on;
    assert_eq!(run(&app, second_due - Duration::days(3)).await.reminders, 1);
    assert_eq!(run(&app, second_due).await.charges, 1);
}

#[tokio::test]
async fn a_lost_autopay_webhook_is_made_up_for_by_reconciliation() {
    let fake = FakeStripe::start().await;
    fake.accept_payment_intents("processing").await;
    let app = stripe_app(&fake).await;
    let (id, first_due) = agree_plan(&app).await;
    stripe_mandate(&app, id).await;
    give_notice(&app, first_due).await;
    run(&app, first_due).await;
    let attempt = autopay_attempts(&app).await.remove(0);
    assert_eq!(attempt.status, PaymentStatus::Pending);
    assert_eq!(attempt.provider_ref.as_deref(), Some("pi_test_offsession1"));

    let intent = payment_intent_json(
        "pi_test_offsession1",
        "succeeded",
        21_300,
        "gbp",
        json!({"attempt_id": attempt.id.to_string(), "off_session": "true"}),
    );
    fake.mount(
        Mock::given(method("GET"))
            .and(path("/v1/payment_intents/pi_test_offsession1"))
            .respond_with(ResponseTemplate::new(200).set_body_json(intent)),
    )
    .await;
    let later = at(first_due) + Duration::minutes(10);
    let pass =
        payments::reconcile::reconcile(&app.db, &app.provider, &app.settings.base_url, later)
            .await
            .unwrap();
    assert_eq!((pass.checked, pass.failed), (1, 0));
    assert_eq!(balance_minor(&app, id).await, 106_500 - 21_300);
    assert_eq!(
        autopay_attempts(&app).await[0].status,
        PaymentStatus::Succeeded
    );
}

#[tokio::test]
async fn a_resend_after_a_day_asks_stripe_first_and_does_not_charge_twice() {
    let fake = FakeStripe::start().await;
    // The first send's answer is lost: Stripe did take it, but we never heard.
    let unavailable = error_json("api_error", "", "Something went wrong");
    fake.fail("POST", "/v1/payment_intents", 500, &unavailable)
        .await;
    let app = stripe_app(&fake).await;
    let (id, first_due) = agree_plan(&app).await;
    stripe_mandate(&app, id).await;
    give_notice(&app, first_due).await;
    run(&app, first_due).await;
    let attempt = autopay_attempts(&app).await.remove(0);
    assert_eq!(attempt.status, PaymentStatus::Created);

    let taken = payment_intent_json(
        "pi_test_taken",
        "succeeded",
        21_300,
        "gbp",
        json!({"attempt_id": attempt.id.to_string(), "off_session": "true"}),
    );
    let list =
        json!({"object": "list", "data": [taken], "has_more": false, "url": "/v1/payment_intents"});
    fake.mount(
        Mock::given(method("GET"))
            .and(path("/v1/payment_intents"))
            .respond_with(ResponseTemplate::new(200).set_body_json(list)),
    )
    .await;
    // Two days on, Stripe has forgotten the idempotency key.
    run(&app, first_due + Duration::days(2)).await;
    assert_eq!(
        fake.requests_to("/v1/payment_intents")
            .await
            .iter()
            .filter(|r| r.method.as_str() == "POST")
            .count(),
        1,
        "not sent again"
    );
    let attempt = autopay_attempts(&app).await.remove(0);
    assert_eq!(attempt.status, PaymentStatus::Succeeded);
    assert_eq!(attempt.provider_ref.as_deref(), Some("pi_test_taken"));
    assert_eq!(balance_minor(&app, id).await, 106_500 - 21_300);
}

#[tokio::test]
async fn a_webhook_naming_another_checkout_session_is_recorded_and_ignored() {
    let fake = FakeStripe::start().await;
    fake.accept_checkouts().await;
    let app = crate::stripe_webhooks::stripe_app(&fake).await;
    let (id, attempt) = go_to_checkout(&app).await;
    // Right attempt id and amount in the metadata, but not the session we created.
    let other = session_json(
        "cs_test_someone_else",
        "complete",
        "paid",
        106_500,
        "gbp",
        attempt.id,
    );
    let body = event_json("evt_other_session", "checkout.session.completed", other);
    assert_eq!(
        deliver(&app, &body, WEBHOOK_SECRET, Utc::now().timestamp()).await,
        200
    );
    assert_eq!(balance_minor(&app, id).await, 106_500, "nothing booked");
    let event = provider_event::Entity::find()
        .filter(provider_event::Column::EventId.eq("evt_other_session"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("recorded");
    assert_eq!(event.outcome, EventOutcome::Ignored);
    // Nor can another session's expiry end ours.
    let gone = session_json(
        "cs_test_someone_else",
        "expired",
        "unpaid",
        106_500,
        "gbp",
        attempt.id,
    );
    let body = event_json("evt_other_expired", "checkout.session.expired", gone);
    assert_eq!(
        deliver(&app, &body, WEBHOOK_SECRET, Utc::now().timestamp()).await,
        200
    );
    let still = payment_attempt::Entity::find_by_id(attempt.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(still.status, PaymentStatus::Pending);
}

#[tokio::test]
async fn a_signed_webhook_with_malformed_json_is_a_malformed_event() {
    let fake = FakeStripe::start().await;
    let app = crate::stripe_webhooks::stripe_app(&fake).await;
    let body = "{\"id\": \"evt_broken\", \"type\": ";
    let response = app
        .client
        .post(app.url("/webhooks/stripe"))
        .header(
            "Stripe-Signature",
            sign_for_tests(body, WEBHOOK_SECRET, Utc::now().timestamp()),
        )
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    assert_eq!(response.text().await.unwrap(), "malformed event");
}

#[tokio::test]
async fn reconciliation_skips_and_reports_one_bad_payment_and_finishes_the_rest() {
    let fake = FakeStripe::start().await;
    fake.accept_checkouts().await;
    let app = crate::stripe_webhooks::stripe_app(&fake).await;
    let (id, bad) = go_to_checkout(&app).await;
    let (_, good) = go_to_checkout(&app).await;
    for attempt in [&bad, &good] {
        fake.script_session(session_json(
            attempt.provider_ref.as_deref().unwrap(),
            "complete",
            "paid",
            106_500,
            "gbp",
            attempt.id,
        ))
        .await;
    }
    // The first row names a person who does not exist: booking it fails.
    app.db
        .execute_unprepared(&format!(
            "UPDATE payment_attempts SET debtor_id = 999999 WHERE id = {}",
            bad.id
        ))
        .await
        .unwrap();

    let later = Utc::now() + Duration::minutes(10);
    let pass =
        payments::reconcile::reconcile(&app.db, &app.provider, &app.settings.base_url, later)
            .await
            .expect("the pass finishes");
    assert_eq!((pass.checked, pass.failed), (2, 1));
    assert_eq!(
        balance_minor(&app, id).await,
        0,
        "the good payment was booked"
    );
}

#[tokio::test]
async fn two_passes_at_once_remind_and_charge_each_installment_once() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let (id, first_due) = agree_plan(&app).await;
    opt_in(&app, id, "save").await;
    let notice_day = first_due - Duration::days(3);
    let (a, b) = tokio::join!(run(&app, notice_day), run(&app, notice_day));
    assert_eq!(a.reminders + b.reminders, 1);
    let (a, b) = tokio::join!(run(&app, first_due), run(&app, first_due));
    assert_eq!(a.charges + b.charges, 1);
    assert_eq!(autopay_attempts(&app).await.len(), 1);
    assert_eq!(balance_minor(&app, id).await, 106_500 - 21_300);
}

#[tokio::test]
async fn existing_steps_and_charges_are_moved_to_installment_ids_by_the_migration() {
    use migrations::MigratorTrait;
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let (id, first_due) = agree_plan(&app).await;
    opt_in(&app, id, "save").await;
    give_notice(&app, first_due).await;
    assert_eq!(run(&app, first_due).await.charges, 1);
    let first = installments(&app).await.remove(0);

    // Back to the schema before installment ids, with an autopay attempt whose PaymentIntent
    // id only its step knew, as the old code left it.
    let all = migrations::Migrator::migrations();
    let ours = all
        .iter()
        .position(|m| m.name().contains("autopay_installment_ids"))
        .expect("the migration is registered");
    migrations::Migrator::down(&app.db, Some(u32::try_from(all.len() - ours).unwrap()))
        .await
        .unwrap();
    app.db
        .execute_unprepared(
            "UPDATE payment_attempts SET provider_ref = NULL WHERE purpose = 'autopay'",
        )
        .await
        .unwrap();
    migrations::Migrator::up(&app.db, None).await.unwrap();

    let steps = autopay_step::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(steps.len(), 2, "the notice and the charge");
    assert!(steps.iter().all(|s| s.installment_id == Some(first.id)));
    let attempt = autopay_attempts(&app).await.remove(0);
    assert_eq!(
        attempt.provider_ref,
        steps.iter().find_map(|s| s.provider_ref.clone())
    );
    assert!(attempt.provider_ref.is_some());
    // Still charged once.
    assert_eq!(run(&app, first_due).await.charges, 0);
}
