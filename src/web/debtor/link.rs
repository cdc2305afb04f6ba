//! "Email me a sign-in link", and the link itself: the GET shows a Continue button, only the
//! POST uses the token.
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use chrono::Utc;
use sea_orm::DatabaseConnection;

use crate::clock::Clock;
use crate::config::Settings;
use crate::crypto::KeyedHasher;
use crate::domain::inputs::EmailAddress;
use crate::services::access::sign_in_links::{self, LINK_MINUTES, LinkProblem, LinkRequestOutcome};
use crate::services::access::throttle::describe_wait;
use crate::web::auth::{client_address, landing_after_sign_in, start_debtor_session};
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
use crate::web::pages::{self, Chrome, FieldError};

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct LinkForm {
    email: String,
}

#[derive(Template)]
#[template(path = "debtor/link_request.html")]
struct LinkRequestPage {
    chrome: Chrome,
    email: String,
    errors: Vec<FieldError>,
    email_error: Option<String>,
}

#[derive(Template)]
#[template(path = "debtor/link_sent.html")]
struct LinkSentPage {
    chrome: Chrome,
    minutes: i64,
}

#[get("/signin/link")]
pub async fn request_form(csrf: CsrfToken) -> HttpResponse {
    pages::ok(&LinkRequestPage {
        chrome: Chrome::plain_with_csrf(&csrf.0),
        email: String::new(),
        errors: Vec::new(),
        email_error: None,
    })
}

#[post("/signin/link")]
pub async fn request_submit(
    req: HttpRequest,
    form: web::Form<LinkForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    hasher: web::Data<KeyedHasher>,
    settings: web::Data<Settings>,
) -> PageResult {
    let typed = form.into_inner().email;
    let problem = |message: String, status| {
        let page = LinkRequestPage {
            chrome: Chrome::plain_with_csrf(&csrf.0),
            email: typed.clone(),
            errors: vec![FieldError {
                field: "email",
                message: message.clone(),
            }],
            email_error: Some(message),
        };
        pages::render_page(&page, status)
    };
    let email = match EmailAddress::parse(&typed) {
        Ok(email) => email,
        Err(e) => return Ok(problem(e.to_string(), StatusCode::BAD_REQUEST)),
    };
    let outcome = sign_in_links::request_link(
        &db,
        &hasher,
        &email,
        &client_address(&req),
        &settings.base_url,
        Utc::now(),
    )
    .await
    .map_err(AppError::internal)?;
    match outcome {
        LinkRequestOutcome::Accepted => Ok(pages::see_other("/signin/link/sent")),
        LinkRequestOutcome::WaitBeforeRetry(wait) => {
            let mut response = problem(
                format!(
                    "You have asked for several links. Please wait {} and try again, or check your email for a link we already sent.",
                    describe_wait(wait)
                ),
                StatusCode::TOO_MANY_REQUESTS,
            );
            pages::with_wait(&mut response, wait);
            Ok(response)
        }
    }
}

/// The same page whether or not we know the address, so nobody can test which are ours.
#[get("/signin/link/sent")]
pub async fn sent() -> HttpResponse {
    pages::ok(&LinkSentPage {
        chrome: Chrome::plain(),
        minutes: LINK_MINUTES,
    })
}

#[derive(Template)]
#[template(path = "debtor/link_continue.html")]
struct ContinuePage {
    chrome: Chrome,
    token: String,
}

#[derive(Template)]
#[template(path = "debtor/link_problem.html")]
struct LinkProblemPage {
    chrome: Chrome,
    used: bool,
    minutes: i64,
}

fn problem_page(problem: LinkProblem) -> HttpResponse {
    let page = LinkProblemPage {
        chrome: Chrome::plain(),
        used: problem == LinkProblem::Used,
        minutes: LINK_MINUTES,
    };
    pages::render_page(&page, StatusCode::GONE)
}

#[get("/signin/link/{token}")]
pub async fn open(
    token: web::Path<String>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let token = token.into_inner();
    match sign_in_links::check(&db, &token, Utc::now())
        .await
        .map_err(AppError::internal)?
    {
        Ok(()) => Ok(pages::ok(&ContinuePage {
            chrome: Chrome::plain_with_csrf(&csrf.0),
            token,
        })),
        Err(problem) => Ok(problem_page(problem)),
    }
}

#[post("/signin/link/{token}")]
pub async fn redeem(
    token: web::Path<String>,
    db: web::Data<DatabaseConnection>,
    clock: web::Data<Clock>,
    session: Session,
) -> PageResult {
    let now = clock.now();
    match sign_in_links::redeem(&db, &token, now)
        .await
        .map_err(AppError::internal)?
    {
        Ok(who) => {
            let landing = landing_after_sign_in(&session);
            start_debtor_session(&session, &who, now)?;
            Ok(pages::see_other(&landing))
        }
        Err(problem) => Ok(problem_page(problem)),
    }
}
