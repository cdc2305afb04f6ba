//! Importing accounts from CSV: upload, a row-by-row report, then the import in the
//! background with a progress page that refreshes itself (no JavaScript needed).
//!
//! The upload is multipart/form-data, read by `actix-multipart` within [`UPLOAD_LIMIT_BYTES`];
//! its form carries the CSRF token in its URL (`?csrf_token=`), as every upload does.
use actix_multipart::MultipartError;
use actix_multipart::form::bytes::Bytes as UploadedFile;
use actix_multipart::form::{MultipartForm, MultipartFormConfig};
use actix_web::error::PayloadError;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::Utc;
use sea_orm::DatabaseConnection;

use crate::crypto::KeyedHasher;
use crate::domain::import::{HEADER, ImportPreview, ImportStatus, RowProblem};
use crate::domain::{Currency, Money};
use crate::services::staff::imports::{self, ImportView, Importer, StartRefused};
use crate::web::auth::SignedInStaff;
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
use crate::web::pages::{self, Chrome, FieldError};

/// The largest file accepted: 100,000 accounts with one to three items each come to about
/// 24 MB. The upload page's hint says "up to 32 MB".
pub const UPLOAD_LIMIT_BYTES: usize = 32 * 1024 * 1024;
const TOO_LARGE: &str =
    "The file is larger than 32 MB. Split it into smaller files and upload each one";
const REFRESH_SECONDS: u32 = 2;

#[derive(Template)]
#[template(path = "staff/import.html")]
struct UploadPage {
    chrome: Chrome,
    errors: Vec<FieldError>,
    file_error: Option<String>,
    header: String,
    recent: Vec<ImportView>,
}

fn importer(who: &SignedInStaff) -> Result<Importer, AppError> {
    Ok(Importer {
        creditor_id: who.creditor_id()?,
        staff_id: who.0.staff_id,
    })
}

async fn upload_page(
    db: &DatabaseConnection,
    creditor_id: i32,
    csrf: &str,
    errors: Vec<FieldError>,
) -> Result<UploadPage, AppError> {
    let recent = imports::recent(db, creditor_id, 10)
        .await
        .map_err(AppError::internal)?;
    Ok(UploadPage {
        chrome: Chrome::staff(csrf, false),
        file_error: errors.first().map(|e| e.message.clone()),
        errors,
        header: HEADER.join(","),
        recent,
    })
}

#[get("/import")]
pub async fn upload_form(
    who: SignedInStaff,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let creditor_id = who.creditor_id()?;
    Ok(pages::ok(
        &upload_page(db.get_ref(), creditor_id, &csrf.0, Vec::new()).await?,
    ))
}

/// The upload form: one file, read into memory because the check reads all of it.
#[derive(MultipartForm)]
pub struct UploadForm {
    file: Option<UploadedFile>,
}

/// The upload's limits, set on its route in `web::routes`: the whole file may be held in
/// memory, and nothing bigger is read.
pub fn upload_limits() -> MultipartFormConfig {
    MultipartFormConfig::default()
        .total_limit(UPLOAD_LIMIT_BYTES)
        .memory_limit(UPLOAD_LIMIT_BYTES)
}

/// Registered in `web::routes` as a resource with its own limits.
pub async fn upload(
    who: SignedInStaff,
    form: Result<MultipartForm<UploadForm>, actix_web::Error>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    hasher: web::Data<KeyedHasher>,
) -> PageResult {
    let who = importer(&who)?;
    let (status, message) = match form {
        Err(err) if is_too_large(&err) => (StatusCode::PAYLOAD_TOO_LARGE, TOO_LARGE.to_string()),
        Err(_) | Ok(MultipartForm(UploadForm { file: None })) => (
            StatusCode::BAD_REQUEST,
            "Choose a CSV file to upload".to_string(),
        ),
        Ok(MultipartForm(UploadForm { file: Some(file) })) if file.data.is_empty() => (
            StatusCode::BAD_REQUEST,
            "The file is empty. Choose a CSV file with a header row and at least one account"
                .to_string(),
        ),
        Ok(MultipartForm(UploadForm { file: Some(file) })) => {
            let file_name = file.file_name.unwrap_or_else(|| "upload.csv".into());
            let outcome = imports::check_upload(
                db.get_ref(),
                hasher.get_ref(),
                who,
                &file_name,
                file.data,
                Utc::now(),
            )
            .await
            .map_err(AppError::internal)?;
            match outcome {
                Ok(id) => return Ok(pages::see_other(&format!("/staff/import/{id}"))),
                Err(file_error) => (StatusCode::BAD_REQUEST, file_error.to_string()),
            }
        }
    };
    let errors = vec![FieldError {
        field: "file",
        message,
    }];
    let page = upload_page(db.get_ref(), who.creditor_id, &csrf.0, errors).await?;
    Ok(pages::render_page(&page, status))
}

