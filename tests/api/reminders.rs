//! The reminders pass: each kind of reminder is queued once, on its day, at 10:00 in the
//! person's time zone, in neutral words; never for a plan agreed too late, never for an
//! account on hold; the creditor's cadence is honoured; running it again queues nothing.
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::London;
use goodterms::crypto::sha256_hex;
use goodterms::domain::Currency;
use goodterms::domain::plans::PlanStatus;
use goodterms::domain::schedule::{Frequency, PlanSize};
use goodterms::entities::{account_hold, installment, outbox_message, reminder_cadence};
use goodterms::services::contact::reminders::{self, Report};
use goodterms::services::plans::choose::{self, Agreement, DeferralChoice, InstallmentChoice};
use goodterms::services::plans::lifecycle;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::allocation::{WithPlan, plan_status};
use crate::helpers::{TestApp, spawn_demo_app};

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn day(offset: i64) -> NaiveDate {
    today() + Duration::days(offset)
}

/// `hour`:00 on `date`, London time (Alex's time zone).
fn london(date: NaiveDate, hour: u32) -> DateTime<Utc> {
    London
        .from_local_datetime(&date.and_hms_opt(hour, 0, 0).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

/// Alex agrees `count` weekly payments of the £1,065.00 balance, the first on `first_due`.
async fn alex_weekly(app: &TestApp, first_due: NaiveDate, count: u32) -> WithPlan {
    let (debtor, account) = alex(app).await;
    let choice = InstallmentChoice {
        frequency: Frequency::Weekly,
        size: PlanSize::NumberOfPayments(count),
        first_due,
    };
    let found = choose::account_for_plan(&app.db, debtor, account)
        .await
        .unwrap()
        .unwrap();
    let shown = choose::preview(&found, &choice, today()).unwrap();
    let who = Agreement {
        debtor_id: debtor,
        account_id: account,
        shown_fingerprint: &shown.consent_fingerprint(),
        session_marker: "test",
    };
    let plan =
        choose::agree_installments(&app.db, &app.settings.base_url, who, &choice, Utc::now())
            .await
            .unwrap();
    WithPlan {
        debtor,
        account,
        plan,
    }
}

async fn alex(app: &TestApp) -> (i32, i32) {
    let account = crate::payments::account_id(app, "NW-1001").await;
    let debtor = goodterms::entities::account::Entity::find_by_id(account)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .debtor_id;
    (debtor, account)
}

/// Runs the lifecycle pass, then the reminders pass, at `now` (as the worker does).
async fn passes(app: &TestApp, now: DateTime<Utc>) -> Report {
    lifecycle::run(&app.db, now).await.unwrap();
    reminders::run(&app.db, &app.hasher, &app.settings.base_url, now)
        .await
        .unwrap()
}

/// Every reminder queued so far, oldest first.
/// What the scheduler queued (reminders, and the thanks when a plan completes).
async fn queued(app: &TestApp) -> Vec<outbox_message::Model> {
    outbox_message::Entity::find()
        .filter(outbox_message::Column::ReminderKey.is_not_null())
        .order_by_asc(outbox_message::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
}

/// The subject and first line tell an onlooker nothing; the body says what it is about.
fn assert_considerate(message: &outbox_message::Model) {
    let subject = message.subject.to_lowercase();
    assert!(!subject.contains("debt"), "{subject}");
    assert!(!subject.contains('£'), "{subject}");
    assert!(!subject.chars().any(|c| c.is_ascii_digit()), "{subject}");
    assert_eq!(message.text_body.lines().next(), Some("Hello Alex,"));
    assert!(message.text_body.contains("Northwind Utilities"));
    assert!(message.text_body.contains("/go/"), "a link to the page");
    assert!(message.text_body.contains("/account/contact"));
    assert!(message.text_body.contains("/unsubscribe/"));
    assert_eq!(
        message.from_name.as_deref(),
        Some("Northwind Utilities via Good Terms")
    );
}

#[tokio::test]
async fn an_upcoming_payment_is_reminded_once_three_days_before_at_ten_local_time() {
    let app = spawn_demo_app().await;
    let who = alex_weekly(&app, day(10), 5).await;

    let early = passes(&app, london(day(6), 6)).await;
    assert_eq!(early.queued(), 0, "four days before: nothing yet");

    let on_the_day = passes(&app, london(day(7), 6)).await;
    assert_eq!(on_the_day.upcoming, 1);
    let again = passes(&app, london(day(7), 7)).await;
    assert_eq!(again, Report::default(), "running it again queues nothing");

    let all = queued(&app).await;
    assert_eq!(all.len(), 1);
    let message = &all[0];
    assert_eq!(message.template, "reminder_upcoming");
    assert_eq!(message.subject, "Your plan: a payment is coming up");
    assert_eq!(message.next_attempt_at, london(day(7), 10));
    assert_eq!(message.stale_at, Some(london(day(10), 0)));
    assert_eq!(message.account_id, Some(who.account));
    assert_considerate(message);
    assert!(
        message.text_body.contains("£213.00"),
        "{}",
        message.text_body
    );
    let date = goodterms::domain::wording::full_date(day(10));
    assert!(message.text_body.contains(&date) && message.html_body.contains(&date));

    // The next payment's reminder comes a week later, and only then.
    assert_eq!(passes(&app, london(day(13), 9)).await.queued(), 0);
    assert_eq!(passes(&app, london(day(14), 9)).await.upcoming, 1);
}

#[tokio::test]
async fn a_plan_agreed_after_the_reminder_day_gets_no_upcoming_reminder() {
    let app = spawn_demo_app().await;
    alex_weekly(&app, day(2), 3).await;
    for hour in [0, 10, 15] {
        assert_eq!(passes(&app, london(day(0), hour)).await.queued(), 0);
        assert_eq!(passes(&app, london(day(1), hour)).await.queued(), 0);
    }
    assert!(queued(&app).await.is_empty());
}

#[tokio::test]
async fn a_missed_payment_gets_one_gentle_note_with_the_catch_up_amount() {
    let app = spawn_demo_app().await;
    let who = alex_weekly(&app, day(1), 5).await;
    // 7 days' grace: payment 1 (due day 1) is missed from day 9; the note goes on day 10.
    assert_eq!(passes(&app, london(day(9), 6)).await.queued(), 0);
    let installments = crate::allocation::installments(&app, who.plan).await;
    assert!(installments[0].missed);

    let report = passes(&app, london(day(10), 6)).await;
    assert_eq!(report.missed, 1);
    assert_eq!(passes(&app, london(day(10), 12)).await.queued(), 0);
    let notes: Vec<_> = queued(&app)
        .await
        .into_iter()
        .filter(|m| m.template == "reminder_missed")
        .collect();
    assert_eq!(notes.len(), 1);
    let note = &notes[0];
    assert_considerate(note);
    assert_eq!(note.next_attempt_at, london(day(10), 10));
    // Payment 2 (due day 8) is overdue too: catching up is both.
    assert!(
        note.text_body.contains("To catch up, pay £426.00"),
        "{}",
        note.text_body
    );
    assert!(note.text_body.contains("Tell us if things have changed"));
    assert!(note.text_body.contains("debt advice"));
}

#[tokio::test]
async fn a_broken_plan_is_told_what_it_means_and_how_to_restart_it() {
    let app = spawn_demo_app().await;
    let who = alex_weekly(&app, day(1), 5).await;
    for offset in 9..=17 {
        passes(&app, london(day(offset), 6)).await;
    }
    assert_eq!(plan_status(&app, who.plan).await, PlanStatus::Broken);
    let templates: Vec<String> = queued(&app).await.into_iter().map(|m| m.template).collect();
    // One note after the first miss, the reminder before payment 3 (due day 15) while the
    // plan still stood; once it stops, that message instead of a second missed-payment note.
    assert_eq!(
        templates,
        [
            "reminder_missed",
            "reminder_upcoming",
            "reminder_plan_broken"
        ]
    );
    let broken = queued(&app).await.pop().unwrap();
    assert_considerate(&broken);
    // Northwind stops a plan at 2 missed payments: payment 2 was missed on day 16.
    assert_eq!(broken.next_attempt_at, london(day(16), 10));
    assert!(broken.text_body.contains("Your plan has stopped"));
    assert!(broken.text_body.contains("You can restart your plan"));
    assert!(broken.text_body.contains("debt advice"));
}

#[tokio::test]
async fn a_completed_plan_gets_thanks_once() {
    let app = spawn_demo_app().await;
    let who = alex_weekly(&app, day(10), 2).await;
    installment::Entity::update_many()
        .col_expr(
            installment::Column::PaidMinor,
            Expr::col(installment::Column::AmountMinor),
        )
        .filter(installment::Column::PlanId.eq(who.plan))
        .exec(&app.db)
        .await
        .unwrap();
    let report = passes(&app, london(day(0), 23)).await;
    assert_eq!(plan_status(&app, who.plan).await, PlanStatus::Completed);
    assert_eq!(report.completed, 1);
    assert_eq!(passes(&app, london(day(1), 9)).await.queued(), 0);
    let all = queued(&app).await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].template, "reminder_plan_completed");
    assert!(all[0].text_body.contains("Thank you"));
    // Completed late in the evening: the thanks waits for the morning.
    assert_eq!(all[0].next_attempt_at, london(day(1), 10));
    assert_considerate(&all[0]);
}

#[tokio::test]
async fn a_pay_later_date_is_reminded_before_and_after_it_passes() {
    let app = spawn_demo_app().await;
    let (debtor, account) = alex(&app).await;
    let until = day(20);
    let choice = DeferralChoice {
        until,
        reason: None,
    };
    let found = choose::account_for_plan(&app.db, debtor, account)
        .await
        .unwrap()
        .unwrap();
    let (_, text) = choose::preview_deferral(&found, &choice, today()).unwrap();
    let who = Agreement {
        debtor_id: debtor,
        account_id: account,
        shown_fingerprint: &sha256_hex(&text),
        session_marker: "test",
    };
    choose::defer(&app.db, &app.settings.base_url, who, &choice, Utc::now())
        .await
        .unwrap();

    assert_eq!(passes(&app, london(day(16), 9)).await.queued(), 0);
    assert_eq!(passes(&app, london(day(17), 9)).await.later_soon, 1);
    assert_eq!(passes(&app, london(day(20), 9)).await.queued(), 0);
    let passed = passes(&app, london(day(21), 9)).await;
    assert_eq!(passed.later_passed, 1);
    assert_eq!(passes(&app, london(day(22), 9)).await.queued(), 0);

    let all = queued(&app).await;
    let templates: Vec<&str> = all.iter().map(|m| m.template.as_str()).collect();
    assert_eq!(templates, ["reminder_later_soon", "reminder_later_passed"]);
    for message in &all {
        assert_considerate(message);
        assert!(
            message.text_body.contains("£1,065.00"),
            "{}",
            message.text_body
        );
    }
    assert_eq!(all[0].next_attempt_at, london(day(17), 10));
    assert!(all[1].text_body.contains("debt advice"));
    let _ = Currency::GBP;
}

#[tokio::test]
async fn the_creditors_cadence_is_honoured() {
    let app = spawn_demo_app().await;
    let who = alex_weekly(&app, day(10), 5).await;
    let creditor_id = goodterms::entities::plan::Entity::find_by_id(who.plan)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .creditor_id;
    // 5 days before, 2 days after a miss, and only one reminder per payment.
    reminder_cadence::ActiveModel {
        creditor_id: Set(creditor_id),
        days_before: Set(5),
        days_after_miss: Set(2),
        max_per_installment: Set(1),
        updated_at: Set(Utc::now()),
    }
    .insert(&app.db)
    .await
    .unwrap();

    assert_eq!(passes(&app, london(day(4), 9)).await.queued(), 0);
    assert_eq!(passes(&app, london(day(5), 9)).await.upcoming, 1);
    // Payment 1 is missed from day 18; with one reminder per payment already used, no note
    // on day 20 about it.
    for offset in 6..=21 {
        let report = passes(&app, london(day(offset), 9)).await;
        assert_eq!(report.missed, 0, "day {offset}");
    }
    let upcoming = queued(&app)
        .await
        .iter()
        .filter(|m| m.template == "reminder_upcoming")
        .count();
    assert_eq!(upcoming, 3, "payments due on days 10, 17 and 24");
}

#[tokio::test]
async fn the_note_after_a_miss_follows_the_cadence_when_it_is_the_only_reminder() {
    let app = spawn_demo_app().await;
    // Agreed a day before the first payment: no upcoming reminder, so the one allowed
    // reminder is the note after the miss, 2 days after it.
    let who = alex_weekly(&app, day(1), 5).await;
    let creditor_id = goodterms::entities::plan::Entity::find_by_id(who.plan)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .creditor_id;
    reminder_cadence::ActiveModel {
        creditor_id: Set(creditor_id),
        days_before: Set(3),
        days_after_miss: Set(2),
        max_per_installment: Set(1),
        updated_at: Set(Utc::now()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    for offset in 0..=10 {
        assert_eq!(passes(&app, london(day(offset), 9)).await.missed, 0);
    }
    assert_eq!(passes(&app, london(day(11), 9)).await.missed, 1);
}

#[tokio::test]
async fn an_account_on_hold_gets_no_reminders() {
    let app = spawn_demo_app().await;
    let who = alex_weekly(&app, day(10), 5).await;
    let staff = goodterms::entities::staff_user::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let hold = account_hold::ActiveModel {
        account_id: Set(who.account),
        reason: Set("Hardship: waiting for advice".into()),
        started_by: Set(staff.id),
        started_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    for offset in 6..=20 {
        assert_eq!(passes(&app, london(day(offset), 9)).await.queued(), 0);
    }
    assert!(queued(&app).await.is_empty());

    // Once the hold ends, reminders start again (the next payment's, on its day).
    let mut ended: account_hold::ActiveModel = hold.into();
    ended.ended_at = Set(Some(Utc::now()));
    ended.ended_by = Set(Some(staff.id));
    ended.update(&app.db).await.unwrap();
    assert_eq!(passes(&app, london(day(21), 9)).await.upcoming, 1);
}

#[tokio::test]
async fn payments_taken_automatically_get_their_own_notice_not_a_please_pay_reminder() {
    use goodterms::domain::autopay::MandateStatus;
    use goodterms::domain::payments::ProviderName;
    use goodterms::entities::autopay_mandate;
    let app = spawn_demo_app().await;
    let who = alex_weekly(&app, day(10), 5).await;
    let mandate = autopay_mandate::ActiveModel {
        account_id: Set(who.account),
        debtor_id: Set(who.debtor),
        plan_id: Set(who.plan),
        provider: Set(ProviderName::Offline),
        idempotency_key: Set("reminders-test-mandate".into()),
        status: Set(MandateStatus::Active),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    let report = reminders::run(
        &app.db,
        &app.hasher,
        &app.settings.base_url,
        london(day(7), 6),
    )
    .await
    .unwrap();
    assert_eq!(report.upcoming, 0);

    // Automatic payments turned off: the person pays by hand again, and is reminded.
    let mut off: autopay_mandate::ActiveModel = mandate.into();
    off.status = Set(MandateStatus::Off);
    off.update(&app.db).await.unwrap();
    let report = reminders::run(
        &app.db,
        &app.hasher,
        &app.settings.base_url,
        london(day(7), 7),
    )
    .await
    .unwrap();
    assert_eq!(report.upcoming, 1);
}
