//! An admin edits a creditor's payment plan policy.
use actix_web::{get, post, web};
use askama::Template;
use chrono::Utc;
use sea_orm::DatabaseConnection;

use validator::{Validate, ValidationError};

use crate::domain::Currency;
use crate::domain::policy::{PlanPolicy, PolicyTerms};
use crate::domain::schedule::Frequency;
use crate::services::admin::creditor_list::{self, CreditorSummary};
use crate::services::plans::policies;
use crate::web::auth::SignedInStaff;
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
use crate::web::forms::SavedQuery;
use crate::web::forms::{FormField, Problems, count_in, field, read_money, refusal_on};
use crate::web::pages::{self, Chrome, FieldError};

/// The policy form as typed. `validator` checks each number on its own (a whole number within
/// the policy's limits); `PlanPolicy::new` then checks the policy as a whole.
#[derive(serde::Deserialize, Default, Clone, Validate)]
#[serde(default)]
#[validate(schema(function = "a_way_to_pay", skip_on_field_errors = false))]
pub struct PolicyForm {
    weekly: String,
    fortnightly: String,
    four_weekly: String,
    monthly: String,
    #[validate(custom(function = "installments"))]
    max_installments: String,
    #[validate(custom(function = "duration_days"))]
    max_duration_days: String,
    #[validate(length(min = 1, message = "Enter the smallest payment, like 10.00"))]
    min_installment: String,
    #[validate(custom(function = "deferral_days"))]
    max_deferral_days: String,
    #[validate(custom(function = "grace_days"))]
    grace_days: String,
    #[validate(custom(function = "missed_to_break"))]
    missed_to_break: String,
    #[validate(custom(function = "breathing_space_days"))]
    breathing_space_max_days: String,
    allow_move_date: String,
    allow_skip: String,
}

/// The fields in the order the page shows them; the frequencies' message sits on "weekly".
const FIELDS: [FormField; 8] = [
    field("weekly"),
    field("max_installments"),
    field("max_duration_days"),
    field("min_installment"),
    field("max_deferral_days"),
    field("grace_days"),
    field("missed_to_break"),
    field("breathing_space_max_days"),
];

fn installments(text: &str) -> Result<(), ValidationError> {
    count_in(text, &PlanPolicy::INSTALLMENTS)
}

fn duration_days(text: &str) -> Result<(), ValidationError> {
    count_in(text, &PlanPolicy::DURATION_DAYS)
}

fn deferral_days(text: &str) -> Result<(), ValidationError> {
    count_in(text, &PlanPolicy::DEFERRAL_DAYS)
}

fn grace_days(text: &str) -> Result<(), ValidationError> {
    count_in(text, &PlanPolicy::GRACE_DAYS)
}

fn missed_to_break(text: &str) -> Result<(), ValidationError> {
    count_in(text, &PlanPolicy::MISSED_TO_BREAK)
}

fn breathing_space_days(text: &str) -> Result<(), ValidationError> {
    count_in(text, &PlanPolicy::BREATHING_SPACE_DAYS)
}

fn a_way_to_pay(form: &PolicyForm) -> Result<(), ValidationError> {
    if form.frequencies().is_empty() {
        return Err(refusal_on("weekly", "Choose at least one way to pay"));
    }
    Ok(())
}

