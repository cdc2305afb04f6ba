//! Extra support: kept only with the person's explicit consent, shown back to them and
//! withdrawable; while in force reminders halve (fewer, later) and a declined automatic
//! payment is not retried; withdrawing brings both back; the words never reach an email.
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::London;
use goodterms::domain::schedule::{Frequency, PlanSize};
use goodterms::entities::{outbox_message, support_need};
use goodterms::services::care::support;
use goodterms::services::contact::reminders;
use goodterms::services::plans::choose::{self, Agreement, InstallmentChoice};
use goodterms::services::plans::lifecycle;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::autopay::{agree_plan, autopay_attempts, emails_with_subject, give_notice, opt_in, run};
use crate::helpers::{TestApp, assert_redirect, spawn_demo_app};
use crate::payments::account_id;

const WORDS: &str = "I have a long illness and my memory is poor some days";

async fn debtor_of(app: &TestApp, account: i32) -> i32 {
    goodterms::entities::account::Entity::find_by_id(account)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .debtor_id
}

/// Alex (signed in) asks for extra support through the page, ticking the box.
async fn ask_for_support(app: &TestApp, id: i32) {
    let saved = app
        .post_form(
            &format!("/account/{id}/support"),
            &[("words", WORDS), ("consent", "yes")],
        )
        .await;
    assert_redirect(&saved, &format!("/account/{id}/support?done=saved"));
}

/// No email, subject or body, ever carries the words or says support was asked for.
async fn assert_no_email_mentions_support(app: &TestApp) {
    let all = outbox_message::Entity::find().all(&app.db).await.unwrap();
    assert!(!all.is_empty(), "the test sent some email");
    for message in all {
        for part in [&message.subject, &message.text_body, &message.html_body] {
            assert!(!part.contains("illness"), "{part}");
            assert!(!part.to_lowercase().contains("extra support"), "{part}");
        }
    }
}

#[tokio::test]
async fn support_is_kept_only_with_the_ticked_box_and_can_be_withdrawn() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    let debtor = debtor_of(&app, id).await;
    let page = app.get_html(&format!("/account/{id}/support")).await;
    assert!(
        page.contains("I agree that Northwind Utilities can keep this and use it to support me")
    );
    assert!(
        page.contains(&format!("/account/{id}/advice")),
        "the free advice line"
    );

    let unticked = app
        .post_form(&format!("/account/{id}/support"), &[("words", WORDS)])
        .await;
    assert_eq!(unticked.status().as_u16(), 400);
    let html = unticked.text().await.unwrap();
    assert!(
        html.contains("href=\"#consent\""),
        "the summary links to the box"
    );
    assert!(
        html.contains("id=\"consent-error\""),
        "the message is by the box"
    );
    assert!(
        html.contains(&format!(">{WORDS}</textarea>")),
        "typed words kept"
    );
    assert_eq!(
        support_need::Entity::find().count(&app.db).await.unwrap(),
        0
    );
    let empty = app
        .post_form(
            &format!("/account/{id}/support"),
            &[("words", " "), ("consent", "yes")],
        )
        .await;
    assert_eq!(empty.status().as_u16(), 400);
    assert_eq!(
        support_need::Entity::find().count(&app.db).await.unwrap(),
        0
    );

    ask_for_support(&app, id).await;
    let page = app
        .get_html(&format!("/account/{id}/support?done=saved"))
        .await;
    assert!(page.contains("Thank you for telling us"));
    assert!(page.contains(WORDS));
    assert!(page.contains(&format!("action=\"/account/{id}/support/withdraw\"")));
    let kept = support::in_force(&app.db, debtor)
        .await
        .unwrap()
        .expect("in force");
    assert_eq!(kept.words, WORDS);

    // Someone else cannot see or change it.
    app.sign_in_debtor("NW-1002", ("30", "9", "1990")).await;
    assert_eq!(
        app.get(&format!("/account/{id}/support"))
            .await
            .status()
            .as_u16(),
        404
    );
    let withdrawn = app
        .post_form(&format!("/account/{id}/support/withdraw"), &[])
        .await;
    assert_eq!(withdrawn.status().as_u16(), 404);
    assert!(support::in_force(&app.db, debtor).await.unwrap().is_some());

    app.sign_in_alex().await;
    let withdrawn = app
        .post_form(&format!("/account/{id}/support/withdraw"), &[])
        .await;
    assert_redirect(&withdrawn, &format!("/account/{id}/support?done=withdrawn"));
    assert!(support::in_force(&app.db, debtor).await.unwrap().is_none());
    let page = app
        .get_html(&format!("/account/{id}/support?done=withdrawn"))
        .await;
    assert!(page.contains("You have taken this back"));
    assert!(!page.contains(WORDS));
}

fn day(offset: i64) -> NaiveDate {
    Utc::now().date_naive() + Duration::days(offset)
}

