//! CSV import of accounts: the check and its row-by-row report, all-or-nothing unless "only
//! the valid accounts" is chosen, idempotent re-import, adjustments, and creditor scoping.
use chrono::Utc;
use goodterms::domain::EntryKind;
use goodterms::domain::import::ImportStatus;
use goodterms::domain::staff::StaffRole;
use goodterms::entities::{account, audit_log, creditor, ledger_entry};
use goodterms::services::admin::create_staff::{self, NewStaff};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

use crate::helpers::{TestApp, spawn_demo_app};

const STAFF: (&str, &str) = ("staff@northwind.example", "northwind-demo");
const OTHER_STAFF: (&str, &str) = ("staff@fabrikam.example", "fabrikam-password-1");
pub(crate) const HEADER: &str =
    "reference,name,email,date_of_birth,time_zone,currency,amount,date,kind,description\n";

pub(crate) fn good_file() -> String {
    format!(
        "{HEADER}\
         IMP-1,Jamie Fox,jamie@example.com,1979-02-03,Europe/London,GBP,300.00,2026-03-01,principal,Gas used in winter 2025\n\
         IMP-1,Jamie Fox,jamie@example.com,1979-02-03,Europe/London,GBP,15.00,2026-04-02,fee,Late payment fee because the bill was not paid by its due date\n\
         IMP-1,Jamie Fox,jamie@example.com,1979-02-03,Europe/London,GBP,50.00,2026-05-01,payment,Payment by card\n\
         IMP-2,Robin Park,robin@example.com,1992-12-24,Europe/London,GBP,99.99,2026-03-01,principal,Water charges 2025\n"
    )
}

/// A multipart/form-data body the way a browser sends a file field.
pub(crate) async fn upload(app: &TestApp, file_name: &str, bytes: &[u8]) -> reqwest::Response {
    let token = app.csrf_token().await;
    upload_with_token(app, file_name, bytes, &token).await
}

async fn upload_with_token(
    app: &TestApp,
    file_name: &str,
    bytes: &[u8],
    token: &str,
) -> reqwest::Response {
    let boundary = "----goodtermsTestBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    app.client
        .post(app.url(&format!("/staff/import?csrf_token={token}")))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .expect("upload")
}

/// Uploads a file that can be read, and returns the import's id from the redirect.
pub(crate) async fn checked(app: &TestApp, bytes: &[u8]) -> i32 {
    let response = upload(app, "accounts.csv", bytes).await;
    assert_eq!(
        response.status().as_u16(),
        303,
        "a readable file is checked"
    );
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("location")
        .to_string();
    location
        .trim_start_matches("/staff/import/")
        .parse()
        .expect("import id")
}

