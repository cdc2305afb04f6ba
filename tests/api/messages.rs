//! Message threads: the person and the creditor's staff write to each other with files, the
//! person's email says only that a message is waiting (with a link), staff see unanswered
//! threads first with how long the person has waited, a bad file stores nothing, and no one
//! outside the account (another person, another creditor's staff) finds the thread.
use chrono::Duration;
use goodterms::entities::{attachment, message, outbox_message};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::helpers::{CONTOSO_STAFF, TestApp, add_contoso, spawn_demo_app};
use crate::payments::account_id;

const STAFF: (&str, &str) = ("staff@northwind.example", "northwind-demo");
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR a small picture";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj a short letter";

/// A file chosen in the form: its name and bytes.
type Upload<'a> = Option<(&'a str, &'a [u8])>;

/// Posts the message form as a browser does: multipart, the CSRF token in the URL.
pub(crate) async fn post_message(
    app: &TestApp,
    path: &str,
    body: &str,
    file: Upload<'_>,
) -> reqwest::Response {
    let token = app.csrf_token().await;
    let boundary = "----goodtermsMessageBoundary42";
    let mut form = Vec::new();
    form.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\n{body}\r\n")
            .as_bytes(),
    );
    let (name, bytes) = file.unwrap_or(("", b""));
    form.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    form.extend_from_slice(bytes);
    form.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    app.client
        .post(app.url(&format!("{path}?csrf_token={token}")))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(form)
        .send()
        .await
        .expect("POST")
}

fn location(response: &reqwest::Response) -> String {
    assert_eq!(response.status().as_u16(), 303, "expected a redirect");
    response.headers()["location"].to_str().unwrap().to_string()
}

