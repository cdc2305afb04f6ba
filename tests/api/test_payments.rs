//! The offline test checkout is never on by accident: without Stripe or test payments, card
//! payments are not offered; a settled test attempt cannot change; automatic payments only go
//! through the provider that saved the card.
use chrono::{Duration, Utc};
use goodterms::domain::payments::{PaymentStatus, ProviderName};
use goodterms::entities::payment_attempt;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::autopay::{
    agree_plan, autopay_attempts, card_payments, run, saved_card_mandate, stripe_app,
};
use crate::helpers::{TestApp, spawn_app_with, spawn_demo_app};
use crate::payments::{account_id, balance_minor};
use crate::stripe_fake::FakeStripe;

async fn latest_attempt(app: &TestApp) -> payment_attempt::Model {
    payment_attempt::Entity::find()
        .order_by_desc(payment_attempt::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .expect("an attempt")
}

#[tokio::test]
async fn without_stripe_or_test_payments_card_payments_are_not_offered() {
    let app = spawn_app_with(|s| s.test_payments = false).await;
    goodterms::services::demo::load(&app.db, &app.hasher, Utc::now())
        .await
        .unwrap();
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;

    let page = app.get_html(&format!("/account/{id}/pay")).await;
    assert!(page.contains("Paying by card is not available here yet."));
    assert!(page.contains("give them your reference number, NW-1001"));
    assert!(!page.contains("Continue to payment") && !page.contains("Test mode"));

    // Even a hand-made request starts nothing and books nothing.
    let tried = app
        .post_form(&format!("/account/{id}/pay"), &[("choice", "full")])
        .await;
    assert_eq!(tried.status().as_u16(), 200);
    assert!(
        tried
            .text()
            .await
            .unwrap()
            .contains("Paying by card is not available here yet.")
    );
    assert_eq!(
        payment_attempt::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0
    );
    assert_eq!(balance_minor(&app, id).await, 106_500);
    // The rest of the portal works.
    let balance = app.get(&format!("/account/{id}")).await;
    assert_eq!(balance.status().as_u16(), 200);
    // Plans still work; only saving a card for automatic payments is not offered.
    agree_plan(&app).await;
    let terms = app.get_html(&format!("/account/{id}/plan/autopay")).await;
    assert!(terms.contains("you cannot save a card for automatic payments"));
    assert!(!terms.contains("Set up automatic payments"));
}

#[tokio::test]
async fn the_test_checkout_refuses_succeed_after_decline_and_decline_after_succeed() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    let pay = |amount: &'static str| {
        let app = &app;
        async move {
            let started = app
                .post_form(
                    &format!("/account/{id}/pay"),
                    &[("choice", "other"), ("amount", amount)],
                )
                .await;
            assert_eq!(started.status().as_u16(), 303);
            started.headers()["location"].to_str().unwrap().to_string()
        }
    };

    let declined_page = pay("10.00").await;
    app.post_form(&declined_page, &[("outcome", "decline")])
        .await;
    let late = app
        .post_form(&declined_page, &[("outcome", "succeed")])
        .await;
    assert_eq!(late.status().as_u16(), 303);
    assert_eq!(latest_attempt(&app).await.status, PaymentStatus::Failed);
    assert_eq!(balance_minor(&app, id).await, 106_500, "nothing was booked");

    let paid_page = pay("20.00").await;
    app.post_form(&paid_page, &[("outcome", "succeed")]).await;
    app.post_form(&paid_page, &[("outcome", "decline")]).await;
    assert_eq!(latest_attempt(&app).await.status, PaymentStatus::Succeeded);
    assert_eq!(balance_minor(&app, id).await, 104_500);
}

#[tokio::test]
async fn a_stripe_card_is_never_charged_by_the_test_provider() {
    // This instance runs the offline test checkout; the card was saved with Stripe.
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let (id, first_due) = agree_plan(&app).await;
    saved_card_mandate(&app, id, ProviderName::Stripe).await;

    for day in [
        first_due - Duration::days(3),
        first_due,
        first_due + Duration::days(3),
    ] {
        let report = run(&app, day).await;
        assert_eq!(report.provider_missing, 1);
        assert_eq!((report.reminders, report.charges), (0, 0));
    }
    assert!(autopay_attempts(&app).await.is_empty());
    assert_eq!(card_payments(&app, id).await, 0);
    assert_eq!(balance_minor(&app, id).await, 106_500);
}

