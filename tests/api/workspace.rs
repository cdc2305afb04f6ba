//! The creditor's workspace: the dashboard's figures and an account's timeline, notes, holds
//! and payments recorded by staff.
use goodterms::entities::{audit_log, ledger_entry, outbox_message};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::{CONTOSO_STAFF, TestApp, add_contoso, assert_redirect, spawn_demo_app};
use crate::payments::{account_id, balance_minor};

const STAFF: (&str, &str) = ("staff@northwind.example", "northwind-demo");

async fn audited(app: &TestApp, action: &str) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .count(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_dashboard_adds_up_a_known_data_set() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let alex = account_id(&app, "NW-1001").await;
    // A card payment of £65.00 this week, through the offline test provider.
    let response = app
        .post_form(
            &format!("/account/{alex}/pay"),
            &[("choice", "other"), ("amount", "65")],
        )
        .await;
    let checkout = response.headers()["location"].to_str().unwrap().to_string();
    app.post_form(&checkout, &[("outcome", "succeed")]).await;
    app.post_form("/signout", &[]).await;

    app.sign_in_staff(STAFF.0, STAFF.1).await;
    assert_redirect(&app.get("/staff").await, "/staff/dashboard");
    let html = app.get_html("/staff/dashboard").await;
    // Owed: £1,000.00 (Alex, after £65.00) + £480.00 (Sam).
    assert!(
        html.contains("<dt>Outstanding</dt><dd>£1,480.00</dd>"),
        "{html}"
    );
    assert!(html.contains("<dt>Collected this month</dt><dd>£65.00</dd>"));
    // Charged £1,240 + £25 + £480 = £1,745; collected £200 (June) + £65 = £265 -> 15%.
    assert!(html.contains("<dt>Recovery rate</dt><dd>15%</dd>"));
    assert!(html.contains("<svg class=\"chart\""));
    assert!(html.contains("<caption>Collected each week</caption>"));
}

#[tokio::test]
async fn an_accounts_timeline_shows_ledger_payments_emails_sign_ins_and_notes() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let alex = account_id(&app, "NW-1001").await;
    app.post_form("/signin/link", &[("email", "alex.morgan@example.com")])
        .await;
    app.post_form("/signout", &[]).await;
    app.sign_in_staff(STAFF.0, STAFF.1).await;
    let page = format!("/staff/accounts/{alex}");
    let response = app
        .post_form(
            &format!("{page}/notes"),
            &[("note", "Called back, will pay Friday")],
        )
        .await;
    assert_redirect(&response, &page);
    let html = app.get_html(&page).await;
    for expected in [
        "Alex Morgan",
        "Late payment fee",
        "Signed in with reference",
        "“Your sign-in link”",
        "Called back, will pay Friday",
    ] {
        assert!(html.contains(expected), "timeline shows {expected}");
    }
    assert_eq!(audited(&app, "account.note_added").await, 1);
    let empty = app
        .post_form(&format!("{page}/notes"), &[("note", "  ")])
        .await;
    assert_eq!(empty.status().as_u16(), 400);
    assert!(empty.text().await.unwrap().contains("Write the note"));
}

