//! One person, several accounts: accounts imported for the same email and date of birth, at
//! one creditor or several, are one person's. One sign-in shows them all, one link request
//! sends one email, and each creditor's staff still see only their own accounts.
use goodterms::entities::{account, debtor, outbox_message, person};
use migrations::{Migrator, MigratorTrait};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::{CONTOSO_STAFF, TestApp, add_contoso, assert_redirect, spawn_demo_app};
use crate::import::{HEADER, checked, import};
use crate::payments::{account_id, balance_minor};
use crate::reimport::import_at_once;

const NORTHWIND_STAFF: (&str, &str) = ("staff@northwind.example", "northwind-demo");
const JO_DOB: (&str, &str, &str) = ("6", "5", "1980");

fn file(reference: &str, email: &str, amount: &str) -> String {
    format!(
        "{HEADER}{reference},Jo Bloggs,{email},1980-05-06,Europe/London,GBP,{amount},2026-03-01,principal,Energy used in winter\n"
    )
}

async fn import_as(app: &TestApp, staff: (&str, &str), csv: &str) {
    app.post_form("/staff/signout", &[]).await;
    app.post_form("/signout", &[]).await;
    app.sign_in_staff(staff.0, staff.1).await;
    let id = checked(app, csv.as_bytes()).await;
    import(app, id, false).await;
    app.post_form("/staff/signout", &[]).await;
}

/// Jo has an account at Northwind (NWP-1) and one at Contoso (CW-1), the second imported with
/// the email written differently.
async fn jo_at_two_creditors() -> (TestApp, i32, i32) {
    let app = spawn_demo_app().await;
    add_contoso(&app).await;
    import_as(
        &app,
        NORTHWIND_STAFF,
        &file("NWP-1", "jo@example.com", "120.00"),
    )
    .await;
    import_as(
        &app,
        CONTOSO_STAFF,
        &file("CW-1", "Jo@example.com", "80.00"),
    )
    .await;
    let northwind = account_id(&app, "NWP-1").await;
    let contoso = account_id(&app, "CW-1").await;
    (app, northwind, contoso)
}

