//! Moving one payment's date: each payment has its own rule, and the message names it.
use chrono::{Datelike, Duration, NaiveDate, Utc};

use crate::allocation::{alex_with_plan, installments};
use crate::helpers::{TestApp, assert_redirect, spawn_demo_app};

async fn move_payment(app: &TestApp, account: i32, seq: u32, to: NaiveDate) -> reqwest::Response {
    let (seq, day, month, year) = (
        seq.to_string(),
        to.day().to_string(),
        to.month().to_string(),
        to.year().to_string(),
    );
    app.post_form(
        &format!("/account/{account}/plan/change"),
        &[
            ("payment", seq.as_str()),
            ("action", "move"),
            ("new_day", day.as_str()),
            ("new_month", month.as_str()),
            ("new_year", year.as_str()),
        ],
    )
    .await
}

#[tokio::test]
async fn a_later_payment_moves_within_its_neighbours_not_within_30_days() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let who = alex_with_plan(&app, 5).await;
    let dates: Vec<NaiveDate> = installments(&app, who.plan)
        .await
        .iter()
        .map(|i| i.due_on)
        .collect();

    // Payment 2 is more than 30 days away; moving it 5 days later is fine.
    let later = dates[1] + Duration::days(5);
    assert!(later > Utc::now().date_naive() + Duration::days(30));
    assert_redirect(
        &move_payment(&app, who.account, 2, later).await,
        &format!("/account/{}/plan?done=1", who.account),
    );
    let moved: Vec<NaiveDate> = installments(&app, who.plan)
        .await
        .iter()
        .map(|i| i.due_on)
        .collect();
    assert_eq!(moved[1], later);
    assert_eq!(moved[2], dates[2], "the others stay");
}

#[tokio::test]
async fn each_payment_is_told_the_rule_that_applies_to_it() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let who = alex_with_plan(&app, 5).await;
    let dates: Vec<NaiveDate> = installments(&app, who.plan)
        .await
        .iter()
        .map(|i| i.due_on)
        .collect();
    let full = |date: NaiveDate| date.format("%A %-d %B %Y").to_string();
    let cases = [
        (
            1,
            Utc::now().date_naive() - Duration::days(1),
            "Choose today or a later date".to_string(),
        ),
        (
            3,
            dates[1] - Duration::days(1),
            format!(
                "Choose a date after {}, when your previous payment is due",
                full(dates[1])
            ),
        ),
        (
            3,
            dates[3] + Duration::days(1),
            format!(
                "Choose a date before {}, when your next payment is due",
                full(dates[3])
            ),
        ),
        (
            5,
            Utc::now().date_naive() + Duration::days(400),
            "the latest your plan can run to".to_string(),
        ),
    ];
    for (seq, to, message) in cases {
        let response = move_payment(&app, who.account, seq, to).await;
        assert_eq!(response.status().as_u16(), 400, "payment {seq}");
        let html = response.text().await.unwrap();
        assert!(html.contains(&message), "payment {seq}: {message}\n{html}");
        assert!(!html.contains("within the next 30 days"));
    }
    let unchanged: Vec<NaiveDate> = installments(&app, who.plan)
        .await
        .iter()
        .map(|i| i.due_on)
        .collect();
    assert_eq!(unchanged, dates);
}
