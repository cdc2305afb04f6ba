//! The admin's early-payment discounts: rules made through the form reach the person's payment
//! page exactly, the best rule wins, bad input saves nothing, a rule change never alters a
//! payment already started, the preview records nothing, and only admins get in.
use chrono::{Duration, NaiveDate, Utc};
use goodterms::entities::{audit_log, creditor, discount_offer, discount_rule, ledger_entry};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::helpers::{TestApp, assert_redirect, spawn_demo_app};
use crate::payments::{account_id, balance_minor};

const ADMIN: (&str, &str) = ("admin@goodterms.example", "admin-demo");
const STAFF: (&str, &str) = ("staff@northwind.example", "northwind-demo");

/// A form's fields, as a browser sends them.
type Form = Vec<(String, String)>;

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// "Friday 12 December 2026", as the payment page writes dates.
fn full_date(date: NaiveDate) -> String {
    date.format("%A %-d %B %Y").to_string()
}

async fn northwind(app: &TestApp) -> String {
    creditor::Entity::find()
        .filter(creditor::Column::Name.eq("Northwind Utilities"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the demo creditor")
        .id
        .to_string()
}

/// A good form: a percentage for one creditor, ending on `deadline`, active from today.
fn rule_form(name: &str, creditor: &str, percent: &str, deadline: NaiveDate) -> Form {
    let from = today();
    [
        ("name", name.to_string()),
        ("creditor", creditor.to_string()),
        ("kind", "percent".into()),
        ("percent", percent.to_string()),
        ("deadline_kind", "date".into()),
        ("deadline_day", deadline.format("%-d").to_string()),
        ("deadline_month", deadline.format("%-m").to_string()),
        ("deadline_year", deadline.format("%Y").to_string()),
        ("from_day", from.format("%-d").to_string()),
        ("from_month", from.format("%-m").to_string()),
        ("from_year", from.format("%Y").to_string()),
        ("enabled", "on".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// The form with some fields replaced (or added).
fn with(mut form: Form, changes: &[(&str, &str)]) -> Form {
    for (key, value) in changes {
        form.retain(|(k, _)| k != key);
        form.push((key.to_string(), value.to_string()));
    }
    form
}

async fn post(app: &TestApp, path: &str, form: &[(String, String)]) -> reqwest::Response {
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.post_form(path, &fields).await
}

async fn add_rule(app: &TestApp, form: &[(String, String)]) {
    let response = post(app, "/admin/discounts/new", form).await;
    assert_redirect(&response, "/admin/discounts?saved=1");
}

async fn latest_rule_id(app: &TestApp) -> i32 {
    discount_rule::Entity::find()
        .order_by_desc(discount_rule::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .expect("a rule")
        .id
}

async fn rule_count(app: &TestApp) -> u64 {
    discount_rule::Entity::find().count(&app.db).await.unwrap()
}

async fn offers_seen(app: &TestApp) -> u64 {
    discount_offer::Entity::find().count(&app.db).await.unwrap()
}

async fn entries_of_kind(app: &TestApp, account: i32, kind: &str) -> Vec<i64> {
    ledger_entry::Entity::find()
        .filter(ledger_entry::Column::AccountId.eq(account))
        .filter(ledger_entry::Column::Kind.eq(kind))
        .filter(ledger_entry::Column::Description.ne("Payment by bank transfer. Thank you"))
        .all(&app.db)
        .await
        .unwrap()
        .iter()
        .map(|e| e.amount_minor.0)
        .collect()
}

#[tokio::test]
async fn an_admin_adds_a_percentage_discount_and_the_demo_debtor_sees_the_exact_amount_and_date() {
    let app = spawn_demo_app().await;
    app.sign_in_staff(ADMIN.0, ADMIN.1).await;
    let list = app.get_html("/admin/discounts").await;
    assert!(list.contains("Add a discount") && list.contains("href=\"/admin/discounts\""));
    assert_eq!(app.get("/admin/discounts/new").await.status().as_u16(), 200);

    let deadline = today() + Duration::days(14);
    let nw = northwind(&app).await;
    add_rule(
        &app,
        &rule_form("Winter early payment", &nw, "10", deadline),
    )
    .await;
    let list = app.get_html("/admin/discounts?saved=1").await;
    for expected in [
        "Winter early payment",
        "10% off",
        "Northwind Utilities",
        "The discount is saved",
    ] {
        assert!(list.contains(expected), "the list shows {expected:?}");
    }
    let id = latest_rule_id(&app).await;
    let audited = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("discount_rule.created"))
        .filter(audit_log::Column::SubjectId.eq(id))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(audited, 1, "the new rule is audited");
    let edit = app.get_html(&format!("/admin/discounts/{id}")).await;
    assert!(edit.contains("value=\"Winter early payment\"") && edit.contains("value=\"10\""));

    app.sign_in_alex().await;
    let account = account_id(&app, "NW-1001").await;
    let page = app.get_html(&format!("/account/{account}/pay")).await;
    assert!(page.contains("Everything: £958.50"), "{page}");
    assert!(page.contains("you save £106.50"));
    assert!(page.contains(&full_date(deadline)));
}

#[tokio::test]
async fn when_several_discounts_apply_the_best_one_wins_and_the_preview_says_which() {
    let app = spawn_demo_app().await;
    app.sign_in_staff(ADMIN.0, ADMIN.1).await;
    let nw = northwind(&app).await;
    let soon = today() + Duration::days(7);
    add_rule(
        &app,
        &rule_form("Ten percent for everyone", "all", "10", soon),
    )
    .await;
    add_rule(
        &app,
        &with(
            rule_form("Northwind fixed", &nw, "", soon),
            &[("kind", "fixed"), ("fixed", "£150")],
        ),
    )
    .await;
    // A bigger one that is switched off, and one capped below the others.
    add_rule(
        &app,
        &with(
            rule_form("Switched off", &nw, "50", soon),
            &[("enabled", "")],
        ),
    )
    .await;
    add_rule(
        &app,
        &with(
            rule_form("Capped", &nw, "40", soon),
            &[("max_discount", "20")],
        ),
    )
    .await;
    let fixed_id = discount_rule::Entity::find()
        .filter(discount_rule::Column::Name.eq("Northwind fixed"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;

    let preview = app
        .get_html(&format!(
            "/admin/discounts/preview?reference=NW-1001&creditor={nw}"
        ))
        .await;
    assert!(preview.contains("Everything: £915.00"), "{preview}");
    assert!(preview.contains("you save £150.00"));
    assert!(preview.contains(&full_date(soon)));
    assert!(preview.contains(&format!(
        "<a href=\"/admin/discounts/{fixed_id}\">Northwind fixed</a>"
    )));
    assert!(preview.contains("£1,065.00"), "the balance is shown");
    // Without a creditor, the reference alone finds the account.
    let preview = app
        .get_html("/admin/discounts/preview?reference=NW-1001")
        .await;
    assert!(preview.contains("Everything: £915.00"));
    let missing = app.get("/admin/discounts/preview?reference=NW-9999").await;
    assert_eq!(missing.status().as_u16(), 400);
    assert!(
        missing
            .text()
            .await
            .unwrap()
            .contains("We found no account with that reference")
    );

    app.sign_in_alex().await;
    let account = account_id(&app, "NW-1001").await;
    let page = app.get_html(&format!("/account/{account}/pay")).await;
    assert!(page.contains("Everything: £915.00") && page.contains("you save £150.00"));
}

#[tokio::test]
async fn each_bad_input_is_explained_next_to_its_field_and_nothing_is_saved() {
    let app = spawn_demo_app().await;
    app.sign_in_staff(ADMIN.0, ADMIN.1).await;
    let nw = northwind(&app).await;
    let good = rule_form("Spring", &nw, "10", today() + Duration::days(30));
    let yesterday = today() - Duration::days(1);
    let last_year = (today() - Duration::days(400)).format("%Y").to_string();
    let yd = (
        yesterday.format("%-d").to_string(),
        yesterday.format("%-m").to_string(),
        yesterday.format("%Y").to_string(),
    );
    let cases: Vec<(Form, &str, &str)> = vec![
        (
            with(good.clone(), &[("percent", "100.5")]),
            "percent",
            "Enter a percentage more than 0 and no more than 100",
        ),
        (
            with(good.clone(), &[("percent", "0")]),
            "percent",
            "Enter a percentage more than 0 and no more than 100",
        ),
        (
            with(good.clone(), &[("percent", "12.345")]),
            "percent",
            "no more than 2 decimal places",
        ),
        (
            with(
                good.clone(),
                &[
                    ("deadline_day", &yd.0),
                    ("deadline_month", &yd.1),
                    ("deadline_year", &yd.2),
                ],
            ),
            "deadline-day",
            "The last day must be today or later",
        ),
        (
            with(
                good.clone(),
                &[("to_day", "1"), ("to_month", "1"), ("to_year", &last_year)],
            ),
            "to-day",
            "The end date must be the same as or after the start date",
        ),
        (
            with(good.clone(), &[("min_balance", "-5")]),
            "min_balance",
            "without a minus sign",
        ),
        (
            with(good.clone(), &[("max_discount", "-1")]),
            "max_discount",
            "without a minus sign",
        ),
        (
            with(good.clone(), &[("kind", "fixed"), ("fixed", "-10")]),
            "fixed",
            "without a minus sign",
        ),
        (
            with(good.clone(), &[("kind", "fixed"), ("fixed", "€10")]),
            "fixed",
            "Enter the amount in GBP, the currency of Northwind Utilities, not EUR",
        ),
        (
            with(good.clone(), &[("currency", "EUR")]),
            "currency",
            "Northwind Utilities uses GBP, not EUR",
        ),
        (
            with(
                good.clone(),
                &[("creditor", "all"), ("kind", "fixed"), ("fixed", "10")],
            ),
            "currency",
            "Choose the currency of the amounts in this discount",
        ),
        (
            with(good.clone(), &[("name", "  ")]),
            "name",
            "Enter a name for this discount",
        ),
        (
            with(good.clone(), &[("days", "0"), ("deadline_kind", "days")]),
            "days",
            "Enter a whole number of days",
        ),
    ];
    for (form, field, message) in cases {
        let response = post(&app, "/admin/discounts/new", &form).await;
        assert_eq!(response.status().as_u16(), 400, "{field}: {message}");
        let html = response.text().await.unwrap();
        assert!(html.contains("There is a problem"), "{field}");
        assert!(
            html.contains(&format!("href=\"#{field}\"")),
            "the summary links to #{field}:\n{html}"
        );
        assert!(
            html.contains(message),
            "{field}: expected {message:?}:\n{html}"
        );
        let error_id = format!("id=\"{}-error\"", field.trim_end_matches("-day"));
        assert!(html.contains(&error_id), "the message is next to {field}");
        assert!(
            html.contains("value=\"Spring\"") || field == "name",
            "typed values are kept"
        );
    }
    assert_eq!(rule_count(&app).await, 0, "nothing was saved");

    // An edit with a bad value changes nothing either.
    add_rule(&app, &good).await;
    let id = latest_rule_id(&app).await;
    let before = discount_rule::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap();
    let response = post(
        &app,
        &format!("/admin/discounts/{id}"),
        &with(good.clone(), &[("percent", "101")]),
    )
    .await;
    assert_eq!(response.status().as_u16(), 400);
    let after = discount_rule::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap();
    assert_eq!(before, after);
    let updates = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("discount_rule.updated"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(updates, 0);
}

#[tokio::test]
async fn changing_a_rule_after_the_person_started_paying_does_not_change_their_discount() {
    let app = spawn_demo_app().await;
    app.sign_in_staff(ADMIN.0, ADMIN.1).await;
    let nw = northwind(&app).await;
    let deadline = today() + Duration::days(10);
    let form = rule_form("Autumn", &nw, "10", deadline);
    add_rule(&app, &form).await;
    let rule = latest_rule_id(&app).await;

    app.sign_in_alex().await;
    let account = account_id(&app, "NW-1001").await;
    let started = app
        .post_form(&format!("/account/{account}/pay"), &[("choice", "full")])
        .await;
    assert_eq!(started.status().as_u16(), 303, "payment starts");
    let checkout = started.headers()["location"].to_str().unwrap().to_string();

    // The admin doubles the discount and then switches it off, while the person is paying.
    app.sign_in_staff(ADMIN.0, ADMIN.1).await;
    let edited = post(
        &app,
        &format!("/admin/discounts/{rule}"),
        &with(form.clone(), &[("percent", "20")]),
    )
    .await;
    assert_redirect(&edited, "/admin/discounts?saved=1");
    let preview = app
        .get_html("/admin/discounts/preview?reference=NW-1001")
        .await;
    assert!(
        preview.contains("Everything: £852.00"),
        "the new rule applies to new offers"
    );
    let off = post(
        &app,
        &format!("/admin/discounts/{rule}"),
        &with(form, &[("percent", "20"), ("enabled", "")]),
    )
    .await;
    assert_redirect(&off, "/admin/discounts?saved=1");
    assert!(app.get_html("/admin/discounts").await.contains("Off"));
    let updates = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("discount_rule.updated"))
        .filter(audit_log::Column::SubjectId.eq(rule))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(updates, 2, "each change is audited");

    app.sign_in_alex().await;
    app.post_form(&checkout, &[("outcome", "succeed")]).await;
    assert_eq!(
        entries_of_kind(&app, account, "payment").await,
        vec![-95_850]
    );
    assert_eq!(
        entries_of_kind(&app, account, "discount").await,
        vec![-10_650],
        "the discount booked is the one offered"
    );
    assert_eq!(balance_minor(&app, account).await, 0);
}

#[tokio::test]
async fn the_preview_does_not_count_as_the_person_seeing_the_offer() {
    let app = spawn_demo_app().await;
    app.sign_in_staff(ADMIN.0, ADMIN.1).await;
    let nw = northwind(&app).await;
    add_rule(
        &app,
        &with(
            rule_form("Two weeks from seeing it", &nw, "5", today()),
            &[("deadline_kind", "days"), ("days", "14")],
        ),
    )
    .await;
    let list = app.get_html("/admin/discounts").await;
    assert!(list.contains("Pay within 14 days of first seeing the offer"));
    let last_day = full_date(today() + Duration::days(14));
    for _ in 0..2 {
        let preview = app
            .get_html("/admin/discounts/preview?reference=NW-1001")
            .await;
        assert!(preview.contains("Everything: £1,011.75"), "{preview}");
        assert!(preview.contains(&last_day));
    }
    assert_eq!(offers_seen(&app).await, 0, "the preview recorded nothing");

    app.sign_in_alex().await;
    let account = account_id(&app, "NW-1001").await;
    let page = app.get_html(&format!("/account/{account}/pay")).await;
    assert!(page.contains("Everything: £1,011.75") && page.contains(&last_day));
    assert_eq!(
        offers_seen(&app).await,
        1,
        "the person's own visit is recorded"
    );
}

#[tokio::test]
async fn creditor_staff_and_debtors_cannot_reach_any_discount_page() {
    let app = spawn_demo_app().await;
    app.sign_in_staff(ADMIN.0, ADMIN.1).await;
    let nw = northwind(&app).await;
    let form = rule_form("Admins only", &nw, "10", today() + Duration::days(5));
    add_rule(&app, &form).await;
    let id = latest_rule_id(&app).await;
    let before = discount_rule::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap();
    let pages = [
        "/admin/discounts".to_string(),
        "/admin/discounts/new".to_string(),
        "/admin/discounts/preview?reference=NW-1001".to_string(),
        format!("/admin/discounts/{id}"),
    ];

    app.sign_in_staff(STAFF.0, STAFF.1).await;
    for path in &pages {
        assert_eq!(app.get(path).await.status().as_u16(), 404, "{path}");
    }
    let bigger = with(form.clone(), &[("percent", "90")]);
    for path in [
        "/admin/discounts/new".to_string(),
        format!("/admin/discounts/{id}"),
    ] {
        assert_eq!(
            post(&app, &path, &bigger).await.status().as_u16(),
            404,
            "POST {path}"
        );
    }
    assert!(
        !app.get_html("/staff/accounts")
            .await
            .contains("/admin/discounts")
    );

    app.sign_in_alex().await;
    for path in &pages {
        assert_redirect(&app.get(path).await, "/staff/signin");
    }
    for path in [
        "/admin/discounts/new".to_string(),
        format!("/admin/discounts/{id}"),
    ] {
        assert_redirect(&post(&app, &path, &bigger).await, "/staff/signin");
    }
    assert_eq!(rule_count(&app).await, 1);
    let after = discount_rule::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap();
    assert_eq!(before, after, "nothing changed");
    assert_eq!(offers_seen(&app).await, 0);
}
