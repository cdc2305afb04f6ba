//! Headers every response carries, and a guard that turns a handler panic into a 500 page
//! instead of a dropped connection.
use std::panic::AssertUnwindSafe;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{DefaultHeaders, Next};
use futures_util::FutureExt;

use super::errors::AppError;

/// No inline script anywhere; forms may only go to us (and Stripe Checkout, later); nobody
/// may frame us.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
    form-action 'self' https://checkout.stripe.com; frame-ancestors 'none'; base-uri 'none'; \
    object-src 'none'";

const HEADERS: &[(&str, &str)] = &[
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    (
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), payment=()",
    ),
    ("cross-origin-opener-policy", "same-origin"),
    // Pages hold personal data: never keep them in shared or back-button caches.
    ("cache-control", "no-store"),
];

pub fn headers() -> DefaultHeaders {
    HEADERS
        .iter()
        .fold(DefaultHeaders::new(), |acc, header| acc.add(*header))
}

/// For responses built from an error that travels past the header middleware (a panic, say).
pub fn add_headers(response: &mut actix_web::HttpResponse) {
    for (name, value) in HEADERS {
        response.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static(name),
            actix_web::http::header::HeaderValue::from_static(value),
        );
    }
}

pub async fn catch_panics(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // The request cannot be kept aside here (routing needs sole ownership of it), so a panic
    // becomes an error that actix renders with `AppError::error_response`.
    match AssertUnwindSafe(next.call(req)).catch_unwind().await {
        Ok(result) => result.map(ServiceResponse::map_into_boxed_body),
        Err(_) => Err(AppError::Internal(anyhow::anyhow!("a request handler panicked")).into()),
    }
}

#[cfg(test)]
mod tests {
    use actix_web::middleware::from_fn;
    use actix_web::{App, test, web};

    use super::*;

    async fn boom() -> &'static str {
        panic!("a bug in a handler")
    }

    #[actix_web::test]
    async fn a_panicking_handler_answers_500_with_the_error_page_and_headers() {
        let app = test::init_service(
            App::new()
                .wrap(from_fn(catch_panics))
                .route("/boom", web::get().to(boom)),
        )
        .await;
        let request = test::TestRequest::get().uri("/boom").to_request();
        // The panic becomes an error, which the server renders exactly like this.
        let error = test::try_call_service(&app, request)
            .await
            .expect_err("the panic is turned into an error");
        let response = error.error_response();
        assert_eq!(response.status().as_u16(), 500);
        let nosniff = response.headers().get("x-content-type-options");
        assert_eq!(nosniff.and_then(|v| v.to_str().ok()), Some("nosniff"));
        let body = actix_web::body::to_bytes(response.into_body())
            .await
            .unwrap_or_default();
        let html = String::from_utf8_lossy(&body);
        assert!(html.contains("Sorry, something went wrong on our side"));
        assert!(!html.contains("a bug in a handler"));
    }
}
