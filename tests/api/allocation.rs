//! How payments meet a plan's installments: two payments at once, refunds that take back
//! exactly what their payment paid, never asking more than is owed, and payments made while
//! a proposal waited.
use chrono::{Duration, NaiveDate, Utc};
use goodterms::domain::plans::PlanStatus;
use goodterms::domain::schedule::{Frequency, PlanSize};
use goodterms::domain::{Currency, EntryKind, Money};
use goodterms::entities::{account, installment, ledger_entry, payment_attempt, plan};
use goodterms::providers::PaymentEvent;
use goodterms::services::accounts::ledger::{self, NewEntry};
use goodterms::services::payments::{
    self, checkout::Payer, checkout::StartOutcome, events::EventOutcome, options::PayChoice,
};
use goodterms::services::plans::choose::{self, Agreement, InstallmentChoice};
use goodterms::services::plans::review::{self, Decision};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::helpers::{TestApp, spawn_demo_app};
use crate::payments::{account_id, add_discount, balance_minor};

/// Alex's account with an agreed plan.
pub struct WithPlan {
    pub debtor: i32,
    pub account: i32,
    pub plan: i32,
}

/// Alex agrees `count` monthly payments of the £1,065.00 balance, the first in 3 days.
pub async fn alex_with_plan(app: &TestApp, count: u32) -> WithPlan {
    let account = account_id(app, "NW-1001").await;
    let debtor = account::Entity::find_by_id(account)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .debtor_id;
    let choice = InstallmentChoice {
        frequency: Frequency::Monthly,
        size: PlanSize::NumberOfPayments(count),
        first_due: Utc::now().date_naive() + Duration::days(3),
    };
    let found = choose::account_for_plan(&app.db, debtor, account)
        .await
        .unwrap()
        .unwrap();
    let shown = choose::preview(&found, &choice, Utc::now().date_naive()).unwrap();
    let who = Agreement {
        debtor_id: debtor,
        account_id: account,
        shown_fingerprint: &shown.consent_fingerprint(),
        session_marker: "test",
    };
    let plan =
        choose::agree_installments(&app.db, &app.settings.base_url, who, &choice, Utc::now())
            .await
            .unwrap();
    WithPlan {
        debtor,
        account,
        plan,
    }
}

pub async fn installments(app: &TestApp, plan: i32) -> Vec<installment::Model> {
    installment::Entity::find()
        .filter(installment::Column::PlanId.eq(plan))
        .order_by_asc(installment::Column::Seq)
        .all(&app.db)
        .await
        .unwrap()
}

pub async fn paid(app: &TestApp, plan: i32) -> Vec<i64> {
    installments(app, plan)
        .await
        .iter()
        .map(|i| i.paid_minor)
        .collect()
}

pub async fn plan_status(app: &TestApp, plan: i32) -> PlanStatus {
    plan::Entity::find_by_id(plan)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .status
}

/// Starts a checkout for the choice; the attempt's id (the provider has not answered yet).
pub async fn start(app: &TestApp, who: &WithPlan, choice: PayChoice) -> i32 {
    let payer = Payer {
        debtor_id: who.debtor,
        account_id: who.account,
    };
    match payments::checkout::start(
        &app.db,
        &app.provider,
        payer,
        choice,
        "http://x",
        Utc::now(),
    )
    .await
    .unwrap()
    {
        StartOutcome::Redirect { attempt_id, .. } => attempt_id,
        StartOutcome::NotStarted { message, .. } => panic!("not started: {message}"),
    }
}

