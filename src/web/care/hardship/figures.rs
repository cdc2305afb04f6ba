//! The income-and-spending form: each line's amount as typed and how often it comes. Blanks
//! count as zero; letters and negatives are refused with a message next to the field.
use crate::domain::affordability::{Line, MonthlyFigures};
use crate::domain::care::HardshipReason;
use crate::domain::schedule::Frequency;
use crate::domain::{Currency, Money};
use crate::web::forms::{Problems, read_money};

/// What was typed, kept to show the form again and carried (hidden) to the next step.
#[derive(serde::Deserialize, Default, Clone, Debug)]
#[serde(default)]
pub struct FiguresForm {
    pub reason: String,
    pub income: String,
    pub income_every: String,
    pub housing: String,
    pub housing_every: String,
    pub utilities: String,
    pub utilities_every: String,
    pub food: String,
    pub food_every: String,
    pub transport: String,
    pub transport_every: String,
    pub other_debts: String,
    pub other_debts_every: String,
    pub other: String,
    pub other_every: String,
    /// "I'd rather not say": save what changed without figures.
    pub skip: String,
}

/// The id of a line's frequency field.
pub fn every_field(line: Line) -> &'static str {
    match line {
        Line::Income => "income_every",
        Line::Housing => "housing_every",
        Line::Utilities => "utilities_every",
        Line::Food => "food_every",
        Line::Transport => "transport_every",
        Line::OtherDebts => "other_debts_every",
        Line::Other => "other_every",
    }
}

impl FiguresForm {
    pub fn for_reason(reason: HardshipReason) -> Self {
        Self {
            reason: reason.as_str().to_string(),
            ..Self::default()
        }
    }

    /// (amount as typed, frequency code as chosen) of one line.
    pub fn typed(&self, line: Line) -> (&str, &str) {
        match line {
            Line::Income => (&self.income, &self.income_every),
            Line::Housing => (&self.housing, &self.housing_every),
            Line::Utilities => (&self.utilities, &self.utilities_every),
            Line::Food => (&self.food, &self.food_every),
            Line::Transport => (&self.transport, &self.transport_every),
            Line::OtherDebts => (&self.other_debts, &self.other_debts_every),
            Line::Other => (&self.other, &self.other_every),
        }
    }

    pub fn reason(&self) -> Option<HardshipReason> {
        HardshipReason::parse(&self.reason)
    }

    pub fn skipped(&self) -> bool {
        !self.skip.is_empty()
    }

    /// The month, or what needs fixing. `whose` names the creditor for a currency message.
    pub fn read(&self, currency: Currency, whose: &str) -> Result<MonthlyFigures, Problems> {
        let mut problems = Problems::default();
        let mut amounts = [(Money::zero(currency), Frequency::Monthly); 7];
        for (slot, line) in amounts.iter_mut().zip(Line::ALL) {
            let (typed, every) = self.typed(line);
            let amount = if typed.trim().is_empty() {
                Some(Money::zero(currency))
            } else {
                read_money(typed, currency, whose, true, line.field(), &mut problems)
            };
            let frequency = match every {
                "" => Some(Frequency::Monthly),
                code => Frequency::parse(code),
            };
            if frequency.is_none() {
                problems.add(every_field(line), "Choose how often, like every month");
            }
            if let (Some(amount), Some(frequency)) = (amount, frequency) {
                *slot = (amount, frequency);
            }
        }
        if problems.is_empty() {
            Ok(MonthlyFigures::from_amounts(amounts))
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> FiguresForm {
        FiguresForm {
            income: "1,200".into(),
            income_every: "monthly".into(),
            food: "50".into(),
            food_every: "weekly".into(),
            ..FiguresForm::for_reason(HardshipReason::Illness)
        }
    }

    #[test]
    fn blanks_count_as_zero() {
        let month = form().read(Currency::GBP, "Northwind").unwrap();
        assert_eq!(month.spending(), Money::from_minor(21_667, Currency::GBP));
        assert_eq!(month.left(), Money::from_minor(98_333, Currency::GBP));
    }

    #[test]
    fn letters_and_negatives_are_refused_next_to_their_field() {
        let form = FiguresForm {
            housing: "-5".into(),
            transport: "lots".into(),
            other_every: "yearly".into(),
            ..form()
        };
        let problems = form.read(Currency::GBP, "Northwind").unwrap_err();
        let fields: Vec<&str> = problems.0.iter().map(|p| p.field).collect();
        assert_eq!(fields, ["housing", "transport", "other_every"]);
    }
}