#[tokio::test]
async fn a_mandate_whose_provider_is_not_configured_is_shown_to_admins() {
    let fake = FakeStripe::start().await;
    let app = stripe_app(&fake).await;
    let (id, first_due) = agree_plan(&app).await;
    // Saved with the test provider, say before Stripe was configured.
    saved_card_mandate(&app, id, ProviderName::Offline).await;
    assert_eq!(run(&app, first_due).await.provider_missing, 1);
    assert!(autopay_attempts(&app).await.is_empty());

    app.post_form("/signout", &[]).await;
    app.sign_in_staff("admin@goodterms.example", "admin-demo")
        .await;
    let page = app.get_html("/admin/outbox").await;
    assert!(
        page.contains("1 autopay mandate cannot be charged: provider not configured."),
        "{page}"
    );
}

#[tokio::test]
async fn succeed_and_decline_pressed_at_once_settle_each_attempt_once() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    let mut paid = 0;
    for _ in 0..4 {
        let started = app
            .post_form(
                &format!("/account/{id}/pay"),
                &[("choice", "other"), ("amount", "10.00")],
            )
            .await;
        let page = started.headers()["location"].to_str().unwrap().to_string();
        // Two tabs, two buttons, the same moment.
        tokio::join!(
            app.post_form(&page, &[("outcome", "succeed")]),
            app.post_form(&page, &[("outcome", "decline")]),
        );
        let attempt = latest_attempt(&app).await;
        let events = goodterms::entities::provider_event::Entity::find()
            .filter(
                goodterms::entities::provider_event::Column::EventId
                    .eq(format!("offline_outcome_{}", attempt.id)),
            )
            .count(&app.db)
            .await
            .unwrap();
        assert_eq!(events, 1, "one outcome per attempt");
        assert!(
            matches!(
                attempt.status,
                PaymentStatus::Succeeded | PaymentStatus::Failed
            ),
            "{:?}",
            attempt.status
        );
        if attempt.status == PaymentStatus::Succeeded {
            paid += 1_000;
        }
    }
    assert_eq!(balance_minor(&app, id).await, 106_500 - paid);
}

/// Starts `goodterms serve` with `test_payments` (None: unset) and no Stripe key, and returns
/// its first log line about card payments.
fn start_up_payments_line(test_payments: Option<&str>) -> String {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let scratch = std::env::temp_dir().join(format!(
        "goodterms-startup-{}",
        &goodterms::crypto::random_token()[..12]
    ));
    let mut command = Command::new(env!("CARGO_BIN_EXE_goodterms"));
    command
        .env(
            "DATABASE_URL",
            format!("sqlite://{}.db?mode=rwc", scratch.display()),
        )
        .env("GOODTERMS_MAIL_DIR", scratch.join("mail"))
        .env(
            "SESSION_KEY",
            goodterms::crypto::random_token() + &goodterms::crypto::random_token(),
        )
        .env("RUST_LOG", "info")
        .env_remove("STRIPE_SECRET_KEY")
        .env_remove("GOODTERMS_TEST_PAYMENTS")
        .env_remove("SMTP_URL")
        .env_remove("REDIS_URL")
        .args(["serve", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped());
    if let Some(value) = test_payments {
        command.env("GOODTERMS_TEST_PAYMENTS", value);
    }
    let mut child = command.spawn().expect("goodterms starts");
    let stdout = child.stdout.take().expect("stdout");
    let line = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        // Stops at the "listening" line at the latest, so a missing line fails, not hangs.
        .find(|line| line.contains("card payments") || line.contains("is listening"))
        .unwrap_or_default();
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&scratch);
    for suffix in [".db", ".db-wal", ".db-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", scratch.display()));
    }
    line
}

#[test]
fn the_start_up_log_says_why_card_payments_are_or_are_not_offered() {
    let off = start_up_payments_line(None);
    assert!(off.contains("card payments are not offered"), "{off}");
    assert!(off.contains("STRIPE_SECRET_KEY is not set"), "{off}");
    let on = start_up_payments_line(Some("1"));
    assert!(
        on.contains("offline test checkout and no money moves"),
        "{on}"
    );
}
