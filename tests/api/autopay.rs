//! Automatic payments: opting in through the pages with the offline provider, the scheduler
//! driven with a fixed clock (reminder, charge, retry, pay-by-hand email, each exactly once),
//! turning it off, and the Stripe off-session charge against the fake Stripe.
use chrono::{DateTime, Duration, NaiveDate, Utc};
use goodterms::domain::autopay::MandateStatus;
use goodterms::domain::payments::ProviderName;
use goodterms::domain::payments::{PaymentPurpose, PaymentStatus};
use goodterms::domain::schedule::{Frequency, PlanSize};
use goodterms::entities::{
    account, autopay_mandate, installment, ledger_entry, outbox_message, payment_attempt,
};
use goodterms::services::autopay::charges::{self, Report};
use goodterms::services::plans::choose::{self, Agreement, InstallmentChoice};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;

use crate::helpers::{TestApp, assert_redirect, spawn_app_with, spawn_demo_app};
use crate::payments::account_id;
use crate::stripe_fake::{
    FakeStripe, SECRET_KEY, WEBHOOK_SECRET, error_json, event_json, form, header,
    payment_intent_json,
};

/// The pay-by-hand email's link opens this account's payment page: for the person already
/// signed in, at once (a link from an email keeps its destination).
async fn assert_opens_pay_page(app: &TestApp, body: &str, id: i32) {
    let site = "https://goodterms.example";
    let start = body
        .find(&format!("{site}/go/"))
        .expect("a link to the page")
        + site.len();
    let path = body[start..].split_whitespace().next().unwrap();
    assert_redirect(&app.get(path).await, &format!("/account/{id}/pay"));
}

/// The first payment is this many days after the plan is agreed.
const FIRST_DUE_IN_DAYS: i64 = 5;

/// Agrees a 5-payment monthly plan for Alex (£213.00 each); returns (account, first due date).
pub async fn agree_plan(app: &TestApp) -> (i32, NaiveDate) {
    let id = account_id(app, "NW-1001").await;
    let debtor = account::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .debtor_id;
    let today = Utc::now().date_naive();
    let choice = InstallmentChoice {
        frequency: Frequency::Monthly,
        size: PlanSize::NumberOfPayments(5),
        first_due: today + Duration::days(FIRST_DUE_IN_DAYS),
    };
    let account = choose::account_for_plan(&app.db, debtor, id)
        .await
        .unwrap()
        .unwrap();
    let preview = choose::preview(&account, &choice, today).unwrap();
    let who = Agreement {
        debtor_id: debtor,
        account_id: id,
        shown_fingerprint: &preview.consent_fingerprint(),
        session_marker: "test",
    };
    choose::agree_installments(&app.db, &app.settings.base_url, who, &choice, Utc::now())
        .await
        .unwrap();
    (id, choice.first_due)
}

/// Noon on a day: the scheduler's fixed clock.
pub fn at(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(12, 0, 0).unwrap().and_utc()
}

pub async fn run(app: &TestApp, day: NaiveDate) -> Report {
    charges::run(&app.db, &app.provider, "https://goodterms.example", at(day))
        .await
        .expect("autopay pass")
}

/// The pass 3 days before `due`, which sends the notice every charge must follow.
pub async fn give_notice(app: &TestApp, due: NaiveDate) {
    assert_eq!(run(app, due - Duration::days(3)).await.reminders, 1);
}

/// Opts in through the pages, choosing `outcome` on the offline test card page.
/// The code from the newest "Your confirmation code" email.
pub(crate) async fn emailed_code(app: &TestApp) -> String {
    let email = emails_with_subject(app, "Your confirmation code")
        .await
        .pop()
        .expect("a confirmation code was emailed");
    let start = email.text_body.find("is: ").expect("code in the email") + 4;
    email.text_body[start..start + 6].to_string()
}

/// Asks to set up autopay and confirms with the emailed code: the card checkout's redirect.
async fn start_card_checkout(app: &TestApp, id: i32) -> reqwest::Response {
    let asked = app
        .post_form(&format!("/account/{id}/plan/autopay"), &[])
        .await;
    assert_eq!(asked.status().as_u16(), 200);
    assert!(asked.text().await.unwrap().contains("Check your email"));
    let code = emailed_code(app).await;
    app.post_form(
        &format!("/account/{id}/plan/autopay/confirm"),
        &[("code", &code)],
    )
    .await
}

