//! Early-payment discounts: which rule applies to a balance today, the exact amount to pay
//! and the last day it holds, and whether a payment made on a given day qualifies.
use chrono::{Days, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};

use super::invalid::Invalid;
use super::money::{Currency, Money};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiscountAmount {
    /// Basis points: 1000 = 10%.
    Percent(u32),
    Fixed(Money),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiscountDeadline {
    On(NaiveDate),
    /// Counted from the day the person first sees the offer.
    DaysFromOffer(u32),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiscountRule {
    pub id: i32,
    pub name: String,
    /// None: every creditor.
    pub creditor_id: Option<i32>,
    pub amount: DiscountAmount,
    pub deadline: DiscountDeadline,
    /// In the balance's currency's minor units; 0 for no minimum.
    pub min_balance_minor: i64,
    pub max_discount_minor: Option<i64>,
    pub active_from: NaiveDate,
    pub active_to: Option<NaiveDate>,
    pub enabled: bool,
}

/// A discount rule as an admin proposes it: not yet checked. Only [`DiscountTerms::new`]
/// turns it into something the discount rules service will save.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiscountDraft {
    pub name: String,
    /// None: every creditor.
    pub creditor_id: Option<i32>,
    /// The currency of the rule's amounts; a percentage with no minimum or cap needs none.
    pub currency: Option<Currency>,
    pub amount: DiscountAmount,
    pub deadline: DiscountDeadline,
    pub min_balance: Option<Money>,
    pub max_discount: Option<Money>,
    pub active_from: NaiveDate,
    pub active_to: Option<NaiveDate>,
    pub enabled: bool,
}

/// A discount rule that keeps the rules below; made only by [`DiscountTerms::new`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiscountTerms {
    draft: DiscountDraft,
}

impl DiscountTerms {
    pub const MAX_NAME_CHARS: usize = 120;
    /// The longest "days from when the person first sees the offer".
    pub const DAYS_FROM_OFFER: std::ops::RangeInclusive<u32> = 1..=365;

    /// Checks a draft on `today`. `kept_deadline` is the rule's stored last day when it is
    /// being changed: an expired rule can still be edited (say, switched off) without moving
    /// its date, but no rule gets a new last day in the past.
    pub fn new(
        draft: DiscountDraft,
        today: NaiveDate,
        kept_deadline: Option<NaiveDate>,
    ) -> Result<DiscountTerms, Invalid> {
        let mut invalid = Invalid::default();
        let name = draft.name.trim();
        invalid.check(name.is_empty(), "name", "Enter a name for this discount");
        invalid.check(
            name.chars().count() > Self::MAX_NAME_CHARS,
            "name",
            "Enter a name of 120 characters or fewer",
        );
        check_amount(&draft, &mut invalid);
        check_currency(&draft, &mut invalid);
        check_deadline(&draft, today, kept_deadline, &mut invalid);
        if let Some(to) = draft.active_to {
            invalid.check(
                to < draft.active_from,
                "to-day",
                "The end date must be the same as or after the start date",
            );
        }
        let draft = DiscountDraft {
            name: name.to_string(),
            ..draft
        };
        invalid.or_ok(|| DiscountTerms { draft })
    }

    pub fn draft(&self) -> &DiscountDraft {
        &self.draft
    }
}

/// The amount off is more than nothing and no more than everything; a minimum balance is
/// not below zero, and a cap is above zero (a cap of nothing would be a rule that never
/// gives a discount).
fn check_amount(draft: &DiscountDraft, invalid: &mut Invalid) {
    match &draft.amount {
        DiscountAmount::Percent(bp) => invalid.check(
            !(1..=10_000).contains(bp),
            "percent",
            "Enter a percentage more than 0 and no more than 100",
        ),
        DiscountAmount::Fixed(money) => invalid.check(
            !money.is_positive(),
            "fixed",
            "Enter an amount more than zero",
        ),
    }
    if let Some(min) = draft.min_balance {
        invalid.check(
            min.is_negative(),
            "min_balance",
            "Enter an amount of zero or more, without a minus sign",
        );
    }
    if let Some(cap) = draft.max_discount {
        invalid.check(
            !cap.is_positive(),
            "max_discount",
            "Enter an amount more than zero",
        );
    }
}

