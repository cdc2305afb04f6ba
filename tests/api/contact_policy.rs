//! The contact policy at delivery, seen from a real mail server on loopback with a fixed
//! clock: which reminders reach the person and when, what staff read about the ones that
//! did not, and that messages the person asked for are never held back by any of it.
use chrono::{DateTime, Duration, Utc};
use goodterms::domain::contact::TimeOfDay;
use goodterms::domain::outbox::MessageCategory;
use goodterms::domain::outbox::OutboxStatus;
use goodterms::email::EmailContent;
use goodterms::email::mailer::Mailer;
use goodterms::email::outbox::{self, DeliveryReport, Reminder};
use goodterms::entities::{account, contact_preference, debtor, outbox_message};
use goodterms::services::contact::unsubscribe;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::helpers::{MAIL_FROM, TestApp, spawn_app_with};
use crate::smtp::SmtpSink;

const ALEX: &str = "alex.morgan@example.com";
const SAM: &str = "sam.lee@example.com";
const STAFF: (&str, &str) = ("staff@northwind.example", "northwind-demo");

/// Monday 23 November 2026, 12:30 UTC: 12:30 in London, 07:30 in New York.
fn monday_lunchtime() -> DateTime<Utc> {
    at("2026-11-23T12:30:00Z")
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("a UTC time")
}

/// One person at Northwind, with their one account.
#[derive(Clone, Copy)]
struct Person {
    debtor_id: i32,
    account_id: i32,
}

/// The app mailing through a loopback SMTP server, with the demo people loaded a month
/// before the test's clock (their demo payment is long past). Sam lives in New York.
struct World {
    app: TestApp,
    sink: SmtpSink,
    alex: Person,
    sam: Person,
}

async fn world() -> World {
    world_with(SmtpSink::start().await).await
}

async fn world_with(sink: SmtpSink) -> World {
    let url = sink.url();
    let app = spawn_app_with(|settings| settings.smtp_url = Some(url.into())).await;
    goodterms::services::demo::load(
        &app.db,
        &app.hasher,
        monday_lunchtime() - Duration::days(30),
    )
    .await
    .expect("demo data");
    let (alex, sam) = (person(&app, ALEX).await, person(&app, SAM).await);
    debtor::Entity::update_many()
        .col_expr(debtor::Column::TimeZone, Expr::value("America/New_York"))
        .filter(debtor::Column::Id.eq(sam.debtor_id))
        .exec(&app.db)
        .await
        .unwrap();
    World {
        app,
        sink,
        alex,
        sam,
    }
}

async fn person(app: &TestApp, email: &str) -> Person {
    let found = debtor::Entity::find()
        .filter(debtor::Column::Email.eq(email))
        .one(&app.db)
        .await
        .unwrap()
        .expect("a demo debtor");
    let account = account::Entity::find()
        .filter(account::Column::DebtorId.eq(found.id))
        .one(&app.db)
        .await
        .unwrap()
        .expect("their account");
    Person {
        debtor_id: found.id,
        account_id: account.id,
    }
}

fn reminder_content(key: &str) -> EmailContent {
    EmailContent {
        template: "test_reminder",
        subject: "A note from Northwind Utilities".into(),
        text: format!("Hello. Reminder {key}."),
        html: format!("<p>Hello. Reminder {key}.</p>"),
    }
}

fn asked_for() -> EmailContent {
    EmailContent {
        template: "test_receipt",
        subject: "Your receipt".into(),
        text: "Thank you.".into(),
        html: "<p>Thank you.</p>".into(),
    }
}

impl World {
    /// Queues a reminder to `who`, due at `send_at`, as the scheduler would.
    async fn remind(
        &self,
        who: Person,
        key: &str,
        send_at: DateTime<Utc>,
        stale_at: Option<DateTime<Utc>>,
    ) {
        let reminder = Reminder {
            debtor_id: who.debtor_id,
            account_id: who.account_id,
            key: key.to_string(),
            content: reminder_content(key),
            unsubscribe_url: unsubscribe::url(
                &self.app.hasher,
                &self.app.settings.base_url,
                who.debtor_id,
            ),
            send_at,
            stale_at,
            category: MessageCategory::Reminder,
        };
        let queued = outbox::enqueue_reminder(&self.app.db, reminder, send_at)
            .await
            .unwrap();
        assert!(queued.is_some(), "queued {key}");
    }

