//! Automatic payments: the terms in plain words, the card-saving checkout (Stripe's, or the
//! clearly labelled offline test page), and turning it off again.
use actix_web::{get, post, web};
use askama::Template;
use chrono::Utc;
use sea_orm::DatabaseConnection;

use crate::config::Settings;
use crate::email::templates::PaymentLine;
use crate::providers::PaymentProvider;
use crate::services::autopay::AutopayError;
use crate::services::autopay::setup::{self, AutopayTerms, SetupStart, TestSetupOutcome};
use actix_session::Session;

use crate::services::access::step_up::{self, CodeCheck};
use crate::web::auth::{SignedInDebtor, is_confirmed, mark_confirmed};
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
use crate::web::pages::{self, Chrome, FieldError};

fn plan_page(account_id: i32) -> String {
    format!("/account/{account_id}/plan")
}

/// The terms for the person's own account with an active plan; anything else is not found.
async fn load_terms(
    db: &DatabaseConnection,
    who: &SignedInDebtor,
    account_id: i32,
) -> Result<AutopayTerms, AppError> {
    setup::terms(db, who.0.debtor_id, account_id, Utc::now().date_naive())
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)
}

#[derive(Template)]
#[template(path = "debtor/autopay/terms.html")]
struct TermsPage {
    chrome: Chrome,
    account_id: i32,
    creditor: String,
    payments: Vec<PaymentLine>,
    is_test: bool,
    /// False when this instance takes no card payments: no card can be saved either.
    card_payments: bool,
    notice: Option<&'static str>,
}

fn terms_page(csrf: &str, terms: AutopayTerms, provider: &PaymentProvider) -> TermsPage {
    TermsPage {
        chrome: Chrome::debtor(csrf),
        account_id: terms.account_id,
        creditor: terms.creditor_name,
        payments: terms.payments,
        is_test: provider.is_offline(),
        card_payments: provider.takes_card_payments(),
        notice: None,
    }
}

#[get("/account/{id}/plan/autopay")]
pub async fn show_terms(
    who: SignedInDebtor,
    path: web::Path<i32>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    provider: web::Data<PaymentProvider>,
) -> PageResult {
    let terms = load_terms(&db, &who, *path).await?;
    if terms.is_on {
        return Ok(pages::see_other(&plan_page(terms.account_id)));
    }
    Ok(pages::ok(&terms_page(&csrf.0, terms, &provider)))
}

/// Saving a card changes what we hold, so a code sent to the email on file is asked for first
/// (see DESIGN.md, security decisions); once confirmed, the card-saving checkout starts.
#[post("/account/{id}/plan/autopay")]
pub async fn set_up(
    who: SignedInDebtor,
    path: web::Path<i32>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    provider: web::Data<PaymentProvider>,
    settings: web::Data<Settings>,
    session: Session,
) -> PageResult {
    let id = *path;
    let now = Utc::now();
    if is_confirmed(&session, STEP_UP, now) {
        return start_setup(&who, id, &csrf.0, &db, &provider, &settings).await;
    }
    // Only someone who may see this account gets a code for it.
    load_terms(&db, &who, id).await?;
    step_up::send_code(db.get_ref(), who.0.debtor_id, STEP_UP, now)
        .await
        .map_err(AppError::internal)?;
    Ok(pages::ok(&code_page(&csrf.0, id, None)))
}

const STEP_UP: &str = "autopay";

#[derive(Template)]
#[template(path = "debtor/autopay_code.html")]
struct CodePage {
    chrome: Chrome,
    account_id: i32,
    minutes: i64,
    errors: Vec<FieldError>,
    code_error: Option<String>,
}

