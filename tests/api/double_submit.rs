//! Sent twice, booked once: a staff member's double submit of an offline payment, and two
//! "pay in full" checkouts in two tabs that cannot both earn the early-payment discount.
use chrono::{Duration, Utc};
use goodterms::domain::EntryKind;
use goodterms::entities::ledger_entry;
use goodterms::services::payments::{self, events::EventOutcome, options::PayChoice};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::allocation::{WithPlan, paid_event, start};
use crate::helpers::{TestApp, assert_redirect, spawn_demo_app};
use crate::payments::{account_id, add_discount, balance_minor};

const STAFF: (&str, &str) = ("staff@northwind.example", "northwind-demo");

async fn entries(app: &TestApp, account: i32, kind: EntryKind, description: &str) -> u64 {
    ledger_entry::Entity::find()
        .filter(ledger_entry::Column::AccountId.eq(account))
        .filter(ledger_entry::Column::Kind.eq(kind.as_str()))
        .filter(ledger_entry::Column::Description.contains(description))
        .count(&app.db)
        .await
        .unwrap()
}

/// The one-time token rendered into the "record a payment" form.
async fn form_token(app: &TestApp, account: i32) -> String {
    let html = app.get_html(&format!("/staff/accounts/{account}")).await;
    let marker = "name=\"form_token\" value=\"";
    let start = html.find(marker).expect("the form carries a token") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn a_double_submitted_offline_payment_is_booked_once() {
    let app = spawn_demo_app().await;
    let alex = account_id(&app, "NW-1001").await;
    app.sign_in_staff(STAFF.0, STAFF.1).await;
    let path = format!("/staff/accounts/{alex}/payments");
    let token = form_token(&app, alex).await;
    let fields = [
        ("amount", "100.00"),
        ("method", "bank_transfer"),
        ("reference", "BACS 777"),
        ("form_token", token.as_str()),
    ];
    assert_redirect(
        &app.post_form(&path, &fields).await,
        &format!("/staff/accounts/{alex}"),
    );
    let again = app.post_form(&path, &fields).await;
    assert_eq!(again.status().as_u16(), 200);
    assert!(again.text().await.unwrap().contains("already recorded"));
    assert_eq!(entries(&app, alex, EntryKind::Payment, "BACS 777").await, 1);

    // Two submits of one form racing each other: still one payment.
    let token = form_token(&app, alex).await;
    let fields = [
        ("amount", "50.00"),
        ("method", "cheque"),
        ("reference", "CHQ 42"),
        ("form_token", token.as_str()),
    ];
    let (one, two) = tokio::join!(app.post_form(&path, &fields), app.post_form(&path, &fields));
    let mut statuses = [one.status().as_u16(), two.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 303]);
    assert_eq!(entries(&app, alex, EntryKind::Payment, "CHQ 42").await, 1);
    assert_eq!(balance_minor(&app, alex).await, 106_500 - 10_000 - 5_000);

    // A form without its token is refused by the amount, and nothing is booked.
    let stale = app
        .post_form(
            &path,
            &[("amount", "5.00"), ("method", "cash"), ("reference", "R1")],
        )
        .await;
    assert_eq!(stale.status().as_u16(), 400);
    assert!(
        stale
            .text()
            .await
            .unwrap()
            .contains("This form has expired")
    );
    assert_eq!(balance_minor(&app, alex).await, 106_500 - 10_000 - 5_000);
}

async fn send(app: &TestApp, path: &str, fields: Vec<(&str, String)>) -> reqwest::Response {
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.post_form(path, &borrowed).await
}

#[tokio::test]
async fn the_same_method_and_reference_again_asks_staff_to_confirm() {
    let app = spawn_demo_app().await;
    let alex = account_id(&app, "NW-1001").await;
    app.sign_in_staff(STAFF.0, STAFF.1).await;
    let path = format!("/staff/accounts/{alex}/payments");
    let first = form_token(&app, alex).await;
    let fields = |token: &str| {
        vec![
            ("amount", "20.00".to_string()),
            ("method", "bank_transfer".to_string()),
            ("reference", "BACS 555".to_string()),
            ("form_token", token.to_string()),
        ]
    };
    assert_eq!(
        send(&app, &path, fields(&first)).await.status().as_u16(),
        303
    );

    // A new form with the same bank transfer reference: a warning, nothing booked.
    let second = form_token(&app, alex).await;
    let warned = send(&app, &path, fields(&second)).await;
    assert_eq!(warned.status().as_u16(), 400);
    let html = warned.text().await.unwrap();
    assert!(
        html.contains("A payment with this method and reference was recorded"),
        "{html}"
    );
    assert!(html.contains("This is a different payment"));
    assert!(
        html.contains("value=\"BACS 555\""),
        "what was typed is kept"
    );
    assert_eq!(entries(&app, alex, EntryKind::Payment, "BACS 555").await, 1);

    // Confirmed: booked.
    let mut confirmed = fields(&second);
    confirmed.push(("confirm_repeat", "yes".to_string()));
    assert_eq!(send(&app, &path, confirmed).await.status().as_u16(), 303);
    assert_eq!(entries(&app, alex, EntryKind::Payment, "BACS 555").await, 2);
}

#[tokio::test]
async fn two_pay_in_full_checkouts_in_two_tabs_earn_the_discount_once() {
    let app = spawn_demo_app().await;
    add_discount(&app, 1_000, Utc::now().date_naive() + Duration::days(10)).await;
    let account = account_id(&app, "NW-1001").await;
    let debtor = goodterms::entities::account::Entity::find_by_id(account)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .debtor_id;
    let who = WithPlan {
        debtor,
        account,
        plan: 0,
    };
    // Both tabs were shown, and started paying, £958.50 with £106.50 off.
    let first = start(&app, &who, PayChoice::Full).await;
    let second = start(&app, &who, PayChoice::Full).await;
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
    assert_eq!(
        entries(&app, account, EntryKind::Discount, "").await,
        1,
        "one discount"
    );
    assert_eq!(balance_minor(&app, account).await, -95_850);
    // The used offer is not shown again.
    app.sign_in_alex().await;
    let page = app.get_html(&format!("/account/{account}/pay")).await;
    assert!(!page.contains("you save"));
}
