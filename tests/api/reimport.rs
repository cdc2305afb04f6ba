//! Re-importing a creditor's file after the debtor paid in the portal: the payment stays, and
//! only what changed in the creditor's own records is booked. Staff see what will change
//! before they import.
use goodterms::domain::{EntryKind, EntryOrigin};
use goodterms::entities::ledger_entry;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::helpers::{TestApp, spawn_demo_app};
use crate::import::{checked, good_file, import};
use crate::payments::{account_id, balance_minor};

const STAFF: (&str, &str) = ("staff@northwind.example", "northwind-demo");

/// Northwind imports the usual file: IMP-1 owes £265.00 (300 + 15 - 50).
async fn imported() -> (TestApp, i32) {
    let app = spawn_demo_app().await;
    app.sign_in_staff(STAFF.0, STAFF.1).await;
    let id = checked(&app, good_file().as_bytes()).await;
    import(&app, id, false).await;
    let account = account_id(&app, "IMP-1").await;
    assert_eq!(balance_minor(&app, account).await, 26_500);
    (app, account)
}

/// The debtor signs in and pays `amount` by card through the test checkout.
async fn debtor_pays(app: &TestApp, account: i32, amount: &str) {
    app.post_form("/staff/signout", &[]).await;
    let response = app.sign_in_debtor("IMP-1", ("3", "2", "1979")).await;
    assert_eq!(response.status().as_u16(), 303, "signed in");
    let response = app
        .post_form(
            &format!("/account/{account}/pay"),
            &[("choice", "other"), ("amount", amount)],
        )
        .await;
    assert_eq!(response.status().as_u16(), 303, "payment starts");
    let checkout = response.headers()["location"].to_str().unwrap().to_string();
    let done = app.post_form(&checkout, &[("outcome", "succeed")]).await;
    assert_eq!(done.status().as_u16(), 303, "paid");
    app.post_form("/signout", &[]).await;
    app.sign_in_staff(STAFF.0, STAFF.1).await;
}

async fn adjustments(app: &TestApp, account: i32) -> Vec<(i64, EntryOrigin)> {
    ledger_entry::Entity::find()
        .filter(ledger_entry::Column::AccountId.eq(account))
        .filter(ledger_entry::Column::Kind.eq(EntryKind::Adjustment))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.amount_minor.0, e.origin))
        .collect()
}

#[tokio::test]
async fn re_importing_the_same_file_keeps_a_portal_payment() {
    let (app, account) = imported().await;
    debtor_pays(&app, account, "200").await;
    assert_eq!(balance_minor(&app, account).await, 6_500);

    let again = checked(&app, good_file().as_bytes()).await;
    let report = app.get_html(&format!("/staff/import/{again}")).await;
    assert!(report.contains("What the import will change"), "{report}");
    assert!(report.contains("<dd id=\"preview-change\">0</dd>"));
    assert!(report.contains("<dd id=\"preview-unchanged\">2</dd>"));
    assert!(report.contains("No change: £65.00"), "{report}");

    let html = import(&app, again, false).await;
    assert!(html.contains("<dd id=\"adjusted\">0</dd>"));
    assert!(html.contains("<dd id=\"unchanged\">2</dd>"));
    assert_eq!(
        balance_minor(&app, account).await,
        6_500,
        "the £200 paid in the portal is still paid"
    );
    assert!(adjustments(&app, account).await.is_empty());
}

#[tokio::test]
async fn a_changed_balance_books_only_the_difference_after_a_portal_payment() {
    let (app, account) = imported().await;
    debtor_pays(&app, account, "200").await;

    // The creditor's own records went up by £20: 300.00 became 320.00.
    let changed = good_file().replace("300.00,2026-03-01", "320.00,2026-03-01");
    let again = checked(&app, changed.as_bytes()).await;
    let report = app.get_html(&format!("/staff/import/{again}")).await;
    assert!(report.contains("<dd id=\"preview-change\">1</dd>"));
    assert!(
        report.contains("Will change: £65.00 to £85.00"),
        "staff see the change before importing: {report}"
    );
    assert_eq!(
        balance_minor(&app, account).await,
        6_500,
        "nothing changes until staff choose to import"
    );

    let html = import(&app, again, false).await;
    assert!(html.contains("<dd id=\"adjusted\">1</dd>"));
    assert_eq!(balance_minor(&app, account).await, 8_500);
    assert_eq!(
        adjustments(&app, account).await,
        vec![(2_000, EntryOrigin::Creditor)]
    );

    // The same changed file again changes nothing more.
    let third = checked(&app, changed.as_bytes()).await;
    import(&app, third, false).await;
    assert_eq!(balance_minor(&app, account).await, 8_500);
}