#[tokio::test]
async fn staff_record_a_bank_transfer_and_it_is_applied_once_with_a_receipt() {
    let app = spawn_demo_app().await;
    let alex = account_id(&app, "NW-1001").await;
    app.sign_in_staff(STAFF.0, STAFF.1).await;
    let path = format!("/staff/accounts/{alex}/payments");
    let fields = [
        ("amount", "100.00"),
        ("method", "bank_transfer"),
        ("reference", "BACS 123"),
        ("form_token", "workspace-form-0001"),
    ];
    assert_redirect(
        &app.post_form(&path, &fields).await,
        &format!("/staff/accounts/{alex}"),
    );
    assert_eq!(balance_minor(&app, alex).await, 96_500);
    let entry = ledger_entry::Entity::find()
        .filter(
            ledger_entry::Column::Description
                .eq("Payment received: Bank transfer BACS 123. Thank you"),
        )
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(entry, 1);
    let receipts = outbox_message::Entity::find()
        .filter(outbox_message::Column::Subject.eq("Your receipt"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(receipts, 1);
    assert_eq!(audited(&app, "payment.recorded_offline").await, 1);
    for (fields, message) in [
        (
            [
                ("amount", "0"),
                ("method", "cheque"),
                ("reference", "CHQ 1"),
            ],
            "more than zero",
        ),
        (
            [
                ("amount", "5000"),
                ("method", "cheque"),
                ("reference", "CHQ 1"),
            ],
            "or less",
        ),
        (
            [("amount", "10"), ("method", "gold"), ("reference", "CHQ 1")],
            "Choose how the money was paid",
        ),
        (
            [("amount", "10"), ("method", "cheque"), ("reference", "")],
            "reference",
        ),
    ] {
        let mut fields = fields.to_vec();
        fields.push(("form_token", "workspace-form-0002"));
        let response = app.post_form(&path, &fields).await;
        assert_eq!(response.status().as_u16(), 400, "{message}");
        assert!(
            response.text().await.unwrap().contains(message),
            "{message}"
        );
    }
    assert_eq!(
        balance_minor(&app, alex).await,
        96_500,
        "nothing else was recorded"
    );
}

#[tokio::test]
async fn an_account_can_be_put_on_hold_with_a_reason_and_released() {
    let app = spawn_demo_app().await;
    let alex = account_id(&app, "NW-1001").await;
    app.sign_in_staff(STAFF.0, STAFF.1).await;
    let page = format!("/staff/accounts/{alex}");
    let no_reason = app
        .post_form(&format!("{page}/hold"), &[("reason", "")])
        .await;
    assert_eq!(no_reason.status().as_u16(), 400);
    assert_redirect(
        &app.post_form(
            &format!("{page}/hold"),
            &[("reason", "Disputed meter reading")],
        )
        .await,
        &page,
    );
    let html = app.get_html(&page).await;
    assert!(html.contains("On hold:</strong> Disputed meter reading"));
    let twice = app
        .post_form(&format!("{page}/hold"), &[("reason", "Again")])
        .await;
    assert_eq!(twice.status().as_u16(), 400);
    assert_redirect(
        &app.post_form(&format!("{page}/hold/end"), &[]).await,
        &page,
    );
    assert!(!app.get_html(&page).await.contains("On hold:"));
    assert_eq!(audited(&app, "account.hold_started").await, 1);
    assert_eq!(audited(&app, "account.hold_ended").await, 1);
}

#[tokio::test]
async fn another_creditors_staff_cannot_act_on_an_account() {
    let app = spawn_demo_app().await;
    let alex = account_id(&app, "NW-1001").await;
    add_contoso(&app).await;
    app.sign_in_staff(CONTOSO_STAFF.0, CONTOSO_STAFF.1).await;
    let page = format!("/staff/accounts/{alex}");
    assert_eq!(app.get(&page).await.status().as_u16(), 404);
    for (path, fields) in [
        (format!("{page}/notes"), vec![("note", "x")]),
        (format!("{page}/hold"), vec![("reason", "x")]),
        (format!("{page}/hold/end"), vec![]),
        (
            format!("{page}/payments"),
            vec![("amount", "10"), ("method", "cheque"), ("reference", "X")],
        ),
    ] {
        assert_eq!(
            app.post_form(&path, &fields).await.status().as_u16(),
            404,
            "{path}"
        );
    }
    assert_eq!(balance_minor(&app, alex).await, 106_500);
    let html = app.get_html("/staff/dashboard").await;
    assert!(
        html.contains("<dt>Outstanding</dt><dd>£0.00</dd>"),
        "Contoso sees only its own"
    );
}