    /// Queues a message the person asked for (a receipt, a sign-in link).
    async fn send_asked_for(&self, who: Person, now: DateTime<Utc>) {
        outbox::enqueue_to_debtor(&self.app.db, who.debtor_id, asked_for(), now)
            .await
            .unwrap()
            .expect("queued");
    }

    async fn row(&self, key: &str) -> outbox_message::Model {
        outbox_message::Entity::find()
            .filter(outbox_message::Column::ReminderKey.eq(key))
            .one(&self.app.db)
            .await
            .unwrap()
            .expect("the reminder's row")
    }

    /// What staff read about the reminder: where it stands and why.
    async fn fate(&self, key: &str) -> (OutboxStatus, String) {
        let row = self.row(key).await;
        (row.status, row.decision.unwrap_or_default())
    }

    /// The bodies that reached `email`'s inbox, in order.
    fn inbox(&self, email: &str) -> Vec<String> {
        self.sink
            .messages()
            .iter()
            .filter(|m| m.envelope_to == [email])
            .map(|m| {
                m.parsed()
                    .body_text(0)
                    .map(|t| t.trim().to_string())
                    .unwrap_or_default()
            })
            .collect()
    }

    async fn set_preferences(&self, who: Person, change: impl FnOnce(&mut Preferences)) {
        let mut preferences = Preferences {
            reminders_by_email: true,
            time_of_day: TimeOfDay::Any,
            payday: None,
            paused_until: None,
        };
        change(&mut preferences);
        contact_preference::ActiveModel {
            debtor_id: Set(who.debtor_id),
            reminders_by_email: Set(preferences.reminders_by_email),
            time_of_day: Set(preferences.time_of_day),
            payday: Set(preferences.payday),
            paused_until: Set(preferences.paused_until),
            updated_at: Set(monday_lunchtime() - Duration::days(1)),
        }
        .insert(&self.app.db)
        .await
        .unwrap();
    }
}

struct Preferences {
    reminders_by_email: bool,
    time_of_day: TimeOfDay,
    payday: Option<i32>,
    paused_until: Option<DateTime<Utc>>,
}

fn report(sent: usize, deferred: usize, suppressed: usize) -> DeliveryReport {
    DeliveryReport {
        sent,
        deferred,
        suppressed,
        ..Default::default()
    }
}

#[tokio::test]
async fn quiet_hours_hold_a_reminder_until_eight_on_the_persons_own_clock() {
    let w = world().await;
    let now = monday_lunchtime();
    w.remind(w.alex, "alex:1", now, None).await;
    w.remind(w.sam, "sam:1", now, None).await;

    // 12:30 in London: Alex's goes. 07:30 in New York: Sam's waits.
    assert_eq!(w.app.deliver_outbox(now).await, report(1, 1, 0));
    assert_eq!(w.inbox(ALEX), ["Hello. Reminder alex:1."]);
    assert!(w.inbox(SAM).is_empty());
    assert_eq!(
        w.fate("sam:1").await,
        (
            OutboxStatus::Pending,
            "Held until 08:00 on Monday 23 November (America/New_York): quiet hours".into()
        )
    );
    assert_eq!(w.row("sam:1").await.attempts, 0, "waiting is not a try");

    // 08:00 in New York is 13:00 UTC: not a minute before.
    let eight_in_new_york = at("2026-11-23T13:00:00Z");
    let just_before = eight_in_new_york - Duration::minutes(1);
    assert_eq!(w.app.deliver_outbox(just_before).await, report(0, 0, 0));
    assert_eq!(
        w.app.deliver_outbox(eight_in_new_york).await,
        report(1, 0, 0)
    );
    assert_eq!(w.inbox(SAM), ["Hello. Reminder sam:1."]);
    let (status, decision) = w.fate("sam:1").await;
    assert_eq!(status, OutboxStatus::Sent);
    assert!(decision.starts_with("Sent"), "{decision}");
}

