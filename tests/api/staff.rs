//! Staff sign-in, roles, and each creditor seeing only its own accounts.
use chrono::Utc;
use goodterms::entities::{account, creditor, staff_user};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};

use crate::balance::add_debtor;
use crate::helpers::{TestApp, add_contoso, assert_redirect, spawn_demo_app};

const STAFF: (&str, &str) = ("staff@northwind.example", "northwind-demo");
const ADMIN: (&str, &str) = ("admin@goodterms.example", "admin-demo");

/// A second creditor with its own staff member and one account.
async fn add_other_creditor(app: &TestApp) -> i32 {
    let other_id = add_contoso(app).await;
    let id = add_debtor(app, "Casey Contoso", "CW-1", &[("principal", 9_900)]).await;
    let mut moved = account::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    moved.creditor_id = Set(other_id);
    moved.update(&app.db).await.unwrap().id
}

#[tokio::test]
async fn the_staff_sign_in_page_has_email_and_password_labels() {
    let app = spawn_demo_app().await;
    let html = app.get_html("/staff/signin").await;
    assert!(html.contains(r#"<label for="email">Email</label>"#));
    assert!(html.contains(r#"<label for="password">Password</label>"#));
}

#[tokio::test]
async fn creditor_staff_sign_in_and_search_their_accounts() {
    let app = spawn_demo_app().await;
    assert_redirect(&app.sign_in_staff(STAFF.0, STAFF.1).await, "/staff");
    assert_redirect(&app.get("/staff").await, "/staff/dashboard");
    let html = app.get_html("/staff/accounts").await;
    assert!(html.contains("NW-1001") && html.contains("NW-1002"));
    assert!(html.contains("£1,065.00"));
    let html = app.get_html("/staff/accounts?q=alex").await;
    assert!(html.contains("NW-1001") && !html.contains("NW-1002"));
    let html = app.get_html("/staff/accounts?q=nw-1002").await;
    assert!(html.contains("Sam Lee") && !html.contains("Alex Morgan"));
}

#[tokio::test]
async fn the_account_list_is_paginated() {
    let app = spawn_demo_app().await;
    goodterms::services::demo::add_synthetic(&app.db, &app.hasher, 30, Utc::now())
        .await
        .unwrap();
    app.sign_in_staff(STAFF.0, STAFF.1).await;
    let first = app.get_html("/staff/accounts").await;
    assert!(first.contains("32 accounts"));
    assert!(first.contains("Page 1 of 2"));
    assert!(first.contains("Next page"));
    let second = app.get_html("/staff/accounts?q=&page=2").await;
    assert!(second.contains("Page 2 of 2") && second.contains("Previous page"));
    let beyond = app.get_html("/staff/accounts?page=99").await;
    assert!(beyond.contains("Page 2 of 2"));
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let app = spawn_demo_app().await;
    let wrong = app.sign_in_staff(STAFF.0, "not-the-password").await;
    let unknown = app
        .sign_in_staff("nobody@example.com", "not-the-password")
        .await;
    assert_eq!(wrong.status().as_u16(), 400);
    assert_eq!(unknown.status().as_u16(), 400);
    let (a, b) = (wrong.text().await.unwrap(), unknown.text().await.unwrap());
    assert!(a.contains("The email address or password is not right"));
    assert_eq!(
        a.replace(STAFF.0, "X"),
        b.replace("nobody@example.com", "X")
    );
}

#[tokio::test]
async fn staff_sign_in_is_rate_limited() {
    let app = spawn_demo_app().await;
    for _ in 0..5 {
        app.sign_in_staff(STAFF.0, "guess-guess-guess").await;
    }
    assert_eq!(
        app.sign_in_staff(STAFF.0, STAFF.1).await.status().as_u16(),
        429
    );
}

#[tokio::test]
async fn creditor_staff_cannot_see_another_creditors_accounts() {
    let app = spawn_demo_app().await;
    let contoso_account = add_other_creditor(&app).await;
    app.sign_in_staff(STAFF.0, STAFF.1).await;
    let list = app.get_html("/staff/accounts?q=CW-1").await;
    assert!(!list.contains("Casey"));
    let response = app.get(&format!("/staff/accounts/{contoso_account}")).await;
    assert_eq!(response.status().as_u16(), 404);

    // And the other way round.
    app.post_form("/staff/signout", &[]).await;
    app.sign_in_staff("staff@contoso.example", "contoso-password-1")
        .await;
    let list = app.get_html("/staff/accounts").await;
    assert!(list.contains("CW-1") && !list.contains("NW-1001"));
    let alex = account::Entity::find()
        .filter(account::Column::Reference.eq("NW-1001"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        app.get(&format!("/staff/accounts/{}", alex.id))
            .await
            .status()
            .as_u16(),
        404
    );
    let own = app.get(&format!("/staff/accounts/{contoso_account}")).await;
    assert_eq!(own.status().as_u16(), 200);
}

#[tokio::test]
async fn creditor_staff_cannot_open_admin_pages_and_admins_see_creditors() {
    let app = spawn_demo_app().await;
    app.sign_in_staff(STAFF.0, STAFF.1).await;
    assert_eq!(app.get("/admin/creditors").await.status().as_u16(), 404);
    app.post_form("/staff/signout", &[]).await;

    app.sign_in_staff(ADMIN.0, ADMIN.1).await;
    assert_redirect(&app.get("/staff").await, "/admin/creditors");
    let html = app.get_html("/admin/creditors").await;
    assert!(html.contains("Northwind Utilities"));
    // Admins are not a creditor: no creditor's account list.
    assert_eq!(app.get("/staff/accounts").await.status().as_u16(), 404);
}

#[tokio::test]
async fn disabling_a_staff_member_ends_their_access_at_once() {
    let app = spawn_demo_app().await;
    app.sign_in_staff(STAFF.0, STAFF.1).await;
    assert_eq!(app.get("/staff/accounts").await.status().as_u16(), 200);
    let mut user = staff_user::Entity::find()
        .filter(staff_user::Column::Email.eq(STAFF.0))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    user.disabled = Set(true);
    user.update(&app.db).await.unwrap();
    assert_redirect(&app.get("/staff/accounts").await, "/staff/signin");
}

#[tokio::test]
async fn a_debtor_session_does_not_open_staff_pages() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    assert_redirect(&app.get("/staff/accounts").await, "/staff/signin");
    assert_redirect(&app.get("/admin/creditors").await, "/staff/signin");
}

fn policy_form(max_installments: &str) -> Vec<(&'static str, String)> {
    vec![
        ("weekly", "on".to_string()),
        ("monthly", "on".to_string()),
        ("max_installments", max_installments.to_string()),
        ("max_duration_days", "365".to_string()),
        ("min_installment", "10.00".to_string()),
        ("max_deferral_days", "30".to_string()),
        ("grace_days", "5".to_string()),
        ("missed_to_break", "3".to_string()),
        ("breathing_space_max_days", "60".to_string()),
        ("allow_skip", "on".to_string()),
    ]
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

#[tokio::test]
async fn an_admin_edits_a_creditors_plan_policy_and_bad_values_are_explained() {
    use goodterms::domain::schedule::Frequency;
    use goodterms::domain::{Currency, Money};
    let app = spawn_demo_app().await;
    let id = northwind_id(&app).await;
    let path = format!("/admin/creditors/{id}/policy");
    app.sign_in_staff(ADMIN.0, ADMIN.1).await;
    let html = app.get_html(&path).await;
    assert!(html.contains("Payment plan policy for Northwind Utilities"));
    assert!(
        html.contains(r#"value="12""#),
        "Northwind allows 12 payments"
    );

    let mut bad = policy_form("0");
    bad.retain(|(k, _)| !matches!(*k, "weekly" | "monthly"));
    let fields: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = app.post_form(&path, &fields).await;
    assert_eq!(response.status().as_u16(), 400);
    let html = response.text().await.unwrap();
    assert!(html.contains("Choose at least one way to pay"));
    assert!(html.contains("Enter a whole number from 1 to 520"));

    let good = policy_form("6");
    let fields: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_redirect(
        &app.post_form(&path, &fields).await,
        &format!("{path}?saved=1"),
    );
    let policy = goodterms::services::plans::policies::for_creditor(&app.db, id, Currency::GBP)
        .await
        .unwrap();
    assert_eq!(policy.max_installments(), 6);
    assert_eq!(
        policy.allowed_frequencies(),
        [Frequency::Weekly, Frequency::Monthly]
    );
    assert_eq!(
        policy.min_installment(),
        Money::from_minor(1000, Currency::GBP)
    );
    assert!(!policy.allow_move_date() && policy.allow_skip());
}

#[tokio::test]
async fn only_admins_reach_the_policy_page() {
    let app = spawn_demo_app().await;
    let id = northwind_id(&app).await;
    app.sign_in_staff(STAFF.0, STAFF.1).await;
    assert_eq!(
        app.get(&format!("/admin/creditors/{id}/policy"))
            .await
            .status()
            .as_u16(),
        404
    );
    let good = policy_form("6");
    let fields: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = app
        .post_form(&format!("/admin/creditors/{id}/policy"), &fields)
        .await;
    assert_eq!(response.status().as_u16(), 404);
}
