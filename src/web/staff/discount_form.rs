//! The discount rule form: its fields as typed, `validator`'s rules for each field, and
//! reading them into `DiscountTerms` (whose constructor checks the rules between fields) with
//! a message for each field that needs fixing.
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use validator::{Validate, ValidationError};

use crate::domain::discount::{
    DiscountAmount, DiscountDeadline, DiscountDraft, DiscountTerms, percent_to_basis_points,
};
use crate::domain::{Currency, Money};
use crate::services::admin::creditor_list::CreditorSummary;
use crate::services::admin::discount_rules::StoredRule;
use crate::web::forms::{
    FormField, Problems, date_is_blank, field, parse_count_in, read_date, read_money, refusal,
};

#[derive(serde::Deserialize, Default, Clone, Debug, Validate)]
#[serde(default)]
pub struct DiscountForm {
    #[validate(custom(function = "name_fits"))]
    pub name: String,
    /// A creditor's id, or "all".
    pub creditor: String,
    /// "percent" or "fixed".
    #[validate(custom(function = "amount_kind"))]
    pub kind: String,
    /// Needed only for a percentage; checked when typed.
    #[validate(custom(function = "percent_if_typed"))]
    pub percent: String,
    pub fixed: String,
    /// Only needed for a rule for all creditors.
    pub currency: String,
    /// "date" or "days".
    #[validate(custom(function = "deadline_kind"))]
    pub deadline_kind: String,
    pub deadline_day: String,
    pub deadline_month: String,
    pub deadline_year: String,
    /// Needed only for "days"; checked when typed.
    #[validate(custom(function = "days_if_typed"))]
    pub days: String,
    pub min_balance: String,
    pub max_discount: String,
    pub from_day: String,
    pub from_month: String,
    pub from_year: String,
    pub to_day: String,
    pub to_month: String,
    pub to_year: String,
    pub enabled: String,
}

/// The fields in the order the page shows them; dates link to their day box.
const FIELDS: [FormField; 13] = [
    field("name"),
    field("creditor"),
    field("kind"),
    field("percent"),
    field("fixed"),
    field("currency"),
    field("deadline_kind"),
    FormField {
        name: "deadline_day",
        id: "deadline-day",
    },
    field("days"),
    field("min_balance"),
    field("max_discount"),
    FormField {
        name: "from_day",
        id: "from-day",
    },
    FormField {
        name: "to_day",
        id: "to-day",
    },
];

fn name_fits(name: &str) -> Result<(), ValidationError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(refusal("Enter a name for this discount"));
    }
    if name.chars().count() > DiscountTerms::MAX_NAME_CHARS {
        return Err(refusal("Enter a name of 120 characters or fewer"));
    }
    Ok(())
}

fn amount_kind(kind: &str) -> Result<(), ValidationError> {
    match kind {
        "percent" | "fixed" => Ok(()),
        _ => Err(refusal("Choose a percentage or a fixed amount")),
    }
}

fn deadline_kind(kind: &str) -> Result<(), ValidationError> {
    match kind {
        "date" | "days" => Ok(()),
        _ => Err(refusal("Choose when the offer ends")),
    }
}

fn percent_if_typed(typed: &str) -> Result<(), ValidationError> {
    if typed.trim().is_empty() {
        return Ok(());
    }
    parse_percent(typed).map(|_| ()).map_err(refusal)
}

fn days_if_typed(typed: &str) -> Result<(), ValidationError> {
    if typed.trim().is_empty() {
        return Ok(());
    }
    parse_count_in(typed, &DiscountTerms::DAYS_FROM_OFFER)
        .map(|_| ())
        .map_err(|_| refusal(DAYS_MESSAGE))
}

const DAYS_MESSAGE: &str = "Enter a whole number of days from 1 to 365";

/// A percentage as typed ("12.5", "10%") in basis points.
fn parse_percent(typed: &str) -> Result<u32, &'static str> {
    let typed = typed.trim().trim_end_matches('%').trim();
    if typed.is_empty() {
        return Err("Enter the percentage to take off, like 10");
    }
    let percent = Decimal::from_str(typed)
        .map_err(|_| "Enter the percentage as a number, like 10 or 12.5")?;
    if percent.normalize().scale() > 2 {
        return Err("Enter a percentage with no more than 2 decimal places, like 12.5");
    }
    percent_to_basis_points(percent).ok_or("Enter a percentage more than 0 and no more than 100")
}