#[tokio::test]
async fn a_reminder_due_in_the_evening_goes_the_next_morning() {
    let w = world().await;
    // 21:15 in London.
    let evening = at("2026-11-23T21:15:00Z");
    w.remind(w.alex, "alex:evening", evening, None).await;

    assert_eq!(w.app.deliver_outbox(evening).await, report(0, 1, 0));
    assert_eq!(
        w.fate("alex:evening").await.1,
        "Held until 08:00 on Tuesday 24 November (Europe/London): quiet hours"
    );
    assert_eq!(
        w.app.deliver_outbox(at("2026-11-24T07:59:00Z")).await,
        report(0, 0, 0)
    );
    assert_eq!(
        w.app.deliver_outbox(at("2026-11-24T08:00:00Z")).await,
        report(1, 0, 0)
    );
    assert_eq!(w.inbox(ALEX).len(), 1);
}

#[tokio::test]
async fn a_fourth_reminder_in_seven_days_waits_until_the_first_is_a_week_old() {
    let w = world().await;
    let now = monday_lunchtime();
    for n in 1..=4 {
        w.remind(w.alex, &format!("alex:{n}"), now, None).await;
    }
    // A fifth that would be no use by the time the week is up.
    w.remind(w.alex, "alex:5", now, Some(now + Duration::days(2)))
        .await;

    assert_eq!(w.app.deliver_outbox(now).await, report(3, 1, 1));
    assert_eq!(w.inbox(ALEX).len(), 3);
    assert_eq!(
        w.fate("alex:4").await,
        (
            OutboxStatus::Pending,
            "Held until 12:30 on Monday 30 November (Europe/London): 3 reminders in the last 7 days"
                .into()
        )
    );
    assert_eq!(
        w.fate("alex:5").await,
        (
            OutboxStatus::Suppressed,
            "Not sent: 3 reminders in the last 7 days".into()
        )
    );

    let a_week_on = now + Duration::days(7);
    assert_eq!(
        w.app.deliver_outbox(a_week_on - Duration::minutes(1)).await,
        report(0, 0, 0)
    );
    assert_eq!(w.app.deliver_outbox(a_week_on).await, report(1, 0, 0));
    assert_eq!(
        w.inbox(ALEX),
        (1..=4)
            .map(|n| format!("Hello. Reminder alex:{n}."))
            .collect::<Vec<_>>()
    );
    // The cap is per person: Sam (at 09:30 in New York) is not held back by Alex's.
    let sams_morning = a_week_on + Duration::hours(2);
    w.remind(w.sam, "sam:1", sams_morning, None).await;
    assert_eq!(w.app.deliver_outbox(sams_morning).await, report(1, 0, 0));
}

#[tokio::test]
async fn a_staff_hold_stops_reminders_but_not_messages_the_person_asked_for() {
    let w = world().await;
    w.app.sign_in_staff(STAFF.0, STAFF.1).await;
    let hold = w
        .app
        .post_form(
            &format!("/staff/accounts/{}/hold", w.alex.account_id),
            &[("reason", "Disputed meter reading")],
        )
        .await;
    assert_eq!(hold.status().as_u16(), 303, "the hold is in place");
    let now = monday_lunchtime();
    w.remind(w.alex, "alex:held", now, None).await;
    w.send_asked_for(w.alex, now).await;
    w.remind(w.sam, "sam:free", at("2026-11-23T14:00:00Z"), None)
        .await;

    assert_eq!(
        w.app.deliver_outbox(at("2026-11-23T14:00:00Z")).await,
        report(2, 0, 1)
    );
    assert_eq!(w.inbox(ALEX), ["Thank you."]);
    assert_eq!(w.inbox(SAM), ["Hello. Reminder sam:free."]);
    assert_eq!(
        w.fate("alex:held").await,
        (OutboxStatus::Suppressed, "Not sent: account on hold".into())
    );
}

#[tokio::test]
async fn a_person_who_has_just_paid_gets_no_reminder_for_two_days() {
    let w = world().await;
    w.app.sign_in_alex().await;
    let pay = w
        .app
        .post_form(
            &format!("/account/{}/pay", w.alex.account_id),
            &[("choice", "other"), ("amount", "65")],
        )
        .await;
    let checkout = pay.headers()["location"].to_str().unwrap().to_string();
    w.app.post_form(&checkout, &[("outcome", "succeed")]).await;
    let paid = Utc::now();
    // Their receipt is a message they asked for; it goes whatever the hour.
    w.remind(w.alex, "alex:after-paying", paid, None).await;

    let report_now = w.app.deliver_outbox(paid).await;
    assert_eq!((report_now.sent, report_now.suppressed), (1, 1));
    assert_eq!(
        w.fate("alex:after-paying").await,
        (
            OutboxStatus::Suppressed,
            "Not sent: a payment came in during the last 2 days".into()
        )
    );
    let receipt = w.sink.messages();
    assert_eq!(receipt.len(), 1);
    assert_eq!(receipt[0].parsed().subject(), Some("Your receipt"));

    // Three days later, at noon in London, reminders go again.
    let later = (paid + Duration::days(3))
        .date_naive()
        .and_hms_opt(12, 0, 0)
        .unwrap()
        .and_utc();
    w.remind(w.alex, "alex:later", later, None).await;
    assert_eq!(w.app.deliver_outbox(later).await, report(1, 0, 0));
}

