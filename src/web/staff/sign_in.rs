//! Staff sign-in with email and password.
use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use sea_orm::DatabaseConnection;

use crate::clock::Clock;
use crate::crypto::KeyedHasher;
use crate::services::access::staff_sign_in::{self, StaffSignInOutcome};
use crate::services::access::throttle::describe_wait;
use crate::web::auth::{SignedInStaff, client_address, end_session, start_staff_session};
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
use crate::web::pages::{self, Chrome, FieldError};

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct StaffSignInForm {
    email: String,
    password: String,
}

#[derive(Template)]
#[template(path = "staff/sign_in.html")]
struct StaffSignInPage {
    chrome: Chrome,
    email: String,
    errors: Vec<FieldError>,
    email_error: Option<String>,
    password_error: Option<String>,
}

impl StaffSignInPage {
    fn new(csrf: &str, email: String) -> Self {
        Self {
            chrome: Chrome::plain_with_csrf(csrf),
            email,
            errors: Vec::new(),
            email_error: None,
            password_error: None,
        }
    }
}

#[get("/staff/signin")]
pub async fn show(csrf: CsrfToken) -> HttpResponse {
    pages::ok(&StaffSignInPage::new(&csrf.0, String::new()))
}

#[post("/staff/signin")]
pub async fn submit(
    req: HttpRequest,
    form: web::Form<StaffSignInForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    hasher: web::Data<KeyedHasher>,
    clock: web::Data<Clock>,
    session: Session,
) -> PageResult {
    let StaffSignInForm { email, password } = form.into_inner();
    let now = clock.now();
    let mut page = StaffSignInPage::new(&csrf.0, email.clone());
    if email.trim().is_empty() {
        page.email_error = Some("Enter your email address".into());
        page.errors.push(FieldError {
            field: "email",
            message: "Enter your email address".into(),
        });
    }
    if password.is_empty() {
        page.password_error = Some("Enter your password".into());
        page.errors.push(FieldError {
            field: "password",
            message: "Enter your password".into(),
        });
    }
    if !page.errors.is_empty() || email.len() > 254 || password.len() > 1024 {
        if page.errors.is_empty() {
            page.errors.push(FieldError {
                field: "email",
                message: "The email address or password is not right".into(),
            });
        }
        return Ok(pages::invalid(&page));
    }
    let outcome =
        staff_sign_in::sign_in(&db, &hasher, &email, password, &client_address(&req), now)
            .await
            .map_err(AppError::internal)?;
    match outcome {
        StaffSignInOutcome::SignedIn(who) => {
            start_staff_session(&session, &who, now)?;
            Ok(pages::see_other("/staff"))
        }
        StaffSignInOutcome::NoMatch => {
            page.errors.push(FieldError {
                field: "email",
                message: "The email address or password is not right".into(),
            });
            Ok(pages::invalid(&page))
        }
        StaffSignInOutcome::WaitBeforeRetry(wait) => {
            page.errors.push(FieldError {
                field: "email",
                message: format!(
                    "Too many tries. Please wait {} and try again.",
                    describe_wait(wait)
                ),
            });
            Ok(pages::too_many_tries(&page, wait))
        }
    }
}

/// Sends each role to its home page.
#[get("/staff")]
pub async fn home(who: SignedInStaff) -> HttpResponse {
    if who.is_admin() {
        pages::see_other("/admin/creditors")
    } else {
        pages::see_other("/staff/dashboard")
    }
}

#[post("/staff/signout")]
pub async fn sign_out(session: Session) -> HttpResponse {
    end_session(&session);
    pages::see_other("/staff/signin")
}