/// Starts an import and waits (by reading the progress page, as a person would) until done.
pub(crate) async fn import(app: &TestApp, id: i32, only_valid: bool) -> String {
    let fields: &[(&str, &str)] = if only_valid {
        &[("only_valid", "yes")]
    } else {
        &[]
    };
    let response = app
        .post_form(&format!("/staff/import/{id}/start"), fields)
        .await;
    assert_eq!(response.status().as_u16(), 303);
    for _ in 0..200 {
        let html = app.get_html(&format!("/staff/import/{id}")).await;
        if html.contains("The import is finished") || html.contains("The import stopped") {
            return html;
        }
        assert!(html.contains("<progress") || html.contains("Nothing has been imported"));
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the import did not finish");
}

async fn counts(app: &TestApp) -> (u64, u64) {
    let accounts = account::Entity::find().count(&app.db).await.unwrap();
    let entries = ledger_entry::Entity::find().count(&app.db).await.unwrap();
    (accounts, entries)
}

async fn staff_app() -> TestApp {
    let app = spawn_demo_app().await;
    app.sign_in_staff(STAFF.0, STAFF.1).await;
    app
}

#[tokio::test]
async fn the_upload_page_has_a_file_field_and_the_token_in_its_action() {
    let app = staff_app().await;
    let html = app.get_html("/staff/import").await;
    assert!(html.contains("<h1>Import accounts</h1>"));
    assert!(html.contains("enctype=\"multipart/form-data\""));
    assert!(html.contains("action=\"/staff/import?csrf_token="));
    assert!(html.contains("<label for=\"file\">CSV file</label>"));
}

#[tokio::test]
async fn an_upload_without_the_token_is_refused() {
    let app = staff_app().await;
    let before = counts(&app).await;
    let response = upload_with_token(&app, "a.csv", good_file().as_bytes(), "").await;
    assert_eq!(response.status().as_u16(), 403);
    let wrong = "0".repeat(64);
    let response = upload_with_token(&app, "a.csv", good_file().as_bytes(), &wrong).await;
    assert_eq!(response.status().as_u16(), 403);
    assert_eq!(counts(&app).await, before);
}

/// The rule is by content type, not by route: a multipart POST anywhere needs the token in
/// its URL, so a form sent as multipart cannot slip past the check.
#[tokio::test]
async fn a_multipart_post_to_any_form_needs_the_token_in_its_url() {
    let app = staff_app().await;
    let token = app.csrf_token().await;
    let boundary = "----goodtermsNote";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nsneaky\r\n--{boundary}--\r\n"
    );
    let response = app
        .client
        .post(app.url("/staff/accounts/1/notes"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status().as_u16(), 403);
    let notes = goodterms::entities::account_note::Entity::find()
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(notes, 0);
}

#[tokio::test]
async fn whole_file_problems_are_shown_on_the_form_and_nothing_is_saved() {
    let app = staff_app().await;
    let before = counts(&app).await;
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            b"ref,name,amount\nA,B,1\n".to_vec(),
            "The first row must be the column names",
        ),
        (
            // Latin-1 "é" in a name: not UTF-8.
            [
                HEADER.as_bytes(),
                b"A-1,Ren\xe9,r@example.com,1980-01-01,UTC,GBP,1,2026-01-01,principal,X\n",
            ]
            .concat(),
            "The file is not UTF-8 text. Save it as CSV UTF-8 and try again",
        ),
        (
            // 10 MB of junk bytes.
            (0..10 * 1024 * 1024u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
                .collect(),
            "The file is not UTF-8 text",
        ),
        (
            // 10 MB of junk text.
            "lorem,ipsum;dolor\tsit\n".repeat(500_000).into_bytes(),
            "The first row must be the column names",
        ),
    ];
    for (bytes, message) in cases {
        let response = upload(&app, "bad.csv", &bytes).await;
        assert_eq!(response.status().as_u16(), 400);
        let html = response.text().await.unwrap();
        assert!(html.contains(message), "expected {message:?}");
        assert!(html.contains("There is a problem"));
    }
    assert_eq!(counts(&app).await, before);
    let imports = goodterms::entities::import::Entity::find()
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(imports, 0, "no report is saved for an unreadable file");
}

#[tokio::test]
async fn a_file_over_32_mb_is_refused_with_a_clear_message_and_nothing_is_saved() {
    let app = staff_app().await;
    let before = counts(&app).await;
    // A real file padded with empty lines to one byte over the limit.
    let mut big = good_file().into_bytes();
    big.resize(32 * 1024 * 1024 + 1, b'\n');
    let response = upload(&app, "big.csv", &big).await;
    assert_eq!(response.status().as_u16(), 413);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("The file is larger than 32 MB. Split it into smaller files"),
        "{html}"
    );
    assert!(html.contains("There is a problem") && html.contains("<h1>Import accounts</h1>"));
    assert_eq!(counts(&app).await, before);
    let imports = goodterms::entities::import::Entity::find()
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(imports, 0, "nothing is kept of a file that is too large");

    // The same file within the limit is read and checked.
    big.truncate(32 * 1024 * 1024);
    checked(&app, &big).await;
}

#[tokio::test]
async fn an_upload_without_a_file_asks_for_one() {
    let app = staff_app().await;
    let token = app.csrf_token().await;
    let boundary = "----goodtermsNoFile";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--{boundary}--\r\n"
    );
    let response = app
        .client
        .post(app.url(&format!("/staff/import?csrf_token={token}")))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .expect("upload");
    assert_eq!(response.status().as_u16(), 400);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Choose a CSV file to upload")
    );
}