/// Asks to set up autopay, confirms with the emailed code, and answers the test card page.
pub async fn opt_in(app: &TestApp, id: i32, outcome: &str) {
    let started = start_card_checkout(app, id).await;
    assert_eq!(started.status().as_u16(), 303);
    let test_page = started.headers()["location"].to_str().unwrap().to_string();
    assert!(
        test_page.starts_with(&format!("/account/{id}/plan/autopay/test/")),
        "{test_page}"
    );
    let saved = app.post_form(&test_page, &[("outcome", outcome)]).await;
    assert_redirect(&saved, &format!("/account/{id}/plan?autopay=saved"));
}

pub async fn emails_with_subject(app: &TestApp, subject: &str) -> Vec<outbox_message::Model> {
    outbox_message::Entity::find()
        .filter(outbox_message::Column::Subject.eq(subject))
        .order_by_asc(outbox_message::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
}

pub async fn autopay_attempts(app: &TestApp) -> Vec<payment_attempt::Model> {
    payment_attempt::Entity::find()
        .filter(payment_attempt::Column::Purpose.eq(PaymentPurpose::Autopay))
        .order_by_asc(payment_attempt::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
}

pub async fn first_installment_paid(app: &TestApp) -> i64 {
    installment::Entity::find()
        .filter(installment::Column::Seq.eq(1))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .paid_minor
}

pub async fn card_payments(app: &TestApp, account: i32) -> u64 {
    ledger_entry::Entity::find()
        .filter(ledger_entry::Column::AccountId.eq(account))
        .filter(ledger_entry::Column::Description.eq("Card payment. Thank you"))
        .count(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn opting_in_shows_the_terms_saves_a_test_card_and_says_so() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let (id, first_due) = agree_plan(&app).await;

    let plan = app.get_html(&format!("/account/{id}/plan")).await;
    assert!(plan.contains(&format!(
        "href=\"/account/{id}/plan/autopay\">Pay automatically"
    )));
    let terms = app.get_html(&format!("/account/{id}/plan/autopay")).await;
    let first_date = first_due.format("%A %-d %B %Y").to_string();
    for words in [
        "<h1>Pay automatically</h1>",
        "£213.00",
        first_date.as_str(),
        "3 days before each payment",
        "we try once more 3 days later",
        "turn automatic payments off at any time",
        "Set up automatic payments",
    ] {
        assert!(terms.contains(words), "terms page lacks {words:?}");
    }

    let started = start_card_checkout(&app, id).await;
    let test_page = started.headers()["location"].to_str().unwrap().to_string();
    let page = app.get_html(&test_page).await;
    assert!(page.contains("This is a test. No card is saved."));
    assert!(page.contains("Save test card") && page.contains("Cancel"));
    let saved = app.post_form(&test_page, &[("outcome", "save")]).await;
    assert_redirect(&saved, &format!("/account/{id}/plan?autopay=saved"));

    let plan = app
        .get_html(&format!("/account/{id}/plan?autopay=saved"))
        .await;
    assert!(plan.contains("Automatic payments are on"));
    assert!(plan.contains("Turn off automatic payments"));
    let emails = emails_with_subject(&app, "Automatic payments are set up").await;
    assert_eq!(emails.len(), 1);
    assert!(emails[0].text_body.contains("£213.00") && emails[0].text_body.contains(&first_date));
    // A second click on the finished test page changes nothing.
    let again = app.post_form(&test_page, &[("outcome", "save")]).await;
    assert_eq!(again.status().as_u16(), 404);
    assert_eq!(
        emails_with_subject(&app, "Automatic payments are set up")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn cancelling_on_the_test_card_page_saves_nothing() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let (id, _) = agree_plan(&app).await;
    let started = start_card_checkout(&app, id).await;
    let test_page = started.headers()["location"].to_str().unwrap().to_string();
    let cancelled = app.post_form(&test_page, &[("outcome", "cancel")]).await;
    assert_redirect(&cancelled, &format!("/account/{id}/plan"));
    let plan = app.get_html(&format!("/account/{id}/plan")).await;
    assert!(plan.contains("Pay automatically") && !plan.contains("Automatic payments are on"));
}

#[tokio::test]
async fn a_reminder_goes_three_days_before_exactly_once() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let (id, first_due) = agree_plan(&app).await;
    opt_in(&app, id, "save").await;

    assert_eq!(run(&app, first_due - Duration::days(4)).await.reminders, 0);
    assert_eq!(run(&app, first_due - Duration::days(3)).await.reminders, 1);
    assert_eq!(run(&app, first_due - Duration::days(3)).await.reminders, 0);
    assert_eq!(run(&app, first_due - Duration::days(2)).await.reminders, 0);

    let reminders = emails_with_subject(&app, "A payment is coming up").await;
    assert_eq!(reminders.len(), 1);
    let body = &reminders[0].text_body;
    assert!(body.starts_with("This is a reminder from Good Terms."));
    assert!(body.contains("£213.00"));
    assert!(body.contains(&first_due.format("%A %-d %B %Y").to_string()));
    assert!(body.contains("Turn off automatic payments"));
    assert!(
        autopay_attempts(&app).await.is_empty(),
        "nothing charged yet"
    );
}

#[tokio::test]
async fn the_due_date_charge_is_applied_exactly_once_over_two_runs() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let (id, first_due) = agree_plan(&app).await;
    opt_in(&app, id, "save").await;
    give_notice(&app, first_due).await;

    let first = run(&app, first_due).await;
    assert_eq!((first.charges, first.succeeded), (1, 1));
    let second = run(&app, first_due).await;
    assert_eq!((second.charges, second.succeeded), (0, 0));
    assert_eq!(run(&app, first_due + Duration::days(3)).await.charges, 0);

    let attempts = autopay_attempts(&app).await;
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].status, PaymentStatus::Succeeded);
    assert_eq!(attempts[0].amount_minor, 21_300);
    assert_eq!(first_installment_paid(&app).await, 21_300);
    assert_eq!(card_payments(&app, id).await, 1);
    assert_eq!(emails_with_subject(&app, "Your receipt").await.len(), 1);
    let history = app.get_html(&format!("/account/{id}/payments")).await;
    assert!(history.contains("Automatic plan payment"));
}

