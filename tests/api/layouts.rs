//! Two layouts: staff and admin pages speak to staff, with the staff navigation and the full
//! width of the screen; debtor pages keep the reading column. Every footer links the privacy
//! notice and the accessibility statement.
use goodterms::entities::creditor;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::{TestApp, assert_redirect, spawn_demo_app};
use crate::plans_staff::propose_twenty_a_month;

const STAFF: (&str, &str) = ("staff@northwind.example", "northwind-demo");
const ADMIN: (&str, &str) = ("admin@goodterms.example", "admin-demo");

/// Wording meant for the person who owes, which a staff page must never use.
const DEBTOR_VOICE: &[&str] = &[
    "you owe",
    "what you owed",
    "your contract",
    "in your favour",
];

const FOOTER_LINKS: &[&str] = &[
    r#"<a href="/privacy">Privacy notice</a>"#,
    r#"<a href="/accessibility">Accessibility statement</a>"#,
];

/// Fetches a page that must exist and returns its HTML.
async fn page(app: &TestApp, path: &str) -> String {
    let response = app.get(path).await;
    assert_eq!(response.status().as_u16(), 200, "GET {path}");
    response.text().await.expect("body")
}

fn assert_staff_page(path: &str, html: &str, nav_link: &str) {
    let lower = html.to_lowercase();
    for phrase in DEBTOR_VOICE {
        assert!(!lower.contains(phrase), "{path} says {phrase:?}:\n{html}");
    }
    assert!(
        html.contains(r#"<nav aria-label="Staff""#) && html.contains(nav_link),
        "{path} has no staff navigation:\n{html}"
    );
    assert!(
        html.contains(r#"<body class="staff">"#),
        "{path} is not on the staff layout"
    );
    for link in FOOTER_LINKS {
        assert!(html.contains(link), "{path} has no footer link {link}");
    }
}

#[tokio::test]
async fn every_staff_page_speaks_to_staff_and_has_the_staff_navigation() {
    let app = spawn_demo_app().await;
    let plan_id = propose_twenty_a_month(&app, "NW-1001").await;
    assert_redirect(&app.sign_in_staff(STAFF.0, STAFF.1).await, "/staff");
    let pages = [
        "/staff/dashboard".to_string(),
        "/staff/accounts".to_string(),
        // Alex's account: a fee with its reason and a payment, so the statement is full.
        "/staff/accounts/1".to_string(),
        "/staff/plans".to_string(),
        format!("/staff/plans/{plan_id}"),
        "/staff/plans/review".to_string(),
        "/staff/import".to_string(),
    ];
    for path in &pages {
        let html = page(&app, path).await;
        assert_staff_page(path, &html, r#"<a href="/staff/plans/review">"#);
    }
    let account = page(&app, "/staff/accounts/1").await;
    assert!(account.contains("What the customer owed at the start"));
}

#[tokio::test]
async fn every_admin_page_speaks_to_staff_and_has_the_admin_navigation() {
    let app = spawn_demo_app().await;
    let northwind = creditor::Entity::find()
        .filter(creditor::Column::Name.eq("Northwind Utilities"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("demo creditor");
    assert_redirect(&app.sign_in_staff(ADMIN.0, ADMIN.1).await, "/staff");
    let pages = [
        "/admin/creditors".to_string(),
        "/admin/creditors/new".to_string(),
        format!("/admin/creditors/{}/edit", northwind.id),
        format!("/admin/creditors/{}/policy", northwind.id),
        "/admin/discounts".to_string(),
        "/admin/discounts/new".to_string(),
        "/admin/staff".to_string(),
        "/admin/staff/new".to_string(),
        "/admin/outbox".to_string(),
        "/admin/audit".to_string(),
    ];
    for path in &pages {
        let html = page(&app, path).await;
        assert_staff_page(path, &html, r#"<a href="/admin/audit">"#);
    }
}

#[tokio::test]
async fn debtor_pages_keep_their_layout_and_link_the_privacy_and_accessibility_pages() {
    let app = spawn_demo_app().await;
    let mut pages = vec![("/", page(&app, "/").await)];
    pages.push(("/signin/link", page(&app, "/signin/link").await));
    app.sign_in_alex().await;
    pages.push(("/account", page(&app, "/account").await));
    let missing = app.get("/no-such-page").await;
    assert_eq!(missing.status().as_u16(), 404);
    pages.push(("a missing page", missing.text().await.unwrap()));
    for (path, html) in &pages {
        for link in FOOTER_LINKS {
            assert!(
                html.contains(link),
                "{path} has no footer link {link}:\n{html}"
            );
        }
        assert!(
            !html.contains(r#"<body class="staff">"#),
            "{path} is on the staff layout"
        );
        assert!(
            !html.contains(r#"<nav aria-label="Staff""#),
            "{path} shows the staff navigation"
        );
    }
    let account = &pages[2].1;
    assert!(account.contains("What you owed at the start"));

    let privacy = page(&app, "/privacy").await;
    assert!(privacy.contains("<h1>Privacy notice</h1>"));
    assert!(privacy.contains("Your card number never reaches Good Terms"));
    let accessibility = page(&app, "/accessibility").await;
    assert!(accessibility.contains("<h1>Accessibility statement</h1>"));
    assert!(accessibility.contains("WCAG"));
}