async fn messages_of(app: &TestApp, account: i32) -> Vec<message::Model> {
    message::Entity::find()
        .filter(message::Column::AccountId.eq(account))
        .order_by_asc(message::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
}

async fn new_message_emails(app: &TestApp) -> Vec<outbox_message::Model> {
    outbox_message::Entity::find()
        .filter(outbox_message::Column::Template.eq("new_message"))
        .all(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_thread_goes_both_ways_with_files_and_the_email_only_says_a_message_is_waiting() {
    let app = spawn_demo_app().await;
    let id = account_id(&app, "NW-1001").await;
    app.sign_in_alex().await;
    let page = app.get(&format!("/account/{id}/messages")).await;
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Messages with Northwind Utilities"), "{html}");
    assert!(html.contains("There are no messages yet"));

    let sent = post_message(
        &app,
        &format!("/account/{id}/messages"),
        "Can I pay on Fridays?\nMy pay comes then.",
        Some(("payslip.pdf", PDF)),
    )
    .await;
    assert!(location(&sent).starts_with(&format!("/account/{id}/messages?saved=1#message-")));
    let html = app
        .get_html(&format!("/account/{id}/messages?saved=1"))
        .await;
    assert!(html.contains("Your message is sent"));
    assert!(html.contains("<p>Can I pay on Fridays?</p>"), "{html}");
    assert!(html.contains("<p>My pay comes then.</p>"));
    let file = attachment::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(file.content_type.as_str(), "application/pdf");
    assert!(html.contains(&format!("/account/{id}/attachments/{}", file.id)));
    assert!(html.contains("payslip.pdf"));
    assert!(
        new_message_emails(&app).await.is_empty(),
        "no email for the person's own message"
    );

    // Staff read it (which marks it read) and reply with a picture.
    app.sign_in_staff(STAFF.0, STAFF.1).await;
    let staff_html = app
        .get_html(&format!("/staff/accounts/{id}/messages"))
        .await;
    assert!(staff_html.contains("Can I pay on Fridays?"), "{staff_html}");
    assert!(staff_html.contains(&format!("/staff/attachments/{}", file.id)));
    let download = app.get(&format!("/staff/attachments/{}", file.id)).await;
    assert_eq!(download.status().as_u16(), 200);
    assert_eq!(download.bytes().await.unwrap().as_ref(), PDF);
    assert!(messages_of(&app, id).await[0].read_at.is_some());

    let secret = "Yes, Fridays are fine. Reference 7731.";
    let replied = post_message(
        &app,
        &format!("/staff/accounts/{id}/messages"),
        secret,
        Some(("calendar.png", PNG)),
    )
    .await;
    assert!(location(&replied).starts_with(&format!("/staff/accounts/{id}/messages?saved=1")));
    let thread = messages_of(&app, id).await;
    assert_eq!(thread.len(), 2);
    assert!(thread[1].staff_user_id.is_some());
    assert!(thread[1].attachment_id.is_some());
    assert!(thread[1].read_at.is_none());

    // The email says a message is waiting and links to the thread; never its words.
    let emails = new_message_emails(&app).await;
    assert_eq!(emails.len(), 1);
    let email = &emails[0];
    assert_eq!(email.subject, "You have a new message");
    for part in [&email.text_body, &email.html_body] {
        assert!(!part.contains("Fridays"), "{part}");
        assert!(!part.contains("7731"));
        assert!(part.contains("Northwind Utilities has sent you a message"));
    }
    let start = email.text_body.find("/go/").expect("a link to the thread");
    let path: String = email.text_body[start..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();

    // The person opens the link, reads the reply oldest first, and gets the picture.
    app.sign_in_alex().await;
    let opened = app.get(&path).await;
    assert_eq!(location(&opened), format!("/account/{id}/messages"));
    let html = app.get_html(&format!("/account/{id}/messages")).await;
    let (question, answer) = (html.find("Can I pay").unwrap(), html.find(secret).unwrap());
    assert!(question < answer, "oldest first");
    let picture = thread[1].attachment_id.unwrap();
    let got = app
        .get(&format!("/account/{id}/attachments/{picture}"))
        .await;
    assert_eq!(got.status().as_u16(), 200);
    assert_eq!(got.bytes().await.unwrap().as_ref(), PNG);
    assert!(
        messages_of(&app, id).await[1].read_at.is_some(),
        "read once opened"
    );
}

#[tokio::test]
async fn a_bad_file_or_an_empty_message_is_refused_with_the_words_kept_and_nothing_stored() {
    let app = spawn_demo_app().await;
    let id = account_id(&app, "NW-1001").await;
    app.sign_in_alex().await;
    let path = format!("/account/{id}/messages");
    let program = b"MZ\x90\0\x03 this is a program, renamed";
    let cases: [(&str, Upload<'_>, &str); 4] = [
        (
            "Here is my letter",
            Some(("letter.pdf", program)),
            "must be a PDF, PNG or JPEG",
        ),
        (
            "Here is my letter",
            Some(("letter.pdf", b"")),
            "The file is empty",
        ),
        ("   ", None, "Write your message"),
        (&"x".repeat(2001), None, "2,000 characters or fewer"),
    ];
    for (body, file, says) in cases {
        let refused = post_message(&app, &path, body, file).await;
        assert_eq!(refused.status().as_u16(), 400, "{says}");
        let html = refused.text().await.unwrap();
        assert!(html.contains(says), "{says}: {html}");
        assert!(html.contains("There is a problem"));
        if body.trim() == "Here is my letter" {
            assert!(
                html.contains(">Here is my letter</textarea>"),
                "typed words kept"
            );
        }
    }
    // A file over 5 MB.
    let big = [PDF, &vec![b'a'; 5 * 1024 * 1024][..]].concat();
    let refused = post_message(&app, &path, "Big one", Some(("big.pdf", &big))).await;
    assert_eq!(refused.status().as_u16(), 400);
    assert!(refused.text().await.unwrap().contains("smaller than 5 MB"));

    assert!(messages_of(&app, id).await.is_empty());
    assert_eq!(attachment::Entity::find().count(&app.db).await.unwrap(), 0);
}

#[tokio::test]
async fn staff_see_unanswered_threads_first_with_how_long_the_person_has_waited() {
    let app = spawn_demo_app().await;
    let alex = account_id(&app, "NW-1001").await;
    let sam = account_id(&app, "NW-1002").await;
    // Sam wrote three days ago and was answered; Alex wrote now and is waiting. Sam then
    // wrote again, two days ago: Sam has waited longest.
    app.sign_in_debtor("NW-1002", ("30", "9", "1990")).await;
    post_message(&app, &format!("/account/{sam}/messages"), "Hello", None).await;
    app.sign_in_staff(STAFF.0, STAFF.1).await;
    post_message(
        &app,
        &format!("/staff/accounts/{sam}/messages"),
        "Hello Sam",
        None,
    )
    .await;
    // Sessions are judged by the same clock: sign in again after moving it.
    app.clock.advance(Duration::days(1));
    app.sign_in_debtor("NW-1002", ("30", "9", "1990")).await;
    post_message(
        &app,
        &format!("/account/{sam}/messages"),
        "One more thing",
        None,
    )
    .await;
    app.clock.advance(Duration::days(2));
    app.sign_in_alex().await;
    post_message(
        &app,
        &format!("/account/{alex}/messages"),
        "A question",
        None,
    )
    .await;

    app.sign_in_staff(STAFF.0, STAFF.1).await;
    let html = app.get_html("/staff/messages").await;
    assert!(html.contains("Waiting for an answer (2)"), "{html}");
    let sam_row = html.find("NW-1002").unwrap();
    let alex_row = html.find("NW-1001").unwrap();
    assert!(sam_row < alex_row, "the longest wait comes first");
    assert!(html.contains("waiting 2 days"), "{html}");
    assert!(html.contains("waiting less than an hour"));
    assert!(
        html.contains("href=\"/staff/messages\""),
        "in the staff navigation"
    );

    // Answering Alex moves the thread down to the answered list.
    post_message(
        &app,
        &format!("/staff/accounts/{alex}/messages"),
        "Answer",
        None,
    )
    .await;
    let html = app.get_html("/staff/messages").await;
    assert!(html.contains("Waiting for an answer (1)"));
    let answered = html.find("id=\"answered\"").unwrap();
    assert!(html.find("NW-1001").unwrap() > answered);
    assert!(html.find("NW-1002").unwrap() < answered);
}

#[tokio::test]
async fn another_person_and_another_creditors_staff_cannot_find_the_thread() {
    let app = spawn_demo_app().await;
    add_contoso(&app).await;
    let alex = account_id(&app, "NW-1001").await;
    app.sign_in_alex().await;
    post_message(
        &app,
        &format!("/account/{alex}/messages"),
        "Private words",
        Some(("a.png", PNG)),
    )
    .await;
    let file = attachment::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;

    app.sign_in_debtor("NW-1002", ("30", "9", "1990")).await;
    assert_eq!(
        app.get(&format!("/account/{alex}/messages"))
            .await
            .status()
            .as_u16(),
        404
    );
    let written = post_message(&app, &format!("/account/{alex}/messages"), "Sneaky", None).await;
    assert_eq!(written.status().as_u16(), 404);
    let empty = post_message(&app, &format!("/account/{alex}/messages"), "", None).await;
    assert_eq!(
        empty.status().as_u16(),
        404,
        "not a form page for someone else's account"
    );

    app.sign_in_staff(CONTOSO_STAFF.0, CONTOSO_STAFF.1).await;
    let page = app.get(&format!("/staff/accounts/{alex}/messages")).await;
    assert_eq!(page.status().as_u16(), 404);
    let reply = post_message(
        &app,
        &format!("/staff/accounts/{alex}/messages"),
        "Hi",
        None,
    )
    .await;
    assert_eq!(reply.status().as_u16(), 404);
    assert_eq!(
        app.get(&format!("/staff/attachments/{file}"))
            .await
            .status()
            .as_u16(),
        404
    );
    let list = app.get_html("/staff/messages").await;
    assert!(!list.contains("NW-1001"), "{list}");

    assert_eq!(messages_of(&app, alex).await.len(), 1);
    assert!(new_message_emails(&app).await.is_empty());
}
