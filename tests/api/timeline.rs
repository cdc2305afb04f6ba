//! The staff account page's timeline tells the whole story of an account: every message sent
//! or held back (and why), and what happened to the plan, missed payments included. Another
//! creditor's staff see none of it.
use chrono::{DateTime, Duration, NaiveDate, Utc};
use goodterms::domain::outbox::{MessageCategory, OutboxStatus};
use goodterms::entities::{installment, outbox_message, plan};
use goodterms::services::plans::lifecycle;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::allocation::{WithPlan, alex_with_plan};
use crate::helpers::{CONTOSO_STAFF, TestApp, add_contoso, spawn_demo_app};

const STAFF: (&str, &str) = ("staff@northwind.example", "northwind-demo");
const TURNED_OFF: &str = "Not sent: reminders turned off by the person";

/// The message as staff see it: the row's subject and what happened to it.
fn shown(subject: &str, status: &str) -> String {
    format!("“{subject}”: {status}")
}

async fn timeline(app: &TestApp, account: i32) -> String {
    let html = app.get_html(&format!("/staff/accounts/{account}")).await;
    let start = html.find("<h2>Timeline</h2>").expect("a timeline");
    html[start..].to_string()
}

/// A message the contact policy held back, as its row would be left.
async fn suppressed_reminder(app: &TestApp, who: &WithPlan, creditor: i32, subject: &str) {
    let now = Utc::now();
    outbox_message::ActiveModel {
        message_id: Set(format!("test-{subject}")),
        template: Set("installment_upcoming".into()),
        to_address: Set("alex.morgan@example.com".into()),
        subject: Set(subject.into()),
        text_body: Set("A payment is coming up.".into()),
        html_body: Set("<p>A payment is coming up.</p>".into()),
        status: Set(OutboxStatus::Suppressed),
        attempts: Set(0),
        next_attempt_at: Set(now),
        created_at: Set(now),
        creditor_id: Set(Some(creditor)),
        debtor_id: Set(Some(who.debtor)),
        account_id: Set(Some(who.account)),
        category: Set(MessageCategory::Reminder),
        reminder_key: Set(Some(format!("test:{subject}"))),
        decision: Set(Some(TURNED_OFF.into())),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
}

async fn northwind(app: &TestApp) -> i32 {
    plan::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .expect("a plan")
        .creditor_id
}

#[tokio::test]
async fn a_sent_message_and_a_suppressed_one_with_its_reason_are_on_the_timeline() {
    let app = spawn_demo_app().await;
    let alex = alex_with_plan(&app, 5).await;
    let creditor = northwind(&app).await;
    app.deliver_outbox(Utc::now()).await;
    suppressed_reminder(&app, &alex, creditor, "A payment is coming up").await;

    app.sign_in_staff(STAFF.0, STAFF.1).await;
    let html = timeline(&app, alex.account).await;
    assert!(
        html.contains(&shown("Your payment plan is set up", "sent")),
        "{html}"
    );
    assert!(html.contains(&shown("A payment is coming up", "not sent")));
    assert!(html.contains(TURNED_OFF), "the policy's reason is shown");
    assert!(html.contains("Payment plan agreed by the person"));
}

/// Payment 1 is missed, then payment 2 (the plan breaks), then both are paid (it is back on
/// track): each step on a fixed clock, each on the timeline.
#[tokio::test]
async fn missed_broken_and_restored_appear_after_the_lifecycle_pass() {
    let app = spawn_demo_app().await;
    let alex = alex_with_plan(&app, 5).await;
    plan::Entity::update_many()
        .col_expr(plan::Column::GraceDays, Expr::value(0))
        .col_expr(plan::Column::MissedToBreak, Expr::value(2))
        .filter(plan::Column::Id.eq(alex.plan))
        .exec(&app.db)
        .await
        .unwrap();
    let due: Vec<installment::Model> = installment::Entity::find()
        .filter(installment::Column::PlanId.eq(alex.plan))
        .order_by_asc(installment::Column::Seq)
        .all(&app.db)
        .await
        .unwrap();
    let day_after = |date: NaiveDate| -> DateTime<Utc> {
        (date + Duration::days(1))
            .and_hms_opt(10, 0, 0)
            .unwrap()
            .and_utc()
    };

    let first_missed = lifecycle::run(&app.db, day_after(due[0].due_on))
        .await
        .unwrap();
    assert_eq!(first_missed.broken, 0);
    let broken_at = day_after(due[1].due_on);
    let broke = lifecycle::run(&app.db, broken_at).await.unwrap();
    assert_eq!(broke.broken, 1);
    for item in &due[..2] {
        installment::Entity::update_many()
            .col_expr(
                installment::Column::PaidMinor,
                Expr::value(item.amount_minor),
            )
            .filter(installment::Column::Id.eq(item.id))
            .exec(&app.db)
            .await
            .unwrap();
    }
    let restored = lifecycle::run(&app.db, broken_at + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(restored.restored, 1);

    app.sign_in_staff(STAFF.0, STAFF.1).await;
    let html = timeline(&app, alex.account).await;
    let order: Vec<usize> = [
        "Plan back on track",
        "Missed payment 2 now paid",
        "Plan broken: too many payments missed",
        "Payment 2 missed",
        "Payment 1 missed",
        "Payment plan agreed by the person",
    ]
    .iter()
    .map(|line| html.find(line).unwrap_or_else(|| panic!("{line}:\n{html}")))
    .collect();
    assert!(
        order.windows(2).all(|pair| pair[0] < pair[1]),
        "newest first: {order:?}"
    );
    assert!(html.contains("Missed payment 1 now paid"));
}

#[tokio::test]
async fn another_creditors_staff_see_none_of_it_and_our_staff_see_none_of_theirs() {
    let app = spawn_demo_app().await;
    let alex = alex_with_plan(&app, 5).await;
    let creditor = northwind(&app).await;
    suppressed_reminder(&app, &alex, creditor, "A payment is coming up").await;
    let contoso = add_contoso(&app).await;
    // A message Contoso sent: never on Northwind's timeline, even with the same person's ids.
    suppressed_reminder(&app, &alex, contoso, "A note from Contoso").await;

    app.sign_in_staff(STAFF.0, STAFF.1).await;
    let ours = timeline(&app, alex.account).await;
    assert!(ours.contains("A payment is coming up"));
    assert!(!ours.contains("A note from Contoso"), "{ours}");

    // The same browser, now signed in as Contoso's staff.
    app.sign_in_staff(CONTOSO_STAFF.0, CONTOSO_STAFF.1).await;
    let response = app.get(&format!("/staff/accounts/{}", alex.account)).await;
    assert_eq!(response.status().as_u16(), 404);
    let body = response.text().await.unwrap();
    assert!(!body.contains("A payment is coming up"));
    assert!(!body.contains(TURNED_OFF));
}
