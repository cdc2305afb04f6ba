//! "How easy was that?": asked once a plan is set up and once a payment is done, kept with
//! ids only and only for the person's own account, refused when it is neither a score from
//! 1 to 5 nor a comment, and summed up per month for the creditor's dashboard.
use chrono::{DateTime, Utc};
use goodterms::domain::feedback::FeedbackMoment;
use goodterms::entities::feedback;
use goodterms::services::care::feedback::summary;
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};

use crate::helpers::{TestApp, add_contoso, assert_redirect, spawn_demo_app};
use crate::payments::{account_id, latest_attempt, start_paying};

async fn stored(app: &TestApp) -> Vec<feedback::Model> {
    feedback::Entity::find().all(&app.db).await.unwrap()
}

#[tokio::test]
async fn the_question_follows_a_new_plan_and_a_payment_and_the_answer_is_kept() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let (id, _) = crate::autopay::agree_plan(&app).await;

    let plan = app.get_html(&format!("/account/{id}/plan?done=1")).await;
    assert!(plan.contains("How easy was that?"), "{plan}");
    assert!(plan.contains("name=\"moment\" value=\"plan_set_up\""));
    assert!(plan.contains(&format!("action=\"/account/{id}/feedback\"")));
    let later = app.get_html(&format!("/account/{id}/plan")).await;
    assert!(
        !later.contains("How easy was that?"),
        "asked only just after"
    );

    let checkout = start_paying(&app, id, &[("choice", "full")]).await;
    let attempt = latest_attempt(&app).await;
    app.post_form(&checkout, &[("outcome", "succeed")]).await;
    let paid = app
        .get_html(&format!("/account/{id}/payments/{}", attempt.id))
        .await;
    assert!(paid.contains("Thank you, your payment is done"));
    assert!(
        paid.contains("name=\"moment\" value=\"payment_completed\""),
        "{paid}"
    );

    let sent = app
        .post_form(
            &format!("/account/{id}/feedback"),
            &[
                ("moment", "payment_completed"),
                ("score", "4"),
                ("comment", " Quick and clear "),
            ],
        )
        .await;
    assert_redirect(&sent, &format!("/account/{id}/feedback/thanks"));
    let thanks = app
        .get_html(&format!("/account/{id}/feedback/thanks"))
        .await;
    assert!(thanks.contains("Thank you for your feedback"));

    let rows = stored(&app).await;
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.account_id, id);
    assert_eq!(row.moment, FeedbackMoment::PaymentCompleted);
    assert_eq!(row.score, Some(4));
    assert_eq!(row.comment.as_deref(), Some("Quick and clear"));
    let account = goodterms::entities::account::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (row.debtor_id, row.creditor_id),
        (account.debtor_id, account.creditor_id)
    );

    // A comment alone is an answer too.
    let comment_only = app
        .post_form(
            &format!("/account/{id}/feedback"),
            &[("moment", "plan_set_up"), ("comment", "Fine")],
        )
        .await;
    assert_eq!(comment_only.status().as_u16(), 303);
    assert_eq!(stored(&app).await.len(), 2);
}