#[tokio::test]
async fn bad_rows_are_reported_with_row_numbers_and_nothing_is_imported() {
    let app = staff_app().await;
    let before = counts(&app).await;
    let file = format!(
        "{HEADER}\
         OK-1,Good Row,good@example.com,1980-01-01,Europe/London,GBP,10.00,2026-01-01,principal,Fine\n\
         BAD-1,Amount Bad,a@example.com,1980-01-01,Europe/London,GBP,ten pounds,2026-01-01,principal,X\n\
         BAD-2,Date Bad,b@example.com,1980-01-01,Europe/London,GBP,10,2026-13-01,principal,X\n\
         BAD-3,Kind Bad,c@example.com,1980-01-01,Europe/London,GBP,10,2026-01-01,bribe,X\n\
         BAD-4,Email Bad,not-an-email,1980-01-01,Europe/London,GBP,10,2026-01-01,principal,X\n\
         BAD<5>,Reference Bad,e@example.com,1980-01-01,Europe/London,GBP,10,2026-01-01,principal,X\n"
    );
    let id = checked(&app, file.as_bytes()).await;
    let html = app.get_html(&format!("/staff/import/{id}")).await;
    for (row, column) in [
        (3, "amount"),
        (4, "date"),
        (5, "kind"),
        (6, "email"),
        (7, "reference"),
    ] {
        let cells = format!("<tr><td class=\"num\">{row}</td><td>{column}</td>");
        assert!(html.contains(&cells), "row {row} {column} reported");
    }
    assert!(html.contains("The amount must be a number"));
    assert!(
        !html.contains("<tr><td class=\"num\">2</td>"),
        "the good row has no problem"
    );
    assert!(html.contains("Import only the 1 valid account"));
    assert!(!html.contains(">Import 1 account<"));

    // Asking to import everything is refused while there are problems.
    let response = app
        .post_form(&format!("/staff/import/{id}/start"), &[])
        .await;
    assert_eq!(response.status().as_u16(), 303);
    let html = app
        .get_html(&format!("/staff/import/{id}?refused=problems"))
        .await;
    assert!(html.contains("Some rows have problems"));
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(counts(&app).await, before, "nothing imported");

    // Choosing "only the valid accounts" imports just the good one.
    let html = import(&app, id, true).await;
    assert!(html.contains("The import is finished"));
    assert!(html.contains("<dd id=\"created\">1</dd>"));
    assert_eq!(counts(&app).await, (before.0 + 1, before.1 + 1));
    let imported = account::Entity::find()
        .filter(account::Column::Reference.eq("OK-1"))
        .one(&app.db)
        .await
        .unwrap();
    assert!(imported.is_some());
}

