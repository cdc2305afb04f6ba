//! What staff see of care: the account's care panel and timeline (only their creditor's), and
//! the dashboard's care counts, ages and feedback.
use chrono::{Duration, Utc};
use goodterms::domain::care::{HardshipOutcome, HardshipReason, HoldKind};
use goodterms::domain::disputes::{DisputeReason, DisputeStatus};
use goodterms::domain::feedback::FeedbackMoment;
use goodterms::entities::{
    account_hold, dispute, feedback, hardship_statement, message, staff_user, support_need,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::helpers::{CONTOSO_STAFF, TestApp, add_contoso, spawn_demo_app};
use crate::payments::account_id;
use crate::privacy::{account_at, holder, seed_care};

const NORTHWIND_STAFF: (&str, &str) = ("staff@northwind.example", "northwind-demo");

async fn breathing_space(app: &TestApp, account: i32, started_days_ago: i64, ends_in_days: i64) {
    let now = Utc::now();
    account_hold::ActiveModel {
        account_id: Set(account),
        kind: Set(HoldKind::BreathingSpace),
        reason: Set("Breathing space".to_string()),
        started_by: Set(0),
        started_at: Set(now - Duration::days(started_days_ago)),
        ended_by: Set(None),
        ended_at: Set(Some(now + Duration::days(ends_in_days))),
        notice_sent_at: Set(None),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
}

#[tokio::test]
async fn staff_see_the_care_panel_and_care_events_on_the_timeline() {
    let app = spawn_demo_app().await;
    let alex = account_id(&app, "NW-1001").await;
    let seeded = seed_care(&app, alex, "alex-marker").await;
    breathing_space(&app, alex, 1, 20).await;
    let until = (Utc::now() + Duration::days(20))
        .format("%-d %B %Y")
        .to_string();
    app.sign_in_staff(NORTHWIND_STAFF.0, NORTHWIND_STAFF.1)
        .await;
    let page = app.get_html(&format!("/staff/accounts/{alex}")).await;
    for text in [
        "<h2 id=\"care-heading\">Care</h2>",
        "support words alex-marker",
        &format!("Until {until}"),
        &format!("href=\"/staff/disputes/{}\"", seeded.dispute),
        "I&#39;ve already paid",
        "I am ill or injured",
        "£1,234.56",
        "What is left",
        "£534.56",
        &format!("href=\"/staff/accounts/{alex}/messages\""),
        // The timeline.
        "Told us about money troubles",
        "Breathing space started",
        "Asked for extra support",
        "Dispute opened",
        "Dispute details added",
        "Message from the person",
    ] {
        assert!(page.contains(text), "the account page should show {text:?}");
    }
    // A breathing space does not offer staff's "End the hold": it ends on its date.
    assert!(!page.contains("End the hold"));
}

#[tokio::test]
async fn staff_of_another_creditor_see_none_of_the_care_panel() {
    let app = spawn_demo_app().await;
    let contoso = add_contoso(&app).await;
    let alex = account_id(&app, "NW-1001").await;
    let alex_row = holder(&app, alex).await;
    // The same person also owes Contoso.
    let alex_at_contoso = account_at(&app, contoso, "CW-ALEX", Some(&alex_row)).await;
    seed_care(&app, alex, "northwind-only").await;
    breathing_space(&app, alex, 1, 20).await;

    app.sign_in_staff(CONTOSO_STAFF.0, CONTOSO_STAFF.1).await;
    let theirs = app.get(&format!("/staff/accounts/{alex}")).await;
    assert_eq!(theirs.status().as_u16(), 404);
    assert!(!theirs.text().await.unwrap().contains("northwind-only"));
    let own = app
        .get_html(&format!("/staff/accounts/{alex_at_contoso}"))
        .await;
    assert!(own.contains("Account CW-ALEX"), "{own}");
    for text in [
        "northwind-only",
        "£1,234.56",
        "Until ",
        "/staff/disputes/",
        "Told us about money troubles",
        "Message from the person",
    ] {
        assert!(!own.contains(text), "Contoso staff should not see {text:?}");
    }
    assert!(own.contains("None open"));
}

#[tokio::test]
async fn what_has_ended_leaves_the_panel_and_stays_on_the_timeline() {
    let app = spawn_demo_app().await;
    let sam = account_id(&app, "NW-1002").await;
    breathing_space(&app, sam, 40, -10).await;
    support(&app, sam, true).await;
    open_dispute(&app, sam, 20, DisputeStatus::Explained).await;
    dispute::Entity::update_many()
        .col_expr(
            dispute::Column::AnsweredAt,
            sea_orm::sea_query::Expr::value(Utc::now() - Duration::days(2)),
        )
        .filter(dispute::Column::AccountId.eq(sam))
        .exec(&app.db)
        .await
        .unwrap();
    app.sign_in_staff(NORTHWIND_STAFF.0, NORTHWIND_STAFF.1)
        .await;
    let page = app.get_html(&format!("/staff/accounts/{sam}")).await;
    for text in [
        "<dt>Extra support</dt><dd>No</dd>",
        "<dt>Breathing space</dt><dd>None</dd>",
        "None open",
        "Breathing space started",
        "Breathing space ended",
        "Extra support withdrawn by the person",
        "Dispute answered: explained",
    ] {
        assert!(page.contains(text), "the account page should show {text:?}");
    }
    assert!(
        !page.contains("Please write, do not call"),
        "withdrawn words are not shown"
    );
}

async fn open_dispute(app: &TestApp, account: i32, days_ago: i64, status: DisputeStatus) {
    let who = holder(app, account).await;
    dispute::ActiveModel {
        account_id: Set(account),
        debtor_id: Set(who.id),
        creditor_id: Set(who.creditor_id),
        reason: Set(DisputeReason::WrongAmount),
        status: Set(status),
        hold_id: Set(None),
        answer: Set(None),
        adjustment_minor: Set(None),
        answered_by: Set(None),
        answered_at: Set(None),
        opened_at: Set(Utc::now() - Duration::days(days_ago) - Duration::hours(1)),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
}

async fn say(app: &TestApp, account: i32, staff: Option<i32>, days_ago: i64, comment: &str) {
    let who = holder(app, account).await;
    message::ActiveModel {
        account_id: Set(account),
        debtor_id: Set(who.id),
        creditor_id: Set(who.creditor_id),
        staff_user_id: Set(staff),
        body: Set(comment.to_string()),
        attachment_id: Set(None),
        created_at: Set(Utc::now() - Duration::days(days_ago) - Duration::hours(1)),
        read_at: Set(None),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
}

async fn hardship(app: &TestApp, account: i32, days_ago: i64) {
    let who = holder(app, account).await;
    hardship_statement::ActiveModel {
        account_id: Set(account),
        debtor_id: Set(who.id),
        creditor_id: Set(who.creditor_id),
        reason: Set(HardshipReason::LostIncome),
        currency: Set("GBP".to_string()),
        income_minor: Set(None),
        housing_minor: Set(None),
        utilities_minor: Set(None),
        food_minor: Set(None),
        transport_minor: Set(None),
        other_debts_minor: Set(None),
        other_minor: Set(None),
        left_minor: Set(None),
        outcome: Set(HardshipOutcome::Undecided),
        created_at: Set(Utc::now() - Duration::days(days_ago)),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
}

async fn support(app: &TestApp, account: i32, withdrawn: bool) {
    let who = holder(app, account).await;
    support_need::ActiveModel {
        debtor_id: Set(who.id),
        creditor_id: Set(who.creditor_id),
        words: Set("Please write, do not call".to_string()),
        consented_at: Set(Utc::now() - Duration::days(3)),
        withdrawn_at: Set(withdrawn.then(|| Utc::now() - Duration::days(1))),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
}

async fn rate(app: &TestApp, account: i32, score: Option<i16>, comment: Option<&str>) {
    let who = holder(app, account).await;
    feedback::ActiveModel {
        account_id: Set(account),
        debtor_id: Set(who.id),
        creditor_id: Set(who.creditor_id),
        moment: Set(FeedbackMoment::PaymentCompleted),
        score: Set(score),
        comment: Set(comment.map(str::to_string)),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
}

fn figure(page: &str, label: &str) -> String {
    let start = page
        .find(&format!("<dt>{label}</dt><dd>"))
        .unwrap_or_else(|| panic!("{label} on the dashboard: {page}"));
    let rest = &page[start + label.len() + 13..];
    let end = rest.find("</dd>").unwrap();
    rest[..end]
        .replace("<span class=\"hint\">", "")
        .replace("</span>", "")
}

#[tokio::test]
async fn the_dashboard_counts_care_with_ages_and_shows_the_feedback() {
    let app = spawn_demo_app().await;
    let contoso = add_contoso(&app).await;
    let alex = account_id(&app, "NW-1001").await;
    let sam = account_id(&app, "NW-1002").await;
    let pat = account_at(&app, contoso, "CW-PAT", None).await;
    let staff = staff_user::Entity::find()
        .filter(staff_user::Column::Email.eq(NORTHWIND_STAFF.0))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;

    open_dispute(&app, alex, 3, DisputeStatus::Open).await;
    open_dispute(&app, sam, 10, DisputeStatus::Open).await;
    open_dispute(&app, sam, 40, DisputeStatus::Explained).await;
    open_dispute(&app, pat, 90, DisputeStatus::Open).await;
    // Alex waits 5 days for an answer; Sam was answered; Pat is Contoso's.
    say(&app, alex, Some(staff), 9, "Hello from staff").await;
    say(&app, alex, None, 5, "first").await;
    say(&app, alex, None, 2, "second").await;
    say(&app, sam, None, 8, "question").await;
    say(&app, sam, Some(staff), 7, "answer").await;
    say(&app, pat, None, 30, "contoso question").await;
    breathing_space(&app, alex, 2, 10).await;
    breathing_space(&app, sam, 70, -10).await;
    breathing_space(&app, pat, 1, 10).await;
    support(&app, alex, false).await;
    support(&app, sam, true).await;
    support(&app, pat, false).await;
    hardship(&app, alex, 1).await;
    hardship(&app, sam, 20).await;
    hardship(&app, sam, 40).await;
    hardship(&app, pat, 1).await;
    rate(&app, alex, Some(4), Some("Clear and quick")).await;
    rate(&app, sam, Some(5), None).await;
    rate(&app, sam, None, Some("Would like a phone number")).await;
    rate(&app, pat, Some(1), Some("contoso comment")).await;

    app.sign_in_staff(NORTHWIND_STAFF.0, NORTHWIND_STAFF.1)
        .await;
    let page = app.get_html("/staff/dashboard").await;
    assert_eq!(figure(&page, "Open disputes"), "2 (oldest 10 days)");
    assert_eq!(
        figure(&page, "Messages waiting for an answer"),
        "1 (oldest 5 days)"
    );
    assert_eq!(figure(&page, "Breathing spaces now"), "1");
    assert_eq!(figure(&page, "People with extra support"), "1");
    assert_eq!(figure(&page, "Hardship statements, last 30 days"), "2");
    let this_month = Utc::now().format("%B %Y").to_string();
    assert!(
        page.contains(&format!(
            "<td data-label=\"Month\">{this_month}</td><td class=\"num\" data-label=\"Answers\">3</td><td class=\"num\" data-label=\"Average\">4.5 out of 5</td>"
        )),
        "{page}"
    );
    assert_eq!(
        page.matches("data-label=\"Month\"").count(),
        6,
        "six months"
    );
    assert!(page.contains("Clear and quick"));
    assert!(page.contains("Would like a phone number"));
    assert!(!page.contains("contoso comment"));
}
