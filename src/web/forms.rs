//! What every form shares: the list of problems that feeds the error summary and the message
//! next to each field, the bridge from `validator`'s errors and the domain's [`Invalid`] to
//! that list, and readers for dates (three boxes), counts and money.
//!
//! Every form works the same way: a serde struct of the raw strings (kept so the page can show
//! what was typed) derives `validator::Validate` for the rules of single fields; it is then
//! turned into a domain type whose constructor checks the rules between fields. Any problem
//! from either step re-renders the form with HTTP 400 and saves nothing.
use std::borrow::Cow;
use std::ops::RangeInclusive;

use chrono::NaiveDate;
use validator::{ValidationError, ValidationErrors, ValidationErrorsKind};

use crate::domain::{Currency, Invalid, Money, MoneyError};
pub use crate::web::pages::FieldError;

/// Field errors collected while reading a form, in the order the page shows the fields.
#[derive(Default, Debug)]
pub struct Problems(pub Vec<FieldError>);

impl Problems {
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push(FieldError {
            field,
            message: message.into(),
        });
    }

    /// The message to show next to `field`, if it has one.
    pub fn on(&self, field: &str) -> Option<String> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.clone())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The list the error summary shows.
    pub fn summary(&self) -> Vec<FieldError> {
        self.0.clone()
    }

    /// Adds what a domain constructor refused, field by field.
    pub fn add_invalid(&mut self, invalid: Invalid) {
        for problem in invalid.0 {
            self.add(problem.field, problem.message);
        }
    }

    /// Adds `validator`'s errors, one message per field, in the order of `fields` (each the
    /// struct field's name and the id of the input the summary links to). A struct-level
    /// (`schema`) rule names its input's id in the error's code.
    pub fn add_validation(&mut self, errors: &ValidationErrors, fields: &[FormField]) {
        let by_field = errors.errors();
        for field in fields {
            let mut found: Vec<&ValidationError> = Vec::new();
            if let Some(ValidationErrorsKind::Field(list)) = by_field.get(field.name) {
                found.extend(list);
            }
            if let Some(ValidationErrorsKind::Field(list)) = by_field.get("__all__") {
                found.extend(list.iter().filter(|e| e.code == field.id));
            }
            if let Some(error) = found.first() {
                self.add(field.id, message_of(error));
            }
        }
        self.add_unlisted(errors, fields);
    }

    /// A rule on a field the caller forgot to list (or a struct-level rule naming an id the
    /// form does not have) must still stop the form: its message goes last, rather than being
    /// lost.
    fn add_unlisted(&mut self, errors: &ValidationErrors, fields: &[FormField]) {
        let static_id = |name: &Cow<'static, str>| match name {
            Cow::Borrowed(name) => *name,
            Cow::Owned(_) => "",
        };
        for (name, kind) in errors.errors() {
            let ValidationErrorsKind::Field(list) = kind else {
                continue;
            };
            if name == "__all__" {
                let unclaimed = list
                    .iter()
                    .filter(|e| !fields.iter().any(|f| f.id == e.code));
                for error in unclaimed {
                    self.add(static_id(&error.code), message_of(error));
                }
            } else if !fields.iter().any(|f| f.name == name.as_ref())
                && let Some(error) = list.first()
            {
                self.add(static_id(name), message_of(error));
            }
        }
    }

    /// Puts the problems in the order of `fields`, the page's order, so the error summary
    /// reads top to bottom whichever step found each one. Unlisted ids go last.
    pub fn sort_by_fields(&mut self, fields: &[FormField]) {
        let position = |id: &str| fields.iter().position(|f| f.id == id).unwrap_or(usize::MAX);
        self.0.sort_by_key(|error| position(error.field));
    }

    /// Problems from `validator` alone; see [`Problems::add_validation`].
    pub fn from_validation(result: Result<(), ValidationErrors>, fields: &[FormField]) -> Self {
        let mut problems = Self::default();
        if let Err(errors) = result {
            problems.add_validation(&errors, fields);
        }
        problems
    }
}

/// One field of a form: its name in the struct (and in `validator`'s errors) and the id of the
/// input on the page. They differ for dates, whose error links to the day box ("from-day").
#[derive(Clone, Copy, Debug)]
pub struct FormField {
    pub name: &'static str,
    pub id: &'static str,
}

/// A field whose input id is its name.
pub const fn field(name: &'static str) -> FormField {
    FormField { name, id: name }
}

fn message_of(error: &ValidationError) -> String {
    error
        .message
        .as_ref()
        .map_or_else(|| "Check this answer".to_string(), |m| m.to_string())
}