fn london(date: NaiveDate, hour: u32) -> DateTime<Utc> {
    London
        .from_local_datetime(&date.and_hms_opt(hour, 0, 0).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

/// Alex agrees 3 weekly payments, due on days 10, 17 and 24.
async fn weekly_plan(app: &TestApp, id: i32) {
    let debtor = debtor_of(app, id).await;
    let choice = InstallmentChoice {
        frequency: Frequency::Weekly,
        size: PlanSize::NumberOfPayments(3),
        first_due: day(10),
    };
    let found = choose::account_for_plan(&app.db, debtor, id)
        .await
        .unwrap()
        .unwrap();
    let shown = choose::preview(&found, &choice, day(0)).unwrap();
    let who = Agreement {
        debtor_id: debtor,
        account_id: id,
        shown_fingerprint: &shown.consent_fingerprint(),
        session_marker: "test",
    };
    choose::agree_installments(&app.db, &app.settings.base_url, who, &choice, Utc::now())
        .await
        .unwrap();
}

/// The lifecycle and reminders passes at 06:00 London on each day, as the worker runs them.
async fn passes(app: &TestApp, days: std::ops::RangeInclusive<i64>) {
    for offset in days {
        let now = london(day(offset), 6);
        lifecycle::run(&app.db, now).await.unwrap();
        reminders::run(&app.db, &app.hasher, &app.settings.base_url, now)
            .await
            .unwrap();
    }
}

/// (template, day it is planned for) of every reminder queued, oldest first.
async fn reminders_queued(app: &TestApp) -> Vec<(String, NaiveDate)> {
    outbox_message::Entity::find()
        .filter(outbox_message::Column::ReminderKey.is_not_null())
        .order_by_asc(outbox_message::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| {
            (
                m.template,
                m.next_attempt_at.with_timezone(&London).date_naive(),
            )
        })
        .collect()
}

/// Twenty days of a plan nobody pays, with or without extra support.
async fn twenty_days(with_support: bool) -> (TestApp, i32, Vec<(String, NaiveDate)>) {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    weekly_plan(&app, id).await;
    if with_support {
        ask_for_support(&app, id).await;
    }
    passes(&app, 0..=20).await;
    let queued = reminders_queued(&app).await;
    (app, id, queued)
}

#[tokio::test]
async fn reminders_halve_with_extra_support_and_come_back_when_it_is_withdrawn() {
    let (_, _, usual) = twenty_days(false).await;
    let upcoming = "reminder_upcoming".to_string();
    let missed = "reminder_missed".to_string();
    // The creditor's cadence: 3 days before each payment, a note the day after a miss is
    // marked (payment 1 is missed on day 18), at most 2 about any one payment.
    assert_eq!(
        usual,
        vec![
            (upcoming.clone(), day(7)),
            (upcoming.clone(), day(14)),
            (missed.clone(), day(19))
        ]
    );

    let (app, id, gentle) = twenty_days(true).await;
    // Half: 1 day before, and 1 reminder per payment (so no note after the miss).
    assert_eq!(
        gentle,
        vec![(upcoming.clone(), day(9)), (upcoming.clone(), day(16))]
    );
    assert!(gentle.len() < usual.len());
    assert_no_email_mentions_support(&app).await;

    // Withdrawn on day 20: the usual cadence is back on day 21. Payment 3 (due day 24) is
    // reminded 3 days before, and the missed payment 1 gets its note (still in time).
    support::withdraw(&app.db, debtor_of(&app, id).await, id, Utc::now())
        .await
        .unwrap();
    passes(&app, 21..=21).await;
    let mut after = reminders_queued(&app).await.split_off(gentle.len());
    after.sort();
    assert_eq!(after, vec![(missed, day(21)), (upcoming, day(21))]);
}

#[tokio::test]
async fn a_declined_automatic_payment_is_not_retried_with_extra_support_until_it_is_withdrawn() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let (id, first_due) = agree_plan(&app).await;
    opt_in(&app, id, "save_declining").await;
    ask_for_support(&app, id).await;
    give_notice(&app, first_due).await;

    let first = run(&app, first_due).await;
    assert_eq!((first.charges, first.failed, first.pay_by_hand), (1, 1, 1));
    let retry_day = run(&app, first_due + Duration::days(3)).await;
    assert_eq!(
        (retry_day.charges, retry_day.retries, retry_day.pay_by_hand),
        (0, 0, 0)
    );
    assert_eq!(autopay_attempts(&app).await.len(), 1, "no retry");
    let told: Vec<_> = emails_with_subject(&app, "An update about your account")
        .await
        .into_iter()
        .filter(|e| e.template == "autopay_pay_by_hand")
        .collect();
    assert_eq!(told.len(), 1);
    assert!(
        told[0]
            .text_body
            .contains("It did not go through. Nothing was taken.")
    );
    assert!(
        !told[0].text_body.contains("second try"),
        "{}",
        told[0].text_body
    );
    assert_no_email_mentions_support(&app).await;

    // Withdrawn: the next payment's declined charge is retried 3 days later, as usual.
    let withdrawn = app
        .post_form(&format!("/account/{id}/support/withdraw"), &[])
        .await;
    assert_eq!(withdrawn.status().as_u16(), 303);
    let second_due = first_due
        .checked_add_months(chrono::Months::new(1))
        .unwrap();
    give_notice(&app, second_due).await;
    let second = run(&app, second_due).await;
    assert_eq!(
        (second.charges, second.failed, second.pay_by_hand),
        (1, 1, 0)
    );
    let retry = run(&app, second_due + Duration::days(3)).await;
    assert_eq!((retry.retries, retry.pay_by_hand), (1, 1));
    assert_eq!(autopay_attempts(&app).await.len(), 3);
}
