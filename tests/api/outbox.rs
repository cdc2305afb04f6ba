//! Email delivery end to end: the app sends through a real SMTP server on loopback, and the
//! outbox retries while that server is down, then gives up.
use std::time::Duration as WaitTime;

use chrono::{DateTime, Duration, Utc};
use goodterms::domain::outbox::OutboxStatus;
use goodterms::email::outbox::DeliveryReport;
use goodterms::entities::outbox_message;
use mail_parser::{Message, MimeHeaders};
use sea_orm::EntityTrait;

use crate::helpers::{TestApp, assert_redirect, spawn_app_with};
use crate::smtp::{ReceivedMessage, SmtpSink};

pub const ALEX: &str = "alex.morgan@example.com";
const NO_REPLY: &str = "no-reply@goodterms.example";
/// Generous: a delivery pass has already finished when we look, this only guards a slow CI.
const ARRIVAL: WaitTime = WaitTime::from_secs(10);
/// The outbox's documented waits between attempts; after the last one it gives up.
const RETRY_DELAYS_MINUTES: [i64; 6] = [1, 5, 30, 120, 720, 1440];

/// The app sending mail through `smtp_url`, with the demo debtors loaded.
async fn spawn_demo_app_sending_to(smtp_url: String) -> TestApp {
    let app = spawn_app_with(|settings| settings.smtp_url = Some(smtp_url.into())).await;
    goodterms::services::demo::load(&app.db, &app.hasher, Utc::now())
        .await
        .expect("demo data");
    app
}

/// A sink that has been stopped: its port refuses connections, like a mail server that is down.
pub async fn stopped_sink() -> SmtpSink {
    let mut sink = SmtpSink::start_restartable().await;
    sink.stop().await;
    sink
}

/// Asks for a sign-in link through the form, as a person would, and returns when it was
/// asked: the outbox is filled in the request, so any later clock sees the message as due.
pub async fn request_sign_in_link(app: &TestApp, email: &str) -> DateTime<Utc> {
    let response = app.post_form("/signin/link", &[("email", email)]).await;
    assert_redirect(&response, "/signin/link/sent");
    Utc::now()
}

fn sent(count: usize) -> DeliveryReport {
    DeliveryReport {
        sent: count,
        ..Default::default()
    }
}

fn retried_later(count: usize) -> DeliveryReport {
    DeliveryReport {
        retry_later: count,
        ..Default::default()
    }
}

fn gave_up(count: usize) -> DeliveryReport {
    DeliveryReport {
        gave_up: count,
        ..Default::default()
    }
}

fn nothing_attempted() -> DeliveryReport {
    DeliveryReport::default()
}

/// The decoded body of the email's only part of this MIME type, e.g. ("text", "html").
fn body_of_type(email: &Message<'_>, ctype: &str, subtype: &str) -> String {
    let matching: Vec<&str> = email
        .parts
        .iter()
        .filter(|part| {
            part.content_type()
                .is_some_and(|t| t.ctype() == ctype && t.subtype() == Some(subtype))
        })
        .filter_map(|part| part.text_contents())
        .collect();
    assert_eq!(matching.len(), 1, "expected one {ctype}/{subtype} part");
    matching[0].to_string()
}

/// Every sign-in link in `body`: the base URL, the path and a 64-hex-digit token.
fn sign_in_links_in(body: &str, base_url: &str) -> Vec<String> {
    let prefix = format!("{base_url}/signin/link/");
    body.match_indices(&prefix)
        .map(|(start, _)| {
            let token: String = body[start + prefix.len()..]
                .chars()
                .take_while(char::is_ascii_hexdigit)
                .collect();
            assert_eq!(token.len(), 64, "a sign-in token has 256 bits: {token:?}");
            format!("{prefix}{token}")
        })
        .collect()
}

/// The one link in a sign-in email, as a path on the app under test.
fn sign_in_path(message: &ReceivedMessage, app: &TestApp) -> String {
    let text = body_of_type(&message.parsed(), "text", "plain");
    let base_url = &app.settings.base_url;
    let links = sign_in_links_in(&text, base_url);
    assert_eq!(links.len(), 1, "one link in the text part");
    links[0][base_url.len()..].to_string()
}

fn mentions_money_owed(words: &str) -> bool {
    let words = words.to_lowercase();
    ["£", "debt", "owe"].iter().any(|w| words.contains(w))
}

