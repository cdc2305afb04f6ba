//! The person's side of payment plans, through the real pages.
use chrono::{Duration, NaiveDate, Utc};
use goodterms::domain::plans::PlanStatus;
use goodterms::domain::schedule::Frequency;
use goodterms::entities::{account, audit_log, installment, outbox_message, plan};
use goodterms::services::plans::lifecycle;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::helpers::{TestApp, assert_redirect, spawn_demo_app};

async fn account_id(app: &TestApp, reference: &str) -> i32 {
    account::Entity::find()
        .filter(account::Column::Reference.eq(reference))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

fn in_days(days: i64) -> NaiveDate {
    Utc::now().date_naive() + Duration::days(days)
}

pub fn date_fields(prefix: &str, date: NaiveDate) -> Vec<(String, String)> {
    use chrono::Datelike;
    vec![
        (format!("{prefix}_day"), date.day().to_string()),
        (format!("{prefix}_month"), date.month().to_string()),
        (format!("{prefix}_year"), date.year().to_string()),
    ]
}

pub fn monthly_plan(payments: &str, first: NaiveDate) -> Vec<(String, String)> {
    let mut fields = vec![
        ("frequency".to_string(), "monthly".to_string()),
        ("size_by".to_string(), "payments".to_string()),
        ("payments".to_string(), payments.to_string()),
    ];
    fields.extend(date_fields("first", first));
    fields
}

pub async fn post(app: &TestApp, path: &str, fields: &[(String, String)]) -> reqwest::Response {
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    app.post_form(path, &borrowed).await
}

/// The value of a hidden input on a page.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} field"))
        + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

pub async fn plans_for(app: &TestApp, account: i32) -> Vec<plan::Model> {
    plan::Entity::find()
        .filter(plan::Column::AccountId.eq(account))
        .order_by_asc(plan::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
}

/// Fills the builder and returns the "check your answers" page and the fields to agree with.
pub async fn check(
    app: &TestApp,
    account: i32,
    fields: Vec<(String, String)>,
) -> (String, Vec<(String, String)>) {
    let response = post(
        app,
        &format!("/account/{account}/plan/installments"),
        &fields,
    )
    .await;
    assert_eq!(response.status().as_u16(), 200);
    let html = response.text().await.unwrap();
    let mut agree = fields;
    agree.push(("terms".to_string(), hidden(&html, "terms")));
    (html, agree)
}

#[tokio::test]
async fn the_options_page_offers_every_way_to_pay() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    assert!(
        app.get_html("/account")
            .await
            .contains(&format!("/account/{id}/options"))
    );
    let html = app.get_html(&format!("/account/{id}/options")).await;
    assert!(html.contains("£1,065.00"));
    for link in ["plan/installments", "plan/later", "plan/propose"] {
        assert!(html.contains(&format!("/account/{id}/{link}")), "{link}");
    }
    assert!(
        html.contains("I can&#39;t afford any of these")
            || html.contains("I can't afford any of these")
    );
}

#[tokio::test]
async fn a_monthly_plan_within_policy_is_checked_agreed_recorded_and_confirmed_by_email() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    let first = in_days(5);
    let (html, agree) = check(&app, id, monthly_plan("6", first)).await;
    assert!(html.contains("Check your payment plan"));
    assert!(html.contains("£177.50"), "6 equal payments of £177.50");
    assert!(html.contains("£1,065.00"));
    assert!(html.contains("Agree and set up plan"));

    let response = post(
        &app,
        &format!("/account/{id}/plan/installments/agree"),
        &agree,
    )
    .await;
    assert_redirect(&response, &format!("/account/{id}/plan?done=1"));
    let page = app.get_html(&format!("/account/{id}/plan?done=1")).await;
    assert!(page.contains("Your plan is set up"));
    assert!(page.contains("I agree to pay Northwind Utilities £1,065.00 in 6 payments of £177.50"));

    let plans = plans_for(&app, id).await;
    assert_eq!(plans.len(), 1);
    assert_eq!(plans[0].status, PlanStatus::Active);
    assert!(plans[0].consent_at.is_some() && plans[0].consent_session.is_some());
    let rows = installment::Entity::find()
        .filter(installment::Column::PlanId.eq(plans[0].id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 6);
    assert_eq!(rows.iter().map(|r| r.amount_minor).sum::<i64>(), 106_500);
    assert_eq!(rows[0].due_on, first);

    let email = outbox_message::Entity::find()
        .filter(outbox_message::Column::Subject.eq("Your payment plan is set up"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("confirmation queued");
    assert_eq!(email.to_address, "alex.morgan@example.com");
    assert!(email.text_body.contains("£177.50"));
    let audited = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("plan.agreed"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn bad_choices_are_explained_next_to_the_field() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    let path = format!("/account/{id}/plan/installments");
    let cases = [
        (monthly_plan("6", in_days(-1)), "must be today or later"),
        (monthly_plan("6", in_days(45)), "within the next 30 days"),
        (monthly_plan("0", in_days(3)), "whole number"),
        (monthly_plan("", in_days(3)), "Enter how many payments"),
    ];
    for (fields, message) in cases {
        let response = post(&app, &path, &fields).await;
        assert_eq!(response.status().as_u16(), 400, "{message}");
        let html = response.text().await.unwrap();
        assert!(
            html.contains("There is a problem") && html.contains(message),
            "{message}"
        );
    }
    let mut by_amount = monthly_plan("", in_days(3));
    by_amount[1].1 = "amount".to_string();
    by_amount.push(("amount".to_string(), "12.345".to_string()));
    let response = post(&app, &path, &by_amount).await;
    assert_eq!(response.status().as_u16(), 400);
    assert!(response.text().await.unwrap().contains("decimal places"));
    assert!(plans_for(&app, id).await.is_empty());
}

#[tokio::test]
async fn tampered_terms_or_figures_never_create_a_plan() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    let agree_path = format!("/account/{id}/plan/installments/agree");
    let (_, mut agree) = check(&app, id, monthly_plan("6", in_days(5))).await;

    // A different number of payments than the terms shown.
    let mut more = agree.clone();
    more[2].1 = "3".to_string();
    let response = post(&app, &agree_path, &more).await;
    assert_eq!(response.status().as_u16(), 400);
    assert!(response.text().await.unwrap().contains("Something changed"));

    // More payments than the policy allows, with terms forged to match: still not agreed.
    let (_, outside) = check(&app, id, monthly_plan("24", in_days(5))).await;
    let response = post(&app, &agree_path, &outside).await;
    assert_eq!(response.status().as_u16(), 400);

    agree.last_mut().unwrap().1 = "0".repeat(64);
    assert_eq!(post(&app, &agree_path, &agree).await.status().as_u16(), 400);
    assert!(plans_for(&app, id).await.is_empty());
}

#[tokio::test]
async fn another_persons_account_cannot_be_planned_or_seen() {
    let app = spawn_demo_app().await;
    let sams = account_id(&app, "NW-1002").await;
    app.sign_in_alex().await;
    for path in [
        "options",
        "plan",
        "plan/installments",
        "plan/later",
        "plan/propose",
        "plan/change",
    ] {
        let response = app.get(&format!("/account/{sams}/{path}")).await;
        assert_eq!(response.status().as_u16(), 404, "{path}");
    }
    let (_, agree) = check(
        &app,
        account_id(&app, "NW-1001").await,
        monthly_plan("6", in_days(5)),
    )
    .await;
    let response = post(
        &app,
        &format!("/account/{sams}/plan/installments/agree"),
        &agree,
    )
    .await;
    assert_eq!(response.status().as_u16(), 404);
    assert!(plans_for(&app, sams).await.is_empty());
}

#[tokio::test]
async fn two_tabs_agreeing_at_once_end_with_exactly_one_plan() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    let (_, agree) = check(&app, id, monthly_plan("6", in_days(5))).await;
    let path = format!("/account/{id}/plan/installments/agree");
    let (a, b) = tokio::join!(post(&app, &path, &agree), post(&app, &path, &agree));
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [303, 409]);
    let loser = if a.status().as_u16() == 409 { a } else { b };
    assert!(
        loser
            .text()
            .await
            .unwrap()
            .contains("You already have a plan for this account")
    );
    assert_eq!(plans_for(&app, id).await.len(), 1);
}

#[tokio::test]
async fn a_plan_outside_policy_becomes_a_proposal_with_the_persons_note() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    let (html, mut fields) = check(&app, id, monthly_plan("18", in_days(5))).await;
    assert!(html.contains("Plans can have up to 12 payments") || html.contains("12 payments"));
    assert!(!html.contains("Agree and set up plan"));
    fields.push((
        "note".to_string(),
        "My hours were cut until March".to_string(),
    ));
    let response = post(
        &app,
        &format!("/account/{id}/plan/installments/propose"),
        &fields,
    )
    .await;
    assert_redirect(&response, &format!("/account/{id}/plan?sent=1"));
    let plans = plans_for(&app, id).await;
    assert_eq!(plans[0].status, PlanStatus::Proposed);
    assert_eq!(
        plans[0].debtor_note.as_deref(),
        Some("My hours were cut until March")
    );
    assert!(
        plans[0]
            .consent_text
            .as_deref()
            .unwrap()
            .starts_with("I agree to pay Northwind Utilities £1,065.00 in 17 payments"),
        "the terms the person sent are on record for the creditor's approval"
    );
    let page = app.get_html(&format!("/account/{id}/plan?sent=1")).await;
    assert!(page.contains("Your request has been sent"));
}

