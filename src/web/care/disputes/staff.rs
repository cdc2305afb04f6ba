//! The creditor's disputes: the queue (open ones oldest first, with their age), one dispute
//! in full with the account's balance, and the answer (upheld with an adjustment, or
//! explained). Another creditor's dispute is not found.
use actix_web::http::StatusCode;
use actix_web::{get, post, web};
use askama::Template;
use sea_orm::DatabaseConnection;
use validator::{Validate, ValidationError};

use super::day_of;
use crate::clock::Clock;
use crate::config::Settings;
use crate::domain::disputes::DisputeStatus;
use crate::services::care::disputes::{self, Answer, Answerer, DisputeError, QueueRow, StaffView};
use crate::web::auth::SignedInStaff;
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
use crate::web::forms::{FormField, Problems, field, read_money, refusal};
use crate::web::pages::{self, Chrome, FieldError};

/// A queue line as the page shows it.
pub struct Line {
    pub id: i32,
    pub account_id: i32,
    pub reference: String,
    pub name: String,
    pub reason: &'static str,
    pub outcome: &'static str,
    pub opened: String,
    pub age_days: i64,
    pub answered: String,
}

fn outcome(status: DisputeStatus) -> &'static str {
    match status {
        DisputeStatus::Open => "Waiting for an answer",
        DisputeStatus::Upheld => "Upheld",
        DisputeStatus::Explained => "Explained",
    }
}

impl From<QueueRow> for Line {
    fn from(row: QueueRow) -> Self {
        Line {
            id: row.id,
            account_id: row.account_id,
            reference: row.reference,
            name: row.name,
            reason: row.reason.label(),
            outcome: outcome(row.status),
            opened: day_of(row.opened_at),
            age_days: row.age_days,
            answered: row.answered_at.map(day_of).unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "care/disputes/queue.html")]
struct QueuePage {
    chrome: Chrome,
    open: Vec<Line>,
    answered: Vec<Line>,
}

#[get("/disputes")]
pub async fn queue(
    who: SignedInStaff,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    clock: web::Data<Clock>,
) -> PageResult {
    let found = disputes::queue(db.get_ref(), who.creditor_id()?, clock.now())
        .await
        .map_err(AppError::internal)?;
    Ok(pages::ok(&QueuePage {
        chrome: Chrome::staff(&csrf.0, false),
        open: found.open.into_iter().map(Line::from).collect(),
        answered: found.answered.into_iter().map(Line::from).collect(),
    }))
}

/// The answer form as typed.
#[derive(serde::Deserialize, Default, Validate)]
#[serde(default)]
#[validate(schema(function = "answer_rules", skip_on_field_errors = false))]
pub struct AnswerForm {
    #[validate(custom(function = "decision_rule"))]
    decision: String,
    /// Money in the account's currency: read in the handler, which knows it.
    amount: String,
    answer: String,
}

fn decision_rule(typed: &str) -> Result<(), ValidationError> {
    match typed {
        "uphold" | "explain" => Ok(()),
        _ => Err(refusal(
            "Choose whether you uphold the dispute or explain the debt",
        )),
    }
}

/// Explaining needs words; upholding may add some. Either way, within the length.
fn answer_rules(form: &AnswerForm) -> Result<(), ValidationError> {
    let words = form.answer.trim();
    if form.decision == "explain" && words.is_empty() {
        return Err(crate::web::forms::refusal_on(
            "answer",
            "Explain to the person why the debt stands",
        ));
    }
    if !words.is_empty() {
        disputes::text(words, "").map_err(|m| crate::web::forms::refusal_on("answer", m))?;
    }
    Ok(())
}

const DECISION_ID: &str = "decision-uphold";

const FIELDS: [FormField; 3] = [
    FormField {
        name: "decision",
        id: DECISION_ID,
    },
    field("amount"),
    field("answer"),
];

/// An entry as staff read it.
pub struct EntryLine {
    pub date: String,
    pub reason: &'static str,
    pub details: String,
    pub file: Option<(i32, String)>,
}

#[derive(Template)]
#[template(path = "care/disputes/show.html")]
struct ShowPage {
    chrome: Chrome,
    errors: Vec<FieldError>,
    problems: Problems,
    id: i32,
    account_id: i32,
    reference: String,
    name: String,
    balance: String,
    currency: &'static str,
    open: bool,
    outcome: &'static str,
    opened: String,
    entries: Vec<EntryLine>,
    answer: Option<String>,
    adjustment: Option<String>,
    answered: String,
    /// Set when someone else answered while this page was open.
    already: bool,
    form: AnswerForm,
}

impl ShowPage {
    fn new(csrf: &str, found: StaffView, form: AnswerForm) -> Self {
        let d = found.dispute;
        ShowPage {
            chrome: Chrome::staff(csrf, false),
            errors: Vec::new(),
            problems: Problems::default(),
            id: d.id,
            account_id: d.account_id,
            reference: found.reference,
            name: found.name,
            balance: found.balance.to_string(),
            currency: found.balance.currency().code(),
            open: d.status == DisputeStatus::Open,
            outcome: outcome(d.status),
            opened: day_of(d.opened_at),
            entries: d
                .entries
                .into_iter()
                .map(|e| EntryLine {
                    date: day_of(e.created_at),
                    reason: e.reason.label(),
                    details: e.details,
                    file: e.file.map(|f| (f.id, f.file_name)),
                })
                .collect(),
            answer: d.answer,
            adjustment: d.adjustment.map(|a| a.to_string()),
            answered: d.answered_at.map(day_of).unwrap_or_default(),
            already: false,
            form,
        }
    }
}

async fn load(db: &DatabaseConnection, creditor_id: i32, id: i32) -> Result<StaffView, AppError> {
    disputes::for_staff(db, creditor_id, id)
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)
}

