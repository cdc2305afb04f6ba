//! Staff's side: every thread of their creditor (unanswered first, with how long the person
//! has waited), and one thread with a reply form. Another creditor's account is not found.
use actix_multipart::form::MultipartForm;
use actix_web::{get, web};
use askama::Template;
use sea_orm::DatabaseConnection;

use super::{MessageForm, MessageView, Typed, Viewpoint, message_views, read};
use crate::clock::Clock;
use crate::config::Settings;
use crate::domain::messages::waiting_words;
use crate::services::care::messages::{self, MessageError, Side, Thread};
use crate::web::auth::SignedInStaff;
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
use crate::web::forms::{Problems, SavedQuery};
use crate::web::pages::{self, Chrome, FieldError};

/// One thread in the list.
struct ThreadRow {
    account_id: i32,
    reference: String,
    person_name: String,
    /// "waiting 3 days", for a thread whose last message is the person's.
    waiting: Option<String>,
    last: String,
    messages: usize,
}

#[derive(Template)]
#[template(path = "care/messages/staff_list.html")]
struct ListPage {
    chrome: Chrome,
    unanswered: Vec<ThreadRow>,
    answered: Vec<ThreadRow>,
}

#[get("/messages")]
pub async fn list(
    who: SignedInStaff,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    clock: web::Data<Clock>,
) -> PageResult {
    let creditor_id = who.creditor_id()?;
    let now = clock.now();
    let threads = messages::threads(db.get_ref(), creditor_id)
        .await
        .map_err(AppError::internal)?;
    let (unanswered, answered): (Vec<_>, Vec<_>) = threads
        .into_iter()
        .map(|t| ThreadRow {
            account_id: t.account_id,
            waiting: t.waiting_since.map(|since| waiting_words(since, now)),
            last: t.last_at.format("%-d %B %Y at %H:%M (UTC)").to_string(),
            reference: t.reference,
            person_name: t.person_name,
            messages: t.messages,
        })
        .partition(|row| row.waiting.is_some());
    Ok(pages::ok(&ListPage {
        chrome: Chrome::staff(&csrf.0, false),
        unanswered,
        answered,
    }))
}

#[derive(Template)]
#[template(path = "care/messages/staff_thread.html")]
struct ThreadPage {
    chrome: Chrome,
    account_id: i32,
    reference: String,
    person_name: String,
    messages: Vec<MessageView>,
    action: String,
    body: String,
    sent: bool,
    errors: Vec<FieldError>,
    problems: Problems,
}

impl ThreadPage {
    fn new(csrf: &str, thread: Thread, typed: Typed) -> Self {
        let view = Viewpoint {
            by_staff: true,
            mine: &format!("{} (staff)", thread.creditor_name),
            theirs: &thread.person_name,
            downloads: "/staff/attachments".to_string(),
            time_zone: &thread.time_zone,
        };
        Self {
            chrome: Chrome::staff(csrf, false),
            messages: message_views(&thread, &view),
            action: format!("/staff/accounts/{}/messages", thread.account_id),
            account_id: thread.account_id,
            reference: thread.reference,
            person_name: thread.person_name,
            body: typed.body,
            sent: false,
            errors: typed.problems.summary(),
            problems: typed.problems,
        }
    }
}

fn side(who: &SignedInStaff) -> Result<Side, AppError> {
    Ok(Side::Staff {
        creditor_id: who.creditor_id()?,
        staff_id: who.0.staff_id,
    })
}

async fn thread(
    db: &DatabaseConnection,
    side: Side,
    account_id: i32,
    clock: &Clock,
) -> Result<Thread, AppError> {
    messages::open(db, side, account_id, clock.now())
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)
}

pub async fn show(
    who: SignedInStaff,
    path: web::Path<i32>,
    query: web::Query<SavedQuery>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    clock: web::Data<Clock>,
) -> PageResult {
    let thread = thread(&db, side(&who)?, path.into_inner(), &clock).await?;
    let mut page = ThreadPage::new(&csrf.0, thread, Typed::default());
    page.sent = query.saved();
    Ok(pages::ok(&page))
}

pub async fn write(
    who: SignedInStaff,
    path: web::Path<i32>,
    form: Result<MultipartForm<MessageForm>, actix_web::Error>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> PageResult {
    let side = side(&who)?;
    let account_id = path.into_inner();
    let (body, file) = match read(form) {
        Ok(read) => read,
        Err(typed) => {
            let thread = thread(&db, side, account_id, &clock).await?;
            return Ok(pages::invalid(&ThreadPage::new(&csrf.0, thread, typed)));
        }
    };
    let now = clock.now();
    match messages::write(&db, &settings.base_url, side, account_id, body, file, now).await {
        Ok(id) => Ok(pages::see_other(&format!(
            "/staff/accounts/{account_id}/messages?saved=1#message-{id}"
        ))),
        Err(MessageError::NotFound) => Err(AppError::NotFound),
        Err(other) => Err(AppError::internal(other)),
    }
}
