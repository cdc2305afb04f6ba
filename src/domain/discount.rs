//! Early-payment discounts: which rule applies to a balance today, the exact amount to pay
//! and the last day it holds, and whether a payment made on a given day qualifies.
use chrono::{Days, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};

use super::money::Money;

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
    use crate::domain::Currency;
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