/// The body went past the route's upload limit and was not read further.
pub fn is_too_large(err: &actix_web::Error) -> bool {
    matches!(
        err.as_error::<MultipartError>(),
        Some(MultipartError::Payload(PayloadError::Overflow))
    )
}

#[derive(Template)]
#[template(path = "staff/import_show.html")]
struct ShowPage {
    chrome: Chrome,
    preview_rows: Vec<PreviewRow>,
    /// More accounts are counted than listed.
    preview_cut: bool,
    import: ImportView,
    problems: Vec<RowProblem>,
    more_problems: i64,
    refresh_seconds: u32,
    percent: i64,
    refused: Option<&'static str>,
}

/// One account we already have, as the check-first report shows it.
struct PreviewRow {
    reference: String,
    before: String,
    after: String,
    changes: bool,
}

fn preview_rows(preview: Option<&ImportPreview>) -> Vec<PreviewRow> {
    let shown = |minor: i64, code: &str| {
        Currency::parse(code)
            .map(|currency| Money::from_minor(minor, currency).to_string())
            .unwrap_or_else(|_| format!("{code} {minor}"))
    };
    preview
        .map(|p| p.lines.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|line| PreviewRow {
            reference: line.reference.clone(),
            before: shown(line.before_minor, &line.currency),
            after: shown(line.after_minor, &line.currency),
            changes: line.changes(),
        })
        .collect()
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ShowQuery {
    refused: String,
}

fn refused_message(code: &str) -> Option<&'static str> {
    match code {
        "problems" => Some(
            "Some rows have problems. Fix the file and upload it again, or choose to import only the valid accounts.",
        ),
        "nothing" => Some("There are no valid accounts in this file to import."),
        _ => None,
    }
}

#[get("/import/{id}")]
pub async fn show(
    who: SignedInStaff,
    path: web::Path<i32>,
    query: web::Query<ShowQuery>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let creditor_id = who.creditor_id()?;
    let id = path.into_inner();
    let import = imports::find(db.get_ref(), creditor_id, id)
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)?;
    let percent = if import.valid_accounts > 0 {
        import.processed * 100 / import.valid_accounts
    } else {
        0
    };
    Ok(pages::ok(&ShowPage {
        chrome: Chrome::staff(&csrf.0, false),
        preview_rows: preview_rows(import.preview.as_ref()),
        preview_cut: import
            .preview
            .as_ref()
            .is_some_and(|p| (p.lines.len() as u64) < p.will_change + p.unchanged),
        problems: import.problems.clone(),
        more_problems: import.problem_count - import.problems.len() as i64,
        refresh_seconds: REFRESH_SECONDS,
        percent,
        refused: refused_message(&query.refused),
        import,
    }))
}

#[derive(serde::Deserialize)]
pub struct StartForm {
    #[serde(default)]
    only_valid: String,
}

#[post("/import/{id}/start")]
pub async fn start(
    who: SignedInStaff,
    path: web::Path<i32>,
    form: web::Form<StartForm>,
    db: web::Data<DatabaseConnection>,
) -> Result<HttpResponse, AppError> {
    let who = importer(&who)?;
    let id = path.into_inner();
    let only_valid = form.only_valid == "yes";
    let outcome = imports::start(db.get_ref(), who, id, only_valid, Utc::now())
        .await
        .map_err(AppError::internal)?;
    let location = match outcome {
        Ok(()) => {
            crate::jobs::import::spawn(db.get_ref().clone(), id);
            format!("/staff/import/{id}")
        }
        Err(StartRefused::NotFound) => return Err(AppError::NotFound),
        Err(StartRefused::AlreadyStarted) => format!("/staff/import/{id}"),
        Err(StartRefused::HasProblems) => format!("/staff/import/{id}?refused=problems"),
        Err(StartRefused::NothingToImport) => format!("/staff/import/{id}?refused=nothing"),
    };
    Ok(pages::see_other(&location))
}

/// For the template: plain words for each stage.
impl ShowPage {
    fn is_checked(&self) -> bool {
        self.import.status == ImportStatus::Checked
    }

    fn is_done(&self) -> bool {
        self.import.status == ImportStatus::Done
    }

    fn is_failed(&self) -> bool {
        self.import.status == ImportStatus::Failed
    }
}
