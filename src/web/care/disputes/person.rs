//! The person's dispute page: what they told us and any answer, and a form to tell us (more).
//! The form is multipart (it may carry a file): its CSRF token travels in its URL.
use actix_multipart::form::MultipartForm;
use actix_multipart::form::bytes::Bytes as UploadedFile;
use actix_multipart::form::text::Text;
use actix_web::{get, web};
use askama::Template;
use sea_orm::DatabaseConnection;
use validator::{Validate, ValidationError};

use super::day_of;
use crate::clock::Clock;
use crate::config::Settings;
use crate::domain::attachments::AttachmentProblem;
use crate::domain::disputes::{DisputeReason, DisputeStatus};
use crate::domain::feedback::FeedbackMoment;
use crate::services::care::disputes::{self, DisputeError, DisputeView, NewEntry, PersonDisputes};
use crate::web::auth::SignedInDebtor;
use crate::web::care::{FeedbackAsk, uploads};
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
use crate::web::forms::{FormField, Problems, field, refusal};
use crate::web::pages::{self, Chrome, FieldError};

/// One reason as a radio button.
pub struct ReasonOption {
    pub id: String,
    pub value: &'static str,
    pub label: &'static str,
}

fn reason_options() -> Vec<ReasonOption> {
    DisputeReason::ALL
        .iter()
        .map(|r| ReasonOption {
            id: format!("reason-{}", r.as_str()),
            value: r.as_str(),
            label: r.label(),
        })
        .collect()
}

/// The first radio's id: the error summary links to it.
const REASON_ID: &str = "reason-not_recognised";

/// A dispute as the person reads it.
pub struct Shown {
    pub open: bool,
    pub upheld: bool,
    pub opened: String,
    pub entries: Vec<ShownEntry>,
    pub answer: Option<String>,
    pub adjustment: Option<String>,
    pub answered: Option<String>,
}

pub struct ShownEntry {
    pub date: String,
    pub reason: &'static str,
    pub details: String,
    pub file: Option<(i32, String)>,
}

impl From<DisputeView> for Shown {
    fn from(d: DisputeView) -> Self {
        Shown {
            open: d.status == DisputeStatus::Open,
            upheld: d.status == DisputeStatus::Upheld,
            opened: day_of(d.opened_at),
            entries: d
                .entries
                .into_iter()
                .map(|e| ShownEntry {
                    date: day_of(e.created_at),
                    reason: e.reason.label(),
                    details: e.details,
                    file: e.file.map(|f| (f.id, f.file_name)),
                })
                .collect(),
            answer: d.answer,
            adjustment: d.adjustment.map(|a| a.to_string()),
            answered: d.answered_at.map(day_of),
        }
    }
}

/// The form as typed, kept to show again.
#[derive(Default, Validate)]
pub struct Typed {
    #[validate(custom(function = "reason_rule"))]
    pub reason: String,
    #[validate(custom(function = "details_rule"))]
    pub details: String,
}

fn reason_rule(typed: &str) -> Result<(), ValidationError> {
    DisputeReason::parse(typed)
        .map(|_| ())
        .ok_or_else(|| refusal("Choose what is wrong"))
}

fn details_rule(typed: &str) -> Result<(), ValidationError> {
    disputes::text(typed, "Tell us what is wrong, in your own words")
        .map(|_| ())
        .map_err(refusal)
}

const FIELDS: [FormField; 3] = [
    FormField {
        name: "reason",
        id: REASON_ID,
    },
    field("details"),
    field("file"),
];

#[derive(Template)]
#[template(path = "care/disputes/person.html")]
struct DisputePage {
    chrome: Chrome,
    errors: Vec<FieldError>,
    problems: Problems,
    account_id: i32,
    reference: String,
    creditor_name: String,
    latest: Option<Shown>,
    /// A dispute is open: the form adds to it.
    open: bool,
    form: Typed,
    reasons: Vec<ReasonOption>,
    feedback: Option<FeedbackAsk>,
}