#[tokio::test]
async fn reminders_turned_off_are_not_sent_but_receipts_are() {
    let w = world().await;
    w.set_preferences(w.alex, |p| p.reminders_by_email = false)
        .await;
    let now = monday_lunchtime();
    w.remind(w.alex, "alex:off", now, None).await;
    w.send_asked_for(w.alex, now).await;

    assert_eq!(w.app.deliver_outbox(now).await, report(1, 0, 1));
    assert_eq!(w.inbox(ALEX), ["Thank you."]);
    assert_eq!(
        w.fate("alex:off").await,
        (
            OutboxStatus::Suppressed,
            "Not sent: reminders turned off by the person".into()
        )
    );
}

#[tokio::test]
async fn payday_only_reminders_wait_for_the_days_around_payday() {
    let w = world().await;
    // Paid on the 5th: reminders from the 3rd to the 8th of each month.
    w.set_preferences(w.alex, |p| p.payday = Some(5)).await;
    let now = monday_lunchtime();
    w.remind(w.alex, "alex:payday", now, None).await;

    assert_eq!(w.app.deliver_outbox(now).await, report(0, 1, 0));
    assert_eq!(
        w.fate("alex:payday").await.1,
        "Held until 08:00 on Thursday 3 December (Europe/London): the person asked for \
         reminders only around payday"
    );
    let window_opens = at("2026-12-03T08:00:00Z");
    assert_eq!(
        w.app
            .deliver_outbox(window_opens - Duration::hours(1))
            .await,
        report(0, 0, 0)
    );
    assert_eq!(w.app.deliver_outbox(window_opens).await, report(1, 0, 0));
    assert_eq!(w.inbox(ALEX).len(), 1);
}

#[tokio::test]
async fn a_fourteen_day_pause_holds_reminders_until_it_ends() {
    let w = world().await;
    let now = monday_lunchtime();
    let pause_ends = now + Duration::days(14);
    w.set_preferences(w.alex, |p| p.paused_until = Some(pause_ends))
        .await;
    w.remind(w.alex, "alex:paused", now, None).await;
    w.send_asked_for(w.alex, now).await;

    assert_eq!(w.app.deliver_outbox(now).await, report(1, 1, 0));
    assert_eq!(
        w.fate("alex:paused").await.1,
        "Held until 12:30 on Monday 7 December (Europe/London): reminders paused by the person"
    );
    assert_eq!(
        w.app
            .deliver_outbox(pause_ends - Duration::minutes(1))
            .await,
        report(0, 0, 0)
    );
    assert_eq!(w.app.deliver_outbox(pause_ends).await, report(1, 0, 0));
    assert_eq!(
        w.inbox(ALEX),
        ["Thank you.", "Hello. Reminder alex:paused."]
    );
}

#[tokio::test]
async fn a_preferred_time_of_day_is_kept() {
    let w = world().await;
    w.set_preferences(w.alex, |p| p.time_of_day = TimeOfDay::Evening)
        .await;
    let now = monday_lunchtime();
    w.remind(w.alex, "alex:evening", now, None).await;
    assert_eq!(w.app.deliver_outbox(now).await, report(0, 1, 0));
    assert_eq!(
        w.app.deliver_outbox(at("2026-11-23T17:00:00Z")).await,
        report(1, 0, 0)
    );
}

