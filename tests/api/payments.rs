//! Paying through the offline test provider: the same event path Stripe's webhooks take.
use chrono::{Duration, NaiveDate, Utc};
use goodterms::domain::payments::PaymentStatus;
use goodterms::entities::{
    account, discount_rule, installment, ledger_entry, outbox_message, payment_attempt,
};
use goodterms::providers::PaymentEvent;
use goodterms::services::payments::{self, events::EventOutcome};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};

use crate::helpers::{TestApp, assert_redirect, spawn_demo_app};

pub async fn account_id(app: &TestApp, reference: &str) -> i32 {
    account::Entity::find()
        .filter(account::Column::Reference.eq(reference))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

pub async fn balance_minor(app: &TestApp, account: i32) -> i64 {
    ledger_entry::Entity::find()
        .filter(ledger_entry::Column::AccountId.eq(account))
        .all(&app.db)
        .await
        .unwrap()
        .iter()
        .map(|e| e.amount_minor.0)
        .sum()
}

/// Entries of one kind booked by these tests (the demo data's bank transfer is left out).
async fn entries_of_kind(app: &TestApp, account: i32, kind: &str) -> Vec<i64> {
    ledger_entry::Entity::find()
        .filter(ledger_entry::Column::AccountId.eq(account))
        .filter(ledger_entry::Column::Kind.eq(kind))
        .filter(ledger_entry::Column::Description.ne("Payment by bank transfer. Thank you"))
        .all(&app.db)
        .await
        .unwrap()
        .iter()
        .map(|e| e.amount_minor.0)
        .collect()
}

pub async fn latest_attempt(app: &TestApp) -> payment_attempt::Model {
    payment_attempt::Entity::find()
        .order_by_desc(payment_attempt::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .expect("an attempt")
}

/// Chooses what to pay and follows the redirect to the test checkout; returns its path.
pub async fn start_paying(app: &TestApp, account: i32, fields: &[(&str, &str)]) -> String {
    let response = app
        .post_form(&format!("/account/{account}/pay"), fields)
        .await;
    assert_eq!(response.status().as_u16(), 303, "payment starts");
    response.headers()["location"].to_str().unwrap().to_string()
}

#[tokio::test]
async fn paying_in_full_with_the_test_provider_settles_the_account_and_sends_a_receipt() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    let page = app.get_html(&format!("/account/{id}/pay")).await;
    assert!(page.contains("Test mode") && page.contains("Everything: £1,065.00"));

    let checkout = start_paying(&app, id, &[("choice", "full")]).await;
    let attempt = latest_attempt(&app).await;
    assert_eq!(checkout, format!("/pay/test-checkout/{}", attempt.id));
    assert_eq!(attempt.status, PaymentStatus::Pending);
    assert!(app.get_html(&checkout).await.contains("This is a test."));

    let done = app.post_form(&checkout, &[("outcome", "succeed")]).await;
    assert_redirect(&done, &format!("/account/{id}/payments/{}", attempt.id));
    let result = app
        .get_html(&format!("/account/{id}/payments/{}", attempt.id))
        .await;
    assert!(result.contains("Thank you, your payment is done"));
    assert_eq!(balance_minor(&app, id).await, 0);
    assert_eq!(entries_of_kind(&app, id, "payment").await, vec![-106_500]);
    assert!(
        app.get_html("/account")
            .await
            .contains("You have paid this in full")
    );

    let receipt = outbox_message::Entity::find()
        .filter(outbox_message::Column::Subject.eq("Your receipt"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("receipt queued");
    assert!(
        receipt.text_body.contains("£1,065.00")
            && receipt.text_body.contains("nothing left to pay")
    );
    let history = app.get_html(&format!("/account/{id}/payments")).await;
    assert!(history.contains("Paid") && history.contains("Receipt for £1,065.00"));
    let printable = app
        .get_html(&format!("/account/{id}/payments/{}/receipt", attempt.id))
        .await;
    assert!(printable.contains("Amount paid") && printable.contains("NW-1001"));
}

#[tokio::test]
async fn a_declined_card_gets_a_kind_message_and_nothing_is_recorded_as_paid() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    let checkout = start_paying(&app, id, &[("choice", "full")]).await;
    app.post_form(&checkout, &[("outcome", "decline")]).await;
    let attempt = latest_attempt(&app).await;
    let page = app
        .get_html(&format!("/account/{id}/payments/{}", attempt.id))
        .await;
    assert!(page.contains("Your payment did not go through"));
    assert!(page.contains("nothing was taken"));
    assert!(page.contains("Try again"));
    assert_eq!(balance_minor(&app, id).await, 106_500);
    assert!(entries_of_kind(&app, id, "payment").await.is_empty());
}

#[tokio::test]
async fn replayed_and_late_events_apply_a_payment_exactly_once() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    let checkout = start_paying(&app, id, &[("choice", "other"), ("amount", "100")]).await;
    app.post_form(&checkout, &[("outcome", "succeed")]).await;
    // The same button again, the same event from another source, and a late "expired".
    app.post_form(&checkout, &[("outcome", "succeed")]).await;
    let attempt = latest_attempt(&app).await;
    let again = PaymentEvent::CheckoutPaid {
        event_id: "evt_webhook_copy".into(),
        attempt_id: attempt.id,
        session_id: attempt.provider_ref.clone().unwrap(),
        amount_minor: 10_000,
        currency: "GBP".into(),
    };
    assert_eq!(
        payments::events::handle_event(&app.db, &again, &app.settings.base_url, Utc::now())
            .await
            .unwrap(),
        EventOutcome::AlreadyDone
    );
    assert_eq!(
        payments::events::handle_event(&app.db, &again, &app.settings.base_url, Utc::now())
            .await
            .unwrap(),
        EventOutcome::AlreadyDone
    );
    let expired = PaymentEvent::CheckoutExpired {
        event_id: "evt_late_expiry".into(),
        attempt_id: attempt.id,
        session_id: attempt.provider_ref.clone().unwrap(),
    };
    payments::events::handle_event(&app.db, &expired, &app.settings.base_url, Utc::now())
        .await
        .unwrap();
    assert_eq!(latest_attempt(&app).await.status, PaymentStatus::Succeeded);
    assert_eq!(entries_of_kind(&app, id, "payment").await, vec![-10_000]);
    assert_eq!(balance_minor(&app, id).await, 96_500);
}

#[tokio::test]
async fn an_event_that_does_not_match_its_attempt_is_flagged_not_applied() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    start_paying(&app, id, &[("choice", "full")]).await;
    let attempt = latest_attempt(&app).await;
    for (event_id, amount, currency) in
        [("evt_amount", 100, "GBP"), ("evt_currency", 106_500, "EUR")]
    {
        let event = PaymentEvent::CheckoutPaid {
            event_id: event_id.into(),
            attempt_id: attempt.id,
            session_id: attempt.provider_ref.clone().unwrap(),
            amount_minor: amount,
            currency: currency.into(),
        };
        assert_eq!(
            payments::events::handle_event(&app.db, &event, &app.settings.base_url, Utc::now())
                .await
                .unwrap(),
            EventOutcome::Mismatch
        );
    }
    let unknown = PaymentEvent::CheckoutPaid {
        event_id: "evt_unknown".into(),
        attempt_id: 999_999,
        session_id: "cs_y".into(),
        amount_minor: 106_500,
        currency: "GBP".into(),
    };
    assert_eq!(
        payments::events::handle_event(&app.db, &unknown, &app.settings.base_url, Utc::now())
            .await
            .unwrap(),
        EventOutcome::Mismatch
    );
    assert_eq!(latest_attempt(&app).await.status, PaymentStatus::Flagged);
    assert_eq!(balance_minor(&app, id).await, 106_500);
}

