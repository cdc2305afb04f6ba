//! The audit log for admins: newest first, filtered, 50 a page, and the same filters as CSV.
use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use askama::Template;
use chrono::NaiveDate;
use sea_orm::DatabaseConnection;

use crate::domain::audit::ActorKind;
use crate::services::admin::audit_log::{self, AuditFilter, AuditRow};
use crate::services::admin::creditor_list::{self, CreditorSummary};
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
use crate::web::forms::Problems;
use crate::web::pages::{self, Chrome, FieldError};

const MAX_ACTION_FILTER_CHARS: usize = 100;

#[derive(serde::Deserialize, serde::Serialize, Default, Clone)]
#[serde(default)]
pub struct AuditQuery {
    action: String,
    actor: String,
    creditor: String,
    from: String,
    to: String,
    #[serde(skip_serializing)]
    page: String,
}

impl AuditQuery {
    /// The filters as a query string, for page links and the CSV link.
    fn filters(&self) -> String {
        serde_urlencoded::to_string(self).unwrap_or_default()
    }

    fn actor_selected(&self, kind: &ActorKind) -> bool {
        self.actor == kind.as_str()
    }

    fn creditor_selected(&self, id: &i32) -> bool {
        self.creditor == id.to_string()
    }
}

fn date(value: &str, field: &'static str, problems: &mut Problems) -> Option<NaiveDate> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| problems.add(field, "Enter a date like 2026-11-23 (year, month, day)"))
        .ok()
}

fn read_filter(query: &AuditQuery, problems: &mut Problems) -> AuditFilter {
    let action = query.action.trim();
    if action.chars().count() > MAX_ACTION_FILTER_CHARS {
        problems.add(
            "action",
            format!("Enter at most {MAX_ACTION_FILTER_CHARS} characters"),
        );
    }
    let actor_kind = match query.actor.trim() {
        "" => None,
        kind => {
            let found = ActorKind::parse(kind);
            if found.is_none() {
                problems.add("actor", "Choose who did it from the list");
            }
            found
        }
    };
    let creditor_id = match query.creditor.trim() {
        "" => None,
        id => {
            let parsed = id.parse::<i32>().ok();
            if parsed.is_none() {
                problems.add("creditor", "Choose a creditor from the list");
            }
            parsed
        }
    };
    let from = date(&query.from, "from", problems);
    let to = date(&query.to, "to", problems);
    if let (Some(from), Some(to)) = (from, to)
        && to < from
    {
        problems.add(
            "to",
            "The end date must be the same as or after the start date",
        );
    }
    AuditFilter {
        action_contains: (!action.is_empty()).then(|| action.to_string()),
        actor_kind,
        creditor_id,
        from,
        to,
    }
}

pub struct AuditLine {
    pub row: AuditRow,
    pub when: String,
    pub who: String,
    pub subject: String,
}

impl AuditLine {
    fn new(row: AuditRow) -> Self {
        let who = match (&row.actor_email, row.actor_id) {
            (Some(email), _) => email.clone(),
            (None, Some(id)) => format!("{} {id}", row.actor_kind),
            (None, None) => row.actor_kind.to_string(),
        };
        let subject = match row.subject_id {
            Some(id) => format!("{} {id}", row.subject_kind),
            None => row.subject_kind.clone(),
        };
        Self {
            when: row.at.format("%-d %B %Y, %H:%M:%S UTC").to_string(),
            who,
            subject,
            row,
        }
    }
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPageView {
    chrome: Chrome,
    query: AuditQuery,
    actor_kinds: [ActorKind; 3],
    creditors: Vec<CreditorSummary>,
    lines: Vec<AuditLine>,
    total: u64,
    page: u64,
    pages: u64,
    errors: Vec<FieldError>,
    problems: Problems,
}

#[get("/audit")]
pub async fn list(
    query: web::Query<AuditQuery>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let query = query.into_inner();
    let mut problems = Problems::default();
    let filter = read_filter(&query, &mut problems);
    let creditors = creditor_list::list(db.get_ref())
        .await
        .map_err(AppError::internal)?;
    let mut view = AuditPageView {
        chrome: Chrome::staff(&csrf.0, true),
        query,
        actor_kinds: ActorKind::ALL,
        creditors,
        lines: Vec::new(),
        total: 0,
        page: 1,
        pages: 1,
        errors: problems.0.clone(),
        problems,
    };
    if !view.errors.is_empty() {
        return Ok(pages::invalid(&view));
    }
    let wanted = view.query.page.trim().parse::<u64>().unwrap_or(1);
    let found = audit_log::page(&db, &filter, wanted)
        .await
        .map_err(AppError::internal)?;
    view.lines = found.rows.into_iter().map(AuditLine::new).collect();
    view.total = found.total;
    view.page = found.page;
    view.pages = found.pages;
    Ok(pages::ok(&view))
}

#[get("/audit.csv")]
pub async fn csv(query: web::Query<AuditQuery>, db: web::Data<DatabaseConnection>) -> PageResult {
    let mut problems = Problems::default();
    let filter = read_filter(&query, &mut problems);
    if !problems.0.is_empty() {
        return Err(AppError::BadRequest);
    }
    let body = audit_log::csv(&db, &filter)
        .await
        .map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"audit-log.csv\"",
        ))
        .body(body))
}