#[tokio::test]
async fn an_answer_that_is_not_a_score_from_1_to_5_or_a_comment_is_refused() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    let path = format!("/account/{id}/feedback");
    let long = "x".repeat(1001);
    let cases: [(&[(&str, &str)], &str); 4] = [
        (
            &[
                ("moment", "plan_set_up"),
                ("score", "6"),
                ("comment", "kept words"),
            ],
            "Choose a number from 1 to 5",
        ),
        (
            &[("moment", "plan_set_up"), ("score", "0")],
            "Choose a number from 1 to 5",
        ),
        (
            &[("moment", "plan_set_up"), ("comment", "  ")],
            "or write a comment",
        ),
        (
            &[("moment", "plan_set_up"), ("comment", &long)],
            "1,000 characters or fewer",
        ),
    ];
    for (fields, says) in cases {
        let refused = app.post_form(&path, fields).await;
        assert_eq!(refused.status().as_u16(), 400, "{says}");
        let html = refused.text().await.unwrap();
        assert!(html.contains(says), "{says}: {html}");
        assert!(html.contains("There is a problem"));
    }
    let kept = app
        .post_form(
            &path,
            &[
                ("moment", "plan_set_up"),
                ("score", "9"),
                ("comment", "kept words"),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(kept.contains(">kept words</textarea>"), "typed words kept");
    assert_eq!(feedback::Entity::find().count(&app.db).await.unwrap(), 0);

    // Someone else's account: not found, nothing kept.
    let sam = account_id(&app, "NW-1002").await;
    let other = app
        .post_form(
            &format!("/account/{sam}/feedback"),
            &[("moment", "plan_set_up"), ("score", "5")],
        )
        .await;
    assert_eq!(other.status().as_u16(), 404);
    assert_eq!(feedback::Entity::find().count(&app.db).await.unwrap(), 0);
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

async fn answer(
    app: &TestApp,
    account: i32,
    creditor: i32,
    score: Option<i16>,
    comment: Option<&str>,
    when: &str,
) {
    feedback::ActiveModel {
        account_id: Set(account),
        debtor_id: Set(1),
        creditor_id: Set(creditor),
        moment: Set(FeedbackMoment::PlanSetUp),
        score: Set(score),
        comment: Set(comment.map(str::to_string)),
        created_at: Set(at(when)),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
}

#[tokio::test]
async fn the_summary_gives_each_months_average_and_the_latest_comments() {
    let app = spawn_demo_app().await;
    let contoso = add_contoso(&app).await;
    let id = account_id(&app, "NW-1001").await;
    let northwind = goodterms::entities::account::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .creditor_id;
    // Too old to count (June), then September, November and December 2026.
    answer(&app, id, northwind, Some(1), None, "2026-06-30T12:00:00Z").await;
    answer(&app, id, northwind, Some(5), None, "2026-09-02T12:00:00Z").await;
    answer(
        &app,
        id,
        northwind,
        Some(4),
        Some("First"),
        "2026-09-20T12:00:00Z",
    )
    .await;
    answer(
        &app,
        id,
        northwind,
        Some(2),
        Some("Second"),
        "2026-11-01T09:00:00Z",
    )
    .await;
    answer(
        &app,
        id,
        northwind,
        None,
        Some("Third"),
        "2026-11-15T09:00:00Z",
    )
    .await;
    for (n, day) in ["01", "02", "03", "04"].iter().enumerate() {
        let words = format!("December {n}");
        answer(
            &app,
            id,
            northwind,
            Some(3),
            Some(&words),
            &format!("2026-12-{day}T09:00:00Z"),
        )
        .await;
    }
    answer(&app, id, northwind, Some(4), None, "2026-12-05T09:00:00Z").await;
    // Another creditor's answers never count.
    answer(
        &app,
        id,
        contoso,
        Some(1),
        Some("Contoso's"),
        "2026-12-06T09:00:00Z",
    )
    .await;

    let summary = summary(&app.db, northwind, at("2026-12-10T12:00:00Z"))
        .await
        .unwrap();
    let months: Vec<(String, u32, Option<Decimal>)> = summary
        .months
        .iter()
        .map(|m| (m.month.format("%Y-%m").to_string(), m.scored, m.average))
        .collect();
    let avg = |text: &str| Some(text.parse::<Decimal>().unwrap());
    assert_eq!(
        months,
        vec![
            ("2026-07".to_string(), 0, None),
            ("2026-08".to_string(), 0, None),
            ("2026-09".to_string(), 2, avg("4.5")),
            ("2026-10".to_string(), 0, None),
            ("2026-11".to_string(), 1, avg("2.0")),
            ("2026-12".to_string(), 5, avg("3.2")),
        ]
    );
    let comments: Vec<&str> = summary.latest.iter().map(|c| c.comment.as_str()).collect();
    assert_eq!(
        comments,
        [
            "December 3",
            "December 2",
            "December 1",
            "December 0",
            "Third"
        ]
    );
    assert_eq!(summary.latest[4].score, None);
}
