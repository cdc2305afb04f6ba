//! Breathing space pages: start one from the options, see it, and end it early (a confirm
//! page first, since it brings reminders and payments back at once).
use actix_web::{get, post, web};
use askama::Template;
use sea_orm::DatabaseConnection;

use super::{choices, not_found_or_internal};
use crate::clock::Clock;
use crate::domain::wording::full_date;
use crate::services::care::breathing_space::{self, BreathingSpaceError};
use crate::services::care::hardship;
use crate::web::auth::SignedInDebtor;
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
use crate::web::forms::Problems;
use crate::web::pages::{self, Chrome};

fn page_error(error: BreathingSpaceError) -> AppError {
    match error {
        BreathingSpaceError::Account(e) => not_found_or_internal(e),
        other => AppError::internal(other),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct StartForm {
    days: String,
}

#[post("/account/{id}/help/{statement:\\d+}/breathing-space")]
pub async fn start(
    who: SignedInDebtor,
    path: web::Path<(i32, i32)>,
    form: web::Form<StartForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    clock: web::Data<Clock>,
) -> PageResult {
    let (account_id, statement_id) = *path;
    let now = clock.now();
    let days = form.days.trim().parse::<u32>().unwrap_or(0);
    let message = match breathing_space::start(&db, who.0.debtor_id, account_id, statement_id, days, now)
        .await
    {
        Ok(_) | Err(BreathingSpaceError::AlreadyInForce) => {
            return Ok(pages::see_other(&format!(
                "/account/{account_id}/breathing-space"
            )));
        }
        Err(BreathingSpaceError::NotAllowed { longest }) if longest >= 30 => {
            format!("Choose a breathing space of up to {longest} days")
        }
        Err(BreathingSpaceError::NotAllowed { .. }) => {
            "A breathing space is not available for this account. You can ask for a different plan instead.".to_string()
        }
        Err(other) => return Err(page_error(other)),
    };
    let today = now.date_naive();
    let options = hardship::options(
        db.get_ref(),
        who.0.debtor_id,
        account_id,
        statement_id,
        hardship::first_payment(today),
        today,
    )
    .await
    .map_err(not_found_or_internal)?;
    let mut problems = Problems::default();
    problems.add("days", message);
    Ok(pages::invalid(&choices::options_page(
        &csrf.0, &options, None, problems,
    )))
}

#[derive(Template)]
#[template(path = "care/hardship/breathing_space.html")]
struct StatusPage {
    chrome: Chrome,
    account_id: i32,
    until: Option<String>,
    ended: bool,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct EndedQuery {
    ended: String,
}

#[get("/account/{id}/breathing-space")]
pub async fn status(
    who: SignedInDebtor,
    path: web::Path<i32>,
    query: web::Query<EndedQuery>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    clock: web::Data<Clock>,
) -> PageResult {
    let current = breathing_space::current(db.get_ref(), who.0.debtor_id, *path, clock.now())
        .await
        .map_err(page_error)?;
    Ok(pages::ok(&StatusPage {
        chrome: Chrome::debtor(&csrf.0),
        account_id: *path,
        until: current.map(|c| full_date(c.resumes_on())),
        ended: !query.ended.is_empty(),
    }))
}

#[derive(Template)]
#[template(path = "care/hardship/end.html")]
struct EndPage {
    chrome: Chrome,
    account_id: i32,
    until: String,
}

#[get("/account/{id}/breathing-space/end")]
pub async fn end_form(
    who: SignedInDebtor,
    path: web::Path<i32>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    clock: web::Data<Clock>,
) -> PageResult {
    let current = breathing_space::current(db.get_ref(), who.0.debtor_id, *path, clock.now())
        .await
        .map_err(page_error)?;
    Ok(match current {
        Some(current) => pages::ok(&EndPage {
            chrome: Chrome::debtor(&csrf.0),
            account_id: *path,
            until: full_date(current.resumes_on()),
        }),
        None => pages::see_other(&format!("/account/{}/breathing-space", *path)),
    })
}

#[post("/account/{id}/breathing-space/end")]
pub async fn end(
    who: SignedInDebtor,
    path: web::Path<i32>,
    db: web::Data<DatabaseConnection>,
    clock: web::Data<Clock>,
) -> PageResult {
    breathing_space::end_early(&db, who.0.debtor_id, *path, clock.now())
        .await
        .map_err(page_error)?;
    Ok(pages::see_other(&format!(
        "/account/{}/breathing-space?ended=1",
        *path
    )))
}
