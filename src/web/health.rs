//! Liveness and readiness for load balancers and orchestrators.
use actix_web::{HttpResponse, get, web};
use sea_orm::DatabaseConnection;

/// Liveness: the process answers. No database work, so it stays cheap under load.
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// Readiness: 200 when the database answers, 503 otherwise.
#[get("/readyz")]
pub async fn readyz(db: web::Data<DatabaseConnection>) -> HttpResponse {
    if crate::db::ping(&db).await {
        HttpResponse::Ok().content_type("text/plain").body("ready")
    } else {
        HttpResponse::ServiceUnavailable()
            .insert_header(("Retry-After", super::pages::RETRY_AFTER_SECONDS))
            .content_type("text/plain")
            .body("database unavailable")
    }
}
