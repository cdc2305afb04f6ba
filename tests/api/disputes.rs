//! Disputes: the person says something is wrong, with a file if they like; the account is
//! held at once (no reminders, no automatic payments) until the creditor answers, upholding it
//! with an adjustment or explaining the debt. Bad files are refused and nothing is stored; a
//! second dispute adds to the open one; files and disputes stay with their person and their
//! creditor's staff.
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::London;
use goodterms::domain::care::HoldKind;
use goodterms::domain::disputes::DisputeStatus;
use goodterms::entities::{
    account_hold, attachment, attachment_content, audit_log, dispute, dispute_entry, outbox_message,
};
use goodterms::services::care::holds;
use goodterms::services::contact::reminders;
use goodterms::services::plans::lifecycle;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};

use crate::autopay::{agree_plan, give_notice, opt_in, run};
use crate::helpers::{CONTOSO_STAFF, TestApp, add_contoso, assert_redirect, spawn_demo_app};
use crate::payments::{account_id, balance_minor};

const STAFF: (&str, &str) = ("staff@northwind.example", "northwind-demo");
const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

/// The dispute form as a browser sends it: multipart, the token in the URL.
async fn send_dispute(
    app: &TestApp,
    account: i32,
    reason: &str,
    details: &str,
    file: Option<(&str, &[u8])>,
) -> reqwest::Response {
    let token = app.csrf_token().await;
    let boundary = "----goodtermsDisputeBoundary4f9a";
    let mut body = Vec::new();
    for (name, value) in [("reason", reason), ("details", details)] {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    let (file_name, bytes) = file.unwrap_or(("", b""));
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    app.client
        .post(app.url(&format!("/account/{account}/dispute?csrf_token={token}")))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .expect("dispute form")
}

/// Alex disputes NW-1001 with a PDF; returns the account's id.
async fn alex_disputes(app: &TestApp) -> i32 {
    app.sign_in_alex().await;
    let id = account_id(app, "NW-1001").await;
    let response = send_dispute(
        app,
        id,
        "already_paid",
        "I paid this by bank transfer in June.",
        Some(("bank statement.pdf", PDF)),
    )
    .await;
    assert_redirect(&response, &format!("/account/{id}/dispute/sent"));
    id
}

async fn only_dispute(app: &TestApp) -> dispute::Model {
    let all = dispute::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(all.len(), 1, "one dispute");
    all.into_iter().next().unwrap()
}

async fn as_staff(app: &TestApp, who: (&str, &str)) {
    app.post_form("/signout", &[]).await;
    app.post_form("/staff/signout", &[]).await;
    app.sign_in_staff(who.0, who.1).await;
}

async fn stored_rows(app: &TestApp) -> [u64; 5] {
    [
        dispute::Entity::find().count(&app.db).await.unwrap(),
        dispute_entry::Entity::find().count(&app.db).await.unwrap(),
        attachment::Entity::find().count(&app.db).await.unwrap(),
        attachment_content::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        account_hold::Entity::find().count(&app.db).await.unwrap(),
    ]
}

async fn emails_with_subject(app: &TestApp, subject: &str) -> Vec<outbox_message::Model> {
    outbox_message::Entity::find()
        .filter(outbox_message::Column::Subject.eq(subject))
        .all(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_dispute_with_a_pdf_holds_the_account_at_once_and_says_so() {
    let app = spawn_demo_app().await;
    let id = alex_disputes(&app).await;

    let sent = app.get_html(&format!("/account/{id}/dispute/sent")).await;
    assert!(sent.contains("We have your message"));
    assert!(sent.contains("collection is paused"));

    let found = only_dispute(&app).await;
    assert_eq!(found.status, DisputeStatus::Open);
    let hold = holds::current_of_kind(&app.db, id, HoldKind::Dispute, Utc::now())
        .await
        .unwrap()
        .expect("the account is held");
    assert_eq!(found.hold_id, Some(hold.id));
    assert_eq!(stored_rows(&app).await, [1, 1, 1, 1, 1]);

    let emails = emails_with_subject(&app, "We have your message").await;
    assert_eq!(emails.len(), 1);
    assert!(emails[0].text_body.contains("reference NW-1001"));
    assert!(emails[0].text_body.contains("/go/"), "a link to the page");

    let balance = app.get_html("/account").await;
    assert!(
        balance.contains(
            "You told us something is wrong. Collection is paused until Northwind Utilities answers: no reminders and no automatic payments."
        ),
        "{balance}"
    );

    let page = app.get_html(&format!("/account/{id}/dispute")).await;
    assert!(page.contains("I paid this by bank transfer in June."));
    assert!(page.contains("I&#39;ve already paid") || page.contains("I've already paid"));
    let file = attachment::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let link = format!("/account/{id}/attachments/{}", file.id);
    assert!(page.contains(&link), "links the file");
    assert_eq!(file.file_name, "bank statement.pdf");

    let download = app.get(&link).await;
    assert_eq!(download.status().as_u16(), 200);
    assert_eq!(download.headers()["content-type"], "application/pdf");
    assert_eq!(download.bytes().await.unwrap().as_ref(), PDF);
}

/// `hour`:00 on `date`, London time (Alex's time zone).
fn london(date: NaiveDate, hour: u32) -> DateTime<Utc> {
    London
        .from_local_datetime(&date.and_hms_opt(hour, 0, 0).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

async fn reminders_on(app: &TestApp, day: NaiveDate) -> reminders::Report {
    let now = london(day, 6);
    lifecycle::run(&app.db, now).await.unwrap();
    reminders::run(&app.db, &app.hasher, &app.settings.base_url, now)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_dispute_suppresses_a_due_reminder_until_it_is_answered() {
    let app = spawn_demo_app().await;
    let (_, first_due) = agree_plan(&app).await;
    let id = alex_disputes(&app).await;
    let reminder_day = first_due - Duration::days(3);
    assert_eq!(reminders_on(&app, reminder_day).await.upcoming, 0);

    as_staff(&app, STAFF).await;
    let found = only_dispute(&app).await;
    let answered = app
        .post_form(
            &format!("/staff/disputes/{}/answer", found.id),
            &[
                ("decision", "explain"),
                ("answer", "We have no payment from June."),
            ],
        )
        .await;
    assert_redirect(&answered, &format!("/staff/disputes/{}", found.id));
    assert!(
        holds::current(&app.db, id, Utc::now())
            .await
            .unwrap()
            .is_none(),
        "the hold ended"
    );
    assert_eq!(
        reminders_on(&app, reminder_day).await.upcoming,
        1,
        "reminders resume once answered"
    );
}

#[tokio::test]
async fn a_dispute_stops_a_due_automatic_payment() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let (id, first_due) = agree_plan(&app).await;
    opt_in(&app, id, "save").await;
    give_notice(&app, first_due).await;
    alex_disputes(&app).await;
    assert_eq!(run(&app, first_due).await.charges, 0, "nothing is taken");

    as_staff(&app, STAFF).await;
    let found = only_dispute(&app).await;
    app.post_form(
        &format!("/staff/disputes/{}/answer", found.id),
        &[("decision", "explain"), ("answer", "The bill is right.")],
    )
    .await;
    assert_eq!(run(&app, first_due).await.charges, 1, "taken once answered");
}

#[tokio::test]
async fn bad_files_are_refused_with_a_message_and_nothing_is_stored() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    let mut too_large = b"%PDF-1.7\n".to_vec();
    too_large.resize(5 * 1024 * 1024 + 1, b' ');
    let program = b"MZ\x90\x00\x03\x00\x00\x00 This program cannot be run in DOS mode".to_vec();
    let cases: [(&str, Vec<u8>, &str); 3] = [
        ("big.pdf", too_large, "The file must be smaller than 5 MB."),
        (
            "receipt.pdf",
            program,
            "The file must be a PDF, PNG or JPEG.",
        ),
        ("empty.pdf", Vec::new(), "The file is empty."),
    ];
    for (name, bytes, message) in cases {
        let response = send_dispute(
            &app,
            id,
            "wrong_amount",
            "The meter reading was wrong",
            Some((name, &bytes)),
        )
        .await;
        assert_eq!(response.status().as_u16(), 400, "{name}");
        let html = response.text().await.unwrap();
        assert!(html.contains(message), "{name}: {message}");
        assert!(
            html.contains(r##"<a href="#file">"##),
            "{name}: in the summary"
        );
        assert!(
            html.contains("The meter reading was wrong"),
            "kept what was typed"
        );
        assert!(
            html.contains(r#"value="wrong_amount" checked"#),
            "kept the choice"
        );
    }
    let missing = send_dispute(&app, id, "", "", None).await;
    assert_eq!(missing.status().as_u16(), 400);
    let html = missing.text().await.unwrap();
    assert!(html.contains("Choose what is wrong"));
    assert!(html.contains("Tell us what is wrong, in your own words"));
    assert_eq!(stored_rows(&app).await, [0, 0, 0, 0, 0], "nothing stored");
}

#[tokio::test]
async fn a_second_dispute_while_one_is_open_adds_to_it() {
    let app = spawn_demo_app().await;
    let id = alex_disputes(&app).await;
    let again = send_dispute(&app, id, "wrong_amount", "Also the fee is too high.", None).await;
    assert_redirect(&again, &format!("/account/{id}/dispute/sent"));
    let found = only_dispute(&app).await;
    assert_eq!(
        stored_rows(&app).await,
        [1, 2, 1, 1, 1],
        "one dispute, two entries, one hold"
    );
    let page = app.get_html(&format!("/account/{id}/dispute")).await;
    assert!(page.contains("Also the fee is too high."));
    assert!(page.contains("Tell us more"));

    as_staff(&app, STAFF).await;
    let staff_page = app.get_html(&format!("/staff/disputes/{}", found.id)).await;
    assert!(staff_page.contains("I paid this by bank transfer in June."));
    assert!(staff_page.contains("Also the fee is too high."));
    let account_page = app.get_html(&format!("/staff/accounts/{id}")).await;
    assert!(
        account_page.contains("Dispute: I&#39;ve already paid"),
        "the hold says why: {account_page}"
    );
    assert!(
        !account_page.contains("End the hold"),
        "a dispute's hold ends with its answer"
    );
    assert!(
        account_page.contains(&format!(r#"<a href="/staff/disputes/{}">"#, found.id)),
        "the care panel links to the dispute"
    );
}

#[tokio::test]
async fn another_creditors_staff_cannot_see_the_dispute_or_its_file() {
    let app = spawn_demo_app().await;
    add_contoso(&app).await;
    alex_disputes(&app).await;
    let found = only_dispute(&app).await;
    let file = attachment::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let page = format!("/staff/disputes/{}", found.id);
    let download = format!("/staff/attachments/{}", file.id);

    as_staff(&app, CONTOSO_STAFF).await;
    assert_eq!(app.get(&page).await.status().as_u16(), 404);
    assert_eq!(app.get(&download).await.status().as_u16(), 404);
    let answer = app
        .post_form(
            &format!("{page}/answer"),
            &[("decision", "explain"), ("answer", "Not ours to answer")],
        )
        .await;
    assert_eq!(answer.status().as_u16(), 404);
    assert!(!app.get_html("/staff/disputes").await.contains("NW-1001"));
    assert_eq!(only_dispute(&app).await.status, DisputeStatus::Open);

    as_staff(&app, STAFF).await;
    assert_eq!(app.get(&page).await.status().as_u16(), 200);
    let own = app.get(&download).await;
    assert_eq!(own.status().as_u16(), 200);
    assert_eq!(own.bytes().await.unwrap().as_ref(), PDF);
}

#[tokio::test]
async fn only_the_person_downloads_their_file() {
    let app = spawn_demo_app().await;
    let alex = alex_disputes(&app).await;
    let file = attachment::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    app.post_form("/signout", &[]).await;
    app.sign_in_debtor("NW-1002", ("30", "9", "1990")).await;
    let sam = account_id(&app, "NW-1002").await;
    for path in [
        format!("/account/{alex}/attachments/{}", file.id),
        format!("/account/{sam}/attachments/{}", file.id),
        format!("/account/{alex}/dispute"),
    ] {
        assert_eq!(app.get(&path).await.status().as_u16(), 404, "{path}");
    }
    let page = app.get_html(&format!("/account/{sam}/dispute")).await;
    assert!(!page.contains("I paid this by bank transfer"));
}

#[tokio::test]
async fn upholding_books_an_adjustment_ends_the_hold_and_tells_the_person() {
    let app = spawn_demo_app().await;
    let id = alex_disputes(&app).await;
    let before = balance_minor(&app, id).await;
    as_staff(&app, STAFF).await;
    let found = only_dispute(&app).await;
    let page = format!("/staff/disputes/{}", found.id);
    let html = app.get_html(&page).await;
    assert!(html.contains("£1,065.00"), "the balance is shown");
    assert!(html.contains("/staff/attachments/"), "the file is linked");

    let too_much = app
        .post_form(
            &format!("{page}/answer"),
            &[("decision", "uphold"), ("amount", "2000.00")],
        )
        .await;
    assert_eq!(too_much.status().as_u16(), 400);
    assert!(
        too_much
            .text()
            .await
            .unwrap()
            .contains("The adjustment cannot be more than the balance, £1,065.00")
    );
    let upheld = app
        .post_form(
            &format!("{page}/answer"),
            &[
                ("decision", "uphold"),
                ("amount", "65.00"),
                ("answer", "You are right: we found your June payment."),
            ],
        )
        .await;
    assert_redirect(&upheld, &page);
    assert_eq!(balance_minor(&app, id).await, before - 6500);
    let closed = only_dispute(&app).await;
    assert_eq!(closed.status, DisputeStatus::Upheld);
    assert_eq!(closed.adjustment_minor, Some(-6500));
    assert!(
        holds::current(&app.db, id, Utc::now())
            .await
            .unwrap()
            .is_none()
    );
    let emails = emails_with_subject(&app, "An update about your account").await;
    assert_eq!(emails.len(), 1);
    assert!(
        emails[0]
            .text_body
            .contains("has answered your message about reference NW-1001")
    );
    let actions: Vec<String> = audit_log::Entity::find()
        .filter(audit_log::Column::SubjectKind.eq("dispute"))
        .order_by_asc(audit_log::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.action)
        .collect();
    assert_eq!(actions, ["dispute.opened", "dispute.upheld"]);

    // A second answer, from another tab: refused, nothing more booked.
    let second = app
        .post_form(
            &format!("{page}/answer"),
            &[("decision", "uphold"), ("amount", "10.00")],
        )
        .await;
    assert_eq!(second.status().as_u16(), 409);
    assert_eq!(balance_minor(&app, id).await, before - 6500);

    app.post_form("/staff/signout", &[]).await;
    app.sign_in_alex().await;
    let mine = app.get_html(&format!("/account/{id}/dispute")).await;
    assert!(mine.contains("Northwind Utilities agreed with you."));
    assert!(mine.contains("£65.00"));
    assert!(mine.contains("we found your June payment"));
    assert!(mine.contains("How easy was that?"), "the feedback question");
    assert!(mine.contains(r#"name="moment" value="dispute_closed""#));
    let balance = app.get_html("/account").await;
    assert!(!balance.contains("Collection is paused until"));
    assert!(balance.contains("£1,000.00"));
}

#[tokio::test]
async fn explaining_needs_words_and_the_person_reads_them() {
    let app = spawn_demo_app().await;
    let id = alex_disputes(&app).await;
    let before = balance_minor(&app, id).await;
    as_staff(&app, STAFF).await;
    let found = only_dispute(&app).await;
    let answer = format!("/staff/disputes/{}/answer", found.id);
    let empty = app.post_form(&answer, &[("decision", "explain")]).await;
    assert_eq!(empty.status().as_u16(), 400);
    assert!(
        empty
            .text()
            .await
            .unwrap()
            .contains("Explain to the person why the debt stands")
    );
    let nothing = app.post_form(&answer, &[]).await;
    assert_eq!(nothing.status().as_u16(), 400);
    assert_eq!(only_dispute(&app).await.status, DisputeStatus::Open);

    let explained = app
        .post_form(
            &answer,
            &[
                ("decision", "explain"),
                ("answer", "Your June payment went to another account."),
            ],
        )
        .await;
    assert_redirect(&explained, &format!("/staff/disputes/{}", found.id));
    assert_eq!(only_dispute(&app).await.status, DisputeStatus::Explained);
    assert_eq!(balance_minor(&app, id).await, before, "nothing booked");

    app.post_form("/staff/signout", &[]).await;
    app.sign_in_alex().await;
    let mine = app.get_html(&format!("/account/{id}/dispute")).await;
    assert!(mine.contains("says the amount is right"));
    assert!(mine.contains("Your June payment went to another account."));
}

#[tokio::test]
async fn the_queue_lists_open_disputes_oldest_first_with_their_age() {
    let app = spawn_demo_app().await;
    alex_disputes(&app).await;
    app.post_form("/signout", &[]).await;
    app.sign_in_debtor("NW-1002", ("30", "9", "1990")).await;
    let sam = account_id(&app, "NW-1002").await;
    let sent = send_dispute(
        &app,
        sam,
        "not_recognised",
        "I never had this account.",
        None,
    )
    .await;
    assert_redirect(&sent, &format!("/account/{sam}/dispute/sent"));
    // Sam's dispute came second (a higher id) but has waited longer: 10 days.
    let alex_id = account_id(&app, "NW-1001").await;
    let of = |account: i32| {
        dispute::Entity::find()
            .filter(dispute::Column::AccountId.eq(account))
            .one(&app.db)
    };
    let alex = of(alex_id).await.unwrap().unwrap();
    let mut older: dispute::ActiveModel = of(sam).await.unwrap().unwrap().into();
    older.opened_at = Set(Utc::now() - Duration::days(10) - Duration::hours(1));
    older.update(&app.db).await.unwrap();
    as_staff(&app, STAFF).await;
    let html = app.get_html("/staff/disputes").await;
    assert!(
        html.contains(r#"<a href="/staff/disputes">Disputes</a>"#),
        "in the navigation"
    );
    let (open, answered) = html.split_once("Recently answered").unwrap();
    let (alex_at, sam_at) = (open.find("NW-1001").unwrap(), open.find("NW-1002").unwrap());
    assert!(sam_at < alex_at, "oldest first");
    assert!(open.contains(r#"<td class="num">10</td>"#), "age in days");
    assert!(answered.contains("No disputes have been answered yet."));

    app.post_form(
        &format!("/staff/disputes/{}/answer", alex.id),
        &[("decision", "explain"), ("answer", "The bill is right.")],
    )
    .await;
    let html = app.get_html("/staff/disputes").await;
    let (open, answered) = html.split_once("Recently answered").unwrap();
    assert!(!open.contains("NW-1001"));
    assert!(answered.contains("NW-1001") && answered.contains("Explained"));
}

#[tokio::test]
async fn no_plan_breaks_for_missed_payments_while_the_dispute_is_open() {
    use crate::allocation::{alex_with_plan, plan_status};
    use crate::catch_up::due_days_ago;
    use goodterms::domain::plans::PlanStatus;
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let who = alex_with_plan(&app, 5).await;
    alex_disputes(&app).await;
    // Two payments long past their dates: Northwind stops a plan at 2 missed.
    due_days_ago(&app, &who, 1, 40).await;
    due_days_ago(&app, &who, 2, 10).await;
    lifecycle::run(&app.db, Utc::now()).await.unwrap();
    assert_eq!(plan_status(&app, who.plan).await, PlanStatus::Active);

    as_staff(&app, STAFF).await;
    let found = only_dispute(&app).await;
    app.post_form(
        &format!("/staff/disputes/{}/answer", found.id),
        &[("decision", "explain"), ("answer", "The bill is right.")],
    )
    .await;
    lifecycle::run(&app.db, Utc::now()).await.unwrap();
    assert_eq!(plan_status(&app, who.plan).await, PlanStatus::Broken);
}

#[tokio::test]
async fn two_disputes_sent_at_the_same_moment_end_as_one_with_both_entries() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let id = account_id(&app, "NW-1001").await;
    let (first, second) = tokio::join!(
        send_dispute(&app, id, "already_paid", "First tab.", None),
        send_dispute(&app, id, "wrong_amount", "Second tab.", None),
    );
    assert_eq!(first.status().as_u16(), 303);
    assert_eq!(second.status().as_u16(), 303);
    only_dispute(&app).await;
    assert_eq!(stored_rows(&app).await, [1, 2, 0, 0, 1]);
}
