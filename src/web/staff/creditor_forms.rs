//! An admin adds a creditor or changes one's details.
use std::str::FromStr;

use actix_web::{get, post, web};
use askama::Template;
use chrono::Utc;
use sea_orm::DatabaseConnection;

use validator::{Validate, ValidationError};

use crate::domain::Currency;
use crate::domain::creditor::{self, CreditorDetails, CreditorDraft};
use crate::domain::inputs::EmailAddress;
use crate::services::admin::creditors::{self, CreditorRecord, CreditorSaveError};
use crate::web::auth::SignedInStaff;
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
use crate::web::forms::SavedQuery;
use crate::web::forms::{FormField, Problems, field, refusal};
use crate::web::pages::{self, Chrome, FieldError};

/// The creditor form as typed. `validator` checks each field, using the domain's own parsers
/// and limits; `CreditorDetails::new` then makes the details the service saves.
#[derive(serde::Deserialize, Default, Clone, Validate)]
#[serde(default)]
pub struct CreditorForm {
    #[validate(custom(function = "name"))]
    name: String,
    #[validate(custom(function = "display_name"))]
    display_name: String,
    #[validate(custom(function = "currency"))]
    currency: String,
    #[validate(custom(function = "time_zone"))]
    time_zone: String,
    #[validate(custom(function = "contact_email"))]
    contact_email: String,
    #[validate(custom(function = "contact_phone"))]
    contact_phone: String,
}

const FIELDS: [FormField; 6] = [
    field("name"),
    field("display_name"),
    field("currency"),
    field("time_zone"),
    field("contact_email"),
    field("contact_phone"),
];

fn text(value: &str, max_chars: usize, what: &str) -> Result<(), ValidationError> {
    match creditor::text_problem(value, max_chars, what) {
        Some(message) => Err(refusal(message)),
        None => Ok(()),
    }
}

fn name(value: &str) -> Result<(), ValidationError> {
    text(value, creditor::MAX_NAME_CHARS, "name")
}

fn display_name(value: &str) -> Result<(), ValidationError> {
    text(value, creditor::MAX_NAME_CHARS, "name shown to people")
}

fn contact_phone(value: &str) -> Result<(), ValidationError> {
    text(value, creditor::MAX_PHONE_CHARS, "contact phone number")
}

fn currency(value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        return Err(refusal("Enter the currency, for example GBP"));
    }
    Currency::parse(value)
        .map(|_| ())
        .map_err(|_| refusal("Enter a currency code we support, for example GBP, EUR or USD"))
}

fn time_zone(value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        return Err(refusal("Enter the time zone, for example Europe/London"));
    }
    chrono_tz::Tz::from_str(value.trim())
        .map(|_| ())
        .map_err(|_| {
            refusal("Enter a time zone name from the IANA list, for example Europe/London")
        })
}

fn contact_email(value: &str) -> Result<(), ValidationError> {
    EmailAddress::parse(value)
        .map(|_| ())
        .map_err(|e| refusal(e.message()))
}

impl CreditorForm {
    /// Reads the form into checked details, or every problem keyed by its field.
    fn read(&self) -> Result<CreditorDetails, Problems> {
        let mut problems = Problems::from_validation(self.validate(), &FIELDS);
        let parsed = (
            Currency::parse(&self.currency),
            chrono_tz::Tz::from_str(self.time_zone.trim()),
            EmailAddress::parse(&self.contact_email),
        );
        let (Ok(currency), Ok(time_zone), Ok(contact_email), true) =
            (parsed.0, parsed.1, parsed.2, problems.is_empty())
        else {
            return Err(problems);
        };
        CreditorDetails::new(CreditorDraft {
            name: self.name.clone(),
            display_name: self.display_name.clone(),
            currency,
            time_zone,
            contact_email,
            contact_phone: self.contact_phone.clone(),
        })
        .map_err(|invalid| {
            problems.add_invalid(invalid);
            problems
        })
    }
}

impl CreditorForm {
    fn from_record(c: &CreditorRecord) -> Self {
        Self {
            name: c.name.clone(),
            display_name: c.display_name.clone(),
            currency: c.currency.clone(),
            time_zone: c.time_zone.clone(),
            contact_email: c.contact_email.clone(),
            contact_phone: c.contact_phone.clone(),
        }
    }

    fn fields(&self) -> Vec<TextField> {
        let field = |name, label, hint, value: &String| TextField {
            name,
            label,
            hint,
            value: value.clone(),
        };
        vec![
            field(
                "name",
                "Name",
                "Used by staff and in the audit log. No two creditors can share a name.",
                &self.name,
            ),
            field(
                "display_name",
                "Name shown to people who owe money",
                "For example, Northwind Utilities",
                &self.display_name,
            ),
            field(
                "currency",
                "Currency",
                "A three-letter code, for example GBP, EUR or USD",
                &self.currency,
            ),
            field(
                "time_zone",
                "Time zone",
                "For example, Europe/London",
                &self.time_zone,
            ),
            field(
                "contact_email",
                "Contact email shown to people",
                "",
                &self.contact_email,
            ),
            field(
                "contact_phone",
                "Contact phone number shown to people",
                "",
                &self.contact_phone,
            ),
        ]
    }
}

pub struct TextField {
    pub name: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub value: String,
}

