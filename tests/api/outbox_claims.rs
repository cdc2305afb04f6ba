//! Two delivery passes at once (two workers, or a worker and a slow earlier pass) against a
//! slow mail server: every queued email reaches its person exactly once.
use std::time::Duration as WaitTime;

use chrono::Utc;
use goodterms::domain::outbox::OutboxStatus;
use goodterms::email::EmailContent;
use goodterms::email::mailer::Mailer;
use goodterms::email::outbox;
use goodterms::email::outbox::DeliveryReport;
use goodterms::entities::outbox_message;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::spawn_app;
use crate::smtp::SmtpSink;

const FROM: &str = "no-reply@goodterms.example";
const PEOPLE: usize = 6;
/// Slow enough that both passes are busy sending at the same time.
const SEND_TAKES: WaitTime = WaitTime::from_millis(150);

/// A test email, numbered.
pub(crate) fn note(n: usize) -> EmailContent {
    EmailContent {
        template: "test_note",
        subject: format!("Note {n}"),
        text: format!("Note number {n}"),
        html: format!("<p>Note number {n}</p>"),
    }
}

/// Asserts the sink received exactly one email for each of the first `people` addresses.
pub(crate) fn assert_each_got_one(sink: &SmtpSink, people: usize) {
    let mut recipients: Vec<String> = sink
        .messages()
        .iter()
        .flat_map(|m| m.envelope_to.clone())
        .collect();
    recipients.sort();
    let mut expected: Vec<String> = (0..people).map(address).collect();
    expected.sort();
    assert_eq!(recipients, expected, "each person got exactly one email");
}

pub(crate) fn address(n: usize) -> String {
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
    assert_each_got_one(&sink, PEOPLE);

    let rows = outbox_message::Entity::find().all(&app.db).await.unwrap();
    assert!(rows.iter().all(|row| row.status == OutboxStatus::Sent
        && row.attempts == 1
        && row.claimed_until.is_none()));
}

#[tokio::test]
async fn a_pass_whose_claim_was_taken_over_leaves_the_outcome_to_the_new_holder() {
    let app = spawn_app().await;
    let sink = SmtpSink::start_slow(WaitTime::from_millis(500)).await;
    let now = Utc::now();
    let id = outbox::enqueue(&app.db, &address(0), note(0), now)
        .await
        .unwrap();
    let mailer = Mailer::smtp(&sink.url()).unwrap();
    // While the slow send is under way, another worker takes the message over (as it may once
    // a lease has run out).
    let take_over = async {
        while outbox_message::Entity::find_by_id(id)
            .one(&app.db)
            .await
            .unwrap()
            .is_some_and(|row| row.claim_token.is_none())
        {
            tokio::time::sleep(WaitTime::from_millis(20)).await;
        }
        outbox_message::Entity::update_many()
            .col_expr(
                outbox_message::Column::ClaimToken,
                Expr::value("another-worker"),
            )
            .filter(outbox_message::Column::Id.eq(id))
            .exec(&app.db)
            .await
            .unwrap();
    };
    let (report, ()) = tokio::join!(
        outbox::deliver_due(&app.db, &mailer, FROM, now, 10),
        take_over
    );

    assert_eq!(
        report.unwrap(),
        DeliveryReport {
            lost_claim: 1,
            ..Default::default()
        }
    );
    let row = outbox_message::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, OutboxStatus::Pending, "not marked sent by us");
    assert_eq!(row.claim_token.as_deref(), Some("another-worker"));
}
