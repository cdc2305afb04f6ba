//! The staff timeline shows only the emails sent for the staff member's own creditor, even
//! when the same address is a debtor at another creditor too.
use chrono::Utc;
use goodterms::email::{EmailContent, outbox};
use goodterms::entities::{account, debtor};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};

use crate::helpers::{CONTOSO_STAFF, TestApp, add_contoso, spawn_demo_app};
use crate::payments::account_id;

const STAFF: (&str, &str) = ("staff@northwind.example", "northwind-demo");

/// Alex Morgan, with the same email address, as a debtor of Contoso Water too.
async fn alex_at_contoso(app: &TestApp) -> (i32, i32) {
    let creditor_id = add_contoso(app).await;
    let now = Utc::now();
    let person = debtor::ActiveModel {
        creditor_id: Set(creditor_id),
        full_name: Set("Alex Morgan".to_string()),
        email: Set("alex.morgan@example.com".to_string()),
        dob_hash: Set("not-a-real-hash".to_string()),
        time_zone: Set("Europe/London".to_string()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    let owed = account::ActiveModel {
        creditor_id: Set(creditor_id),
        debtor_id: Set(person.id),
        reference: Set("CW-1001".to_string()),
        description: Set("Water supply".to_string()),
        currency: Set("GBP".to_string()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    (person.id, owed.id)
}

fn email(subject: &str) -> EmailContent {
    EmailContent {
        template: "test",
        subject: subject.to_string(),
        text: "Hello".to_string(),
        html: "<p>Hello</p>".to_string(),
    }
}

#[tokio::test]
async fn each_creditor_sees_only_its_own_emails_to_a_shared_address() {
    let app = spawn_demo_app().await;
    let (contoso_debtor, contoso_account) = alex_at_contoso(&app).await;
    let northwind_account = account_id(&app, "NW-1001").await;
    let northwind_debtor = account::Entity::find_by_id(northwind_account)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .debtor_id;
    let now = Utc::now();
    outbox::enqueue_to_debtor(&app.db, contoso_debtor, email("Your water bill"), now)
        .await
        .unwrap();
    outbox::enqueue_to_debtor(
        &app.db,
        northwind_debtor,
        email("Your electricity bill"),
        now,
    )
    .await
    .unwrap();

    app.sign_in_staff(STAFF.0, STAFF.1).await;
    let northwind = app
        .get_html(&format!("/staff/accounts/{northwind_account}"))
        .await;
    assert!(northwind.contains("Your electricity bill"));
    assert!(
        !northwind.contains("Your water bill"),
        "Contoso's email shown to Northwind"
    );
    app.post_form("/staff/signout", &[]).await;

    app.sign_in_staff(CONTOSO_STAFF.0, CONTOSO_STAFF.1).await;
    let contoso = app
        .get_html(&format!("/staff/accounts/{contoso_account}"))
        .await;
    assert!(contoso.contains("Your water bill"));
    assert!(
        !contoso.contains("Your electricity bill"),
        "Northwind's email shown to Contoso"
    );
}