impl PolicyForm {
    fn from_policy(policy: &PlanPolicy) -> Self {
        let on = |yes: bool| if yes { "on".to_string() } else { String::new() };
        Self {
            weekly: on(policy.allows(Frequency::Weekly)),
            fortnightly: on(policy.allows(Frequency::Fortnightly)),
            four_weekly: on(policy.allows(Frequency::FourWeekly)),
            monthly: on(policy.allows(Frequency::Monthly)),
            max_installments: policy.max_installments().to_string(),
            max_duration_days: policy.max_duration_days().to_string(),
            min_installment: policy.min_installment().amount().to_string(),
            max_deferral_days: policy.max_deferral_days().to_string(),
            grace_days: policy.grace_days().to_string(),
            missed_to_break: policy.missed_to_break().to_string(),
            breathing_space_max_days: policy.breathing_space_max_days().to_string(),
            allow_move_date: on(policy.allow_move_date()),
            allow_skip: on(policy.allow_skip()),
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
            field(
                "breathing_space_max_days",
                "Longest breathing space (days), 0 for none",
                &self.breathing_space_max_days,
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

impl PolicyForm {
    fn frequencies(&self) -> Vec<Frequency> {
        Frequency::ALL
            .into_iter()
            .filter(|f| self.checked(f.as_str()))
            .collect()
    }

    /// Reads the form into a policy: `validator`'s rules, the amount in the creditor's
    /// currency, then `PlanPolicy::new`; every problem is keyed by its field.
    fn read(&self, currency: Currency) -> Result<PlanPolicy, Problems> {
        let mut problems = Problems::from_validation(self.validate(), &FIELDS);
        let min_installment = if problems.on("min_installment").is_some() {
            None
        } else {
            read_money(
                &self.min_installment,
                currency,
                "this creditor",
                true,
                "min_installment",
                &mut problems,
            )
        };
        let count = |text: &str| text.trim().parse::<u32>().unwrap_or_default();
        match (problems.is_empty(), min_installment) {
            (true, Some(min_installment)) => PlanPolicy::new(PolicyTerms {
                allowed_frequencies: self.frequencies(),
                max_installments: count(&self.max_installments),
                max_duration_days: count(&self.max_duration_days),
                min_installment,
                max_deferral_days: count(&self.max_deferral_days),
                grace_days: count(&self.grace_days),
                missed_to_break: count(&self.missed_to_break),
                allow_move_date: self.checked("allow_move_date"),
                allow_skip: self.checked("allow_skip"),
                breathing_space_max_days: count(&self.breathing_space_max_days),
            })
            .map_err(|invalid| {
                problems.add_invalid(invalid);
                problems
            }),
            _ => {
                // The amount is read after `validator`'s rules; the summary still reads in
                // the page's order.
                problems.sort_by_fields(&FIELDS);
                Err(problems)
            }
        }
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
    id: i32,
) -> Result<(CreditorSummary, Currency), AppError> {
    let creditor = creditor_list::find(db, id)
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)?;
    let currency = Currency::parse(&creditor.currency).map_err(AppError::internal)?;
    Ok((creditor, currency))
}

#[get("/creditors/{id}/policy")]
pub async fn edit(
    path: web::Path<i32>,
    query: web::Query<SavedQuery>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let (creditor, currency) = creditor_of(&db, *path).await?;
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
        saved: query.saved(),
    }))
}

#[post("/creditors/{id}/policy")]
pub async fn save(
    who: SignedInStaff,
    path: web::Path<i32>,
    form: web::Form<PolicyForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let (creditor, currency) = creditor_of(&db, *path).await?;
    let form = form.into_inner();
    let policy = match form.read(currency) {
        Ok(policy) => policy,
        Err(problems) => {
            return Ok(pages::invalid(&PolicyPage {
                chrome: Chrome::staff(&csrf.0, true),
                creditor,
                numbers: form.number_fields(),
                form,
                errors: problems.summary(),
                problems,
                saved: false,
            }));
        }
    };
    policies::update_by_admin(&db, who.0.staff_id, creditor.id, &policy, Utc::now())
        .await
        .map_err(AppError::internal)?;
    Ok(pages::see_other(&format!(
        "/admin/creditors/{}/policy?saved=1",
        creditor.id
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> PolicyForm {
        PolicyForm::from_policy(&PlanPolicy::default_for(Currency::GBP))
    }

    fn problems(form: &PolicyForm) -> Problems {
        form.read(Currency::GBP).err().unwrap_or_default()
    }

    #[test]
    fn the_default_policy_reads_back_as_itself() {
        assert_eq!(
            good().read(Currency::GBP).ok(),
            Some(PlanPolicy::default_for(Currency::GBP))
        );
    }

    #[test]
    fn each_number_is_checked_against_the_domains_limits() {
        let form = PolicyForm {
            max_installments: "521".into(),
            grace_days: "a week".into(),
            missed_to_break: "0".into(),
            ..good()
        };
        let shown: Vec<(&str, String)> = problems(&form)
            .0
            .into_iter()
            .map(|e| (e.field, e.message))
            .collect();
        assert_eq!(
            shown,
            [
                (
                    "max_installments",
                    "Enter a whole number from 1 to 520".into()
                ),
                ("grace_days", "Enter a whole number from 0 to 60".into()),
                (
                    "missed_to_break",
                    "Enter a whole number from 1 to 12".into()
                ),
            ]
        );
    }

    #[test]
    fn no_way_to_pay_is_shown_with_the_other_problems() {
        let form = PolicyForm {
            weekly: String::new(),
            fortnightly: String::new(),
            four_weekly: String::new(),
            monthly: String::new(),
            max_duration_days: "0".into(),
            ..good()
        };
        let problems = problems(&form);
        assert_eq!(
            problems.on("weekly").as_deref(),
            Some("Choose at least one way to pay")
        );
        assert!(problems.on("max_duration_days").is_some());
    }

    #[test]
    fn the_summary_lists_problems_in_the_pages_order() {
        let form = PolicyForm {
            min_installment: "ten".into(),
            max_deferral_days: "400".into(),
            ..good()
        };
        let fields: Vec<&str> = problems(&form).0.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["min_installment", "max_deferral_days"]);
    }

    #[test]
    fn the_smallest_payment_is_money_in_the_creditors_currency() {
        let form = PolicyForm {
            min_installment: "€10".into(),
            ..good()
        };
        assert!(problems(&form).on("min_installment").is_some());
        let form = PolicyForm {
            min_installment: String::new(),
            ..good()
        };
        assert_eq!(
            problems(&form).on("min_installment").as_deref(),
            Some("Enter the smallest payment, like 10.00")
        );
    }
}
