//! The contact preferences page: whether and when one creditor sends reminders. Kept per
//! debtor row, so the page names the creditor whose reminders it is about.
use actix_web::{get, post, web};
use askama::Template;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use validator::{Validate, ValidationError};

use crate::clock::Clock;
use crate::domain::contact::{ContactPreferences, TimeOfDay};
use crate::domain::contact_choices::{PAUSE_DAYS, PAYDAYS, PauseChoice, PreferenceChoices};
use crate::domain::wording::full_date;
use crate::services::contact::preferences::{self, ContactSettings};
use crate::web::auth::SignedInDebtor;
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
use crate::web::forms::{FormField, Problems, parse_count_in, refusal, refusal_on};
use crate::web::pages::{self, Chrome, FieldError};

const PAGE: &str = "/account/contact";

/// The form as typed. `validator` checks each answer on its own; `ContactPreferences::choose`
/// then checks them together (a payday is needed only for payday reminders).
#[derive(serde::Deserialize, Default, Clone, Validate)]
#[serde(default)]
#[validate(schema(function = "a_real_payday", skip_on_field_errors = false))]
pub struct ContactForm {
    #[validate(custom(function = "on_or_off"))]
    reminders: String,
    #[validate(custom(function = "a_time_of_day"))]
    time_of_day: String,
    payday_only: String,
    payday: String,
    /// "start", "end", or empty (leave the pause as it is).
    pause: String,
}

/// The fields in the order the page shows them, with the id each error links to.
const FIELDS: [FormField; 3] = [
    FormField {
        name: "reminders",
        id: "reminders-on",
    },
    FormField {
        name: "time_of_day",
        id: "time-any",
    },
    FormField {
        name: "payday",
        id: "payday",
    },
];

const PAYDAY_MESSAGE: &str = "Enter the day of the month your pay arrives, a number from 1 to 31";

fn on_or_off(text: &str) -> Result<(), ValidationError> {
    match text {
        "on" | "off" => Ok(()),
        _ => Err(refusal("Choose whether you want reminders by email")),
    }
}

fn a_time_of_day(text: &str) -> Result<(), ValidationError> {
    TimeOfDay::parse(text)
        .map(|_| ())
        .ok_or_else(|| refusal("Choose a time of day for reminders"))
}

/// A payday typed for payday reminders has to be a day of the month; a blank one is the
/// domain's to refuse, as a rule between two answers.
fn a_real_payday(form: &ContactForm) -> Result<(), ValidationError> {
    if form.payday_only() && !form.payday.trim().is_empty() && form.payday_number().is_none() {
        return Err(refusal_on("payday", PAYDAY_MESSAGE));
    }
    Ok(())
}

impl ContactForm {
    fn from_preferences(saved: &ContactPreferences) -> Self {
        Self {
            reminders: if saved.reminders_by_email {
                "on"
            } else {
                "off"
            }
            .to_string(),
            time_of_day: saved.time_of_day.as_str().to_string(),
            payday_only: if saved.payday.is_some() { "on" } else { "" }.to_string(),
            payday: saved.payday.map(|d| d.to_string()).unwrap_or_default(),
            pause: String::new(),
        }
    }

    fn payday_only(&self) -> bool {
        !self.payday_only.is_empty()
    }

    fn payday_number(&self) -> Option<u32> {
        parse_count_in(&self.payday, &PAYDAYS).ok()
    }

    fn pause_choice(&self) -> PauseChoice {
        match self.pause.as_str() {
            "start" => PauseChoice::Start,
            "end" => PauseChoice::End,
            _ => PauseChoice::Keep,
        }
    }

    /// For the template: is this the chosen time of day?
    fn time_is(&self, option: &str) -> bool {
        self.time_of_day == option
    }

