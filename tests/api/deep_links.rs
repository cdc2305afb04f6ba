//! Links in emails that open one page: a Continue button (mail scanners only GET), used once,
//! for 7 days; and after sign-in by any route the person lands on the page they were after.
use chrono::{DateTime, Duration, Utc};
use goodterms::crypto::{random_token, sha256_hex};
use goodterms::entities::{deep_link, outbox_message};
use goodterms::services::contact::deep_links;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};

use crate::contact_preferences::alex_id;
use crate::helpers::{TestApp, assert_redirect, spawn_demo_app};
use crate::payments::account_id;

/// A link for Alex to the payment page of NW-1001, made at `now`; (link path, page path).
async fn pay_link(app: &TestApp, now: DateTime<Utc>) -> (String, String) {
    let target = format!("/account/{}/pay", account_id(app, "NW-1001").await);
    let link = deep_links::create(&app.db, "", alex_id(app).await, &target, now)
        .await
        .unwrap();
    (link, target)
}

async fn link_row(app: &TestApp) -> deep_link::Model {
    deep_link::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .expect("a link")
}

#[tokio::test]
async fn opening_a_link_does_not_use_it_and_continue_lands_on_its_page_once() {
    let app = spawn_demo_app().await;
    let (link, target) = pay_link(&app, Utc::now()).await;
    assert!(link.starts_with("/go/"));

    for _ in 0..2 {
        let page = app.get(&link).await;
        assert_eq!(page.status().as_u16(), 200);
        assert!(page.text().await.unwrap().contains(">Continue</button>"));
    }
    assert_eq!(
        link_row(&app).await.used_at,
        None,
        "a GET never uses the link"
    );

    assert_redirect(&app.post_form(&link, &[]).await, &target);
    assert_eq!(app.get(&target).await.status().as_u16(), 200, "signed in");
    assert!(link_row(&app).await.used_at.is_some());
    // Signed in as the person the link is for: it simply opens the page again.
    assert_redirect(&app.get(&link).await, &target);

    // Anyone else with the same link gets nothing from it.
    let (_, other) = app.second_browser();
    let reused = other.get(app.url(&link)).send().await.unwrap();
    assert_eq!(reused.status().as_u16(), 410);
    assert!(reused.text().await.unwrap().contains("already been used"));
}

