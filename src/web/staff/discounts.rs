//! An admin lists, adds and changes early-payment discount rules, and previews what one
//! account's person would be offered. Creditor staff get "not found" on every page here.
use actix_web::{get, post, web};
use askama::Template;
use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::DatabaseConnection;

use super::discount_form::{DiscountForm, read_rule};
use crate::domain::discount::{DiscountAmount, DiscountDeadline};
use crate::domain::wording::full_date;
use crate::domain::{Currency, Money};
use crate::services::admin::creditor_list::{self, CreditorSummary};
use crate::services::admin::discount_rules::{self, PreviewLookup, StoredRule};
use crate::web::auth::SignedInStaff;
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
use crate::web::forms::Problems;
use crate::web::forms::SavedQuery;
use crate::web::pages::{self, Chrome, FieldError};

/// One rule as the list shows it.
pub struct RuleRow {
    pub id: i32,
    pub name: String,
    pub amount: String,
    pub deadline: String,
    pub creditors: String,
    pub min_balance: String,
    pub max_discount: String,
    pub active: String,
    pub enabled: bool,
}

fn percent_text(bp: u32) -> String {
    format!("{}%", Decimal::new(i64::from(bp), 2).normalize())
}

fn row_of(stored: &StoredRule, creditors: &[CreditorSummary]) -> RuleRow {
    let rule = &stored.rule;
    let currency = stored.currency.unwrap_or(Currency::GBP);
    let money = |minor: i64| Money::from_minor(minor, currency).to_string();
    RuleRow {
        id: rule.id,
        name: rule.name.clone(),
        amount: match &rule.amount {
            DiscountAmount::Percent(bp) => format!("{} off", percent_text(*bp)),
            DiscountAmount::Fixed(m) => format!("{m} off"),
        },
        deadline: match rule.deadline {
            DiscountDeadline::On(date) => format!("Pay by {}", full_date(date)),
            DiscountDeadline::DaysFromOffer(days) => {
                format!("Pay within {days} days of first seeing the offer")
            }
        },
        creditors: match rule.creditor_id {
            None => "All creditors".to_string(),
            Some(id) => creditors
                .iter()
                .find(|c| c.id == id)
                .map_or_else(|| format!("Creditor {id}"), |c| c.display_name.clone()),
        },
        min_balance: if rule.min_balance_minor == 0 {
            "None".to_string()
        } else {
            money(rule.min_balance_minor)
        },
        max_discount: rule
            .max_discount_minor
            .map_or_else(|| "No limit".to_string(), money),
        active: match rule.active_to {
            None => format!("From {}", pages::long_date(rule.active_from)),
            Some(to) => format!(
                "{} to {}",
                pages::long_date(rule.active_from),
                pages::long_date(to)
            ),
        },
        enabled: rule.enabled,
    }
}

async fn all_creditors(db: &DatabaseConnection) -> Result<Vec<CreditorSummary>, AppError> {
    creditor_list::list(db).await.map_err(AppError::internal)
}

#[derive(Template)]
#[template(path = "admin/discounts.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<RuleRow>,
    saved: bool,
}

#[get("/discounts")]
pub async fn list(
    query: web::Query<SavedQuery>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let creditors = all_creditors(&db).await?;
    let rules = discount_rules::list(db.get_ref())
        .await
        .map_err(AppError::internal)?;
    Ok(pages::ok(&ListPage {
        chrome: Chrome::staff(&csrf.0, true),
        rows: rules.iter().map(|r| row_of(r, &creditors)).collect(),
        saved: query.saved(),
    }))
}

#[derive(Template)]
#[template(path = "admin/discount_form.html")]
struct FormPage {
    chrome: Chrome,
    title: String,
    action: String,
    button: &'static str,
    creditors: Vec<CreditorSummary>,
    currencies: Vec<&'static str>,
    form: DiscountForm,
    errors: Vec<FieldError>,
    problems: Problems,
}

fn form_page(
    csrf: &str,
    title: String,
    action: String,
    creditors: Vec<CreditorSummary>,
    form: DiscountForm,
    problems: Problems,
) -> FormPage {
    FormPage {
        chrome: Chrome::staff(csrf, true),
        button: if action.ends_with("/new") {
            "Add discount"
        } else {
            "Save discount"
        },
        title,
        action,
        creditors,
        currencies: Currency::all().map(|c| c.code()).collect(),
        form,
        errors: problems.0.clone(),
        problems,
    }
}

const NEW_ACTION: &str = "/admin/discounts/new";

#[get("/discounts/new")]
pub async fn new_form(csrf: CsrfToken, db: web::Data<DatabaseConnection>) -> PageResult {
    let creditors = all_creditors(&db).await?;
    Ok(pages::ok(&form_page(
        &csrf.0,
        "Add a discount".into(),
        NEW_ACTION.into(),
        creditors,
        DiscountForm::blank(Utc::now().date_naive()),
        Problems::default(),
    )))
}

#[post("/discounts/new")]
pub async fn create(
    who: SignedInStaff,
    form: web::Form<DiscountForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let creditors = all_creditors(&db).await?;
    let form = form.into_inner();
    let now = Utc::now();
    let terms = match read_rule(&form, &creditors, now.date_naive(), None) {
        Ok(terms) => terms,
        Err(problems) => {
            return Ok(pages::invalid(&form_page(
                &csrf.0,
                "Add a discount".into(),
                NEW_ACTION.into(),
                creditors,
                form,
                problems,
            )));
        }
    };
    discount_rules::create(&db, who.0.staff_id, &terms, now)
        .await
        .map_err(AppError::internal)?;
    Ok(pages::see_other("/admin/discounts?saved=1"))
}

