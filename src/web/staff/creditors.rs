//! The admin's list of creditors.
use actix_web::{get, web};
use askama::Template;
use sea_orm::DatabaseConnection;

use crate::services::admin::creditor_list::{self, CreditorSummary};
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
use crate::web::pages::{self, Chrome};

#[derive(Template)]
#[template(path = "admin/creditors.html")]
struct CreditorsPage {
    chrome: Chrome,
    creditors: Vec<CreditorSummary>,
}

#[get("/creditors")]
pub async fn list(csrf: CsrfToken, db: web::Data<DatabaseConnection>) -> PageResult {
    let creditors = creditor_list::list(db.get_ref())
        .await
        .map_err(AppError::internal)?;
    Ok(pages::ok(&CreditorsPage {
        chrome: Chrome::staff(&csrf.0, true),
        creditors,
    }))
}
