//! Each plan and payment event sends its own message, once, in the creditor's name, with a
//! subject that tells the person what it is about without revealing a debt or an amount; and
//! the pages say truthfully what reminders and times to expect.
use chrono::{DateTime, Datelike, Duration, Utc};
use goodterms::entities::{debtor, deep_link, outbox_message, payment_attempt};
use goodterms::services::contact::cadence;
use goodterms::services::plans::choose::{self, PaymentChange};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::allocation::alex_with_plan;
use crate::helpers::{TestApp, assert_redirect, spawn_demo_app};
use crate::payments::account_id;
use crate::plans_staff::propose_twenty_a_month;

const STAFF: (&str, &str) = ("staff@northwind.example", "northwind-demo");
const ADMIN: (&str, &str) = ("admin@goodterms.example", "admin-demo");
const FROM: &str = "Northwind Utilities via Good Terms";

/// Every message queued from one template, oldest first.
async fn queued(app: &TestApp, template: &str) -> Vec<outbox_message::Model> {
    outbox_message::Entity::find()
        .filter(outbox_message::Column::Template.eq(template))
        .order_by_asc(outbox_message::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
}

/// Exactly one message from `template`, with this subject, in the creditor's name, to Alex.
async fn the_one(app: &TestApp, template: &str, subject: &str) -> outbox_message::Model {
    let mut found = queued(app, template).await;
    assert_eq!(found.len(), 1, "{template} is queued once");
    let message = found.remove(0);
    assert_eq!(message.subject, subject);
    assert_eq!(message.from_name.as_deref(), Some(FROM));
    assert_eq!(message.to_address, "alex.morgan@example.com");
    assert!(message.debtor_id.is_some(), "the message knows its person");
    assert_neutral(&message.subject);
    message
}

fn assert_neutral(subject: &str) {
    let lower = subject.to_lowercase();
    assert!(
        !lower.contains(|c: char| c.is_ascii_digit() || "£$€".contains(c)),
        "{subject}"
    );
    assert!(!lower.contains("debt"), "{subject}");
}

fn date_fields(date: chrono::NaiveDate) -> [(String, String); 3] {
    [
        ("first_day".into(), date.day().to_string()),
        ("first_month".into(), date.month().to_string()),
        ("first_year".into(), date.year().to_string()),
    ]
}

#[tokio::test]
async fn agreeing_and_changing_a_plan_each_send_their_own_message() {
    let app = spawn_demo_app().await;
    let alex = alex_with_plan(&app, 6).await;
    let confirmed = the_one(&app, "plan_confirmation", "Your payment plan is set up").await;
    assert!(confirmed.text_body.contains("£177.50"));

    choose::change_payment(
        &app.db,
        &app.settings.base_url,
        alex.debtor,
        alex.account,
        PaymentChange::Skip { seq: 2 },
        Utc::now(),
    )
    .await
    .unwrap();
    let changed = the_one(&app, "plan_changed", "Your payment plan is updated").await;
    assert!(changed.text_body.contains("You changed your payment plan"));
    assert_eq!(
        queued(&app, "plan_confirmation").await.len(),
        1,
        "a change is not a new plan set up"
    );
}

#[tokio::test]
async fn a_proposal_and_its_approval_each_send_their_own_message() {
    let app = spawn_demo_app().await;
    let id = propose_twenty_a_month(&app, "NW-1001").await;
    let received = the_one(&app, "plan_proposed", "We have your payment plan request").await;
    assert!(received.text_body.contains("2 working days"));

    app.sign_in_staff(STAFF.0, STAFF.1).await;
    let response = app
        .post_form(&format!("/staff/plans/{id}/approve"), &[])
        .await;
    assert_redirect(&response, &format!("/staff/plans/{id}"));
    let approved = the_one(&app, "plan_approved", "Your payment plan is agreed").await;
    assert!(
        approved
            .text_body
            .contains("has agreed to your payment plan")
    );
    assert!(approved.text_body.contains("£20.00"));
    assert!(queued(&app, "plan_declined").await.is_empty());
}

#[tokio::test]
async fn a_declined_proposal_is_told_kindly_with_the_reason_and_what_to_do_next() {
    let app = spawn_demo_app().await;
    let id = propose_twenty_a_month(&app, "NW-1001").await;
    app.sign_in_staff(STAFF.0, STAFF.1).await;
    let reason = "We need at least 50 a month. Call us to talk it through";
    app.post_form(&format!("/staff/plans/{id}/decline"), &[("reason", reason)])
        .await;
    let declined = the_one(
        &app,
        "plan_declined",
        "About the payment plan you asked for",
    )
    .await;
    for words in [
        reason,
        "Here is what you can do next",
        "Ask for a different plan that you can manage",
    ] {
        assert!(declined.text_body.contains(words), "{words}");
    }
}

#[tokio::test]
async fn a_counter_offer_quotes_the_new_terms() {
    let app = spawn_demo_app().await;
    let id = propose_twenty_a_month(&app, "NW-1001").await;
    app.sign_in_staff(STAFF.0, STAFF.1).await;
    let first = Utc::now().date_naive() + Duration::days(10);
    let mut fields = vec![
        ("frequency".to_string(), "monthly".to_string()),
        ("payments".to_string(), "6".to_string()),
    ];
    fields.extend(date_fields(first));
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let response = app
        .post_form(&format!("/staff/plans/{id}/counter"), &fields)
        .await;
    assert_redirect(&response, &format!("/staff/plans/{id}"));
    let countered = the_one(&app, "plan_countered", "A new offer for your payment plan").await;
    let first_line = format!(
        "- {}: £177.50",
        goodterms::domain::wording::full_date(first)
    );
    assert!(
        countered.text_body.contains(&first_line),
        "{first_line} in:\n{}",
        countered.text_body
    );
    assert!(countered.text_body.contains("Total: £1,065.00"));
}

#[tokio::test]
async fn a_declined_card_payment_emails_a_one_time_link_to_try_again() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    let started = app
        .post_form(
            &format!("/account/{id}/pay"),
            &[("choice", "other"), ("amount", "10.00")],
        )
        .await;
    let checkout = started.headers()["location"].to_str().unwrap().to_string();
    app.post_form(&checkout, &[("outcome", "decline")]).await;
    // Pressing decline again (an old tab) sends nothing more.
    app.post_form(&checkout, &[("outcome", "decline")]).await;

    let failed = the_one(&app, "payment_failed", "Your payment did not go through").await;
    assert!(failed.text_body.contains("£10.00"));
    let link = failed
        .text_body
        .lines()
        .find(|line| line.contains("/go/"))
        .expect("a link to try again")
        .trim()
        .to_string();
    assert!(failed.html_body.contains(&link));
    let links = deep_link::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].target, format!("/account/{id}/pay"));
    assert_eq!(Some(links[0].debtor_id), failed.debtor_id);
    assert!(links[0].expires_at > Utc::now() + Duration::days(6));
}