/// The provider's word that the attempt was paid in full.
pub async fn paid_event(app: &TestApp, attempt_id: i32) -> PaymentEvent {
    let attempt = payment_attempt::Entity::find_by_id(attempt_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    PaymentEvent::CheckoutPaid {
        event_id: format!("evt_paid_{attempt_id}"),
        attempt_id,
        // The stored session id: an event naming another session is ignored.
        session_id: attempt
            .provider_ref
            .expect("a started checkout has a session"),
        amount_minor: attempt.amount_minor,
        currency: attempt.currency,
    }
}

pub async fn pay(app: &TestApp, who: &WithPlan, choice: PayChoice) -> i32 {
    let attempt = start(app, who, choice).await;
    let event = paid_event(app, attempt).await;
    let outcome =
        payments::events::handle_event(&app.db, &event, &app.settings.base_url, Utc::now())
            .await
            .unwrap();
    assert_eq!(outcome, EventOutcome::Applied);
    attempt
}

async fn refund(app: &TestApp, attempt_id: i32, cumulative_minor: i64) {
    let event = PaymentEvent::Refunded {
        event_id: format!("evt_refund_{attempt_id}_{cumulative_minor}"),
        attempt_id,
        amount_minor: cumulative_minor,
        currency: "GBP".into(),
    };
    let outcome =
        payments::events::handle_event(&app.db, &event, &app.settings.base_url, Utc::now())
            .await
            .unwrap();
    assert_eq!(outcome, EventOutcome::Refunded);
}

fn gbp(text: &str) -> Money {
    Money::parse(text, Currency::GBP).unwrap()
}

#[tokio::test]
async fn two_payments_committing_at_once_each_pay_their_own_installment() {
    let app = spawn_demo_app().await;
    let who = alex_with_plan(&app, 5).await;
    for round in 0..2 {
        // Two tabs each pay "the next installment" before either payment has arrived.
        let first = start(&app, &who, PayChoice::NextInstallment).await;
        let second = start(&app, &who, PayChoice::NextInstallment).await;
        let (a, b) = (
            paid_event(&app, first).await,
            paid_event(&app, second).await,
        );
        let (one, two) = tokio::join!(
            payments::events::handle_event(&app.db, &a, &app.settings.base_url, Utc::now()),
            payments::events::handle_event(&app.db, &b, &app.settings.base_url, Utc::now()),
        );
        assert_eq!(one.unwrap(), EventOutcome::Applied);
        assert_eq!(two.unwrap(), EventOutcome::Applied);
        let expected: Vec<i64> = (0..5)
            .map(|i| if i < 2 * (round + 1) { 21_300 } else { 0 })
            .collect();
        assert_eq!(
            paid(&app, who.plan).await,
            expected,
            "round {round}: each payment paid its own installment"
        );
    }
    assert_eq!(balance_minor(&app, who.account).await, 106_500 - 4 * 21_300);
}

#[tokio::test]
async fn a_refund_takes_back_exactly_the_installments_its_payment_paid() {
    let app = spawn_demo_app().await;
    let who = alex_with_plan(&app, 5).await;
    let first = pay(&app, &who, PayChoice::NextInstallment).await;
    pay(&app, &who, PayChoice::NextInstallment).await;
    assert_eq!(paid(&app, who.plan).await, vec![21_300, 21_300, 0, 0, 0]);

    // Refunding the first payment reopens the first installment, not the second.
    refund(&app, first, 10_000).await;
    assert_eq!(paid(&app, who.plan).await, vec![11_300, 21_300, 0, 0, 0]);
    refund(&app, first, 21_300).await;
    assert_eq!(paid(&app, who.plan).await, vec![0, 21_300, 0, 0, 0]);
    assert_eq!(balance_minor(&app, who.account).await, 106_500 - 21_300);
}

#[tokio::test]
async fn a_refund_after_a_payment_date_moved_still_reopens_what_it_paid() {
    use goodterms::services::plans::choose::PaymentChange;
    let app = spawn_demo_app().await;
    let who = alex_with_plan(&app, 5).await;
    let first = pay(&app, &who, PayChoice::NextInstallment).await;
    // Moving payment 3 rewrites the schedule's rows.
    let third = installments(&app, who.plan).await[2].due_on;
    choose::change_payment(
        &app.db,
        &app.settings.base_url,
        who.debtor,
        who.account,
        PaymentChange::MoveTo {
            seq: 3,
            date: third + Duration::days(2),
        },
        Utc::now(),
    )
    .await
    .unwrap();
    refund(&app, first, 21_300).await;
    assert_eq!(paid(&app, who.plan).await, vec![0; 5]);
}

#[tokio::test]
async fn refunding_a_discounted_payment_in_full_takes_back_the_discount_and_reopens_the_plan() {
    let app = spawn_demo_app().await;
    add_discount(&app, 1_000, Utc::now().date_naive() + Duration::days(10)).await;
    let who = alex_with_plan(&app, 5).await;
    // 10% off: £958.50 pays the £1,065.00 balance.
    let attempt = pay(&app, &who, PayChoice::Full).await;
    assert_eq!(balance_minor(&app, who.account).await, 0);
    assert_eq!(plan_status(&app, who.plan).await, PlanStatus::Completed);
    assert_eq!(paid(&app, who.plan).await, vec![21_300; 5]);

    refund(&app, attempt, 95_850).await;
    assert_eq!(
        balance_minor(&app, who.account).await,
        106_500,
        "the cash and the discount are both owed again"
    );
    let taken_back: Vec<i64> = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::AccountId.eq(who.account))
        .filter(ledger_entry::Column::Kind.eq(EntryKind::Adjustment.as_str()))
        .all(&app.db)
        .await
        .unwrap()
        .iter()
        .map(|e| e.amount_minor.0)
        .collect();
    assert_eq!(taken_back, vec![10_650]);
    assert_eq!(paid(&app, who.plan).await, vec![0; 5]);
    assert_eq!(
        plan_status(&app, who.plan).await,
        PlanStatus::Active,
        "a completed plan reopens when money is owed again"
    );
}

