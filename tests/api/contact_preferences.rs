//! The contact preferences page: choices saved per creditor, shown again, checked as a whole.
use chrono::{Duration, Utc};
use goodterms::domain::contact::TimeOfDay;
use goodterms::entities::{audit_log, contact_preference, debtor};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::{TestApp, assert_redirect, spawn_demo_app};

pub async fn alex_id(app: &TestApp) -> i32 {
    debtor::Entity::find()
        .filter(debtor::Column::Email.eq("alex.morgan@example.com"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("Alex is in the demo data")
        .id
}

pub async fn saved_row(app: &TestApp, debtor_id: i32) -> Option<contact_preference::Model> {
    contact_preference::Entity::find_by_id(debtor_id)
        .one(&app.db)
        .await
        .unwrap()
}

async fn audit_entries(app: &TestApp, action: &str) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .count(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn preferences_are_saved_and_shown_again() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let balance = app.get_html("/account").await;
    assert!(balance.contains(r#"<a href="/account/contact">Contact preferences</a>"#));
    let page = app.get_html("/account/contact").await;
    assert!(page.contains("<h1>Contact preferences</h1>"));
    assert!(page.contains("Northwind Utilities will follow what you choose here"));
    assert!(page.contains("Receipts and confirmations"));
    assert!(
        page.contains(r#"value="on" checked"#),
        "reminders on by default"
    );

    let response = app
        .post_form(
            "/account/contact",
            &[
                ("reminders", "on"),
                ("time_of_day", "evening"),
                ("payday_only", "on"),
                ("payday", "25"),
                ("pause", "start"),
            ],
        )
        .await;
    assert_redirect(&response, "/account/contact?saved=1");
    let page = app.get_html("/account/contact?saved=1").await;
    assert!(page.contains("Your choices are saved"));
    assert!(page.contains(r#"value="evening" checked"#));
    assert!(page.contains(r#"value="25""#));
    assert!(page.contains("Reminders are paused until"));
    assert!(page.contains("End the pause now"));

    let id = alex_id(&app).await;
    let row = saved_row(&app, id).await.expect("a row for Alex");
    assert!(row.reminders_by_email);
    assert_eq!(row.time_of_day, TimeOfDay::Evening);
    assert_eq!(row.payday, Some(25));
    let until = row.paused_until.expect("paused");
    let fourteen_days = Utc::now() + Duration::days(14);
    assert!((until - fourteen_days).num_minutes().abs() < 5);
    assert_eq!(audit_entries(&app, "contact.preferences_saved").await, 1);

    // Ending the pause early, and turning reminders off, on the same page.
    let response = app
        .post_form(
            "/account/contact",
            &[
                ("reminders", "off"),
                ("time_of_day", "evening"),
                ("payday", "25"),
                ("pause", "end"),
            ],
        )
        .await;
    assert_redirect(&response, "/account/contact?saved=1");
    let row = saved_row(&app, id).await.unwrap();
    assert!(!row.reminders_by_email);
    assert_eq!(row.paused_until, None);
    assert_eq!(row.payday, None, "no payday without payday reminders");
    let page = app.get_html("/account/contact").await;
    assert!(page.contains(r#"value="off" checked"#));
    assert!(page.contains("Pause reminders for 14 days"));
    assert_eq!(audit_entries(&app, "contact.preferences_saved").await, 2);
}

#[tokio::test]
async fn an_impossible_payday_is_explained_next_to_the_field_and_nothing_is_saved() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    for payday in ["0", "32", "", "twenty"] {
        let response = app
            .post_form(
                "/account/contact",
                &[
                    ("reminders", "on"),
                    ("time_of_day", "any"),
                    ("payday_only", "on"),
                    ("payday", payday),
                ],
            )
            .await;
        assert_eq!(response.status().as_u16(), 400, "payday {payday:?}");
        let html = response.text().await.unwrap();
        assert!(html.contains("There is a problem"));
        assert!(
            html.contains(r##"<a href="#payday">Enter the day of the month your pay arrives"##)
        );
        assert!(html.contains(r#"id="payday-error""#));
        assert!(
            html.contains(&format!(r#"value="{payday}""#)),
            "keeps what was typed"
        );
        assert!(html.contains(r#"value="any" checked"#));
    }
    assert_eq!(saved_row(&app, alex_id(&app).await).await, None);
    assert_eq!(audit_entries(&app, "contact.preferences_saved").await, 0);
}

#[tokio::test]
async fn a_made_up_choice_is_refused_with_a_message() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let response = app
        .post_form(
            "/account/contact",
            &[("reminders", "sometimes"), ("time_of_day", "midnight")],
        )
        .await;
    assert_eq!(response.status().as_u16(), 400);
    let html = response.text().await.unwrap();
    assert!(
        html.contains(
            r##"<a href="#reminders-on">Choose whether you want reminders by email</a>"##
        )
    );
    assert!(html.contains(r##"<a href="#time-any">Choose a time of day for reminders</a>"##));
    assert_eq!(saved_row(&app, alex_id(&app).await).await, None);
}

#[tokio::test]
async fn signed_out_the_page_asks_for_sign_in_and_then_opens() {
    let app = spawn_demo_app().await;
    assert_redirect(&app.get("/account/contact").await, "/");
    assert_redirect(&app.sign_in_alex().await, "/account/contact");
    assert!(
        app.get_html("/account/contact")
            .await
            .contains("Contact preferences")
    );
}
