//! The discount rule form: its fields as typed, and reading them into a `DiscountRule` with a
//! message for each field that needs fixing.
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use crate::domain::discount::{
    DiscountAmount, DiscountDeadline, DiscountRule, percent_to_basis_points,
};
use crate::domain::{Currency, Money, MoneyError};
use crate::services::admin::creditor_list::CreditorSummary;
use crate::services::admin::discount_rules::StoredRule;
use crate::web::debtor::plan_forms::{Problems, read_date};

/// The longest "days from when the person first sees the offer".
const MAX_DAYS: u32 = 365;

#[derive(serde::Deserialize, Default, Clone, Debug)]
#[serde(default)]
pub struct DiscountForm {
    pub name: String,
    /// A creditor's id, or "all".
    pub creditor: String,
    /// "percent" or "fixed".
    pub kind: String,
    pub percent: String,
    pub fixed: String,
    /// Only needed for a rule for all creditors.
    pub currency: String,
    /// "date" or "days".
    pub deadline_kind: String,
    pub deadline_day: String,
    pub deadline_month: String,
    pub deadline_year: String,
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

/// A rule read from the form, and the currency its amounts are in (if it has any).
pub struct ReadRule {
    pub rule: DiscountRule,
    pub currency: Option<Currency>,
}

/// Reads the form. `previous_deadline` is the rule's stored last day when editing: an
/// expired rule can still be changed (say, switched off) without moving its date.
pub fn read_rule(
    form: &DiscountForm,
    creditors: &[CreditorSummary],
    today: NaiveDate,
    previous_deadline: Option<NaiveDate>,
    problems: &mut Problems,
) -> Option<ReadRule> {
    let name = form.name.trim().to_string();
    if name.is_empty() {
        problems.add("name", "Enter a name for this discount");
    } else if name.chars().count() > 120 {
        problems.add("name", "Enter a name of 120 characters or fewer");
    }

    let creditor = read_creditor(&form.creditor, creditors, problems);
    let currency = read_currency(form, creditor.as_ref(), problems);

    let amount = match form.kind.as_str() {
        "percent" => read_percent(&form.percent, problems).map(DiscountAmount::Percent),
        "fixed" => {
            let currency = needs_currency(currency.as_ref(), creditor.as_ref(), problems);
            currency
                .and_then(|(c, whose)| read_fixed(&form.fixed, c, &whose, problems))
                .map(DiscountAmount::Fixed)
        }
        _ => {
            problems.add("kind", "Choose a percentage or a fixed amount");
            None
        }
    };

    let deadline = match form.deadline_kind.as_str() {
        "date" => read_date(
            &form.deadline_day,
            &form.deadline_month,
            &form.deadline_year,
            "deadline-day",
            problems,
        )
        .and_then(|date| {
            if date < today && Some(date) != previous_deadline {
                problems.add("deadline-day", "The last day must be today or later");
                None
            } else {
                Some(DiscountDeadline::On(date))
            }
        }),
        "days" => match form.days.trim().parse::<u32>() {
            Ok(days) if (1..=MAX_DAYS).contains(&days) => {
                Some(DiscountDeadline::DaysFromOffer(days))
            }
            _ => {
                problems.add(
                    "days",
                    format!("Enter a whole number of days from 1 to {MAX_DAYS}"),
                );
                None
            }
        },
        _ => {
            problems.add("deadline_kind", "Choose when the offer ends");
            None
        }
    };

    let min_balance = if form.min_balance.trim().is_empty() {
        Some(0)
    } else {
        needs_currency(currency.as_ref(), creditor.as_ref(), problems).and_then(|(c, whose)| {
            read_money(&form.min_balance, c, &whose, "min_balance", true, problems)
        })
    };
    let max_discount = if form.max_discount.trim().is_empty() {
        Some(None)
    } else {
        needs_currency(currency.as_ref(), creditor.as_ref(), problems)
            .and_then(|(c, whose)| {
                read_money(
                    &form.max_discount,
                    c,
                    &whose,
                    "max_discount",
                    false,
                    problems,
                )
            })
            .map(Some)
    };

    let active_from = read_date(
        &form.from_day,
        &form.from_month,
        &form.from_year,
        "from-day",
        problems,
    );
    let to_is_blank = [&form.to_day, &form.to_month, &form.to_year]
        .iter()
        .all(|part| part.trim().is_empty());
    let active_to = if to_is_blank {
        Some(None)
    } else {
        read_date(
            &form.to_day,
            &form.to_month,
            &form.to_year,
            "to-day",
            problems,
        )
        .map(Some)
    };
    if let (Some(from), Some(Some(to))) = (active_from, active_to)
        && to < from
    {
        problems.add(
            "to-day",
            "The end date must be the same as or after the start date",
        );
    }

    if !problems.0.is_empty() {
        return None;
    }
    let creditor = creditor?;
    Some(ReadRule {
        rule: DiscountRule {
            id: 0,
            name,
            creditor_id: creditor.id(),
            amount: amount?,
            deadline: deadline?,
            min_balance_minor: min_balance?,
            max_discount_minor: max_discount?,
            active_from: active_from?,
            active_to: active_to?,
            enabled: form.is_enabled(),
        },
        currency: currency.map(|(c, _)| c),
    })
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

fn read_percent(typed: &str, problems: &mut Problems) -> Option<u32> {
    let typed = typed.trim().trim_end_matches('%').trim();
    if typed.is_empty() {
        problems.add("percent", "Enter the percentage to take off, like 10");
        return None;
    }
    let Ok(percent) = Decimal::from_str(typed) else {
        problems.add(
            "percent",
            "Enter the percentage as a number, like 10 or 12.5",
        );
        return None;
    };
    if percent.normalize().scale() > 2 {
        problems.add(
            "percent",
            "Enter a percentage with no more than 2 decimal places, like 12.5",
        );
        return None;
    }
    let found = percent_to_basis_points(percent);
    if found.is_none() {
        problems.add(
            "percent",
            "Enter a percentage more than 0 and no more than 100",
        );
    }
    found
}

fn read_fixed(
    typed: &str,
    currency: Currency,
    whose: &str,
    problems: &mut Problems,
) -> Option<Money> {
    let found = read_money(typed, currency, whose, "fixed", false, problems)?;
    Some(Money::from_minor(found, currency))
}

/// Reads an amount in minor units; zero is allowed only where it means "none".
fn read_money(
    typed: &str,
    currency: Currency,
    whose: &str,
    field: &'static str,
    zero_allowed: bool,
    problems: &mut Problems,
) -> Option<i64> {
    match Money::parse(typed, currency) {
        Ok(money) if money.is_zero() && !zero_allowed => {
            problems.add(field, "Enter an amount more than zero");
            None
        }
        Ok(money) => match money.to_minor() {
            Ok(minor) => Some(minor),
            Err(e) => {
                problems.add(field, e.to_string());
                None
            }
        },
        Err(MoneyError::Negative) => {
            problems.add(
                field,
                "Enter an amount of zero or more, without a minus sign",
            );
            None
        }
        Err(e) => {
            let message = match other_currency_typed(typed, currency) {
                Some(other) => format!(
                    "Enter the amount in {}, the currency of {whose}, not {}",
                    currency.code(),
                    other.code()
                ),
                None => e.to_string(),
            };
            problems.add(field, message);
            None
        }
    }
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

    fn read(form: &DiscountForm) -> (Option<ReadRule>, Problems) {
        let mut problems = Problems::default();
        let rule = read_rule(form, &northwind(), today(), None, &mut problems);
        (rule, problems)
    }

    #[test]
    fn a_good_form_becomes_a_rule_and_back() {
        let (rule, problems) = read(&good());
        assert!(problems.0.is_empty());
        let Some(rule) = rule else {
            panic!("a good form makes a rule");
        };
        assert_eq!(rule.rule.amount, DiscountAmount::Percent(1250));
        assert_eq!(rule.rule.creditor_id, Some(1));
        assert_eq!(rule.currency, Some(Currency::GBP));
        let again = DiscountForm::from_rule(&StoredRule {
            rule: rule.rule,
            currency: rule.currency,
        });
        assert_eq!(again.percent, "12.5");
        assert_eq!(again.deadline_day, "31");
    }

    #[test]
    fn a_euro_amount_for_a_creditor_in_pounds_is_refused_plainly() {
        let form = DiscountForm {
            kind: "fixed".into(),
            fixed: "€10".into(),
            ..good()
        };
        let (rule, problems) = read(&form);
        assert!(rule.is_none());
        assert_eq!(
            problems.on("fixed").as_deref(),
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
            let (_, problems) = read(&form);
            assert_eq!(problems.on("percent").is_some(), field_has_error, "{typed}");
        }
    }

    #[test]
    fn a_rule_for_all_creditors_with_amounts_needs_a_currency() {
        let form = DiscountForm {
            creditor: "all".into(),
            min_balance: "50".into(),
            ..good()
        };
        let (_, problems) = read(&form);
        assert!(problems.on("currency").is_some());
        let form = DiscountForm {
            creditor: "all".into(),
            ..good()
        };
        let (rule, problems) = read(&form);
        assert!(problems.0.is_empty());
        assert_eq!(rule.map(|r| r.rule.creditor_id), Some(None));
    }
}
