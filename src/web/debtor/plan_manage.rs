//! The person's plan after it is set up: see it, accept a counter-offer, move a date or skip
//! a payment, cancel.
use actix_session::Session;
use actix_web::{get, post, web};
use askama::Template;
use chrono::Utc;
use sea_orm::DatabaseConnection;

use super::plan_choose::{already_has_plan, load_account, plan_page};
use super::plan_views::PlanPageView;
use crate::config::Settings;
use crate::crypto::sha256_hex;
use crate::domain::feedback::FeedbackMoment;
use crate::domain::lifecycle;
use crate::domain::plans::{PlanKind, PlanStatus};
use crate::domain::wording::{self, full_date};
use crate::services::accounts::debtors;
use crate::services::autopay::setup;
use crate::services::care::breathing_space;
use crate::services::payments::allocation;
use crate::services::plans::choose::{self, AccountForPlan, Agreement, PaymentChange, PlanError};
use crate::services::plans::records;
use crate::web::auth::{SignedInDebtor, session_marker};
use crate::web::care::FeedbackAsk;
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
use crate::web::forms::{Problems, read_date};
use crate::web::pages::{self, Chrome, FieldError};

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct PlanQuery {
    done: String,
    sent: String,
    autopay: String,
}

#[derive(Template)]
#[template(path = "debtor/plans/plan.html")]
struct PlanPage {
    chrome: Chrome,
    account_id: i32,
    reference: String,
    creditor: String,
    plan: PlanPageView,
    just_agreed: bool,
    just_sent: bool,
    can_change: bool,
    offer_fingerprint: String,
    autopay_on: bool,
    autopay_just_saved: bool,
    catch_up: Option<CatchUp>,
    /// For pay later: the reminders before and after the date, as the scheduler sends them.
    pay_later_reminders: String,
    /// "How easy was that?", asked once a plan is set up.
    feedback: Option<FeedbackAsk>,
    /// The day a breathing space in force ends, in words.
    breathing_space_until: Option<String>,
}

/// The plan page's offer to pay what is overdue, and what happens if the person does not.
struct CatchUp {
    amount: String,
    if_not: String,
}

fn catch_up(account: &AccountForPlan, today: chrono::NaiveDate) -> Option<CatchUp> {
    let amount = allocation::overdue(account, today)?;
    let plan = account.latest_plan.as_ref()?;
    let assessment = lifecycle::assess(
        &records::progress(&plan.installments),
        today,
        plan.grace_days,
        plan.missed_to_break,
    )
    .ok()?;
    Some(CatchUp {
        amount: amount.to_string(),
        if_not: lifecycle::if_not_caught_up(&assessment, plan.grace_days, plan.missed_to_break),
    })
}

fn can_change(account: &AccountForPlan) -> bool {
    account.open_plan().is_some_and(|p| {
        p.status == PlanStatus::Active
            && p.kind == PlanKind::Installments
            && ((account.policy.allow_move_date() && !p.date_moved)
                || (account.policy.allow_skip() && !p.installment_skipped))
    })
}