async fn holder(app: &TestApp, account: i32) -> debtor::Model {
    let account = account::Entity::find_by_id(account)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    debtor::Entity::find_by_id(account.debtor_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn one_sign_in_shows_a_persons_accounts_at_every_creditor() {
    let (app, northwind, contoso) = jo_at_two_creditors().await;
    let (a, b) = (holder(&app, northwind).await, holder(&app, contoso).await);
    assert_ne!(a.id, b.id, "each creditor keeps its own debtor row");
    assert_eq!(a.person_id, b.person_id, "both rows are one person");
    assert!(a.person_id.is_some());

    let response = app.sign_in_debtor("CW-1", JO_DOB).await;
    assert_redirect(&response, "/account");
    let html = app.get_html("/account").await;
    for text in [
        "Northwind Utilities: reference NWP-1",
        "Contoso Water: reference CW-1",
        "£120.00",
        "£80.00",
        "You have 2 accounts",
        &format!("/account/{northwind}/pay"),
        &format!("/account/{contoso}/options"),
    ] {
        assert!(html.contains(text), "{text}");
    }
    assert!(
        html.find("reference NWP-1") < html.find("reference CW-1"),
        "grouped by creditor"
    );

    // Every page for either account works; anyone else's account is not found.
    let alex = account_id(&app, "NW-1001").await;
    for page in ["", "/pay", "/payments", "/options"] {
        for account in [northwind, contoso] {
            let path = format!("/account/{account}{page}");
            assert_eq!(app.get(&path).await.status().as_u16(), 200, "{path}");
        }
        let path = format!("/account/{alex}{page}");
        assert_eq!(app.get(&path).await.status().as_u16(), 404, "{path}");
    }

    // Paying the other creditor's account works end to end, test checkout included.
    let response = app
        .post_form(
            &format!("/account/{northwind}/pay"),
            &[("choice", "other"), ("amount", "20")],
        )
        .await;
    assert_eq!(response.status().as_u16(), 303);
    let checkout = response.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(app.get(&checkout).await.status().as_u16(), 200);
    let done = app.post_form(&checkout, &[("outcome", "succeed")]).await;
    assert_eq!(done.status().as_u16(), 303);
    assert_eq!(balance_minor(&app, northwind).await, 10_000);
    assert_eq!(balance_minor(&app, contoso).await, 8_000);
}

#[tokio::test]
async fn a_link_request_sends_one_email_that_opens_every_account() {
    let (app, northwind, contoso) = jo_at_two_creditors().await;
    let response = app
        .post_form("/signin/link", &[("email", "jo@example.com")])
        .await;
    assert_redirect(&response, "/signin/link/sent");
    let mails = outbox_message::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(mails.len(), 1, "one person, one email");
    let body = &mails[0].text_body;
    let start = body.find("/signin/link/").expect("link in email");
    let path = body[start..].split_whitespace().next().unwrap().to_string();
    assert_redirect(&app.post_form(&path, &[]).await, "/account");
    let html = app.get_html("/account").await;
    assert!(html.contains("reference NWP-1") && html.contains("reference CW-1"));
    for account in [northwind, contoso] {
        let path = format!("/account/{account}/pay");
        assert_eq!(app.get(&path).await.status().as_u16(), 200, "{path}");
    }
}

#[tokio::test]
async fn a_second_account_at_the_same_creditor_joins_the_same_debtor() {
    let app = spawn_demo_app().await;
    import_as(
        &app,
        NORTHWIND_STAFF,
        &file("NWP-1", "jo@example.com", "120.00"),
    )
    .await;
    import_as(
        &app,
        NORTHWIND_STAFF,
        &file("NWP-2", " JO@EXAMPLE.COM", "30.00"),
    )
    .await;
    let first = holder(&app, account_id(&app, "NWP-1").await).await;
    let second = holder(&app, account_id(&app, "NWP-2").await).await;
    assert_eq!(first.id, second.id, "one debtor row holds both accounts");
    let people = person::Entity::find()
        .filter(person::Column::EmailNormalised.eq("jo@example.com"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(people, 1);

    app.sign_in_debtor("NWP-1", JO_DOB).await;
    let html = app.get_html("/account").await;
    assert!(html.contains("reference NWP-1") && html.contains("reference NWP-2"));

    // Someone else with the same email but another date of birth is another person.
    let other = file("NWP-3", "jo@example.com", "5.00").replace("1980-05-06", "2001-01-01");
    import_as(&app, NORTHWIND_STAFF, &other).await;
    let third = holder(&app, account_id(&app, "NWP-3").await).await;
    assert_ne!(third.person_id, first.person_id);
}

#[tokio::test]
async fn staff_see_only_their_own_creditors_account_of_a_shared_person() {
    let (app, northwind, contoso) = jo_at_two_creditors().await;
    app.sign_in_staff(CONTOSO_STAFF.0, CONTOSO_STAFF.1).await;
    let list = app.get_html("/staff/accounts").await;
    assert!(list.contains("CW-1") && !list.contains("NWP-1"));
    let own = app.get(&format!("/staff/accounts/{contoso}")).await;
    assert_eq!(own.status().as_u16(), 200);
    let html = own.text().await.unwrap();
    assert!(!html.contains("NWP-1") && !html.contains("Northwind"));
    let other = app.get(&format!("/staff/accounts/{northwind}")).await;
    assert_eq!(other.status().as_u16(), 404);
}

#[tokio::test]
async fn migrating_links_debtor_rows_that_already_exist() {
    let (app, northwind, contoso) = jo_at_two_creditors().await;
    // Back to the schema before people existed, then forward again: the rows written then
    // (two debtor rows for Jo) are linked to one person.
    Migrator::down(&app.db, Some(1)).await.expect("down");
    Migrator::up(&app.db, None).await.expect("up");
    let (a, b) = (holder(&app, northwind).await, holder(&app, contoso).await);
    assert!(a.person_id.is_some());
    assert_eq!(a.person_id, b.person_id);
    app.sign_in_debtor("NWP-1", JO_DOB).await;
    let html = app.get_html("/account").await;
    assert!(html.contains("reference NWP-1") && html.contains("reference CW-1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn imports_running_at_once_still_make_one_person() {
    let app = spawn_demo_app().await;
    add_contoso(&app).await;
    import_at_once(
        &app,
        &[
            (NORTHWIND_STAFF.0, file("NWP-1", "jo@example.com", "120.00")),
            (NORTHWIND_STAFF.0, file("NWP-2", "jo@example.com", "30.00")),
            (NORTHWIND_STAFF.0, file("NWP-3", "JO@example.com", "40.00")),
            (CONTOSO_STAFF.0, file("CW-1", "jo@example.com", "80.00")),
            (CONTOSO_STAFF.0, file("CW-2", "jo@example.com ", "10.00")),
        ],
    )
    .await;
    let people = person::Entity::find()
        .filter(person::Column::EmailNormalised.eq("jo@example.com"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(people, 1, "one person however the imports interleave");
    let first = holder(&app, account_id(&app, "NWP-1").await).await;
    let second = holder(&app, account_id(&app, "NWP-2").await).await;
    let third = holder(&app, account_id(&app, "NWP-3").await).await;
    let contoso = holder(&app, account_id(&app, "CW-1").await).await;
    let contoso_again = holder(&app, account_id(&app, "CW-2").await).await;
    assert_eq!(
        (first.id, first.id, contoso.id),
        (second.id, third.id, contoso_again.id),
        "one debtor row per creditor"
    );
    assert_ne!(first.id, contoso.id);
    assert_eq!(first.person_id, contoso.person_id);
}
