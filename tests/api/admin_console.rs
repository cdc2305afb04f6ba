//! The admin console: creditors, staff (invite, disable, enable, reset), failed emails, and
//! the audit log. Creditor staff get 404 everywhere in it.
use std::sync::Arc;

use chrono::{Duration, Utc};
use goodterms::domain::audit::ActorKind;
use goodterms::domain::outbox::OutboxStatus;
use goodterms::domain::staff::StaffRole;
use goodterms::email::outbox;
use goodterms::entities::{audit_log, creditor, outbox_message, staff_password_token, staff_user};
use goodterms::services::audit::{self, Actor, AuditEvent};
use reqwest::cookie::Jar;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::helpers::{TestApp, assert_redirect, client_with, spawn_demo_app};

const STAFF: (&str, &str) = ("staff@northwind.example", "northwind-demo");
const ADMIN: (&str, &str) = ("admin@goodterms.example", "admin-demo");
const NEW_PASSWORD: &str = "correct horse battery";

async fn admin_app() -> TestApp {
    let app = spawn_demo_app().await;
    assert_redirect(&app.sign_in_staff(ADMIN.0, ADMIN.1).await, "/staff");
    app
}

fn creditor_fields<'a>(name: &'a str, currency: &'a str, tz: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("display_name", "Contoso Water"),
        ("currency", currency),
        ("time_zone", tz),
        ("contact_email", "help@contoso.example"),
        ("contact_phone", "0300 000 0000"),
    ]
}

async fn creditor_count(app: &TestApp) -> u64 {
    creditor::Entity::find().count(&app.db).await.unwrap()
}

async fn creditor_named(app: &TestApp, name: &str) -> creditor::Model {
    creditor::Entity::find()
        .filter(creditor::Column::Name.eq(name))
        .one(&app.db)
        .await
        .unwrap()
        .expect("creditor exists")
}

async fn staff_named(app: &TestApp, email: &str) -> staff_user::Model {
    staff_user::Entity::find()
        .filter(staff_user::Column::Email.eq(email))
        .one(&app.db)
        .await
        .unwrap()
        .expect("staff user exists")
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    audit_log::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.action)
        .collect()
}