    /// Reads the form into preferences, or every problem keyed by its field.
    fn read(
        &self,
        current_pause: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<ContactPreferences, Problems> {
        let problems = Problems::from_validation(self.validate(), &FIELDS);
        let time_of_day = TimeOfDay::parse(&self.time_of_day);
        let (true, Some(time_of_day)) = (problems.is_empty(), time_of_day) else {
            return Err(problems);
        };
        let choices = PreferenceChoices {
            reminders_by_email: self.reminders == "on",
            time_of_day,
            payday_only: self.payday_only(),
            payday: self.payday_number(),
            pause: self.pause_choice(),
        };
        ContactPreferences::choose(choices, current_pause, now).map_err(|invalid| {
            let mut problems = Problems::default();
            problems.add_invalid(invalid);
            problems
        })
    }
}

/// One choice of time of day, as the page lists them.
struct TimeOption {
    value: &'static str,
    id: &'static str,
    label: &'static str,
}

const TIME_OPTIONS: [TimeOption; 4] = [
    TimeOption {
        value: "any",
        id: "time-any",
        label: "Any time from 8am to 9pm",
    },
    TimeOption {
        value: "morning",
        id: "time-morning",
        label: "Morning, 8am to 12 noon",
    },
    TimeOption {
        value: "afternoon",
        id: "time-afternoon",
        label: "Afternoon, 12 noon to 5pm",
    },
    TimeOption {
        value: "evening",
        id: "time-evening",
        label: "Evening, 5pm to 9pm",
    },
];

#[derive(Template)]
#[template(path = "debtor/contact.html")]
struct ContactPage {
    chrome: Chrome,
    creditor: String,
    form: ContactForm,
    times: &'static [TimeOption],
    /// "Thursday 17 December 2026", while a pause runs.
    paused_until: Option<String>,
    pause_days: i64,
    saved: bool,
    errors: Vec<FieldError>,
    problems: Problems,
}

impl ContactPage {
    fn new(csrf: &str, settings: &ContactSettings, form: ContactForm, now: DateTime<Utc>) -> Self {
        Self {
            chrome: Chrome::debtor(csrf),
            creditor: settings.creditor_name.clone(),
            form,
            times: &TIME_OPTIONS,
            paused_until: pause_end(settings, now),
            pause_days: PAUSE_DAYS,
            saved: false,
            errors: Vec::new(),
            problems: Problems::default(),
        }
    }
}

/// The day a running pause ends, in the person's own time zone.
fn pause_end(settings: &ContactSettings, now: DateTime<Utc>) -> Option<String> {
    let until = settings.preferences.paused_until.filter(|u| *u > now)?;
    let day = match settings.time_zone.parse::<chrono_tz::Tz>() {
        Ok(zone) => until.with_timezone(&zone).date_naive(),
        Err(_) => until.date_naive(),
    };
    Some(full_date(day))
}

async fn settings_of(db: &DatabaseConnection, debtor_id: i32) -> Result<ContactSettings, AppError> {
    preferences::settings(db, debtor_id)
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct Shown {
    saved: Option<String>,
}

#[get("/account/contact")]
pub async fn show(
    who: SignedInDebtor,
    shown: web::Query<Shown>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    clock: web::Data<Clock>,
) -> PageResult {
    let settings = settings_of(&db, who.0.debtor_id).await?;
    let form = ContactForm::from_preferences(&settings.preferences);
    let mut page = ContactPage::new(&csrf.0, &settings, form, clock.now());
    page.saved = shown.saved.is_some();
    Ok(pages::ok(&page))
}

#[post("/account/contact")]
pub async fn save(
    who: SignedInDebtor,
    form: web::Form<ContactForm>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    clock: web::Data<Clock>,
) -> PageResult {
    let now = clock.now();
    let settings = settings_of(&db, who.0.debtor_id).await?;
    let form = form.into_inner();
    match form.read(settings.preferences.paused_until, now) {
        Ok(chosen) => {
            preferences::save(&db, &settings, &chosen, now)
                .await
                .map_err(AppError::internal)?;
            Ok(pages::see_other(&format!("{PAGE}?saved=1")))
        }
        Err(problems) => {
            let mut page = ContactPage::new(&csrf.0, &settings, form, now);
            page.errors = problems.summary();
            page.problems = problems;
            Ok(pages::invalid(&page))
        }
    }
}
