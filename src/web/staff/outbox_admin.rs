//! Emails the outbox gave up on, with "Try again".
use actix_web::{get, post, web};
use askama::Template;
use chrono::Utc;
use sea_orm::DatabaseConnection;

use crate::providers::PaymentProvider;
use crate::services::admin::outbox::{self, FailedMessage};
use crate::services::autopay::setup;
use crate::web::auth::SignedInStaff;
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
use crate::web::pages::{self, Chrome};

pub struct FailedRow {
    pub message: FailedMessage,
    pub when: String,
}

#[derive(Template)]
#[template(path = "admin/outbox.html")]
struct OutboxPage {
    chrome: Chrome,
    rows: Vec<FailedRow>,
    total: u64,
    notice: &'static str,
    /// Active autopay mandates whose provider is not configured here: never charged.
    unchargeable: u64,
    /// Emails that failed at least once and are waiting to be tried again.
    retrying: u64,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct NoticeQuery {
    done: String,
}

#[get("/outbox")]
pub async fn list(
    query: web::Query<NoticeQuery>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    provider: web::Data<PaymentProvider>,
) -> PageResult {
    let failed = outbox::failed(&db).await.map_err(AppError::internal)?;
    let retrying = outbox::retrying(&db).await.map_err(AppError::internal)?;
    let unchargeable = setup::unchargeable(&db, &provider)
        .await
        .map_err(AppError::internal)?;
    let notice = match query.done.as_str() {
        "retried" => {
            "The email is back in the queue. We will try to send it again in the next minute or so."
        }
        "unchanged" => "That email was not waiting to be tried again, so nothing changed.",
        _ => "",
    };
    Ok(pages::ok(&OutboxPage {
        chrome: Chrome::staff(&csrf.0, true),
        total: failed.total,
        rows: failed
            .shown
            .into_iter()
            .map(|message| FailedRow {
                when: message.failed_at.format("%-d %B %Y, %H:%M UTC").to_string(),
                message,
            })
            .collect(),
        notice,
        unchargeable,
        retrying,
    }))
}

#[post("/outbox/{id}/retry")]
pub async fn retry(
    who: SignedInStaff,
    path: web::Path<i32>,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let id = path.into_inner();
    let retried = outbox::retry(&db, who.0.staff_id, id, Utc::now())
        .await
        .map_err(AppError::internal)?;
    Ok(pages::see_other(if retried {
        "/admin/outbox?done=retried"
    } else {
        "/admin/outbox?done=unchanged"
    }))
}
