//! "I'm having trouble paying": what changed, income and spending turned into a month and
//! checked before anything is saved, then an affordable plan agreed at once, or a proposal
//! that reaches staff with the figures; nobody else's account.
use goodterms::domain::care::HardshipOutcome;
use goodterms::domain::plans::PlanStatus;
use goodterms::entities::{hardship_statement, installment, plan};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::{TestApp, assert_redirect, spawn_demo_app};
use crate::payments::account_id;

pub const STAFF: (&str, &str) = ("staff@northwind.example", "northwind-demo");

/// The value of a hidden input on a page.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name}")) + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

pub async fn statements(app: &TestApp) -> Vec<hardship_statement::Model> {
    hardship_statement::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
}

/// Every figure field, blank and monthly, with `typed` filled in.
fn figures<'a>(reason: &'a str, typed: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![("reason", reason)];
    for line in [
        "income",
        "housing",
        "utilities",
        "food",
        "transport",
        "other_debts",
        "other",
    ] {
        let amount = typed
            .iter()
            .find(|(name, _)| *name == line)
            .map(|(_, v)| *v)
            .unwrap_or("");
        let every = typed
            .iter()
            .find(|(name, _)| name.strip_suffix("_every") == Some(line))
            .map(|(_, v)| *v)
            .unwrap_or("monthly");
        fields.push((line, amount));
        fields.push((every_name(line), every));
    }
    fields
}

fn every_name(line: &str) -> &'static str {
    match line {
        "income" => "income_every",
        "housing" => "housing_every",
        "utilities" => "utilities_every",
        "food" => "food_every",
        "transport" => "transport_every",
        "other_debts" => "other_debts_every",
        _ => "other_every",
    }
}

/// Saves a statement through the pages; returns its id (from the redirect).
pub async fn tell(app: &TestApp, id: i32, fields: &[(&str, &str)]) -> i32 {
    let saved = app
        .post_form(&format!("/account/{id}/help/save"), fields)
        .await;
    assert_eq!(saved.status().as_u16(), 303, "saved");
    let location = saved.headers()["location"].to_str().unwrap().to_string();
    let prefix = format!("/account/{id}/help/");
    location
        .strip_prefix(&prefix)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("options page: {location}"))
}

/// Alex tells us what changed without figures ("I'd rather not say").
pub async fn tell_without_figures(app: &TestApp, id: i32) -> i32 {
    tell(app, id, &[("reason", "illness"), ("skip", "1")]).await
}

#[tokio::test]
async fn the_whole_flow_shows_the_month_then_agrees_a_plan_within_what_is_left() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;

    let first = app.get_html(&format!("/account/{id}/help")).await;
    assert!(first.contains("What has changed?"));
    assert!(first.contains("I lost my job or some of my income"));
    assert!(first.contains("free, independent debt adviser"));
    let chosen = app
        .post_form(&format!("/account/{id}/help"), &[("reason", "lost_income")])
        .await;
    assert_redirect(
        &chosen,
        &format!("/account/{id}/help/money?reason=lost_income"),
    );
    let form = app
        .get_html(&format!("/account/{id}/help/money?reason=lost_income"))
        .await;
    assert!(form.contains("Your money each month") && form.contains("every 2 weeks"));
    assert!(form.contains("I'd rather not say"));

    // £50 a week on food is £216.67 a month; travel left blank counts as nothing.
    let typed = figures(
        "lost_income",
        &[
            ("income", "1200"),
            ("housing", "600.00"),
            ("food", "50"),
            ("food_every", "weekly"),
        ],
    );
    let check = app
        .post_form(&format!("/account/{id}/help/money"), &typed)
        .await;
    assert_eq!(check.status().as_u16(), 200);
    let check = check.text().await.unwrap();
    assert!(check.contains("Check your figures"));
    assert!(check.contains("£216.67"), "weekly food as a month");
    assert!(check.contains("£816.67"), "money going out");
    assert!(check.contains("You have £383.33 left each month"));
    assert!(
        statements(&app).await.is_empty(),
        "nothing saved before the check"
    );

    let statement = tell(&app, id, &typed).await;
    let saved = &statements(&app).await[0];
    assert_eq!(saved.id, statement);
    assert_eq!(saved.food_minor, Some(21_667));
    assert_eq!(saved.transport_minor, Some(0));
    assert_eq!(saved.left_minor, Some(38_333));

    // £1,065.00 in the fewest monthly payments of at most £383.33: 3 of £355.00.
    let options = app
        .get_html(&format!("/account/{id}/help/{statement}"))
        .await;
    assert!(
        options.contains("3 monthly payments of £355.00"),
        "{options}"
    );
    assert!(options.contains("A breathing space"));
    assert!(options.contains("free, independent debt adviser"));
    let plan_page = app
        .get_html(&format!("/account/{id}/help/{statement}/plan"))
        .await;
    assert!(plan_page.contains("Check your payment plan") && plan_page.contains("£355.00"));
    let agreed = app
        .post_form(
            &format!("/account/{id}/help/{statement}/plan"),
            &[
                ("first", &hidden(&plan_page, "first")),
                ("terms", &hidden(&plan_page, "terms")),
            ],
        )
        .await;
    assert_redirect(&agreed, &format!("/account/{id}/plan?done=1"));

    let plans = plan::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(plans.len(), 1);
    assert_eq!(plans[0].status, PlanStatus::Active);
    assert_eq!(plans[0].hardship_id, Some(statement));
    let payments = installment::Entity::find()
        .filter(installment::Column::PlanId.eq(plans[0].id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(payments.len(), 3);
    assert!(payments.iter().all(|p| p.amount_minor <= 38_333));
    assert_eq!(statements(&app).await[0].outcome, HardshipOutcome::Plan);
    let account = app.get_html("/account").await;
    assert!(account.contains("Your payment plan is on track"));
    assert!(account.contains("£355.00"));
}

#[tokio::test]
async fn blanks_count_as_zero_and_letters_or_negatives_are_refused_with_nothing_saved() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    let bad = figures(
        "caring",
        &[("income", "900"), ("housing", "-5"), ("food", "lots")],
    );
    for path in ["money", "save"] {
        let refused = app
            .post_form(&format!("/account/{id}/help/{path}"), &bad)
            .await;
        assert_eq!(refused.status().as_u16(), 400, "{path}");
        let html = refused.text().await.unwrap();
        assert!(html.contains("There is a problem"));
        assert!(
            html.contains("href=\"#housing\""),
            "negative named in the summary"
        );
        assert!(
            html.contains("id=\"housing-error\""),
            "and next to its field"
        );
        assert!(html.contains("id=\"food-error\""));
        assert!(html.contains("value=\"lots\""), "what was typed is kept");
    }
    assert!(statements(&app).await.is_empty());

    let blank = figures("caring", &[]);
    let check = app
        .post_form(&format!("/account/{id}/help/money"), &blank)
        .await;
    assert_eq!(check.status().as_u16(), 200);
    assert!(
        check
            .text()
            .await
            .unwrap()
            .contains("There is nothing left over")
    );
}