#[tokio::test]
async fn a_declined_card_is_retried_once_after_three_days_then_the_person_is_told_to_pay_by_hand() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let (id, first_due) = agree_plan(&app).await;
    opt_in(&app, id, "save_declining").await;
    give_notice(&app, first_due).await;

    let first = run(&app, first_due).await;
    assert_eq!((first.charges, first.failed, first.pay_by_hand), (1, 1, 0));
    for day in 1..3 {
        assert_eq!(run(&app, first_due + Duration::days(day)).await.charges, 0);
    }
    let retry = run(&app, first_due + Duration::days(3)).await;
    assert_eq!((retry.retries, retry.failed, retry.pay_by_hand), (1, 1, 1));
    let later = run(&app, first_due + Duration::days(6)).await;
    assert_eq!((later.charges, later.pay_by_hand), (0, 0));

    let attempts = autopay_attempts(&app).await;
    assert_eq!(attempts.len(), 2, "one charge and one retry");
    assert!(attempts.iter().all(|a| a.status == PaymentStatus::Failed));
    assert_eq!(first_installment_paid(&app).await, 0);
    let told = emails_with_subject(&app, "An update about your account").await;
    let told: Vec<_> = told
        .iter()
        .filter(|e| e.template == "autopay_pay_by_hand")
        .collect();
    assert_eq!(told.len(), 1);
    assert_opens_pay_page(&app, &told[0].text_body, id).await;
    assert!(told[0].text_body.contains("Nothing was taken"));
    assert!(!told[0].subject.contains('£'));
}