#[tokio::test]
async fn wrong_amounts_are_refused_next_to_the_field() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    let path = format!("/account/{id}/pay");
    for (amount, message) in [
        ("0", "more than zero"),
        ("-5", "zero or more"),
        ("2000", "£1,065.00 or less"),
        ("10.999", "decimal places"),
        ("ten", "numbers only"),
    ] {
        let response = app
            .post_form(&path, &[("choice", "other"), ("amount", amount)])
            .await;
        assert_eq!(response.status().as_u16(), 400, "{amount}");
        let html = response.text().await.unwrap();
        assert!(
            html.contains("There is a problem") && html.contains(message),
            "{amount}: {message}"
        );
    }
    assert_eq!(
        payment_attempt::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn someone_elses_payments_and_test_checkout_are_not_found() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let alex = account_id(&app, "NW-1001").await;
    let checkout = start_paying(&app, alex, &[("choice", "full")]).await;
    let attempt = latest_attempt(&app).await;
    app.post_form("/signout", &[]).await;
    app.sign_in_debtor("NW-1002", ("30", "9", "1990")).await;
    assert_eq!(app.get(&checkout).await.status().as_u16(), 404);
    assert_eq!(
        app.post_form(&checkout, &[("outcome", "succeed")])
            .await
            .status()
            .as_u16(),
        404
    );
    for path in [
        format!("/account/{alex}/payments/{}", attempt.id),
        format!("/account/{alex}/payments"),
        format!("/account/{alex}/pay"),
        format!("/account/{alex}/payments/{}/receipt", attempt.id),
    ] {
        assert_eq!(app.get(&path).await.status().as_u16(), 404, "{path}");
    }
    assert_eq!(balance_minor(&app, alex).await, 106_500);
}

