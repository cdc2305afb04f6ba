//! Free, independent debt advice: the UK defaults until a creditor sets its own list, which
//! an admin edits (https addresses, lengths checked, rows added and removed).
use crate::helpers::{TestApp, spawn_demo_app};
use crate::payments::account_id;

const ADMIN: (&str, &str) = ("admin@goodterms.example", "admin-demo");

fn says_free_and_independent(html: &str) {
    assert!(html.contains("<h1>Free, independent debt advice</h1>"));
    assert!(html.contains("<strong>free</strong> and <strong>independent</strong>"));
    assert!(html.contains("Using them will not count against you."));
}

fn shows_defaults(html: &str) -> bool {
    [
        "MoneyHelper",
        "https://www.moneyhelper.org.uk",
        "StepChange Debt Charity",
        "0800 138 1111",
        "National Debtline",
        "Citizens Advice",
    ]
    .iter()
    .all(|text| html.contains(text))
}

async fn northwind_id(app: &TestApp) -> i32 {
    use goodterms::entities::creditor;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    creditor::Entity::find()
        .filter(creditor::Column::DisplayName.eq("Northwind Utilities"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn as_admin(app: &TestApp) {
    app.post_form("/signout", &[]).await;
    app.sign_in_staff(ADMIN.0, ADMIN.1).await;
}

#[tokio::test]
async fn the_advice_pages_show_the_uk_defaults() {
    let app = spawn_demo_app().await;
    let public = app.get("/debt-advice").await;
    assert_eq!(public.status().as_u16(), 200);
    let html = public.text().await.unwrap();
    says_free_and_independent(&html);
    assert!(shows_defaults(&html));

    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    let html = app.get_html(&format!("/account/{id}/advice")).await;
    says_free_and_independent(&html);
    assert!(html.contains("not for Northwind Utilities"));
    assert!(shows_defaults(&html));
    assert!(html.contains(r#"href="tel:08001381111""#));
}

#[tokio::test]
async fn another_persons_advice_page_is_not_found() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let sam = account_id(&app, "NW-1002").await;
    assert_eq!(
        app.get(&format!("/account/{sam}/advice"))
            .await
            .status()
            .as_u16(),
        404
    );
}

#[tokio::test]
async fn an_admin_sets_the_creditors_own_list_and_people_see_it() {
    let app = spawn_demo_app().await;
    let northwind = northwind_id(&app).await;
    as_admin(&app).await;
    let list = app.get_html("/admin/creditors").await;
    let editor = format!("/admin/creditors/{northwind}/advice");
    assert!(list.contains(&editor), "linked from the creditor list");
    let form = app.get_html(&editor).await;
    assert!(form.contains(r#"id="name-0""#), "an empty row to add one");

    let saved = app
        .post_form(
            &editor,
            &[
                ("name-0", "Northside Money Advice"),
                ("url-0", "https://advice.northside.example"),
                ("phone-0", "0800 000 1234"),
                ("description-0", "Free advice from a local charity."),
            ],
        )
        .await;
    crate::helpers::assert_redirect(&saved, &format!("{editor}?saved=1"));
    let form = app.get_html(&format!("{editor}?saved=1")).await;
    assert!(form.contains("The list is saved."));
    assert!(form.contains(r#"value="Northside Money Advice""#));

    app.post_form("/staff/signout", &[]).await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    let html = app.get_html(&format!("/account/{id}/advice")).await;
    says_free_and_independent(&html);
    assert!(html.contains("Northside Money Advice"));
    assert!(html.contains("https://advice.northside.example"));
    assert!(
        !html.contains("StepChange"),
        "the creditor's list replaces the defaults"
    );
    assert!(
        shows_defaults(&app.get_html("/debt-advice").await),
        "public page unchanged"
    );

    // Removing the only service brings the defaults back.
    app.post_form("/signout", &[]).await;
    as_admin(&app).await;
    app.post_form(
        &editor,
        &[
            ("name-0", "Northside Money Advice"),
            ("url-0", "https://advice.northside.example"),
            ("phone-0", "0800 000 1234"),
            ("description-0", "Free advice from a local charity."),
            ("remove-0", "yes"),
        ],
    )
    .await;
    app.post_form("/staff/signout", &[]).await;
    app.sign_in_alex().await;
    assert!(shows_defaults(
        &app.get_html(&format!("/account/{id}/advice")).await
    ));
}

#[tokio::test]
async fn bad_admin_input_is_refused_with_messages_and_nothing_is_saved() {
    let app = spawn_demo_app().await;
    let northwind = northwind_id(&app).await;
    as_admin(&app).await;
    let editor = format!("/admin/creditors/{northwind}/advice");
    let long_name = "N".repeat(121);
    let refused = app
        .post_form(
            &editor,
            &[
                ("name-0", "Plain Advice"),
                ("url-0", "http://plain.example"),
                ("phone-0", "call us"),
                ("description-0", ""),
                ("name-1", &long_name),
                ("url-1", "https://long.example"),
                ("description-1", "Free"),
            ],
        )
        .await;
    assert_eq!(refused.status().as_u16(), 400);
    let html = refused.text().await.unwrap();
    for message in [
        "Enter the website address starting with https://",
        "Enter the phone number with digits and spaces only",
        "Enter one line saying what the service helps with",
        "Keep the name to 120 characters or fewer",
    ] {
        assert!(html.contains(message), "{message}");
    }
    assert!(
        html.contains(r##"<a href="#url-0">"##),
        "the summary links the field"
    );
    assert!(
        html.contains(r#"value="http://plain.example""#),
        "what was typed is kept"
    );
    let stored = goodterms::services::care::advice::own_list(&app.db, northwind)
        .await
        .unwrap();
    assert!(stored.is_empty(), "nothing saved");
}
