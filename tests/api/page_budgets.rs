//! Pages stay within their query budget (issue 12): at most four statements for a page,
//! counting the session, and none per ledger entry or per account.
use chrono::{Datelike, NaiveDate, Utc};
use goodterms::entities::{MinorUnits, account, ledger_entry};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::helpers::{TestApp, spawn_demo_app};

const PAGE_BUDGET: u64 = 4;

/// Statements run while answering one GET of `path`, and the answer's status.
async fn statements_for_get(app: &TestApp, path: &str) -> (u64, u16) {
    let before = app.queries.total();
    let status = app.get(path).await.status().as_u16();
    (app.queries.total() - before, status)
}

async fn alex_account(app: &TestApp) -> account::Model {
    account::Entity::find()
        .filter(account::Column::Reference.eq("NW-1001"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the demo account")
}

/// Adds `count` small charges to the account's ledger.
async fn add_charges(app: &TestApp, account_id: i32, count: u32) {
    for day in 1..=count {
        ledger_entry::ActiveModel {
            account_id: Set(account_id),
            kind: Set(goodterms::domain::EntryKind::parse("fee").expect("a known kind")),
            amount_minor: Set(MinorUnits(100)),
            currency: Set("GBP".to_string()),
            description: Set("Late payment fee".to_string()),
            reason: Set(Some("Because a payment was late".to_string())),
            occurred_on: Set(NaiveDate::from_ymd_opt(2026, 5, day).unwrap()),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn the_balance_page_runs_at_most_four_statements_including_the_session() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let (statements, status) = statements_for_get(&app, "/account").await;
    assert_eq!(status, 200);
    assert!(
        statements <= PAGE_BUDGET,
        "the balance page ran {statements} statements"
    );
}

#[tokio::test]
async fn more_ledger_entries_do_not_mean_more_statements() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let (few, _) = statements_for_get(&app, "/account").await;
    let account = alex_account(&app).await;
    add_charges(&app, account.id, 25).await;
    let (many, status) = statements_for_get(&app, "/account").await;
    assert_eq!(status, 200);
    assert_eq!(
        few, many,
        "statements grew with the ledger: {few} then {many}"
    );
}

#[tokio::test]
async fn the_plan_preview_runs_at_most_four_statements_including_the_session() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let account = alex_account(&app).await;
    let first = Utc::now().date_naive() + chrono::Duration::days(7);
    let (day, month, year) = (
        first.day().to_string(),
        first.month().to_string(),
        first.year().to_string(),
    );
    let token = app.csrf_token().await;
    let before = app.queries.total();
    let response = app
        .post_raw(
            &format!("/account/{}/plan/installments", account.id),
            &[
                ("frequency", "monthly"),
                ("size_by", "payments"),
                ("payments", "6"),
                ("amount", ""),
                ("first_day", &day),
                ("first_month", &month),
                ("first_year", &year),
                ("note", ""),
                ("terms", ""),
                ("csrf_token", &token),
            ],
        )
        .await;
    let statements = app.queries.total() - before;
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.text().await.unwrap().contains("Check"),
        "the preview shows the plan to check"
    );
    assert!(
        statements <= PAGE_BUDGET,
        "the plan preview ran {statements} statements"
    );
}