#[tokio::test]
async fn a_requested_sign_in_link_is_mailed_once_to_the_debtor() {
    let sink = SmtpSink::start().await;
    let app = spawn_demo_app_sending_to(sink.url()).await;
    let now = request_sign_in_link(&app, ALEX).await;

    assert_eq!(app.deliver_outbox(now).await, sent(1));
    let received = sink.wait_for_messages(1, ARRIVAL).await;
    // A sent message is never picked up again, now or after every retry delay has passed.
    assert_eq!(app.deliver_outbox(now).await, nothing_attempted());
    assert_eq!(
        app.deliver_outbox(now + Duration::days(2)).await,
        nothing_attempted()
    );
    assert_eq!(sink.messages().len(), 1, "the link was mailed exactly once");

    let message = &received[0];
    assert_eq!(message.envelope_from, NO_REPLY);
    assert_eq!(message.envelope_to, [ALEX]);
    let email = message.parsed();
    assert!(email.to().is_some_and(|to| to.contains(ALEX)));
    assert_eq!(email.subject(), Some("Your sign-in link"));
    let root = email.content_type().expect("a Content-Type header");
    assert_eq!(
        (root.ctype(), root.subtype()),
        ("multipart", Some("alternative"))
    );

    let text = body_of_type(&email, "text", "plain");
    let html = body_of_type(&email, "text", "html");
    let base_url = &app.settings.base_url;
    let text_links = sign_in_links_in(&text, base_url);
    let html_links = sign_in_links_in(&html, base_url);
    assert_eq!(text_links.len(), 1);
    assert!(!html_links.is_empty(), "the HTML part has the link");
    assert!(
        html_links.iter().all(|link| *link == text_links[0]),
        "both parts carry the same link"
    );

    // A lock-screen preview shows the subject and the first line: they must not give the
    // debt away to someone looking over a shoulder.
    let first_line = text.lines().next().unwrap_or_default();
    assert!(!mentions_money_owed(email.subject().unwrap_or_default()));
    assert!(!mentions_money_owed(first_line), "first line: {first_line}");
}

#[tokio::test]
async fn the_mailed_link_signs_the_debtor_in_only_when_they_continue() {
    let sink = SmtpSink::start().await;
    let app = spawn_demo_app_sending_to(sink.url()).await;
    let now = request_sign_in_link(&app, ALEX).await;
    app.deliver_outbox(now).await;
    let received = sink.wait_for_messages(1, ARRIVAL).await;
    let path = sign_in_path(&received[0], &app);

    // Mail scanners open links too: opening it must not use it up.
    for _ in 0..2 {
        let page = app.get(&path).await;
        assert_eq!(page.status().as_u16(), 200);
        assert!(page.text().await.unwrap().contains(">Continue</button>"));
    }
    assert_redirect(&app.post_form(&path, &[]).await, "/account");
    assert!(app.get_html("/account").await.contains("NW-1001"));
}

#[tokio::test]
async fn an_unknown_address_gets_the_same_answer_and_no_email() {
    let sink = SmtpSink::start().await;
    let app = spawn_demo_app_sending_to(sink.url()).await;
    // Same page for both, so the form cannot be used to find out who owes money here.
    request_sign_in_link(&app, "nobody@example.org").await;
    let now = request_sign_in_link(&app, ALEX).await;

    // Alex's email proves delivery works; nothing else went anywhere.
    assert_eq!(app.deliver_outbox(now).await, sent(1));
    let received = sink.wait_for_messages(1, ARRIVAL).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].envelope_to, [ALEX]);
}

#[tokio::test]
async fn a_link_is_delivered_once_the_mail_server_is_back_and_the_retry_is_due() {
    let down = stopped_sink().await;
    let app = spawn_demo_app_sending_to(down.url()).await;
    let now = request_sign_in_link(&app, ALEX).await;

    assert_eq!(app.deliver_outbox(now).await, retried_later(1));
    assert!(down.messages().is_empty());

    // The server is back, but the message waits for its retry time rather than hammering it.
    let back = SmtpSink::start_on(down.port()).await;
    assert_eq!(app.deliver_outbox(now).await, nothing_attempted());
    assert!(back.messages().is_empty());

    let first_retry_due = now + Duration::minutes(2);
    assert_eq!(app.deliver_outbox(first_retry_due).await, sent(1));
    let received = back.wait_for_messages(1, ARRIVAL).await;
    assert_eq!(received[0].envelope_to, [ALEX]);
    assert_eq!(
        app.deliver_outbox(first_retry_due + Duration::days(2))
            .await,
        nothing_attempted()
    );
    assert_eq!(back.messages().len(), 1, "delivered exactly once");
}

#[tokio::test]
async fn a_message_is_retried_on_schedule_and_given_up_after_the_last_retry() {
    let down = stopped_sink().await;
    let app = spawn_demo_app_sending_to(down.url()).await;
    let mut clock = request_sign_in_link(&app, ALEX).await;
    assert_eq!(app.deliver_outbox(clock).await, retried_later(1));

    for (retry, minutes) in RETRY_DELAYS_MINUTES.into_iter().enumerate() {
        let due = clock + Duration::minutes(minutes);
        let early = app.deliver_outbox(due - Duration::seconds(1)).await;
        assert_eq!(early, nothing_attempted(), "retry {} came early", retry + 1);
        let is_last = retry + 1 == RETRY_DELAYS_MINUTES.len();
        let expected = if is_last {
            gave_up(1)
        } else {
            retried_later(1)
        };
        assert_eq!(
            app.deliver_outbox(due).await,
            expected,
            "retry {}",
            retry + 1
        );
        clock = due;
    }
    // Given up means given up: a much later pass leaves it alone.
    assert_eq!(
        app.deliver_outbox(clock + Duration::days(30)).await,
        nothing_attempted()
    );

    let rows = outbox_message::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, OutboxStatus::Failed);
    assert_eq!(rows[0].attempts, 7, "the first try and six retries");
    assert!(
        rows[0].last_error.is_some(),
        "operators can see why it failed"
    );
}
