//! The person's data: read everything we hold about them (a page and a JSON file), after a
//! one-time code sent to the email on file, and ask us to erase it. Admins carry out erasure
//! requests (see `admin`).
use actix_session::Session;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use sea_orm::DatabaseConnection;

use crate::clock::Clock;
use crate::services::access::step_up::{self, CodeCheck};
use crate::services::care::{erasure, privacy};
use crate::web::auth::{SignedInDebtor, is_confirmed, mark_confirmed};
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
use crate::web::pages::{self, Chrome, FieldError};

pub mod admin;

pub fn debtor_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(data_page)
        .service(data_json)
        .service(send_code)
        .service(confirm)
        .service(erase_confirm)
        .service(erase_request);
}

pub fn staff_routes(_cfg: &mut web::ServiceConfig) {}

pub fn admin_routes(cfg: &mut web::ServiceConfig) {
    admin::routes(cfg);
}

/// The step-up purpose: a data download first needs a code sent to the email on file
/// (DESIGN.md, security decisions). Its own purpose, so a code for a card does not open it.
const STEP_UP: &str = "data_download";
const DATA_PAGE: &str = "/account/data";

#[derive(Template)]
#[template(path = "care/privacy/start.html")]
struct StartPage {
    chrome: Chrome,
}

#[derive(Template)]
#[template(path = "care/privacy/code.html")]
struct CodePage {
    chrome: Chrome,
    minutes: i64,
    errors: Vec<FieldError>,
    code_error: Option<String>,
}

fn code_page(csrf: &str, problem: Option<&str>) -> CodePage {
    CodePage {
        chrome: Chrome::debtor(csrf),
        minutes: step_up::CODE_MINUTES,
        errors: problem
            .map(|m| FieldError {
                field: "code",
                message: m.to_string(),
            })
            .into_iter()
            .collect(),
        code_error: problem.map(str::to_string),
    }
}

#[derive(Template)]
#[template(path = "care/privacy/data.html")]
struct DataPage {
    chrome: Chrome,
    data: privacy::PersonData,
    erasure_waiting: bool,
}

/// Everything we hold about the person, once they have confirmed with a code; before that,
/// a page that offers to send one.
#[get("/account/data")]
pub async fn data_page(
    who: SignedInDebtor,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    clock: web::Data<Clock>,
    session: Session,
) -> PageResult {
    let now = clock.now();
    if !is_confirmed(&session, STEP_UP, now) {
        return Ok(pages::ok(&StartPage {
            chrome: Chrome::debtor(&csrf.0),
        }));
    }
    let data = privacy::collect(db.get_ref(), who.0.debtor_id, now)
        .await
        .map_err(AppError::internal)?;
    let erasure_waiting = erasure::has_pending(db.get_ref(), who.0.debtor_id)
        .await
        .map_err(AppError::internal)?;
    Ok(pages::ok(&DataPage {
        chrome: Chrome::debtor(&csrf.0),
        data,
        erasure_waiting,
    }))
}

/// The same as the page, as a JSON file to keep.
#[get("/account/data.json")]
pub async fn data_json(
    who: SignedInDebtor,
    db: web::Data<DatabaseConnection>,
    clock: web::Data<Clock>,
    session: Session,
) -> PageResult {
    let now = clock.now();
    if !is_confirmed(&session, STEP_UP, now) {
        return Ok(pages::see_other(DATA_PAGE));
    }
    let data = privacy::collect(db.get_ref(), who.0.debtor_id, now)
        .await
        .map_err(AppError::internal)?;
    let body = serde_json::to_string_pretty(&data.to_json()).map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"good-terms-my-data.json\"",
        ))
        .insert_header(("Cache-Control", "no-store"))
        .body(body))
}

#[post("/account/data/code")]
pub async fn send_code(
    who: SignedInDebtor,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    clock: web::Data<Clock>,
) -> PageResult {
    step_up::send_code(db.get_ref(), who.0.debtor_id, STEP_UP, clock.now())
        .await
        .map_err(AppError::internal)?;
    Ok(pages::ok(&code_page(&csrf.0, None)))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct CodeForm {
    code: String,
}

#[post("/account/data/confirm")]
pub async fn confirm(
    who: SignedInDebtor,
    form: web::Form<CodeForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    clock: web::Data<Clock>,
    session: Session,
) -> PageResult {
    let now = clock.now();
    let checked = step_up::check(&db, who.0.debtor_id, STEP_UP, &form.code, now)
        .await
        .map_err(AppError::internal)?;
    let problem = match checked {
        CodeCheck::Confirmed => {
            mark_confirmed(&session, STEP_UP, now)?;
            return Ok(pages::see_other(DATA_PAGE));
        }
        CodeCheck::Wrong => "That code is not right. Check the email we sent you and try again",
        CodeCheck::NeedsNewCode => "That code no longer works. Ask for a new one below",
    };
    Ok(pages::invalid(&code_page(&csrf.0, Some(problem))))
}

#[derive(Template)]
#[template(path = "care/privacy/erase_confirm.html")]
struct EraseConfirmPage {
    chrome: Chrome,
}

#[derive(Template)]
#[template(path = "care/privacy/erase_requested.html")]
struct EraseRequestedPage {
    chrome: Chrome,
}

/// What erasing will and will not remove, with the button to ask. Behind the same code as
/// the data page: asking to erase changes what we hold.
#[get("/account/data/erase")]
pub async fn erase_confirm(
    _who: SignedInDebtor,
    csrf: CsrfToken,
    clock: web::Data<Clock>,
    session: Session,
) -> PageResult {
    if !is_confirmed(&session, STEP_UP, clock.now()) {
        return Ok(pages::see_other(DATA_PAGE));
    }
    Ok(pages::ok(&EraseConfirmPage {
        chrome: Chrome::debtor(&csrf.0),
    }))
}

#[post("/account/data/erase")]
pub async fn erase_request(
    who: SignedInDebtor,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    clock: web::Data<Clock>,
    session: Session,
) -> PageResult {
    let now = clock.now();
    if !is_confirmed(&session, STEP_UP, now) {
        return Ok(pages::see_other(DATA_PAGE));
    }
    erasure::request(db.get_ref(), who.0.debtor_id, now)
        .await
        .map_err(AppError::internal)?;
    Ok(pages::ok(&EraseRequestedPage {
        chrome: Chrome::debtor(&csrf.0),
    }))
}
