//! Pages tell the truth: the balance page says where the person stands (plan, next payment,
//! late payments), and nothing offers what makes no sense in that state.
use chrono::Utc;
use goodterms::domain::wording::full_date;
use goodterms::services::plans::lifecycle;

use crate::allocation::{alex_with_plan, in_days};
use crate::catch_up::due_days_ago;
use crate::helpers::{TestApp, spawn_demo_app};
use crate::payments::{account_id, start_paying};
use crate::plans::{date_fields, hidden, plans_for, post};

/// What a person reads: the page without its tags, spaces collapsed.
pub fn visible_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" .", ".")
        .replace(" ,", ",")
}

/// The "What happens next" section of the balance page as read, where the states differ.
async fn what_happens_next(app: &TestApp) -> String {
    let text = visible_text(&app.get_html("/account").await);
    let start = text
        .find("What happens next")
        .expect("a next-steps section");
    text[start..].to_string()
}

/// Alex pays the whole balance through the test checkout.
async fn alex_pays_in_full(app: &TestApp) -> i32 {
    let id = account_id(app, "NW-1001").await;
    let checkout = start_paying(app, id, &[("choice", "full")]).await;
    app.post_form(&checkout, &[("outcome", "succeed")]).await;
    id
}

#[tokio::test]
async fn the_balance_page_shows_the_plan_and_the_next_payment() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    alex_with_plan(&app, 5).await;
    let next = what_happens_next(&app).await;
    assert!(next.contains("Your payment plan is on track."), "{next}");
    let when = full_date(in_days(3));
    assert!(
        next.contains(&format!("Your next payment is £213.00 on {when}.")),
        "{next}"
    );
    assert!(
        next.contains("See your plan for reference NW-1001"),
        "{next}"
    );
    assert!(!next.contains("Catch up:"), "nothing is late");
}

#[tokio::test]
async fn a_late_payment_is_said_plainly_with_the_catch_up_button() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let who = alex_with_plan(&app, 5).await;
    // Two days late: still within the grace days, but late all the same.
    due_days_ago(&app, &who, 1, 2).await;
    let next = what_happens_next(&app).await;
    assert!(next.contains("A payment in your plan is late."), "{next}");
    assert!(next.contains("£213.00 is overdue."), "{next}");
    assert!(next.contains("Catch up: pay £213.00 now"), "{next}");
    assert!(!next.contains("Your payment plan is on track"), "{next}");

    // The button goes into the usual pay flow for exactly what is overdue.
    start_paying(&app, who.account, &[("choice", "catch_up")]).await;
    let attempt = crate::payments::latest_attempt(&app).await;
    assert_eq!(attempt.amount_minor, 21_300);
}

#[tokio::test]
async fn what_happens_next_says_something_different_in_every_state() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let none = what_happens_next(&app).await;
    assert!(none.contains("You do not have a payment plan."), "{none}");

    let who = alex_with_plan(&app, 5).await;
    let on_track = what_happens_next(&app).await;
    due_days_ago(&app, &who, 1, 40).await;
    due_days_ago(&app, &who, 2, 10).await;
    lifecycle::run(&app.db, Utc::now()).await.unwrap();
    let broken = what_happens_next(&app).await;
    assert!(broken.contains("Your payment plan has stopped"), "{broken}");
    assert!(broken.contains("Catch up: pay £426.00 now"), "{broken}");

    let states = [none, on_track, broken];
    for (i, a) in states.iter().enumerate() {
        for b in &states[i + 1..] {
            assert_ne!(a, b, "each state has its own words");
        }
    }
}

#[tokio::test]
async fn pay_later_says_by_when() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    let path = format!("/account/{id}/plan/later");
    let mut fields = date_fields("until", in_days(30));
    fields.push(("reason".to_string(), "lost_job".to_string()));
    let html = post(&app, &path, &fields).await.text().await.unwrap();
    fields.push(("terms".to_string(), hidden(&html, "terms")));
    post(&app, &format!("{path}/agree"), &fields).await;

    let next = what_happens_next(&app).await;
    let by = full_date(in_days(30));
    assert!(
        next.contains(&format!(
            "You chose to pay later. Please pay in full, or set up a plan, by {by}."
        )),
        "{next}"
    );
    assert!(!next.contains("You do not have a payment plan"));
}

