//! "Email me a sign-in link": single use, 15 minutes, no account enumeration.
use chrono::{Duration, Utc};
use goodterms::domain::inputs::EmailAddress;
use goodterms::entities::outbox_message;
use goodterms::services::access::sign_in_links;
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::helpers::{TestApp, assert_redirect, spawn_demo_app};

const ALEX: &str = "alex.morgan@example.com";

/// The path of the newest sign-in link waiting in the outbox.
async fn latest_link_path(app: &TestApp) -> String {
    let rows = outbox_message::Entity::find().all(&app.db).await.unwrap();
    let body = &rows.last().expect("an email was queued").text_body;
    let start = body.find("/signin/link/").expect("link in email");
    body[start..].split_whitespace().next().unwrap().to_string()
}

async fn queued_emails(app: &TestApp) -> u64 {
    outbox_message::Entity::find().count(&app.db).await.unwrap()
}

#[tokio::test]
async fn a_link_opens_a_continue_page_and_only_the_post_uses_it_once() {
    let app = spawn_demo_app().await;
    let response = app.post_form("/signin/link", &[("email", ALEX)]).await;
    assert_redirect(&response, "/signin/link/sent");
    let path = latest_link_path(&app).await;

    // Mail scanners open links: a GET must not use the token up.
    for _ in 0..2 {
        let page = app.get(&path).await;
        assert_eq!(page.status().as_u16(), 200);
        assert!(page.text().await.unwrap().contains(">Continue</button>"));
    }
    let response = app.post_form(&path, &[]).await;
    assert_redirect(&response, "/account");
    assert!(app.get_html("/account").await.contains("NW-1001"));

    let reused = app.post_form(&path, &[]).await;
    assert_eq!(reused.status().as_u16(), 410);
    assert!(reused.text().await.unwrap().contains("already been used"));
}

#[tokio::test]
async fn an_expired_link_says_so_and_offers_a_new_one() {
    let app = spawn_demo_app().await;
    let email = EmailAddress::parse(ALEX).unwrap();
    let sixteen_minutes_ago = Utc::now() - Duration::minutes(16);
    sign_in_links::request_link(
        &app.db,
        &app.hasher,
        &email,
        "198.51.100.7",
        &app.settings.base_url,
        sixteen_minutes_ago,
    )
    .await
    .unwrap();
    let path = latest_link_path(&app).await;
    for response in [app.get(&path).await, app.post_form(&path, &[]).await] {
        assert_eq!(response.status().as_u16(), 410);
        let html = response.text().await.unwrap();
        assert!(html.contains("has run out"));
        assert!(html.contains("Email me a new sign-in link"));
    }
    assert_redirect(&app.get("/account").await, "/");
}

#[tokio::test]
async fn a_made_up_link_is_refused_kindly() {
    let app = spawn_demo_app().await;
    let fake = format!("/signin/link/{}", "ab".repeat(32));
    assert_eq!(app.get(&fake).await.status().as_u16(), 410);
    assert_eq!(app.post_form(&fake, &[]).await.status().as_u16(), 410);
    assert_eq!(
        app.get("/signin/link/not-a-token").await.status().as_u16(),
        410
    );
}

#[tokio::test]
async fn known_and_unknown_addresses_get_the_same_answer() {
    let app = spawn_demo_app().await;
    let known = app.post_form("/signin/link", &[("email", ALEX)]).await;
    let unknown = app
        .post_form("/signin/link", &[("email", "nobody@example.org")])
        .await;
    assert_redirect(&known, "/signin/link/sent");
    assert_redirect(&unknown, "/signin/link/sent");
    assert_eq!(
        queued_emails(&app).await,
        1,
        "only the known address gets mail"
    );
}

#[tokio::test]
async fn a_badly_typed_address_is_explained_next_to_the_field() {
    let app = spawn_demo_app().await;
    let response = app
        .post_form("/signin/link", &[("email", "alex at example")])
        .await;
    assert_eq!(response.status().as_u16(), 400);
    let html = response.text().await.unwrap();
    assert!(html.contains("There is a problem"));
    assert!(html.contains("like name@example.com"));
    assert!(html.contains(r#"value="alex at example""#));
    assert_eq!(queued_emails(&app).await, 0);
}

#[tokio::test]
async fn many_link_requests_are_slowed_down() {
    let app = spawn_demo_app().await;
    for _ in 0..5 {
        let response = app.post_form("/signin/link", &[("email", ALEX)]).await;
        assert_redirect(&response, "/signin/link/sent");
    }
    let response = app.post_form("/signin/link", &[("email", ALEX)]).await;
    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(queued_emails(&app).await, 5);
}