#[tokio::test]
async fn the_next_installment_never_asks_for_more_than_is_owed() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let who = alex_with_plan(&app, 5).await;
    // The creditor credits £1,000.00: £65.00 is left, less than an installment of £213.00.
    ledger::append(
        &app.db,
        NewEntry {
            account_id: who.account,
            kind: EntryKind::Credit,
            amount: gbp("1000").negate(),
            description: "Goodwill credit",
            reason: None,
            occurred_on: Utc::now().date_naive(),
        },
        Utc::now(),
    )
    .await
    .unwrap();
    let page = app.get_html(&format!("/account/{}/pay", who.account)).await;
    assert!(page.contains("Your next plan payment: £65.00"), "{page}");
    let attempt = start(&app, &who, PayChoice::NextInstallment).await;
    let amount = payment_attempt::Entity::find_by_id(attempt)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .amount_minor;
    assert_eq!(amount, 6_500);
}

#[tokio::test]
async fn payments_made_while_a_proposal_waited_count_towards_it_once_approved() {
    let app = spawn_demo_app().await;
    let plan_id = crate::plans_staff::propose_twenty_a_month(&app, "NW-1001").await;
    let account = account_id(&app, "NW-1001").await;
    let debtor = account::Entity::find_by_id(account)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .debtor_id;
    let who = WithPlan {
        debtor,
        account,
        plan: plan_id,
    };
    // £50.00 paid while the proposal waits for review.
    pay(&app, &who, PayChoice::Other(gbp("50"))).await;
    assert!(paid(&app, plan_id).await.iter().all(|p| *p == 0));

    let stored = plan::Entity::find_by_id(plan_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let staff = goodterms::entities::staff_user::Entity::find()
        .filter(goodterms::entities::staff_user::Column::CreditorId.eq(stored.creditor_id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    review::decide(
        &app.db,
        &app.settings.base_url,
        staff.id,
        stored.creditor_id,
        plan_id,
        Decision::Approve,
        Utc::now(),
    )
    .await
    .unwrap();
    let paid = paid(&app, plan_id).await;
    assert_eq!(
        &paid[..3],
        &[2_000, 2_000, 1_000],
        "the £50.00 counts first"
    );
    assert!(paid[3..].iter().all(|p| *p == 0));
    // So the next payment asked for is what is left on the third one.
    let found = choose::account_for_plan(&app.db, debtor, account)
        .await
        .unwrap()
        .unwrap();
    let next = payments::allocation::next_installment(&found, Utc::now().date_naive());
    assert_eq!(next.map(|(_, m)| m), Some(gbp("10")));
}

/// A date a number of days from today.
pub fn in_days(days: i64) -> NaiveDate {
    Utc::now().date_naive() + Duration::days(days)
}
