//! An admin sets when reminders go out for a creditor: the figures are checked, saved for
//! that creditor only, and the scheduler reads them back; staff cannot change them.
use goodterms::domain::cadence::ReminderCadence;
use goodterms::entities::{audit_log, creditor};
use goodterms::services::contact::cadence;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::{TestApp, spawn_demo_app};

const ADMIN: (&str, &str) = ("admin@goodterms.example", "admin-demo");
const STAFF: (&str, &str) = ("staff@northwind.example", "northwind-demo");

async fn northwind_id(app: &TestApp) -> i32 {
    creditor::Entity::find()
        .filter(creditor::Column::Name.eq("Northwind Utilities"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

fn figures<'a>(before: &'a str, after: &'a str, most: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("days_before", before),
        ("days_after_miss", after),
        ("max_per_installment", most),
    ]
}

#[actix_web::test]
async fn without_a_saved_cadence_the_scheduler_gets_the_default() {
    let app = spawn_demo_app().await;
    let id = northwind_id(&app).await;
    let cadence = cadence::for_creditor(&app.db, id).await.unwrap();
    assert_eq!(cadence, ReminderCadence::default());
    assert_eq!(
        (
            cadence.days_before(),
            cadence.days_after_miss(),
            cadence.max_per_installment()
        ),
        (3, 1, 2)
    );
}

#[actix_web::test]
async fn an_admin_saves_a_cadence_from_the_creditor_list() {
    let app = spawn_demo_app().await;
    app.sign_in_staff(ADMIN.0, ADMIN.1).await;
    let id = northwind_id(&app).await;
    let path = format!("/admin/creditors/{id}/cadence");
    let list = app.get_html("/admin/creditors").await;
    assert!(list.contains(&format!(r#"href="{path}""#)), "{list}");

    let form = app.get_html(&path).await;
    for label in [
        "Days before a payment to send a reminder",
        "Days after a missed payment to follow up",
        "Most reminders about one payment",
    ] {
        assert!(form.contains(label), "{label}");
    }
    assert!(form.contains(r#"name="days_before" type="text" inputmode="numeric" value="3""#));

    let response = app.post_form(&path, &figures("5", "2", "3")).await;
    assert_eq!(response.status().as_u16(), 303);
    let page = app.get_html(&format!("{path}?saved=1")).await;
    assert!(page.contains("The reminder cadence is saved"));
    assert!(page.contains(r#"name="days_before" type="text" inputmode="numeric" value="5""#));

    let saved = cadence::for_creditor(&app.db, id).await.unwrap();
    assert_eq!(saved, ReminderCadence::new(5, 2, 3).unwrap());
    let audited = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("reminder_cadence.updated"))
        .filter(audit_log::Column::CreditorId.eq(id))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(audited, 1);

    // Saving again replaces the row rather than adding one.
    app.post_form(&path, &figures("0", "1", "1")).await;
    assert_eq!(
        cadence::for_creditor(&app.db, id).await.unwrap(),
        ReminderCadence::new(0, 1, 1).unwrap()
    );
}

#[actix_web::test]
async fn figures_out_of_range_are_refused_next_to_their_fields_and_nothing_is_saved() {
    let app = spawn_demo_app().await;
    app.sign_in_staff(ADMIN.0, ADMIN.1).await;
    let id = northwind_id(&app).await;
    let path = format!("/admin/creditors/{id}/cadence");

    let response = app.post_form(&path, &figures("30", "0", "many")).await;
    assert_eq!(response.status().as_u16(), 400);
    let html = response.text().await.unwrap();
    assert!(html.contains("There is a problem"));
    for (field, message) in [
        ("days_before", "Enter a whole number from 0 to 14"),
        ("days_after_miss", "Enter a whole number from 1 to 14"),
        ("max_per_installment", "Enter a whole number from 0 to 3"),
    ] {
        assert!(
            html.contains(&format!(r##"<a href="#{field}">{message}</a>"##)),
            "the summary links {message:?} to #{field}"
        );
        let beside = format!(
            r#"id="{field}-error"><span class="visually-hidden">Error:</span> {message}</p>"#
        );
        assert!(html.contains(&beside), "{message:?} is next to {field}");
    }
    assert!(html.contains(r#"value="many""#), "what was typed is kept");
    assert_eq!(
        cadence::for_creditor(&app.db, id).await.unwrap(),
        ReminderCadence::default(),
        "nothing was saved"
    );
}

#[actix_web::test]
async fn creditor_staff_cannot_see_or_change_the_cadence() {
    let app = spawn_demo_app().await;
    app.sign_in_staff(STAFF.0, STAFF.1).await;
    let id = northwind_id(&app).await;
    let path = format!("/admin/creditors/{id}/cadence");

    assert_eq!(app.get(&path).await.status().as_u16(), 404);
    let response = app.post_form(&path, &figures("7", "2", "3")).await;
    assert_eq!(response.status().as_u16(), 404);
    assert_eq!(
        cadence::for_creditor(&app.db, id).await.unwrap(),
        ReminderCadence::default()
    );
}

#[actix_web::test]
async fn a_post_without_its_form_token_changes_nothing() {
    let app = spawn_demo_app().await;
    app.sign_in_staff(ADMIN.0, ADMIN.1).await;
    let id = northwind_id(&app).await;
    let path = format!("/admin/creditors/{id}/cadence");
    let response = app.post_raw(&path, &figures("7", "2", "3")).await;
    assert_eq!(response.status().as_u16(), 403);
    assert_eq!(
        cadence::for_creditor(&app.db, id).await.unwrap(),
        ReminderCadence::default()
    );
}