#[tokio::test]
async fn turning_automatic_payments_off_stops_charges_at_once() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let (id, first_due) = agree_plan(&app).await;
    opt_in(&app, id, "save").await;

    let off = app
        .post_form(&format!("/account/{id}/plan/autopay/off"), &[])
        .await;
    assert_redirect(&off, &format!("/account/{id}/plan"));
    let plan = app.get_html(&format!("/account/{id}/plan")).await;
    assert!(!plan.contains("Automatic payments are on") && plan.contains("Pay automatically"));
    let mandate = autopay_mandate::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mandate.status, MandateStatus::Off);
    assert!(mandate.ended_at.is_some());

    let report = run(&app, first_due).await;
    assert_eq!((report.reminders, report.charges), (0, 0));
    assert!(autopay_attempts(&app).await.is_empty());
    // Without the form token nothing happens.
    let forged = app
        .post_raw(&format!("/account/{id}/plan/autopay/off"), &[])
        .await;
    assert_eq!(forged.status().as_u16(), 403);
}

#[tokio::test]
async fn another_persons_autopay_pages_are_not_found() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let (alex, _) = agree_plan(&app).await;
    let started = start_card_checkout(&app, alex).await;
    let test_page = started.headers()["location"].to_str().unwrap().to_string();

    app.post_form("/signout", &[]).await;
    app.sign_in_debtor("NW-1002", ("30", "9", "1990")).await;
    assert_eq!(
        app.get(&format!("/account/{alex}/plan/autopay"))
            .await
            .status()
            .as_u16(),
        404
    );
    assert_eq!(app.get(&test_page).await.status().as_u16(), 404);
    for (path, fields) in [
        (format!("/account/{alex}/plan/autopay"), vec![]),
        (test_page.clone(), vec![("outcome", "save")]),
        (format!("/account/{alex}/plan/autopay/off"), vec![]),
    ] {
        let response = app.post_form(&path, &fields).await;
        assert_eq!(response.status().as_u16(), 404, "{path}");
    }
    let mandates = autopay_mandate::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(mandates.len(), 1);
    assert_eq!(
        mandates[0].status,
        MandateStatus::Pending,
        "nothing of Alex's changed"
    );
}

pub async fn stripe_app(fake: &FakeStripe) -> TestApp {
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
    app.sign_in_alex().await;
    app
}

/// A saved Stripe card, as a completed setup checkout leaves it.
pub async fn stripe_mandate(app: &TestApp, account: i32) {
    saved_card_mandate(app, account, ProviderName::Stripe).await;
}