#[tokio::test]
async fn a_good_file_creates_accounts_a_debtor_can_sign_in_to() {
    let app = staff_app().await;
    let before = counts(&app).await;
    let id = checked(&app, good_file().as_bytes()).await;
    let html = app.get_html(&format!("/staff/import/{id}")).await;
    assert!(html.contains("Import 2 accounts"));
    let html = import(&app, id, false).await;
    assert!(html.contains("<dd id=\"created\">2</dd>"));
    assert!(html.contains("<dd id=\"unchanged\">0</dd>"));
    assert_eq!(counts(&app).await, (before.0 + 2, before.1 + 4));

    // The fee keeps its description as the reason a person reads.
    let fee = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::Kind.eq(EntryKind::Fee))
        .filter(ledger_entry::Column::Reason.is_not_null())
        .all(&app.db)
        .await
        .unwrap();
    assert!(fee.iter().any(|f| f.reason.as_deref()
        == Some("Late payment fee because the bill was not paid by its due date")));

    // The audit log has the check, the start and the finish.
    let actions: Vec<String> = audit_log::Entity::find()
        .filter(audit_log::Column::SubjectKind.eq("import"))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert_eq!(
        actions,
        vec!["import.checked", "import.started", "import.finished"]
    );

    // The debtor signs in, in their own browser, with the imported reference and date of birth.
    let (jar, client) = app.second_browser();
    client.get(app.url("/")).send().await.unwrap();
    let url: reqwest::Url = app.address.parse().unwrap();
    let cookies = reqwest::cookie::CookieStore::cookies(jar.as_ref(), &url).unwrap();
    let token = cookies
        .to_str()
        .unwrap()
        .split("; ")
        .find_map(|pair| pair.strip_prefix("gt_csrf="))
        .unwrap()
        .to_string();
    let form = [
        ("reference", "imp-1"),
        ("dob_day", "3"),
        ("dob_month", "2"),
        ("dob_year", "1979"),
        ("csrf_token", token.as_str()),
    ];
    let response = client
        .post(app.url("/signin"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(form).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303, "signed in");
    let html = client
        .get(app.url("/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("£265.00"), "300 + 15 - 50");
}

#[tokio::test]
async fn re_importing_the_same_file_changes_nothing() {
    let app = staff_app().await;
    let first = checked(&app, good_file().as_bytes()).await;
    import(&app, first, false).await;
    let after_first = counts(&app).await;
    let second = checked(&app, good_file().as_bytes()).await;
    let html = import(&app, second, false).await;
    assert!(html.contains("<dd id=\"created\">0</dd>"));
    assert!(html.contains("<dd id=\"adjusted\">0</dd>"));
    assert!(html.contains("<dd id=\"unchanged\">2</dd>"));
    assert_eq!(counts(&app).await, after_first);
}

#[tokio::test]
async fn a_changed_amount_adds_exactly_one_adjustment() {
    let app = staff_app().await;
    let first = checked(&app, good_file().as_bytes()).await;
    import(&app, first, false).await;
    let after_first = counts(&app).await;
    let changed = good_file().replace("99.99,2026-03-01", "120.00,2026-03-01");
    let second = checked(&app, changed.as_bytes()).await;
    let html = import(&app, second, false).await;
    assert!(html.contains("<dd id=\"adjusted\">1</dd>"));
    assert!(html.contains("<dd id=\"unchanged\">1</dd>"));
    assert_eq!(counts(&app).await, (after_first.0, after_first.1 + 1));
    let adjustments = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::Kind.eq(EntryKind::Adjustment))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(adjustments.len(), 1);
    assert_eq!(adjustments[0].amount_minor.0, 12_000 - 9_999);
    assert!(adjustments[0].description.contains("account import of"));
    // Importing the changed file again changes nothing more.
    let third = checked(&app, changed.as_bytes()).await;
    import(&app, third, false).await;
    assert_eq!(counts(&app).await, (after_first.0, after_first.1 + 1));
}

#[tokio::test]
async fn another_creditors_import_is_not_found() {
    let app = staff_app().await;
    let id = checked(&app, good_file().as_bytes()).await;
    creditor::ActiveModel {
        name: Set("Fabrikam Gas".to_string()),
        display_name: Set("Fabrikam Gas".to_string()),
        currency: Set("GBP".to_string()),
        time_zone: Set("Europe/London".to_string()),
        contact_email: Set("help@fabrikam.example".to_string()),
        contact_phone: Set("0300 000 0001".to_string()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    create_staff::create(
        &app.db,
        NewStaff {
            email: OTHER_STAFF.0,
            password: OTHER_STAFF.1,
            role: StaffRole::Creditor,
            creditor_name: Some("Fabrikam Gas"),
        },
        Utc::now(),
    )
    .await
    .unwrap();
    app.post_form("/staff/signout", &[]).await;
    app.sign_in_staff(OTHER_STAFF.0, OTHER_STAFF.1).await;
    let response = app.get(&format!("/staff/import/{id}")).await;
    assert_eq!(response.status().as_u16(), 404);
    let response = app
        .post_form(&format!("/staff/import/{id}/start"), &[])
        .await;
    assert_eq!(response.status().as_u16(), 404);
    assert!(!app.get_html("/staff/import").await.contains("accounts.csv"));
    let before = counts(&app).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(counts(&app).await, before);
}

#[tokio::test]
async fn a_running_import_shows_a_progress_bar_that_refreshes_itself() {
    use sea_orm::{IntoActiveModel, Set};
    let app = staff_app().await;
    let id = checked(&app, good_file().as_bytes()).await;
    let row = goodterms::entities::import::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut row = row.into_active_model();
    row.status = Set(ImportStatus::Running);
    row.processed = Set(1);
    row.update(&app.db).await.unwrap();
    let html = app.get_html(&format!("/staff/import/{id}")).await;
    assert!(html.contains("<progress id=\"progress\" max=\"2\" value=\"1\">50%</progress>"));
    assert!(html.contains("<meta http-equiv=\"refresh\" content=\"2\">"));
    assert!(html.contains("1 of 2 accounts (50%)"));
    let script = app.get("/static/import-progress.js").await;
    assert_eq!(script.status().as_u16(), 200);
}

#[tokio::test]
async fn a_file_larger_than_one_batch_is_kept_in_chunks_until_imported() {
    use goodterms::entities::import_chunk;
    use goodterms::services::staff::imports::BATCH;
    let app = staff_app().await;
    let accounts = 2 * BATCH + 500;
    let mut file = String::from(
        "reference,name,email,date_of_birth,time_zone,currency,amount,date,kind,description\n",
    );
    for n in 1..=accounts {
        file.push_str(&format!(
            "CHUNK-{n},Person {n},person{n}@example.com,1980-01-01,Europe/London,GBP,10.00,2026-04-01,principal,Energy\n"
        ));
    }
    let (accounts_before, entries_before) = counts(&app).await;
    let id = checked(&app, file.as_bytes()).await;
    let chunks = import_chunk::Entity::find()
        .filter(import_chunk::Column::ImportId.eq(id))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(chunks, 3, "two full batches and one of 500");

    let html = import(&app, id, false).await;
    assert!(html.contains(&format!("<dd id=\"created\">{accounts}</dd>")));
    assert_eq!(
        counts(&app).await,
        (
            accounts_before + accounts as u64,
            entries_before + accounts as u64
        )
    );
    let left = import_chunk::Entity::find()
        .filter(import_chunk::Column::ImportId.eq(id))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(left, 0, "the stored accounts go once imported");
}