/// A `validator` error carrying the message to show.
pub fn refusal(message: impl Into<Cow<'static, str>>) -> ValidationError {
    ValidationError::new("invalid").with_message(message.into())
}

/// A struct-level `validator` error shown next to the input with id `field`.
pub fn refusal_on(field: &'static str, message: impl Into<Cow<'static, str>>) -> ValidationError {
    ValidationError::new(field).with_message(message.into())
}

// ---- Dates ----

/// Reads a date typed as three boxes (day, month, year), with a message fit to show next to
/// the field when it is not a real date. Years outside 2000 to 2200 are typing slips.
pub fn parse_date(day: &str, month: &str, year: &str) -> Result<NaiveDate, &'static str> {
    let (day, month, year) = (day.trim(), month.trim(), year.trim());
    if day.is_empty() && month.is_empty() && year.is_empty() {
        return Err("Enter a date");
    }
    let number = |text: &str, digits: usize| {
        (text.len() <= digits && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse::<u32>().ok())
            .flatten()
    };
    match (number(day, 2), number(month, 2), number(year, 4)) {
        (Some(d), Some(m), Some(y)) if (2000..=2200).contains(&y) => {
            NaiveDate::from_ymd_opt(y as i32, m, d).ok_or("Enter a real date, like 27 3 2027")
        }
        _ => Err("Enter a real date, like 27 3 2027"),
    }
}

/// The one date reader every form uses: adds the message under `field` (the day box's id)
/// when the date cannot be read. `missing` is what to say when all three boxes are empty.
pub fn read_date(
    parts: (&str, &str, &str),
    field: &'static str,
    missing: &'static str,
    problems: &mut Problems,
) -> Option<NaiveDate> {
    date_or_error(parts, field, missing)
        .map_err(|error| problems.0.push(error))
        .ok()
}

/// [`read_date`] for a form that gathers its errors itself.
pub fn date_or_error(
    (day, month, year): (&str, &str, &str),
    field: &'static str,
    missing: &'static str,
) -> Result<NaiveDate, FieldError> {
    parse_date(day, month, year).map_err(|message| FieldError {
        field,
        message: if message == "Enter a date" {
            missing
        } else {
            message
        }
        .to_string(),
    })
}

/// True when all three boxes of an optional date were left empty.
pub fn date_is_blank(parts: (&str, &str, &str)) -> bool {
    [parts.0, parts.1, parts.2]
        .iter()
        .all(|part| part.trim().is_empty())
}

// ---- Counts ----

/// Reads a whole number of payments.
pub fn parse_count(text: &str) -> Result<u32, &'static str> {
    match text.trim().parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ if text.trim().is_empty() => Err("Enter how many payments you want to make"),
        _ => Err("Enter the number of payments as a whole number, like 6"),
    }
}

/// Reads a whole number that has to be within `range`; the message says the range.
pub fn parse_count_in(text: &str, range: &RangeInclusive<u32>) -> Result<u32, String> {
    text.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| crate::domain::invalid::range_message(range))
}

/// A `validator` rule: a whole number within `range`.
pub fn count_in(text: &str, range: &RangeInclusive<u32>) -> Result<(), ValidationError> {
    parse_count_in(text, range).map(|_| ()).map_err(refusal)
}

// ---- Money ----

/// Reads an amount in `currency`; zero is allowed only where it means "none". The message
/// says which currency when someone typed another ("€10" for a creditor in pounds), naming
/// `whose` currency it is ("Northwind Utilities", "this discount").
pub fn read_money(
    typed: &str,
    currency: Currency,
    whose: &str,
    zero_allowed: bool,
    field: &'static str,
    problems: &mut Problems,
) -> Option<Money> {
    let message = match Money::parse(typed, currency) {
        Ok(money) if money.is_zero() && !zero_allowed => "Enter an amount more than zero".into(),
        Ok(money) => match money.to_minor() {
            Ok(_) => return Some(money),
            Err(e) => e.to_string(),
        },
        Err(MoneyError::Negative) => {
            "Enter an amount of zero or more, without a minus sign".to_string()
        }
        Err(e) => match other_currency_typed(typed, currency) {
            Some(other) => format!(
                "Enter the amount in {}, the currency of {whose}, not {}",
                currency.code(),
                other.code()
            ),
            None => e.to_string(),
        },
    };
    problems.add(field, message);
    None
}

