//! One error type for the web layer. Every error renders a page inside the site layout; a 500
//! says nothing internal to the visitor and logs the whole cause chain.
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use super::pages::{Chrome, render_page};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("page not found")]
    NotFound,
    #[error("request refused: missing or wrong form token")]
    CsrfRejected,
    /// Not signed in as a debtor: sent to the debtor sign-in page.
    #[error("sign-in required")]
    SignInRequired,
    /// Not signed in as staff: sent to the staff sign-in page.
    #[error("staff sign-in required")]
    StaffSignInRequired,
    #[error("bad request")]
    BadRequest,
    #[error("too many requests from one address")]
    TooManyRequests,
    /// The request body did not arrive in time.
    #[error("request body too slow")]
    RequestTimeout,
    /// The declared body is larger than anything the site accepts.
    #[error("request body too large")]
    TooLarge,
    /// A compressed request body: never inflated, so never read.
    #[error("request body is compressed")]
    UnsupportedEncoding,
    #[error("the database is busy or unreachable")]
    Unavailable(#[source] anyhow::Error),
    #[error("unexpected error")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    /// Wraps any failure from below as a 500, or a 503 when the database is only busy.
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        let err = err.into();
        let unavailable = err
            .chain()
            .filter_map(|e| e.downcast_ref::<sea_orm::DbErr>())
            .any(crate::db::is_unavailable);
        if unavailable {
            Self::Unavailable(err)
        } else {
            Self::Internal(err)
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    title: &'static str,
    message: &'static str,
    way_back: WayBack,
}

/// Where an error page's way back leads: a signed-in person to their account, anyone else to
/// the sign-in page.
struct WayBack {
    href: &'static str,
    label: &'static str,
}

const TO_SIGN_IN: WayBack = WayBack {
    href: "/",
    label: "Go to the sign-in page",
};

const TO_ACCOUNT: WayBack = WayBack {
    href: "/account",
    label: "Go to your account",
};

/// The "Page not found" page for a signed-in debtor: it links to their account.
pub fn not_found_signed_in() -> HttpResponse {
    AppError::NotFound.page(TO_ACCOUNT)
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::CsrfRejected => StatusCode::FORBIDDEN,
            Self::SignInRequired | Self::StaffSignInRequired => StatusCode::SEE_OTHER,
            Self::BadRequest => StatusCode::BAD_REQUEST,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedEncoding => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::SignInRequired => return super::pages::see_other("/"),
            Self::StaffSignInRequired => return super::pages::see_other("/staff/signin"),
            _ => log_cause_chain(self),
        }
        self.page(TO_SIGN_IN)
    }
}

impl AppError {
    fn page(&self, way_back: WayBack) -> HttpResponse {
        let (title, message) = self.wording();
        let page = ErrorPage {
            chrome: Chrome::plain(),
            title,
            message,
            way_back,
        };
        let mut response = render_page(&page, self.status_code());
        super::security::add_headers(&mut response);
        let retry_after = match self {
            Self::Unavailable(_) => Some(super::pages::RETRY_AFTER_SECONDS),
            Self::TooManyRequests => Some("60"),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            super::pages::with_retry_after(&mut response, seconds);
        }
        response
    }
}

impl AppError {
    fn wording(&self) -> (&'static str, &'static str) {
        match self {
            Self::NotFound => (
                "Page not found",
                "We could not find that page. If you typed the address, check it is right.",
            ),
            Self::CsrfRejected => (
                "Please try that again",
                "For your security, this form could not be used. Go back, reload the page and try again.",
            ),
            Self::SignInRequired | Self::StaffSignInRequired => {
                ("Please sign in", "You need to sign in to see this page.")
            }
            Self::BadRequest => (
                "Something was not right with that request",
                "Go back and try again. If it keeps happening, contact us.",
            ),
            Self::TooManyRequests => (
                "Please slow down a little",
                "We have had a lot of requests from your connection. Please wait a minute and try again.",
            ),
            Self::RequestTimeout => (
                "That took too long to arrive",
                "Your connection may be slow. Please go back and try again.",
            ),
            Self::TooLarge => (
                "That was too much to send",
                "What you sent is larger than we accept. If you were uploading a file, try a smaller one.",
            ),
            Self::UnsupportedEncoding => (
                "We could not read that",
                "Your browser sent this compressed, which we do not accept. Please go back and try again.",
            ),
            Self::Unavailable(_) => (
                "Sorry, we are very busy",
                "Please wait a few seconds and try again. Nothing you have done has been lost.",
            ),
            Self::Internal(_) => (
                "Sorry, something went wrong on our side",
                "Please try again in a few minutes. Nothing you have done has been lost.",
            ),
        }
    }
}

/// The visitor sees a plain message; the log gets every cause, for the people who can fix it.
fn log_cause_chain(err: &AppError) {
    match err {
        AppError::Internal(cause) | AppError::Unavailable(cause) => {
            tracing::error!(error.chain = %format!("{cause:#}"), "request failed");
        }
        _ => {}
    }
}

pub type PageResult = Result<HttpResponse, AppError>;
