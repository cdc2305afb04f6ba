//! Breathing space: it really stops a due autopay charge and a due reminder, ends by itself on
//! its date, tells the person once before it ends, can be ended early, and is never longer
//! than the creditor's policy allows.
use chrono::{DateTime, Duration, Utc};
use goodterms::domain::Currency;
use goodterms::domain::care::HoldKind;
use goodterms::domain::policy::{PlanPolicy, PolicyTerms};
use goodterms::entities::{account, account_hold};
use goodterms::services::care::{breathing_space, holds};
use goodterms::services::contact::reminders;
use goodterms::services::plans::policies;
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::autopay::{agree_plan, emails_with_subject, give_notice, opt_in, run};
use crate::hardship::tell_without_figures;
use crate::helpers::{TestApp, assert_redirect, spawn_demo_app};
use crate::payments::account_id;

/// Alex asks for a breathing space of `days` through the pages; returns the account.
async fn pause(app: &TestApp, days: &str) -> i32 {
    let id = account_id(app, "NW-1001").await;
    let statement = tell_without_figures(app, id).await;
    let started = app
        .post_form(
            &format!("/account/{id}/help/{statement}/breathing-space"),
            &[("days", days)],
        )
        .await;
    assert_redirect(&started, &format!("/account/{id}/breathing-space"));
    id
}

async fn the_hold(app: &TestApp) -> account_hold::Model {
    account_hold::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .expect("a hold")
}

#[tokio::test]
async fn a_breathing_space_stops_a_due_autopay_charge() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let (id, first_due) = agree_plan(&app).await;
    opt_in(&app, id, "save").await;
    give_notice(&app, first_due).await;
    pause(&app, "30").await;

    let report = run(&app, first_due).await;
    assert_eq!(
        report.charges, 0,
        "nothing is taken during a breathing space"
    );
    let plan = app.get_html(&format!("/account/{id}/plan")).await;
    assert!(plan.contains("Breathing space until"));
    assert!(plan.contains("Having trouble paying? Tell us"));
}

#[tokio::test]
async fn a_breathing_space_stops_due_reminders_and_ends_by_itself_on_its_date() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let (id, first_due) = agree_plan(&app).await;
    pause(&app, "30").await;
    let hold = the_hold(&app).await;
    assert_eq!(hold.kind, HoldKind::BreathingSpace);
    let until = hold.ended_at.expect("it ends by itself");
    assert_eq!((until - hold.started_at).num_days(), 30);

    // The upcoming-payment reminder (3 days before) and the missed note both stay quiet.
    for offset in -3..=20 {
        let now = crate::autopay::at(first_due + Duration::days(offset));
        let report = reminders::run(&app.db, &app.hasher, &app.settings.base_url, now)
            .await
            .unwrap();
        assert_eq!(
            report.queued(),
            0,
            "no reminder {offset} days from the due date"
        );
    }
    assert!(
        holds::current(&app.db, id, until - Duration::seconds(1))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        holds::current(&app.db, id, until + Duration::seconds(1))
            .await
            .unwrap()
            .is_none(),
        "over at its date, with nothing to run"
    );
    let html = app.get_html("/account").await;
    assert!(html.contains("Breathing space until"));
    // The second payment's reminder comes once the space is over.
    let second_due = first_due + chrono::Months::new(1);
    let after = crate::autopay::at(second_due - Duration::days(3));
    assert!(after > until);
    let report = reminders::run(&app.db, &app.hasher, &app.settings.base_url, after)
        .await
        .unwrap();
    assert!(report.queued() >= 1, "reminders resume: {report:?}");
}