/// The currency someone typed instead of the expected one, as in "€10" for a creditor in
/// pounds.
fn other_currency_typed(typed: &str, expected: Currency) -> Option<Currency> {
    let upper = typed.to_uppercase();
    Currency::all()
        .filter(|c| *c != expected)
        .filter(|c| c.symbol().is_some_and(|s| typed.contains(s)) || upper.contains(c.code()))
        .find(|c| Money::parse(typed, *c).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use validator::Validate;

    #[test]
    fn dates_are_read_from_three_boxes() {
        assert_eq!(
            parse_date("1", "12", "2026"),
            NaiveDate::from_ymd_opt(2026, 12, 1).ok_or("")
        );
        assert_eq!(parse_date("", "", ""), Err("Enter a date"));
        assert_eq!(
            parse_date("31", "2", "2027"),
            Err("Enter a real date, like 27 3 2027")
        );
        assert!(parse_date("x", "2", "2027").is_err());
        assert!(parse_date("1", "2", "27").is_err());
        assert!(parse_date("1", "", "2027").is_err());
    }

    #[test]
    fn an_empty_date_gets_the_forms_own_words() {
        let mut problems = Problems::default();
        let read = read_date(("", " ", ""), "until-day", "Enter the date", &mut problems);
        assert_eq!(read, None);
        assert_eq!(problems.on("until-day").as_deref(), Some("Enter the date"));
    }

    #[test]
    fn counts_are_whole_positive_numbers() {
        assert_eq!(parse_count(" 6 "), Ok(6));
        assert!(parse_count("0").is_err());
        assert!(parse_count("2.5").is_err());
        assert_eq!(
            parse_count(""),
            Err("Enter how many payments you want to make")
        );
        assert_eq!(parse_count_in("12", &(1..=520)), Ok(12));
        assert_eq!(
            parse_count_in("521", &(1..=520)),
            Err("Enter a whole number from 1 to 520".to_string())
        );
    }

    #[test]
    fn money_in_another_currency_is_named() {
        let mut problems = Problems::default();
        let read = read_money(
            "€10",
            Currency::GBP,
            "Northwind",
            false,
            "fixed",
            &mut problems,
        );
        assert_eq!(read, None);
        assert_eq!(
            problems.on("fixed").as_deref(),
            Some("Enter the amount in GBP, the currency of Northwind, not EUR")
        );
        let mut problems = Problems::default();
        assert_eq!(
            read_money("0", Currency::GBP, "x", false, "fixed", &mut problems),
            None
        );
        assert_eq!(
            read_money("0", Currency::GBP, "x", true, "min", &mut problems),
            Some(Money::zero(Currency::GBP))
        );
    }

    #[derive(Validate)]
    #[validate(schema(function = "one_box_ticked", skip_on_field_errors = false))]
    struct Example {
        #[validate(length(min = 1, message = "Enter a name"))]
        name: String,
        #[validate(custom(function = "small_count"))]
        count: String,
        ticked: bool,
    }

    fn small_count(text: &str) -> Result<(), ValidationError> {
        count_in(text, &(1..=3))
    }

    fn one_box_ticked(form: &Example) -> Result<(), ValidationError> {
        if form.ticked {
            Ok(())
        } else {
            Err(refusal_on("ticked-box", "Tick the box"))
        }
    }

    #[test]
    fn a_rule_on_an_unlisted_field_still_stops_the_form() {
        let form = Example {
            name: String::new(),
            count: "2".into(),
            ticked: true,
        };
        let problems = Problems::from_validation(form.validate(), &[field("count")]);
        assert_eq!(problems.on("name").as_deref(), Some("Enter a name"));
        let unticked = Example {
            ticked: false,
            ..form
        };
        let problems = Problems::from_validation(unticked.validate(), &[field("name")]);
        assert_eq!(problems.on("ticked-box").as_deref(), Some("Tick the box"));
    }

    #[test]
    fn validator_errors_come_in_the_pages_order_with_their_ids() {
        let form = Example {
            name: String::new(),
            count: "9".into(),
            ticked: false,
        };
        let fields = [
            FormField {
                name: "ticked",
                id: "ticked-box",
            },
            field("name"),
            field("count"),
        ];
        let problems = Problems::from_validation(form.validate(), &fields);
        let shown: Vec<(&str, &str)> = problems
            .0
            .iter()
            .map(|e| (e.field, e.message.as_str()))
            .collect();
        assert_eq!(
            shown,
            [
                ("ticked-box", "Tick the box"),
                ("name", "Enter a name"),
                ("count", "Enter a whole number from 1 to 3"),
            ]
        );
    }
}

/// `?saved=1` after a form is saved (post, redirect, get): the page then says so.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct SavedQuery {
    saved: String,
}

impl SavedQuery {
    pub fn saved(&self) -> bool {
        !self.saved.is_empty()
    }
}
