//! Every admin form refuses a bad value the same way: HTTP 400, the form shown again with the
//! message in the error summary (linking to the field) and next to the field, what was typed
//! kept, and nothing saved. Each case here is a rule the domain constructor enforces.
use chrono::{Duration, Utc};
use goodterms::domain::Currency;
use goodterms::entities::{creditor, discount_rule, staff_user};
use goodterms::services::plans::policies;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::{TestApp, spawn_demo_app};

const ADMIN: (&str, &str) = ("admin@goodterms.example", "admin-demo");

async fn admin_app() -> TestApp {
    let app = spawn_demo_app().await;
    app.sign_in_staff(ADMIN.0, ADMIN.1).await;
    app
}

async fn northwind_id(app: &TestApp) -> i32 {
    creditor::Entity::find()
        .filter(creditor::Column::Name.eq("Northwind Utilities"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// Posts the form and checks it was refused the one way every form refuses: 400, the
/// message in the summary linking to `field` and again next to it, and `kept` on the page.
async fn assert_refused(
    app: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
    field: &str,
    message: &str,
    kept: &str,
) {
    let response = app.post_form(path, fields).await;
    assert_eq!(response.status().as_u16(), 400, "{field}: {message}");
    let html = response.text().await.unwrap();
    assert!(
        html.contains(&format!(r##"<a href="#{field}">{message}</a>"##)),
        "the summary links {message:?} to #{field}:\n{html}"
    );
    let beside =
        format!(r#"id="{field}-error"><span class="visually-hidden">Error:</span> {message}</p>"#);
    assert!(html.contains(&beside), "{message:?} is next to {field}");
    assert!(html.contains(kept), "what was typed is kept: {kept}");
}

fn policy_fields<'a>(
    max_installments: &'a str,
    min_installment: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("monthly", "on"),
        ("max_installments", max_installments),
        ("max_duration_days", "365"),
        ("min_installment", min_installment),
        ("max_deferral_days", "30"),
        ("grace_days", "5"),
        ("missed_to_break", "3"),
        ("breathing_space_max_days", "60"),
    ]
}

#[tokio::test]
async fn a_policy_beyond_the_schedule_limit_or_with_a_minimum_below_zero_is_not_saved() {
    let app = admin_app().await;
    let id = northwind_id(&app).await;
    let path = format!("/admin/creditors/{id}/policy");
    assert_refused(
        &app,
        &path,
        &policy_fields("521", "10.00"),
        "max_installments",
        "Enter a whole number from 1 to 520",
        r#"value="521""#,
    )
    .await;
    assert_refused(
        &app,
        &path,
        &policy_fields("6", "-5"),
        "min_installment",
        "Enter an amount of zero or more, without a minus sign",
        r#"value="-5""#,
    )
    .await;
    let policy = policies::for_creditor(&app.db, id, Currency::GBP)
        .await
        .unwrap();
    assert_eq!(
        policy.max_installments(),
        12,
        "Northwind's policy is unchanged"
    );
}

#[tokio::test]
async fn a_discount_whose_cap_is_nothing_is_not_saved() {
    let app = admin_app().await;
    let id = northwind_id(&app).await.to_string();
    let today = Utc::now().date_naive();
    let deadline = today + Duration::days(30);
    let (from, last) = (
        [today.format("%-d"), today.format("%-m"), today.format("%Y")].map(|p| p.to_string()),
        [
            deadline.format("%-d"),
            deadline.format("%-m"),
            deadline.format("%Y"),
        ]
        .map(|p| p.to_string()),
    );
    let fields = [
        ("name", "Spring"),
        ("creditor", id.as_str()),
        ("kind", "percent"),
        ("percent", "10"),
        ("deadline_kind", "date"),
        ("deadline_day", last[0].as_str()),
        ("deadline_month", last[1].as_str()),
        ("deadline_year", last[2].as_str()),
        ("from_day", from[0].as_str()),
        ("from_month", from[1].as_str()),
        ("from_year", from[2].as_str()),
        ("max_discount", "0"),
        ("enabled", "on"),
    ];
    assert_refused(
        &app,
        "/admin/discounts/new",
        &fields,
        "max_discount",
        "Enter an amount more than zero",
        r#"value="Spring""#,
    )
    .await;
    let saved = discount_rule::Entity::find().count(&app.db).await.unwrap();
    assert_eq!(saved, 0, "no discount was saved");
}

#[tokio::test]
async fn a_creditor_whose_public_name_is_too_long_is_not_saved() {
    let app = admin_app().await;
    let before = creditor::Entity::find().count(&app.db).await.unwrap();
    let long = "y".repeat(101);
    let fields = [
        ("name", "Contoso"),
        ("display_name", long.as_str()),
        ("currency", "GBP"),
        ("time_zone", "Europe/London"),
        ("contact_email", "help@contoso.example"),
        ("contact_phone", "0300 000 0000"),
    ];
    assert_refused(
        &app,
        "/admin/creditors/new",
        &fields,
        "display_name",
        "The name shown to people must be 100 characters or fewer",
        r#"value="Contoso""#,
    )
    .await;
    let after = creditor::Entity::find().count(&app.db).await.unwrap();
    assert_eq!(after, before, "no creditor was added");
}

#[tokio::test]
async fn an_invitation_with_no_role_or_no_creditor_is_not_sent() {
    let app = admin_app().await;
    let before = staff_user::Entity::find().count(&app.db).await.unwrap();
    assert_refused(
        &app,
        "/admin/staff/new",
        &[("email", "sam@northwind.example"), ("role", "owner")],
        "role",
        "Choose what this person may do",
        r#"value="sam@northwind.example""#,
    )
    .await;
    assert_refused(
        &app,
        "/admin/staff/new",
        &[("email", "sam@northwind.example"), ("role", "creditor")],
        "creditor_id",
        "Choose the creditor this person works for",
        r#"value="sam@northwind.example""#,
    )
    .await;
    let after = staff_user::Entity::find().count(&app.db).await.unwrap();
    assert_eq!(after, before, "nobody was invited");
}
