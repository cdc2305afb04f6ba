//! Creditor staff's plan pages: the review queue, decisions on proposals, the filtered list
//! and its CSV, and each creditor seeing only its own plans.
use chrono::{Datelike, Duration, Utc};
use goodterms::crypto::sha256_hex;
use goodterms::domain::plans::{PlanKind, PlanStatus};
use goodterms::domain::schedule::{Frequency, PlanSize};
use goodterms::domain::staff::StaffRole;
use goodterms::domain::{Currency, Money};
use goodterms::entities::{
    account, audit_log, creditor, debtor, installment, outbox_message, plan,
};
use goodterms::services::admin::create_staff::{self, NewStaff};
use goodterms::services::plans::choose::{self, InstallmentChoice};
use goodterms::services::plans::lifecycle;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};

use crate::helpers::{CONTOSO_STAFF, TestApp, add_contoso, assert_redirect, spawn_demo_app};

const STAFF: (&str, &str) = ("staff@northwind.example", "northwind-demo");
const ADMIN: (&str, &str) = ("admin@goodterms.example", "admin-demo");
const OTHER_STAFF: (&str, &str) = ("staff@fabrikam.example", "fabrikam-password-1");
const ALEX_EMAIL: &str = "alex.morgan@example.com";
/// The emails that tell the person what happened to a proposal, each with its own subject.
const PROPOSAL_NEWS: [&str; 4] = [
    "plan_proposed",
    "plan_approved",
    "plan_declined",
    "plan_countered",
];
const NOTE: &str = "I can pay 20 a month";

/// The person proposes £20 a month, first payment in a week: far more payments and far
/// longer than the demo creditor's policy allows, so it waits for review.
pub async fn propose_twenty_a_month(app: &TestApp, reference: &str) -> i32 {
    let account = account::Entity::find()
        .filter(account::Column::Reference.eq(reference))
        .one(&app.db)
        .await
        .unwrap()
        .expect("demo account");
    let choice = InstallmentChoice {
        frequency: Frequency::Monthly,
        size: PlanSize::PerPayment(Money::parse("20", Currency::GBP).unwrap()),
        first_due: Utc::now().date_naive() + Duration::days(7),
    };
    choose::propose(
        &app.db,
        &app.settings.base_url,
        account.debtor_id,
        account.id,
        choose::Proposal {
            choice: &choice,
            note: Some(NOTE.into()),
        },
        "test-session",
        Utc::now(),
    )
    .await
    .expect("proposal saved")
}

async fn stored_plan(app: &TestApp, id: i32) -> plan::Model {
    plan::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .expect("plan row")
}

async fn updates_to_alex(app: &TestApp) -> u64 {
    outbox_message::Entity::find()
        .filter(outbox_message::Column::ToAddress.eq(ALEX_EMAIL))
        .filter(outbox_message::Column::Template.is_in(PROPOSAL_NEWS))
        .count(&app.db)
        .await
        .unwrap()
}

async fn audit_count(app: &TestApp, action: &str, plan_id: i32) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .filter(audit_log::Column::SubjectId.eq(plan_id))
        .count(&app.db)
        .await
        .unwrap()
}

/// A second creditor with one staff member of its own, and no plans.
async fn add_fabrikam(app: &TestApp) {
    creditor::ActiveModel {
        name: Set("Fabrikam Gas".to_string()),
        display_name: Set("Fabrikam Gas".to_string()),
        currency: Set("GBP".to_string()),
        time_zone: Set("Europe/London".to_string()),
        contact_email: Set("help@fabrikam.example".to_string()),
        contact_phone: Set("0300 000 0001".to_string()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    let new = NewStaff {
        email: OTHER_STAFF.0,
        password: OTHER_STAFF.1,
        role: StaffRole::Creditor,
        creditor_name: Some("Fabrikam Gas"),
    };
    create_staff::create(&app.db, new, Utc::now())
        .await
        .unwrap();
}

fn counter_offer<'a>(
    payments: &'a str,
    first: &'a (String, String, String),
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("frequency", "monthly"),
        ("payments", payments),
        ("first_day", &first.0),
        ("first_month", &first.1),
        ("first_year", &first.2),
    ]
}

