//! What can be offered once the person has told us: the affordable plan (checked, then agreed
//! at once), a breathing space, or a plan sent to the creditor with the figures.
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::NaiveDate;
use sea_orm::DatabaseConnection;

use super::not_found_or_internal;
use crate::clock::Clock;
use crate::config::Settings;
use crate::domain::affordability::left_in_words;
use crate::domain::wording::full_date;
use crate::services::care::breathing_space;
use crate::services::care::hardship::{self, Agreeing, Asking, HardshipError, Options};
use crate::services::plans::choose::PlanError;
use crate::web::auth::{SignedInDebtor, session_marker};
use crate::web::csrf::CsrfToken;
use crate::web::debtor::plan_views::ScheduleSummary;
use crate::web::errors::{AppError, PageResult};
use crate::web::forms::{Problems, read_money};
use crate::web::pages::{self, Chrome, FieldError};

async fn load(
    db: &DatabaseConnection,
    who: &SignedInDebtor,
    (account_id, statement_id): (i32, i32),
    first_due: Option<NaiveDate>,
    clock: &Clock,
) -> Result<Options, AppError> {
    let today = clock.now().date_naive();
    let first_due = first_due.unwrap_or_else(|| hardship::first_payment(today));
    hardship::options(
        db,
        who.0.debtor_id,
        account_id,
        statement_id,
        first_due,
        today,
    )
    .await
    .map_err(not_found_or_internal)
}

#[derive(Template)]
#[template(path = "care/hardship/options.html")]
pub(super) struct OptionsPage {
    chrome: Chrome,
    account_id: i32,
    statement_id: i32,
    creditor: String,
    balance: String,
    settled: bool,
    left_words: Option<String>,
    plan: Option<ScheduleSummary>,
    has_open_plan: bool,
    breathing_space_days: Vec<u32>,
    breathing_space_until: Option<String>,
    errors: Vec<FieldError>,
    problems: Problems,
}

pub(super) fn options_page(
    csrf: &str,
    options: &Options,
    breathing_space_until: Option<String>,
    problems: Problems,
) -> OptionsPage {
    OptionsPage {
        chrome: Chrome::debtor(csrf),
        account_id: options.account.account_id,
        statement_id: options.told.id,
        creditor: options.account.creditor_name.clone(),
        balance: options.account.balance.to_string(),
        settled: !options.account.balance.is_positive(),
        left_words: options.told.left().map(left_in_words),
        plan: options
            .plan
            .as_ref()
            .map(|p| ScheduleSummary::of(&p.schedule)),
        has_open_plan: !options.may_propose(),
        breathing_space_days: options.breathing_space_days.clone(),
        breathing_space_until,
        errors: problems.summary(),
        problems,
    }
}

#[get("/account/{id}/help/{statement:\\d+}")]
pub async fn offer(
    who: SignedInDebtor,
    path: web::Path<(i32, i32)>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    clock: web::Data<Clock>,
) -> PageResult {
    let options = load(&db, &who, *path, None, &clock).await?;
    let until = breathing_space::in_force_on(db.get_ref(), &[path.0], clock.now())
        .await
        .map_err(AppError::internal)?
        .get(&path.0)
        .map(|f| full_date(f.resumes_on()));
    Ok(pages::ok(&options_page(
        &csrf.0,
        &options,
        until,
        Problems::default(),
    )))
}

#[derive(Template)]
#[template(path = "care/hardship/plan.html")]
struct PlanPage {
    chrome: Chrome,
    account_id: i32,
    statement_id: i32,
    left_words: String,
    summary: ScheduleSummary,
    consent_text: String,
    fingerprint: String,
    first: String,
    notice: Option<&'static str>,
}

fn plan_page(csrf: &str, options: &Options, notice: Option<&'static str>) -> Option<PlanPage> {
    let plan = options.plan.as_ref()?;
    Some(PlanPage {
        chrome: Chrome::debtor(csrf),
        account_id: options.account.account_id,
        statement_id: options.told.id,
        left_words: options.told.left().map(left_in_words).unwrap_or_default(),
        summary: ScheduleSummary::of(&plan.schedule),
        consent_text: plan.consent_text.clone(),
        fingerprint: plan.consent_fingerprint(),
        first: options.first_due.to_string(),
        notice,
    })
}

fn back_to_options(options: &Options) -> HttpResponse {
    pages::see_other(&format!(
        "/account/{}/help/{}",
        options.account.account_id, options.told.id
    ))
}

