//! Erasure requests for admins: the list (waiting first, oldest first), a confirm page that
//! says what goes and what stays, and the erasure itself.
use actix_web::{get, post, web};
use askama::Template;
use chrono::Utc;
use sea_orm::DatabaseConnection;

use crate::domain::privacy::ErasureStatus;
use crate::services::care::erasure::{self, ErasureError, RequestRow};
use crate::web::auth::SignedInStaff;
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
use crate::web::pages::{self, Chrome};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list).service(confirm).service(erase);
}

pub struct RequestView {
    pub row: RequestRow,
    pub requested: String,
    pub decided: String,
    pub waiting: bool,
}

impl From<RequestRow> for RequestView {
    fn from(row: RequestRow) -> Self {
        let day = |at: chrono::DateTime<Utc>| at.format("%-d %B %Y").to_string();
        Self {
            requested: day(row.requested_at),
            decided: row.decided_at.map(day).unwrap_or_default(),
            waiting: row.status == ErasureStatus::Requested,
            row,
        }
    }
}

#[derive(Template)]
#[template(path = "admin/erasure.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<RequestView>,
    notice: Option<&'static str>,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct NoticeQuery {
    done: String,
}

#[get("/erasure")]
pub async fn list(
    query: web::Query<NoticeQuery>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let rows = erasure::list(db.get_ref())
        .await
        .map_err(AppError::internal)?;
    let notice = match query.done.as_str() {
        "erased" => Some(
            "Erased. The person's financial records are kept; everything else personal is gone.",
        ),
        "already" => Some("That request was already carried out, so nothing changed."),
        _ => None,
    };
    Ok(pages::ok(&ListPage {
        chrome: Chrome::staff(&csrf.0, true),
        rows: rows.into_iter().map(RequestView::from).collect(),
        notice,
    }))
}

#[derive(Template)]
#[template(path = "admin/erasure_confirm.html")]
struct ConfirmPage {
    chrome: Chrome,
    request: RequestView,
}

#[get("/erasure/{id}")]
pub async fn confirm(
    path: web::Path<i32>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let row = erasure::find(db.get_ref(), *path)
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)?;
    Ok(pages::ok(&ConfirmPage {
        chrome: Chrome::staff(&csrf.0, true),
        request: row.into(),
    }))
}

#[post("/erasure/{id}/erase")]
pub async fn erase(
    who: SignedInStaff,
    path: web::Path<i32>,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let done = match erasure::erase(&db, *path, who.0.staff_id, Utc::now()).await {
        Ok(()) => "erased",
        Err(ErasureError::AlreadyErased) => "already",
        Err(ErasureError::NotFound) => return Err(AppError::NotFound),
        Err(other) => return Err(AppError::internal(other)),
    };
    Ok(pages::see_other(&format!("/admin/erasure?done={done}")))
}
