//! An admin edits a creditor's reminder cadence: when reminders go out around each payment.
use actix_web::{get, post, web};
use askama::Template;
use sea_orm::DatabaseConnection;
use validator::{Validate, ValidationError};

use crate::clock::Clock;
use crate::domain::cadence::ReminderCadence;
use crate::services::admin::creditor_list::{self, CreditorSummary};
use crate::services::contact::cadence;
use crate::web::auth::SignedInStaff;
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
use crate::web::forms::SavedQuery;
use crate::web::forms::{FormField, Problems, count_in, field};
use crate::web::pages::{self, Chrome, FieldError};

/// The cadence form as typed. `validator` checks each figure on its own (a whole number in
/// its range); `ReminderCadence::new` then has the last word.
#[derive(serde::Deserialize, Default, Clone, Validate)]
#[serde(default)]
pub struct CadenceForm {
    #[validate(custom(function = "days_before"))]
    days_before: String,
    #[validate(custom(function = "days_after_miss"))]
    days_after_miss: String,
    #[validate(custom(function = "max_per_installment"))]
    max_per_installment: String,
}

/// The fields in the order the page shows them.
const FIELDS: [FormField; 3] = [
    field("days_before"),
    field("days_after_miss"),
    field("max_per_installment"),
];

fn days_before(text: &str) -> Result<(), ValidationError> {
    count_in(text, &ReminderCadence::DAYS_BEFORE)
}

fn days_after_miss(text: &str) -> Result<(), ValidationError> {
    count_in(text, &ReminderCadence::DAYS_AFTER_MISS)
}

fn max_per_installment(text: &str) -> Result<(), ValidationError> {
    count_in(text, &ReminderCadence::PER_INSTALLMENT)
}

/// One number on the page, with its label and hint.
pub struct CadenceField {
    pub name: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub value: String,
}

impl CadenceForm {
    fn from_cadence(cadence: &ReminderCadence) -> Self {
        Self {
            days_before: cadence.days_before().to_string(),
            days_after_miss: cadence.days_after_miss().to_string(),
            max_per_installment: cadence.max_per_installment().to_string(),
        }
    }

    /// Reads the form into a cadence; every problem is keyed by its field.
    fn read(&self) -> Result<ReminderCadence, Problems> {
        let mut problems = Problems::from_validation(self.validate(), &FIELDS);
        if !problems.is_empty() {
            return Err(problems);
        }
        let count = |text: &str| text.trim().parse::<u32>().unwrap_or(u32::MAX);
        ReminderCadence::new(
            count(&self.days_before),
            count(&self.days_after_miss),
            count(&self.max_per_installment),
        )
        .map_err(|invalid| {
            problems.add_invalid(invalid);
            problems
        })
    }

    /// The numbers, in the order the page shows them, with what was typed.
    fn fields(&self) -> Vec<CadenceField> {
        vec![
            CadenceField {
                name: "days_before",
                label: "Days before a payment to send a reminder",
                hint: "From 0 to 14. 0 means no reminder before a payment.",
                value: self.days_before.clone(),
            },
            CadenceField {
                name: "days_after_miss",
                label: "Days after a missed payment to follow up",
                hint: "From 1 to 14.",
                value: self.days_after_miss.clone(),
            },
            CadenceField {
                name: "max_per_installment",
                label: "Most reminders about one payment",
                hint: "From 0 to 3. 0 means no reminders about payments at all.",
                value: self.max_per_installment.clone(),
            },
        ]
    }
}

#[derive(Template)]
#[template(path = "admin/cadence.html")]
struct CadencePage {
    chrome: Chrome,
    creditor: CreditorSummary,
    fields: Vec<CadenceField>,
    errors: Vec<FieldError>,
    problems: Problems,
    saved: bool,
}

async fn creditor_of(db: &DatabaseConnection, id: i32) -> Result<CreditorSummary, AppError> {
    creditor_list::find(db, id)
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)
}

#[get("/creditors/{id}/cadence")]
pub async fn edit(
    path: web::Path<i32>,
    query: web::Query<SavedQuery>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let creditor = creditor_of(&db, *path).await?;
    let cadence = cadence::for_creditor(db.get_ref(), creditor.id)
        .await
        .map_err(AppError::internal)?;
    Ok(pages::ok(&CadencePage {
        chrome: Chrome::staff(&csrf.0, true),
        creditor,
        fields: CadenceForm::from_cadence(&cadence).fields(),
        errors: Vec::new(),
        problems: Problems::default(),
        saved: query.saved(),
    }))
}

#[post("/creditors/{id}/cadence")]
pub async fn save(
    who: SignedInStaff,
    path: web::Path<i32>,
    form: web::Form<CadenceForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    clock: web::Data<Clock>,
) -> PageResult {
    let creditor = creditor_of(&db, *path).await?;
    let cadence = match form.read() {
        Ok(cadence) => cadence,
        Err(problems) => {
            return Ok(pages::invalid(&CadencePage {
                chrome: Chrome::staff(&csrf.0, true),
                creditor,
                fields: form.fields(),
                errors: problems.summary(),
                problems,
                saved: false,
            }));
        }
    };
    cadence::update_by_admin(&db, who.0.staff_id, creditor.id, &cadence, clock.now())
        .await
        .map_err(AppError::internal)?;
    Ok(pages::see_other(&format!(
        "/admin/creditors/{}/cadence?saved=1",
        creditor.id
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(before: &str, after: &str, most: &str) -> CadenceForm {
        CadenceForm {
            days_before: before.into(),
            days_after_miss: after.into(),
            max_per_installment: most.into(),
        }
    }

    #[test]
    fn the_default_cadence_reads_back_as_itself() {
        let default = ReminderCadence::default();
        assert_eq!(
            CadenceForm::from_cadence(&default).read().ok(),
            Some(default)
        );
    }

    #[test]
    fn each_figure_outside_its_range_gets_its_own_message_in_page_order() {
        let problems = form("15", "a week", "-1").read().unwrap_err();
        let shown: Vec<(&str, String)> = problems
            .0
            .into_iter()
            .map(|e| (e.field, e.message))
            .collect();
        assert_eq!(
            shown,
            [
                ("days_before", "Enter a whole number from 0 to 14".into()),
                (
                    "days_after_miss",
                    "Enter a whole number from 1 to 14".into()
                ),
                (
                    "max_per_installment",
                    "Enter a whole number from 0 to 3".into()
                ),
            ]
        );
    }
}