#[tokio::test]
async fn i_cannot_afford_any_of_these_sends_what_the_person_can_manage() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    let mut fields = vec![
        ("amount".to_string(), "5".to_string()),
        ("frequency".to_string(), "weekly".to_string()),
        ("note".to_string(), "I get paid on Fridays".to_string()),
    ];
    fields.extend(date_fields("first", in_days(4)));
    let response = post(&app, &format!("/account/{id}/plan/propose"), &fields).await;
    assert_redirect(&response, &format!("/account/{id}/plan?sent=1"));
    let plans = plans_for(&app, id).await;
    assert_eq!(plans[0].status, PlanStatus::Proposed);
    assert_eq!(plans[0].frequency, Some(Frequency::Weekly));
}

#[tokio::test]
async fn pay_later_within_the_limit_is_agreed_and_beyond_it_is_not_offered() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    let path = format!("/account/{id}/plan/later");
    let mut too_late = date_fields("until", in_days(90));
    too_late.push(("reason".to_string(), "illness".to_string()));
    let html = post(&app, &path, &too_late).await.text().await.unwrap();
    assert!(!html.contains("Agree to pay later"));
    assert!(html.contains("60 days"));

    let mut fields = date_fields("until", in_days(30));
    fields.push(("reason".to_string(), "lost_job".to_string()));
    let html = post(&app, &path, &fields).await.text().await.unwrap();
    assert!(html.contains("Agree to pay later"));
    fields.push(("terms".to_string(), hidden(&html, "terms")));
    let response = post(&app, &format!("{path}/agree"), &fields).await;
    assert_redirect(&response, &format!("/account/{id}/plan?done=1"));
    let plans = plans_for(&app, id).await;
    assert_eq!(
        (plans[0].kind.as_str(), plans[0].status.as_str()),
        ("deferral", "active")
    );
    assert_eq!(plans[0].defer_until, Some(in_days(30)));
    assert_eq!(plans[0].defer_reason.as_deref(), Some("lost_job"));
}