/// Every amount is in the rule's one currency, and a rule with amounts has a currency.
fn check_currency(draft: &DiscountDraft, invalid: &mut Invalid) {
    let fixed = match &draft.amount {
        DiscountAmount::Fixed(money) => Some(*money),
        DiscountAmount::Percent(_) => None,
    };
    let amounts = [
        ("fixed", fixed),
        ("min_balance", draft.min_balance),
        ("max_discount", draft.max_discount),
    ];
    let Some(currency) = draft.currency else {
        invalid.check(
            amounts.iter().any(|(_, amount)| amount.is_some()),
            "currency",
            "Choose the currency of the amounts in this discount",
        );
        return;
    };
    for (field, amount) in amounts {
        if let Some(amount) = amount.filter(|a| a.currency() != currency) {
            invalid.add(
                field,
                format!(
                    "Enter the amount in {}, the currency of this discount, not {}",
                    currency.code(),
                    amount.currency().code()
                ),
            );
        }
    }
}

fn check_deadline(
    draft: &DiscountDraft,
    today: NaiveDate,
    kept_deadline: Option<NaiveDate>,
    invalid: &mut Invalid,
) {
    match draft.deadline {
        DiscountDeadline::On(date) => invalid.check(
            date < today && Some(date) != kept_deadline,
            "deadline-day",
            "The last day must be today or later",
        ),
        DiscountDeadline::DaysFromOffer(days) => invalid.check(
            !DiscountTerms::DAYS_FROM_OFFER.contains(&days),
            "days",
            "Enter a whole number of days from 1 to 365",
        ),
    }
}

/// What the person is shown: pay `pay` by `last_day` (inclusive) and `discount` is taken off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Offer {
    pub rule_id: i32,
    pub discount: Money,
    pub pay: Money,
    pub last_day: NaiveDate,
}

impl DiscountRule {
    fn is_active(&self, creditor_id: i32, today: NaiveDate) -> bool {
        self.enabled
            && self.creditor_id.is_none_or(|c| c == creditor_id)
            && self.active_from <= today
            && self.active_to.is_none_or(|to| today <= to)
    }

    fn last_day(&self, first_seen: NaiveDate) -> NaiveDate {
        match self.deadline {
            DiscountDeadline::On(date) => date,
            DiscountDeadline::DaysFromOffer(days) => first_seen
                .checked_add_days(Days::new(u64::from(days)))
                .unwrap_or(NaiveDate::MAX),
        }
    }

    /// The discount on this balance, rounded to the currency's minor units (halves away from
    /// zero, as everywhere we round money) and capped: never more than the maximum, and never
    /// the whole balance.
    fn discount_on(&self, balance: Money) -> Option<Money> {
        let currency = balance.currency();
        let raw = match &self.amount {
            DiscountAmount::Percent(bp) => Money::new_rounded(
                balance.amount() * Decimal::from(*bp) / Decimal::from(10_000),
                currency,
            ),
            DiscountAmount::Fixed(amount) if amount.currency() == currency => *amount,
            DiscountAmount::Fixed(_) => return None,
        };
        let mut minor = raw.to_minor().ok()?;
        if let Some(cap) = self.max_discount_minor {
            minor = minor.min(cap);
        }
        let balance_minor = balance.to_minor().ok()?;
        minor = minor.min(balance_minor - 1);
        (minor > 0).then(|| Money::from_minor(minor, currency))
    }

    /// This rule's offer for a balance today, if it applies. `first_seen` is when the person
    /// first saw this rule's offer (today if never).
    pub fn offer(
        &self,
        balance: Money,
        creditor_id: i32,
        today: NaiveDate,
        first_seen: NaiveDate,
    ) -> Option<Offer> {
        let balance_minor = balance.to_minor().ok()?;
        if !self.is_active(creditor_id, today) || balance_minor < self.min_balance_minor.max(1) {
            return None;
        }
        let last_day = self.last_day(first_seen);
        if last_day < today {
            return None;
        }
        let discount = self.discount_on(balance)?;
        Some(Offer {
            rule_id: self.id,
            discount,
            pay: balance.checked_sub(&discount).ok()?,
            last_day,
        })
    }
}

/// The best offer among the rules: the largest discount, then the latest last day.
pub fn best_offer(
    rules: &[DiscountRule],
    balance: Money,
    creditor_id: i32,
    today: NaiveDate,
    first_seen: impl Fn(i32) -> Option<NaiveDate>,
) -> Option<Offer> {
    rules
        .iter()
        .filter_map(|rule| {
            let seen = first_seen(rule.id).unwrap_or(today);
            rule.offer(balance, creditor_id, today, seen)
        })
        .max_by_key(|offer| (offer.discount.to_minor().unwrap_or(0), offer.last_day))
}

