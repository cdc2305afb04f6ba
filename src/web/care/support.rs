//! Extra support: the person tells the creditor, in their own words and with their explicit
//! consent, what would help; they see what they told us and can withdraw it at any time.
use actix_web::{get, post, web};
use askama::Template;
use sea_orm::DatabaseConnection;

use crate::clock::Clock;
use crate::domain::support::SupportRequest;
use crate::domain::wording::full_date;
use crate::services::care::support::{self, SupportFacts};
use crate::web::auth::SignedInDebtor;
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
use crate::web::forms::Problems;
use crate::web::pages::{self, Chrome, FieldError};

pub fn debtor_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(show).service(save).service(withdraw);
}

/// The form as typed: the words and the consent box ("yes" when ticked).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct SupportForm {
    words: String,
    consent: String,
}

/// What the person told us, while it is in force.
struct Current {
    words: Vec<String>,
    since: String,
}

#[derive(Template)]
#[template(path = "care/support.html")]
struct SupportPage {
    chrome: Chrome,
    account_id: i32,
    creditor: String,
    current: Option<Current>,
    form: SupportForm,
    saved: bool,
    withdrawn: bool,
    errors: Vec<FieldError>,
    problems: Problems,
}

impl SupportPage {
    fn new(csrf: &str, facts: SupportFacts, form: SupportForm) -> Self {
        Self {
            chrome: Chrome::debtor(csrf),
            account_id: facts.account_id,
            creditor: facts.creditor_name,
            current: facts.current.map(|need| Current {
                words: need.words.lines().map(str::to_string).collect(),
                since: full_date(need.consented_at.date_naive()),
            }),
            form,
            saved: false,
            withdrawn: false,
            errors: Vec::new(),
            problems: Problems::default(),
        }
    }
}

async fn facts(
    db: &DatabaseConnection,
    who: &SignedInDebtor,
    account_id: i32,
) -> Result<SupportFacts, AppError> {
    support::facts(db, who.0.debtor_id, account_id)
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct Shown {
    done: String,
}

#[get("/account/{id}/support")]
pub async fn show(
    who: SignedInDebtor,
    path: web::Path<i32>,
    shown: web::Query<Shown>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let facts = facts(&db, &who, path.into_inner()).await?;
    let mut page = SupportPage::new(&csrf.0, facts, SupportForm::default());
    page.saved = shown.done == "saved";
    page.withdrawn = shown.done == "withdrawn";
    Ok(pages::ok(&page))
}

#[post("/account/{id}/support")]
pub async fn save(
    who: SignedInDebtor,
    path: web::Path<i32>,
    form: web::Form<SupportForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    clock: web::Data<Clock>,
) -> PageResult {
    let account_id = path.into_inner();
    let form = form.into_inner();
    match SupportRequest::new(&form.words, form.consent == "yes") {
        Ok(request) => {
            let kept = support::record(&db, who.0.debtor_id, account_id, &request, clock.now())
                .await
                .map_err(AppError::internal)?;
            if !kept {
                return Err(AppError::NotFound);
            }
            Ok(pages::see_other(&format!(
                "/account/{account_id}/support?done=saved"
            )))
        }
        Err(invalid) => {
            let facts = facts(&db, &who, account_id).await?;
            let mut page = SupportPage::new(&csrf.0, facts, form);
            page.problems.add_invalid(invalid);
            page.errors = page.problems.summary();
            Ok(pages::invalid(&page))
        }
    }
}

#[post("/account/{id}/support/withdraw")]
pub async fn withdraw(
    who: SignedInDebtor,
    path: web::Path<i32>,
    db: web::Data<DatabaseConnection>,
    clock: web::Data<Clock>,
) -> PageResult {
    let account_id = path.into_inner();
    let found = support::withdraw(&db, who.0.debtor_id, account_id, clock.now())
        .await
        .map_err(AppError::internal)?;
    if !found {
        return Err(AppError::NotFound);
    }
    Ok(pages::see_other(&format!(
        "/account/{account_id}/support?done=withdrawn"
    )))
}
