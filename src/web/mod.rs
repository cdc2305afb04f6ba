//! HTTP: handlers by audience, plus the extractors and middleware they share.
pub mod auth;
pub mod csrf;
pub mod debtor;
pub mod errors;
pub mod flood;
pub mod health;
pub mod pages;
pub mod security;
pub mod session_store;
pub mod staff;

use actix_web::{HttpRequest, web};

use errors::AppError;

/// Form bodies are small; anything bigger is refused before it is read.
pub const FORM_LIMIT_BYTES: usize = 16 * 1024;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(health::stylesheet)
        .service(debtor::sign_in::show)
        .service(debtor::sign_in::submit)
        .service(debtor::sign_in::sign_out)
        .service(debtor::sign_in::signed_out)
        .service(debtor::link::request_form)
        .service(debtor::link::request_submit)
        .service(debtor::link::sent)
        .service(debtor::link::open)
        .service(debtor::link::redeem)
        .service(debtor::account::balance_page)
        .service(debtor::account::one_account)
        .service(staff::sign_in::show)
        .service(staff::sign_in::submit)
        .service(staff::sign_in::home)
        .service(staff::sign_in::sign_out)
        .service(staff::accounts::list)
        .service(staff::accounts::show)
        .service(staff::creditors::list)
        .app_data(
            web::FormConfig::default()
                .limit(FORM_LIMIT_BYTES)
                .error_handler(|_, _| AppError::BadRequest.into()),
        )
        .app_data(web::PayloadConfig::new(FORM_LIMIT_BYTES))
        .app_data(web::QueryConfig::default().error_handler(|_, _| AppError::BadRequest.into()))
        .app_data(web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()))
        .default_service(web::to(not_found));
}

async fn not_found(_: HttpRequest) -> Result<actix_web::HttpResponse, AppError> {
    Err(AppError::NotFound)
}