#[tokio::test]
async fn entries_booked_before_origins_were_recorded_are_told_apart() {
    use migrations::{Migrator, MigratorTrait};
    let (app, account) = imported().await;
    debtor_pays(&app, account, "200").await;
    // Back to the schema without origins and forward again: the file's items are the
    // creditor's, the card payment the portal's.
    Migrator::down(&app.db, Some(1)).await.expect("down");
    Migrator::up(&app.db, None).await.expect("up");
    let origins: Vec<(EntryKind, EntryOrigin)> = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::AccountId.eq(account))
        .order_by_asc(ledger_entry::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.kind, e.origin))
        .collect();
    assert_eq!(
        origins,
        vec![
            (EntryKind::Principal, EntryOrigin::Creditor),
            (EntryKind::Fee, EntryOrigin::Creditor),
            (EntryKind::Payment, EntryOrigin::Creditor),
            (EntryKind::Payment, EntryOrigin::Portal),
        ]
    );
    let again = checked(&app, good_file().as_bytes()).await;
    import(&app, again, false).await;
    assert_eq!(balance_minor(&app, account).await, 6_500);
}

/// Checks and queues one file per staff member, then runs every import at the same time, as
/// background jobs on several instances would.
pub(crate) async fn import_at_once(app: &TestApp, uploads: &[(&str, String)]) {
    use chrono::Utc;
    use goodterms::entities::staff_user;
    use goodterms::services::staff::imports::{self, Importer};
    let mut ids = Vec::new();
    for (email, csv) in uploads {
        let staff = staff_user::Entity::find()
            .filter(staff_user::Column::Email.eq(*email))
            .one(&app.db)
            .await
            .unwrap()
            .expect("staff member");
        let who = Importer {
            creditor_id: staff.creditor_id.expect("creditor staff"),
            staff_id: staff.id,
        };
        let id = imports::check_upload(
            &app.db,
            &app.hasher,
            who,
            "at-once.csv",
            csv.clone().into_bytes(),
            Utc::now(),
        )
        .await
        .unwrap()
        .expect("a readable file");
        imports::start(&app.db, who, id, false, Utc::now())
            .await
            .unwrap()
            .expect("queued");
        ids.push(id);
    }
    let runs: Vec<_> = ids
        .into_iter()
        .map(|id| {
            let db = app.db.clone();
            tokio::spawn(async move { imports::run(&db, id, Utc::now()).await })
        })
        .collect();
    for run in runs {
        run.await.unwrap().expect("import ran").expect("claimed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn re_imports_running_at_once_book_each_change_once() {
    use crate::import::HEADER;
    use goodterms::entities::account;
    // Enough accounts that the imports' transactions overlap.
    let many = |amount: &str| -> String {
        let rows: String = (1..=200)
            .map(|n| format!("AT-{n},Person {n},p{n}@example.com,1980-01-01,Europe/London,GBP,{amount},2026-03-01,principal,Gas\n"))
            .collect();
        format!("{HEADER}{rows}")
    };
    let app = spawn_demo_app().await;
    import_at_once(&app, &[(STAFF.0, many("100.00"))]).await;
    let uploads: Vec<(&str, String)> = (0..3).map(|_| (STAFF.0, many("120.00"))).collect();
    import_at_once(&app, &uploads).await;
    let accounts = account::Entity::find()
        .filter(account::Column::Reference.starts_with("AT-"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(accounts.len(), 200);
    for account in accounts {
        assert_eq!(
            balance_minor(&app, account.id).await,
            12_000,
            "{}",
            account.reference
        );
        assert_eq!(
            adjustments(&app, account.id).await,
            vec![(2_000, EntryOrigin::Creditor)]
        );
    }
}
