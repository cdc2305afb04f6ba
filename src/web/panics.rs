//! A guard that turns a handler panic into a 500 page instead of a dropped connection.
use std::panic::AssertUnwindSafe;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use futures_util::FutureExt;

use super::errors::AppError;

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