#[tokio::test]
async fn a_paid_account_thanks_the_person_and_asks_for_nothing() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    alex_pays_in_full(&app).await;
    let next = what_happens_next(&app).await;
    assert!(
        next.contains("You have paid this in full. Thank you."),
        "{next}"
    );
    assert!(!next.contains("See ways to pay"), "{next}");
    assert!(!next.contains("Make a payment"), "{next}");
    assert!(!next.contains("If you cannot pay this"), "{next}");
}

#[tokio::test]
async fn a_paid_account_offers_no_payment_and_no_plan() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = alex_pays_in_full(&app).await;

    let pay = visible_text(&app.get_html(&format!("/account/{id}/pay")).await);
    assert!(pay.contains("You have nothing left to pay to Northwind Utilities. Thank you."));
    assert!(!pay.contains("£0.00"), "{pay}");
    assert!(!pay.contains("Continue to payment"), "{pay}");
    assert!(!pay.contains("smaller payments"), "{pay}");
    assert!(pay.contains("Back to your account"));

    let options = visible_text(&app.get_html(&format!("/account/{id}/options")).await);
    assert!(
        options.contains("You have paid reference NW-1001 in full. Thank you."),
        "{options}"
    );
    for offer in [
        "£0.00",
        "Pay in smaller amounts",
        "Pay later",
        "I can't afford",
    ] {
        assert!(!options.contains(offer), "{offer}: {options}");
    }
    assert!(options.contains("Back to your account"));

    // The plan builders send the person to that page instead of offering a plan of nothing.
    for builder in ["installments", "later", "propose"] {
        let response = app.get(&format!("/account/{id}/plan/{builder}")).await;
        assert_eq!(response.status().as_u16(), 303, "{builder}");
        assert_eq!(
            response.headers()["location"],
            format!("/account/{id}/options").as_str()
        );
    }
}

/// The statuses shown against each payment in the plan page's table.
fn payment_states(html: &str) -> Vec<String> {
    html.split(r#"<td data-label="Status">"#)
        .skip(1)
        .map(|cell| cell[..cell.find('<').unwrap()].to_string())
        .collect()
}

#[tokio::test]
async fn a_declined_plan_lists_no_payment_to_pay() {
    use goodterms::services::plans::review::{self, Decision};
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let plan = crate::plans_staff::propose_twenty_a_month(&app, "NW-1001").await;
    let id = account_id(&app, "NW-1001").await;
    let asked = app.get_html(&format!("/account/{id}/plan")).await;
    assert!(!payment_states(&asked).contains(&"To pay".to_string()));

    let creditor = plans_for(&app, id).await[0].creditor_id;
    let reason = "We need a little more each month".to_string();
    review::decide(
        &app.db,
        &app.settings.base_url,
        1,
        creditor,
        plan,
        Decision::Decline { reason },
        Utc::now(),
    )
    .await
    .unwrap();
    let html = app.get_html(&format!("/account/{id}/plan")).await;
    assert!(html.contains("Not agreed"));
    let states = payment_states(&html);
    assert!(!states.is_empty());
    assert!(states.iter().all(|s| s == "Not agreed"), "{states:?}");
}

#[tokio::test]
async fn a_cancelled_plan_lists_no_payment_to_pay() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let who = alex_with_plan(&app, 5).await;
    let page = format!("/account/{}/plan", who.account);
    assert_eq!(
        payment_states(&app.get_html(&page).await),
        vec!["To pay"; 5]
    );
    app.post_form(&format!("/account/{}/plan/cancel", who.account), &[])
        .await;
    let states = payment_states(&app.get_html(&page).await);
    assert_eq!(states, vec!["Cancelled"; 5]);
    assert!(
        what_happens_next(&app)
            .await
            .contains("You do not have a payment plan.")
    );
}

/// The "What you agreed" section of the plan page, as read.
fn what_you_agreed(html: &str) -> Option<String> {
    let text = visible_text(html);
    let start = text.find("What you agreed")?;
    Some(text[start..].to_string())
}