#[derive(Template)]
#[template(path = "admin/creditor_form.html")]
struct CreditorFormPage {
    chrome: Chrome,
    /// None when adding a new creditor.
    creditor_id: Option<i32>,
    title: String,
    fields: Vec<TextField>,
    errors: Vec<FieldError>,
    problems: Problems,
    saved: bool,
}

impl CreditorFormPage {
    fn new(csrf: &str, creditor_id: Option<i32>, title: String, form: &CreditorForm) -> Self {
        Self {
            chrome: Chrome::staff(csrf, true),
            creditor_id,
            title,
            fields: form.fields(),
            errors: Vec::new(),
            problems: Problems::default(),
            saved: false,
        }
    }

    fn with_problems(mut self, problems: Problems) -> Self {
        self.errors = problems.summary();
        self.problems = problems;
        self
    }
}

fn action_of(creditor_id: Option<i32>) -> String {
    match creditor_id {
        Some(id) => format!("/admin/creditors/{id}/edit"),
        None => "/admin/creditors/new".to_string(),
    }
}

impl CreditorFormPage {
    fn action(&self) -> String {
        action_of(self.creditor_id)
    }
}

#[get("/creditors/new")]
pub async fn new_form(csrf: CsrfToken) -> PageResult {
    Ok(pages::ok(&CreditorFormPage::new(
        &csrf.0,
        None,
        "Add a creditor".to_string(),
        &CreditorForm::default(),
    )))
}

#[post("/creditors/new")]
pub async fn create(
    who: SignedInStaff,
    form: web::Form<CreditorForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let form = form.into_inner();
    let page = || CreditorFormPage::new(&csrf.0, None, "Add a creditor".to_string(), &form);
    let details = match form.read() {
        Ok(details) => details,
        Err(problems) => return Ok(pages::invalid(&page().with_problems(problems))),
    };
    match creditors::create(&db, who.0.staff_id, &details, Utc::now()).await {
        Ok(id) => Ok(pages::see_other(&format!(
            "/admin/creditors/{id}/edit?saved=1"
        ))),
        Err(CreditorSaveError::NameTaken) => {
            let mut problems = Problems::default();
            problems.add("name", "Another creditor already has this name");
            Ok(pages::invalid(&page().with_problems(problems)))
        }
        Err(e) => Err(AppError::internal(e)),
    }
}

async fn existing(db: &DatabaseConnection, id: i32) -> Result<CreditorRecord, AppError> {
    creditors::record(db, id)
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)
}

#[get("/creditors/{id}/edit")]
pub async fn edit_form(
    path: web::Path<i32>,
    query: web::Query<SavedQuery>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let creditor = existing(&db, *path).await?;
    let mut page = CreditorFormPage::new(
        &csrf.0,
        Some(creditor.id),
        format!("Change {}", creditor.display_name),
        &CreditorForm::from_record(&creditor),
    );
    page.saved = query.saved();
    Ok(pages::ok(&page))
}

#[post("/creditors/{id}/edit")]
pub async fn update(
    who: SignedInStaff,
    path: web::Path<i32>,
    form: web::Form<CreditorForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let creditor = existing(&db, *path).await?;
    let form = form.into_inner();
    let title = format!("Change {}", creditor.display_name);
    let page = || CreditorFormPage::new(&csrf.0, Some(creditor.id), title.clone(), &form);
    let details = match form.read() {
        Ok(details) => details,
        Err(problems) => return Ok(pages::invalid(&page().with_problems(problems))),
    };
    match creditors::update(&db, who.0.staff_id, creditor.id, &details, Utc::now()).await {
        Ok(()) => Ok(pages::see_other(&format!(
            "/admin/creditors/{}/edit?saved=1",
            creditor.id
        ))),
        Err(CreditorSaveError::NameTaken) => {
            let mut problems = Problems::default();
            problems.add("name", "Another creditor already has this name");
            Ok(pages::invalid(&page().with_problems(problems)))
        }
        Err(CreditorSaveError::NotFound) => Err(AppError::NotFound),
        Err(e) => Err(AppError::internal(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> CreditorForm {
        CreditorForm {
            name: "contoso".into(),
            display_name: "Contoso Water".into(),
            currency: "EUR".into(),
            time_zone: "Europe/Dublin".into(),
            contact_email: "help@contoso.example".into(),
            contact_phone: "01 000 0000".into(),
        }
    }

    #[test]
    fn a_good_form_makes_checked_details() {
        let details = good().read().ok();
        assert_eq!(details.as_ref().map(|d| d.currency()), Some(Currency::EUR));
        assert_eq!(
            details.map(|d| d.time_zone()),
            Some(chrono_tz::Europe::Dublin)
        );
    }

    #[test]
    fn each_field_is_checked_with_the_domains_parsers() {
        let form = CreditorForm {
            name: " ".into(),
            currency: "XYZ".into(),
            time_zone: "Mars/Olympus_Mons".into(),
            contact_email: "not-an-email".into(),
            ..good()
        };
        let problems = form.read().err().unwrap_or_default();
        let fields: Vec<&str> = problems.0.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["name", "currency", "time_zone", "contact_email"]);
        assert_eq!(problems.on("name").as_deref(), Some("Enter the name"));
    }
}