async fn rule_of(db: &DatabaseConnection, id: i32) -> Result<StoredRule, AppError> {
    discount_rules::find(db, id)
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)
}

#[get("/discounts/{id}")]
pub async fn edit_form(
    path: web::Path<i32>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let stored = rule_of(&db, *path).await?;
    let creditors = all_creditors(&db).await?;
    Ok(pages::ok(&form_page(
        &csrf.0,
        format!("Change the discount {}", stored.rule.name),
        format!("/admin/discounts/{}", stored.rule.id),
        creditors,
        DiscountForm::from_rule(&stored),
        Problems::default(),
    )))
}

#[post("/discounts/{id}")]
pub async fn update(
    who: SignedInStaff,
    path: web::Path<i32>,
    form: web::Form<DiscountForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let stored = rule_of(&db, *path).await?;
    let creditors = all_creditors(&db).await?;
    let form = form.into_inner();
    let now = Utc::now();
    let previous_deadline = match stored.rule.deadline {
        DiscountDeadline::On(date) => Some(date),
        DiscountDeadline::DaysFromOffer(_) => None,
    };
    let terms = match read_rule(&form, &creditors, now.date_naive(), previous_deadline) {
        Ok(terms) => terms,
        Err(problems) => {
            return Ok(pages::invalid(&form_page(
                &csrf.0,
                format!("Change the discount {}", stored.rule.name),
                format!("/admin/discounts/{}", stored.rule.id),
                creditors,
                form,
                problems,
            )));
        }
    };
    let found = discount_rules::update(&db, who.0.staff_id, stored.rule.id, &terms, now)
        .await
        .map_err(AppError::internal)?;
    if !found {
        return Err(AppError::NotFound);
    }
    Ok(pages::see_other("/admin/discounts?saved=1"))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct PreviewQuery {
    reference: String,
    creditor: String,
}

/// What the person would see, in the payment page's own words.
pub struct PreviewView {
    pub reference: String,
    pub creditor: String,
    pub balance: String,
    pub full_amount: String,
    pub saving: Option<String>,
    pub saving_until: Option<String>,
    pub rule_name: Option<String>,
    pub rule_id: Option<i32>,
}

#[derive(Template)]
#[template(path = "admin/discount_preview.html")]
struct PreviewPage {
    chrome: Chrome,
    reference: String,
    creditor: String,
    creditors: Vec<CreditorSummary>,
    today: String,
    preview: Option<PreviewView>,
    errors: Vec<FieldError>,
    problems: Problems,
}

impl PreviewPage {
    fn creditor_is(&self, id: &i32) -> bool {
        self.creditor == id.to_string()
    }
}

#[get("/discounts/preview")]
pub async fn preview(
    query: web::Query<PreviewQuery>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let creditors = all_creditors(&db).await?;
    let today = Utc::now().date_naive();
    let reference: String = query.reference.trim().chars().take(32).collect();
    let creditor = query.creditor.trim().to_string();
    let mut problems = Problems::default();
    let creditor_id = match creditor.as_str() {
        "" | "all" => None,
        typed => match typed.parse::<i32>() {
            Ok(id) if creditors.iter().any(|c| c.id == id) => Some(id),
            _ => {
                problems.add("creditor", "Choose a creditor from the list");
                None
            }
        },
    };
    let preview = if reference.is_empty() || !problems.0.is_empty() {
        None
    } else {
        look_up(&db, &reference, creditor_id, today, &mut problems).await?
    };
    let page = PreviewPage {
        chrome: Chrome::staff(&csrf.0, true),
        reference,
        creditor,
        creditors,
        today: full_date(today),
        preview,
        errors: problems.0.clone(),
        problems,
    };
    Ok(if page.errors.is_empty() {
        pages::ok(&page)
    } else {
        pages::invalid(&page)
    })
}

async fn look_up(
    db: &DatabaseConnection,
    reference: &str,
    creditor_id: Option<i32>,
    today: NaiveDate,
    problems: &mut Problems,
) -> Result<Option<PreviewView>, AppError> {
    let found = discount_rules::preview(db, reference, creditor_id, today)
        .await
        .map_err(AppError::internal)?;
    let shown = match found {
        PreviewLookup::Found(found) => found,
        PreviewLookup::NoSuchAccount => {
            problems.add(
                "reference",
                "We found no account with that reference. Check the reference and the creditor",
            );
            return Ok(None);
        }
        PreviewLookup::ChooseCreditor => {
            problems.add(
                "creditor",
                "More than one creditor uses this reference. Choose the creditor",
            );
            return Ok(None);
        }
    };
    let account = &shown.options.account;
    let offer = shown.options.offer;
    Ok(Some(PreviewView {
        reference: account.reference.clone(),
        creditor: account.creditor_name.clone(),
        balance: account.balance.to_string(),
        full_amount: offer.map_or(account.balance, |o| o.pay).to_string(),
        saving: offer.map(|o| o.discount.to_string()),
        saving_until: offer.map(|o| full_date(o.last_day)),
        rule_name: shown.rule_name.clone(),
        rule_id: offer.map(|o| o.rule_id),
    }))
}