#[get("/disputes/{id}")]
pub async fn show(
    who: SignedInStaff,
    path: web::Path<i32>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let found = load(&db, who.creditor_id()?, path.into_inner()).await?;
    Ok(pages::ok(&ShowPage::new(
        &csrf.0,
        found,
        AnswerForm::default(),
    )))
}

#[post("/disputes/{id}/answer")]
pub async fn answer(
    who: SignedInStaff,
    path: web::Path<i32>,
    form: web::Form<AnswerForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> PageResult {
    let creditor_id = who.creditor_id()?;
    let id = path.into_inner();
    let found = load(&db, creditor_id, id).await?;
    let form = form.into_inner();
    let mut problems = Problems::from_validation(form.validate(), &FIELDS);
    let currency = found.balance.currency();
    let words = (!form.answer.trim().is_empty()).then(|| form.answer.trim().to_string());
    let decision = match form.decision.as_str() {
        "uphold" => read_money(
            &form.amount,
            currency,
            "this account",
            false,
            "amount",
            &mut problems,
        )
        .map(|adjustment| Answer::Uphold {
            adjustment,
            note: words,
        }),
        _ => words.map(Answer::Explain),
    };
    let decision = match decision {
        Some(decision) if problems.is_empty() => decision,
        _ => {
            return Ok(again(
                &csrf.0,
                found,
                form,
                problems,
                StatusCode::BAD_REQUEST,
            ));
        }
    };
    let who = Answerer {
        staff_id: who.0.staff_id,
        creditor_id,
    };
    let result = disputes::answer(&db, &settings.base_url, who, id, decision, clock.now()).await;
    match result {
        Ok(()) => Ok(pages::see_other(&format!("/staff/disputes/{id}"))),
        Err(DisputeError::NotFound) => Err(AppError::NotFound),
        Err(DisputeError::Invalid(message)) => {
            let mut problems = Problems::default();
            problems.add("amount", message);
            Ok(again(
                &csrf.0,
                found,
                form,
                problems,
                StatusCode::BAD_REQUEST,
            ))
        }
        Err(DisputeError::AlreadyAnswered) => {
            let found = load(&db, creditor_id, id).await?;
            let mut page = ShowPage::new(&csrf.0, found, AnswerForm::default());
            page.already = true;
            Ok(pages::render_page(&page, StatusCode::CONFLICT))
        }
        Err(other) => Err(AppError::internal(other)),
    }
}

fn again(
    csrf: &str,
    found: StaffView,
    form: AnswerForm,
    mut problems: Problems,
    status: StatusCode,
) -> actix_web::HttpResponse {
    problems.sort_by_fields(&FIELDS);
    let mut page = ShowPage::new(csrf, found, form);
    page.errors = problems.summary();
    page.problems = problems;
    pages::render_page(&page, status)
}