impl DisputePage {
    fn new(csrf: &str, account_id: i32, found: PersonDisputes, form: Typed) -> Self {
        let latest: Option<Shown> = found.latest.map(Shown::from);
        let answered = latest.as_ref().is_some_and(|l| !l.open);
        DisputePage {
            chrome: Chrome::debtor(csrf),
            errors: Vec::new(),
            problems: Problems::default(),
            account_id,
            reference: found.reference,
            creditor_name: found.creditor_name,
            open: latest.as_ref().is_some_and(|l| l.open),
            latest,
            form,
            reasons: reason_options(),
            feedback: answered.then_some(FeedbackAsk {
                account_id,
                moment: FeedbackMoment::DisputeClosed,
            }),
        }
    }

    /// The same page, with the problems found in what was typed.
    fn with_problems(mut self, problems: Problems) -> Self {
        self.errors = problems.summary();
        self.problems = problems;
        self
    }
}

fn found_or_404(result: Result<PersonDisputes, DisputeError>) -> Result<PersonDisputes, AppError> {
    match result {
        Ok(found) => Ok(found),
        Err(DisputeError::NotFound) => Err(AppError::NotFound),
        Err(other) => Err(AppError::internal(other)),
    }
}

#[get("/account/{id}/dispute")]
pub async fn show(
    who: SignedInDebtor,
    path: web::Path<i32>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let id = path.into_inner();
    let found = found_or_404(disputes::for_person(db.get_ref(), who.0.debtor_id, id).await)?;
    Ok(pages::ok(&DisputePage::new(
        &csrf.0,
        id,
        found,
        Typed::default(),
    )))
}

/// The dispute form: reason, details and an optional file.
#[derive(MultipartForm)]
pub struct DisputeForm {
    reason: Option<Text<String>>,
    details: Option<Text<String>>,
    file: Option<UploadedFile>,
}

/// Registered in `disputes::debtor_routes` with the upload limits.
pub async fn send(
    who: SignedInDebtor,
    path: web::Path<i32>,
    form: Result<MultipartForm<DisputeForm>, actix_web::Error>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> PageResult {
    let id = path.into_inner();
    let found = found_or_404(disputes::for_person(db.get_ref(), who.0.debtor_id, id).await)?;
    let form = match form {
        Ok(MultipartForm(form)) => form,
        Err(err) if uploads::form_too_large(&err) => {
            // The body was not read: only the file's problem can be shown.
            let mut problems = Problems::default();
            problems.add("file", AttachmentProblem::TooLarge.to_string());
            let page = DisputePage::new(&csrf.0, id, found, Typed::default());
            return Ok(pages::invalid(&page.with_problems(problems)));
        }
        Err(_) => return Err(AppError::BadRequest),
    };
    let typed = Typed {
        reason: form.reason.map(|t| t.into_inner()).unwrap_or_default(),
        details: form.details.map(|t| t.into_inner()).unwrap_or_default(),
    };
    let mut problems = Problems::from_validation(typed.validate(), &FIELDS);
    let file = uploads::checked_file(form.file)
        .map_err(|problem| problems.add("file", problem.to_string()))
        .ok()
        .flatten();
    let (reason, details) = match (
        DisputeReason::parse(&typed.reason),
        disputes::text(&typed.details, ""),
    ) {
        (Some(reason), Ok(details)) if problems.is_empty() => (reason, details),
        _ => {
            let page = DisputePage::new(&csrf.0, id, found, typed);
            return Ok(pages::invalid(&page.with_problems(problems)));
        }
    };
    let entry = NewEntry {
        reason,
        details,
        file,
    };
    let base_url = &settings.base_url;
    match disputes::tell(&db, base_url, who.0.debtor_id, id, entry, clock.now()).await {
        Ok(_) => Ok(pages::see_other(&format!("/account/{id}/dispute/sent"))),
        Err(DisputeError::NotFound) => Err(AppError::NotFound),
        Err(other) => Err(AppError::internal(other)),
    }
}

#[derive(Template)]
#[template(path = "care/disputes/sent.html")]
struct SentPage {
    chrome: Chrome,
    account_id: i32,
    reference: String,
    creditor_name: String,
}

/// "We have your message": what happens next.
#[get("/account/{id}/dispute/sent")]
pub async fn sent(
    who: SignedInDebtor,
    path: web::Path<i32>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let id = path.into_inner();
    let found = found_or_404(disputes::for_person(db.get_ref(), who.0.debtor_id, id).await)?;
    Ok(pages::ok(&SentPage {
        chrome: Chrome::debtor(&csrf.0),
        account_id: id,
        reference: found.reference,
        creditor_name: found.creditor_name,
    }))
}
