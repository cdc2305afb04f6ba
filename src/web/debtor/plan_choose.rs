//! Choosing how to pay: the options page, the installment builder with "check your answers",
//! pay later, and "I can't afford any of these".
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseConnection};

use super::plan_forms::{
    DeferralForm, InstallmentForm, read_amount, read_deferral, read_frequency, read_installments,
};
use super::plan_views::{ScheduleSummary, sentence_case};
use crate::config::Settings;
use crate::crypto::sha256_hex;
use crate::db::ReadDb;
use crate::domain::policy::{self, Breach};
use crate::domain::schedule::{Frequency, PlanSize};
use crate::domain::wording;
use crate::services::access::DebtorIdentity;
use crate::services::plans::choose::{
    self, AccountForPlan, Agreement, DEFER_REASONS, InstallmentChoice, PlanError,
};
use crate::web::auth::{SignedInDebtor, SignedInPerson, session_marker};
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
use crate::web::forms::{Problems, read_date};
use crate::web::pages::{self, Chrome, FieldError};

pub(super) async fn load_account<C: ConnectionTrait>(
    db: &C,
    who: &DebtorIdentity,
    id: i32,
) -> Result<AccountForPlan, AppError> {
    choose::account_for_plan(db, who.debtor_id, id)
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)
}

/// For pages that start a new plan: someone who already has one is shown it instead, and
/// someone who owes nothing is sent to the options page, which thanks them.
async fn load_account_without_plan<C: ConnectionTrait>(
    db: &C,
    who: &DebtorIdentity,
    id: i32,
) -> Result<Result<AccountForPlan, HttpResponse>, AppError> {
    let account = load_account(db, who, id).await?;
    Ok(if !account.balance.is_positive() {
        Err(pages::see_other(&format!(
            "/account/{}/options",
            account.account_id
        )))
    } else if account.open_plan().is_some() {
        Err(pages::see_other(&plan_page(&account)))
    } else {
        Ok(account)
    })
}

/// How far after today a form's example date falls: inside the 30 days a first payment may
/// wait and any creditor's pause.
const EXAMPLE_DAYS: u64 = 14;

pub(super) fn plan_page(account: &AccountForPlan) -> String {
    format!("/account/{}/plan", account.account_id)
}

pub struct FrequencyOption {
    pub code: &'static str,
    pub label: String,
}

impl FrequencyOption {
    fn of(frequency: Frequency) -> Self {
        Self {
            code: frequency.as_str(),
            label: sentence_case(frequency.label()),
        }
    }
}

fn frequency_options(account: &AccountForPlan) -> Vec<FrequencyOption> {
    Frequency::ALL
        .into_iter()
        .filter(|f| account.policy.allows(*f))
        .map(FrequencyOption::of)
        .collect()
}

#[derive(Template)]
#[template(path = "debtor/plans/options.html")]
struct OptionsPage {
    chrome: Chrome,
    account_id: i32,
    reference: String,
    creditor: String,
    balance: String,
    settled: bool,
    has_open_plan: bool,
    can_set_up_plan: bool,
    most_payments: u32,
    smallest_payment: String,
    max_deferral_days: u32,
    /// What reminders pay later brings, as the scheduler sends them.
    pay_later_reminders: String,
}

#[get("/account/{id}/options")]
pub async fn options(
    who: SignedInDebtor,
    path: web::Path<i32>,
    csrf: CsrfToken,
    reads: web::Data<ReadDb>,
) -> PageResult {
    let account = load_account(reads.get_ref(), &who.0, *path).await?;
    let allowance = policy::allowance(&account.policy, account.balance, Utc::now().date_naive());
    Ok(pages::ok(&OptionsPage {
        chrome: Chrome::debtor(&csrf.0),
        account_id: account.account_id,
        reference: account.reference.clone(),
        creditor: account.creditor_name.clone(),
        balance: account.balance.to_string(),
        settled: !account.balance.is_positive(),
        has_open_plan: account.open_plan().is_some(),
        can_set_up_plan: account.balance.is_positive() && allowance.allows_a_plan(),
        most_payments: allowance.most_payments,
        smallest_payment: allowance.smallest_payment.to_string(),
        max_deferral_days: account.policy.max_deferral_days(),
        pay_later_reminders: wording::pay_later_reminders(account.cadence.days_before()),
    }))
}