#[tokio::test]
async fn a_person_can_move_one_date_skip_one_payment_and_cancel() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    let (_, agree) = check(&app, id, monthly_plan("6", in_days(5))).await;
    post(
        &app,
        &format!("/account/{id}/plan/installments/agree"),
        &agree,
    )
    .await;
    let change = format!("/account/{id}/plan/change");

    let mut skip = vec![
        ("payment".to_string(), "2".to_string()),
        ("action".to_string(), "skip".to_string()),
    ];
    assert_redirect(
        &post(&app, &change, &skip).await,
        &format!("/account/{id}/plan?done=1"),
    );
    let plan_id = plans_for(&app, id).await[0].id;
    let rows = installment::Entity::find()
        .filter(installment::Column::PlanId.eq(plan_id))
        .order_by_asc(installment::Column::Seq)
        .all(&app.db)
        .await
        .unwrap();
    // The skipped payment moves to the end: still 6 payments, a month longer.
    assert_eq!(rows.len(), 6);
    assert_eq!(rows.iter().map(|r| r.amount_minor).sum::<i64>(), 106_500);
    let last = rows.last().unwrap().due_on;
    assert_eq!(
        last,
        in_days(5)
            .checked_add_months(chrono::Months::new(6))
            .unwrap()
    );
    // A second skip is not allowed.
    skip[0].1 = "3".to_string();
    assert_eq!(post(&app, &change, &skip).await.status().as_u16(), 400);

    let mut moved = vec![
        ("payment".to_string(), "1".to_string()),
        ("action".to_string(), "move".to_string()),
    ];
    moved.extend(date_fields("new", in_days(7)));
    assert_redirect(
        &post(&app, &change, &moved).await,
        &format!("/account/{id}/plan?done=1"),
    );
    let first = installment::Entity::find()
        .filter(installment::Column::PlanId.eq(plan_id))
        .filter(installment::Column::Seq.eq(1))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.due_on, in_days(7));

    assert_redirect(
        &app.post_form(&format!("/account/{id}/plan/cancel"), &[])
            .await,
        &format!("/account/{id}/plan"),
    );
    assert_eq!(plans_for(&app, id).await[0].status, PlanStatus::Cancelled);
    // A new plan can be set up after cancelling.
    let (_, again) = check(&app, id, monthly_plan("3", in_days(5))).await;
    let response = post(
        &app,
        &format!("/account/{id}/plan/installments/agree"),
        &again,
    )
    .await;
    assert_eq!(response.status().as_u16(), 303);
}

