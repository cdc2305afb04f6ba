//! A creditor's accounts: search and pages, and one account's statement. Every lookup is
//! scoped to the signed-in staff member's creditor; another creditor's account is not found.
use actix_web::{get, web};
use askama::Template;
use sea_orm::DatabaseConnection;

use crate::services::payments::offline::OFFLINE_METHODS;
use crate::services::staff::portfolio::{self, AccountRow};
use crate::services::staff::workspace;
use crate::web::auth::SignedInStaff;
use crate::web::csrf::CsrfToken;
use crate::web::debtor::account::AccountView;
use crate::web::errors::{AppError, PageResult};
use crate::web::pages::{self, Chrome, FieldError};

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

#[get("/accounts")]
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

pub struct TimelineRow {
    pub when: String,
    pub kind: &'static str,
    pub title: String,
    pub detail: Option<String>,
}

#[derive(Template)]
#[template(path = "staff/account.html")]
struct StaffAccountPage {
    chrome: Chrome,
    account: AccountView,
    debtor_name: String,
    debtor_email: String,
    hold_reason: Option<String>,
    timeline: Vec<TimelineRow>,
    methods: Vec<(&'static str, &'static str)>,
    errors: Vec<FieldError>,
}

impl StaffAccountPage {
    fn problem(&self, field: &str) -> Option<String> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.clone())
    }
}

/// The account workspace, with a problem to show beside one of its forms (400) or none.
pub async fn render_workspace(
    db: &DatabaseConnection,
    csrf: &str,
    creditor_id: i32,
    account_id: i32,
    problem: Option<FieldError>,
) -> PageResult {
    let found = workspace::workspace(db, creditor_id, account_id)
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)?;
    let timeline = found
        .timeline
        .iter()
        .map(|e| TimelineRow {
            when: e.at.format("%-d %B %Y %H:%M").to_string(),
            kind: e.kind.label(),
            title: e.title.clone(),
            detail: e.detail.clone(),
        })
        .collect();
    let page = StaffAccountPage {
        chrome: Chrome::staff(csrf, false),
        account: AccountView::from_statement(found.statement),
        debtor_name: found.debtor_name,
        debtor_email: found.debtor_email,
        hold_reason: found.hold.map(|h| h.reason),
        timeline,
        methods: OFFLINE_METHODS.to_vec(),
        errors: problem.into_iter().collect(),
    };
    Ok(if page.errors.is_empty() {
        pages::ok(&page)
    } else {
        pages::invalid(&page)
    })
}

#[get("/accounts/{id}")]
pub async fn show(
    who: SignedInStaff,
    path: web::Path<i32>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let creditor_id = who.creditor_id()?;
    let id = path.into_inner();
    render_workspace(&db, &csrf.0, creditor_id, id, None).await
}