#[derive(Template)]
#[template(path = "debtor/plans/installments.html")]
struct InstallmentsPage {
    chrome: Chrome,
    /// The date hint's example, a little after today.
    date_example: String,
    account_id: i32,
    creditor: String,
    balance: String,
    frequencies: Vec<FrequencyOption>,
    form: InstallmentForm,
    errors: Vec<FieldError>,
    problems: Problems,
    hint: String,
}

fn installments_page(
    csrf: &str,
    account: &AccountForPlan,
    form: InstallmentForm,
    problems: Problems,
) -> InstallmentsPage {
    let allowance = policy::allowance(&account.policy, account.balance, Utc::now().date_naive());
    InstallmentsPage {
        chrome: Chrome::debtor(csrf),
        date_example: pages::example_date(EXAMPLE_DAYS),
        account_id: account.account_id,
        creditor: account.creditor_name.clone(),
        balance: account.balance.to_string(),
        frequencies: frequency_options(account),
        form,
        errors: problems.0.clone(),
        hint: format!(
            "{} can agree up to {} payments of at least {} straight away.",
            account.creditor_name, allowance.most_payments, allowance.smallest_payment
        ),
        problems,
    }
}

#[get("/account/{id}/plan/installments")]
pub async fn installments_form(
    who: SignedInPerson,
    path: web::Path<i32>,
    csrf: CsrfToken,
    reads: web::Data<ReadDb>,
) -> PageResult {
    let account = match load_account_without_plan(reads.get_ref(), &who.0, *path).await? {
        Ok(account) => account,
        Err(redirect) => return Ok(redirect),
    };
    let form = InstallmentForm {
        frequency: Frequency::Monthly.as_str().into(),
        size_by: "payments".into(),
        ..Default::default()
    };
    Ok(pages::ok(&installments_page(
        &csrf.0,
        &account,
        form,
        Problems::default(),
    )))
}

#[derive(Template)]
#[template(path = "debtor/plans/check.html")]
struct CheckPage {
    chrome: Chrome,
    account_id: i32,
    creditor: String,
    form: InstallmentForm,
    summary: ScheduleSummary,
    consent_text: String,
    fingerprint: String,
    breaches: Vec<String>,
    notice: Option<&'static str>,
}

/// Reads the builder, or says what needs fixing.
fn read_choice(
    account: &AccountForPlan,
    form: &InstallmentForm,
) -> Result<(InstallmentChoice, choose::Preview), Problems> {
    let mut problems = Problems::default();
    let choice = read_installments(form, account, &mut problems);
    let preview = choice.map(|c| (c, choose::preview(account, &c, Utc::now().date_naive())));
    match preview {
        Some((choice, Ok(preview))) => return Ok((choice, preview)),
        Some((_, Err(PlanError::Date(message)))) => problems.add("first-day", message),
        Some((_, Err(PlanError::Schedule(e)))) => {
            let field = if form.is_by_amount() {
                "amount"
            } else {
                "payments"
            };
            problems.add(field, e.to_string());
        }
        Some((_, Err(other))) => problems.add("frequency", other.to_string()),
        None => {}
    }
    Err(problems)
}

/// The builder again, with what needs fixing (400).
fn fix_installments(
    csrf: &str,
    account: &AccountForPlan,
    form: InstallmentForm,
    problems: Problems,
) -> HttpResponse {
    pages::invalid(&installments_page(csrf, account, form, problems))
}

fn check_page(
    csrf: &str,
    account: &AccountForPlan,
    form: InstallmentForm,
    preview: &choose::Preview,
    notice: Option<&'static str>,
) -> CheckPage {
    CheckPage {
        chrome: Chrome::debtor(csrf),
        account_id: account.account_id,
        creditor: account.creditor_name.clone(),
        form,
        summary: ScheduleSummary::of(&preview.schedule),
        consent_text: preview.consent_text.clone(),
        fingerprint: preview.consent_fingerprint(),
        breaches: preview.breaches.iter().map(Breach::to_string).collect(),
        notice,
    }
}