fn date_parts(date: NaiveDate) -> (String, String, String) {
    (
        date.day().to_string(),
        date.month().to_string(),
        date.year().to_string(),
    )
}

fn typed_money(minor: i64, currency: Currency) -> String {
    Money::from_minor(minor, currency).amount().to_string()
}

impl DiscountForm {
    /// A blank form: a percentage, ending on a date, active from today, switched on.
    pub fn blank(today: NaiveDate) -> Self {
        let (from_day, from_month, from_year) = date_parts(today);
        Self {
            kind: "percent".into(),
            deadline_kind: "date".into(),
            from_day,
            from_month,
            from_year,
            enabled: "on".into(),
            ..Self::default()
        }
    }

    /// The form as a stored rule fills it in.
    pub fn from_rule(stored: &StoredRule) -> Self {
        let rule = &stored.rule;
        let currency = stored.currency.unwrap_or(Currency::GBP);
        let mut form = Self {
            name: rule.name.clone(),
            creditor: rule
                .creditor_id
                .map_or_else(|| "all".to_string(), |id| id.to_string()),
            currency: if rule.creditor_id.is_none() {
                stored
                    .currency
                    .map(|c| c.code().to_string())
                    .unwrap_or_default()
            } else {
                String::new()
            },
            min_balance: if rule.min_balance_minor == 0 {
                String::new()
            } else {
                typed_money(rule.min_balance_minor, currency)
            },
            max_discount: rule
                .max_discount_minor
                .map(|m| typed_money(m, currency))
                .unwrap_or_default(),
            enabled: if rule.enabled {
                "on".into()
            } else {
                String::new()
            },
            ..Self::default()
        };
        match &rule.amount {
            DiscountAmount::Percent(bp) => {
                form.kind = "percent".into();
                form.percent = Decimal::new(i64::from(*bp), 2).normalize().to_string();
            }
            DiscountAmount::Fixed(money) => {
                form.kind = "fixed".into();
                form.fixed = money.amount().to_string();
            }
        }
        match rule.deadline {
            DiscountDeadline::On(date) => {
                form.deadline_kind = "date".into();
                (form.deadline_day, form.deadline_month, form.deadline_year) = date_parts(date);
            }
            DiscountDeadline::DaysFromOffer(days) => {
                form.deadline_kind = "days".into();
                form.days = days.to_string();
            }
        }
        (form.from_day, form.from_month, form.from_year) = date_parts(rule.active_from);
        if let Some(to) = rule.active_to {
            (form.to_day, form.to_month, form.to_year) = date_parts(to);
        }
        form
    }

    pub fn creditor_is(&self, id: &i32) -> bool {
        self.creditor == id.to_string()
    }

    pub fn currency_is(&self, code: &str) -> bool {
        self.currency == code
    }

    pub fn is_enabled(&self) -> bool {
        !self.enabled.is_empty()
    }
}

/// Reads the form: `validator`'s field rules, then the creditor, currency, amounts and dates,
/// then `DiscountTerms::new` for the rules between fields. `kept_deadline` is the rule's
/// stored last day when editing. Problems come back in the page's order.
pub fn read_rule(
    form: &DiscountForm,
    creditors: &[CreditorSummary],
    today: NaiveDate,
    kept_deadline: Option<NaiveDate>,
) -> Result<DiscountTerms, Problems> {
    let mut problems = Problems::from_validation(form.validate(), &FIELDS);
    let draft = read_draft(form, creditors, &mut problems);
    let result = match draft {
        Some(draft) if problems.is_empty() => DiscountTerms::new(draft, today, kept_deadline)
            .map_err(|invalid| {
                problems.add_invalid(invalid);
                problems
            }),
        _ => Err(problems),
    };
    result.map_err(|mut problems| {
        problems.sort_by_fields(&FIELDS);
        problems
    })
}