/// An active mandate whose card `provider` saved a day ago.
pub async fn saved_card_mandate(app: &TestApp, account: i32, provider: ProviderName) {
    let model = account::Entity::find_by_id(account)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let plan = choose::account_for_plan(&app.db, model.debtor_id, account)
        .await
        .unwrap()
        .unwrap()
        .latest_plan
        .unwrap();
    let long_ago = Utc::now() - Duration::days(1);
    autopay_mandate::ActiveModel {
        account_id: Set(account),
        debtor_id: Set(model.debtor_id),
        plan_id: Set(plan.id),
        provider: Set(provider),
        idempotency_key: Set("gt-setup-test".into()),
        setup_ref: Set(Some("cs_test_setup".into())),
        customer_ref: Set(Some("cus_test_1".into())),
        payment_method_ref: Set(Some("pm_test_card".into())),
        status: Set(MandateStatus::Active),
        created_at: Set(long_ago),
        activated_at: Set(Some(long_ago)),
        ended_at: Set(None),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
}

/// Delivers a webhook signed now with the fake's secret.
pub async fn deliver(app: &TestApp, body: &str) -> u16 {
    crate::stripe_fake::deliver(app, body, WEBHOOK_SECRET, Utc::now().timestamp()).await
}

#[tokio::test]
async fn a_stripe_off_session_charge_sends_its_idempotency_key_and_is_applied_by_webhook() {
    let fake = FakeStripe::start().await;
    fake.accept_payment_intents("succeeded").await;
    let app = stripe_app(&fake).await;
    let (id, first_due) = agree_plan(&app).await;
    stripe_mandate(&app, id).await;
    give_notice(&app, first_due).await;

    let report = run(&app, first_due).await;
    assert_eq!((report.charges, report.failed), (1, 0));
    assert_eq!(run(&app, first_due).await.charges, 0);
    let requests = fake.requests_to("/v1/payment_intents").await;
    assert_eq!(requests.len(), 1, "charged once over two runs");
    let attempt = autopay_attempts(&app).await.remove(0);
    assert_eq!(attempt.status, PaymentStatus::Pending);
    assert_eq!(
        header(&requests[0], "idempotency-key").as_deref(),
        Some(attempt.idempotency_key.as_str())
    );
    let sent = form(&requests[0]);
    for (key, value) in [
        ("amount", "21300"),
        ("currency", "gbp"),
        ("customer", "cus_test_1"),
        ("payment_method", "pm_test_card"),
        ("off_session", "true"),
        ("confirm", "true"),
        ("metadata[off_session]", "true"),
        ("metadata[attempt_id]", attempt.id.to_string().as_str()),
    ] {
        assert_eq!(sent.get(key).map(String::as_str), Some(value), "{key}");
    }

    let intent = payment_intent_json(
        "pi_test_offsession1",
        "succeeded",
        21_300,
        "gbp",
        json!({"attempt_id": attempt.id.to_string(), "off_session": "true"}),
    );
    let body = event_json("evt_autopay_1", "payment_intent.succeeded", intent);
    for _ in 0..2 {
        assert_eq!(deliver(&app, &body).await, 200);
    }
    assert_eq!(first_installment_paid(&app).await, 21_300);
    assert_eq!(card_payments(&app, id).await, 1);
}

#[tokio::test]
async fn a_stripe_charge_needing_authentication_fails_and_asks_the_person_to_pay_by_hand() {
    let fake = FakeStripe::start().await;
    let body = error_json(
        "card_error",
        "authentication_required",
        "Your card was declined. This transaction requires authentication.",
    );
    fake.fail("POST", "/v1/payment_intents", 402, &body).await;
    let app = stripe_app(&fake).await;
    let (id, first_due) = agree_plan(&app).await;
    stripe_mandate(&app, id).await;
    give_notice(&app, first_due).await;

    let report = run(&app, first_due).await;
    assert_eq!((report.failed, report.pay_by_hand), (1, 1));
    let attempt = autopay_attempts(&app).await.remove(0);
    assert_eq!(attempt.status, PaymentStatus::Failed);
    assert!(
        attempt
            .failure_message
            .as_deref()
            .is_some_and(|m| m.contains("pay by hand"))
    );
    let told: Vec<_> = emails_with_subject(&app, "An update about your account")
        .await
        .into_iter()
        .filter(|e| e.template == "autopay_pay_by_hand")
        .collect();
    assert_eq!(told.len(), 1);
    assert!(
        told[0]
            .text_body
            .contains("Your bank asked you to confirm the payment")
    );
    assert_opens_pay_page(&app, &told[0].text_body, id).await;
    // No retry for a payment only the person can confirm.
    run(&app, first_due + Duration::days(3)).await;
    assert_eq!(fake.requests_to("/v1/payment_intents").await.len(), 1);
    assert_eq!(autopay_attempts(&app).await.len(), 1);
}

fn setup_session(id: &str, mandate_id: i32) -> serde_json::Value {
    let mut session =
        crate::stripe_fake::session_json(id, "complete", "no_payment_required", 0, "gbp", 0);
    session["mode"] = json!("setup");
    session["amount_total"] = json!(null);
    session["amount_subtotal"] = json!(null);
    session["customer"] = json!("cus_test_saved");
    session["setup_intent"] = json!("seti_test_1");
    session["url"] = json!(format!("https://checkout.stripe.com/c/pay/{id}"));
    session["metadata"] = json!({"mandate_id": mandate_id.to_string()});
    session
}

#[tokio::test]
async fn a_stripe_setup_checkout_saves_the_card_named_by_its_setup_intent() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, ResponseTemplate};
    let fake = FakeStripe::start().await;
    let app = stripe_app(&fake).await;
    let (id, _) = agree_plan(&app).await;
    let server_session = setup_session("cs_test_setup1", 1);
    fake.mount(
        Mock::given(method("POST"))
            .and(path("/v1/checkout/sessions"))
            .respond_with(ResponseTemplate::new(200).set_body_json(server_session)),
    )
    .await;
    let setup_intent = json!({
        "id": "seti_test_1", "object": "setup_intent", "application": null,
        "automatic_payment_methods": null, "cancellation_reason": null,
        "client_secret": "seti_test_1_secret", "created": 1_763_900_000,
        "customer": "cus_test_saved", "description": null, "flow_directions": null,
        "last_setup_error": null, "latest_attempt": null, "livemode": false, "mandate": null,
        "metadata": {}, "next_action": null, "on_behalf_of": null,
        "payment_method": "pm_test_saved", "payment_method_configuration_details": null,
        "payment_method_options": null, "payment_method_types": ["card"],
        "single_use_mandate": null, "status": "succeeded", "usage": "off_session"
    });
    fake.mount(
        Mock::given(method("GET"))
            .and(path("/v1/setup_intents/seti_test_1"))
            .respond_with(ResponseTemplate::new(200).set_body_json(setup_intent)),
    )
    .await;

    let started = start_card_checkout(&app, id).await;
    assert_redirect(&started, "https://checkout.stripe.com/c/pay/cs_test_setup1");
    let requests = fake.requests_to("/v1/checkout/sessions").await;
    let sent = form(&requests[0]);
    let mandate = autopay_mandate::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sent["mode"], "setup");
    assert_eq!(sent["metadata[mandate_id]"], mandate.id.to_string());
    assert_eq!(sent["metadata[account_id]"], id.to_string());
    assert_eq!(
        header(&requests[0], "idempotency-key").as_deref(),
        Some(mandate.idempotency_key.as_str())
    );

    let body = event_json(
        "evt_setup_1",
        "checkout.session.completed",
        setup_session("cs_test_setup1", mandate.id),
    );
    for _ in 0..2 {
        assert_eq!(deliver(&app, &body).await, 200);
    }
    let mandate = autopay_mandate::Entity::find_by_id(mandate.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mandate.status, MandateStatus::Active);
    assert_eq!(mandate.customer_ref.as_deref(), Some("cus_test_saved"));
    assert_eq!(mandate.payment_method_ref.as_deref(), Some("pm_test_saved"));
    assert_eq!(
        emails_with_subject(&app, "Automatic payments are set up")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn a_hold_pauses_charges_and_quiet_hours_delay_them_to_the_persons_daytime() {
    use goodterms::services::staff::workspace::{self, StaffAction};
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let (id, first_due) = agree_plan(&app).await;
    opt_in(&app, id, "save").await;
    give_notice(&app, first_due).await;
    let account = goodterms::entities::account::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let who = |staff_id| StaffAction {
        staff_id,
        creditor_id: account.creditor_id,
        account_id: id,
    };
    workspace::start_hold(&app.db, who(1), "Disputed meter reading", Utc::now())
        .await
        .unwrap();
    assert_eq!(
        run(&app, first_due).await.charges,
        0,
        "nothing is taken while on hold"
    );
    workspace::end_hold(&app.db, who(1), Utc::now())
        .await
        .unwrap();

    // 23:30 in London is quiet: the charge waits for the morning.
    let late = first_due.and_hms_opt(23, 30, 0).unwrap().and_utc();
    let night =
        goodterms::services::autopay::charges::run(&app.db, &app.provider, "http://x", late)
            .await
            .unwrap();
    assert_eq!(night.charges, 0);
    assert_eq!(
        run(&app, first_due).await.charges,
        1,
        "charged at noon the same day"
    );
}

#[tokio::test]
async fn saving_a_card_needs_the_code_sent_to_the_email_on_file() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let (id, _) = agree_plan(&app).await;
    let confirm = format!("/account/{id}/plan/autopay/confirm");
    // No code asked for yet: nothing starts.
    let early = app.post_form(&confirm, &[("code", "123456")]).await;
    assert_eq!(early.status().as_u16(), 400);
    app.post_form(&format!("/account/{id}/plan/autopay"), &[])
        .await;
    let code = emailed_code(&app).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let response = app.post_form(&confirm, &[("code", wrong)]).await;
    assert_eq!(response.status().as_u16(), 400);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("That code is not right")
    );
    for _ in 0..4 {
        app.post_form(&confirm, &[("code", wrong)]).await;
    }
    // After five wrong tries even the right code needs a new one.
    let locked = app.post_form(&confirm, &[("code", &code)]).await;
    assert_eq!(locked.status().as_u16(), 400);
    assert!(locked.text().await.unwrap().contains("no longer works"));
    assert!(autopay_attempts(&app).await.is_empty());
}