pub async fn add_discount(app: &TestApp, percent_bp: i32, deadline: NaiveDate) {
    discount_rule::ActiveModel {
        name: Set("Winter early payment".into()),
        creditor_id: Set(None),
        percent_basis_points: Set(Some(percent_bp)),
        deadline: Set(Some(deadline)),
        min_balance_minor: Set(0),
        active_from: Set(Utc::now().date_naive() - Duration::days(1)),
        enabled: Set(true),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
}

#[tokio::test]
async fn an_early_payment_discount_is_shown_exactly_and_booked_only_when_paid_in_time() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    let deadline = Utc::now().date_naive() + Duration::days(10);
    add_discount(&app, 1000, deadline).await;
    let page = app.get_html(&format!("/account/{id}/pay")).await;
    assert!(page.contains("Everything: £958.50"));
    assert!(page.contains("you save £106.50"));
    assert!(page.contains(&deadline.format("%-d %B %Y").to_string()));

    let checkout = start_paying(&app, id, &[("choice", "full")]).await;
    app.post_form(&checkout, &[("outcome", "succeed")]).await;
    assert_eq!(entries_of_kind(&app, id, "payment").await, vec![-95_850]);
    assert_eq!(entries_of_kind(&app, id, "discount").await, vec![-10_650]);
    assert_eq!(balance_minor(&app, id).await, 0);
}

#[tokio::test]
async fn a_discounted_payment_that_succeeds_too_late_earns_no_discount() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    add_discount(&app, 1000, Utc::now().date_naive() + Duration::days(1)).await;
    start_paying(&app, id, &[("choice", "full")]).await;
    let attempt = latest_attempt(&app).await;
    let event = PaymentEvent::CheckoutPaid {
        event_id: "evt_late".into(),
        attempt_id: attempt.id,
        session_id: attempt.provider_ref.clone().unwrap(),
        amount_minor: 95_850,
        currency: "GBP".into(),
    };
    let three_days_later = Utc::now() + Duration::days(3);
    payments::events::handle_event(&app.db, &event, &app.settings.base_url, three_days_later)
        .await
        .unwrap();
    assert!(entries_of_kind(&app, id, "discount").await.is_empty());
    assert_eq!(
        balance_minor(&app, id).await,
        10_650,
        "the discount is still owed"
    );
}