fn in_days(days: i64) -> (String, String, String) {
    let date = Utc::now().date_naive() + Duration::days(days);
    (
        date.day().to_string(),
        date.month().to_string(),
        date.year().to_string(),
    )
}

#[tokio::test]
async fn the_queue_shows_each_proposal_with_its_note_breaches_and_what_policy_allows() {
    let app = spawn_demo_app().await;
    let id = propose_twenty_a_month(&app, "NW-1001").await;
    app.sign_in_staff(STAFF.0, STAFF.1).await;

    let response = app.get("/staff/plans/review").await;
    assert_eq!(response.status().as_u16(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains("<title>Proposals to review – Good Terms</title>"));
    assert!(html.contains("<h1>Proposals to review</h1>"));
    assert!(html.contains("NW-1001: Alex Morgan"));
    assert!(html.contains("£1,065.00"));
    assert!(html.contains("54 payments every month of £20.00, the last one £5.00"));
    assert!(html.contains(NOTE));
    assert!(html.contains("Sent today"));
    assert!(html.contains("Plans can have up to 12 payments"));
    assert!(html.contains("Plans can last up to 366 days"));
    assert!(html.contains("<dt>Most payments</dt><dd>12</dd>"));
    assert!(html.contains("<dt>Smallest payment</dt><dd>£88.75</dd>"));
    assert!(html.contains(&format!(
        r#"<a href="/staff/plans/{id}">Review proposal for NW-1001</a>"#
    )));
    // Creditor staff reach both plan pages from the header.
    assert!(html.contains(r#"<a href="/staff/plans">Plans</a>"#));
    assert!(html.contains(r#"<a href="/staff/plans/review">Proposals to review</a>"#));
}

#[tokio::test]
async fn the_plan_page_shows_the_proposal_and_the_three_decisions() {
    let app = spawn_demo_app().await;
    let id = propose_twenty_a_month(&app, "NW-1001").await;
    app.sign_in_staff(STAFF.0, STAFF.1).await;

    let response = app.get(&format!("/staff/plans/{id}")).await;
    assert_eq!(response.status().as_u16(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains("<title>Payment plan for NW-1001 – Good Terms</title>"));
    assert!(html.contains("<h1>Payment plan for NW-1001</h1>"));
    assert!(html.contains("Proposal waiting for review"));
    // The terms the person sent are on record, ready for approval.
    assert!(html.contains("to these exact words"));
    assert!(html.contains("I agree to pay Northwind Utilities £1,065.00"));
    assert!(html.contains(NOTE));
    assert_eq!(html.matches("<td class=\"num\">£20.00</td>").count(), 53);
    assert!(html.contains("<td class=\"num\">£5.00</td>"));
    assert!(html.contains(&format!(r#"action="/staff/plans/{id}/approve""#)));
    assert!(html.contains("Approve this plan"));
    assert!(html.contains(&format!(r#"action="/staff/plans/{id}/decline""#)));
    assert!(html.contains(
        r#"<label for="reason">Why you are declining (the person will see this)</label>"#
    ));
    assert!(html.contains(&format!(r#"action="/staff/plans/{id}/counter""#)));
    for frequency in Frequency::ALL {
        assert!(html.contains(&format!(r#"value="{}""#, frequency.as_str())));
    }
    assert!(html.contains(r#"<label for="payments">Number of payments</label>"#));
    assert!(html.contains(r#"name="first_day""#) && html.contains(r#"name="first_year""#));

    assert_eq!(app.get("/staff/plans/99999").await.status().as_u16(), 404);
    assert_eq!(app.get("/staff/plans/abc").await.status().as_u16(), 404);
}

#[tokio::test]
async fn approving_starts_the_plan_tells_the_person_and_is_audited() {
    let app = spawn_demo_app().await;
    let id = propose_twenty_a_month(&app, "NW-1001").await;
    app.sign_in_staff(STAFF.0, STAFF.1).await;
    let updates_before = updates_to_alex(&app).await;

    let response = app
        .post_form(&format!("/staff/plans/{id}/approve"), &[])
        .await;
    assert_redirect(&response, &format!("/staff/plans/{id}"));

    assert_eq!(stored_plan(&app, id).await.status, PlanStatus::Active);
    assert_eq!(updates_to_alex(&app).await, updates_before + 1);
    let newest = outbox_message::Entity::find()
        .filter(outbox_message::Column::ToAddress.eq(ALEX_EMAIL))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .max_by_key(|m| m.id)
        .unwrap();
    assert_eq!(newest.subject, "Your payment plan is agreed");
    assert!(newest.text_body.contains("has agreed to your payment plan"));
    assert_eq!(audit_count(&app, "plan.approved", id).await, 1);

    let html = app.get_html(&format!("/staff/plans/{id}")).await;
    assert!(html.contains("Active"));
    assert!(!html.contains("Approve this plan"));

    // A second decision on a plan that is no longer proposed changes nothing.
    let again = app
        .post_form(
            &format!("/staff/plans/{id}/decline"),
            &[("reason", "Changed my mind")],
        )
        .await;
    assert_eq!(again.status().as_u16(), 400);
    let html = again.text().await.unwrap();
    assert!(html.contains("This plan is no longer waiting for a decision, so nothing was changed"));
    assert_eq!(stored_plan(&app, id).await.status, PlanStatus::Active);
    assert_eq!(updates_to_alex(&app).await, updates_before + 1);
    assert_eq!(audit_count(&app, "plan.declined", id).await, 0);
}

#[tokio::test]
async fn declining_needs_a_reason_the_person_will_see() {
    let app = spawn_demo_app().await;
    let id = propose_twenty_a_month(&app, "NW-1001").await;
    app.sign_in_staff(STAFF.0, STAFF.1).await;
    let updates_before = updates_to_alex(&app).await;

    let response = app
        .post_form(&format!("/staff/plans/{id}/decline"), &[("reason", "   ")])
        .await;
    assert_eq!(response.status().as_u16(), 400);
    let html = response.text().await.unwrap();
    assert!(html.contains("<title>Error: Payment plan for NW-1001 – Good Terms</title>"));
    assert!(
        html.contains(r##"<a href="#reason">Say why, so the person knows what to do next</a>"##)
    );
    assert!(html.contains(r#"<p class="error-message" id="reason-error">"#));
    let plan = stored_plan(&app, id).await;
    assert_eq!(plan.status, PlanStatus::Proposed);
    assert_eq!(plan.decided_at, None);
    assert_eq!(updates_to_alex(&app).await, updates_before);

    let reason = "We need at least 50 a month. Call us to talk it through";
    let response = app
        .post_form(&format!("/staff/plans/{id}/decline"), &[("reason", reason)])
        .await;
    assert_redirect(&response, &format!("/staff/plans/{id}"));
    let plan = stored_plan(&app, id).await;
    assert_eq!(plan.status, PlanStatus::Declined);
    assert_eq!(plan.decision_reason.as_deref(), Some(reason));
    assert_eq!(updates_to_alex(&app).await, updates_before + 1);
    assert_eq!(audit_count(&app, "plan.declined", id).await, 1);
    let html = app.get_html(&format!("/staff/plans/{id}")).await;
    assert!(html.contains("Declined") && html.contains(reason));
}

#[tokio::test]
async fn a_counter_offer_replaces_the_schedule_with_the_same_total() {
    let app = spawn_demo_app().await;
    let id = propose_twenty_a_month(&app, "NW-1001").await;
    app.sign_in_staff(STAFF.0, STAFF.1).await;
    let total = stored_plan(&app, id).await.total_minor;

    let first = in_days(10);
    let response = app
        .post_form(
            &format!("/staff/plans/{id}/counter"),
            &counter_offer("6", &first),
        )
        .await;
    assert_redirect(&response, &format!("/staff/plans/{id}"));

    let plan = stored_plan(&app, id).await;
    assert_eq!(plan.status, PlanStatus::Countered);
    assert_eq!(plan.frequency, Some(Frequency::Monthly));
    assert_eq!(plan.total_minor, total);
    let payments = installment::Entity::find()
        .filter(installment::Column::PlanId.eq(id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(payments.len(), 6);
    assert_eq!(payments.iter().map(|p| p.amount_minor).sum::<i64>(), total);
    assert_eq!(audit_count(&app, "plan.countered", id).await, 1);
    let html = app.get_html(&format!("/staff/plans/{id}")).await;
    assert!(html.contains("Counter-offer sent, waiting for the person"));
    assert!(html.contains("6 payments every month of £177.50"));
}

#[tokio::test]
async fn a_counter_offer_that_cannot_be_read_is_shown_again_with_what_to_fix() {
    let app = spawn_demo_app().await;
    let id = propose_twenty_a_month(&app, "NW-1001").await;
    app.sign_in_staff(STAFF.0, STAFF.1).await;
    let path = format!("/staff/plans/{id}/counter");

    let response = app
        .post_form(
            &path,
            &[
                ("payments", "six"),
                ("first_day", "31"),
                ("first_month", "2"),
                ("first_year", "2027"),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 400);
    let html = response.text().await.unwrap();
    assert!(html.contains(r##"<a href="#frequency">Choose how often the person would pay</a>"##));
    assert!(html.contains(
        r##"<a href="#payments">Enter the number of payments as a whole number, like 6</a>"##
    ));
    assert!(html.contains(r##"<a href="#first-day">Enter a real date, like 27 3 2027</a>"##));
    assert!(
        html.contains(
            r#"id="payments" name="payments" type="text" inputmode="numeric" value="six""#
        )
    );
    assert!(html.contains(r#"name="first_day" type="text" inputmode="numeric" value="31""#));

    // Readable, but the service's rules refuse it: the first payment is too far ahead.
    let too_late = in_days(45);
    let response = app.post_form(&path, &counter_offer("6", &too_late)).await;
    assert_eq!(response.status().as_u16(), 400);
    let html = response.text().await.unwrap();
    assert!(html.contains("The first payment must be within the next 30 days"));
    assert!(html.contains(r#"value="monthly" checked"#));

    let response = app
        .post_form(&path, &counter_offer("600", &in_days(5)))
        .await;
    assert_eq!(response.status().as_u16(), 400);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Choose 520 payments or fewer")
    );

    assert_eq!(stored_plan(&app, id).await.status, PlanStatus::Proposed);
    assert_eq!(
        installment::Entity::find()
            .filter(installment::Column::PlanId.eq(id))
            .count(&app.db)
            .await
            .unwrap(),
        54
    );
}

#[tokio::test]
async fn the_list_filters_plans_and_downloads_them_as_csv() {
    let app = spawn_demo_app().await;
    let alex = propose_twenty_a_month(&app, "NW-1001").await;
    let sam = propose_twenty_a_month(&app, "NW-1002").await;
    app.sign_in_staff(STAFF.0, STAFF.1).await;
    app.post_form(&format!("/staff/plans/{sam}/approve"), &[])
        .await;

    let html = app.get_html("/staff/plans").await;
    assert!(html.contains("<h1>Payment plans</h1>"));
    assert!(html.contains(&format!(r#"<a href="/staff/plans/{alex}">NW-1001</a>"#)));
    assert!(html.contains(&format!(r#"<a href="/staff/plans/{sam}">NW-1002</a>"#)));
    assert!(html.contains(r#"<a href="/staff/plans.csv" download>Download as CSV</a>"#));

    let html = app.get_html("/staff/plans?status=proposed").await;
    assert!(html.contains("Alex Morgan") && !html.contains("Sam Lee"));
    assert!(html.contains(r#"<option value="proposed" selected>"#));
    assert!(html.contains(r#"href="/staff/plans.csv?status=proposed""#));
    let html = app
        .get_html("/staff/plans?status=active&min=100.00&max=500")
        .await;
    assert!(html.contains("Sam Lee") && !html.contains("Alex Morgan"));
    assert!(html.contains(r#"href="/staff/plans.csv?status=active&#38;min=100.00&#38;max=500""#));
    let today = Utc::now().date_naive();
    let html = app
        .get_html(&format!("/staff/plans?from={today}&to={today}&min=1000"))
        .await;
    assert!(html.contains("Alex Morgan") && !html.contains("Sam Lee"));
    let tomorrow = today + Duration::days(1);
    let html = app.get_html(&format!("/staff/plans?from={tomorrow}")).await;
    assert!(html.contains("0 plans."));

    let bad = app
        .get("/staff/plans?status=lost&from=yesterday&to=2026-01-01&min=lots&max=10")
        .await;
    assert_eq!(bad.status().as_u16(), 400);
    let html = bad.text().await.unwrap();
    assert!(html.contains("<title>Error: Payment plans – Good Terms</title>"));
    assert!(html.contains(r##"<a href="#status">Choose a status from the list</a>"##));
    assert!(html.contains(r##"<a href="#from">Enter a real date, like 2026-03-27</a>"##));
    assert!(html.contains(r##"<a href="#min">Enter an amount in pounds, like 100.00</a>"##));
    assert!(html.contains(r#"id="min-error""#));
    assert!(html.contains(r#"value="yesterday""#) && html.contains(r#"value="lots""#));
    let reversed = app.get("/staff/plans?from=2026-02-01&to=2026-01-01").await;
    assert_eq!(reversed.status().as_u16(), 400);
    assert!(
        reversed
            .text()
            .await
            .unwrap()
            .contains("The end date must be the same as or after the start date")
    );

    let response = app.get("/staff/plans.csv").await;
    assert_eq!(response.status().as_u16(), 200);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    assert_eq!(
        header("content-type").as_deref(),
        Some("text/csv; charset=utf-8")
    );
    assert_eq!(
        header("content-disposition").as_deref(),
        Some(r#"attachment; filename="plans.csv""#)
    );
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[0].starts_with("plan_id,reference,name,kind,status,total"));
    assert!(csv.contains(&format!(
        "{alex},NW-1001,Alex Morgan,installments,proposed,1065.00,GBP"
    )));
    assert!(csv.contains(&format!(
        "{sam},NW-1002,Sam Lee,installments,active,480.00,GBP"
    )));

    let only_active = app
        .get("/staff/plans.csv?status=active")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(only_active.lines().count(), 2);
    assert!(only_active.contains("NW-1002") && !only_active.contains("NW-1001"));
    assert_eq!(
        app.get("/staff/plans.csv?min=abc").await.status().as_u16(),
        400
    );
}

#[tokio::test]
async fn another_creditors_staff_cannot_see_or_decide_these_plans() {
    let app = spawn_demo_app().await;
    let id = propose_twenty_a_month(&app, "NW-1001").await;
    add_fabrikam(&app).await;
    assert_redirect(
        &app.sign_in_staff(OTHER_STAFF.0, OTHER_STAFF.1).await,
        "/staff",
    );

    assert_eq!(
        app.get(&format!("/staff/plans/{id}"))
            .await
            .status()
            .as_u16(),
        404
    );
    let decisions: [(&str, Vec<(&str, &str)>); 3] = [
        ("approve", vec![]),
        ("decline", vec![("reason", "Not ours to decide")]),
        (
            "counter",
            vec![
                ("frequency", "monthly"),
                ("payments", "6"),
                ("first_day", "1"),
                ("first_month", "1"),
                ("first_year", "2030"),
            ],
        ),
    ];
    for (action, fields) in decisions {
        let response = app
            .post_form(&format!("/staff/plans/{id}/{action}"), &fields)
            .await;
        assert_eq!(response.status().as_u16(), 404, "{action}");
    }
    // Unreadable input is no way round it either.
    let response = app
        .post_form(&format!("/staff/plans/{id}/counter"), &[("payments", "x")])
        .await;
    assert_eq!(response.status().as_u16(), 404);
    assert_eq!(stored_plan(&app, id).await.status, PlanStatus::Proposed);

    let list = app.get_html("/staff/plans").await;
    assert!(list.contains("0 plans.") && !list.contains("NW-1001"));
    let queue = app.get_html("/staff/plans/review").await;
    assert!(queue.contains("There are no proposals waiting") && !queue.contains("NW-1001"));
    let csv = app.get("/staff/plans.csv").await.text().await.unwrap();
    assert_eq!(csv.lines().count(), 1);
}

#[tokio::test]
async fn admins_are_not_a_creditor_so_the_plan_pages_are_not_found() {
    let app = spawn_demo_app().await;
    let id = propose_twenty_a_month(&app, "NW-1001").await;
    app.sign_in_staff(ADMIN.0, ADMIN.1).await;
    for path in [
        "/staff/plans".to_string(),
        "/staff/plans.csv".to_string(),
        "/staff/plans/review".to_string(),
        format!("/staff/plans/{id}"),
    ] {
        assert_eq!(app.get(&path).await.status().as_u16(), 404, "{path}");
    }
    let response = app
        .post_form(&format!("/staff/plans/{id}/approve"), &[])
        .await;
    assert_eq!(response.status().as_u16(), 404);
    assert_eq!(stored_plan(&app, id).await.status, PlanStatus::Proposed);
}

#[tokio::test]
async fn plan_pages_need_a_staff_sign_in() {
    let app = spawn_demo_app().await;
    let id = propose_twenty_a_month(&app, "NW-1001").await;
    assert_redirect(&app.get("/staff/plans").await, "/staff/signin");
    assert_redirect(&app.get("/staff/plans/review").await, "/staff/signin");
    let response = app
        .post_form(&format!("/staff/plans/{id}/approve"), &[])
        .await;
    assert_redirect(&response, "/staff/signin");
    assert_eq!(stored_plan(&app, id).await.status, PlanStatus::Proposed);
}

/// Alex's proposal of £200 a month, sent and approved 45 days ago: the first payment was made,
/// the second is missed. Sam is paying later. Contoso Water has a plan of its own.
#[tokio::test]
async fn the_list_shows_dates_amounts_and_arrears_staff_act_on_in_the_page_and_the_csv() {
    let app = spawn_demo_app().await;
    let now = Utc::now();
    let today = now.date_naive();
    let then = now - Duration::days(45);
    let alex = demo_account(&app, "NW-1001").await;
    let choice = InstallmentChoice {
        frequency: Frequency::Monthly,
        size: PlanSize::PerPayment(Money::parse("200", Currency::GBP).unwrap()),
        first_due: then.date_naive() + Duration::days(1),
    };
    let plan_id = choose::propose(
        &app.db,
        &app.settings.base_url,
        alex.debtor_id,
        alex.id,
        choose::Proposal {
            choice: &choice,
            note: None,
        },
        "test-session",
        then,
    )
    .await
    .expect("proposal saved");
    app.sign_in_staff(STAFF.0, STAFF.1).await;
    app.post_form(&format!("/staff/plans/{plan_id}/approve"), &[])
        .await;
    installment::Entity::update_many()
        .col_expr(
            installment::Column::PaidMinor,
            Expr::col(installment::Column::AmountMinor),
        )
        .filter(installment::Column::PlanId.eq(plan_id))
        .filter(installment::Column::Seq.eq(1))
        .exec(&app.db)
        .await
        .unwrap();
    lifecycle::run(&app.db, now).await.unwrap();
    let due: Vec<installment::Model> = installment::Entity::find()
        .filter(installment::Column::PlanId.eq(plan_id))
        .order_by_asc(installment::Column::Seq)
        .all(&app.db)
        .await
        .unwrap();
    // £1,065.00 as 5 × £200.00 and £65.00: the second payment fell due about two weeks ago.
    assert_eq!(due.len(), 6);
    assert!(due[1].missed && due[1].due_on < today && due[2].due_on >= today);
    let (first, third, last) = (due[0].due_on, due[2].due_on, due[5].due_on);

    let sam = demo_account(&app, "NW-1002").await;
    let pay_later_by = today + Duration::days(30);
    pay_later(&app, &sam, pay_later_by).await;
    let contoso_reference = add_contoso_plan(&app).await;

    let html = app.get_html("/staff/plans").await;
    let long = |d: chrono::NaiveDate| d.format("%-d %B %Y").to_string();
    let alex_row = table_row(&html, &format!(r#"<a href="/staff/plans/{plan_id}">"#));
    for expected in [
        format!(r#"<a href="/staff/accounts/{}">Alex Morgan</a>"#, alex.id),
        "<td>Active</td>".to_string(),
        r#"<td class="num">£200.00</td><td>Every month</td><td class="num">6</td>"#.to_string(),
        format!("<td>{}</td><td>{}</td><td></td>", long(first), long(last)),
        format!(
            r#"<td>{}</td><td class="num">£200.00</td><td class="num">£200.00</td>"#,
            long(third)
        ),
    ] {
        assert!(alex_row.contains(&expected), "{expected} in {alex_row}");
    }
    let sam_row = table_row(&html, &format!(r#"<a href="/staff/accounts/{}">"#, sam.id));
    assert!(
        sam_row.contains(&format!("<td>{}</td>", long(pay_later_by))),
        "{sam_row}"
    );
    assert!(!html.contains(&contoso_reference));

    let csv = app.get("/staff/plans.csv").await.text().await.unwrap();
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .ends_with(",account_id,installment,first_due,last_due,pay_later_by,next_due,overdue")
    );
    let alex_line = csv
        .lines()
        .find(|l| l.starts_with(&format!("{plan_id},NW-1001,")))
        .expect("Alex's plan in the CSV");
    assert!(
        alex_line.ends_with(&format!(
            ",{},200.00,{first},{last},,{third},200.00",
            alex.id
        )),
        "{alex_line}"
    );
    let sam_line = csv
        .lines()
        .find(|l| l.contains(",NW-1002,"))
        .expect("Sam's plan in the CSV");
    assert!(
        sam_line.ends_with(&format!(",{},,,,{pay_later_by},,", sam.id)),
        "{sam_line}"
    );
    assert!(!csv.contains(&contoso_reference));

    // Contoso's own staff see their plan, and none of Northwind's.
    app.post_form("/signout", &[]).await;
    app.sign_in_staff(CONTOSO_STAFF.0, CONTOSO_STAFF.1).await;
    let html = app.get_html("/staff/plans").await;
    assert!(html.contains(&contoso_reference) && !html.contains("NW-100"));
    let csv = app.get("/staff/plans.csv").await.text().await.unwrap();
    assert!(csv.contains(&contoso_reference) && !csv.contains("NW-100"));
}

async fn demo_account(app: &TestApp, reference: &str) -> account::Model {
    account::Entity::find()
        .filter(account::Column::Reference.eq(reference))
        .one(&app.db)
        .await
        .unwrap()
        .expect("demo account")
}

/// The person agrees to pay everything by `until`, through the same service as the page.
async fn pay_later(app: &TestApp, account: &account::Model, until: chrono::NaiveDate) {
    let today = Utc::now().date_naive();
    let choice = choose::DeferralChoice {
        until,
        reason: None,
    };
    let found = choose::account_for_plan(&app.db, account.debtor_id, account.id)
        .await
        .unwrap()
        .expect("account");
    let (_, terms) = choose::preview_deferral(&found, &choice, today).expect("within policy");
    let who = choose::Agreement {
        debtor_id: account.debtor_id,
        account_id: account.id,
        shown_fingerprint: &sha256_hex(&terms),
        session_marker: "test-session",
    };
    choose::defer(&app.db, &app.settings.base_url, who, &choice, Utc::now())
        .await
        .expect("pay later agreed");
}

/// A person owing Contoso Water, with an active plan; returns the account's reference.
async fn add_contoso_plan(app: &TestApp) -> String {
    let creditor_id = add_contoso(app).await;
    let now = Utc::now();
    let person = debtor::ActiveModel {
        creditor_id: Set(creditor_id),
        full_name: Set("Robin Diaz".to_string()),
        email: Set("robin.diaz@example.com".to_string()),
        dob_hash: Set("not-a-real-hash".to_string()),
        time_zone: Set("Europe/London".to_string()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    let reference = "CW-7001".to_string();
    let owed = account::ActiveModel {
        creditor_id: Set(creditor_id),
        debtor_id: Set(person.id),
        reference: Set(reference.clone()),
        description: Set("Water supply".to_string()),
        currency: Set("GBP".to_string()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    plan::ActiveModel {
        account_id: Set(owed.id),
        creditor_id: Set(creditor_id),
        debtor_id: Set(person.id),
        kind: Set(PlanKind::Deferral),
        status: Set(PlanStatus::Active),
        total_minor: Set(30_000),
        currency: Set("GBP".to_string()),
        defer_until: Set(Some(now.date_naive() + Duration::days(20))),
        grace_days: Set(7),
        missed_to_break: Set(2),
        date_moved: Set(false),
        installment_skipped: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    reference
}

/// The table row holding `marker`.
fn table_row<'a>(html: &'a str, marker: &str) -> &'a str {
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} on the page"));
    let start = html[..at].rfind("<tr>").expect("row start");
    let end = at + html[at..].find("</tr>").expect("row end");
    &html[start..end]
}
