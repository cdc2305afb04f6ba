//! "I'm having trouble paying", one question a page: what changed, then (if the person likes)
//! their income and spending with a "check your figures" step before anything is saved, then
//! what the creditor's policy can offer. The breathing space pages are in `pause`.
use actix_web::{get, post, web};
use askama::Template;
use sea_orm::DatabaseConnection;

use crate::clock::Clock;
use crate::domain::affordability::{Line, left_in_words};
use crate::domain::care::HardshipReason;
use crate::domain::schedule::Frequency;
use crate::services::care::hardship::{self, HardshipError, NewStatement};
use crate::services::plans::choose::AccountForPlan;
use crate::web::auth::SignedInDebtor;
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
use crate::web::forms::Problems;
use crate::web::pages::{self, Chrome, FieldError};

mod choices;
mod figures;
mod pause;

use figures::{FiguresForm, every_field};

pub fn debtor_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(reason_form)
        .service(reason_chosen)
        .service(figures_form)
        .service(figures_check)
        .service(save)
        .service(choices::offer)
        .service(choices::plan_check)
        .service(choices::plan_agree)
        .service(choices::propose_form)
        .service(choices::propose_send)
        .service(pause::start)
        .service(pause::status)
        .service(pause::end_form)
        .service(pause::end);
}

pub fn staff_routes(_cfg: &mut web::ServiceConfig) {}

pub fn admin_routes(_cfg: &mut web::ServiceConfig) {}

/// Maps the service's errors to pages: someone else's account (or statement) is not found.
fn not_found_or_internal(error: HardshipError) -> AppError {
    match error {
        HardshipError::NotFound => AppError::NotFound,
        other => AppError::internal(other),
    }
}

/// The person's account, if it still has something to pay.
async fn owed_account(
    db: &DatabaseConnection,
    who: &SignedInDebtor,
    account_id: i32,
) -> Result<Option<AccountForPlan>, AppError> {
    let account = hardship::account(db, who.0.debtor_id, account_id)
        .await
        .map_err(not_found_or_internal)?;
    Ok(account.balance.is_positive().then_some(account))
}

fn nothing_to_pay() -> actix_web::HttpResponse {
    pages::see_other("/account")
}

pub struct ReasonOption {
    pub code: &'static str,
    pub label: &'static str,
}

#[derive(Template)]
#[template(path = "care/hardship/reason.html")]
struct ReasonPage {
    chrome: Chrome,
    account_id: i32,
    creditor: String,
    reasons: Vec<ReasonOption>,
    chosen: String,
    errors: Vec<FieldError>,
    problems: Problems,
}

fn reason_page(
    csrf: &str,
    account: &AccountForPlan,
    chosen: &str,
    problems: Problems,
) -> ReasonPage {
    ReasonPage {
        chrome: Chrome::debtor(csrf),
        account_id: account.account_id,
        creditor: account.creditor_name.clone(),
        reasons: HardshipReason::ALL
            .into_iter()
            .map(|r| ReasonOption {
                code: r.as_str(),
                label: r.label(),
            })
            .collect(),
        chosen: chosen.to_string(),
        errors: problems.summary(),
        problems,
    }
}