/// The path of the newest set-password link emailed to `to`, read from the outbox row.
async fn emailed_link(app: &TestApp, to: &str) -> String {
    let row = outbox_message::Entity::find()
        .filter(outbox_message::Column::ToAddress.eq(to))
        .filter(outbox_message::Column::Template.eq("staff_set_password"))
        .order_by_desc(outbox_message::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .expect("a set-password email is queued");
    let start = row
        .text_body
        .find("/staff/set-password/")
        .expect("the email holds the link");
    let path: String = row.text_body[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    assert_eq!(path.len(), "/staff/set-password/".len() + 64);
    assert!(row.html_body.contains(&path));
    path
}

/// Another browser, signed in as the given staff member.
async fn browser_signed_in(app: &TestApp, email: &str, password: &str) -> reqwest::Client {
    let client = client_with(Arc::new(Jar::default()));
    let token = csrf_for(app, &client).await;
    let response = client
        .post(app.url("/staff/signin"))
        .form(&[
            ("email", email),
            ("password", password),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303, "{email} signs in");
    client
}

async fn csrf_for(app: &TestApp, client: &reqwest::Client) -> String {
    let html = client
        .get(app.url("/staff/signin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = r#"name="csrf_token" value=""#;
    let start = html.find(marker).expect("form token") + marker.len();
    html[start..].chars().take_while(|c| *c != '"').collect()
}

async fn status_in(app: &TestApp, client: &reqwest::Client, path: &str) -> u16 {
    client
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

// ---- Creditors ----

#[tokio::test]
async fn admin_creditor_create_and_edit_are_saved_and_audited() {
    let app = admin_app().await;
    let list = app.get_html("/admin/creditors").await;
    assert!(list.contains(r#"href="/admin/creditors/new">Add a creditor</a>"#));
    let form = app.get_html("/admin/creditors/new").await;
    assert!(form.contains("<h1>Add a creditor</h1>"));

    let response = app
        .post_form(
            "/admin/creditors/new",
            &creditor_fields("Contoso", "eur", "Europe/Dublin"),
        )
        .await;
    let created = creditor_named(&app, "Contoso").await;
    assert_redirect(
        &response,
        &format!("/admin/creditors/{}/edit?saved=1", created.id),
    );
    assert_eq!(created.currency, "EUR");
    assert_eq!(created.time_zone, "Europe/Dublin");
    assert_eq!(created.contact_email, "help@contoso.example");
    let page = app
        .get_html(&format!("/admin/creditors/{}/edit?saved=1", created.id))
        .await;
    assert!(
        page.contains("The creditor&#39;s details are saved") || page.contains("details are saved")
    );
    assert!(page.contains(r#"value="Europe/Dublin""#));
    assert!(
        app.get_html("/admin/creditors")
            .await
            .contains("Contoso Water")
    );

    let mut fields = creditor_fields("Contoso", "GBP", "Europe/London");
    fields[1] = ("display_name", "Contoso Water and Power");
    let response = app
        .post_form(&format!("/admin/creditors/{}/edit", created.id), &fields)
        .await;
    assert_redirect(
        &response,
        &format!("/admin/creditors/{}/edit?saved=1", created.id),
    );
    let edited = creditor_named(&app, "Contoso").await;
    assert_eq!(edited.display_name, "Contoso Water and Power");
    assert_eq!(edited.currency, "GBP");
    assert_eq!(edited.time_zone, "Europe/London");

    let rows = audit_log::Entity::find()
        .filter(audit_log::Column::SubjectKind.eq("creditor"))
        .filter(audit_log::Column::SubjectId.eq(created.id))
        .order_by_asc(audit_log::Column::Id)
        .all(&app.db)
        .await
        .unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["creditor.created", "creditor.updated"]);
    let admin = staff_named(&app, ADMIN.0).await;
    assert!(
        rows.iter()
            .all(|r| r.actor_kind == ActorKind::Staff && r.actor_id == Some(admin.id))
    );
    assert!(rows[1].detail.contains("display_name") && rows[1].detail.contains("currency"));
}

#[tokio::test]
async fn admin_creditor_bad_input_is_refused_with_messages_and_nothing_saved() {
    let app = admin_app().await;
    let before = creditor_count(&app).await;
    let long = "x".repeat(5_000);
    type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (
            creditor_fields("Northwind Utilities", "GBP", "Europe/London"),
            "Another creditor already has this name",
            "Northwind Utilities",
        ),
        (
            creditor_fields("Contoso", "XYZ", "Europe/London"),
            "Enter a currency code we support",
            r#"value="XYZ""#,
        ),
        (
            creditor_fields("Contoso", "GBP", "Mars/Olympus_Mons"),
            "Enter a time zone name from the IANA list",
            r#"value="Mars/Olympus_Mons""#,
        ),
        (
            creditor_fields("Contoso", "GBP", ""),
            "Enter the time zone",
            r#"value="Contoso""#,
        ),
        (
            vec![("name", ""), ("display_name", ""), ("currency", "")],
            "Enter the name",
            "Enter the contact phone number",
        ),
        (
            creditor_fields(&long, "GBP", "Europe/London"),
            "The name must be 100 characters or fewer",
            &long,
        ),
        (
            {
                let mut f = creditor_fields("Contoso", "GBP", "Europe/London");
                f[4] = ("contact_email", "not-an-email");
                f
            },
            r##"href="#contact_email""##,
            r#"value="not-an-email""#,
        ),
    ];
    for (fields, message, kept) in cases {
        let response = app.post_form("/admin/creditors/new", &fields).await;
        assert_eq!(response.status().as_u16(), 400, "refused: {message}");
        let html = response.text().await.unwrap();
        assert!(html.contains(message), "shows {message}");
        assert!(html.contains("There is a problem"));
        assert!(html.contains(kept), "keeps what was typed");
        assert!(html.contains("<title>Error: Add a creditor"));
    }
    assert_eq!(creditor_count(&app).await, before, "nothing was saved");

    // Editing: renaming onto another creditor's name, or a bad time zone, changes nothing.
    app.post_form(
        "/admin/creditors/new",
        &creditor_fields("Contoso", "GBP", "Europe/London"),
    )
    .await;
    let contoso = creditor_named(&app, "Contoso").await;
    let path = format!("/admin/creditors/{}/edit", contoso.id);
    let response = app
        .post_form(
            &path,
            &creditor_fields("Northwind Utilities", "GBP", "Europe/London"),
        )
        .await;
    assert_eq!(response.status().as_u16(), 400);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Another creditor already has this name")
    );
    let response = app
        .post_form(&path, &creditor_fields("Contoso", "GBP", "Nowhere"))
        .await;
    assert_eq!(response.status().as_u16(), 400);
    assert_eq!(creditor_named(&app, "Contoso").await, contoso);
    let updates = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("creditor.updated"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(updates, 0);
    assert_eq!(
        app.get("/admin/creditors/99999/edit")
            .await
            .status()
            .as_u16(),
        404
    );
    assert_eq!(
        app.get("/admin/creditors/abc/edit").await.status().as_u16(),
        404
    );
}

// ---- Role boundaries ----

#[tokio::test]
async fn admin_pages_and_posts_are_404_for_creditor_staff() {
    let app = spawn_demo_app().await;
    let northwind = creditor_named(&app, "Northwind Utilities").await;
    let admin = staff_named(&app, ADMIN.0).await;
    let message = outbox::enqueue(
        &app.db,
        "someone@example.com",
        goodterms::email::templates::sign_in_link("http://x/y", 15).unwrap(),
        Utc::now(),
    )
    .await
    .unwrap();
    outbox_message::Entity::update_many()
        .col_expr(
            outbox_message::Column::Status,
            Expr::value(OutboxStatus::Failed),
        )
        .exec(&app.db)
        .await
        .unwrap();
    assert_redirect(&app.sign_in_staff(STAFF.0, STAFF.1).await, "/staff");

    let pages = [
        "/admin/creditors".to_string(),
        "/admin/creditors/new".to_string(),
        format!("/admin/creditors/{}/edit", northwind.id),
        "/admin/staff".to_string(),
        "/admin/staff/new".to_string(),
        "/admin/outbox".to_string(),
        "/admin/audit".to_string(),
        "/admin/audit?action=staff".to_string(),
        "/admin/audit.csv".to_string(),
    ];
    for page in &pages {
        assert_eq!(app.get(page).await.status().as_u16(), 404, "GET {page}");
    }
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            "/admin/creditors/new".to_string(),
            creditor_fields("Contoso", "GBP", "Europe/London"),
        ),
        (
            format!("/admin/creditors/{}/edit", northwind.id),
            creditor_fields("Hijacked", "GBP", "Europe/London"),
        ),
        (
            "/admin/staff/new".to_string(),
            vec![("email", "mole@example.com"), ("role", "admin")],
        ),
        (format!("/admin/staff/{}/disable", admin.id), vec![]),
        (format!("/admin/staff/{}/enable", admin.id), vec![]),
        (format!("/admin/staff/{}/reset", admin.id), vec![]),
        (format!("/admin/outbox/{message}/retry"), vec![]),
    ];
    for (path, fields) in &posts {
        let response = app.post_form(path, fields).await;
        assert_eq!(response.status().as_u16(), 404, "POST {path}");
    }
    // Nothing changed.
    assert_eq!(creditor_named(&app, "Northwind Utilities").await, northwind);
    assert!(
        creditor::Entity::find()
            .filter(creditor::Column::Name.is_in(["Contoso", "Hijacked"]))
            .one(&app.db)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(staff_named(&app, ADMIN.0).await, admin);
    assert!(
        staff_user::Entity::find()
            .filter(staff_user::Column::Email.eq("mole@example.com"))
            .one(&app.db)
            .await
            .unwrap()
            .is_none()
    );
    let row = outbox_message::Entity::find_by_id(message)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, OutboxStatus::Failed);
    // The staff nav has no admin links.
    let home = app.get_html("/staff/accounts").await;
    assert!(!home.contains("/admin/audit") && !home.contains("/admin/staff"));
}

#[tokio::test]
async fn admin_nav_links_to_staff_email_problems_and_audit_log() {
    let app = admin_app().await;
    let html = app.get_html("/admin/creditors").await;
    assert!(html.contains(r#"<a href="/admin/staff">Staff</a>"#));
    assert!(html.contains(r#"<a href="/admin/outbox">Email problems</a>"#));
    assert!(html.contains(r#"<a href="/admin/audit">Audit log</a>"#));
}

// ---- Staff ----

#[tokio::test]
async fn admin_invites_staff_who_set_a_password_once_and_sign_in() {
    let app = admin_app().await;
    let northwind = creditor_named(&app, "Northwind Utilities").await;
    let id = northwind.id.to_string();

    // Bad input first: nothing is created.
    let response = app
        .post_form(
            "/admin/staff/new",
            &[("email", "nope"), ("role", "creditor"), ("creditor_id", "")],
        )
        .await;
    assert_eq!(response.status().as_u16(), 400);
    let html = response.text().await.unwrap();
    assert!(html.contains("Choose the creditor this person works for"));
    assert!(html.contains(r#"value="nope""#));
    let response = app
        .post_form(
            "/admin/staff/new",
            &[
                ("email", STAFF.0),
                ("role", "creditor"),
                ("creditor_id", &id),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 400);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("already has this email")
    );
    let response = app
        .post_form(
            "/admin/staff/new",
            &[("email", "a@example.com"), ("role", "owner")],
        )
        .await;
    assert_eq!(response.status().as_u16(), 400);

    let response = app
        .post_form(
            "/admin/staff/new",
            &[
                ("email", "Jo@Northwind.example"),
                ("role", "creditor"),
                ("creditor_id", &id),
            ],
        )
        .await;
    assert_redirect(&response, "/admin/staff?done=invited");
    let jo = staff_named(&app, "jo@northwind.example").await;
    assert!(jo.disabled, "disabled until a password is chosen");
    assert_eq!(jo.role, StaffRole::Creditor);
    assert_eq!(jo.creditor_id, Some(northwind.id));
    let list = app.get_html("/admin/staff?done=invited").await;
    assert!(list.contains("jo@northwind.example"));
    assert!(list.contains("invited, waiting for a password"));
    assert!(list.contains("Northwind Utilities"));

    let mail = outbox_message::Entity::find()
        .filter(outbox_message::Column::ToAddress.eq("jo@northwind.example"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mail.subject, "You are invited to Good Terms");
    let link = emailed_link(&app, "jo@northwind.example").await;

    // Opening the link (a mail scanner, say) uses nothing.
    let other = client_with(Arc::new(Jar::default()));
    for _ in 0..2 {
        let html = other.get(app.url(&link)).send().await.unwrap();
        assert_eq!(html.status().as_u16(), 200);
        let html = html.text().await.unwrap();
        assert!(html.contains("<h1>Choose a password</h1>"));
        assert!(
            html.contains(r#"<label for="password">"#) && html.contains(r#"<label for="confirm">"#)
        );
    }
    let token = {
        let html = other
            .get(app.url(&link))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let marker = r#"name="csrf_token" value=""#;
        let start = html.find(marker).unwrap() + marker.len();
        html[start..]
            .chars()
            .take_while(|c| *c != '"')
            .collect::<String>()
    };
    let post = |password: &'static str, confirm: &'static str| {
        let (other, url, token) = (other.clone(), app.url(&link), token.clone());
        async move {
            other
                .post(url)
                .form(&[
                    ("password", password),
                    ("confirm", confirm),
                    ("csrf_token", &token),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let short = post("too short", "too short").await;
    assert_eq!(short.status().as_u16(), 400);
    assert!(
        short
            .text()
            .await
            .unwrap()
            .contains("at least 12 characters")
    );
    let mismatch = post(NEW_PASSWORD, "correct horse battery!").await;
    assert_eq!(mismatch.status().as_u16(), 400);
    assert!(
        mismatch
            .text()
            .await
            .unwrap()
            .contains("The two passwords are not the same")
    );
    assert!(staff_named(&app, "jo@northwind.example").await.disabled);

    let done = post(NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(done.status().as_u16(), 303);
    assert_eq!(done.headers()["location"], "/staff/password-set");
    assert!(!staff_named(&app, "jo@northwind.example").await.disabled);

    // The link works once.
    let again = post("another password 123", "another password 123").await;
    assert_eq!(again.status().as_u16(), 410);
    assert!(again.text().await.unwrap().contains("already been used"));
    assert_eq!(status_in(&app, &other, &link).await, 410);

    // Jo signs in and sees Northwind's accounts.
    let jo_browser = browser_signed_in(&app, "jo@northwind.example", NEW_PASSWORD).await;
    assert_eq!(status_in(&app, &jo_browser, "/staff/accounts").await, 200);
    assert_eq!(status_in(&app, &jo_browser, "/admin/staff").await, 404);

    let actions = audit_actions(&app).await;
    assert!(actions.contains(&"staff.invited".to_string()));
    assert!(actions.contains(&"staff.password_set".to_string()));
}

#[tokio::test]
async fn admin_invite_link_that_has_expired_is_refused_kindly() {
    let app = admin_app().await;
    let response = app
        .post_form(
            "/admin/staff/new",
            &[("email", "late@example.com"), ("role", "admin")],
        )
        .await;
    assert_redirect(&response, "/admin/staff?done=invited");
    let link = emailed_link(&app, "late@example.com").await;
    staff_password_token::Entity::update_many()
        .col_expr(
            staff_password_token::Column::ExpiresAt,
            Expr::value(Utc::now() - Duration::minutes(1)),
        )
        .exec(&app.db)
        .await
        .unwrap();
    let response = app.get(&link).await;
    assert_eq!(response.status().as_u16(), 410);
    let html = response.text().await.unwrap();
    assert!(html.contains("This one has run out"));
    assert!(html.contains("ask an administrator to send you a new link"));
    let response = app
        .post_form(
            &link,
            &[("password", NEW_PASSWORD), ("confirm", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(response.status().as_u16(), 410);
    assert!(staff_named(&app, "late@example.com").await.disabled);
    // A link that is not one of ours is refused the same kind way.
    assert_eq!(
        app.get("/staff/set-password/not-a-token")
            .await
            .status()
            .as_u16(),
        410
    );
}

#[tokio::test]
async fn admin_disabling_staff_ends_their_session_at_once_and_enabling_restores_sign_in() {
    let app = admin_app().await;
    let staff_browser = browser_signed_in(&app, STAFF.0, STAFF.1).await;
    assert_eq!(
        status_in(&app, &staff_browser, "/staff/accounts").await,
        200
    );
    let staff = staff_named(&app, STAFF.0).await;

    let response = app
        .post_form(&format!("/admin/staff/{}/disable", staff.id), &[])
        .await;
    assert_redirect(&response, "/admin/staff?done=disabled");
    assert!(staff_named(&app, STAFF.0).await.disabled);
    let response = staff_browser
        .get(app.url("/staff/accounts"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(response.headers()["location"], "/staff/signin");
    assert!(app.get_html("/admin/staff").await.contains("No: disabled"));

    let response = app
        .post_form(&format!("/admin/staff/{}/enable", staff.id), &[])
        .await;
    assert_redirect(&response, "/admin/staff?done=enabled");
    let again = browser_signed_in(&app, STAFF.0, STAFF.1).await;
    assert_eq!(status_in(&app, &again, "/staff/accounts").await, 200);

    // An admin cannot disable themself.
    let admin = staff_named(&app, ADMIN.0).await;
    let response = app
        .post_form(&format!("/admin/staff/{}/disable", admin.id), &[])
        .await;
    assert_eq!(response.status().as_u16(), 400);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("You cannot disable your own account")
    );
    assert!(!staff_named(&app, ADMIN.0).await.disabled);
    assert_eq!(app.get("/admin/staff").await.status().as_u16(), 200);
    assert_eq!(
        app.post_form("/admin/staff/99999/disable", &[])
            .await
            .status()
            .as_u16(),
        404
    );

    let actions = audit_actions(&app).await;
    assert!(actions.contains(&"staff.disabled".to_string()));
    assert!(actions.contains(&"staff.enabled".to_string()));
}

#[tokio::test]
async fn admin_reset_stops_the_old_password_and_emails_a_new_link() {
    let app = admin_app().await;
    let staff = staff_named(&app, STAFF.0).await;
    let response = app
        .post_form(&format!("/admin/staff/{}/reset", staff.id), &[])
        .await;
    assert_redirect(&response, "/admin/staff?done=reset");
    let (_, fresh) = app.second_browser();
    let token = csrf_for(&app, &fresh).await;
    let refused = fresh
        .post(app.url("/staff/signin"))
        .form(&[
            ("email", STAFF.0),
            ("password", STAFF.1),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused.status().as_u16(),
        400,
        "the old password no longer works"
    );
    let mail = outbox_message::Entity::find()
        .filter(outbox_message::Column::ToAddress.eq(STAFF.0))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mail.subject, "Choose a new password for Good Terms");
    let link = emailed_link(&app, STAFF.0).await;
    let response = app
        .post_form(
            &link,
            &[("password", NEW_PASSWORD), ("confirm", NEW_PASSWORD)],
        )
        .await;
    assert_redirect(&response, "/staff/password-set");
    let signed_in = browser_signed_in(&app, STAFF.0, NEW_PASSWORD).await;
    assert_eq!(status_in(&app, &signed_in, "/staff/accounts").await, 200);
    assert!(
        audit_actions(&app)
            .await
            .contains(&"staff.password_reset".to_string())
    );
}

// ---- Outbox ----

#[tokio::test]
async fn admin_outbox_retry_makes_a_failed_message_pending_again() {
    let app = admin_app().await;
    let id = outbox::enqueue(
        &app.db,
        "bounce@example.com",
        goodterms::email::templates::sign_in_link("http://x/y", 15).unwrap(),
        Utc::now(),
    )
    .await
    .unwrap();
    outbox_message::Entity::update_many()
        .col_expr(
            outbox_message::Column::Status,
            Expr::value(OutboxStatus::Failed),
        )
        .col_expr(outbox_message::Column::Attempts, Expr::value(7))
        .col_expr(
            outbox_message::Column::LastError,
            Expr::value("connection refused by mail.example"),
        )
        .filter(outbox_message::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .unwrap();
    let html = app.get_html("/admin/outbox").await;
    assert!(html.contains("<h1>Email problems</h1>"));
    assert!(html.contains("bounce@example.com"));
    assert!(html.contains("Your sign-in link"));
    assert!(html.contains("connection refused by mail.example"));
    assert!(html.contains("<td>7</td>"));
    assert!(html.contains(&format!(r#"action="/admin/outbox/{id}/retry""#)));

    let response = app
        .post_form(&format!("/admin/outbox/{id}/retry"), &[])
        .await;
    assert_redirect(&response, "/admin/outbox?done=retried");
    let row = outbox_message::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, OutboxStatus::Pending);
    assert_eq!(row.attempts, 0);
    assert!(row.next_attempt_at <= Utc::now());
    assert!(
        !app.get_html("/admin/outbox")
            .await
            .contains("bounce@example.com")
    );

    // A second click changes nothing; the worker now sends it.
    let response = app
        .post_form(&format!("/admin/outbox/{id}/retry"), &[])
        .await;
    assert_redirect(&response, "/admin/outbox?done=unchanged");
    app.deliver_outbox(Utc::now()).await;
    let row = outbox_message::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, OutboxStatus::Sent);
    let retried = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("outbox.retried"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(retried.len(), 1);
    assert_eq!(retried[0].subject_id, Some(id));
}

// ---- Audit log ----

#[tokio::test]
async fn admin_audit_log_shows_each_action_and_filters() {
    let app = admin_app().await;
    app.post_form(
        "/admin/creditors/new",
        &creditor_fields("Contoso", "GBP", "Europe/London"),
    )
    .await;
    let contoso = creditor_named(&app, "Contoso").await;
    app.post_form(
        "/admin/staff/new",
        &[("email", "new@example.com"), ("role", "admin")],
    )
    .await;
    let staff = staff_named(&app, STAFF.0).await;
    app.post_form(&format!("/admin/staff/{}/disable", staff.id), &[])
        .await;
    app.post_form(&format!("/admin/staff/{}/enable", staff.id), &[])
        .await;
    app.post_form(&format!("/admin/staff/{}/reset", staff.id), &[])
        .await;

    let html = app.get_html("/admin/audit").await;
    assert!(html.contains("<h1>Audit log</h1>"));
    for action in [
        "creditor.created",
        "staff.invited",
        "staff.disabled",
        "staff.enabled",
        "staff.password_reset",
        "staff.signed_in",
    ] {
        assert!(html.contains(action), "shows {action}");
    }
    assert!(html.contains(ADMIN.0), "names the admin who did it");
    // Newest first.
    let reset_at = html.find("staff.password_reset").unwrap();
    let created_at = html.find("creditor.created").unwrap();
    assert!(reset_at < created_at);

    let html = app.get_html("/admin/audit?action=STAFF.dis").await;
    assert!(html.contains("staff.disabled") && !html.contains("staff.enabled"));
    assert!(html.contains(r#"value="STAFF.dis""#));
    let html = app
        .get_html(&format!("/admin/audit?creditor={}", contoso.id))
        .await;
    assert!(html.contains("creditor.created") && !html.contains("staff.invited"));
    assert!(html.contains("1 entry"));
    let html = app.get_html("/admin/audit?actor=debtor").await;
    assert!(html.contains("0 entries"));
    let today = Utc::now().date_naive();
    let tomorrow = today + Duration::days(1);
    let html = app.get_html(&format!("/admin/audit?from={tomorrow}")).await;
    assert!(html.contains("0 entries"));
    let html = app
        .get_html(&format!(
            "/admin/audit?from={today}&to={today}&action=creditor"
        ))
        .await;
    assert!(html.contains("creditor.created"));

    for bad in [
        "from=yesterday",
        "actor=robot",
        "creditor=abc",
        "from=2026-02-02&to=2026-02-01",
    ] {
        let response = app.get(&format!("/admin/audit?{bad}")).await;
        assert_eq!(response.status().as_u16(), 400, "{bad}");
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("There is a problem")
        );
    }
}

#[tokio::test]
async fn admin_audit_log_is_paginated_fifty_a_page() {
    let app = admin_app().await;
    for n in 0..60 {
        audit::record(
            &app.db,
            AuditEvent {
                actor: Actor::System,
                creditor_id: None,
                action: "test.filler",
                subject_kind: "thing",
                subject_id: Some(n),
                detail: "",
            },
            Utc::now() - Duration::minutes(60 - i64::from(n)),
        )
        .await
        .unwrap();
    }
    let first = app.get_html("/admin/audit?action=filler").await;
    assert!(first.contains("60 entries") && first.contains("Page 1 of 2"));
    assert_eq!(first.matches("test.filler").count(), 50);
    assert!(first.contains("thing 59") && !first.contains("thing 9<"));
    assert!(first.contains("Next page") && first.contains("action=filler"));
    let second = app.get_html("/admin/audit?action=filler&page=2").await;
    assert!(second.contains("Page 2 of 2") && second.contains("Previous page"));
    assert_eq!(second.matches("test.filler").count(), 10);
    assert!(second.contains("thing 0<"));
    let beyond = app.get_html("/admin/audit?action=filler&page=99").await;
    assert!(beyond.contains("Page 2 of 2"));
}

#[tokio::test]
async fn admin_audit_log_downloads_as_csv_with_the_same_filters() {
    let app = admin_app().await;
    let mut fields = creditor_fields("Contoso", "GBP", "Europe/London");
    fields[1] = ("display_name", "=HYPERLINK(\"http://evil\",\"x\")");
    app.post_form("/admin/creditors/new", &fields).await;
    let html = app.get_html("/admin/audit?action=creditor").await;
    let csv_link = html
        .split("Download as CSV")
        .next()
        .and_then(|before| before.rsplit("href=\"").next())
        .unwrap_or_default()
        .to_string();
    assert!(
        csv_link.starts_with("/admin/audit.csv?action=creditor&"),
        "{csv_link}"
    );

    let response = app.get("/admin/audit.csv?action=creditor").await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("audit-log.csv")
    );
    let body = response.text().await.unwrap();
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(
        lines[0],
        "id,when_utc,actor_kind,actor_id,actor_email,creditor_id,creditor,action,subject_kind,subject_id,detail"
    );
    assert_eq!(lines.len(), 2, "only the filtered entry: {body}");
    assert!(lines[1].contains("creditor.created"));
    assert!(lines[1].contains(ADMIN.0));
    // The creditor's name would be a formula in a spreadsheet: it is defused.
    assert!(
        lines[1].contains(r#""'=HYPERLINK(""http://evil"",""x"")""#),
        "{}",
        lines[1]
    );

    let all = app.get("/admin/audit.csv").await.text().await.unwrap();
    assert!(all.contains("staff.signed_in") && all.contains("creditor.created"));
    assert_eq!(
        app.get("/admin/audit.csv?from=nope")
            .await
            .status()
            .as_u16(),
        400
    );
}