#[tokio::test]
async fn a_refund_books_a_reversal_once() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    let checkout = start_paying(&app, id, &[("choice", "other"), ("amount", "200")]).await;
    app.post_form(&checkout, &[("outcome", "succeed")]).await;
    let attempt = latest_attempt(&app).await;
    let refund = |event_id: &str, amount| PaymentEvent::Refunded {
        event_id: event_id.into(),
        attempt_id: attempt.id,
        amount_minor: amount,
        currency: "GBP".into(),
    };
    assert_eq!(
        payments::events::handle_event(
            &app.db,
            &refund("evt_r1", 5_000),
            &app.settings.base_url,
            Utc::now()
        )
        .await
        .unwrap(),
        EventOutcome::Refunded
    );
    assert_eq!(
        payments::events::handle_event(
            &app.db,
            &refund("evt_r1", 5_000),
            &app.settings.base_url,
            Utc::now()
        )
        .await
        .unwrap(),
        EventOutcome::AlreadyDone
    );
    // Stripe reports the cumulative refunded amount.
    assert_eq!(
        payments::events::handle_event(
            &app.db,
            &refund("evt_r2", 20_000),
            &app.settings.base_url,
            Utc::now()
        )
        .await
        .unwrap(),
        EventOutcome::Refunded
    );
    assert_eq!(
        entries_of_kind(&app, id, "reversal")
            .await
            .iter()
            .sum::<i64>(),
        20_000
    );
    assert_eq!(balance_minor(&app, id).await, 106_500);
}

#[tokio::test]
async fn plan_payments_pay_the_next_installment_and_extra_then_shortens_the_plan_from_the_end() {
    use goodterms::domain::schedule::{Frequency, PlanSize};
    use goodterms::services::plans::choose::{self, Agreement, InstallmentChoice};
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    let debtor = account::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .debtor_id;
    let choice = InstallmentChoice {
        frequency: Frequency::Monthly,
        size: PlanSize::NumberOfPayments(5),
        first_due: Utc::now().date_naive() + Duration::days(3),
    };
    let account = choose::account_for_plan(&app.db, debtor, id)
        .await
        .unwrap()
        .unwrap();
    let preview = choose::preview(&account, &choice, Utc::now().date_naive()).unwrap();
    let who = Agreement {
        debtor_id: debtor,
        account_id: id,
        shown_fingerprint: &preview.consent_fingerprint(),
        session_marker: "test",
    };
    let plan_id =
        choose::agree_installments(&app.db, &app.settings.base_url, who, &choice, Utc::now())
            .await
            .unwrap();
    let page = app.get_html(&format!("/account/{id}/pay")).await;
    assert!(page.contains("Your next plan payment: £213.00"));

    let checkout = start_paying(&app, id, &[("choice", "next")]).await;
    app.post_form(&checkout, &[("outcome", "succeed")]).await;
    let checkout = start_paying(&app, id, &[("choice", "other"), ("amount", "300")]).await;
    app.post_form(&checkout, &[("outcome", "succeed")]).await;

    let paid: Vec<i64> = installment::Entity::find()
        .filter(installment::Column::PlanId.eq(plan_id))
        .order_by_asc(installment::Column::Seq)
        .all(&app.db)
        .await
        .unwrap()
        .iter()
        .map(|i| i.paid_minor)
        .collect();
    assert_eq!(
        paid,
        vec![21_300, 21_300, 0, 0, 8_700],
        "extra pays the next one due, then from the last installment back"
    );
    assert_eq!(balance_minor(&app, id).await, 106_500 - 21_300 - 30_000);
}

/// One step in a random history of payments and refunds.
#[derive(Clone, Debug)]
enum Step {
    /// Pay this many pence (capped at what is owed), as a plan payment or an extra one.
    Pay { pence: i64, extra: bool },
    /// Refund up to this many pence of the n-th successful payment (cumulative, as Stripe does).
    Refund { which: usize, pence: i64 },
}

fn step() -> impl proptest::strategy::Strategy<Value = Step> {
    use proptest::prelude::*;
    prop_oneof![
        (1i64..60_000, any::<bool>()).prop_map(|(pence, extra)| Step::Pay { pence, extra }),
        (0usize..6, 1i64..60_000).prop_map(|(which, pence)| Step::Refund { which, pence }),
    ]
}

