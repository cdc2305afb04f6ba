//! An admin adds a creditor or changes one's details.
use std::str::FromStr;

use actix_web::{get, post, web};
use askama::Template;
use chrono::Utc;
use sea_orm::DatabaseConnection;

use crate::domain::Currency;
use crate::domain::inputs::EmailAddress;
use crate::services::admin::creditors::{self, CreditorDetails, CreditorRecord, CreditorSaveError};
use crate::web::auth::SignedInStaff;
use crate::web::csrf::CsrfToken;
use crate::web::forms::Problems;
use crate::web::errors::{AppError, PageResult};
use crate::web::pages::{self, Chrome, FieldError};

const MAX_NAME_CHARS: usize = 100;
const MAX_PHONE_CHARS: usize = 40;

#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
pub struct CreditorForm {
    name: String,
    display_name: String,
    currency: String,
    time_zone: String,
    contact_email: String,
    contact_phone: String,
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

fn text(
    value: &str,
    field: &'static str,
    max: usize,
    what: &str,
    problems: &mut Problems,
) -> String {
    let value = value.trim();
    if value.is_empty() {
        problems.add(field, format!("Enter the {what}"));
    } else if value.chars().count() > max {
        problems.add(
            field,
            format!("The {what} must be {max} characters or fewer"),
        );
    }
    value.to_string()
}

fn read_details(form: &CreditorForm, problems: &mut Problems) -> Option<CreditorDetails> {
    let name = text(&form.name, "name", MAX_NAME_CHARS, "name", problems);
    let display_name = text(
        &form.display_name,
        "display_name",
        MAX_NAME_CHARS,
        "name shown to people",
        problems,
    );
    let currency = if form.currency.trim().is_empty() {
        problems.add("currency", "Enter the currency, for example GBP");
        None
    } else {
        Currency::parse(&form.currency)
            .map_err(|_| {
                problems.add(
                    "currency",
                    "Enter a currency code we support, for example GBP, EUR or USD",
                )
            })
            .ok()
    };
    let time_zone = if form.time_zone.trim().is_empty() {
        problems.add(
            "time_zone",
            "Enter the time zone, for example Europe/London",
        );
        None
    } else {
        chrono_tz::Tz::from_str(form.time_zone.trim())
            .map_err(|_| {
                problems.add(
                    "time_zone",
                    "Enter a time zone name from the IANA list, for example Europe/London",
                )
            })
            .ok()
    };
    let contact_email = EmailAddress::parse(&form.contact_email)
        .map_err(|e| problems.add("contact_email", e.message()))
        .ok();
    let contact_phone = text(
        &form.contact_phone,
        "contact_phone",
        MAX_PHONE_CHARS,
        "contact phone number",
        problems,
    );
    if !problems.0.is_empty() {
        return None;
    }
    Some(CreditorDetails {
        name,
        display_name,
        currency: currency?,
        time_zone: time_zone?,
        contact_email: contact_email?,
        contact_phone,
    })
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
        self.errors = problems.0.clone();
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

#[get("/admin/creditors/new")]
pub async fn new_form(who: SignedInStaff, csrf: CsrfToken) -> PageResult {
    who.require_admin()?;
    Ok(pages::ok(&CreditorFormPage::new(
        &csrf.0,
        None,
        "Add a creditor".to_string(),
        &CreditorForm::default(),
    )))
}

#[post("/admin/creditors/new")]
pub async fn create(
    who: SignedInStaff,
    form: web::Form<CreditorForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    who.require_admin()?;
    let form = form.into_inner();
    let mut problems = Problems::default();
    let page = || CreditorFormPage::new(&csrf.0, None, "Add a creditor".to_string(), &form);
    let Some(details) = read_details(&form, &mut problems) else {
        return Ok(pages::invalid(&page().with_problems(problems)));
    };
    match creditors::create(&db, who.0.staff_id, &details, Utc::now()).await {
        Ok(id) => Ok(pages::see_other(&format!(
            "/admin/creditors/{id}/edit?saved=1"
        ))),
        Err(CreditorSaveError::NameTaken) => {
            problems.add("name", "Another creditor already has this name");
            Ok(pages::invalid(&page().with_problems(problems)))
        }
        Err(e) => Err(AppError::internal(e)),
    }
}

async fn existing(db: &DatabaseConnection, id: &str) -> Result<CreditorRecord, AppError> {
    let id: i32 = id.parse().map_err(|_| AppError::NotFound)?;
    creditors::record(db, id)
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct SavedQuery {
    saved: String,
}

#[get("/admin/creditors/{id}/edit")]
pub async fn edit_form(
    who: SignedInStaff,
    path: web::Path<String>,
    query: web::Query<SavedQuery>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    who.require_admin()?;
    let creditor = existing(&db, &path).await?;
    let mut page = CreditorFormPage::new(
        &csrf.0,
        Some(creditor.id),
        format!("Change {}", creditor.display_name),
        &CreditorForm::from_record(&creditor),
    );
    page.saved = !query.saved.is_empty();
    Ok(pages::ok(&page))
}

#[post("/admin/creditors/{id}/edit")]
pub async fn update(
    who: SignedInStaff,
    path: web::Path<String>,
    form: web::Form<CreditorForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    who.require_admin()?;
    let creditor = existing(&db, &path).await?;
    let form = form.into_inner();
    let mut problems = Problems::default();
    let title = format!("Change {}", creditor.display_name);
    let page = || CreditorFormPage::new(&csrf.0, Some(creditor.id), title.clone(), &form);
    let Some(details) = read_details(&form, &mut problems) else {
        return Ok(pages::invalid(&page().with_problems(problems)));
    };
    match creditors::update(&db, who.0.staff_id, creditor.id, &details, Utc::now()).await {
        Ok(()) => Ok(pages::see_other(&format!(
            "/admin/creditors/{}/edit?saved=1",
            creditor.id
        ))),
        Err(CreditorSaveError::NameTaken) => {
            problems.add("name", "Another creditor already has this name");
            Ok(pages::invalid(&page().with_problems(problems)))
        }
        Err(CreditorSaveError::NotFound) => Err(AppError::NotFound),
        Err(e) => Err(AppError::internal(e)),
    }
}
