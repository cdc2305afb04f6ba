//! A month of the demo debtor's plan on a fixed clock, through the real pages and the real
//! worker passes: Alex agrees 5 weekly payments, pays the first on time, misses the second,
//! catches up after a gentle note, pays the rest and is thanked. The exact messages and the
//! moment each was sent are what a considerate person would send, and nothing more.
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::London;
use goodterms::domain::outbox::OutboxStatus;
use goodterms::entities::outbox_message;
use goodterms::jobs::Jobs;
use goodterms::services::payments::checkout::{self, Payer, StartOutcome};
use goodterms::services::payments::events::{self, EventOutcome};
use goodterms::services::payments::options::PayChoice;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::allocation::paid_event;
use crate::helpers::{MAIL_FROM, TestApp, spawn_demo_app};
use crate::payments::account_id;
use crate::plans::{check, date_fields, post};

/// The worker runs these hours (London time) every day; reminders are planned for 10:00.
const WORKER_HOURS: [u32; 5] = [6, 10, 14, 18, 22];

fn day(offset: i64) -> NaiveDate {
    Utc::now().date_naive() + Duration::days(offset)
}

fn london(offset: i64, hour: u32) -> DateTime<Utc> {
    London
        .from_local_datetime(&day(offset).and_hms_opt(hour, 0, 0).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

fn worker(app: &TestApp) -> Jobs {
    Jobs {
        db: app.db.clone(),
        mailer: app.mailer.clone(),
        from: MAIL_FROM.to_string(),
        provider: app.provider.clone(),
        base_url: app.settings.base_url.clone(),
        hasher: app.hasher.clone(),
    }
}

/// Alex pays at `at` through the offline test checkout: the checkout starts and the
/// provider's "paid" event arrives, both on the test's clock. (The pay pages read the system
/// clock, not the app's, so they cannot be driven to a day five weeks ahead.)
async fn alex_pays(app: &TestApp, payer: Payer, choice: PayChoice, at: DateTime<Utc>) {
    let started = checkout::start(&app.db, &app.provider, payer, choice, "http://x", at)
        .await
        .unwrap();
    let StartOutcome::Redirect { attempt_id, .. } = started else {
        panic!("the payment did not start");
    };
    let event = paid_event(app, attempt_id).await;
    let outcome = events::handle_event(&app.db, &event, &app.settings.base_url, at)
        .await
        .unwrap();
    assert_eq!(outcome, EventOutcome::Applied);
}

/// Every message sent, oldest first: (template, when it was sent).
async fn sent(app: &TestApp) -> Vec<(String, DateTime<Utc>)> {
    outbox_message::Entity::find()
        .filter(outbox_message::Column::Status.eq(OutboxStatus::Sent))
        .order_by_asc(outbox_message::Column::SentAt)
        .order_by_asc(outbox_message::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.template, m.sent_at.unwrap()))
        .collect()
}

#[tokio::test]
async fn a_month_of_a_plan_with_one_missed_payment_gets_exactly_the_right_messages() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let account = account_id(&app, "NW-1001").await;
    // 5 weekly payments of £213.00, due on days 7, 14, 21, 28 and 35.
    let mut fields = vec![
        ("frequency".to_string(), "weekly".to_string()),
        ("size_by".to_string(), "payments".to_string()),
        ("payments".to_string(), "5".to_string()),
    ];
    fields.extend(date_fields("first", day(7)));
    let (_, agree) = check(&app, account, fields).await;
    let agreed = post(
        &app,
        &format!("/account/{account}/plan/installments/agree"),
        &agree,
    )
    .await;
    assert_eq!(agreed.status().as_u16(), 303, "plan agreed");

    let jobs = worker(&app);
    // Payment 1 on time (day 6); payment 2 missed, then caught up with payment 3 after the
    // note (day 23); payments 4 and 5 on time (days 27 and 34).
    let payments = [
        (6, PayChoice::NextInstallment),
        (23, PayChoice::CatchUp),
        (27, PayChoice::NextInstallment),
        (34, PayChoice::NextInstallment),
    ];
    let debtor = goodterms::entities::account::Entity::find_by_id(account)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .debtor_id;
    let payer = || Payer {
        debtor_id: debtor,
        account_id: account,
    };
    for offset in 1..=37 {
        for hour in WORKER_HOURS {
            assert!(
                jobs.run_once(london(offset, hour)).await,
                "day {offset} {hour}:00"
            );
            if hour == 10
                && let Some((_, choice)) = payments.iter().find(|(d, _)| *d == offset)
            {
                alex_pays(&app, payer(), *choice, london(offset, 12)).await;
            }
        }
    }

    let expected: Vec<(&str, DateTime<Utc>)> = vec![
        ("plan_confirmation", london(1, 6)),
        ("reminder_upcoming", london(4, 10)),
        ("payment_receipt", london(6, 14)),
        ("reminder_upcoming", london(11, 10)),
        ("reminder_upcoming", london(18, 10)),
        // Payment 2 (day 14) is missed after 7 days' grace, on day 22; the note a day later.
        ("reminder_missed", london(23, 10)),
        ("payment_receipt", london(23, 14)),
        // The reminder for payment 4 (day 25) is held back: Alex paid two days before.
        ("payment_receipt", london(27, 14)),
        ("reminder_upcoming", london(32, 10)),
        ("payment_receipt", london(34, 14)),
        // The last payment completes the plan: thanks, the same afternoon.
        ("reminder_plan_completed", london(34, 18)),
    ];
    let expected: Vec<(String, DateTime<Utc>)> = expected
        .into_iter()
        .map(|(template, at)| (template.to_string(), at))
        .collect();
    assert_eq!(sent(&app).await, expected);
    let unsent = outbox_message::Entity::find()
        .filter(outbox_message::Column::Status.ne(OutboxStatus::Sent))
        .all(&app.db)
        .await
        .unwrap();
    let unsent: Vec<_> = unsent
        .iter()
        .map(|m| {
            (
                m.template.as_str(),
                m.status,
                m.decision.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        unsent,
        [(
            "reminder_upcoming",
            OutboxStatus::Suppressed,
            "Not sent: a payment came in during the last 2 days".to_string()
        )],
        "nothing else waiting"
    );
}
