//! Creditor staff's payment-plan pages: every plan with filters and a CSV download, the queue
//! of proposals outside policy, and one plan with the forms to approve, decline or offer
//! different terms. Every handler scopes by the signed-in staff member's creditor, so another
//! creditor's plan is simply not found.
use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::DatabaseConnection;
use validator::{Validate, ValidationError};

use crate::config::Settings;
use crate::domain::affordability::Line;
use crate::domain::plans::{PlanKind, PlanStatus};
use crate::domain::policy::Allowance;
use crate::domain::schedule::{Frequency, PlanSize, ScheduleError};
use crate::domain::{Currency, Money};
use crate::services::care::hardship::Told;
use crate::services::plans::choose::{FIRST_PAYMENT_WITHIN_DAYS, InstallmentChoice};
use crate::services::plans::records::{InstallmentView, PlanView};
use crate::services::plans::review::{
    self as plan_review, Decision, LIST_LIMIT, PlanFilter, PlanSummary, Proposal, ReviewError,
};
use crate::web::auth::SignedInStaff;
use crate::web::csrf::CsrfToken;
use crate::web::debtor::plan_views::sentence_case;
use crate::web::errors::{AppError, PageResult};
use crate::web::forms::{FormField, Problems, date_or_error, field, refusal, refusal_on};
use crate::web::pages::{self, Chrome, FieldError, long_date};

/// The amount filters are typed in major units ("100.00"). The review service has no way to
/// tell a creditor's currency, and every creditor so far bills in pounds, so the filters are
/// read as pounds and pence.
const FILTER_CURRENCY: Currency = Currency::GBP;

/// Where a decision that came too late is reported: the plan's status on the page.
const STATUS_FIELD: &str = "status";
const NO_LONGER_PROPOSED: &str =
    "This plan is no longer waiting for a decision, so nothing was changed";

// ---- Words for staff ----

/// Status in trade terms. `PlanStatus::label` is written for the person who owes the money
/// ("New terms offered to you"), which reads wrongly to staff.
fn status_label(status: PlanStatus) -> &'static str {
    match status {
        PlanStatus::Proposed => "Proposal waiting for review",
        PlanStatus::Countered => "Counter-offer sent, waiting for the person",
        PlanStatus::Active => "Active",
        PlanStatus::Completed => "Paid in full",
        PlanStatus::Broken => "Broken: too many missed payments",
        PlanStatus::Cancelled => "Cancelled",
        PlanStatus::Declined => "Declined",
        PlanStatus::Ended => "Deferral date passed",
    }
}

fn kind_label(kind: PlanKind) -> &'static str {
    match kind {
        PlanKind::Installments => "Installments",
        PlanKind::Deferral => "Deferral (pay in full later)",
    }
}

/// "54 payments every month of £20.00, the last one £5.00", or the deferral date.
fn schedule_summary(plan: &PlanView) -> String {
    if let Some(until) = plan.defer_until.filter(|_| plan.kind == PlanKind::Deferral) {
        return format!("Pay {} in full by {}", plan.total, long_date(until));
    }
    let (Some(first), Some(last)) = (plan.installments.first(), plan.installments.last()) else {
        return "No payments set up".to_string();
    };
    let count = plan.installments.len();
    let payments = if count == 1 { "payment" } else { "payments" };
    let how_often = plan
        .frequency
        .map(|f| format!(" {}", f.label()))
        .unwrap_or_default();
    let mut summary = format!("{count} {payments}{how_often} of {}", first.amount);
    if count > 1 && last.amount != first.amount {
        summary.push_str(&format!(", the last one {}", last.amount));
    }
    summary
}

fn waiting_time(days: i64) -> String {
    match days {
        ..=0 => "Sent today".to_string(),
        1 => "Waiting 1 day".to_string(),
        n => format!("Waiting {n} days"),
    }
}

fn date_and_time(at: DateTime<Utc>) -> String {
    format!(
        "{} at {} UTC",
        long_date(at.date_naive()),
        at.format("%H:%M")
    )
}

fn first_error_for<'a>(errors: &'a [FieldError], field: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.as_str())
}

fn field_error(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: message.into(),
    }
}

// ---- The list, its filters and the CSV ----

/// The filters exactly as typed, so a 400 shows them again and the CSV link repeats them.
#[derive(serde::Deserialize, serde::Serialize, Default, Clone)]
#[serde(default)]
pub struct FilterQuery {
    #[serde(skip_serializing_if = "String::is_empty")]
    status: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    from: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    to: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    min: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    max: String,
}

