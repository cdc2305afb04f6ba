//! The balance page: every entry explained, totals that add up, nobody else's account.
use chrono::{NaiveDate, Utc};
use goodterms::entities::{MinorUnits, account, creditor, debtor, ledger_entry};
use goodterms::services::access::debtor_sign_in::dob_hash;
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};

use crate::helpers::{TestApp, assert_redirect, spawn_demo_app};

/// Adds a person with one account at the demo creditor; returns the account id.
pub async fn add_debtor(
    app: &TestApp,
    name: &str,
    reference: &str,
    entries: &[(&str, i64)],
) -> i32 {
    let creditor = creditor::Entity::find()
        .filter(creditor::Column::Name.eq("Northwind Utilities"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let now = Utc::now();
    let dob = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
    let person = debtor::ActiveModel {
        creditor_id: Set(creditor.id),
        full_name: Set(name.to_string()),
        email: Set("someone@example.com".to_string()),
        dob_hash: Set(dob_hash(&app.hasher, dob)),
        time_zone: Set("Europe/London".to_string()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    let debt = account::ActiveModel {
        creditor_id: Set(creditor.id),
        debtor_id: Set(person.id),
        reference: Set(reference.to_string()),
        description: Set("Gas supply".to_string()),
        currency: Set("GBP".to_string()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    for (kind, minor) in entries {
        ledger_entry::ActiveModel {
            account_id: Set(debt.id),
            kind: Set(goodterms::domain::EntryKind::parse(kind).expect("a known kind")),
            amount_minor: Set(MinorUnits(*minor)),
            currency: Set("GBP".to_string()),
            description: Set(format!("{kind} entry")),
            reason: Set((*kind == "fee").then(|| "Because a payment was late".to_string())),
            occurred_on: Set(NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap();
    }
    debt.id
}

/// "£1,065.00" -> 1065.00
fn pounds(text: &str) -> Decimal {
    text.trim_start_matches(['+', '-', '£'])
        .replace([',', '£'], "")
        .parse()
        .unwrap_or_else(|_| panic!("not an amount: {text}"))
}

fn attribute_values<'a>(html: &'a str, attribute: &str) -> Vec<&'a str> {
    let marker = format!("{attribute}=\"");
    html.match_indices(&marker)
        .map(|(i, _)| {
            let rest = &html[i + marker.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect()
}

fn shown_balance(html: &str) -> Decimal {
    let start = html.find("data-balance>").expect("balance shown") + "data-balance>".len();
    pounds(&html[start..start + html[start..].find('<').unwrap()])
}

#[tokio::test]
async fn the_items_on_the_page_add_up_to_the_balance_shown() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let html = app.get_html("/account").await;
    let sum: Decimal = attribute_values(&html, "data-amount")
        .into_iter()
        .map(|a| {
            if a.starts_with('-') {
                -pounds(a)
            } else {
                pounds(a)
            }
        })
        .sum();
    assert_eq!(attribute_values(&html, "data-amount").len(), 3);
    assert_eq!(sum, shown_balance(&html));
    assert_eq!(shown_balance(&html), Decimal::new(106_500, 2));
    assert!(html.contains("one thousand and sixty-five pounds"));
}

#[tokio::test]
async fn the_page_says_who_is_owed_what_for_and_why_each_fee_was_added() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let html = app.get_html("/account").await;
    assert!(html.contains("Northwind Utilities"));
    assert!(html.contains("This is for: Electricity at 14 Elm Road"));
    assert!(html.contains("Late payment fee"));
    assert!(html.contains("Why: Added on 2 May 2026 because the bill was not paid"));
    assert!(html.contains("2 May 2026"));
    assert!(html.contains("What happens next"));
    assert!(html.contains("If you cannot pay this"));
}

#[tokio::test]
async fn several_accounts_with_one_creditor_are_listed_together() {
    let app = spawn_demo_app().await;
    let first = add_debtor(&app, "Jo Bloggs", "NW-2001", &[("principal", 10_000)]).await;
    // A second account for the same person.
    let first_row = account::Entity::find_by_id(first)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    account::ActiveModel {
        creditor_id: Set(first_row.creditor_id),
        debtor_id: Set(first_row.debtor_id),
        reference: Set("NW-2002".to_string()),
        description: Set("Boiler repair".to_string()),
        currency: Set("GBP".to_string()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    let response = app.sign_in_debtor("NW-2001", ("1", "1", "1970")).await;
    assert_redirect(&response, "/account");
    let html = app.get_html("/account").await;
    assert!(html.contains("reference NW-2001") && html.contains("reference NW-2002"));
}

#[tokio::test]
async fn a_debtor_cannot_open_anyone_elses_account_by_changing_the_id() {
    let app = spawn_demo_app().await;
    let sams = account::Entity::find()
        .filter(account::Column::Reference.eq("NW-1002"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    app.sign_in_alex().await;
    let response = app.get(&format!("/account/{}", sams.id)).await;
    assert_eq!(response.status().as_u16(), 404);
    let html = response.text().await.unwrap();
    assert!(!html.contains("NW-1002") && !html.contains("Sam"));
    for path in [
        "/account/NW-1002",
        "/account/999999",
        "/account/-1",
        "/account/1e3",
    ] {
        assert_eq!(app.get(path).await.status().as_u16(), 404, "{path}");
    }
    assert!(!app.get_html("/account").await.contains("NW-1002"));
}

#[tokio::test]
async fn an_account_page_can_be_opened_on_its_own_for_printing() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let alex = account::Entity::find()
        .filter(account::Column::Reference.eq("NW-1001"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let html = app.get_html(&format!("/account/{}", alex.id)).await;
    assert!(html.contains("£1,065.00"));
    assert!(html.contains("Back to your account"));
}

#[tokio::test]
async fn a_name_containing_script_is_shown_escaped() {
    let app = spawn_demo_app().await;
    add_debtor(
        &app,
        "<script>alert(1)</script> Smith",
        "NW-3001",
        &[("principal", 5_000)],
    )
    .await;
    app.sign_in_debtor("NW-3001", ("1", "1", "1970")).await;
    let html = app.get_html("/account").await;
    assert!(html.contains("Hello &#60;script&#62;") || html.contains("Hello &lt;script&gt;"));
    assert!(!html.contains("<script>alert(1)</script>"));
}

#[tokio::test]
async fn the_ledger_cannot_be_edited_or_deleted_in_place() {
    let app = spawn_demo_app().await;
    let entry = ledger_entry::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut change = entry.clone().into_active_model();
    change.amount_minor = Set(MinorUnits(1));
    assert!(change.update(&app.db).await.is_err(), "update refused");
    assert!(
        ledger_entry::Entity::delete_by_id(entry.id)
            .exec(&app.db)
            .await
            .is_err()
    );
    let still = ledger_entry::Entity::find_by_id(entry.id)
        .one(&app.db)
        .await
        .unwrap();
    assert_eq!(still, Some(entry));
}
