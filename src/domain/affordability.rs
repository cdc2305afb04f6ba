//! Affordability: what a person in difficulty has left each month, and the payment plan that
//! fits in it.
//!
//! People are paid and pay bills weekly, every 2 weeks, every 4 weeks or monthly. Every figure
//! becomes a monthly one with exact `Decimal` arithmetic: weekly x 52 / 12, every 2 weeks
//! x 26 / 12, every 4 weeks x 13 / 12. Each line is rounded once, to the currency's minor unit,
//! halves away from zero (as [`Money::new_rounded`] does everywhere, and as a person checking
//! with a calculator expects). Totals and what is left are sums of those rounded lines, so the
//! page's figures always add up as shown.
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::money::{Currency, Money};
use super::policy::{self, PlanPolicy};
use super::schedule::{self, Frequency, MAX_INSTALLMENTS, PlanSize, Schedule};

/// The amount paid or received `every` so often, as a monthly amount.
pub fn monthly(amount: Money, every: Frequency) -> Money {
    let (times, months) = match every {
        Frequency::Weekly => (52, 12),
        Frequency::Fortnightly => (26, 12),
        Frequency::FourWeekly => (13, 12),
        Frequency::Monthly => (1, 1),
    };
    let exact = amount.amount() * Decimal::from(times) / Decimal::from(months);
    Money::new_rounded(exact, amount.currency())
}

/// The lines of the income-and-spending form, in the order the form shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Line {
    Income,
    Housing,
    Utilities,
    Food,
    Transport,
    OtherDebts,
    Other,
}

impl Line {
    pub const ALL: [Line; 7] = [
        Line::Income,
        Line::Housing,
        Line::Utilities,
        Line::Food,
        Line::Transport,
        Line::OtherDebts,
        Line::Other,
    ];

    /// The form field's name (its frequency field adds `_every`).
    pub fn field(self) -> &'static str {
        match self {
            Line::Income => "income",
            Line::Housing => "housing",
            Line::Utilities => "utilities",
            Line::Food => "food",
            Line::Transport => "transport",
            Line::OtherDebts => "other_debts",
            Line::Other => "other",
        }
    }

    /// What the person is asked about, in plain words.
    pub fn label(self) -> &'static str {
        match self {
            Line::Income => "Money coming in",
            Line::Housing => "Rent or mortgage",
            Line::Utilities => "Gas, electricity, water and phone",
            Line::Food => "Food and shopping",
            Line::Transport => "Travel",
            Line::OtherDebts => "Other bills and debts",
            Line::Other => "Anything else",
        }
    }

    pub fn hint(self) -> &'static str {
        match self {
            Line::Income => "Pay, benefits, pension and any other money you get, after tax.",
            Line::Housing => "Include council tax and service charges.",
            Line::Utilities => "Include broadband and TV licence.",
            Line::Food => "Include toiletries and cleaning things.",
            Line::Transport => "Bus and train fares, fuel, car costs.",
            Line::OtherDebts => "Payments to other people you owe, like loans and cards.",
            Line::Other => "Childcare, clothes, medicine, pets and other costs.",
        }
    }

    pub fn is_income(self) -> bool {
        self == Line::Income
    }
}

/// A month of the person's money: income and each kind of spending, all monthly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MonthlyFigures {
    lines: [Money; 7],
}

impl MonthlyFigures {
    /// Builds the month from each line as typed (never negative) and how often it comes.
    pub fn from_amounts(amounts: [(Money, Frequency); 7]) -> Self {
        Self {
            lines: amounts.map(|(amount, every)| monthly(amount, every)),
        }
    }

    /// From stored monthly amounts, in the order of [`Line::ALL`].
    pub fn from_monthly(lines: [Money; 7]) -> Self {
        Self { lines }
    }

    pub fn currency(&self) -> Currency {
        self.lines[0].currency()
    }

    pub fn line(&self, line: Line) -> Money {
        self.lines[line as usize]
    }

    pub fn income(&self) -> Money {
        self.line(Line::Income)
    }

    /// Every kind of spending added up.
    pub fn spending(&self) -> Money {
        let spent = Line::ALL.iter().filter(|l| !l.is_income());
        let sum = spent.fold(Decimal::ZERO, |sum, l| sum + self.line(*l).amount());
        Money::new_rounded(sum, self.currency())
    }

    /// Income less spending; negative when spending is more.
    pub fn left(&self) -> Money {
        Money::new_rounded(
            self.income().amount() - self.spending().amount(),
            self.currency(),
        )
    }
}

/// What is left each month, in plain words.
pub fn left_in_words(left: Money) -> String {
    if left.is_positive() {
        format!("You have {left} left each month after your spending.")
    } else if left.is_zero() {
        "Your spending uses up all of your money each month. There is nothing left over.".into()
    } else {
        format!(
            "Your spending is {} more than the money you have coming in each month.",
            left.abs()
        )
    }
}

/// The affordable plan: monthly payments, none more than `left`, with the fewest payments the
/// creditor's policy agrees at once (its most payments, longest plan and smallest payment).
/// None when no such plan exists: then the person may send a proposal instead.
pub fn affordable_plan(
    policy: &PlanPolicy,
    balance: Money,
    left: Money,
    first_due: NaiveDate,
    today: NaiveDate,
) -> Option<Schedule> {
    if !balance.is_positive() || !left.is_positive() || !policy.allows(Frequency::Monthly) {
        return None;
    }
    let most = policy.max_installments().min(MAX_INSTALLMENTS);
    (1..=most).find_map(|count| {
        let plan = schedule::build(
            balance,
            Frequency::Monthly,
            PlanSize::NumberOfPayments(count),
            first_due,
        )
        .ok()?;
        let fits =
            largest_payment(&plan) <= left.amount() && policy::within_policy(policy, &plan, today);
        fits.then_some(plan)
    })
}

