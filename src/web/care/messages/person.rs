//! The person's side of a thread: read what the creditor wrote, write back.
use actix_multipart::form::MultipartForm;
use actix_web::web;
use askama::Template;
use sea_orm::DatabaseConnection;

use super::{MessageForm, MessageView, Typed, Viewpoint, message_views, read};
use crate::clock::Clock;
use crate::config::Settings;
use crate::services::care::messages::{self, MessageError, Side, Thread};
use crate::web::auth::SignedInDebtor;
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
use crate::web::forms::{Problems, SavedQuery};
use crate::web::pages::{self, Chrome, FieldError};

#[derive(Template)]
#[template(path = "care/messages/thread.html")]
struct ThreadPage {
    chrome: Chrome,
    reference: String,
    creditor: String,
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
            by_staff: false,
            mine: "You",
            theirs: &thread.creditor_name,
            downloads: format!("/account/{}/attachments", thread.account_id),
            time_zone: &thread.time_zone,
        };
        Self {
            chrome: Chrome::debtor(csrf),
            messages: message_views(&thread, &view),
            action: format!("/account/{}/messages", thread.account_id),
            reference: thread.reference,
            creditor: thread.creditor_name,
            body: typed.body,
            sent: false,
            errors: typed.problems.summary(),
            problems: typed.problems,
        }
    }
}

fn side(who: &SignedInDebtor) -> Side {
    Side::Person {
        signed_in: who.0.debtor_id,
    }
}

async fn thread(
    db: &DatabaseConnection,
    who: &SignedInDebtor,
    account_id: i32,
    clock: &Clock,
) -> Result<Thread, AppError> {
    messages::open(db, side(who), account_id, clock.now())
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)
}

pub async fn show(
    who: SignedInDebtor,
    path: web::Path<i32>,
    query: web::Query<SavedQuery>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    clock: web::Data<Clock>,
) -> PageResult {
    let thread = thread(&db, &who, path.into_inner(), &clock).await?;
    let mut page = ThreadPage::new(&csrf.0, thread, Typed::default());
    page.sent = query.saved();
    Ok(pages::ok(&page))
}

pub async fn write(
    who: SignedInDebtor,
    path: web::Path<i32>,
    form: Result<MultipartForm<MessageForm>, actix_web::Error>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> PageResult {
    let account_id = path.into_inner();
    let (body, file) = match read(form) {
        Ok(read) => read,
        Err(typed) => {
            let thread = thread(&db, &who, account_id, &clock).await?;
            return Ok(pages::invalid(&ThreadPage::new(&csrf.0, thread, typed)));
        }
    };
    let now = clock.now();
    match messages::write(
        &db,
        &settings.base_url,
        side(&who),
        account_id,
        body,
        file,
        now,
    )
    .await
    {
        Ok(id) => Ok(pages::see_other(&format!(
            "/account/{account_id}/messages?saved=1#message-{id}"
        ))),
        Err(MessageError::NotFound) => Err(AppError::NotFound),
        Err(other) => Err(AppError::internal(other)),
    }
}
