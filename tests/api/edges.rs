//! Transport and edges: HSTS over https only (slow and oversized bodies are in `abuse`), framework answers
//! (413, 404, 405, extractor errors) with the security headers, control characters taken
//! out of form fields; and durable database settings (SQLite synchronous=FULL, PostgreSQL
//! statement and idle-in-transaction timeouts on every pooled connection).

use goodterms::web::security::STRICT_TRANSPORT_SECURITY;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::helpers::{assert_redirect, spawn_app, spawn_app_with, spawn_demo_app};

fn has_security_headers(response: &reqwest::Response) -> bool {
    let headers = response.headers();
    headers.contains_key("content-security-policy")
        && headers.get("x-frame-options").is_some_and(|v| v == "DENY")
        && headers
            .get("cache-control")
            .is_some_and(|v| v == "no-store")
}

#[tokio::test]
async fn https_sites_ask_browsers_to_stay_on_https_and_http_sites_do_not() {
    let https = spawn_app_with(|s| s.base_url = "https://pay.example.com".to_string()).await;
    let response = https.get("/").await;
    assert_eq!(
        response
            .headers()
            .get("strict-transport-security")
            .and_then(|v| v.to_str().ok()),
        Some(STRICT_TRANSPORT_SECURITY)
    );
    assert_eq!(
        STRICT_TRANSPORT_SECURITY,
        "max-age=31536000; includeSubDomains"
    );
    let http = spawn_app().await;
    assert!(
        !http
            .get("/")
            .await
            .headers()
            .contains_key("strict-transport-security")
    );
}

#[tokio::test]
async fn framework_answers_carry_the_security_headers() {
    let app = spawn_app().await;
    let token = app.csrf_token().await;
    // Too large: refused before any handler reads it.
    let big = format!("csrf_token={token}&reference={}", "x".repeat(40 * 1024));
    let too_large = app
        .client
        .post(app.url("/signin"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(too_large.status().as_u16(), 413);
    assert!(has_security_headers(&too_large), "413");
    let not_found = app.get("/no/such/page").await;
    assert_eq!(not_found.status().as_u16(), 404);
    assert!(has_security_headers(&not_found), "404");
    let wrong_method = app.get("/webhooks/stripe").await;
    assert_eq!(wrong_method.status().as_u16(), 405);
    assert!(has_security_headers(&wrong_method), "405");
    let not_a_form = app
        .client
        .post(app.url("/signin"))
        .header("content-type", "text/plain")
        .body(format!("csrf_token={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(not_a_form.status().as_u16(), 400);
    assert!(has_security_headers(&not_a_form), "refused form");
    let bad_json = app
        .client
        .post(app.url("/webhooks/stripe"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert!(bad_json.status().is_client_error());
    assert!(has_security_headers(&bad_json), "webhook refusal");
}

#[tokio::test]
async fn control_characters_typed_into_a_form_are_taken_out() {
    let app = spawn_demo_app().await;
    let response = app
        .sign_in_debtor("NW-\u{0}10\u{7}01", ("12", "4\u{1b}", "1985"))
        .await;
    assert_redirect(&response, "/account");
}

#[tokio::test]
async fn the_database_is_opened_for_durability() {
    let app = spawn_app().await;
    let backend = app.db.get_database_backend();
    let ask = |sql: &str| Statement::from_string(backend, sql.to_string());
    match backend {
        DbBackend::Postgres => {
            for (setting, expected) in [
                ("statement_timeout", "30s"),
                ("idle_in_transaction_session_timeout", "1min"),
            ] {
                // Several times: each may come from a different pooled connection.
                for _ in 0..3 {
                    let row = app
                        .db
                        .query_one_raw(ask(&format!("SHOW {setting}")))
                        .await
                        .unwrap()
                        .unwrap();
                    let value: String = row.try_get_by_index(0).unwrap();
                    assert_eq!(value, expected, "{setting}");
                }
            }
        }
        _ => {
            for _ in 0..3 {
                let row = app
                    .db
                    .query_one_raw(ask("PRAGMA synchronous"))
                    .await
                    .unwrap()
                    .unwrap();
                let level: i32 = row.try_get_by_index(0).unwrap();
                assert_eq!(level, 2, "synchronous=FULL");
            }
        }
    }
}