#[post("/account/{id}/plan/installments")]
pub async fn installments_check(
    who: SignedInPerson,
    path: web::Path<i32>,
    form: web::Form<InstallmentForm>,
    csrf: CsrfToken,
    reads: web::Data<ReadDb>,
) -> PageResult {
    let account = load_account(reads.get_ref(), &who.0, *path).await?;
    let form = form.into_inner();
    Ok(match read_choice(&account, &form) {
        Ok((_, preview)) => pages::ok(&check_page(&csrf.0, &account, form, &preview, None)),
        Err(problems) => fix_installments(&csrf.0, &account, form, problems),
    })
}

#[post("/account/{id}/plan/installments/agree")]
pub async fn installments_agree(
    who: SignedInDebtor,
    path: web::Path<i32>,
    form: web::Form<InstallmentForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    settings: web::Data<Settings>,
    session: Session,
) -> PageResult {
    let account = load_account(db.get_ref(), &who.0, *path).await?;
    let form = form.into_inner();
    let (choice, preview) = match read_choice(&account, &form) {
        Ok(ok) => ok,
        Err(problems) => return Ok(fix_installments(&csrf.0, &account, form, problems)),
    };
    let agreement = Agreement {
        debtor_id: who.0.debtor_id,
        account_id: account.account_id,
        shown_fingerprint: &form.terms,
        session_marker: &session_marker(&session)?,
    };
    match choose::agree_installments(&db, &settings.base_url, agreement, &choice, Utc::now()).await
    {
        Ok(_) => Ok(pages::see_other(&format!("{}?done=1", plan_page(&account)))),
        Err(PlanError::AlreadyHasPlan) => Ok(already_has_plan(&account)),
        Err(PlanError::TermsChanged) => Ok(pages::invalid(&check_page(
            &csrf.0,
            &account,
            form,
            &preview,
            Some(
                "Something changed since you looked at this plan. Please check the payments again.",
            ),
        ))),
        Err(PlanError::OutsidePolicy(_)) => Ok(pages::invalid(&check_page(
            &csrf.0, &account, form, &preview, None,
        ))),
        Err(other) => Err(AppError::internal(other)),
    }
}

#[derive(Template)]
#[template(path = "debtor/plans/already.html")]
struct AlreadyPage {
    chrome: Chrome,
    plan_link: String,
}

/// Two tabs agreed at once, or the person came back to an old form: tell them plainly.
pub(super) fn already_has_plan(account: &AccountForPlan) -> HttpResponse {
    let page = AlreadyPage {
        chrome: Chrome::plain(),
        plan_link: plan_page(account),
    };
    pages::render_page(&page, StatusCode::CONFLICT)
}

/// Sends the builder's plan (outside policy) to the creditor as a proposal.
#[post("/account/{id}/plan/installments/propose")]
pub async fn installments_propose(
    who: SignedInDebtor,
    path: web::Path<i32>,
    form: web::Form<InstallmentForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    settings: web::Data<Settings>,
    session: Session,
) -> PageResult {
    let account = load_account(db.get_ref(), &who.0, *path).await?;
    let form = form.into_inner();
    let (choice, _) = match read_choice(&account, &form) {
        Ok(ok) => ok,
        Err(problems) => return Ok(fix_installments(&csrf.0, &account, form, problems)),
    };
    send_proposal(
        &db,
        &settings.base_url,
        &who,
        &account,
        &choice,
        &form.note,
        &session_marker(&session)?,
    )
    .await
}

async fn send_proposal(
    db: &DatabaseConnection,
    base_url: &str,
    who: &SignedInDebtor,
    account: &AccountForPlan,
    choice: &InstallmentChoice,
    note: &str,
    session_marker: &str,
) -> PageResult {
    let note: String = note.trim().chars().take(2000).collect();
    let (debtor, account_id) = (who.0.debtor_id, account.account_id);
    match choose::propose(
        db,
        base_url,
        debtor,
        account_id,
        choose::Proposal {
            choice,
            note: Some(note),
        },
        session_marker,
        Utc::now(),
    )
    .await
    {
        Ok(_) => Ok(pages::see_other(&format!("{}?sent=1", plan_page(account)))),
        Err(PlanError::AlreadyHasPlan) => Ok(already_has_plan(account)),
        Err(other) => Err(AppError::internal(other)),
    }
}

