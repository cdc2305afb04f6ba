//! The person's data: the download (a page and JSON) needs a code sent to the email on file,
//! holds everything of this person's at every creditor and nothing of anyone else's; an
//! erasure request carried out by an admin removes personal fields and keeps the ledger; the
//! privacy notice and accessibility statement say what they must.
use chrono::{Duration, Utc};
use goodterms::domain::attachments::AttachmentKind;
use goodterms::domain::care::{HardshipOutcome, HardshipReason};
use goodterms::domain::disputes::{DisputeReason, DisputeStatus};
use goodterms::domain::feedback::FeedbackMoment;
use goodterms::entities::{
    account, attachment, attachment_content, audit_log, debtor, dispute, dispute_entry,
    erasure_request, feedback, hardship_statement, ledger_entry, message, support_need,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

use crate::autopay::emailed_code;
use crate::helpers::{TestApp, add_contoso, assert_redirect, spawn_demo_app};
use crate::payments::{account_id, balance_minor};

/// Ids of what `seed_care` wrote.
pub struct Seeded {
    pub dispute: i32,
    pub attachment: i32,
}

/// Writes one of everything care keeps for the holder of `account`, each carrying `marker`
/// in its words (hardship figures are 1,234.56 a month of income), as the care pages would.
pub async fn seed_care(app: &TestApp, account: i32, marker: &str) -> Seeded {
    let now = Utc::now();
    let held = account::Entity::find_by_id(account)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let (debtor_id, creditor_id) = (held.debtor_id, held.creditor_id);
    hardship_statement::ActiveModel {
        account_id: Set(account),
        debtor_id: Set(debtor_id),
        creditor_id: Set(creditor_id),
        reason: Set(HardshipReason::Illness),
        currency: Set("GBP".to_string()),
        income_minor: Set(Some(123_456)),
        housing_minor: Set(Some(50_000)),
        utilities_minor: Set(None),
        food_minor: Set(Some(20_000)),
        transport_minor: Set(None),
        other_debts_minor: Set(None),
        other_minor: Set(None),
        left_minor: Set(Some(53_456)),
        outcome: Set(HardshipOutcome::Undecided),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    support_need::ActiveModel {
        debtor_id: Set(debtor_id),
        creditor_id: Set(creditor_id),
        words: Set(format!("support words {marker}")),
        consented_at: Set(now),
        withdrawn_at: Set(None),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    let file = attachment::ActiveModel {
        account_id: Set(account),
        debtor_id: Set(debtor_id),
        creditor_id: Set(creditor_id),
        staff_user_id: Set(None),
        file_name: Set(format!("{marker}-statement.pdf")),
        content_type: Set(AttachmentKind::Pdf),
        size_bytes: Set(9),
        sha256: Set("0".repeat(64)),
        created_at: Set(now),
        erased_at: Set(None),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    attachment_content::ActiveModel {
        attachment_id: Set(file.id),
        bytes: Set(b"%PDF-1.4\n".to_vec()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    let opened = dispute::ActiveModel {
        account_id: Set(account),
        debtor_id: Set(debtor_id),
        creditor_id: Set(creditor_id),
        reason: Set(DisputeReason::AlreadyPaid),
        status: Set(DisputeStatus::Open),
        hold_id: Set(None),
        answer: Set(None),
        adjustment_minor: Set(None),
        answered_by: Set(None),
        answered_at: Set(None),
        opened_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    dispute_entry::ActiveModel {
        dispute_id: Set(opened.id),
        reason: Set(DisputeReason::AlreadyPaid),
        details: Set(format!("dispute details {marker}")),
        attachment_id: Set(Some(file.id)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    message::ActiveModel {
        account_id: Set(account),
        debtor_id: Set(debtor_id),
        creditor_id: Set(creditor_id),
        staff_user_id: Set(None),
        body: Set(format!("message text {marker}")),
        attachment_id: Set(None),
        created_at: Set(now),
        read_at: Set(None),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    feedback::ActiveModel {
        account_id: Set(account),
        debtor_id: Set(debtor_id),
        creditor_id: Set(creditor_id),
        moment: Set(FeedbackMoment::PlanSetUp),
        score: Set(Some(4)),
        comment: Set(Some(format!("feedback comment {marker}"))),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    Seeded {
        dispute: opened.id,
        attachment: file.id,
    }
}

/// An account at `creditor_id` for a debtor row copied from `like` (the same person, as an
/// import with the same email and date of birth makes), or for someone new when `like` is
/// none.
pub async fn account_at(
    app: &TestApp,
    creditor_id: i32,
    reference: &str,
    like: Option<&debtor::Model>,
) -> i32 {
    let now = Utc::now();
    let row = debtor::ActiveModel {
        creditor_id: Set(creditor_id),
        person_id: Set(like.and_then(|d| d.person_id)),
        full_name: Set(like.map_or("Pat Other".to_string(), |d| d.full_name.clone())),
        email: Set(like.map_or("pat@example.com".to_string(), |d| d.email.clone())),
        dob_hash: Set(like.map_or("pat-dob".to_string(), |d| d.dob_hash.clone())),
        time_zone: Set("Europe/London".to_string()),
        created_at: Set(now),
        erased_at: Set(None),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    account::ActiveModel {
        creditor_id: Set(creditor_id),
        debtor_id: Set(row.id),
        reference: Set(reference.to_string()),
        description: Set("Water used".to_string()),
        currency: Set("GBP".to_string()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap()
    .id
}

pub async fn holder(app: &TestApp, account: i32) -> debtor::Model {
    let held = account::Entity::find_by_id(account)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    debtor::Entity::find_by_id(held.debtor_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

/// Signs Alex in and confirms the data download with the code emailed to them.
async fn alex_confirms_with_a_code(app: &TestApp) {
    app.sign_in_alex().await;
    let asked = app.post_form("/account/data/code", &[]).await;
    assert_eq!(asked.status().as_u16(), 200);
    assert!(asked.text().await.unwrap().contains("Check your email"));
    let code = emailed_code(app).await;
    let confirmed = app
        .post_form("/account/data/confirm", &[("code", &code)])
        .await;
    assert_redirect(&confirmed, "/account/data");
}

#[tokio::test]
async fn the_data_download_needs_the_code_sent_to_the_email_on_file() {
    let app = spawn_demo_app().await;
    let alex = account_id(&app, "NW-1001").await;
    seed_care(&app, alex, "alex-marker").await;
    app.sign_in_alex().await;

    let account_page = app.get_html("/account").await;
    assert!(
        account_page.contains("href=\"/account/data\""),
        "{account_page}"
    );
    let before = app.get_html("/account/data").await;
    assert!(before.contains("Email me a code"), "{before}");
    assert!(!before.contains("alex-marker"));
    assert_redirect(&app.get("/account/data.json").await, "/account/data");
    assert_redirect(&app.get("/account/data/erase").await, "/account/data");

    app.post_form("/account/data/code", &[]).await;
    let wrong = app
        .post_form("/account/data/confirm", &[("code", "000000")])
        .await;
    assert_eq!(wrong.status().as_u16(), 400);
    let wrong = wrong.text().await.unwrap();
    assert!(wrong.contains("That code is not right"), "{wrong}");
    assert!(!wrong.contains("alex-marker"));

    let code = emailed_code(&app).await;
    let confirmed = app
        .post_form("/account/data/confirm", &[("code", &code)])
        .await;
    assert_redirect(&confirmed, "/account/data");
    let page = app.get_html("/account/data").await;
    assert!(page.contains("message text alex-marker"), "{page}");
}

#[tokio::test]
async fn the_download_holds_everything_of_this_persons_and_nothing_of_anyone_elses() {
    let app = spawn_demo_app().await;
    let contoso = add_contoso(&app).await;
    let alex = account_id(&app, "NW-1001").await;
    let alex_row = holder(&app, alex).await;
    let alex_at_contoso = account_at(&app, contoso, "CW-ALEX", Some(&alex_row)).await;
    let sam = account_id(&app, "NW-1002").await;
    let pat = account_at(&app, contoso, "CW-PAT", None).await;
    seed_care(&app, alex, "alex-northwind").await;
    seed_care(&app, alex_at_contoso, "alex-contoso").await;
    seed_care(&app, sam, "sam-marker").await;
    seed_care(&app, pat, "pat-marker").await;
    alex_confirms_with_a_code(&app).await;

    let page = app.get_html("/account/data").await;
    let mine = [
        "Alex Morgan",
        "alex.morgan@example.com",
        "NW-1001",
        "CW-ALEX",
        "Held for Northwind Utilities",
        "Held for Contoso Water",
        "£1,234.56",
        "support words alex-northwind",
        "dispute details alex-northwind",
        "message text alex-northwind",
        "feedback comment alex-northwind",
        "alex-northwind-statement.pdf",
        "message text alex-contoso",
        "Your confirmation code",
    ];
    for text in mine {
        assert!(page.contains(text), "the page should show {text:?}");
    }
    for text in [
        "sam-marker",
        "pat-marker",
        "NW-1002",
        "CW-PAT",
        "Sam Lee",
        "Pat Other",
    ] {
        assert!(!page.contains(text), "the page should not show {text:?}");
    }

    let json = app.get("/account/data.json").await;
    assert_eq!(json.status().as_u16(), 200);
    let disposition = json.headers()["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    let text = json.text().await.unwrap();
    let parsed: serde_json::Value = serde_json::from_str(&text).expect("the file is JSON");
    let records = parsed["records"].as_array().expect("records");
    assert_eq!(records.len(), 2, "one record per creditor: {text}");
    assert_eq!(records[0]["full_name"], "Alex Morgan");
    let messages = records[0]["Messages"].as_array().unwrap();
    assert_eq!(messages[0]["Message"], "message text alex-northwind");
    assert!(!records[0]["Balance entries"].as_array().unwrap().is_empty());
    for text_in_file in ["alex-contoso", "alex-northwind-statement.pdf"] {
        assert!(text.contains(text_in_file), "{text_in_file}");
    }
    for other in ["sam-marker", "pat-marker", "CW-PAT", "Sam Lee"] {
        assert!(!text.contains(other), "the file should not hold {other:?}");
    }
    // Files are listed by name; their contents never travel in the download.
    assert!(!text.contains("%PDF"));
}

async fn audit_entries(app: &TestApp, action: &str, subject: i32) -> u64 {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .filter(audit_log::Column::SubjectId.eq(subject))
        .count(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_admin_erases_personal_fields_and_keeps_the_ledger() {
    let app = spawn_demo_app().await;
    let alex = account_id(&app, "NW-1001").await;
    let sam = account_id(&app, "NW-1002").await;
    let seeded = seed_care(&app, alex, "alex-marker").await;
    seed_care(&app, sam, "sam-marker").await;
    let alex_row = holder(&app, alex).await;
    let balance = balance_minor(&app, alex).await;
    let entries = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::AccountId.eq(alex))
        .count(&app.db)
        .await
        .unwrap();
    assert!(entries > 0);

    alex_confirms_with_a_code(&app).await;
    let confirm = app.get_html("/account/data/erase").await;
    assert!(confirm.contains("What we will erase"), "{confirm}");
    assert!(confirm.contains("What we must keep"));
    let asked = app.post_form("/account/data/erase", &[]).await;
    assert_eq!(asked.status().as_u16(), 200);
    assert!(asked.text().await.unwrap().contains("We have your request"));
    let request = erasure_request::Entity::find()
        .filter(erasure_request::Column::DebtorId.eq(alex_row.id))
        .one(&app.db)
        .await
        .unwrap()
        .expect("a request was recorded");
    let data_page = app.get_html("/account/data").await;
    assert!(data_page.contains("You have asked us to erase your data"));
    // The admin works in another browser; Alex stays signed in here.
    let admin = AdminBrowser::sign_in(&app).await;
    let list = admin.get_html(&app, "/admin/erasure").await;
    assert!(list.contains("Alex Morgan"), "{list}");
    assert!(list.contains(&format!("/admin/erasure/{}", request.id)));
    let review = admin
        .get_html(&app, &format!("/admin/erasure/{}", request.id))
        .await;
    assert!(review.contains("What is kept"), "{review}");
    let erase_path = format!("/admin/erasure/{}/erase", request.id);
    let erased = admin.post(&app, &erase_path, &[]).await;
    assert_redirect(&erased, "/admin/erasure?done=erased");
    let again = admin.post(&app, &erase_path, &[]).await;
    assert_redirect(&again, "/admin/erasure?done=already");

    let row = debtor::Entity::find_by_id(alex_row.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.full_name, "Erased");
    assert!(!row.email.contains("alex"), "{}", row.email);
    assert_ne!(row.dob_hash, alex_row.dob_hash);
    assert!(row.erased_at.is_some());
    let bodies: Vec<String> = message::Entity::find()
        .filter(message::Column::DebtorId.eq(alex_row.id))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert!(!bodies.is_empty());
    assert!(
        bodies.iter().all(|b| !b.contains("alex-marker")),
        "{bodies:?}"
    );
    let details = dispute_entry::Entity::find()
        .filter(dispute_entry::Column::DisputeId.eq(seeded.dispute))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .details;
    assert!(!details.contains("alex-marker"));
    let words = support_need::Entity::find()
        .filter(support_need::Column::DebtorId.eq(alex_row.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .words;
    assert!(!words.contains("alex-marker"));
    let figures = hardship_statement::Entity::find()
        .filter(hardship_statement::Column::DebtorId.eq(alex_row.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(figures.income_minor, None);
    assert_eq!(figures.left_minor, None);
    let comment = feedback::Entity::find()
        .filter(feedback::Column::DebtorId.eq(alex_row.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .comment;
    assert_eq!(comment, None);
    assert!(
        attachment_content::Entity::find_by_id(seeded.attachment)
            .one(&app.db)
            .await
            .unwrap()
            .is_none(),
        "the file's bytes are deleted"
    );
    let file = attachment::Entity::find_by_id(seeded.attachment)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(file.erased_at.is_some());
    assert!(!file.file_name.contains("alex-marker"));

    // The financial records stay as they were.
    assert_eq!(balance_minor(&app, alex).await, balance);
    let kept = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::AccountId.eq(alex))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(kept, entries);
    assert_eq!(audit_entries(&app, "privacy.erased", alex_row.id).await, 1);
    let audit = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("privacy.erased"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(!audit.detail.contains("Alex"), "ids only: {}", audit.detail);

    // Sam's data is untouched.
    let sam_messages = message::Entity::find()
        .filter(message::Column::AccountId.eq(sam))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sam_messages.body, "message text sam-marker");

    // Alex's session has ended, and the reference and date of birth no longer sign in.
    let old = app.get("/account").await;
    assert_ne!(old.status().as_u16(), 200, "the old session was ended");
    let again = app.sign_in_alex().await;
    assert_ne!(
        again
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok()),
        Some("/account"),
        "the reference and date of birth no longer sign in"
    );
}

/// An admin signed in in a browser of their own.
struct AdminBrowser {
    jar: std::sync::Arc<reqwest::cookie::Jar>,
    client: reqwest::Client,
}

impl AdminBrowser {
    async fn sign_in(app: &TestApp) -> Self {
        let (jar, client) = app.second_browser();
        client.get(app.url("/")).send().await.unwrap();
        let admin = Self { jar, client };
        let fields = [
            ("email", "admin@goodterms.example"),
            ("password", "admin-demo"),
        ];
        let signed_in = admin.post(app, "/staff/signin", &fields).await;
        assert_eq!(signed_in.status().as_u16(), 303);
        admin
    }

    /// The CSRF token this browser holds now (signing in binds a new one).
    fn token(&self, app: &TestApp) -> String {
        let url: reqwest::Url = app.address.parse().unwrap();
        let cookies = reqwest::cookie::CookieStore::cookies(self.jar.as_ref(), &url).unwrap();
        cookies
            .to_str()
            .unwrap()
            .split("; ")
            .find_map(|pair| pair.strip_prefix("gt_csrf="))
            .expect("a CSRF cookie")
            .to_string()
    }

    async fn get_html(&self, app: &TestApp, path: &str) -> String {
        let response = self.client.get(app.url(path)).send().await.unwrap();
        response.text().await.unwrap()
    }

    async fn post(&self, app: &TestApp, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let token = self.token(app);
        let mut body = fields.to_vec();
        body.push(("csrf_token", &token));
        self.client
            .post(app.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(&body).unwrap())
            .send()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn an_erasure_request_can_wait_a_while_and_old_requests_come_last() {
    let app = spawn_demo_app().await;
    let sam = account_id(&app, "NW-1002").await;
    let sam_row = holder(&app, sam).await;
    let alex = holder(&app, account_id(&app, "NW-1001").await).await;
    for (row, days_ago) in [(&sam_row, 2), (&alex, 5)] {
        erasure_request::ActiveModel {
            debtor_id: Set(row.id),
            creditor_id: Set(row.creditor_id),
            status: Set(goodterms::domain::privacy::ErasureStatus::Requested),
            note: Set(None),
            requested_at: Set(Utc::now() - Duration::days(days_ago)),
            decided_by: Set(None),
            decided_at: Set(None),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .unwrap();
    }
    app.sign_in_staff("admin@goodterms.example", "admin-demo")
        .await;
    let nav = app.get_html("/admin/audit").await;
    assert!(
        nav.contains("href=\"/admin/erasure\""),
        "linked from the admin nav"
    );
    let list = app.get_html("/admin/erasure").await;
    let (alex_at, sam_at) = (list.find("Alex Morgan"), list.find("Sam Lee"));
    assert!(
        alex_at.unwrap() < sam_at.unwrap(),
        "the oldest waiting first"
    );
    // Creditor staff cannot reach it.
    app.post_form("/staff/signout", &[]).await;
    app.sign_in_staff("staff@northwind.example", "northwind-demo")
        .await;
    assert_ne!(app.get("/admin/erasure").await.status().as_u16(), 200);
}

#[tokio::test]
async fn the_privacy_notice_and_accessibility_statement_say_what_they_must() {
    let app = spawn_demo_app().await;
    let privacy = app.get_html("/privacy").await;
    for section in [
        "<h2>What we hold</h2>",
        "<h2>Why we use it</h2>",
        "<h2>How long we keep it</h2>",
        "<h2>Who sees it</h2>",
        "<h2>Your rights</h2>",
        "6 years after your account closes",
        "Stripe",
        "money is tight",
        "Information Commissioner",
        "Ask us to erase your data",
        "download",
    ] {
        let found = privacy.contains(section) || privacy.to_lowercase().contains(section);
        assert!(found, "the privacy notice should mention {section:?}");
    }
    let accessibility = app.get_html("/accessibility").await;
    for section in [
        "WCAG",
        "2.2",
        "AA",
        "<h2>How we tested it</h2>",
        "keyboard",
        "phone",
        "JavaScript",
        "<h2>Known limits</h2>",
        "<h2>Tell us about a problem</h2>",
        "<h2>Enforcement procedure</h2>",
    ] {
        assert!(
            accessibility.contains(section),
            "the accessibility statement should mention {section:?}"
        );
    }
    let home = app.get_html("/").await;
    assert!(home.contains("href=\"/privacy\"") && home.contains("href=\"/accessibility\""));
}