#[tokio::test]
async fn the_pay_later_pages_promise_the_reminders_the_cadence_sends() {
    let app = spawn_demo_app().await;
    let id = account_id(&app, "NW-1001").await;
    let creditor = goodterms::entities::account::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .creditor_id;
    app.sign_in_staff(ADMIN.0, ADMIN.1).await;
    app.post_form(
        &format!("/admin/creditors/{creditor}/cadence"),
        &[
            ("days_before", "5"),
            ("days_after_miss", "1"),
            ("max_per_installment", "2"),
        ],
    )
    .await;
    assert_eq!(
        cadence::for_creditor(&app.db, creditor)
            .await
            .unwrap()
            .days_before(),
        5
    );

    app.sign_in_alex().await;
    let promise = "one reminder 5 days before that date, and one more if the date passes";
    for page in [
        format!("/account/{id}/options"),
        format!("/account/{id}/plan/later"),
    ] {
        let html = app.get_html(&page).await;
        assert!(html.contains(promise), "{page}:\n{html}");
        assert!(!html.contains("not send reminders"), "{page}");
    }
}

#[tokio::test]
async fn payment_times_are_shown_in_the_persons_own_time_zone() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    let started = app
        .post_form(
            &format!("/account/{id}/pay"),
            &[("choice", "other"), ("amount", "10.00")],
        )
        .await;
    let checkout = started.headers()["location"].to_str().unwrap().to_string();
    app.post_form(&checkout, &[("outcome", "succeed")]).await;
    // Paid at 14:05 UTC on 3 December 2026, by someone who lives in New York.
    let paid_at: DateTime<Utc> = "2026-12-03T14:05:00Z".parse().unwrap();
    payment_attempt::Entity::update_many()
        .col_expr(
            payment_attempt::Column::SucceededAt,
            Expr::value(Some(paid_at)),
        )
        .filter(payment_attempt::Column::AccountId.eq(id))
        .exec(&app.db)
        .await
        .unwrap();
    debtor::Entity::update_many()
        .col_expr(debtor::Column::TimeZone, Expr::value("America/New_York"))
        .filter(debtor::Column::Email.eq("alex.morgan@example.com"))
        .exec(&app.db)
        .await
        .unwrap();

    let history = app.get_html(&format!("/account/{id}/payments")).await;
    assert!(history.contains("3 December 2026 at 09:05"), "{history}");
    assert!(!history.contains("14:05"));
    let attempt = payment_attempt::Entity::find()
        .filter(payment_attempt::Column::AccountId.eq(id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let receipt = app
        .get_html(&format!("/account/{id}/payments/{}/receipt", attempt.id))
        .await;
    assert!(receipt.contains("3 December 2026 at 09:05"), "{receipt}");
}

#[tokio::test]
async fn a_receipt_carries_a_one_time_link_to_itself() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    let started = app
        .post_form(
            &format!("/account/{id}/pay"),
            &[("choice", "other"), ("amount", "10.00")],
        )
        .await;
    let checkout = started.headers()["location"].to_str().unwrap().to_string();
    app.post_form(&checkout, &[("outcome", "succeed")]).await;

    let receipt = the_one(&app, "payment_receipt", "Your receipt").await;
    let attempt = payment_attempt::Entity::find()
        .filter(payment_attempt::Column::AccountId.eq(id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let links = deep_link::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(
        links[0].target,
        format!("/account/{id}/payments/{}/receipt", attempt.id)
    );
    assert!(receipt.text_body.contains("/go/"));
}