#[tokio::test]
async fn the_scheduler_marks_missed_payments_breaks_and_restores_plans_with_a_fixed_clock() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    let first = in_days(1);
    let (_, agree) = check(&app, id, monthly_plan("6", first)).await;
    post(
        &app,
        &format!("/account/{id}/plan/installments/agree"),
        &agree,
    )
    .await;
    let plan_id = plans_for(&app, id).await[0].id;
    let at = |date: NaiveDate| date.and_hms_opt(12, 0, 0).unwrap().and_utc();

    // Within the 7 grace days nothing is missed.
    lifecycle::run(&app.db, at(first + Duration::days(7)))
        .await
        .unwrap();
    assert_eq!(plans_for(&app, id).await[0].status, PlanStatus::Active);
    // One missed payment: still active (Northwind breaks a plan at 2).
    lifecycle::run(&app.db, at(first + Duration::days(8)))
        .await
        .unwrap();
    assert_eq!(plans_for(&app, id).await[0].status, PlanStatus::Active);
    let missed = installment::Entity::find()
        .filter(installment::Column::PlanId.eq(plan_id))
        .filter(installment::Column::Missed.eq(true))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(missed, 1);
    // Two missed: broken.
    let report = lifecycle::run(&app.db, at(first + Duration::days(40)))
        .await
        .unwrap();
    assert_eq!(report.broken, 1);
    assert_eq!(plans_for(&app, id).await[0].status, PlanStatus::Broken);
    // Catching up (both missed payments paid) restores it.
    installment::Entity::update_many()
        .col_expr(
            installment::Column::PaidMinor,
            Expr::col(installment::Column::AmountMinor),
        )
        .filter(installment::Column::PlanId.eq(plan_id))
        .filter(installment::Column::Seq.lte(2))
        .exec(&app.db)
        .await
        .unwrap();
    let report = lifecycle::run(&app.db, at(first + Duration::days(40)))
        .await
        .unwrap();
    assert_eq!(report.restored, 1);
    assert_eq!(plans_for(&app, id).await[0].status, PlanStatus::Active);
    // Everything paid: completed.
    installment::Entity::update_many()
        .col_expr(
            installment::Column::PaidMinor,
            Expr::col(installment::Column::AmountMinor),
        )
        .filter(installment::Column::PlanId.eq(plan_id))
        .exec(&app.db)
        .await
        .unwrap();
    lifecycle::run(&app.db, at(first + Duration::days(41)))
        .await
        .unwrap();
    assert_eq!(plans_for(&app, id).await[0].status, PlanStatus::Completed);
}