#[tokio::test]
async fn the_person_is_told_once_three_days_before_it_ends() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    pause(&app, "30").await;
    let until = the_hold(&app).await.ended_at.unwrap();
    let base = &app.settings.base_url;
    let notices = |now: DateTime<Utc>| breathing_space::send_ending_notices(&app.db, base, now);

    assert_eq!(
        notices(until - Duration::days(4)).await.unwrap(),
        0,
        "too early"
    );
    assert_eq!(notices(until - Duration::days(2)).await.unwrap(), 1);
    assert_eq!(
        notices(until - Duration::days(1)).await.unwrap(),
        0,
        "only once"
    );
    assert_eq!(notices(until + Duration::days(1)).await.unwrap(), 0);
    let sent = emails_with_subject(&app, "An update about your account").await;
    assert_eq!(sent.len(), 1);
    let resumes = until.date_naive().format("%A %-d %B %Y").to_string();
    assert!(
        sent[0].text_body.contains(&resumes),
        "{}",
        sent[0].text_body
    );
    assert!(!sent[0].text_body.contains('£'), "no amount in the email");
}

#[tokio::test]
async fn it_can_be_ended_early_after_a_confirm_page() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = pause(&app, "60").await;
    let page = app
        .get_html(&format!("/account/{id}/breathing-space"))
        .await;
    assert!(page.contains("Breathing space until"));
    let confirm = app
        .get_html(&format!("/account/{id}/breathing-space/end"))
        .await;
    assert!(confirm.contains("End your breathing space early?"));
    let ended = app
        .post_form(&format!("/account/{id}/breathing-space/end"), &[])
        .await;
    assert_redirect(&ended, &format!("/account/{id}/breathing-space?ended=1"));
    assert!(
        holds::current(&app.db, id, Utc::now() + Duration::seconds(1))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        !app.get_html("/account")
            .await
            .contains("Breathing space until")
    );
}

#[tokio::test]
async fn a_breathing_space_longer_than_the_policy_allows_is_refused() {
    let app = spawn_demo_app().await;
    let id = account_id(&app, "NW-1001").await;
    let creditor = account::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .creditor_id;
    let policy = PlanPolicy::new(PolicyTerms {
        breathing_space_max_days: 30,
        ..PolicyTerms::default_for(Currency::GBP)
    })
    .unwrap();
    policies::save(&app.db, creditor, &policy, Utc::now())
        .await
        .unwrap();
    app.sign_in_alex().await;
    let statement = tell_without_figures(&app, id).await;
    let options = app
        .get_html(&format!("/account/{id}/help/{statement}"))
        .await;
    assert!(options.contains("30 days") && !options.contains("60 days"));
    let refused = app
        .post_form(
            &format!("/account/{id}/help/{statement}/breathing-space"),
            &[("days", "60")],
        )
        .await;
    assert_eq!(refused.status().as_u16(), 400);
    assert!(refused.text().await.unwrap().contains("up to 30 days"));
    assert_eq!(
        account_hold::Entity::find().count(&app.db).await.unwrap(),
        0
    );
}

#[tokio::test]
async fn a_re_import_adds_no_fee_or_interest_during_a_breathing_space() {
    use crate::import::{checked, good_file, import};
    let app = spawn_demo_app().await;
    app.sign_in_staff(crate::hardship::STAFF.0, crate::hardship::STAFF.1)
        .await;
    let first = checked(&app, good_file().as_bytes()).await;
    import(&app, first, false).await;
    let id = account_id(&app, "IMP-1").await;
    let before = crate::payments::balance_minor(&app, id).await;
    holds::start(
        &app.db,
        holds::NewHold {
            account_id: id,
            kind: HoldKind::BreathingSpace,
            reason: "Breathing space of 30 days",
            started_by: 1,
            until: Some(Utc::now() + Duration::days(30)),
        },
        Utc::now(),
    )
    .await
    .unwrap();

    // The creditor's file says £20 more (interest): left out while the space lasts.
    let changed = good_file().replace("300.00,2026-03-01", "320.00,2026-03-01");
    let again = checked(&app, changed.as_bytes()).await;
    let html = import(&app, again, false).await;
    assert!(html.contains("<dd id=\"adjusted\">0</dd>"), "{html}");
    assert_eq!(crate::payments::balance_minor(&app, id).await, before);
    let held = goodterms::entities::audit_log::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "import.increase_held_for_breathing_space")
        .count();
    assert_eq!(held, 1);
}