#[get("/account/{id}/plan")]
pub async fn show(
    who: SignedInDebtor,
    path: web::Path<i32>,
    query: web::Query<PlanQuery>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let account = load_account(db.get_ref(), &who.0, *path).await?;
    let Some(plan) = account.latest_plan.as_ref() else {
        return Ok(pages::see_other(&format!(
            "/account/{}/options",
            account.account_id
        )));
    };
    // A counter-offer is agreed to by fingerprint, like any other terms.
    let offer_fingerprint = plan
        .schedule()
        .filter(|_| plan.status == PlanStatus::Countered)
        .map(|s| sha256_hex(&wording::installment_consent(&account.creditor_name, &s)))
        .unwrap_or_default();
    let zone = debtors::time_zone_of(db.get_ref(), who.0.debtor_id)
        .await
        .map_err(AppError::internal)?
        .unwrap_or_default();
    Ok(pages::ok(&PlanPage {
        chrome: Chrome::debtor(&csrf.0),
        account_id: account.account_id,
        reference: account.reference.clone(),
        creditor: account.creditor_name.clone(),
        plan: PlanPageView::of(plan, &zone),
        just_agreed: !query.done.is_empty(),
        feedback: (!query.done.is_empty() && !plan.status.is_request()).then_some(FeedbackAsk {
            account_id: account.account_id,
            moment: FeedbackMoment::PlanSetUp,
        }),
        just_sent: !query.sent.is_empty(),
        can_change: can_change(&account),
        offer_fingerprint,
        autopay_on: setup::is_on(db.get_ref(), who.0.debtor_id, account.account_id)
            .await
            .map_err(AppError::internal)?,
        autopay_just_saved: query.autopay == "saved",
        catch_up: catch_up(&account, Utc::now().date_naive()),
        pay_later_reminders: wording::pay_later_reminders(account.cadence.days_before()),
        breathing_space_until: breathing_space::in_force_on(
            db.get_ref(),
            &[account.account_id],
            Utc::now(),
        )
        .await
        .map_err(AppError::internal)?
        .get(&account.account_id)
        .map(|b| wording::full_date(b.resumes_on())),
    }))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct AcceptForm {
    terms: String,
}

#[post("/account/{id}/plan/accept")]
pub async fn accept_offer(
    who: SignedInDebtor,
    path: web::Path<i32>,
    form: web::Form<AcceptForm>,
    db: web::Data<DatabaseConnection>,
    settings: web::Data<Settings>,
    session: Session,
) -> PageResult {
    let account = load_account(db.get_ref(), &who.0, *path).await?;
    let agreement = Agreement {
        debtor_id: who.0.debtor_id,
        account_id: account.account_id,
        shown_fingerprint: &form.terms,
        session_marker: &session_marker(&session)?,
    };
    match choose::accept_counter_offer(&db, &settings.base_url, agreement, Utc::now()).await {
        Ok(_) => Ok(pages::see_other(&format!("{}?done=1", plan_page(&account)))),
        // The offer changed or went: show the plan as it is now.
        Err(PlanError::TermsChanged | PlanError::NotAllowed(_)) => {
            Ok(pages::see_other(&plan_page(&account)))
        }
        Err(other) => Err(AppError::internal(other)),
    }
}

#[derive(Template)]
#[template(path = "debtor/plans/cancel.html")]
struct CancelPage {
    chrome: Chrome,
    account_id: i32,
    creditor: String,
    is_request: bool,
}

#[get("/account/{id}/plan/cancel")]
pub async fn cancel_confirm(
    who: SignedInDebtor,
    path: web::Path<i32>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let account = load_account(db.get_ref(), &who.0, *path).await?;
    let Some(plan) = account.open_plan() else {
        return Ok(pages::see_other(&plan_page(&account)));
    };
    Ok(pages::ok(&CancelPage {
        chrome: Chrome::debtor(&csrf.0),
        account_id: account.account_id,
        creditor: account.creditor_name.clone(),
        is_request: plan.status != PlanStatus::Active,
    }))
}

#[post("/account/{id}/plan/cancel")]
pub async fn cancel(
    who: SignedInDebtor,
    path: web::Path<i32>,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let account = load_account(db.get_ref(), &who.0, *path).await?;
    match choose::cancel(&db, who.0.debtor_id, account.account_id, Utc::now()).await {
        Ok(()) | Err(PlanError::NotAllowed(_)) => Ok(pages::see_other(&plan_page(&account))),
        Err(other) => Err(AppError::internal(other)),
    }
}

#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
pub struct ChangeForm {
    payment: String,
    action: String,
    new_day: String,
    new_month: String,
    new_year: String,
}

impl ChangeForm {
    fn payment_is(&self, seq: &u32) -> bool {
        self.payment == seq.to_string()
    }
}

pub struct UpcomingPayment {
    pub seq: u32,
    pub label: String,
}

#[derive(Template)]
#[template(path = "debtor/plans/change.html")]
struct ChangePage {
    chrome: Chrome,
    /// The date hint's example: a few days after the next payment.
    date_example: String,
    account_id: i32,
    can_move: bool,
    can_skip: bool,
    upcoming: Vec<UpcomingPayment>,
    form: ChangeForm,
    errors: Vec<FieldError>,
    problems: Problems,
}

fn change_page(
    csrf: &str,
    account: &AccountForPlan,
    form: ChangeForm,
    problems: Problems,
) -> Option<ChangePage> {
    let plan = account.open_plan().filter(|_| can_change(account))?;
    let today = Utc::now().date_naive();
    let next = plan.position(today).next_due.unwrap_or(today);
    Some(ChangePage {
        chrome: Chrome::debtor(csrf),
        date_example: pages::example_date(
            u64::try_from((next - today).num_days()).unwrap_or(0) + 3,
        ),
        account_id: account.account_id,
        can_move: account.policy.allow_move_date() && !plan.date_moved,
        can_skip: account.policy.allow_skip() && !plan.installment_skipped,
        upcoming: plan
            .installments
            .iter()
            .filter(|i| i.paid.is_zero() && i.due_on >= today)
            .map(|i| UpcomingPayment {
                seq: i.seq,
                label: format!("{} on {}", i.amount, full_date(i.due_on)),
            })
            .collect(),
        errors: problems.0.clone(),
        form,
        problems,
    })
}

#[get("/account/{id}/plan/change")]
pub async fn change_form(
    who: SignedInDebtor,
    path: web::Path<i32>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let account = load_account(db.get_ref(), &who.0, *path).await?;
    match change_page(
        &csrf.0,
        &account,
        ChangeForm::default(),
        Problems::default(),
    ) {
        Some(page) => Ok(pages::ok(&page)),
        None => Ok(pages::see_other(&plan_page(&account))),
    }
}

#[post("/account/{id}/plan/change")]
pub async fn change_submit(
    who: SignedInDebtor,
    path: web::Path<i32>,
    form: web::Form<ChangeForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    settings: web::Data<Settings>,
) -> PageResult {
    let account = load_account(db.get_ref(), &who.0, *path).await?;
    let form = form.into_inner();
    let mut problems = Problems::default();
    let seq = form.payment.parse::<u32>().ok();
    if seq.is_none() {
        problems.add("payment", "Choose the payment you want to change");
    }
    let change = match (form.action.as_str(), seq) {
        ("skip", Some(seq)) => Some(PaymentChange::Skip { seq }),
        ("move", Some(seq)) => read_date(
            (&form.new_day, &form.new_month, &form.new_year),
            "new-day",
            "Enter a date",
            &mut problems,
        )
        .map(|date| PaymentChange::MoveTo { seq, date }),
        (_, _) => {
            if !matches!(form.action.as_str(), "skip" | "move") {
                problems.add("action", "Choose whether to move or skip the payment");
            }
            None
        }
    };
    if let Some(change) = change {
        match choose::change_payment(
            &db,
            &settings.base_url,
            who.0.debtor_id,
            account.account_id,
            change,
            Utc::now(),
        )
        .await
        {
            Ok(()) => return Ok(pages::see_other(&format!("{}?done=1", plan_page(&account)))),
            Err(PlanError::Schedule(e)) => problems.add("new-day", e.to_string()),
            Err(PlanError::Date(message)) => problems.add("new-day", message),
            Err(PlanError::NotAllowed(message)) => problems.add("payment", message),
            Err(PlanError::AlreadyHasPlan) => return Ok(already_has_plan(&account)),
            Err(other) => return Err(AppError::internal(other)),
        }
    }
    match change_page(&csrf.0, &account, form, problems) {
        Some(page) => Ok(pages::invalid(&page)),
        None => Ok(pages::see_other(&plan_page(&account))),
    }
}