/// Runs the steps against a fresh app; returns the balance and the net paid.
async fn run_history(steps: Vec<Step>) -> (i64, i64, Vec<(i64, i64)>) {
    use goodterms::domain::schedule::{Frequency, PlanSize};
    use goodterms::domain::{Currency, Money};
    use goodterms::services::payments::{
        checkout::Payer, checkout::StartOutcome, options::PayChoice,
    };
    use goodterms::services::plans::choose::{self, Agreement, InstallmentChoice};
    let app = spawn_demo_app().await;
    let id = account_id(&app, "NW-1001").await;
    let debtor = account::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .debtor_id;
    let choice = InstallmentChoice {
        frequency: Frequency::Weekly,
        size: PlanSize::NumberOfPayments(6),
        first_due: Utc::now().date_naive() + Duration::days(2),
    };
    let account = choose::account_for_plan(&app.db, debtor, id)
        .await
        .unwrap()
        .unwrap();
    let shown = choose::preview(&account, &choice, Utc::now().date_naive()).unwrap();
    let who = Agreement {
        debtor_id: debtor,
        account_id: id,
        shown_fingerprint: &shown.consent_fingerprint(),
        session_marker: "p",
    };
    let plan_id =
        choose::agree_installments(&app.db, &app.settings.base_url, who, &choice, Utc::now())
            .await
            .unwrap();

    let mut paid: Vec<(i32, i64)> = Vec::new();
    let mut net = 0;
    for (n, step) in steps.into_iter().enumerate() {
        match step {
            Step::Pay { pence, extra } => {
                let owed = balance_minor(&app, id).await;
                let pence = pence.min(owed);
                if pence <= 0 {
                    continue;
                }
                let amount = Money::from_minor(pence, Currency::GBP);
                // "Other" amounts are extra payments (from the plan's end); a payment of
                // exactly the next installment would be the plan payment.
                let choice = if extra {
                    PayChoice::Other(amount)
                } else {
                    PayChoice::NextInstallment
                };
                let payer = Payer {
                    debtor_id: debtor,
                    account_id: id,
                };
                // No installment left to pay is a refusal, not a payment.
                let Ok(StartOutcome::Redirect { attempt_id, .. }) = payments::checkout::start(
                    &app.db,
                    &app.provider,
                    payer,
                    choice,
                    "http://x",
                    Utc::now(),
                )
                .await
                else {
                    continue;
                };
                let attempt = payment_attempt::Entity::find_by_id(attempt_id)
                    .one(&app.db)
                    .await
                    .unwrap()
                    .unwrap();
                let amount_minor = attempt.amount_minor;
                let event = PaymentEvent::CheckoutPaid {
                    event_id: format!("e{n}"),
                    attempt_id,
                    session_id: attempt.provider_ref.unwrap_or_default(),
                    amount_minor,
                    currency: "GBP".into(),
                };
                payments::events::handle_event(&app.db, &event, &app.settings.base_url, Utc::now())
                    .await
                    .unwrap();
                paid.push((attempt_id, 0));
                net += amount_minor;
            }
            Step::Refund { which, pence } => {
                let Some((attempt_id, refunded)) = paid.get_mut(which) else {
                    continue;
                };
                let attempt = payment_attempt::Entity::find_by_id(*attempt_id)
                    .one(&app.db)
                    .await
                    .unwrap()
                    .unwrap();
                let total = (*refunded + pence).min(attempt.amount_minor);
                let event = PaymentEvent::Refunded {
                    event_id: format!("r{n}"),
                    attempt_id: *attempt_id,
                    amount_minor: total,
                    currency: "GBP".into(),
                };
                payments::events::handle_event(&app.db, &event, &app.settings.base_url, Utc::now())
                    .await
                    .unwrap();
                net -= total - *refunded;
                *refunded = total;
            }
        }
    }
    let installments = installment::Entity::find()
        .filter(installment::Column::PlanId.eq(plan_id))
        .all(&app.db)
        .await
        .unwrap()
        .iter()
        .map(|i| (i.amount_minor, i.paid_minor))
        .collect();
    (balance_minor(&app, id).await, net, installments)
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 12, ..Default::default() })]
    #[test]
    fn any_history_of_payments_and_refunds_keeps_the_ledger_right(steps in proptest::collection::vec(step(), 1..8)) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let (balance, net, installments) = runtime.block_on(run_history(steps));
        proptest::prop_assert_eq!(balance, 106_500 - net);
        for (amount, paid) in installments {
            proptest::prop_assert!((0..=amount).contains(&paid), "paid {} of {}", paid, amount);
        }
    }
}