/// Check your answers for the affordable plan.
#[get("/account/{id}/help/{statement:\\d+}/plan")]
pub async fn plan_check(
    who: SignedInDebtor,
    path: web::Path<(i32, i32)>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    clock: web::Data<Clock>,
) -> PageResult {
    let options = load(&db, &who, *path, None, &clock).await?;
    Ok(match plan_page(&csrf.0, &options, None) {
        Some(page) => pages::ok(&page),
        None => back_to_options(&options),
    })
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct AgreeForm {
    first: String,
    terms: String,
}

#[post("/account/{id}/help/{statement:\\d+}/plan")]
#[allow(clippy::too_many_arguments)]
pub async fn plan_agree(
    who: SignedInDebtor,
    path: web::Path<(i32, i32)>,
    form: web::Form<AgreeForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    clock: web::Data<Clock>,
    settings: web::Data<Settings>,
    session: Session,
) -> PageResult {
    let Ok(first_due) = form.first.parse::<NaiveDate>() else {
        return Err(AppError::BadRequest);
    };
    let (account_id, statement_id) = *path;
    let agreeing = Agreeing {
        signed_in: who.0.debtor_id,
        account_id,
        statement_id,
        first_due,
        shown_fingerprint: &form.terms,
        session_marker: &session_marker(&session)?,
    };
    let changed = match hardship::agree_plan(&db, &settings.base_url, agreeing, clock.now()).await {
        Ok(_) => {
            return Ok(pages::see_other(&format!(
                "/account/{account_id}/plan?done=1"
            )));
        }
        Err(HardshipError::Plan(PlanError::AlreadyHasPlan)) => {
            return Ok(pages::see_other(&format!("/account/{account_id}/plan")));
        }
        Err(HardshipError::Plan(
            PlanError::TermsChanged
            | PlanError::OutsidePolicy(_)
            | PlanError::Date(_)
            | PlanError::NothingOwed,
        )) => "Something changed since you looked at this plan. Please check the payments again.",
        Err(other) => return Err(not_found_or_internal(other)),
    };
    let options = load(&db, &who, *path, None, &clock).await?;
    Ok(match plan_page(&csrf.0, &options, Some(changed)) {
        Some(page) => pages::render_page(&page, StatusCode::CONFLICT),
        None => back_to_options(&options),
    })
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ProposeForm {
    amount: String,
    note: String,
}

#[derive(Template)]
#[template(path = "care/hardship/propose.html")]
struct ProposePage {
    chrome: Chrome,
    account_id: i32,
    statement_id: i32,
    creditor: String,
    balance: String,
    left_words: Option<String>,
    amount: String,
    note: String,
    errors: Vec<FieldError>,
    problems: Problems,
}

fn propose_page(
    csrf: &str,
    options: &Options,
    form: &ProposeForm,
    problems: Problems,
) -> ProposePage {
    ProposePage {
        chrome: Chrome::debtor(csrf),
        account_id: options.account.account_id,
        statement_id: options.told.id,
        creditor: options.account.creditor_name.clone(),
        balance: options.account.balance.to_string(),
        left_words: options.told.left().map(left_in_words),
        amount: form.amount.clone(),
        note: form.note.clone(),
        errors: problems.summary(),
        problems,
    }
}

#[get("/account/{id}/help/{statement:\\d+}/propose")]
pub async fn propose_form(
    who: SignedInDebtor,
    path: web::Path<(i32, i32)>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    clock: web::Data<Clock>,
) -> PageResult {
    let options = load(&db, &who, *path, None, &clock).await?;
    if !options.may_propose() || !options.account.balance.is_positive() {
        return Ok(back_to_options(&options));
    }
    let suggested = options
        .told
        .left()
        .filter(|left| left.is_positive())
        .map(|left| left.amount().to_string())
        .unwrap_or_default();
    let form = ProposeForm {
        amount: suggested,
        note: String::new(),
    };
    Ok(pages::ok(&propose_page(
        &csrf.0,
        &options,
        &form,
        Problems::default(),
    )))
}

#[post("/account/{id}/help/{statement:\\d+}/propose")]
#[allow(clippy::too_many_arguments)]
pub async fn propose_send(
    who: SignedInDebtor,
    path: web::Path<(i32, i32)>,
    form: web::Form<ProposeForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    clock: web::Data<Clock>,
    settings: web::Data<Settings>,
    session: Session,
) -> PageResult {
    let options = load(&db, &who, *path, None, &clock).await?;
    if !options.may_propose() || !options.account.balance.is_positive() {
        return Ok(back_to_options(&options));
    }
    let mut problems = Problems::default();
    let currency = options.account.balance.currency();
    let monthly = read_money(
        &form.amount,
        currency,
        &options.account.creditor_name,
        false,
        "amount",
        &mut problems,
    );
    let Some(monthly) = monthly else {
        return Ok(pages::invalid(&propose_page(
            &csrf.0, &options, &form, problems,
        )));
    };
    let note: String = form.note.trim().chars().take(2000).collect();
    let asking = Asking {
        signed_in: who.0.debtor_id,
        account_id: options.account.account_id,
        statement_id: options.told.id,
        monthly,
        note: Some(note),
        session_marker: &session_marker(&session)?,
    };
    match hardship::propose(&db, &settings.base_url, asking, clock.now()).await {
        Ok(_) => Ok(pages::see_other(&format!(
            "/account/{}/plan?sent=1",
            options.account.account_id
        ))),
        Err(HardshipError::Plan(PlanError::Schedule(e))) => {
            problems.add("amount", e.to_string());
            Ok(pages::invalid(&propose_page(
                &csrf.0, &options, &form, problems,
            )))
        }
        Err(HardshipError::Plan(PlanError::AlreadyHasPlan)) => Ok(pages::see_other(&format!(
            "/account/{}/plan",
            options.account.account_id
        ))),
        Err(other) => Err(not_found_or_internal(other)),
    }
}
