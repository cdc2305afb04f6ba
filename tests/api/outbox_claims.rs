//! Two delivery passes at once (two workers, or a worker and a slow earlier pass) against a
//! slow mail server: every queued email reaches its person exactly once.
use std::time::Duration as WaitTime;

use chrono::Utc;
use goodterms::domain::outbox::OutboxStatus;
use goodterms::email::EmailContent;
use goodterms::email::mailer::Mailer;
use goodterms::email::outbox;
use goodterms::entities::outbox_message;
use sea_orm::EntityTrait;

use crate::helpers::spawn_app;
use crate::smtp::SmtpSink;

const FROM: &str = "no-reply@goodterms.example";
const PEOPLE: usize = 6;
/// Slow enough that both passes are busy sending at the same time.
const SEND_TAKES: WaitTime = WaitTime::from_millis(150);

fn note(n: usize) -> EmailContent {
    EmailContent {
        template: "test_note",
        subject: format!("Note {n}"),
        text: format!("Note number {n}"),
        html: format!("<p>Note number {n}</p>"),
    }
}

fn address(n: usize) -> String {
    format!("person{n}@example.com")
}

#[tokio::test]
async fn two_passes_at_once_against_a_slow_mail_server_send_each_email_once() {
    let app = spawn_app().await;
    let sink = SmtpSink::start_slow(SEND_TAKES).await;
    let now = Utc::now();
    for n in 0..PEOPLE {
        outbox::enqueue(&app.db, &address(n), note(n), now)
            .await
            .unwrap();
    }
    // Two workers, each with its own connection to the mail server.
    let (first, second) = (
        Mailer::smtp(&sink.url()).unwrap(),
        Mailer::smtp(&sink.url()).unwrap(),
    );
    let (a, b) = tokio::join!(
        outbox::deliver_due(&app.db, &first, FROM, now, 100),
        outbox::deliver_due(&app.db, &second, FROM, now, 100),
    );
    let (a, b) = (a.unwrap(), b.unwrap());

    assert_eq!(a.sent + b.sent, PEOPLE, "{a:?} {b:?}");
    assert!(a.sent > 0 && b.sent > 0, "both passes sent: {a:?} {b:?}");
    assert_eq!(a.lost_claim + b.lost_claim, 0);
    let mut recipients: Vec<String> = sink
        .messages()
        .iter()
        .flat_map(|m| m.envelope_to.clone())
        .collect();
    recipients.sort();
    let mut expected: Vec<String> = (0..PEOPLE).map(address).collect();
    expected.sort();
    assert_eq!(recipients, expected, "each person got exactly one email");

    let rows = outbox_message::Entity::find().all(&app.db).await.unwrap();
    assert!(rows.iter().all(|row| row.status == OutboxStatus::Sent
        && row.attempts == 1
        && row.claimed_until.is_none()));
}
