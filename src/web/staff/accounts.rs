//! A creditor's accounts: search and pages, and one account's statement. Every lookup is
//! scoped to the signed-in staff member's creditor; another creditor's account is not found.
use actix_web::{get, web};
use askama::Template;
use sea_orm::DatabaseConnection;

use crate::crypto::random_token;
use crate::services::care::overview::CarePanel;
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
    care: CarePanel,
    timeline: Vec<TimelineRow>,
    methods: Vec<(&'static str, &'static str)>,
    errors: Vec<FieldError>,
    payment: PaymentDraft,
    notice: Option<&'static str>,
}

impl StaffAccountPage {
    fn problem(&self, field: &str) -> Option<String> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.clone())
    }
}

/// The "record a payment" form as staff typed it, with its one-time token.
#[derive(Clone, Debug, Default)]
pub struct PaymentDraft {
    pub form_token: String,
    pub amount: String,
    pub method: String,
    pub reference: String,
    /// When a payment with the same method and reference was recorded recently: staff are
    /// asked to confirm this is a different one.
    pub repeat_of: Option<String>,
}

impl PaymentDraft {
    pub fn has_method(&self, code: &str) -> bool {
        self.method == code
    }

    /// An empty form with a fresh token.
    fn fresh() -> Self {
        Self {
            form_token: random_token(),
            ..Self::default()
        }
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
    render_workspace_with(db, csrf, creditor_id, account_id, problem, None).await
}

/// As [`render_workspace`], keeping what was typed in the payment form.
pub async fn render_workspace_with(
    db: &DatabaseConnection,
    csrf: &str,
    creditor_id: i32,
    account_id: i32,
    problem: Option<FieldError>,
    payment: Option<PaymentDraft>,
) -> PageResult {
    let mut page = workspace_page(db, csrf, creditor_id, account_id).await?;
    page.errors = problem.into_iter().collect();
    if let Some(payment) = payment {
        page.payment = payment;
    }
    Ok(if page.errors.is_empty() {
        pages::ok(&page)
    } else {
        pages::invalid(&page)
    })
}

/// The account workspace with a notice at the top (200).
pub async fn render_workspace_notice(
    db: &DatabaseConnection,
    csrf: &str,
    creditor_id: i32,
    account_id: i32,
    notice: &'static str,
) -> PageResult {
    let mut page = workspace_page(db, csrf, creditor_id, account_id).await?;
    page.notice = Some(notice);
    Ok(pages::ok(&page))
}

async fn workspace_page(
    db: &DatabaseConnection,
    csrf: &str,
    creditor_id: i32,
    account_id: i32,
) -> Result<StaffAccountPage, AppError> {
    // Staff pages act on real time, as their actions do.
    let found = workspace::workspace(db, creditor_id, account_id, chrono::Utc::now())
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
    Ok(StaffAccountPage {
        chrome: Chrome::staff(csrf, false),
        account: AccountView::from_statement(found.statement),
        debtor_name: found.debtor_name,
        debtor_email: found.debtor_email,
        hold_reason: found.hold.map(|h| h.reason),
        care: found.care,
        timeline,
        methods: OFFLINE_METHODS.to_vec(),
        errors: Vec::new(),
        payment: PaymentDraft::fresh(),
        notice: None,
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
