//! Catching up on a plan: a payment pays what is overdue first, the plan page offers to pay
//! it, and paying it puts the plan back on track at once.
use chrono::{Duration, Utc};
use goodterms::domain::Money;
use goodterms::domain::plans::PlanStatus;
use goodterms::entities::installment;
use goodterms::services::payments::options::PayChoice;
use goodterms::services::plans::lifecycle;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::allocation::{WithPlan, alex_with_plan, in_days, paid, pay, plan_status};
use crate::helpers::{TestApp, spawn_demo_app};
use crate::payments::start_paying;

/// Moves installment `seq` to `days_ago` days in the past, as if time had passed.
pub async fn due_days_ago(app: &TestApp, who: &WithPlan, seq: i32, days_ago: i64) {
    installment::Entity::update_many()
        .col_expr(installment::Column::DueOn, Expr::value(in_days(-days_ago)))
        .filter(installment::Column::PlanId.eq(who.plan))
        .filter(installment::Column::Seq.eq(seq))
        .exec(&app.db)
        .await
        .unwrap();
}

async fn missed(app: &TestApp, who: &WithPlan) -> Vec<bool> {
    crate::allocation::installments(app, who.plan)
        .await
        .iter()
        .map(|i| i.missed)
        .collect()
}

#[tokio::test]
async fn paying_the_missed_installment_from_the_plan_page_puts_the_plan_back_on_track() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let who = alex_with_plan(&app, 5).await;
    // Payment 1 was due 10 days ago (7 days' grace): missed. Northwind stops a plan at 2.
    due_days_ago(&app, &who, 1, 10).await;
    lifecycle::run(&app.db, Utc::now()).await.unwrap();
    assert_eq!(
        missed(&app, &who).await,
        vec![true, false, false, false, false]
    );

    let plan_page = format!("/account/{}/plan", who.account);
    let html = app.get_html(&plan_page).await;
    assert!(html.contains("Catch up: pay £213.00 now"), "{html}");
    assert!(
        html.contains("If 1 more payment is missed, your plan stops."),
        "says what happens if they do not: {html}"
    );
    assert!(html.contains("Missed"));

    // The button goes into the usual pay flow with that amount.
    let checkout = start_paying(&app, who.account, &[("choice", "catch_up")]).await;
    let attempt = crate::payments::latest_attempt(&app).await;
    assert_eq!(attempt.amount_minor, 21_300);
    app.post_form(&checkout, &[("outcome", "succeed")]).await;

    assert_eq!(paid(&app, who.plan).await, vec![21_300, 0, 0, 0, 0]);
    assert_eq!(missed(&app, &who).await, vec![false; 5], "no longer missed");
    let html = app.get_html(&plan_page).await;
    assert!(!html.contains("Missed"), "{html}");
    assert!(!html.contains("Catch up:"));
    assert_eq!(plan_status(&app, who.plan).await, PlanStatus::Active);
}

#[tokio::test]
async fn a_card_payment_of_another_amount_cures_a_broken_plan_at_once() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let who = alex_with_plan(&app, 5).await;
    due_days_ago(&app, &who, 1, 40).await;
    due_days_ago(&app, &who, 2, 10).await;
    lifecycle::run(&app.db, Utc::now()).await.unwrap();
    assert_eq!(plan_status(&app, who.plan).await, PlanStatus::Broken);
    let html = app
        .get_html(&format!("/account/{}/plan", who.account))
        .await;
    assert!(html.contains("Catch up: pay £426.00 now"), "{html}");
    assert!(html.contains("your plan stays stopped"), "{html}");

    // "Another amount" is an extra payment: it still pays what is overdue first.
    let amount = Money::parse("426", goodterms::domain::Currency::GBP).unwrap();
    pay(&app, &who, PayChoice::Other(amount)).await;
    assert_eq!(paid(&app, who.plan).await, vec![21_300, 21_300, 0, 0, 0]);
    assert_eq!(missed(&app, &who).await, vec![false; 5]);
    assert_eq!(
        plan_status(&app, who.plan).await,
        PlanStatus::Active,
        "back on track without waiting for the scheduler"
    );
    // The scheduler agrees.
    let report = lifecycle::run(&app.db, Utc::now() + Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(report.broken, 0);
}

#[tokio::test]
async fn nothing_overdue_means_no_catch_up_offer() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let who = alex_with_plan(&app, 5).await;
    let html = app
        .get_html(&format!("/account/{}/plan", who.account))
        .await;
    assert!(!html.contains("Catch up:"));
    let response = app
        .post_form(
            &format!("/account/{}/pay", who.account),
            &[("choice", "catch_up")],
        )
        .await;
    assert_eq!(response.status().as_u16(), 400);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Nothing in your plan is overdue")
    );
}
