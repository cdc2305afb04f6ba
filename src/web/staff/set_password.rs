//! The emailed set-password link: the GET shows the form "Choose a password" (opening the link
//! uses nothing), the POST sets the password and uses the link up.
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::Utc;
use sea_orm::DatabaseConnection;

use crate::services::access::staff_passwords::{
    self, PasswordLinkProblem, SetPasswordError, password_problem,
};
use crate::services::admin::staff_users::SET_PASSWORD_DAYS;
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
use crate::web::pages::{self, Chrome, FieldError};

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    password: String,
    confirm: String,
}

#[derive(Template)]
#[template(path = "staff/set_password.html")]
struct SetPasswordPage {
    chrome: Chrome,
    token: String,
    errors: Vec<FieldError>,
    password_error: Option<String>,
    confirm_error: Option<String>,
}

#[derive(Template)]
#[template(path = "staff/set_password_problem.html")]
struct ProblemPage {
    chrome: Chrome,
    used: bool,
    expired: bool,
    days: i64,
}

#[derive(Template)]
#[template(path = "staff/password_set.html")]
struct DonePage {
    chrome: Chrome,
}

fn problem_page(problem: PasswordLinkProblem) -> HttpResponse {
    let page = ProblemPage {
        chrome: Chrome::plain(),
        used: problem == PasswordLinkProblem::Used,
        expired: problem == PasswordLinkProblem::Expired,
        days: SET_PASSWORD_DAYS,
    };
    pages::render_page(&page, StatusCode::GONE)
}

#[get("/staff/set-password/{token}")]
pub async fn open(
    token: web::Path<String>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let token = token.into_inner();
    match staff_passwords::check(&db, &token, Utc::now())
        .await
        .map_err(AppError::internal)?
    {
        Ok(()) => Ok(pages::ok(&SetPasswordPage {
            chrome: Chrome::plain_with_csrf(&csrf.0),
            token,
            errors: Vec::new(),
            password_error: None,
            confirm_error: None,
        })),
        Err(problem) => Ok(problem_page(problem)),
    }
}

#[post("/staff/set-password/{token}")]
pub async fn submit(
    token: web::Path<String>,
    form: web::Form<PasswordForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let token = token.into_inner();
    let form = form.into_inner();
    let (password, confirm) = (form.password.as_str(), form.confirm.as_str());
    if let Some((field, message)) = password_problem(password, confirm) {
        // A bad link matters more than a bad password: say so first.
        if let Err(problem) = staff_passwords::check(&db, &token, Utc::now())
            .await
            .map_err(AppError::internal)?
        {
            return Ok(problem_page(problem));
        }
        let page = SetPasswordPage {
            chrome: Chrome::plain_with_csrf(&csrf.0),
            token,
            errors: vec![FieldError {
                field,
                message: message.clone(),
            }],
            password_error: (field == "password").then(|| message.clone()),
            confirm_error: (field == "confirm").then_some(message),
        };
        return Ok(pages::invalid(&page));
    }
    match staff_passwords::set_password(&db, &token, password.to_string(), Utc::now()).await {
        Ok(_) => Ok(pages::see_other("/staff/password-set")),
        Err(SetPasswordError::Link(problem)) => Ok(problem_page(problem)),
        Err(e) => Err(AppError::internal(e)),
    }
}

#[get("/staff/password-set")]
pub async fn done() -> HttpResponse {
    pages::ok(&DonePage {
        chrome: Chrome::plain(),
    })
}
