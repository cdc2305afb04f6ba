//! "Find my account": reference number and date of birth.
use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use sea_orm::DatabaseConnection;

use crate::clock::Clock;
use crate::crypto::KeyedHasher;
use crate::domain::inputs::{AccountReference, DateOfBirth};
use crate::services::access::debtor_sign_in::{self, SignInOutcome};
use crate::services::access::throttle::describe_wait;
use crate::web::auth::{client_address, end_session, landing_after_sign_in, start_debtor_session};
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
use crate::web::pages::{self, Chrome, FieldError};

/// What the person typed, kept so the form shows it again after an error.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct SignInForm {
    reference: String,
    dob_day: String,
    dob_month: String,
    dob_year: String,
}

#[derive(Template)]
#[template(path = "debtor/sign_in.html")]
struct SignInPage {
    chrome: Chrome,
    form: SignInForm,
    errors: Vec<FieldError>,
    reference_error: Option<String>,
    dob_error: Option<String>,
    /// A problem with the details as a whole (no match, or please wait).
    notice: Option<String>,
}

impl SignInPage {
    fn new(csrf: &str, form: SignInForm) -> Self {
        Self {
            chrome: Chrome::plain_with_csrf(csrf),
            form,
            errors: Vec::new(),
            reference_error: None,
            dob_error: None,
            notice: None,
        }
    }
}

#[get("/")]
pub async fn show(csrf: CsrfToken) -> HttpResponse {
    pages::ok(&SignInPage::new(&csrf.0, SignInForm::default()))
}

#[post("/signin")]
#[allow(clippy::too_many_arguments)]
pub async fn submit(
    req: HttpRequest,
    form: web::Form<SignInForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    hasher: web::Data<KeyedHasher>,
    clock: web::Data<Clock>,
    session: Session,
) -> PageResult {
    let form = form.into_inner();
    let now = clock.now();
    let reference = AccountReference::parse(&form.reference);
    let dob = DateOfBirth::parse(
        &form.dob_day,
        &form.dob_month,
        &form.dob_year,
        now.date_naive(),
    );
    let (reference, dob) = match (reference, dob) {
        (Ok(r), Ok(d)) => (r, d),
        (r, d) => {
            let mut page = SignInPage::new(&csrf.0, form);
            if let Err(e) = r {
                page.reference_error = Some(e.to_string());
                page.errors.push(FieldError {
                    field: e.field(),
                    message: e.to_string(),
                });
            }
            if let Err(e) = d {
                page.dob_error = Some(e.to_string());
                page.errors.push(FieldError {
                    field: e.field(),
                    message: e.to_string(),
                });
            }
            return Ok(pages::invalid(&page));
        }
    };
    let outcome =
        debtor_sign_in::sign_in(&db, &hasher, &reference, &dob, &client_address(&req), now)
            .await
            .map_err(AppError::internal)?;
    match outcome {
        SignInOutcome::SignedIn(who) => {
            let landing = landing_after_sign_in(&session);
            start_debtor_session(&session, &who, now)?;
            Ok(pages::see_other(&landing))
        }
        SignInOutcome::NoMatch => {
            let mut page = SignInPage::new(&csrf.0, form);
            let message = "We could not find an account with those details. Check your reference number and date of birth, then try again.";
            page.errors.push(FieldError {
                field: "reference",
                message: message.to_string(),
            });
            page.notice = Some(message.to_string());
            Ok(pages::invalid(&page))
        }
        SignInOutcome::WaitBeforeRetry(wait) => {
            let mut page = SignInPage::new(&csrf.0, form);
            let message = format!(
                "For your security, please wait {} before you try again. You can also ask us to email you a sign-in link.",
                describe_wait(wait)
            );
            page.errors.push(FieldError {
                field: "reference",
                message: message.clone(),
            });
            page.notice = Some(message);
            Ok(pages::too_many_tries(&page, wait))
        }
    }
}

#[derive(Template)]
#[template(path = "debtor/signed_out.html")]
struct SignedOutPage {
    chrome: Chrome,
}

#[post("/signout")]
pub async fn sign_out(session: Session) -> HttpResponse {
    end_session(&session);
    pages::see_other("/signed-out")
}

#[get("/signed-out")]
pub async fn signed_out() -> HttpResponse {
    pages::ok(&SignedOutPage {
        chrome: Chrome::plain(),
    })
}
