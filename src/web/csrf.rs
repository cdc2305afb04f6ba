//! CSRF protection for every POST: a random token in an HttpOnly, SameSite=Strict cookie must
//! match the `csrf_token` field of the form. Checked here, before any handler runs, so no
//! form can forget it; a POST without it gets 403 and changes nothing.
//!
//! Signing in binds a new token to the session (kept in its server-side state): from then on
//! the form must carry the session's token, so a token learnt or planted before sign-in (or a
//! cookie set by someone else) is worthless, and the cookie is renewed to the new token.
//!
//! A file upload (multipart/form-data) is too big to buffer here, so its form carries the
//! token in its URL (`?csrf_token=`) instead; the rule is by content type, not by route, so a
//! new upload form is protected the same way without telling this module about it. Which
//! paths are exempt (POSTs from other systems, signed their own way) is given by the routes,
//! in [`CsrfSettings`].
use std::collections::HashMap;

use actix_session::{Session, SessionExt};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpMessage, HttpRequest};

use super::errors::AppError;
use crate::crypto::{constant_time_eq, random_token};

pub const COOKIE: &str = "gt_csrf";
pub const FIELD: &str = "csrf_token";
/// Where a signed-in session keeps its token.
const SESSION_KEY: &str = "csrf";

/// Gives a session that is being signed in a new token of its own; the guard sends it to the
/// browser as the new cookie.
pub fn bind_new_token(session: &Session) -> Result<(), AppError> {
    session
        .insert(SESSION_KEY, random_token())
        .map_err(AppError::internal)
}

fn session_token(session: &Session) -> Option<String> {
    session
        .get::<String>(SESSION_KEY)
        .ok()
        .flatten()
        .filter(|t| is_well_formed(t))
}

/// The token for this request, for forms to embed.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

impl FromRequest for CsrfToken {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = req.extensions().get::<CsrfToken>().cloned();
        std::future::ready(
            token.ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!("CSRF middleware is not installed"))
            }),
        )
    }
}

#[derive(Clone, Copy)]
pub struct CsrfSettings {
    /// Cookies only over https.
    pub secure: bool,
    /// Paths whose POSTs come from other systems and prove who sent them their own way.
    pub exempt_paths: &'static [&'static str],
    /// Path prefixes whose POSTs carry their proof in the rest of the path (a signature), for
    /// routes with a parameter in the path; each is justified where it is listed.
    pub exempt_prefixes: &'static [&'static str],
}

impl CsrfSettings {
    fn exempts(&self, path: &str) -> bool {
        self.exempt_paths.contains(&path)
            || self
                .exempt_prefixes
                .iter()
                .any(|prefix| path.starts_with(prefix))
    }
}

pub async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let from_cookie = req
        .cookie(COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| is_well_formed(v));
    // Signed in: the session's token; otherwise the cookie's (double submit).
    let expected = session_token(&req.get_session()).or_else(|| from_cookie.clone());
    let token = expected.clone().unwrap_or_else(random_token);
    req.extensions_mut().insert(CsrfToken(token.clone()));

    let settings = req
        .app_data::<actix_web::web::Data<CsrfSettings>>()
        .map(|s| *s.get_ref());
    let exempt = settings.is_some_and(|s| s.exempts(req.path()));
    let must_check = req.method() == actix_web::http::Method::POST && !exempt;
    if must_check && is_upload(&req) {
        // The token is in the query string, checked against the cookie the same way; the
        // body is left unread for the route, which has its own size limit.
        if !submitted_matches(req.query_string().as_bytes(), expected.as_deref()) {
            tracing::warn!("upload refused: missing or wrong CSRF token");
            return Ok(req.error_response(AppError::CsrfRejected));
        }
    } else if must_check {
        // Answered here, not raised: a raised error would pass the security headers by.
        let body = match req.extract::<Bytes>().await {
            Ok(body) => body,
            Err(error) => return Ok(req.error_response(error)),
        };
        if !submitted_matches(&body, expected.as_deref()) {
            tracing::warn!("POST refused: missing or wrong CSRF token");
            return Ok(req.error_response(AppError::CsrfRejected));
        }
        req.set_payload(Payload::from(body));
    }

    let secure = settings.is_some_and(|s| s.secure);
    let mut res = next.call(req).await?.map_into_boxed_body();
    // A sign-in during this request bound a new token: the browser gets it as its cookie.
    let token = session_token(&res.request().get_session()).unwrap_or(token);
    if from_cookie.as_deref() != Some(token.as_str()) {
        res.response_mut().add_cookie(&cookie(token, secure))?;
    }
    Ok(res)
}

/// A multipart/form-data body: a file upload.
fn is_upload(req: &ServiceRequest) -> bool {
    req.headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
}

fn is_well_formed(value: &str) -> bool {
    value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

fn submitted_matches(body: &[u8], cookie: Option<&str>) -> bool {
    let Some(cookie) = cookie else { return false };
    let fields: HashMap<String, String> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    fields
        .get(FIELD)
        .is_some_and(|submitted| constant_time_eq(submitted, cookie))
}

fn cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build(COOKIE, token)
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .finish()
}