/// Reads the filters; every problem is reported at once, next to its field.
fn read_filter(query: &FilterQuery) -> Result<PlanFilter, Vec<FieldError>> {
    let mut errors = Vec::new();
    let status = keep_value(&mut errors, read_status(&query.status));
    let from = keep_value(&mut errors, read_filter_date("from", &query.from));
    let to = keep_value(&mut errors, read_filter_date("to", &query.to));
    let min_total = keep_value(&mut errors, read_filter_amount("min", &query.min));
    let max_total = keep_value(&mut errors, read_filter_amount("max", &query.max));
    if from.zip(to).is_some_and(|(from, to)| from > to) {
        errors.push(field_error(
            "to",
            "The end date must be the same as or after the start date",
        ));
    }
    if min_total.zip(max_total).is_some_and(|(min, max)| min > max) {
        errors.push(field_error(
            "max",
            "The highest total must be the same as or more than the lowest total",
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(PlanFilter {
        status,
        from,
        to,
        min_total,
        max_total,
        oldest_first: false,
    })
}

/// The value of one filter, or nothing with its problem noted.
fn keep_value<T>(errors: &mut Vec<FieldError>, read: Result<Option<T>, FieldError>) -> Option<T> {
    read.unwrap_or_else(|error| {
        errors.push(error);
        None
    })
}

fn read_status(text: &str) -> Result<Option<PlanStatus>, FieldError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    PlanStatus::parse(text.trim())
        .map(Some)
        .ok_or_else(|| field_error("status", "Choose a status from the list"))
}

/// A date from a date box: browsers send YYYY-MM-DD whatever they show.
fn read_filter_date(field: &'static str, text: &str) -> Result<Option<NaiveDate>, FieldError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map(Some)
        .map_err(|_| field_error(field, "Enter a real date, like 2026-03-27"))
}

fn read_filter_amount(field: &'static str, text: &str) -> Result<Option<i64>, FieldError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    plan_review::parse_amount_filter(text, FILTER_CURRENCY)
        .map(Some)
        .ok_or_else(|| field_error(field, "Enter an amount in pounds, like 100.00"))
}

struct StatusOption {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

/// One plan in the list, in words; a cell that does not apply to the plan is empty.
struct PlanRow {
    id: i32,
    account_id: i32,
    reference: String,
    name: String,
    kind: &'static str,
    status: &'static str,
    total: String,
    installment: String,
    how_often: String,
    payments: usize,
    first_due: String,
    last_due: String,
    pay_later_by: String,
    next_due: String,
    overdue: String,
    paid: String,
    created: String,
}

impl PlanRow {
    fn from_summary(summary: &PlanSummary, today: NaiveDate) -> Self {
        let plan = &summary.plan;
        let position = plan.position(today);
        let money = |m: Option<Money>| m.map(|m| m.to_string()).unwrap_or_default();
        let date = |d: Option<NaiveDate>| d.map(long_date).unwrap_or_default();
        Self {
            id: plan.id,
            account_id: plan.account_id,
            reference: summary.reference.clone(),
            name: summary.debtor_name.clone(),
            kind: kind_label(plan.kind),
            status: status_label(plan.status),
            total: plan.total.to_string(),
            installment: money(position.installment),
            how_often: plan
                .frequency
                .map(|f| sentence_case(f.label()))
                .unwrap_or_default(),
            payments: plan.installments.len(),
            first_due: date(position.first_due),
            last_due: date(position.last_due),
            pay_later_by: date(plan.pay_later_by()),
            next_due: date(position.next_due),
            overdue: money(position.overdue),
            paid: plan.paid().to_string(),
            created: long_date(plan.created_at.date_naive()),
        }
    }
}

#[derive(Template)]
#[template(path = "staff/plans/list.html")]
struct PlansPage {
    chrome: Chrome,
    query: FilterQuery,
    statuses: Vec<StatusOption>,
    errors: Vec<FieldError>,
    rows: Vec<PlanRow>,
    /// The list stops at the service's limit; say so rather than look complete.
    at_limit: bool,
    limit: u64,
    csv_link: String,
}

impl PlansPage {
    fn new(
        csrf: &str,
        query: FilterQuery,
        errors: Vec<FieldError>,
        found: &[PlanSummary],
        today: NaiveDate,
    ) -> Self {
        let statuses = PlanStatus::ALL
            .into_iter()
            .map(|status| StatusOption {
                value: status.as_str(),
                label: status_label(status),
                selected: query.status.trim() == status.as_str(),
            })
            .collect();
        let csv_query = serde_urlencoded::to_string(&query).unwrap_or_default();
        let csv_link = if csv_query.is_empty() {
            "/staff/plans.csv".to_string()
        } else {
            format!("/staff/plans.csv?{csv_query}")
        };
        Self {
            chrome: Chrome::staff(csrf, false),
            query,
            statuses,
            errors,
            rows: found
                .iter()
                .map(|summary| PlanRow::from_summary(summary, today))
                .collect(),
            at_limit: found.len() as u64 >= LIST_LIMIT,
            limit: LIST_LIMIT,
            csv_link,
        }
    }

    fn error_for(&self, field: &str) -> Option<&str> {
        first_error_for(&self.errors, field)
    }
}

/// The filtered plans, or the filter page at 400 explaining what to fix.
async fn filtered_plans(
    db: &DatabaseConnection,
    creditor_id: i32,
    csrf: &str,
    query: FilterQuery,
) -> Result<Result<Vec<PlanSummary>, HttpResponse>, AppError> {
    let filter = match read_filter(&query) {
        Ok(filter) => filter,
        Err(errors) => {
            let page = PlansPage::new(csrf, query, errors, &[], Utc::now().date_naive());
            return Ok(Err(pages::invalid(&page)));
        }
    };
    let found = plan_review::list(db, creditor_id, &filter)
        .await
        .map_err(AppError::internal)?;
    Ok(Ok(found))
}

#[get("/plans")]
pub async fn list(
    who: SignedInStaff,
    query: web::Query<FilterQuery>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let creditor_id = who.creditor_id()?;
    let query = query.into_inner();
    match filtered_plans(db.get_ref(), creditor_id, &csrf.0, query.clone()).await? {
        Ok(found) => Ok(pages::ok(&PlansPage::new(
            &csrf.0,
            query,
            Vec::new(),
            &found,
            Utc::now().date_naive(),
        ))),
        Err(refused) => Ok(refused),
    }
}

#[get("/plans.csv")]
pub async fn csv(
    who: SignedInStaff,
    query: web::Query<FilterQuery>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let creditor_id = who.creditor_id()?;
    match filtered_plans(db.get_ref(), creditor_id, &csrf.0, query.into_inner()).await? {
        Ok(found) => Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
            .insert_header((
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"plans.csv\"",
            ))
            .body(plan_review::to_csv(&found, Utc::now().date_naive()))),
        Err(refused) => Ok(refused),
    }
}

// ---- The review queue ----

struct AllowanceView {
    allows_a_plan: bool,
    fewest_payments: u32,
    most_payments: u32,
    smallest_payment: String,
    latest_end: String,
}

impl AllowanceView {
    fn new(allowance: &Allowance) -> Self {
        Self {
            allows_a_plan: allowance.allows_a_plan(),
            fewest_payments: allowance.fewest_payments,
            most_payments: allowance.most_payments,
            smallest_payment: allowance.smallest_payment.to_string(),
            latest_end: long_date(allowance.latest_end),
        }
    }
}

struct ProposalCard {
    id: i32,
    reference: String,
    name: String,
    total: String,
    schedule: String,
    note: Option<String>,
    waiting: String,
    breaches: Vec<String>,
    allowance: AllowanceView,
    hardship: Option<HardshipView>,
}

/// What the person told us on the hardship pages, for staff deciding on their proposal.
struct HardshipView {
    reason: &'static str,
    /// Each monthly line (label, amount); empty when the person chose not to say.
    lines: Vec<(&'static str, String)>,
    income: String,
    spending: String,
    left: String,
}

impl HardshipView {
    fn new(told: &Told) -> Self {
        let figures = told.figures;
        let shown = |m: Option<Money>| m.map(|m| m.to_string()).unwrap_or_default();
        Self {
            reason: told.reason.label(),
            lines: figures
                .map(|f| {
                    Line::ALL
                        .into_iter()
                        .filter(|l| !l.is_income())
                        .map(|l| (l.label(), f.line(l).to_string()))
                        .collect()
                })
                .unwrap_or_default(),
            income: shown(figures.map(|f| f.income())),
            spending: shown(figures.map(|f| f.spending())),
            left: shown(figures.map(|f| f.left())),
        }
    }
}

impl ProposalCard {
    fn new(proposal: &Proposal) -> Self {
        let summary = &proposal.summary;
        Self {
            id: summary.plan.id,
            reference: summary.reference.clone(),
            name: summary.debtor_name.clone(),
            total: summary.plan.total.to_string(),
            schedule: schedule_summary(&summary.plan),
            note: summary.plan.debtor_note.clone(),
            waiting: waiting_time(proposal.waiting_days),
            breaches: proposal.breaches.iter().map(ToString::to_string).collect(),
            allowance: AllowanceView::new(&proposal.allowance),
            hardship: proposal.hardship.as_ref().map(HardshipView::new),
        }
    }
}

#[derive(Template)]
#[template(path = "staff/plans/review.html")]
struct ReviewPage {
    chrome: Chrome,
    proposals: Vec<ProposalCard>,
}

#[get("/plans/review")]
pub async fn review(
    who: SignedInStaff,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let creditor_id = who.creditor_id()?;
    let waiting = plan_review::queue(db.get_ref(), creditor_id, Utc::now())
        .await
        .map_err(AppError::internal)?;
    Ok(pages::ok(&ReviewPage {
        chrome: Chrome::staff(&csrf.0, false),
        proposals: waiting.iter().map(ProposalCard::new).collect(),
    }))
}

// ---- One plan and the decision forms ----

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct DeclineForm {
    reason: String,
}

/// The counter-offer as typed. Whether the date is soon enough and the schedule possible is
/// the service's rule; `validator` checks only that each answer is there and readable.
#[derive(serde::Deserialize, Default, Clone, Validate)]
#[serde(default)]
#[validate(schema(function = "first_payment_date", skip_on_field_errors = false))]
pub struct CounterForm {
    #[validate(custom(function = "counter_frequency"))]
    frequency: String,
    #[validate(custom(function = "counter_payments"))]
    payments: String,
    first_day: String,
    first_month: String,
    first_year: String,
}

const COUNTER_FIELDS: [FormField; 3] = [
    field("frequency"),
    field("payments"),
    FormField {
        name: "first_day",
        id: "first-day",
    },
];

fn counter_frequency(code: &str) -> Result<(), ValidationError> {
    Frequency::parse(code)
        .map(|_| ())
        .ok_or_else(|| refusal("Choose how often the person would pay"))
}

fn counter_payments(text: &str) -> Result<(), ValidationError> {
    read_payment_count(text).map(|_| ()).map_err(refusal)
}

fn first_payment_date(form: &CounterForm) -> Result<(), ValidationError> {
    first_due(form)
        .map(|_| ())
        .map_err(|error| refusal_on("first-day", error.message))
}

fn first_due(form: &CounterForm) -> Result<NaiveDate, FieldError> {
    date_or_error(
        (&form.first_day, &form.first_month, &form.first_year),
        "first-day",
        "Enter the date of the first payment, with a day, month and year",
    )
}

struct FrequencyOption {
    /// The first radio is "frequency", so the error summary can link to the group.
    id: String,
    value: &'static str,
    label: &'static str,
    checked: bool,
}

struct InstallmentRow {
    seq: u32,
    due_on: String,
    amount: String,
    paid: String,
    missed: bool,
}

impl InstallmentRow {
    fn new(installment: &InstallmentView) -> Self {
        Self {
            seq: installment.seq,
            due_on: long_date(installment.due_on),
            amount: installment.amount.to_string(),
            paid: installment.paid.to_string(),
            missed: installment.missed,
        }
    }
}

struct ConsentView {
    text: String,
    at: String,
}

#[derive(Template)]
#[template(path = "staff/plans/show.html")]
struct PlanPage {
    chrome: Chrome,
    id: i32,
    reference: String,
    name: String,
    status: &'static str,
    kind: &'static str,
    total: String,
    paid: String,
    schedule: String,
    installments: Vec<InstallmentRow>,
    consent: Option<ConsentView>,
    note: Option<String>,
    decision_reason: Option<String>,
    /// The decision forms show only while the plan waits for one.
    is_proposed: bool,
    /// Different terms are a new installment schedule; a deferral has none to change.
    can_counter: bool,
    first_payment_within_days: i64,
    errors: Vec<FieldError>,
    reason: String,
    counter: CounterForm,
    frequencies: Vec<FrequencyOption>,
}

impl PlanPage {
    fn new(csrf: &str, summary: PlanSummary) -> Self {
        let plan = &summary.plan;
        let consent = plan
            .consent_text
            .clone()
            .zip(plan.consent_at)
            .map(|(text, at)| ConsentView {
                text,
                at: date_and_time(at),
            });
        let mut page = Self {
            chrome: Chrome::staff(csrf, false),
            id: plan.id,
            status: status_label(plan.status),
            kind: kind_label(plan.kind),
            total: plan.total.to_string(),
            paid: plan.paid().to_string(),
            schedule: schedule_summary(plan),
            installments: plan.installments.iter().map(InstallmentRow::new).collect(),
            consent,
            note: plan.debtor_note.clone(),
            decision_reason: plan.decision_reason.clone(),
            is_proposed: plan.status == PlanStatus::Proposed,
            can_counter: plan.kind == PlanKind::Installments,
            first_payment_within_days: FIRST_PAYMENT_WITHIN_DAYS,
            errors: Vec::new(),
            reason: String::new(),
            counter: CounterForm::default(),
            frequencies: Vec::new(),
            reference: summary.reference,
            name: summary.debtor_name,
        };
        page.set_counter(CounterForm::default());
        page
    }

    /// Keeps what was typed in the counter-offer form, with its radio still chosen.
    fn set_counter(&mut self, counter: CounterForm) {
        let chosen = Frequency::parse(&counter.frequency);
        self.frequencies = Frequency::ALL
            .into_iter()
            .enumerate()
            .map(|(index, frequency)| FrequencyOption {
                id: if index == 0 {
                    "frequency".to_string()
                } else {
                    format!("frequency-{}", frequency.as_str())
                },
                value: frequency.as_str(),
                label: frequency.label(),
                checked: chosen == Some(frequency),
            })
            .collect();
        self.counter = counter;
    }

    /// Errors to show. Once the plan is decided its forms are gone, so messages about their
    /// fields would point nowhere: the page says instead that nothing was changed.
    fn set_errors(&mut self, errors: Vec<FieldError>) {
        self.errors = if self.is_proposed {
            errors
        } else {
            vec![field_error(STATUS_FIELD, NO_LONGER_PROPOSED)]
        };
    }

    fn error_for(&self, field: &str) -> Option<&str> {
        first_error_for(&self.errors, field)
    }
}

async fn load_plan(
    db: &DatabaseConnection,
    creditor_id: i32,
    id: i32,
) -> Result<PlanSummary, AppError> {
    plan_review::detail(db, creditor_id, id)
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)
}

#[get("/plans/{id}")]
pub async fn show(
    who: SignedInStaff,
    path: web::Path<i32>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let creditor_id = who.creditor_id()?;
    let summary = load_plan(db.get_ref(), creditor_id, *path).await?;
    Ok(pages::ok(&PlanPage::new(&csrf.0, summary)))
}

/// A refused decision as a message for the page, or a failure that is not the user's to fix.
fn explain_refusal(err: ReviewError) -> Result<FieldError, AppError> {
    match err {
        ReviewError::NotFound => Err(AppError::NotFound),
        ReviewError::AlreadyDecided => Ok(field_error(STATUS_FIELD, NO_LONGER_PROPOSED)),
        ReviewError::ReasonRequired => Ok(field_error("reason", err.to_string())),
        ReviewError::Date(message) => Ok(field_error("first-day", message)),
        ReviewError::Schedule(ScheduleError::DateTooFarAhead) => Ok(field_error(
            "first-day",
            ScheduleError::DateTooFarAhead.to_string(),
        )),
        ReviewError::Schedule(schedule) => Ok(field_error("payments", schedule.to_string())),
        other => Err(AppError::internal(other)),
    }
}

/// What the staff member sent, kept so a refused form comes back as typed.
#[derive(Default)]
struct Typed {
    reason: String,
    counter: CounterForm,
}

/// Runs one decision: 303 back to the plan, or the plan page again at 400 saying what to fix.
/// Input that could not be read (`Err`) never reaches the service.
async fn decide_then_show(
    who: SignedInStaff,
    id: i32,
    csrf: &str,
    db: &DatabaseConnection,
    base_url: &str,
    decision: Result<Decision, Vec<FieldError>>,
    typed: Typed,
) -> PageResult {
    let creditor_id = who.creditor_id()?;
    let errors = match decision {
        Ok(decision) => {
            let outcome = plan_review::decide(
                db,
                base_url,
                who.0.staff_id,
                creditor_id,
                id,
                decision,
                Utc::now(),
            )
            .await;
            match outcome {
                Ok(()) => return Ok(pages::see_other(&format!("/staff/plans/{id}"))),
                Err(err) => vec![explain_refusal(err)?],
            }
        }
        Err(errors) => errors,
    };
    let mut page = PlanPage::new(csrf, load_plan(db, creditor_id, id).await?);
    page.reason = typed.reason;
    page.set_counter(typed.counter);
    page.set_errors(errors);
    Ok(pages::invalid(&page))
}

#[post("/plans/{id}/approve")]
pub async fn approve(
    who: SignedInStaff,
    path: web::Path<i32>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    settings: web::Data<Settings>,
) -> PageResult {
    let decision = Ok(Decision::Approve);
    decide_then_show(
        who,
        *path,
        &csrf.0,
        db.get_ref(),
        &settings.base_url,
        decision,
        Typed::default(),
    )
    .await
}

#[post("/plans/{id}/decline")]
pub async fn decline(
    who: SignedInStaff,
    path: web::Path<i32>,
    form: web::Form<DeclineForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    settings: web::Data<Settings>,
) -> PageResult {
    // An empty reason is refused by the service, which owns that rule and its message.
    let reason = form.into_inner().reason;
    let decision = Ok(Decision::Decline {
        reason: reason.clone(),
    });
    let typed = Typed {
        reason,
        ..Typed::default()
    };
    decide_then_show(
        who,
        *path,
        &csrf.0,
        db.get_ref(),
        &settings.base_url,
        decision,
        typed,
    )
    .await
}

#[post("/plans/{id}/counter")]
pub async fn counter_offer(
    who: SignedInStaff,
    path: web::Path<i32>,
    form: web::Form<CounterForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    settings: web::Data<Settings>,
) -> PageResult {
    let form = form.into_inner();
    let decision = read_counter(&form).map(Decision::Counter);
    let typed = Typed {
        counter: form,
        ..Typed::default()
    };
    decide_then_show(
        who,
        *path,
        &csrf.0,
        db.get_ref(),
        &settings.base_url,
        decision,
        typed,
    )
    .await
}

/// Reads the counter-offer form. Whether the date is soon enough and the schedule is
/// possible is the service's rule; here only that each answer is there and readable.
fn read_counter(form: &CounterForm) -> Result<InstallmentChoice, Vec<FieldError>> {
    let problems = Problems::from_validation(form.validate(), &COUNTER_FIELDS);
    let read = (
        Frequency::parse(&form.frequency),
        read_payment_count(&form.payments),
        first_due(form),
    );
    match (problems.is_empty(), read) {
        (true, (Some(frequency), Ok(count), Ok(first_due))) => Ok(InstallmentChoice {
            frequency,
            size: PlanSize::NumberOfPayments(count),
            first_due,
        }),
        _ => Err(problems.0),
    }
}

fn read_payment_count(text: &str) -> Result<u32, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        return Err("Enter the number of payments");
    }
    match text.parse::<u32>() {
        Ok(count) if count > 0 => Ok(count),
        _ => Err("Enter the number of payments as a whole number, like 6"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_counter_offer_lists_every_field_to_fix_in_the_pages_order() {
        let form = CounterForm {
            frequency: String::new(),
            payments: "six".into(),
            first_day: "31".into(),
            first_month: "2".into(),
            first_year: "2027".into(),
        };
        let Err(errors) = read_counter(&form) else {
            panic!("nothing in this form can be read");
        };
        let shown: Vec<(&str, &str)> = errors
            .iter()
            .map(|e| (e.field, e.message.as_str()))
            .collect();
        assert_eq!(
            shown,
            [
                ("frequency", "Choose how often the person would pay"),
                (
                    "payments",
                    "Enter the number of payments as a whole number, like 6"
                ),
                ("first-day", "Enter a real date, like 27 3 2027"),
            ]
        );
    }

    #[test]
    fn a_readable_counter_offer_becomes_a_choice() {
        let form = CounterForm {
            frequency: "monthly".into(),
            payments: "6".into(),
            first_day: "1".into(),
            first_month: "3".into(),
            first_year: "2027".into(),
        };
        let choice = read_counter(&form).ok();
        assert_eq!(
            choice.map(|c| (c.frequency, c.first_due)),
            Some((
                Frequency::Monthly,
                NaiveDate::from_ymd_opt(2027, 3, 1).unwrap_or_default()
            ))
        );
    }
}
