//! An admin edits a creditor's payment plan policy.
use actix_web::{get, post, web};
use askama::Template;
use chrono::Utc;
use sea_orm::DatabaseConnection;

use crate::domain::policy::PlanPolicy;
use crate::domain::schedule::Frequency;
use crate::domain::{Currency, Money};
use crate::services::admin::creditor_list::{self, CreditorSummary};
use crate::services::plans::policies;
use crate::web::auth::SignedInStaff;
use crate::web::csrf::CsrfToken;
use crate::web::debtor::plan_forms::Problems;
use crate::web::errors::{AppError, PageResult};
use crate::web::pages::{self, Chrome, FieldError};

#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
pub struct PolicyForm {
    weekly: String,
    fortnightly: String,
    four_weekly: String,
    monthly: String,
    max_installments: String,
    max_duration_days: String,
    min_installment: String,
    max_deferral_days: String,
    grace_days: String,
    missed_to_break: String,
    allow_move_date: String,
    allow_skip: String,
}

impl PolicyForm {
    fn from_policy(policy: &PlanPolicy) -> Self {
        let on = |yes: bool| if yes { "on".to_string() } else { String::new() };
        Self {
            weekly: on(policy.allows(Frequency::Weekly)),
            fortnightly: on(policy.allows(Frequency::Fortnightly)),
            four_weekly: on(policy.allows(Frequency::FourWeekly)),
            monthly: on(policy.allows(Frequency::Monthly)),
            max_installments: policy.max_installments.to_string(),
            max_duration_days: policy.max_duration_days.to_string(),
            min_installment: policy.min_installment.amount().to_string(),
            max_deferral_days: policy.max_deferral_days.to_string(),
            grace_days: policy.grace_days.to_string(),
            missed_to_break: policy.missed_to_break.to_string(),
            allow_move_date: on(policy.allow_move_date),
            allow_skip: on(policy.allow_skip),
        }
    }

    /// The number fields, in the order the page shows them.
    fn number_fields(&self) -> Vec<NumberField> {
        let field = |name, label, value: &String| NumberField {
            name,
            label,
            value: value.clone(),
        };
        vec![
            field(
                "max_installments",
                "Most payments in a plan",
                &self.max_installments,
            ),
            field(
                "max_duration_days",
                "Longest plan, in days",
                &self.max_duration_days,
            ),
            field("min_installment", "Smallest payment", &self.min_installment),
            field(
                "max_deferral_days",
                "Longest pause (pay later), in days",
                &self.max_deferral_days,
            ),
            field(
                "grace_days",
                "Days late before a payment counts as missed",
                &self.grace_days,
            ),
            field(
                "missed_to_break",
                "Missed payments that stop a plan",
                &self.missed_to_break,
            ),
        ]
    }

    fn checked(&self, field: &str) -> bool {
        let value = match field {
            "weekly" => &self.weekly,
            "fortnightly" => &self.fortnightly,
            "four_weekly" => &self.four_weekly,
            "monthly" => &self.monthly,
            "allow_move_date" => &self.allow_move_date,
            _ => &self.allow_skip,
        };
        !value.is_empty()
    }
}

fn number(text: &str, field: &'static str, range: (u32, u32), problems: &mut Problems) -> u32 {
    match text.trim().parse::<u32>() {
        Ok(n) if (range.0..=range.1).contains(&n) => n,
        _ => {
            problems.add(
                field,
                format!("Enter a whole number from {} to {}", range.0, range.1),
            );
            0
        }
    }
}

fn read_policy(form: &PolicyForm, currency: Currency, problems: &mut Problems) -> PlanPolicy {
    let allowed_frequencies: Vec<Frequency> = Frequency::ALL
        .into_iter()
        .filter(|f| form.checked(f.as_str()))
        .collect();
    if allowed_frequencies.is_empty() {
        problems.add("weekly", "Choose at least one way to pay");
    }
    let min_installment = match Money::parse(&form.min_installment, currency) {
        Ok(m) => m,
        Err(e) => {
            problems.add("min_installment", e.to_string());
            Money::zero(currency)
        }
    };
    PlanPolicy {
        allowed_frequencies,
        max_installments: number(
            &form.max_installments,
            "max_installments",
            (1, 520),
            problems,
        ),
        max_duration_days: number(
            &form.max_duration_days,
            "max_duration_days",
            (1, 3650),
            problems,
        ),
        min_installment,
        max_deferral_days: number(
            &form.max_deferral_days,
            "max_deferral_days",
            (0, 365),
            problems,
        ),
        grace_days: number(&form.grace_days, "grace_days", (0, 60), problems),
        missed_to_break: number(&form.missed_to_break, "missed_to_break", (1, 12), problems),
        allow_move_date: form.checked("allow_move_date"),
        allow_skip: form.checked("allow_skip"),
    }
}

pub struct NumberField {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
}

#[derive(Template)]
#[template(path = "admin/policy.html")]
struct PolicyPage {
    chrome: Chrome,
    creditor: CreditorSummary,
    numbers: Vec<NumberField>,
    form: PolicyForm,
    errors: Vec<FieldError>,
    problems: Problems,
    saved: bool,
}

async fn creditor_of(
    db: &DatabaseConnection,
    id: &str,
) -> Result<(CreditorSummary, Currency), AppError> {
    let id: i32 = id.parse().map_err(|_| AppError::NotFound)?;
    let creditor = creditor_list::find(db, id)
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)?;
    let currency = Currency::parse(&creditor.currency).map_err(AppError::internal)?;
    Ok((creditor, currency))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct SavedQuery {
    saved: String,
}

#[get("/admin/creditors/{id}/policy")]
pub async fn edit(
    who: SignedInStaff,
    path: web::Path<String>,
    query: web::Query<SavedQuery>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    who.require_admin()?;
    let (creditor, currency) = creditor_of(&db, &path).await?;
    let policy = policies::for_creditor(db.get_ref(), creditor.id, currency)
        .await
        .map_err(AppError::internal)?;
    Ok(pages::ok(&PolicyPage {
        chrome: Chrome::staff(&csrf.0, true),
        creditor,
        numbers: PolicyForm::from_policy(&policy).number_fields(),
        form: PolicyForm::from_policy(&policy),
        errors: Vec::new(),
        problems: Problems::default(),
        saved: !query.saved.is_empty(),
    }))
}

#[post("/admin/creditors/{id}/policy")]
pub async fn save(
    who: SignedInStaff,
    path: web::Path<String>,
    form: web::Form<PolicyForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    who.require_admin()?;
    let (creditor, currency) = creditor_of(&db, &path).await?;
    let form = form.into_inner();
    let mut problems = Problems::default();
    let policy = read_policy(&form, currency, &mut problems);
    if !problems.0.is_empty() {
        return Ok(pages::invalid(&PolicyPage {
            chrome: Chrome::staff(&csrf.0, true),
            creditor,
            numbers: form.number_fields(),
            form,
            errors: problems.0.clone(),
            problems,
            saved: false,
        }));
    }
    policies::update_by_admin(&db, who.0.staff_id, creditor.id, &policy, Utc::now())
        .await
        .map_err(AppError::internal)?;
    Ok(pages::see_other(&format!(
        "/admin/creditors/{}/policy?saved=1",
        creditor.id
    )))
}