#[tokio::test]
async fn the_person_sees_a_counter_offer_and_agrees_to_it() {
    use goodterms::domain::schedule::{Frequency, PlanSize};
    use goodterms::services::plans::choose::InstallmentChoice;
    use goodterms::services::plans::review::{self, Decision};
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    let (_, mut fields) = check(&app, id, monthly_plan("18", in_days(5))).await;
    fields.push(("note".to_string(), "Smaller payments please".to_string()));
    post(
        &app,
        &format!("/account/{id}/plan/installments/propose"),
        &fields,
    )
    .await;
    let proposal = plans_for(&app, id).await[0].clone();

    let offer = InstallmentChoice {
        frequency: Frequency::Monthly,
        size: PlanSize::NumberOfPayments(12),
        first_due: in_days(10),
    };
    review::decide(
        &app.db,
        &app.settings.base_url,
        1,
        proposal.creditor_id,
        proposal.id,
        Decision::Counter(offer),
        Utc::now(),
    )
    .await
    .unwrap();
    let page = app.get_html(&format!("/account/{id}/plan")).await;
    assert!(page.contains("New terms offered to you"));
    assert!(page.contains("Agree to this plan"));
    assert!(page.contains("£88.75"), "12 monthly payments of £88.75");

    let terms = hidden(&page, "terms");
    let response = app
        .post_form(&format!("/account/{id}/plan/accept"), &[("terms", &terms)])
        .await;
    assert_redirect(&response, &format!("/account/{id}/plan?done=1"));
    let accepted = plans_for(&app, id).await[0].clone();
    assert_eq!(accepted.status, PlanStatus::Active);
    assert!(
        accepted
            .consent_text
            .unwrap()
            .contains("12 payments of £88.75")
    );
    let updates = outbox_message::Entity::find()
        .filter(outbox_message::Column::Template.is_in(["plan_proposed", "plan_countered"]))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(updates, 2, "proposal received, then the counter-offer");
}

#[tokio::test]
async fn later_policy_changes_never_alter_an_agreed_plan() {
    use goodterms::domain::policy::{PlanPolicy, PolicyTerms};
    use goodterms::domain::{Currency, Money};
    use goodterms::services::plans::policies;
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    let first = in_days(1);
    let (_, agree) = check(&app, id, monthly_plan("6", first)).await;
    post(
        &app,
        &format!("/account/{id}/plan/installments/agree"),
        &agree,
    )
    .await;
    let agreed = plans_for(&app, id).await[0].clone();

    // The creditor becomes strict: no grace days, one missed payment breaks a plan.
    let strict = PlanPolicy::new(PolicyTerms {
        grace_days: 0,
        missed_to_break: 1,
        max_installments: 3,
        ..PolicyTerms::default_for(Currency::GBP)
    })
    .unwrap();
    policies::save(&app.db, agreed.creditor_id, &strict, Utc::now())
        .await
        .unwrap();
    let two_days_late = (first + Duration::days(2))
        .and_hms_opt(12, 0, 0)
        .unwrap()
        .and_utc();
    lifecycle::run(&app.db, two_days_late).await.unwrap();

    let after = plans_for(&app, id).await[0].clone();
    assert_eq!(
        after.status,
        PlanStatus::Active,
        "the agreed 7 grace days still apply"
    );
    assert_eq!((after.grace_days, after.missed_to_break), (7, 2));
    let rows = installment::Entity::find()
        .filter(installment::Column::PlanId.eq(agreed.id))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(rows, 6, "the agreed schedule is unchanged");
    assert_eq!(
        Money::from_minor(agreed.total_minor, Currency::GBP).to_string(),
        "£1,065.00"
    );
}
