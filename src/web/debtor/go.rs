//! Links in emails that open one page ("see your plan", "pay now"). Like the sign-in link, the
//! GET shows a Continue button and only the POST uses the link, because mail scanners open
//! links. The POST signs the link's person in the way the sign-in link does and opens the
//! page. A link that no longer works still remembers its page, so signing in by any route
//! leads there.
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use sea_orm::DatabaseConnection;

use crate::clock::Clock;
use crate::services::contact::deep_links::{self, LINK_DAYS, LinkState, is_portal_path};
use crate::web::auth::{current_debtor, remember_landing, start_debtor_session};
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
use crate::web::pages::{self, Chrome};

#[derive(Template)]
#[template(path = "debtor/go_continue.html")]
struct ContinuePage {
    chrome: Chrome,
    token: String,
    /// Someone else is signed in here; continuing signs them out.
    someone_else: bool,
}

#[derive(Template)]
#[template(path = "debtor/go_problem.html")]
struct ProblemPage {
    chrome: Chrome,
    used: bool,
    expired: bool,
    days: i64,
}

/// Opens a page a link pointed at, checked once more to be inside the portal.
fn open_page(target: &str) -> HttpResponse {
    pages::see_other(if is_portal_path(target) {
        target
    } else {
        "/account"
    })
}

/// The link no longer works: say so, and remember its page for after sign-in.
fn problem_page(session: &Session, state: &LinkState) -> HttpResponse {
    if let Some(facts) = state.facts() {
        remember_landing(session, &facts.target);
    }
    let page = ProblemPage {
        chrome: Chrome::plain(),
        used: matches!(state, LinkState::Used(_)),
        expired: matches!(state, LinkState::Expired(_)),
        days: LINK_DAYS,
    };
    pages::render_page(&page, StatusCode::GONE)
}

/// True when the person signed in here is the one the link was sent to (at any of their
/// creditors): they need no Continue, and a spent link is no problem for them.
async fn already_theirs(
    req: &HttpRequest,
    db: &DatabaseConnection,
    state: &LinkState,
) -> Result<bool, AppError> {
    let (Some(me), Some(facts)) = (current_debtor(req), state.facts()) else {
        return Ok(false);
    };
    deep_links::same_person(db, me.debtor_id, facts.debtor_id)
        .await
        .map_err(AppError::internal)
}

#[get("/go/{token}")]
pub async fn open(
    req: HttpRequest,
    token: web::Path<String>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    clock: web::Data<Clock>,
    session: Session,
) -> PageResult {
    let token = token.into_inner();
    let state = deep_links::check(db.get_ref(), &token, clock.now())
        .await
        .map_err(AppError::internal)?;
    match (&state, already_theirs(&req, &db, &state).await?) {
        (LinkState::Unknown, _) => Ok(problem_page(&session, &state)),
        (LinkState::Usable(facts) | LinkState::Used(facts) | LinkState::Expired(facts), true) => {
            Ok(open_page(&facts.target))
        }
        (LinkState::Usable(_), false) => Ok(pages::ok(&ContinuePage {
            chrome: Chrome::plain_with_csrf(&csrf.0),
            token,
            someone_else: current_debtor(&req).is_some(),
        })),
        (LinkState::Used(_) | LinkState::Expired(_), false) => Ok(problem_page(&session, &state)),
    }
}

#[post("/go/{token}")]
pub async fn redeem(
    req: HttpRequest,
    token: web::Path<String>,
    db: web::Data<DatabaseConnection>,
    clock: web::Data<Clock>,
    session: Session,
) -> PageResult {
    let now = clock.now();
    match deep_links::redeem(db.get_ref(), &token, now)
        .await
        .map_err(AppError::internal)?
    {
        Ok(redeemed) => {
            start_debtor_session(&session, &redeemed.who, now)?;
            Ok(open_page(&redeemed.target))
        }
        // Continue pressed twice, or on a second tab: the person is already in.
        Err(state) if already_theirs(&req, &db, &state).await? => match state.facts() {
            Some(facts) => Ok(open_page(&facts.target)),
            None => Ok(problem_page(&session, &state)),
        },
        Err(state) => Ok(problem_page(&session, &state)),
    }
}