/// The draft, when every part of it could be read; what could not is added to `problems`.
fn read_draft(
    form: &DiscountForm,
    creditors: &[CreditorSummary],
    problems: &mut Problems,
) -> Option<DiscountDraft> {
    let creditor = read_creditor(&form.creditor, creditors, problems);
    let currency = read_currency(form, creditor.as_ref(), problems);
    let amounts_in = |typed: &str, field, zero_allowed, problems: &mut Problems| {
        if typed.trim().is_empty() || problems.on(field).is_some() {
            return Some(None);
        }
        let (currency, whose) = needs_currency(currency.as_ref(), creditor.as_ref(), problems)?;
        read_money(typed, currency, &whose, zero_allowed, field, problems).map(Some)
    };
    let amount = match form.kind.as_str() {
        "percent" => parse_percent(&form.percent)
            .map_err(|message| {
                if problems.on("percent").is_none() {
                    problems.add("percent", message);
                }
            })
            .ok()
            .map(DiscountAmount::Percent),
        "fixed" if form.fixed.trim().is_empty() => {
            problems.add("fixed", "Enter the amount to take off, like 10.00");
            None
        }
        "fixed" => amounts_in(&form.fixed, "fixed", false, problems)
            .flatten()
            .map(DiscountAmount::Fixed),
        _ => None,
    };
    let deadline = read_deadline(form, problems);
    let min_balance = amounts_in(&form.min_balance, "min_balance", true, problems)
        .map(|min| min.filter(|m| !m.is_zero()));
    let max_discount = amounts_in(&form.max_discount, "max_discount", false, problems);
    let active_from = read_date(
        (&form.from_day, &form.from_month, &form.from_year),
        "from-day",
        "Enter the date the discount starts",
        problems,
    );
    let to = (
        form.to_day.as_str(),
        form.to_month.as_str(),
        form.to_year.as_str(),
    );
    let active_to = if date_is_blank(to) {
        Some(None)
    } else {
        read_date(to, "to-day", "Enter a date", problems).map(Some)
    };
    Some(DiscountDraft {
        name: form.name.clone(),
        creditor_id: creditor?.id(),
        currency: currency.map(|(c, _)| c),
        amount: amount?,
        deadline: deadline?,
        min_balance: min_balance?,
        max_discount: max_discount?,
        active_from: active_from?,
        active_to: active_to?,
        enabled: form.is_enabled(),
    })
}

fn read_deadline(form: &DiscountForm, problems: &mut Problems) -> Option<DiscountDeadline> {
    match form.deadline_kind.as_str() {
        "date" => read_date(
            (
                &form.deadline_day,
                &form.deadline_month,
                &form.deadline_year,
            ),
            "deadline-day",
            "Enter a date",
            problems,
        )
        .map(DiscountDeadline::On),
        "days" if form.days.trim().is_empty() => {
            problems.add("days", DAYS_MESSAGE);
            None
        }
        "days" => form
            .days
            .trim()
            .parse()
            .ok()
            .map(DiscountDeadline::DaysFromOffer),
        _ => None,
    }
}

/// Which creditors a rule is for.
enum Creditors {
    All,
    One {
        id: i32,
        name: String,
        currency: Currency,
    },
}

impl Creditors {
    fn id(&self) -> Option<i32> {
        match self {
            Self::All => None,
            Self::One { id, .. } => Some(*id),
        }
    }
}

fn read_creditor(
    typed: &str,
    creditors: &[CreditorSummary],
    problems: &mut Problems,
) -> Option<Creditors> {
    if typed == "all" {
        return Some(Creditors::All);
    }
    let found = typed
        .parse::<i32>()
        .ok()
        .and_then(|id| creditors.iter().find(|c| c.id == id))
        .and_then(|c| {
            Some(Creditors::One {
                id: c.id,
                name: c.display_name.clone(),
                currency: Currency::parse(&c.currency).ok()?,
            })
        });
    if found.is_none() {
        problems.add(
            "creditor",
            "Choose which creditor this discount is for, or all creditors",
        );
    }
    found
}

/// The currency of the rule's amounts and whose currency it is ("Northwind Utilities" or
/// "this discount"): the creditor's, or for all creditors the one chosen.
fn read_currency(
    form: &DiscountForm,
    creditor: Option<&Creditors>,
    problems: &mut Problems,
) -> Option<(Currency, String)> {
    let typed = form.currency.trim();
    let chosen = if typed.is_empty() {
        None
    } else {
        match Currency::parse(typed) {
            Ok(c) => Some(c),
            Err(e) => {
                problems.add("currency", e.to_string());
                return None;
            }
        }
    };
    match creditor {
        Some(Creditors::One { name, currency, .. }) => {
            if let Some(chosen) = chosen.filter(|c| c != currency) {
                problems.add(
                    "currency",
                    format!(
                        "{name} uses {}, not {}. Leave the currency empty or choose {}",
                        currency.code(),
                        chosen.code(),
                        currency.code()
                    ),
                );
            }
            Some((*currency, name.clone()))
        }
        Some(Creditors::All) => chosen.map(|c| (c, "this discount".to_string())),
        None => None,
    }
}