#[tokio::test]
async fn a_link_used_once_is_refused_the_second_time() {
    let app = spawn_demo_app().await;
    let (link, target) = pay_link(&app, Utc::now()).await;
    assert_redirect(&app.post_form(&link, &[]).await, &target);
    app.post_form("/signout", &[]).await;
    let again = app.post_form(&link, &[]).await;
    assert_eq!(again.status().as_u16(), 410);
    let html = again.text().await.unwrap();
    assert!(html.contains("already been used"));
    assert!(html.contains(r#"href="/signin/link""#));
    assert_redirect(&app.get("/account").await, "/");
}

#[tokio::test]
async fn a_link_older_than_seven_days_is_refused() {
    let app = spawn_demo_app().await;
    let eight_days_ago = Utc::now() - Duration::days(8);
    let (link, _) = pay_link(&app, eight_days_ago).await;
    for response in [app.get(&link).await, app.post_form(&link, &[]).await] {
        assert_eq!(response.status().as_u16(), 410);
        let html = response.text().await.unwrap();
        assert!(html.contains("work for 7 days"));
        assert!(html.contains("Sign in with your reference number"));
    }
    assert_eq!(link_row(&app).await.used_at, None);
    assert_redirect(&app.get("/account").await, "/");
}

#[tokio::test]
async fn a_link_still_works_a_minute_before_its_seven_days_end() {
    let app = spawn_demo_app().await;
    let (link, target) =
        pay_link(&app, Utc::now() - Duration::days(7) + Duration::minutes(1)).await;
    assert_redirect(&app.post_form(&link, &[]).await, &target);
}

#[tokio::test]
async fn after_an_expired_link_signing_in_with_the_reference_lands_on_its_page() {
    let app = spawn_demo_app().await;
    let (link, target) = pay_link(&app, Utc::now()).await;
    app.clock.advance(Duration::days(8));
    assert_eq!(app.get(&link).await.status().as_u16(), 410);
    assert_redirect(&app.sign_in_alex().await, &target);
}

#[tokio::test]
async fn a_signed_out_visit_to_a_page_lands_there_after_sign_in() {
    let app = spawn_demo_app().await;
    let plan = format!("/account/{}/plan", account_id(&app, "NW-1001").await);
    assert_redirect(&app.get(&plan).await, "/");
    assert_redirect(&app.sign_in_alex().await, &plan);
    // Remembered once: the next sign-in goes to the account page as usual.
    app.post_form("/signout", &[]).await;
    assert_redirect(&app.sign_in_alex().await, "/account");
}

#[tokio::test]
async fn a_signed_out_visit_lands_there_after_an_email_sign_in_link_too() {
    let app = spawn_demo_app().await;
    let payments = format!("/account/{}/payments", account_id(&app, "NW-1001").await);
    assert_redirect(&app.get(&payments).await, "/");
    app.post_form("/signin/link", &[("email", "alex.morgan@example.com")])
        .await;
    let rows = outbox_message::Entity::find().all(&app.db).await.unwrap();
    let body = &rows.last().expect("a sign-in email").text_body;
    let start = body.find("/signin/link/").expect("link in email");
    let link = body[start..].split_whitespace().next().unwrap();
    assert_redirect(&app.post_form(link, &[]).await, &payments);
}

#[tokio::test]
async fn someone_else_signed_in_is_told_and_the_links_person_wins_only_after_continue() {
    let app = spawn_demo_app().await;
    let (link, target) = pay_link(&app, Utc::now()).await;
    app.sign_in_debtor("NW-1002", ("30", "9", "1990")).await;
    let page = app.get(&link).await;
    assert_eq!(page.status().as_u16(), 200);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("Someone else is signed in")
    );
    assert!(
        app.get_html("/account").await.contains("NW-1002"),
        "still Sam"
    );

    assert_redirect(&app.post_form(&link, &[]).await, &target);
    let account = app.get_html("/account").await;
    assert!(account.contains("NW-1001"));
    assert!(!account.contains("NW-1002"));
}

#[tokio::test]
async fn a_link_to_another_site_is_never_followed() {
    let app = spawn_demo_app().await;
    let token = random_token();
    deep_link::ActiveModel {
        token_hash: Set(sha256_hex(&token)),
        debtor_id: Set(alex_id(&app).await),
        target: Set("//evil.example".to_string()),
        expires_at: Set(Utc::now() + Duration::days(7)),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    let link = format!("/go/{token}");
    for response in [app.get(&link).await, app.post_form(&link, &[]).await] {
        assert_eq!(response.status().as_u16(), 410);
        assert!(response.headers().get("location").is_none());
    }
    assert_eq!(link_row(&app).await.used_at, None);
    // Nothing was remembered for after sign-in either.
    assert_redirect(&app.sign_in_alex().await, "/account");
}

/// POSTs Continue from a browser of its own (its own cookies and form token).
async fn continue_in_new_browser(app: &TestApp, link: &str) -> u16 {
    let (jar, browser) = app.second_browser();
    browser.get(app.url("/")).send().await.unwrap();
    let url: reqwest::Url = app.address.parse().unwrap();
    let cookies = reqwest::cookie::CookieStore::cookies(jar.as_ref(), &url).unwrap();
    let token = cookies
        .to_str()
        .unwrap()
        .split("; ")
        .find_map(|pair| pair.strip_prefix("gt_csrf="))
        .unwrap()
        .to_string();
    browser
        .post(app.url(link))
        .form(&[("csrf_token", token)])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn two_continues_at_once_sign_in_once() {
    let app = spawn_demo_app().await;
    let (link, _) = pay_link(&app, Utc::now()).await;
    let (first, second) = tokio::join!(
        continue_in_new_browser(&app, &link),
        continue_in_new_browser(&app, &link)
    );
    let mut statuses = [first, second];
    statuses.sort();
    assert_eq!(statuses, [303, 410]);
}