#[tokio::test]
async fn a_reminder_past_its_use_is_dropped() {
    let w = world().await;
    let now = monday_lunchtime();
    // Due yesterday, useless from this morning (say, a payment that has since fallen due).
    w.remind(
        w.alex,
        "alex:stale",
        now - Duration::days(1),
        Some(now - Duration::hours(3)),
    )
    .await;
    // Held overnight by quiet hours into a moment that is already too late.
    w.remind(w.sam, "sam:too-late", now, Some(at("2026-11-23T12:45:00Z")))
        .await;

    assert_eq!(w.app.deliver_outbox(now).await, report(0, 0, 2));
    assert_eq!(
        w.fate("alex:stale").await,
        (
            OutboxStatus::Suppressed,
            "Not sent: too late to be useful".into()
        )
    );
    let (status, decision) = w.fate("sam:too-late").await;
    assert_eq!(status, OutboxStatus::Suppressed);
    assert!(decision.contains("quiet hours"), "{decision}");
    assert!(w.sink.messages().is_empty());
}

#[tokio::test]
async fn messages_the_person_asked_for_go_at_once_whatever_holds_reminders() {
    let w = world().await;
    let midnight_in_london = at("2026-11-24T00:00:00Z");
    w.set_preferences(w.alex, |p| {
        p.reminders_by_email = false;
        p.paused_until = Some(midnight_in_london + Duration::days(14));
        p.payday = Some(20);
        p.time_of_day = TimeOfDay::Morning;
    })
    .await;
    w.app.sign_in_staff(STAFF.0, STAFF.1).await;
    w.app
        .post_form(
            &format!("/staff/accounts/{}/hold", w.alex.account_id),
            &[("reason", "Hardship")],
        )
        .await;
    for n in 0..4 {
        w.send_asked_for(w.alex, midnight_in_london).await;
        w.remind(w.alex, &format!("alex:{n}"), midnight_in_london, None)
            .await;
    }

    let delivered = w.app.deliver_outbox(midnight_in_london).await;
    assert_eq!(delivered, report(4, 0, 4));
    assert_eq!(w.inbox(ALEX), ["Thank you."; 4]);
    let asked = outbox_message::Entity::find()
        .filter(outbox_message::Column::ReminderKey.is_null())
        .all(&w.app.db)
        .await
        .unwrap();
    assert!(asked.iter().all(|row| row.status == OutboxStatus::Sent
        && row.decision.as_deref() == Some("Sent at once: a message the person asked for")));
}

#[tokio::test]
async fn a_reminder_that_fails_to_send_is_retried_and_arrives_once() {
    let mut sink = SmtpSink::start_restartable().await;
    let port = sink.port();
    sink.stop().await;
    let w = world_with(sink).await;
    let now = monday_lunchtime();
    w.remind(w.alex, "alex:retry", now, None).await;

    let down = w.app.deliver_outbox(now).await;
    assert_eq!(
        down,
        DeliveryReport {
            retry_later: 1,
            ..Default::default()
        }
    );
    let back = SmtpSink::start_on(port).await;
    // The retry is due a minute later; the policy still lets it go (it is not counted
    // against itself).
    let retry = now + Duration::minutes(1);
    assert_eq!(w.app.deliver_outbox(retry).await, report(1, 0, 0));
    assert_eq!(
        w.app.deliver_outbox(retry + Duration::days(2)).await,
        report(0, 0, 0)
    );
    assert_eq!(back.messages().len(), 1, "delivered exactly once");
    let row = w.row("alex:retry").await;
    assert_eq!((row.status, row.attempts), (OutboxStatus::Sent, 2));
}