/// The largest single payment in a plan.
pub fn largest_payment(plan: &Schedule) -> Decimal {
    plan.installments()
        .iter()
        .map(|i| i.amount.amount())
        .max()
        .unwrap_or(Decimal::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn gbp(amount: &str) -> Money {
        Money::parse(amount, Currency::GBP).unwrap()
    }

    fn pounds(minor: i64) -> Money {
        Money::from_minor(minor, Currency::GBP)
    }

    fn date(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
    }

    #[test]
    fn each_frequency_becomes_a_month_exactly() {
        assert_eq!(monthly(pounds(10_000), Frequency::Weekly), pounds(43_333));
        assert_eq!(monthly(gbp("12.00"), Frequency::Weekly), gbp("52.00"));
        assert_eq!(
            monthly(gbp("100.00"), Frequency::Fortnightly),
            gbp("216.67")
        );
        assert_eq!(monthly(gbp("120.00"), Frequency::FourWeekly), gbp("130.00"));
        assert_eq!(monthly(gbp("123.45"), Frequency::Monthly), gbp("123.45"));
        assert_eq!(monthly(pounds(0), Frequency::Weekly), pounds(0));
    }

    #[test]
    fn halves_round_away_from_zero() {
        // 0.09 x 13 / 12 = 0.0975 -> 0.10.
        assert_eq!(monthly(pounds(9), Frequency::FourWeekly), pounds(10));
        // 1.50 x 13 / 12 = 1.625 -> 1.63 (a half, away from zero).
        assert_eq!(monthly(pounds(150), Frequency::FourWeekly), pounds(163));
    }

    fn figures(income: i64, spending: i64) -> MonthlyFigures {
        let mut amounts = [(pounds(0), Frequency::Monthly); 7];
        amounts[0] = (pounds(income), Frequency::Monthly);
        amounts[1] = (pounds(spending), Frequency::Monthly);
        MonthlyFigures::from_amounts(amounts)
    }

    #[test]
    fn left_is_income_less_every_line_of_spending() {
        let amounts = [
            (gbp("300.00"), Frequency::Weekly),
            (gbp("600.00"), Frequency::Monthly),
            (gbp("25.00"), Frequency::Weekly),
            (gbp("50.00"), Frequency::Weekly),
            (gbp("40.00"), Frequency::Fortnightly),
            (pounds(0), Frequency::Monthly),
            (gbp("30.00"), Frequency::FourWeekly),
        ];
        let month = MonthlyFigures::from_amounts(amounts);
        assert_eq!(month.income(), gbp("1300.00"));
        // 600 + 108.33 + 216.67 + 86.67 + 0 + 32.50
        assert_eq!(month.spending(), gbp("1044.17"));
        assert_eq!(month.left(), gbp("255.83"));
        assert_eq!(figures(10_000, 15_000).left(), pounds(-5000));
    }

    #[test]
    fn left_is_said_plainly() {
        assert!(left_in_words(gbp("12.50")).contains("£12.50 left each month"));
        assert!(left_in_words(pounds(0)).contains("nothing left"));
        assert!(left_in_words(pounds(-500)).contains("£5.00 more than"));
    }

    #[test]
    fn the_plan_has_the_fewest_payments_that_fit() {
        let policy = PlanPolicy::default_for(Currency::GBP);
        let plan = affordable_plan(&policy, gbp("300.00"), gbp("100.00"), date(10), date(3));
        let plan = plan.expect("three payments of £100 fit");
        assert_eq!(plan.count(), 3);
        assert_eq!(plan.frequency(), Frequency::Monthly);
        let plan = affordable_plan(&policy, gbp("300.00"), gbp("99.99"), date(10), date(3));
        assert_eq!(plan.map(|p| p.count()), Some(4));
    }

    #[test]
    fn no_plan_when_too_little_is_left_for_the_policy() {
        let policy = PlanPolicy::default_for(Currency::GBP);
        // 12 payments at most: £1,200 needs £100 a month.
        assert!(
            affordable_plan(&policy, gbp("1200.00"), gbp("99.00"), date(10), date(3)).is_none()
        );
        // Less than the smallest payment (£10) left.
        assert!(affordable_plan(&policy, gbp("50.00"), gbp("9.00"), date(10), date(3)).is_none());
        assert!(affordable_plan(&policy, gbp("50.00"), pounds(0), date(10), date(3)).is_none());
        assert!(affordable_plan(&policy, gbp("50.00"), pounds(-1), date(10), date(3)).is_none());
    }

    proptest! {
        #[test]
        fn the_plan_offered_never_exceeds_what_is_left(
            balance in 1i64..5_000_000,
            left in -100_000i64..1_000_000,
            days_ahead in 0u64..30,
        ) {
            let policy = PlanPolicy::default_for(Currency::GBP);
            let today = date(3);
            let first = today + chrono::Days::new(days_ahead);
            if let Some(plan) = affordable_plan(&policy, pounds(balance), pounds(left), first, today) {
                for payment in plan.installments() {
                    prop_assert!(payment.amount.amount() <= pounds(left).amount());
                }
                prop_assert_eq!(plan.total(), pounds(balance));
                prop_assert!(policy::within_policy(&policy, &plan, today));
            }
        }
    }
}