#[get("/account/{id}/help")]
async fn reason_form(
    who: SignedInDebtor,
    path: web::Path<i32>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let Some(account) = owed_account(&db, &who, *path).await? else {
        return Ok(nothing_to_pay());
    };
    Ok(pages::ok(&reason_page(
        &csrf.0,
        &account,
        "",
        Problems::default(),
    )))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ReasonForm {
    reason: String,
}

#[post("/account/{id}/help")]
async fn reason_chosen(
    who: SignedInDebtor,
    path: web::Path<i32>,
    form: web::Form<ReasonForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let Some(account) = owed_account(&db, &who, *path).await? else {
        return Ok(nothing_to_pay());
    };
    match HardshipReason::parse(&form.reason) {
        Some(reason) => Ok(pages::see_other(&format!(
            "/account/{}/help/money?reason={}",
            account.account_id,
            reason.as_str()
        ))),
        None => {
            let mut problems = Problems::default();
            problems.add("reason", "Choose what has changed for you");
            Ok(pages::invalid(&reason_page(
                &csrf.0,
                &account,
                &form.reason,
                problems,
            )))
        }
    }
}

pub struct FrequencyOption {
    pub code: &'static str,
    pub label: &'static str,
}

/// One line of the form as the page shows it.
pub struct LineInput {
    pub field: &'static str,
    pub every_field: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub typed: String,
    pub every: String,
    pub error: Option<String>,
    pub every_error: Option<String>,
}

#[derive(Template)]
#[template(path = "care/hardship/figures.html")]
struct FiguresPage {
    chrome: Chrome,
    account_id: i32,
    reason: String,
    income: LineInput,
    spending: Vec<LineInput>,
    frequencies: Vec<FrequencyOption>,
    errors: Vec<FieldError>,
}

fn figures_page(
    csrf: &str,
    account_id: i32,
    form: &FiguresForm,
    problems: &Problems,
) -> FiguresPage {
    let input = |line: Line| {
        let (typed, every) = form.typed(line);
        LineInput {
            field: line.field(),
            every_field: every_field(line),
            label: line.label(),
            hint: line.hint(),
            typed: typed.to_string(),
            every: if every.is_empty() {
                "monthly".into()
            } else {
                every.to_string()
            },
            error: problems.on(line.field()),
            every_error: problems.on(every_field(line)),
        }
    };
    FiguresPage {
        chrome: Chrome::debtor(csrf),
        account_id,
        reason: form.reason.clone(),
        income: input(Line::Income),
        spending: Line::ALL
            .into_iter()
            .filter(|l| !l.is_income())
            .map(input)
            .collect(),
        frequencies: Frequency::ALL
            .into_iter()
            .map(|f| FrequencyOption {
                code: f.as_str(),
                label: f.label(),
            })
            .collect(),
        errors: problems.summary(),
    }
}

#[get("/account/{id}/help/money")]
async fn figures_form(
    who: SignedInDebtor,
    path: web::Path<i32>,
    query: web::Query<ReasonForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let Some(account) = owed_account(&db, &who, *path).await? else {
        return Ok(nothing_to_pay());
    };
    let Some(reason) = HardshipReason::parse(&query.reason) else {
        return Ok(pages::see_other(&format!(
            "/account/{}/help",
            account.account_id
        )));
    };
    let form = FiguresForm::for_reason(reason);
    Ok(pages::ok(&figures_page(
        &csrf.0,
        account.account_id,
        &form,
        &Problems::default(),
    )))
}

/// One monthly line on "check your figures".
pub struct MonthlyRow {
    pub label: &'static str,
    pub amount: String,
}

#[derive(Template)]
#[template(path = "care/hardship/check.html")]
struct CheckPage {
    chrome: Chrome,
    account_id: i32,
    form: FiguresForm,
    all_fields: Vec<(&'static str, String)>,
    income: String,
    spending_rows: Vec<MonthlyRow>,
    spending: String,
    left: String,
    left_words: String,
}

#[post("/account/{id}/help/money")]
async fn figures_check(
    who: SignedInDebtor,
    path: web::Path<i32>,
    form: web::Form<FiguresForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let Some(account) = owed_account(&db, &who, *path).await? else {
        return Ok(nothing_to_pay());
    };
    let form = form.into_inner();
    if form.reason().is_none() {
        return Ok(pages::see_other(&format!(
            "/account/{}/help",
            account.account_id
        )));
    }
    let month = match form.read(account.balance.currency(), &account.creditor_name) {
        Ok(month) => month,
        Err(problems) => {
            return Ok(pages::invalid(&figures_page(
                &csrf.0,
                account.account_id,
                &form,
                &problems,
            )));
        }
    };
    let all_fields = Line::ALL
        .into_iter()
        .flat_map(|line| {
            let (typed, every) = form.typed(line);
            [
                (line.field(), typed.to_string()),
                (every_field(line), every.to_string()),
            ]
        })
        .collect();
    Ok(pages::ok(&CheckPage {
        chrome: Chrome::debtor(&csrf.0),
        account_id: account.account_id,
        all_fields,
        income: month.income().to_string(),
        spending_rows: Line::ALL
            .into_iter()
            .filter(|l| !l.is_income())
            .map(|l| MonthlyRow {
                label: l.label(),
                amount: month.line(l).to_string(),
            })
            .collect(),
        spending: month.spending().to_string(),
        left: month.left().to_string(),
        left_words: left_in_words(month.left()),
        form,
    }))
}

/// Saves what the person told us (with their figures, or without when they chose not to
/// say) and shows what can be offered.
#[post("/account/{id}/help/save")]
async fn save(
    who: SignedInDebtor,
    path: web::Path<i32>,
    form: web::Form<FiguresForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    clock: web::Data<Clock>,
) -> PageResult {
    let Some(account) = owed_account(&db, &who, *path).await? else {
        return Ok(nothing_to_pay());
    };
    let form = form.into_inner();
    let Some(reason) = form.reason() else {
        return Ok(pages::see_other(&format!(
            "/account/{}/help",
            account.account_id
        )));
    };
    let figures = if form.skipped() {
        None
    } else {
        match form.read(account.balance.currency(), &account.creditor_name) {
            Ok(month) => Some(month),
            Err(problems) => {
                return Ok(pages::invalid(&figures_page(
                    &csrf.0,
                    account.account_id,
                    &form,
                    &problems,
                )));
            }
        }
    };
    let new = NewStatement { reason, figures };
    let id = hardship::save(&db, who.0.debtor_id, account.account_id, new, clock.now())
        .await
        .map_err(not_found_or_internal)?;
    Ok(pages::see_other(&format!(
        "/account/{}/help/{id}",
        account.account_id
    )))
}