/// Runs on SQLite and, with TEST_DATABASE_URL set, on PostgreSQL, where the two passes
/// really do decide at the same time.
#[tokio::test]
async fn two_workers_at_once_against_a_slow_mail_server_keep_the_cap_and_send_each_once() {
    let sink = SmtpSink::start_slow(std::time::Duration::from_millis(150)).await;
    let w = world_with(sink).await;
    let now = monday_lunchtime();
    for n in 1..=6 {
        w.remind(w.alex, &format!("alex:{n}"), now, None).await;
    }
    for n in 1..=2 {
        w.remind(w.sam, &format!("sam:{n}"), at("2026-11-23T14:00:00Z"), None)
            .await;
    }
    let later = at("2026-11-23T14:00:00Z");
    let (first, second) = (
        Mailer::smtp(&w.sink.url()).unwrap(),
        Mailer::smtp(&w.sink.url()).unwrap(),
    );
    let (a, b) = tokio::join!(
        outbox::deliver_due(&w.app.db, &first, MAIL_FROM, later, 100),
        outbox::deliver_due(&w.app.db, &second, MAIL_FROM, later, 100),
    );
    let (a, b) = (a.unwrap(), b.unwrap());

    assert_eq!(a.sent + b.sent, 5, "3 to Alex, 2 to Sam: {a:?} {b:?}");
    assert_eq!(a.deferred + b.deferred, 3, "{a:?} {b:?}");
    assert_eq!(a.lost_claim + b.lost_claim, 0);
    let mut alex_got = w.inbox(ALEX);
    assert_eq!(alex_got.len(), 3, "the cap held: {alex_got:?}");
    alex_got.sort();
    alex_got.dedup();
    assert_eq!(alex_got.len(), 3, "no reminder arrived twice");
    assert_eq!(w.inbox(SAM).len(), 2);
    let message_ids: std::collections::HashSet<String> = w
        .sink
        .messages()
        .iter()
        .filter_map(|m| m.parsed().message_id().map(str::to_string))
        .collect();
    assert_eq!(message_ids.len(), 5);
}

#[tokio::test]
async fn reminders_are_queued_once_however_often_the_scheduler_asks() {
    let w = world().await;
    let now = monday_lunchtime();
    w.remind(w.alex, "installment:1:upcoming", now, None).await;
    let again = Reminder {
        debtor_id: w.alex.debtor_id,
        account_id: w.alex.account_id,
        key: "installment:1:upcoming".into(),
        content: reminder_content("again"),
        unsubscribe_url: "http://127.0.0.1/unsubscribe/1/x".into(),
        send_at: now,
        stale_at: None,
        category: MessageCategory::Reminder,
    };
    assert_eq!(
        outbox::enqueue_reminder(&w.app.db, again, now)
            .await
            .unwrap(),
        None
    );
    assert_eq!(w.app.deliver_outbox(now).await, report(1, 0, 0));
    assert_eq!(w.inbox(ALEX), ["Hello. Reminder installment:1:upcoming."]);
}

/// The cap is decided under a lock on the person: while one worker decides (and claims) a
/// reminder to Alex, another worker's decision for Alex waits, then counts the claimed one.
#[tokio::test]
async fn a_second_worker_waits_for_the_first_to_decide_and_counts_its_reminder() {
    let w = world().await;
    let earlier = monday_lunchtime() - Duration::hours(1);
    for n in 1..=2 {
        w.remind(w.alex, &format!("alex:sent:{n}"), earlier, None)
            .await;
    }
    assert_eq!(w.app.deliver_outbox(earlier).await, report(2, 0, 0));
    let now = monday_lunchtime();
    w.remind(w.alex, "alex:first", now, None).await;
    w.remind(w.alex, "alex:second", now, None).await;

    // The first worker has locked Alex and claimed "alex:second" (the second worker meets
    // "alex:first" first, so only the lock on Alex can make it wait), and not committed yet.
    let first = goodterms::db::begin_write(&w.app.db).await.unwrap();
    goodterms::services::contact::policy::lock_person(&first, w.alex.debtor_id)
        .await
        .unwrap()
        .expect("Alex");
    outbox_message::Entity::update_many()
        .col_expr(
            outbox_message::Column::ClaimToken,
            Expr::value("first-worker"),
        )
        .col_expr(
            outbox_message::Column::ClaimedUntil,
            Expr::value(now + Duration::minutes(2)),
        )
        .filter(outbox_message::Column::ReminderKey.eq("alex:second"))
        .exec(&first)
        .await
        .unwrap();
    let second = tokio::spawn({
        let (db, mailer) = (w.app.db.clone(), w.app.mailer.clone());
        async move { outbox::deliver_due(&db, &mailer, MAIL_FROM, now, 100).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !second.is_finished(),
        "the second worker waits for the lock"
    );
    first.commit().await.unwrap();

    // It counted the first worker's claim: two sent plus one being sent is the cap.
    let second = second.await.unwrap().unwrap();
    assert_eq!(second, report(0, 1, 0));
    let (status, decision) = w.fate("alex:first").await;
    assert_eq!(status, OutboxStatus::Pending);
    assert!(
        decision.contains("3 reminders in the last 7 days"),
        "{decision}"
    );
    assert_eq!(w.inbox(ALEX).len(), 2, "nothing more went to Alex");
}