/// The currency, or (for a rule for all creditors without one) a message asking for it.
fn needs_currency(
    currency: Option<&(Currency, String)>,
    creditor: Option<&Creditors>,
    problems: &mut Problems,
) -> Option<(Currency, String)> {
    if currency.is_none()
        && matches!(creditor, Some(Creditors::All))
        && problems.on("currency").is_none()
    {
        problems.add(
            "currency",
            "Choose the currency of the amounts in this discount",
        );
    }
    currency.cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn northwind() -> Vec<CreditorSummary> {
        vec![CreditorSummary {
            id: 1,
            name: "northwind".into(),
            display_name: "Northwind Utilities".into(),
            currency: "GBP".into(),
            contact_email: "help@northwind.example".into(),
        }]
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default()
    }

    fn good() -> DiscountForm {
        DiscountForm {
            name: "Winter".into(),
            creditor: "1".into(),
            percent: "12.5".into(),
            deadline_day: "31".into(),
            deadline_month: "12".into(),
            deadline_year: "2026".into(),
            ..DiscountForm::blank(today())
        }
    }

    fn read(form: &DiscountForm) -> Result<DiscountTerms, Problems> {
        read_rule(form, &northwind(), today(), None)
    }

    fn problems(form: &DiscountForm) -> Problems {
        read(form).err().unwrap_or_default()
    }

    #[test]
    fn a_good_form_becomes_a_rule_and_back() {
        let Ok(terms) = read(&good()) else {
            panic!("a good form makes a rule");
        };
        let draft = terms.draft();
        assert_eq!(draft.amount, DiscountAmount::Percent(1250));
        assert_eq!(draft.creditor_id, Some(1));
        assert_eq!(draft.currency, Some(Currency::GBP));
        let again = DiscountForm::from_rule(&StoredRule {
            rule: crate::domain::discount::DiscountRule {
                id: 1,
                name: draft.name.clone(),
                creditor_id: draft.creditor_id,
                amount: draft.amount.clone(),
                deadline: draft.deadline,
                min_balance_minor: 0,
                max_discount_minor: None,
                active_from: draft.active_from,
                active_to: draft.active_to,
                enabled: draft.enabled,
            },
            currency: draft.currency,
        });
        assert_eq!(again.percent, "12.5");
        assert_eq!(again.deadline_day, "31");
    }

    #[test]
    fn validator_checks_each_field_in_the_pages_order() {
        let form = DiscountForm {
            name: " ".into(),
            kind: "other".into(),
            days: "0".into(),
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
                ("name", "Enter a name for this discount".to_string()),
                ("kind", "Choose a percentage or a fixed amount".to_string()),
                ("days", DAYS_MESSAGE.to_string()),
            ]
        );
    }

    #[test]
    fn a_last_day_in_the_past_is_refused_by_the_rule_itself() {
        let form = DiscountForm {
            deadline_day: "22".into(),
            deadline_month: "11".into(),
            ..good()
        };
        assert_eq!(
            problems(&form).on("deadline-day").as_deref(),
            Some("The last day must be today or later")
        );
        let kept = NaiveDate::from_ymd_opt(2026, 11, 22);
        assert!(read_rule(&form, &northwind(), today(), kept).is_ok());
    }

    #[test]
    fn a_euro_amount_for_a_creditor_in_pounds_is_refused_plainly() {
        let form = DiscountForm {
            kind: "fixed".into(),
            fixed: "€10".into(),
            ..good()
        };
        assert_eq!(
            problems(&form).on("fixed").as_deref(),
            Some("Enter the amount in GBP, the currency of Northwind Utilities, not EUR")
        );
    }

    #[test]
    fn percentages_are_checked() {
        for (typed, field_has_error) in [
            ("100", false),
            ("0.01", false),
            ("100.01", true),
            ("0", true),
            ("-5", true),
            ("12.345", true),
            ("ten", true),
        ] {
            let form = DiscountForm {
                percent: typed.into(),
                ..good()
            };
            assert_eq!(
                problems(&form).on("percent").is_some(),
                field_has_error,
                "{typed}"
            );
        }
    }

    #[test]
    fn a_rule_for_all_creditors_with_amounts_needs_a_currency() {
        let form = DiscountForm {
            creditor: "all".into(),
            min_balance: "50".into(),
            ..good()
        };
        assert!(problems(&form).on("currency").is_some());
        let form = DiscountForm {
            creditor: "all".into(),
            ..good()
        };
        let terms = read(&form);
        assert_eq!(terms.map(|t| t.draft().creditor_id).ok(), Some(None));
    }
}