#[tokio::test]
async fn after_a_counter_offer_is_accepted_what_you_agreed_quotes_the_new_terms() {
    use goodterms::domain::schedule::{Frequency, PlanSize};
    use goodterms::services::plans::choose::InstallmentChoice;
    use goodterms::services::plans::review::{self, Decision};
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let plan = crate::plans_staff::propose_twenty_a_month(&app, "NW-1001").await;
    let id = account_id(&app, "NW-1001").await;
    let creditor = plans_for(&app, id).await[0].creditor_id;
    let offer = InstallmentChoice {
        frequency: Frequency::Monthly,
        size: PlanSize::NumberOfPayments(12),
        first_due: in_days(10),
    };
    review::decide(
        &app.db,
        &app.settings.base_url,
        1,
        creditor,
        plan,
        Decision::Counter(offer),
        Utc::now(),
    )
    .await
    .unwrap();
    let page = format!("/account/{id}/plan");
    let offered = app.get_html(&page).await;
    assert!(
        what_you_agreed(&offered).is_none(),
        "nothing is agreed while the new terms wait for an answer"
    );

    let terms = hidden(&offered, "terms");
    app.post_form(&format!("/account/{id}/plan/accept"), &[("terms", &terms)])
        .await;
    let agreed = what_you_agreed(&app.get_html(&page).await).expect("what was agreed");
    assert!(agreed.contains("12 payments of £88.75"), "{agreed}");
    assert!(
        !agreed.contains("£20.00"),
        "not the terms first asked for: {agreed}"
    );
}

/// Every "For example, D M YYYY." date in a page's hints.
fn example_dates(html: &str) -> Vec<chrono::NaiveDate> {
    html.split("For example, ")
        .skip(1)
        .filter_map(|rest| {
            let example = &rest[..rest.find('.')?];
            chrono::NaiveDate::parse_from_str(example, "%d %m %Y").ok()
        })
        .collect()
}

#[tokio::test]
async fn example_dates_in_plan_forms_are_after_today() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    let today = Utc::now().date_naive();
    for form in ["installments", "later", "propose"] {
        let html = app.get_html(&format!("/account/{id}/plan/{form}")).await;
        let dates = example_dates(&html);
        assert_eq!(dates, vec![in_days(14)], "{form}: {html}");
    }

    // Moving a payment: a few days after the next payment, between it and the one after.
    let who = alex_with_plan(&app, 5).await;
    let html = app
        .get_html(&format!("/account/{}/plan/change", who.account))
        .await;
    let dates = example_dates(&html);
    assert_eq!(dates, vec![in_days(6)], "{html}");
    assert!(dates.iter().all(|d| *d > today));
}

#[tokio::test]
async fn every_debtor_page_has_a_way_back() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    // A link back: to the account, or to the step before ("Back to ways to pay", "Keep my plan").
    let has_way_back = |page: &str, html: &str| {
        let back = [">Back to ", ">Keep my plan<"];
        assert!(back.iter().any(|b| html.contains(b)), "{page}: {html}");
    };
    let before_a_plan = ["", "/pay", "/options", "/payments"].iter().chain(&[
        "/plan/installments",
        "/plan/later",
        "/plan/propose",
    ]);
    for page in before_a_plan {
        let page = format!("/account/{id}{page}");
        has_way_back(&page, &app.get_html(&page).await);
    }
    let checkout = start_paying(&app, id, &[("choice", "full")]).await;
    has_way_back(&checkout, &app.get_html(&checkout).await);

    alex_with_plan(&app, 5).await;
    for page in ["/plan", "/plan/change", "/plan/cancel"] {
        let page = format!("/account/{id}{page}");
        has_way_back(&page, &app.get_html(&page).await);
    }
}

#[tokio::test]
async fn a_signed_in_persons_missing_page_links_to_their_account() {
    let app = spawn_demo_app().await;
    for path in ["/no-such-page", "/account/999999"] {
        let response = app.get(path).await;
        if path == "/no-such-page" {
            assert_eq!(response.status().as_u16(), 404);
            let text = visible_text(&response.text().await.unwrap());
            assert!(text.contains("Go to the sign-in page"), "{text}");
            assert!(!text.contains("Go to your account"));
        }
    }

    app.sign_in_alex().await;
    let sam = account_id(&app, "NW-1002").await;
    for path in [
        "/no-such-page".to_string(),
        "/account/999999".to_string(),
        format!("/account/{sam}"),
    ] {
        let response = app.get(&path).await;
        assert_eq!(response.status().as_u16(), 404, "{path}");
        let html = response.text().await.unwrap();
        assert!(
            html.contains(r#"<a href="/account">Go to your account</a>"#),
            "{path}: {html}"
        );
        assert!(!html.contains("Go to the sign-in page"), "{path}");
    }
}