/// A payment qualifies when it pays exactly the offered amount by the last day.
pub fn qualifies(offer_last_day: NaiveDate, paid_on: NaiveDate) -> bool {
    paid_on <= offer_last_day
}

/// Rounds a percentage typed by an admin ("12.5") into basis points, refusing more than 100%.
pub fn percent_to_basis_points(percent: Decimal) -> Option<u32> {
    if percent <= Decimal::ZERO || percent > Decimal::ONE_HUNDRED {
        return None;
    }
    let bp = (percent * Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
    u32::try_from(bp.mantissa()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn gbp(minor: i64) -> Money {
        Money::from_minor(minor, Currency::GBP)
    }

    fn rule(id: i32, amount: DiscountAmount, deadline: DiscountDeadline) -> DiscountRule {
        DiscountRule {
            id,
            name: format!("rule {id}"),
            creditor_id: None,
            amount,
            deadline,
            min_balance_minor: 0,
            max_discount_minor: None,
            active_from: day(2026, 1, 1),
            active_to: None,
            enabled: true,
        }
    }

    #[test]
    fn a_percentage_gives_the_exact_amount_and_date() {
        let r = rule(
            1,
            DiscountAmount::Percent(1000),
            DiscountDeadline::On(day(2026, 12, 31)),
        );
        let offer = r
            .offer(gbp(106_500), 7, day(2026, 11, 23), day(2026, 11, 23))
            .unwrap();
        assert_eq!(offer.discount, gbp(10_650));
        assert_eq!(offer.pay, gbp(95_850));
        assert_eq!(offer.last_day, day(2026, 12, 31));
    }

    #[test]
    fn days_from_offer_count_from_first_seen() {
        let r = rule(
            1,
            DiscountAmount::Fixed(gbp(5_000)),
            DiscountDeadline::DaysFromOffer(14),
        );
        let offer = r
            .offer(gbp(106_500), 7, day(2026, 11, 23), day(2026, 11, 20))
            .unwrap();
        assert_eq!(offer.last_day, day(2026, 12, 4));
        assert!(
            r.offer(gbp(106_500), 7, day(2026, 12, 5), day(2026, 11, 20))
                .is_none()
        );
    }

    #[test]
    fn rules_respect_creditor_minimum_cap_and_active_dates() {
        let mut r = rule(
            1,
            DiscountAmount::Percent(5000),
            DiscountDeadline::On(day(2026, 12, 31)),
        );
        r.creditor_id = Some(3);
        assert!(
            r.offer(gbp(10_000), 4, day(2026, 11, 23), day(2026, 11, 23))
                .is_none()
        );
        r.creditor_id = None;
        r.min_balance_minor = 20_000;
        assert!(
            r.offer(gbp(10_000), 4, day(2026, 11, 23), day(2026, 11, 23))
                .is_none()
        );
        r.min_balance_minor = 0;
        r.max_discount_minor = Some(1_000);
        let offer = r
            .offer(gbp(10_000), 4, day(2026, 11, 23), day(2026, 11, 23))
            .unwrap();
        assert_eq!(offer.discount, gbp(1_000));
        r.active_to = Some(day(2026, 11, 1));
        assert!(
            r.offer(gbp(10_000), 4, day(2026, 11, 23), day(2026, 11, 23))
                .is_none()
        );
        r.active_to = None;
        r.enabled = false;
        assert!(
            r.offer(gbp(10_000), 4, day(2026, 11, 23), day(2026, 11, 23))
                .is_none()
        );
    }

    #[test]
    fn a_fixed_amount_in_another_currency_does_not_apply() {
        let r = rule(
            1,
            DiscountAmount::Fixed(Money::from_minor(500, Currency::EUR)),
            DiscountDeadline::On(day(2026, 12, 31)),
        );
        assert!(
            r.offer(gbp(10_000), 4, day(2026, 11, 23), day(2026, 11, 23))
                .is_none()
        );
    }

    #[test]
    fn the_best_offer_wins() {
        let small = rule(
            1,
            DiscountAmount::Percent(500),
            DiscountDeadline::On(day(2026, 12, 31)),
        );
        let big = rule(
            2,
            DiscountAmount::Fixed(gbp(20_000)),
            DiscountDeadline::On(day(2026, 12, 1)),
        );
        let offer =
            best_offer(&[small, big], gbp(106_500), 4, day(2026, 11, 23), |_| None).unwrap();
        assert_eq!(offer.rule_id, 2);
    }

    #[test]
    fn percentages_become_basis_points() {
        assert_eq!(percent_to_basis_points(Decimal::new(125, 1)), Some(1250));
        assert_eq!(percent_to_basis_points(Decimal::from(100)), Some(10_000));
        assert_eq!(percent_to_basis_points(Decimal::from(101)), None);
        assert_eq!(percent_to_basis_points(Decimal::ZERO), None);
    }

    fn draft() -> DiscountDraft {
        DiscountDraft {
            name: " Winter ".into(),
            creditor_id: Some(1),
            currency: Some(Currency::GBP),
            amount: DiscountAmount::Percent(1000),
            deadline: DiscountDeadline::On(day(2026, 12, 31)),
            min_balance: None,
            max_discount: None,
            active_from: day(2026, 11, 1),
            active_to: None,
            enabled: true,
        }
    }

    fn refused(draft: DiscountDraft) -> Invalid {
        DiscountTerms::new(draft, day(2026, 11, 23), None).expect_err("a draft that breaks a rule")
    }

    #[test]
    fn a_good_draft_is_kept_with_its_name_trimmed() {
        let terms = DiscountTerms::new(draft(), day(2026, 11, 23), None).unwrap();
        assert_eq!(terms.draft().name, "Winter");
    }

    #[test]
    fn a_cap_below_zero_or_at_zero_is_refused() {
        for minor in [-100, 0] {
            let invalid = refused(DiscountDraft {
                max_discount: Some(gbp(minor)),
                ..draft()
            });
            assert_eq!(
                invalid.on("max_discount"),
                Some("Enter an amount more than zero")
            );
        }
    }

    #[test]
    fn a_deadline_in_the_past_is_refused_unless_it_is_the_one_kept() {
        let past = DiscountDraft {
            deadline: DiscountDeadline::On(day(2026, 11, 22)),
            ..draft()
        };
        assert_eq!(
            refused(past.clone()).on("deadline-day"),
            Some("The last day must be today or later")
        );
        assert!(DiscountTerms::new(past, day(2026, 11, 23), Some(day(2026, 11, 22))).is_ok());
    }

    #[test]
    fn an_end_before_the_start_is_refused() {
        let invalid = refused(DiscountDraft {
            active_to: Some(day(2026, 10, 31)),
            ..draft()
        });
        assert!(invalid.on("to-day").is_some());
    }

    #[test]
    fn amounts_need_the_rules_currency() {
        let invalid = refused(DiscountDraft {
            currency: None,
            min_balance: Some(gbp(5_000)),
            ..draft()
        });
        assert_eq!(
            invalid.on("currency"),
            Some("Choose the currency of the amounts in this discount")
        );
        let invalid = refused(DiscountDraft {
            amount: DiscountAmount::Fixed(Money::from_minor(500, Currency::EUR)),
            ..draft()
        });
        assert!(invalid.on("fixed").is_some_and(|m| m.contains("not EUR")));
        let no_amounts = DiscountDraft {
            currency: None,
            ..draft()
        };
        assert!(DiscountTerms::new(no_amounts, day(2026, 11, 23), None).is_ok());
    }

    #[test]
    fn amounts_and_days_keep_to_their_limits() {
        let invalid = refused(DiscountDraft {
            name: "  ".into(),
            amount: DiscountAmount::Percent(10_001),
            deadline: DiscountDeadline::DaysFromOffer(366),
            min_balance: Some(gbp(-1)),
            ..draft()
        });
        let fields: Vec<&str> = invalid.0.iter().map(|p| p.field).collect();
        assert_eq!(fields, ["name", "percent", "min_balance", "days"]);
        let invalid = refused(DiscountDraft {
            amount: DiscountAmount::Fixed(gbp(0)),
            ..draft()
        });
        assert!(invalid.on("fixed").is_some());
    }

    proptest! {
        #[test]
        fn an_offer_never_takes_the_whole_balance_and_adds_up(balance in 2i64..100_000_000, bp in 1u32..=10_000) {
            let r = rule(1, DiscountAmount::Percent(bp), DiscountDeadline::On(day(2026, 12, 31)));
            if let Some(offer) = r.offer(gbp(balance), 1, day(2026, 11, 23), day(2026, 11, 23)) {
                prop_assert!(offer.pay.is_positive());
                prop_assert_eq!(offer.pay.checked_add(&offer.discount).unwrap(), gbp(balance));
            }
        }
    }
}