#[derive(Template)]
#[template(path = "debtor/plans/propose.html")]
struct ProposePage {
    chrome: Chrome,
    /// The date hint's example, a little after today.
    date_example: String,
    account_id: i32,
    creditor: String,
    balance: String,
    frequencies: Vec<FrequencyOption>,
    form: InstallmentForm,
    errors: Vec<FieldError>,
    problems: Problems,
}

fn propose_page(
    csrf: &str,
    account: &AccountForPlan,
    form: InstallmentForm,
    problems: Problems,
) -> ProposePage {
    ProposePage {
        chrome: Chrome::debtor(csrf),
        date_example: pages::example_date(EXAMPLE_DAYS),
        account_id: account.account_id,
        creditor: account.creditor_name.clone(),
        balance: account.balance.to_string(),
        // Any frequency may be proposed: the creditor decides.
        frequencies: Frequency::ALL
            .into_iter()
            .map(FrequencyOption::of)
            .collect(),
        errors: problems.0.clone(),
        form,
        problems,
    }
}

#[get("/account/{id}/plan/propose")]
pub async fn propose_form(
    who: SignedInDebtor,
    path: web::Path<i32>,
    csrf: CsrfToken,
    reads: web::Data<ReadDb>,
) -> PageResult {
    let account = match load_account_without_plan(reads.get_ref(), &who.0, *path).await? {
        Ok(account) => account,
        Err(redirect) => return Ok(redirect),
    };
    let form = InstallmentForm {
        frequency: Frequency::Monthly.as_str().into(),
        ..Default::default()
    };
    Ok(pages::ok(&propose_page(
        &csrf.0,
        &account,
        form,
        Problems::default(),
    )))
}

#[post("/account/{id}/plan/propose")]
pub async fn propose_submit(
    who: SignedInDebtor,
    path: web::Path<i32>,
    form: web::Form<InstallmentForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    settings: web::Data<Settings>,
    session: Session,
) -> PageResult {
    let account = load_account(db.get_ref(), &who.0, *path).await?;
    let form = form.into_inner();
    let mut problems = Problems::default();
    let amount = read_amount(&form.amount, &account, "amount", &mut problems);
    let frequency = read_frequency(&form.frequency, &mut problems);
    let first_due = read_date(
        (&form.first_day, &form.first_month, &form.first_year),
        "first-day",
        "Enter a date",
        &mut problems,
    );
    if form.note.chars().count() > 2000 {
        problems.add("note", "Your note must be 2,000 characters or fewer");
    }
    if let (Some(amount), Some(frequency), Some(first_due), true) =
        (amount, frequency, first_due, problems.0.is_empty())
    {
        let choice = InstallmentChoice {
            frequency,
            size: PlanSize::PerPayment(amount),
            first_due,
        };
        match choose::preview(&account, &choice, Utc::now().date_naive()) {
            Ok(_) => {
                let marker = session_marker(&session)?;
                return send_proposal(
                    &db,
                    &settings.base_url,
                    &who,
                    &account,
                    &choice,
                    &form.note,
                    &marker,
                )
                .await;
            }
            Err(PlanError::Date(message)) => problems.add("first-day", message),
            Err(PlanError::Schedule(e)) => problems.add("amount", e.to_string()),
            Err(other) => return Err(AppError::internal(other)),
        }
    }
    Ok(pages::invalid(&propose_page(
        &csrf.0, &account, form, problems,
    )))
}

pub struct ReasonOption {
    pub code: &'static str,
    pub label: &'static str,
}

#[derive(Template)]
#[template(path = "debtor/plans/later.html")]
struct LaterPage {
    chrome: Chrome,
    /// The date hint's example, a little after today.
    date_example: String,
    account_id: i32,
    creditor: String,
    balance: String,
    max_days: u32,
    /// What reminders pay later brings, as the scheduler sends them.
    pay_later_reminders: String,
    reasons: Vec<ReasonOption>,
    form: DeferralForm,
    errors: Vec<FieldError>,
    problems: Problems,
    /// Set on "check your answers".
    consent_text: Option<String>,
    fingerprint: String,
    breaches: Vec<String>,
    until_text: String,
}

