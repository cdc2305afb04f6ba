//! Disputes: the person tells us something is wrong (with a file if they like) and sees the
//! answer; staff work through their creditor's queue and answer each one.
mod person;
mod staff;

use actix_web::web;

use super::uploads;

pub fn debtor_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(person::show).service(person::sent).service(
        web::resource("/account/{id}/dispute")
            .app_data(uploads::limits())
            .route(web::post().to(person::send)),
    );
}

pub fn staff_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(staff::queue)
        .service(staff::show)
        .service(staff::answer);
}

pub fn admin_routes(_cfg: &mut web::ServiceConfig) {}

/// A date and time as pages show them: "3 December 2026".
fn day_of(at: chrono::DateTime<chrono::Utc>) -> String {
    crate::web::pages::long_date(at.date_naive())
}