fn code_page(csrf: &str, account_id: i32, problem: Option<&str>) -> CodePage {
    CodePage {
        chrome: Chrome::debtor(csrf),
        account_id,
        minutes: step_up::CODE_MINUTES,
        errors: problem
            .map(|m| FieldError {
                field: "code",
                message: m.to_string(),
            })
            .into_iter()
            .collect(),
        code_error: problem.map(str::to_string),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct CodeForm {
    code: String,
}

#[post("/account/{id}/plan/autopay/confirm")]
#[allow(clippy::too_many_arguments)] // one extractor per dependency, as actix handlers go
pub async fn confirm(
    who: SignedInDebtor,
    path: web::Path<i32>,
    form: web::Form<CodeForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    provider: web::Data<PaymentProvider>,
    settings: web::Data<Settings>,
    session: Session,
) -> PageResult {
    let id = *path;
    load_terms(&db, &who, id).await?;
    let now = Utc::now();
    let checked = step_up::check(&db, who.0.debtor_id, STEP_UP, &form.code, now)
        .await
        .map_err(AppError::internal)?;
    let problem = match checked {
        CodeCheck::Confirmed => {
            mark_confirmed(&session, STEP_UP, now)?;
            return start_setup(&who, id, &csrf.0, &db, &provider, &settings).await;
        }
        CodeCheck::Wrong => "That code is not right. Check the email we sent you and try again",
        CodeCheck::NeedsNewCode => {
            "That code no longer works. Go back and we will send you a new one"
        }
    };
    Ok(pages::invalid(&code_page(&csrf.0, id, Some(problem))))
}

async fn start_setup(
    who: &SignedInDebtor,
    id: i32,
    csrf: &str,
    db: &DatabaseConnection,
    provider: &PaymentProvider,
    settings: &Settings,
) -> PageResult {
    let started = setup::start(
        db,
        provider,
        who.0.debtor_id,
        id,
        &settings.base_url,
        Utc::now(),
    )
    .await;
    match started.map_err(|error| match error {
        AutopayError::NotFound => AppError::NotFound,
        other => AppError::internal(other),
    })? {
        SetupStart::Redirect(url) => Ok(pages::see_other(&url)),
        SetupStart::NotNeeded => Ok(pages::see_other(&plan_page(id))),
        SetupStart::NotStarted(message) => {
            let mut page = terms_page(csrf, load_terms(db, who, id).await?, provider);
            page.notice = Some(message);
            Ok(pages::unavailable(&page))
        }
    }
}

#[post("/account/{id}/plan/autopay/off")]
pub async fn turn_off(
    who: SignedInDebtor,
    path: web::Path<i32>,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let id = *path;
    // Scoped to the person: someone else's account turns nothing off and reads as not found.
    if !setup::turn_off(&db, who.0.debtor_id, id, Utc::now())
        .await
        .map_err(AppError::internal)?
    {
        load_terms(&db, &who, id).await?;
    }
    Ok(pages::see_other(&plan_page(id)))
}

#[derive(Template)]
#[template(path = "debtor/autopay/test_setup.html")]
struct TestSetupPage {
    chrome: Chrome,
    account_id: i32,
    mandate_id: i32,
}

async fn test_mandate(
    db: &DatabaseConnection,
    provider: &PaymentProvider,
    who: &SignedInDebtor,
    path: (i32, i32),
) -> Result<(i32, i32), AppError> {
    if !provider.is_offline() {
        return Err(AppError::NotFound);
    }
    let id = path.0;
    let mandate_id = path.1;
    setup::pending_test_setup(db, who.0.debtor_id, id, mandate_id)
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)?;
    Ok((id, mandate_id))
}

/// The offline provider's card-saving page: a test where no card is saved.
#[get("/account/{id}/plan/autopay/test/{mandate}")]
pub async fn test_setup(
    who: SignedInDebtor,
    path: web::Path<(i32, i32)>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    provider: web::Data<PaymentProvider>,
) -> PageResult {
    let (account_id, mandate_id) = test_mandate(&db, &provider, &who, *path).await?;
    Ok(pages::ok(&TestSetupPage {
        chrome: Chrome::debtor(&csrf.0),
        account_id,
        mandate_id,
    }))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct TestSetupForm {
    outcome: String,
}

#[post("/account/{id}/plan/autopay/test/{mandate}")]
pub async fn test_setup_outcome(
    who: SignedInDebtor,
    path: web::Path<(i32, i32)>,
    form: web::Form<TestSetupForm>,
    db: web::Data<DatabaseConnection>,
    provider: web::Data<PaymentProvider>,
) -> PageResult {
    let (account_id, mandate_id) = test_mandate(&db, &provider, &who, *path).await?;
    let outcome = match form.outcome.as_str() {
        "save" => TestSetupOutcome::SaveCard,
        "save_declining" => TestSetupOutcome::SaveDecliningCard,
        "cancel" => TestSetupOutcome::Cancel,
        _ => return Err(AppError::BadRequest),
    };
    let result = setup::complete_test_setup(
        &db,
        who.0.debtor_id,
        account_id,
        mandate_id,
        outcome,
        Utc::now(),
    )
    .await
    .map_err(AppError::internal)?;
    let done = match result {
        setup::SetupOutcome::Activated => "?autopay=saved",
        _ => "",
    };
    Ok(pages::see_other(&format!(
        "{}{done}",
        plan_page(account_id)
    )))
}
