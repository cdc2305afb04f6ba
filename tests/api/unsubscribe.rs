//! One-click unsubscribe from reminders: by the page and its button, and by a mail provider's
//! RFC 8058 POST with no cookies and no form token. Only a link we signed does anything.
use goodterms::entities::{audit_log, contact_preference};
use goodterms::services::contact::unsubscribe;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::contact_preferences::{alex_id, saved_row};
use crate::helpers::{TestApp, spawn_demo_app};

const DONE: &str = "You will not get reminders from Northwind Utilities by email. You will still get receipts and confirmations for things you do.";

/// The path of the unsubscribe link a reminder to `debtor_id` carries.
fn link_path(app: &TestApp, debtor_id: i32) -> String {
    unsubscribe::url(&app.hasher, "", debtor_id)
}

async fn unsubscribes_logged(app: &TestApp) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("contact.unsubscribed"))
        .count(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_link_explains_and_its_button_turns_reminders_off_once() {
    let app = spawn_demo_app().await;
    let id = alex_id(&app).await;
    let path = link_path(&app, id);

    let page = app.get(&path).await;
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Stop reminders from Northwind Utilities"));
    assert!(html.contains("You will still get receipts and confirmations"));
    assert!(html.contains(">Stop reminders by email</button>"));
    assert_eq!(
        saved_row(&app, id).await,
        None,
        "opening the link changes nothing"
    );

    for _ in 0..2 {
        let done = app.post_form(&path, &[]).await;
        assert_eq!(done.status().as_u16(), 200);
        let html = done.text().await.unwrap();
        assert!(html.contains(DONE));
        assert!(html.contains(r#"href="/account/contact""#));
    }
    let row = saved_row(&app, id).await.expect("a row for Alex");
    assert!(!row.reminders_by_email);
    assert_eq!(
        unsubscribes_logged(&app).await,
        1,
        "doing it again changes nothing"
    );
    assert!(app.get_html(&path).await.contains("already off"));
}

#[tokio::test]
async fn a_mail_providers_one_click_post_needs_no_cookie_and_no_token() {
    let app = spawn_demo_app().await;
    let id = alex_id(&app).await;
    // Alex chose evening reminders earlier; unsubscribing keeps the rest as it was.
    app.sign_in_alex().await;
    app.post_form(
        "/account/contact",
        &[("reminders", "on"), ("time_of_day", "evening")],
    )
    .await;

    let (_, provider) = app.second_browser();
    let response = provider
        .post(app.url(&link_path(&app, id)))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let row = saved_row(&app, id).await.unwrap();
    assert!(!row.reminders_by_email);
    assert_eq!(row.time_of_day.as_str(), "evening");
    assert_eq!(unsubscribes_logged(&app).await, 1);
}

#[tokio::test]
async fn a_link_we_did_not_sign_changes_nothing() {
    let app = spawn_demo_app().await;
    let id = alex_id(&app).await;
    let signature = link_path(&app, id).rsplit('/').next().unwrap().to_string();
    let bad_paths = [
        format!("/unsubscribe/{id}/{}", "ab".repeat(32)),
        format!("/unsubscribe/{}/{signature}", id + 1),
        format!("/unsubscribe/{id}/short"),
        format!("/unsubscribe/not-a-number/{signature}"),
    ];
    let (_, provider) = app.second_browser();
    for path in &bad_paths {
        let page = app.get(path).await;
        assert_eq!(page.status().as_u16(), 404, "{path}");
        assert!(
            page.text()
                .await
                .unwrap()
                .contains("This link does not work")
        );
        let posted = provider
            .post(app.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click")
            .send()
            .await
            .unwrap();
        assert_eq!(posted.status().as_u16(), 404, "{path}");
    }
    let rows = contact_preference::Entity::find()
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(rows, 0);
    assert_eq!(unsubscribes_logged(&app).await, 0);
}

#[tokio::test]
async fn other_posts_still_need_their_form_token() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let response = app
        .post_raw(
            "/account/contact",
            &[("reminders", "off"), ("time_of_day", "any")],
        )
        .await;
    assert_eq!(response.status().as_u16(), 403);
    assert_eq!(saved_row(&app, alex_id(&app).await).await, None);
}