fn later_page(
    csrf: &str,
    account: &AccountForPlan,
    form: DeferralForm,
    problems: Problems,
) -> LaterPage {
    LaterPage {
        chrome: Chrome::debtor(csrf),
        date_example: pages::example_date(EXAMPLE_DAYS),
        account_id: account.account_id,
        creditor: account.creditor_name.clone(),
        balance: account.balance.to_string(),
        max_days: account.policy.max_deferral_days(),
        pay_later_reminders: wording::pay_later_reminders(account.cadence.days_before()),
        reasons: DEFER_REASONS
            .iter()
            .map(|(code, label)| ReasonOption { code, label })
            .collect(),
        errors: problems.0.clone(),
        form,
        problems,
        consent_text: None,
        fingerprint: String::new(),
        breaches: Vec::new(),
        until_text: String::new(),
    }
}

#[get("/account/{id}/plan/later")]
pub async fn later_form(
    who: SignedInDebtor,
    path: web::Path<i32>,
    csrf: CsrfToken,
    reads: web::Data<ReadDb>,
) -> PageResult {
    let account = match load_account_without_plan(reads.get_ref(), &who.0, *path).await? {
        Ok(account) => account,
        Err(redirect) => return Ok(redirect),
    };
    Ok(pages::ok(&later_page(
        &csrf.0,
        &account,
        DeferralForm::default(),
        Problems::default(),
    )))
}

/// The "check your answers" page with the consent to agree to, or the form again with
/// what needs fixing (as the error).
fn later_checked(
    csrf: &str,
    account: &AccountForPlan,
    form: DeferralForm,
) -> Result<(LaterPage, choose::DeferralChoice), Box<LaterPage>> {
    let mut problems = Problems::default();
    let choice = read_deferral(&form, &mut problems);
    if let Some(choice) = choice {
        match choose::preview_deferral(account, &choice, Utc::now().date_naive()) {
            Ok((breaches, text)) => {
                let mut page = later_page(csrf, account, form, problems);
                page.fingerprint = sha256_hex(&text);
                page.until_text = crate::domain::wording::full_date(choice.until);
                page.consent_text = Some(text);
                page.breaches = breaches.iter().map(Breach::to_string).collect();
                return Ok((page, choice));
            }
            Err(PlanError::Date(message)) => problems.add("until-day", message),
            Err(other) => problems.add("until-day", other.to_string()),
        }
    }
    Err(Box::new(later_page(csrf, account, form, problems)))
}

#[post("/account/{id}/plan/later")]
pub async fn later_check(
    who: SignedInDebtor,
    path: web::Path<i32>,
    form: web::Form<DeferralForm>,
    csrf: CsrfToken,
    reads: web::Data<ReadDb>,
) -> PageResult {
    let account = load_account(reads.get_ref(), &who.0, *path).await?;
    Ok(match later_checked(&csrf.0, &account, form.into_inner()) {
        Ok((page, _)) => pages::ok(&page),
        Err(page) => pages::invalid(page.as_ref()),
    })
}

#[post("/account/{id}/plan/later/agree")]
pub async fn later_agree(
    who: SignedInDebtor,
    path: web::Path<i32>,
    form: web::Form<DeferralForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    settings: web::Data<Settings>,
    session: Session,
) -> PageResult {
    let account = load_account(db.get_ref(), &who.0, *path).await?;
    let form = form.into_inner();
    let terms = form.terms.clone();
    let (page, choice) = match later_checked(&csrf.0, &account, form) {
        Ok(ok) => ok,
        Err(page) => return Ok(pages::invalid(page.as_ref())),
    };
    let agreement = Agreement {
        debtor_id: who.0.debtor_id,
        account_id: account.account_id,
        shown_fingerprint: &terms,
        session_marker: &session_marker(&session)?,
    };
    match choose::defer(&db, &settings.base_url, agreement, &choice, Utc::now()).await {
        Ok(_) => Ok(pages::see_other(&format!("{}?done=1", plan_page(&account)))),
        Err(PlanError::AlreadyHasPlan) => Ok(already_has_plan(&account)),
        Err(PlanError::TermsChanged | PlanError::OutsidePolicy(_)) => Ok(pages::invalid(&page)),
        Err(other) => Err(AppError::internal(other)),
    }
}