#[tokio::test]
async fn too_little_left_for_the_policy_becomes_a_proposal_staff_see_with_the_figures() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    // £50 a month left: 12 payments (the policy's most) would need £88.75.
    let typed = figures("lost_income", &[("income", "500"), ("housing", "450")]);
    let statement = tell(&app, id, &typed).await;
    let options = app
        .get_html(&format!("/account/{id}/help/{statement}"))
        .await;
    assert!(
        !options.contains("Check this plan"),
        "no plan offered to agree now"
    );
    assert!(options.contains("Ask for a different plan"));
    let unavailable = app
        .get(&format!("/account/{id}/help/{statement}/plan"))
        .await;
    assert_redirect(&unavailable, &format!("/account/{id}/help/{statement}"));

    let form = app
        .get_html(&format!("/account/{id}/help/{statement}/propose"))
        .await;
    assert!(
        form.contains("value=\"50.00\""),
        "what is left is suggested"
    );
    let letters = app
        .post_form(
            &format!("/account/{id}/help/{statement}/propose"),
            &[("amount", "fifty"), ("note", "")],
        )
        .await;
    assert_eq!(letters.status().as_u16(), 400);
    let sent = app
        .post_form(
            &format!("/account/{id}/help/{statement}/propose"),
            &[("amount", "50.00"), ("note", "Looking for work")],
        )
        .await;
    assert_redirect(&sent, &format!("/account/{id}/plan?sent=1"));
    let proposal = plan::Entity::find().one(&app.db).await.unwrap().unwrap();
    assert_eq!(proposal.status, PlanStatus::Proposed);
    assert_eq!(proposal.hardship_id, Some(statement));
    assert_eq!(statements(&app).await[0].outcome, HardshipOutcome::Proposal);

    app.sign_in_staff(STAFF.0, STAFF.1).await;
    let review = app.get_html("/staff/plans/review").await;
    assert!(review.contains("Hardship: what changed"));
    assert!(review.contains("I lost my job or some of my income"));
    assert!(review.contains("£500.00") && review.contains("£450.00"));
    assert!(review.contains("Left each month</dt><dd>£50.00"));
}

#[tokio::test]
async fn someone_else_cannot_open_or_use_another_persons_help_pages() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let alex = account_id(&app, "NW-1001").await;
    let statement = tell_without_figures(&app, alex).await;

    // The same browser, now signed in as Sam.
    let sam = &app;
    sam.sign_in_debtor("NW-1002", ("30", "9", "1990")).await;
    for path in [
        format!("/account/{alex}/help"),
        format!("/account/{alex}/help/money?reason=illness"),
        format!("/account/{alex}/help/{statement}"),
        format!("/account/{alex}/help/{statement}/plan"),
        format!("/account/{alex}/breathing-space"),
    ] {
        assert_eq!(sam.get(&path).await.status().as_u16(), 404, "{path}");
    }
    let saved = sam
        .post_form(
            &format!("/account/{alex}/help/save"),
            &[("reason", "other"), ("skip", "1")],
        )
        .await;
    assert_eq!(saved.status().as_u16(), 404);
    let paused = sam
        .post_form(
            &format!("/account/{alex}/help/{statement}/breathing-space"),
            &[("days", "30")],
        )
        .await;
    assert_eq!(paused.status().as_u16(), 404);
    // Sam's own account cannot use Alex's statement either.
    let sams = account_id(&app, "NW-1002").await;
    let borrowed = sam.get(&format!("/account/{sams}/help/{statement}")).await;
    assert_eq!(borrowed.status().as_u16(), 404);
    assert_eq!(
        hardship_statement::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        1
    );
}
