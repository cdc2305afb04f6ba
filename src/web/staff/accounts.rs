//! A creditor's accounts: search and pages, and one account's statement. Every lookup is
//! scoped to the signed-in staff member's creditor; another creditor's account is not found.
use actix_web::{get, web};
use askama::Template;
use sea_orm::DatabaseConnection;

use crate::services::portfolio::{self, AccountRow};
use crate::services::statements::{self, Scope};
use crate::web::auth::SignedInStaff;
use crate::web::csrf::CsrfToken;
use crate::web::debtor::account::AccountView;
use crate::web::errors::{AppError, PageResult};
use crate::web::pages::{self, Chrome};

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    page: String,
}

#[derive(Template)]
#[template(path = "staff/accounts.html")]
struct AccountsPage {
    chrome: Chrome,
    query: String,
    rows: Vec<AccountRow>,
    page: u64,
    pages: u64,
    total: u64,
    previous_link: Option<String>,
    next_link: Option<String>,
}

fn page_link(query: &str, page: u64) -> String {
    format!(
        "/staff/accounts?q={}&page={page}",
        urlencoding::encode(query)
    )
}

#[get("/staff/accounts")]
pub async fn list(
    who: SignedInStaff,
    params: web::Query<ListQuery>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let creditor_id = who.creditor_id()?;
    let query: String = params.q.chars().take(100).collect();
    let page = params.page.parse().unwrap_or(1);
    let found = portfolio::search(db.get_ref(), creditor_id, &query, page)
        .await
        .map_err(AppError::internal)?;
    Ok(pages::ok(&AccountsPage {
        chrome: Chrome::staff(&csrf.0, false),
        previous_link: (found.page > 1).then(|| page_link(&query, found.page - 1)),
        next_link: (found.page < found.pages).then(|| page_link(&query, found.page + 1)),
        query,
        rows: found.rows,
        page: found.page,
        pages: found.pages,
        total: found.total,
    }))
}

#[derive(Template)]
#[template(path = "staff/account.html")]
struct StaffAccountPage {
    chrome: Chrome,
    account: AccountView,
}

#[get("/staff/accounts/{id}")]
pub async fn show(
    who: SignedInStaff,
    path: web::Path<String>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let creditor_id = who.creditor_id()?;
    let id: i32 = path.parse().map_err(|_| AppError::NotFound)?;
    let statement = statements::for_account(db.get_ref(), id, Scope::Creditor(creditor_id))
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)?;
    Ok(pages::ok(&StaffAccountPage {
        chrome: Chrome::staff(&csrf.0, false),
        account: AccountView::from_statement(statement),
    }))
}
