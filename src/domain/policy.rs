//! A creditor's payment plan policy, and checking plans against it.
//!
//! A plan within the policy is accepted at once; a plan outside it becomes a
//! proposal that the creditor's staff review. So a breach is not a refusal:
//! each [`Breach`] says, in words the person can read, what the policy
//! allows, so they can either change their plan or send it as a proposal.

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;

use std::ops::RangeInclusive;

use super::invalid::{Invalid, range_message};
use super::money::{Currency, Money};
use super::schedule::{Frequency, MAX_INSTALLMENTS, Schedule, due_date, quantity};

/// The terms of a policy as someone proposes them: not yet checked. Only
/// [`PlanPolicy::new`] turns them into a policy, so every saved policy keeps its rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyTerms {
    pub allowed_frequencies: Vec<Frequency>,
    pub max_installments: u32,
    /// Counted from today to the last payment's due date.
    pub max_duration_days: u32,
    /// The smallest regular payment. Only the payment of whatever is left
    /// of the balance (usually the last) may be smaller.
    pub min_installment: Money,
    /// How far ahead someone may choose to pay in full later.
    pub max_deferral_days: u32,
    /// Days after a due date before an unpaid installment counts as missed.
    pub grace_days: u32,
    /// How many missed installments end a plan.
    pub missed_to_break: u32,
    pub allow_move_date: bool,
    pub allow_skip: bool,
    /// The longest breathing space a person may take by themselves; 0 means none is offered.
    pub breathing_space_max_days: u32,
}

impl PolicyTerms {
    /// A reasonable starting policy: any frequency, up to 12 payments over a
    /// year, payments of at least 10 in major units (£10.00, ¥10, BHD
    /// 10.000), pay later by up to 60 days, a week's grace, and two missed
    /// payments before a plan ends.
    pub fn default_for(currency: Currency) -> PolicyTerms {
        PolicyTerms {
            allowed_frequencies: Frequency::ALL.to_vec(),
            max_installments: 12,
            max_duration_days: 365,
            min_installment: Money::new_rounded(Decimal::TEN, currency),
            max_deferral_days: 60,
            grace_days: 7,
            missed_to_break: 2,
            allow_move_date: true,
            allow_skip: true,
            breathing_space_max_days: 60,
        }
    }
}

/// What a creditor allows without review. Made only by [`PlanPolicy::new`], which checks the
/// limits below, so a policy in hand is always one a plan can be measured against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanPolicy {
    terms: PolicyTerms,
}

impl PlanPolicy {
    /// Most payments in a plan: the schedule's own limit.
    pub const INSTALLMENTS: RangeInclusive<u32> = 1..=MAX_INSTALLMENTS;
    /// Longest plan: ten years.
    pub const DURATION_DAYS: RangeInclusive<u32> = 1..=3650;
    /// Longest pause: a year.
    pub const DEFERRAL_DAYS: RangeInclusive<u32> = 0..=365;
    pub const GRACE_DAYS: RangeInclusive<u32> = 0..=60;
    pub const MISSED_TO_BREAK: RangeInclusive<u32> = 1..=12;
    /// Longest breathing space: 60 days (0: not offered).
    pub const BREATHING_SPACE_DAYS: RangeInclusive<u32> = 0..=60;

    /// Checks `terms`; every broken rule comes back keyed by its form field.
    ///
    /// Besides each number's limits: at least one frequency, and a smallest payment that is
    /// not negative and fits in what we store (minor units in a 64-bit integer), since a
    /// minimum we cannot store would be saved as something else.
    pub fn new(terms: PolicyTerms) -> Result<PlanPolicy, Invalid> {
        let mut invalid = Invalid::default();
        invalid.check(
            terms.allowed_frequencies.is_empty(),
            "weekly",
            "Choose at least one way to pay",
        );
        let counts = [
            (
                "max_installments",
                terms.max_installments,
                Self::INSTALLMENTS,
            ),
            (
                "max_duration_days",
                terms.max_duration_days,
                Self::DURATION_DAYS,
            ),
            (
                "max_deferral_days",
                terms.max_deferral_days,
                Self::DEFERRAL_DAYS,
            ),
            ("grace_days", terms.grace_days, Self::GRACE_DAYS),
            (
                "missed_to_break",
                terms.missed_to_break,
                Self::MISSED_TO_BREAK,
            ),
            (
                "breathing_space_max_days",
                terms.breathing_space_max_days,
                Self::BREATHING_SPACE_DAYS,
            ),
        ];
        for (field, value, range) in counts {
            invalid.check(!range.contains(&value), field, range_message(&range));
        }
        invalid.check(
            terms.min_installment.is_negative() || terms.min_installment.to_minor().is_err(),
            "min_installment",
            "Enter an amount of zero or more that we can store, like 10.00",
        );
        invalid.or_ok(|| PlanPolicy { terms })
    }

    /// A reasonable starting policy; see [`PolicyTerms::default_for`].
    pub fn default_for(currency: Currency) -> PlanPolicy {
        PlanPolicy {
            terms: PolicyTerms::default_for(currency),
        }
    }

    /// The terms, to change some and check them again with [`PlanPolicy::new`].
    pub fn terms(&self) -> PolicyTerms {
        self.terms.clone()
    }

    pub fn allowed_frequencies(&self) -> &[Frequency] {
        &self.terms.allowed_frequencies
    }

    pub fn max_installments(&self) -> u32 {
        self.terms.max_installments
    }

    pub fn max_duration_days(&self) -> u32 {
        self.terms.max_duration_days
    }

    pub fn min_installment(&self) -> Money {
        self.terms.min_installment
    }

    pub fn max_deferral_days(&self) -> u32 {
        self.terms.max_deferral_days
    }

    pub fn grace_days(&self) -> u32 {
        self.terms.grace_days
    }

    pub fn missed_to_break(&self) -> u32 {
        self.terms.missed_to_break
    }

    pub fn allow_move_date(&self) -> bool {
        self.terms.allow_move_date
    }

    pub fn breathing_space_max_days(&self) -> u32 {
        self.terms.breathing_space_max_days
    }

    pub fn allow_skip(&self) -> bool {
        self.terms.allow_skip
    }

    pub fn allows(&self, frequency: Frequency) -> bool {
        self.terms.allowed_frequencies.contains(&frequency)
    }

    /// The minimum payment in the balance's currency.
    ///
    /// A policy is set up for one currency. If it is used for a balance in
    /// another, its minimum is read as the same number of major units (10
    /// means £10.00 or €10.00), rounded to that currency's decimal places,
    /// rather than comparing amounts in different currencies.
    pub fn min_installment_in(&self, currency: Currency) -> Money {
        if self.terms.min_installment.currency() == currency {
            self.terms.min_installment
        } else {
            Money::new_rounded(self.terms.min_installment.amount(), currency)
        }
    }
}

/// One way a plan goes beyond the policy, in words for the person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Breach {
    #[error("Payments {} are not offered for this account", .0.label())]
    FrequencyNotAllowed(Frequency),
    #[error("{}", too_many_installments_message(*.max))]
    TooManyInstallments { max: u32 },
    #[error("{}", too_long_message(*.max_days))]
    TooLong { max_days: u32 },
    #[error("Each payment must be at least {min}")]
    InstallmentTooSmall { min: Money },
    #[error("{}", deferral_too_long_message(*.max_days))]
    DeferralTooLong { max_days: u32 },
    #[error("Choose today or a date in the future")]
    DeferralInPast,
}

fn too_many_installments_message(max: u32) -> String {
    if max == 0 {
        return "Payment plans are not offered for this account".to_string();
    }
    format!(
        "Plans can have up to {}",
        quantity(max, "payment", "payments")
    )
}

fn too_long_message(max_days: u32) -> String {
    if max_days == 0 {
        return "Plans must be paid in full today".to_string();
    }
    format!("Plans can last up to {}", quantity(max_days, "day", "days"))
}

fn deferral_too_long_message(max_days: u32) -> String {
    if max_days == 0 {
        return "Paying later is not offered for this account".to_string();
    }
    format!(
        "You can pay later by up to {}",
        quantity(max_days, "day", "days")
    )
}

/// Every way `schedule` goes beyond `policy`, in a stable order; empty when
/// the plan can be accepted at once.
pub fn check_schedule(policy: &PlanPolicy, schedule: &Schedule, today: NaiveDate) -> Vec<Breach> {
    [
        frequency_breach(policy, schedule),
        count_breach(policy, schedule),
        duration_breach(policy, schedule, today),
        amount_breach(policy, schedule),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// True when `schedule` can be accepted without review.
pub fn within_policy(policy: &PlanPolicy, schedule: &Schedule, today: NaiveDate) -> bool {
    check_schedule(policy, schedule, today).is_empty()
}

fn frequency_breach(policy: &PlanPolicy, schedule: &Schedule) -> Option<Breach> {
    let frequency = schedule.frequency();
    (!policy.allows(frequency)).then_some(Breach::FrequencyNotAllowed(frequency))
}

fn count_breach(policy: &PlanPolicy, schedule: &Schedule) -> Option<Breach> {
    (schedule.count() > policy.max_installments()).then_some(Breach::TooManyInstallments {
        max: policy.max_installments(),
    })
}

fn duration_breach(policy: &PlanPolicy, schedule: &Schedule, today: NaiveDate) -> Option<Breach> {
    let days = days_from(today, schedule.last_due());
    (days > i64::from(policy.max_duration_days())).then_some(Breach::TooLong {
        max_days: policy.max_duration_days(),
    })
}

/// Whole days from `today` to `date`; negative for dates already past.
fn days_from(today: NaiveDate, date: NaiveDate) -> i64 {
    (date - today).num_days()
}

/// Regular payments must be at least the minimum. One payment may be
/// smaller: the one that is just what is left of the balance, since nobody
/// should be asked to pay more than they owe to reach a minimum. For the
/// same reason a plan's only payment is never too small.
///
/// The remainder is usually the final payment, but after a skip it can sit
/// in the middle of the plan, so it is found by amount, not by position.
fn amount_breach(policy: &PlanPolicy, schedule: &Schedule) -> Option<Breach> {
    let min = policy.min_installment_in(schedule.total().currency());
    let is_below_min = |amount: Money| amount.amount() < min.amount();
    let payments_below_min = schedule
        .installments()
        .iter()
        .filter(|installment| is_below_min(installment.amount))
        .count();
    let acceptable = schedule.count() == 1
        || (!is_below_min(schedule.regular_amount()) && payments_below_min <= 1);
    (!acceptable).then_some(Breach::InstallmentTooSmall { min })
}

/// Every way paying in full on `until` goes beyond `policy`.
pub fn check_deferral(policy: &PlanPolicy, today: NaiveDate, until: NaiveDate) -> Vec<Breach> {
    let days = days_from(today, until);
    if days < 0 {
        return vec![Breach::DeferralInPast];
    }
    if days > i64::from(policy.max_deferral_days()) {
        return vec![Breach::DeferralTooLong {
            max_days: policy.max_deferral_days(),
        }];
    }
    Vec::new()
}

/// What a policy allows for one balance, starting today: for hints on the
/// person's form ("You can choose up to 12 payments of at least £83.34")
/// and for staff comparing a proposal with the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    pub fewest_payments: u32,
    /// With the most frequent allowed frequency and the first payment due
    /// today. A later first payment, or a less frequent schedule, may fit
    /// fewer payments within the maximum duration. 0 when no plan fits.
    pub most_payments: u32,
    /// The smallest regular payment that fits within the policy: the
    /// minimum, or more when the balance needs it to fit in the most
    /// payments; never more than the balance.
    pub smallest_payment: Money,
    /// The last day a plan may end.
    pub latest_end: NaiveDate,
}

impl Allowance {
    /// False when the policy allows no plan at all for this balance, so only
    /// a proposal is possible.
    pub fn allows_a_plan(&self) -> bool {
        self.fewest_payments <= self.most_payments
    }
}

/// What `policy` would allow for a balance of `total`, starting today.
///
/// Every number of payments from `fewest_payments` to `most_payments`,
/// split equally and starting today at the most frequent allowed frequency,
/// is within the policy, and so is paying `smallest_payment` each time.
pub fn allowance(policy: &PlanPolicy, total: Money, today: NaiveDate) -> Allowance {
    let latest_end = today
        .checked_add_days(Days::new(u64::from(policy.max_duration_days())))
        .unwrap_or(NaiveDate::MAX);
    let currency = total.currency();
    let min_minor = policy
        .min_installment_in(currency)
        .to_minor()
        .unwrap_or(i64::MAX)
        .max(1);
    let total_minor = match total.to_minor() {
        Ok(minor) if minor > 0 => minor,
        // Nothing owed, or beyond anything we can count: no plan to offer.
        _ => return no_plan_possible(total, latest_end),
    };
    let most_by_amount = u32::try_from(total_minor / min_minor)
        .unwrap_or(u32::MAX)
        .max(1);
    let most_by_count = policy.max_installments().min(MAX_INSTALLMENTS);
    let cap = most_by_amount.min(most_by_count);
    let most_payments = policy
        .allowed_frequencies()
        .iter()
        .map(|&frequency| payments_that_fit(frequency, today, latest_end, cap))
        .max()
        .unwrap_or(0);
    if most_payments == 0 {
        return no_plan_possible(total, latest_end);
    }
    let by_spreading = (total_minor - 1) / i64::from(most_payments) + 1;
    let smallest_minor = by_spreading.max(min_minor).min(total_minor);
    Allowance {
        fewest_payments: 1,
        most_payments,
        smallest_payment: Money::from_minor(smallest_minor, currency),
        latest_end,
    }
}

fn no_plan_possible(total: Money, latest_end: NaiveDate) -> Allowance {
    Allowance {
        fewest_payments: 1,
        most_payments: 0,
        smallest_payment: total,
        latest_end,
    }
}

/// How many payments, up to `cap`, starting today fall due by `latest_end`.
fn payments_that_fit(
    frequency: Frequency,
    today: NaiveDate,
    latest_end: NaiveDate,
    cap: u32,
) -> u32 {
    (0..cap)
        .take_while(|&index| due_date(today, frequency, index).is_some_and(|due| due <= latest_end))
        .count()
        .try_into()
        .unwrap_or(cap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::schedule::{PlanSize, build, skip_installment};
    use proptest::prelude::*;

    fn gbp(minor: i64) -> Money {
        Money::from_minor(minor, Currency::GBP)
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn today() -> NaiveDate {
        date(2025, 6, 15)
    }

    fn policy() -> PlanPolicy {
        PlanPolicy::default_for(Currency::GBP)
    }

    /// The policy with some terms changed, checked again.
    fn changed(policy: &PlanPolicy, change: impl FnOnce(&mut PolicyTerms)) -> PlanPolicy {
        let mut terms = policy.terms();
        change(&mut terms);
        PlanPolicy::new(terms).expect("a policy within its own rules")
    }

    fn plan(total: i64, frequency: Frequency, size: PlanSize) -> Schedule {
        build(gbp(total), frequency, size, today()).expect("valid plan")
    }

    fn monthly(total: i64, count: u32) -> Schedule {
        plan(total, Frequency::Monthly, PlanSize::NumberOfPayments(count))
    }

    // ---- The default policy ----

    #[test]
    fn default_policy() {
        let policy = policy();
        assert_eq!(policy.allowed_frequencies(), Frequency::ALL.to_vec());
        assert_eq!(policy.max_installments(), 12);
        assert_eq!(policy.max_duration_days(), 365);
        assert_eq!(policy.min_installment(), gbp(1000));
        assert_eq!(policy.max_deferral_days(), 60);
        assert_eq!(policy.grace_days(), 7);
        assert_eq!(policy.missed_to_break(), 2);
        assert!(policy.allow_move_date() && policy.allow_skip());
    }

    #[test]
    fn default_minimum_is_ten_major_units() {
        let min = |code: &str| {
            let currency = Currency::parse(code).expect("supported");
            PlanPolicy::default_for(currency)
                .min_installment()
                .to_string()
        };
        assert_eq!(min("GBP"), "£10.00");
        assert_eq!(min("JPY"), "¥10");
        assert_eq!(min("BHD"), "BHD 10.000");
    }

    #[test]
    fn a_minimum_in_another_currency_is_read_in_the_balance_currency() {
        let mut policy = policy();
        policy = changed(&policy, |t| t.min_installment = gbp(1050));
        assert_eq!(policy.min_installment_in(Currency::GBP), gbp(1050));
        assert_eq!(
            policy.min_installment_in(Currency::EUR),
            Money::from_minor(1050, Currency::EUR)
        );
        assert_eq!(
            policy.min_installment_in(Currency::JPY),
            Money::from_minor(11, Currency::JPY)
        );
    }

    // ---- Schedules ----

    #[test]
    fn a_plan_within_every_rule_has_no_breaches() {
        let schedule = monthly(120_000, 12);
        assert_eq!(check_schedule(&policy(), &schedule, today()), vec![]);
        assert!(within_policy(&policy(), &schedule, today()));
    }

    #[test]
    fn frequency_must_be_offered() {
        let mut policy = policy();
        policy = changed(&policy, |t| {
            t.allowed_frequencies = vec![Frequency::Monthly]
        });
        let weekly = plan(10_000, Frequency::Weekly, PlanSize::NumberOfPayments(4));
        assert_eq!(
            check_schedule(&policy, &weekly, today()),
            vec![Breach::FrequencyNotAllowed(Frequency::Weekly)]
        );
        assert!(!within_policy(&policy, &weekly, today()));
    }

    #[test]
    fn number_of_payments_is_limited() {
        let weekly = |count| {
            plan(
                100_000,
                Frequency::Weekly,
                PlanSize::NumberOfPayments(count),
            )
        };
        assert_eq!(check_schedule(&policy(), &weekly(12), today()), vec![]);
        assert_eq!(
            check_schedule(&policy(), &weekly(13), today()),
            vec![Breach::TooManyInstallments { max: 12 }]
        );
    }

    #[test]
    fn duration_is_counted_from_today_to_the_last_payment() {
        let mut policy = policy();
        policy = changed(&policy, |t| t.max_installments = 100);
        // 53 weekly payments from today end 364 days later; 54 end after 371.
        let weekly = |count| {
            plan(
                100_000,
                Frequency::Weekly,
                PlanSize::NumberOfPayments(count),
            )
        };
        assert_eq!(check_schedule(&policy, &weekly(53), today()), vec![]);
        assert_eq!(
            check_schedule(&policy, &weekly(54), today()),
            vec![Breach::TooLong { max_days: 365 }]
        );
        // Exactly 365 days is allowed; one more is not.
        let ends_on = |last| {
            build(
                gbp(5000),
                Frequency::Weekly,
                PlanSize::NumberOfPayments(1),
                last,
            )
            .expect("valid plan")
        };
        let limit = today() + chrono::Duration::days(365);
        assert!(within_policy(&policy, &ends_on(limit), today()));
        assert_eq!(
            check_schedule(&policy, &ends_on(limit.succ_opt().expect("date")), today()),
            vec![Breach::TooLong { max_days: 365 }]
        );
    }

    #[test]
    fn regular_payments_must_reach_the_minimum() {
        // £50.00 in 6 is £8.33 a payment, below £10.00.
        assert_eq!(
            check_schedule(&policy(), &monthly(5000, 6), today()),
            vec![Breach::InstallmentTooSmall { min: gbp(1000) }]
        );
        assert_eq!(
            check_schedule(&policy(), &monthly(6000, 6), today()),
            vec![]
        );
        // £19.99 in 2 is £9.99 then £10.00: the regular payment is too small.
        assert_eq!(
            check_schedule(&policy(), &monthly(1999, 2), today()),
            vec![Breach::InstallmentTooSmall { min: gbp(1000) }]
        );
    }

    #[test]
    fn a_smaller_last_payment_may_be_below_the_minimum() {
        let schedule = plan(6500, Frequency::Monthly, PlanSize::PerPayment(gbp(3000)));
        assert_eq!(schedule.final_amount(), gbp(500));
        assert_eq!(check_schedule(&policy(), &schedule, today()), vec![]);
        // Still fine once a skip has moved it to the middle of the plan.
        let skipped = skip_installment(&schedule, 1).expect("allowed");
        assert_eq!(skipped.installments()[1].amount, gbp(500));
        assert_eq!(check_schedule(&policy(), &skipped, today()), vec![]);
    }

    #[test]
    fn a_regular_amount_below_the_minimum_breaches_even_with_a_small_last_payment() {
        let schedule = plan(2000, Frequency::Monthly, PlanSize::PerPayment(gbp(900)));
        assert_eq!(schedule.installments().len(), 3);
        assert_eq!(
            check_schedule(&policy(), &schedule, today()),
            vec![Breach::InstallmentTooSmall { min: gbp(1000) }]
        );
    }

    #[test]
    fn paying_a_small_balance_in_one_payment_is_fine() {
        assert_eq!(check_schedule(&policy(), &monthly(500, 1), today()), vec![]);
        assert_eq!(
            check_schedule(&policy(), &monthly(500, 2), today()),
            vec![Breach::InstallmentTooSmall { min: gbp(1000) }]
        );
    }

    #[test]
    fn every_breach_is_reported() {
        let mut policy = policy();
        policy = changed(&policy, |t| {
            t.allowed_frequencies = vec![Frequency::Monthly]
        });
        let schedule = plan(10_000, Frequency::Weekly, PlanSize::NumberOfPayments(60));
        assert_eq!(
            check_schedule(&policy, &schedule, today()),
            vec![
                Breach::FrequencyNotAllowed(Frequency::Weekly),
                Breach::TooManyInstallments { max: 12 },
                Breach::TooLong { max_days: 365 },
                Breach::InstallmentTooSmall { min: gbp(1000) },
            ]
        );
    }

    // ---- Paying later ----

    #[test]
    fn paying_later_is_limited() {
        let policy = policy();
        let later = |days| today() + chrono::Duration::days(days);
        assert_eq!(check_deferral(&policy, today(), today()), vec![]);
        assert_eq!(check_deferral(&policy, today(), later(60)), vec![]);
        assert_eq!(
            check_deferral(&policy, today(), later(61)),
            vec![Breach::DeferralTooLong { max_days: 60 }]
        );
        assert_eq!(
            check_deferral(&policy, today(), later(-1)),
            vec![Breach::DeferralInPast]
        );
    }

    // ---- Messages ----

    #[test]
    fn breaches_are_explained_in_plain_words() {
        let message = |breach: Breach| breach.to_string();
        assert_eq!(
            message(Breach::FrequencyNotAllowed(Frequency::Weekly)),
            "Payments every week are not offered for this account"
        );
        assert_eq!(
            message(Breach::TooManyInstallments { max: 12 }),
            "Plans can have up to 12 payments"
        );
        assert_eq!(
            message(Breach::TooManyInstallments { max: 1 }),
            "Plans can have up to 1 payment"
        );
        assert_eq!(
            message(Breach::TooManyInstallments { max: 0 }),
            "Payment plans are not offered for this account"
        );
        assert_eq!(
            message(Breach::InstallmentTooSmall { min: gbp(1000) }),
            "Each payment must be at least £10.00"
        );
        assert_eq!(
            message(Breach::TooLong { max_days: 365 }),
            "Plans can last up to 365 days"
        );
        assert_eq!(
            message(Breach::DeferralTooLong { max_days: 60 }),
            "You can pay later by up to 60 days"
        );
        assert_eq!(
            message(Breach::DeferralTooLong { max_days: 0 }),
            "Paying later is not offered for this account"
        );
        assert_eq!(
            message(Breach::DeferralInPast),
            "Choose today or a date in the future"
        );
    }

    // ---- Allowance ----

    #[test]
    fn allowance_for_a_typical_balance() {
        let allowance = allowance(&policy(), gbp(100_000), today());
        assert_eq!(
            allowance,
            Allowance {
                fewest_payments: 1,
                most_payments: 12,
                smallest_payment: gbp(8334),
                latest_end: date(2026, 6, 15),
            }
        );
        assert!(allowance.allows_a_plan());
    }

    #[test]
    fn allowance_for_a_small_balance_is_limited_by_the_minimum() {
        let small = allowance(&policy(), gbp(2500), today());
        assert_eq!(small.most_payments, 2);
        assert_eq!(small.smallest_payment, gbp(1250));
        let tiny = allowance(&policy(), gbp(700), today());
        assert_eq!(tiny.most_payments, 1);
        assert_eq!(tiny.smallest_payment, gbp(700));
    }

    #[test]
    fn allowance_is_limited_by_duration_at_the_fastest_allowed_frequency() {
        let mut policy = policy();
        policy = changed(&policy, |t| t.max_duration_days = 60);
        policy = changed(&policy, |t| {
            t.allowed_frequencies = vec![Frequency::Monthly, Frequency::Fortnightly]
        });
        // Fortnightly: today, +14, +28, +42, +56.
        assert_eq!(allowance(&policy, gbp(100_000), today()).most_payments, 5);
        policy = changed(&policy, |t| {
            t.allowed_frequencies = vec![Frequency::Monthly]
        });
        // Monthly: 15 June, 15 July, 15 August (61 days) is too late.
        let monthly = allowance(&policy, gbp(100_000), today());
        assert_eq!(monthly.most_payments, 2);
        assert_eq!(monthly.smallest_payment, gbp(50_000));
    }

    #[test]
    fn allowance_when_nothing_is_owed() {
        assert!(!allowance(&policy(), gbp(0), today()).allows_a_plan());
        assert!(!allowance(&policy(), gbp(-500), today()).allows_a_plan());
    }

    // ---- Making a policy ----

    fn problems_with(change: impl FnOnce(&mut PolicyTerms)) -> Invalid {
        let mut terms = policy().terms();
        change(&mut terms);
        PlanPolicy::new(terms).expect_err("terms outside the rules")
    }

    #[test]
    fn the_default_terms_make_a_policy() {
        assert_eq!(PlanPolicy::new(policy().terms()), Ok(policy()));
    }

    #[test]
    fn a_policy_needs_a_way_to_pay() {
        let invalid = problems_with(|t| t.allowed_frequencies.clear());
        assert_eq!(invalid.on("weekly"), Some("Choose at least one way to pay"));
    }

    #[test]
    fn more_payments_than_a_schedule_can_hold_are_refused() {
        let invalid = problems_with(|t| t.max_installments = MAX_INSTALLMENTS + 1);
        assert_eq!(
            invalid.on("max_installments"),
            Some("Enter a whole number from 1 to 520")
        );
        let invalid = problems_with(|t| t.max_installments = 0);
        assert!(invalid.on("max_installments").is_some());
        let mut terms = policy().terms();
        terms.max_installments = MAX_INSTALLMENTS;
        assert!(PlanPolicy::new(terms).is_ok());
    }

    #[test]
    fn every_number_keeps_to_its_limits() {
        let invalid = problems_with(|t| {
            t.max_duration_days = 0;
            t.max_deferral_days = 366;
            t.grace_days = 61;
            t.missed_to_break = 0;
        });
        let fields: Vec<&str> = invalid.0.iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [
                "max_duration_days",
                "max_deferral_days",
                "grace_days",
                "missed_to_break"
            ]
        );
    }

    #[test]
    fn a_minimum_payment_below_zero_or_beyond_what_we_store_is_refused() {
        let invalid = problems_with(|t| t.min_installment = gbp(-1));
        assert!(invalid.on("min_installment").is_some());
        let too_big = Money::new_rounded(Decimal::from(i64::MAX) * Decimal::TEN, Currency::GBP);
        let invalid = problems_with(|t| t.min_installment = too_big);
        assert!(invalid.on("min_installment").is_some());
        let mut terms = policy().terms();
        terms.min_installment = gbp(0);
        assert!(PlanPolicy::new(terms).is_ok(), "zero means no minimum");
    }

    // ---- Properties ----

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        (0_u64..36_525).prop_map(|days| {
            date(2000, 1, 1)
                .checked_add_days(Days::new(days))
                .expect("within the calendar")
        })
    }

    fn any_limits() -> impl Strategy<Value = (u32, u32, i64)> {
        (1_u32..=60, 1_u32..=800, 1_i64..=50_000)
    }

    fn policy_with(
        allowed_frequencies: Vec<Frequency>,
        (max_installments, max_duration_days, min_minor): (u32, u32, i64),
    ) -> PlanPolicy {
        PlanPolicy::new(PolicyTerms {
            allowed_frequencies,
            max_installments,
            max_duration_days,
            min_installment: gbp(min_minor),
            ..policy().terms()
        })
        .expect("limits within the policy's own rules")
    }

    fn any_allowed_frequencies() -> impl Strategy<Value = Vec<Frequency>> {
        proptest::sample::subsequence(Frequency::ALL.to_vec(), 1..=4).prop_shuffle()
    }

    proptest! {
        #[test]
        fn monthly_plans_within_the_allowance_are_within_policy(
            limits in any_limits(),
            total in 1_i64..=100_000_000,
            which in any::<prop::sample::Index>(),
            today in any_date(),
        ) {
            let policy = policy_with(vec![Frequency::Monthly], limits);
            let allowance = allowance(&policy, gbp(total), today);
            prop_assert!(allowance.allows_a_plan());
            let span = (allowance.most_payments - allowance.fewest_payments + 1) as usize;
            let count = allowance.fewest_payments + which.index(span) as u32;
            let schedule = build(
                gbp(total),
                Frequency::Monthly,
                PlanSize::NumberOfPayments(count),
                today,
            ).expect("valid plan");
            prop_assert!(schedule.last_due() <= allowance.latest_end);
            prop_assert_eq!(check_schedule(&policy, &schedule, today), vec![]);
        }

        #[test]
        fn the_fastest_allowed_frequency_reaches_the_allowance(
            allowed in any_allowed_frequencies(),
            limits in any_limits(),
            total in 1_i64..=100_000_000,
            which in any::<prop::sample::Index>(),
            today in any_date(),
        ) {
            let policy = policy_with(allowed, limits);
            let fastest = Frequency::ALL
                .into_iter()
                .find(|f| policy.allows(*f))
                .expect("at least one allowed");
            let allowance = allowance(&policy, gbp(total), today);
            prop_assert!(allowance.allows_a_plan());
            let span = (allowance.most_payments - allowance.fewest_payments + 1) as usize;
            let count = allowance.fewest_payments + which.index(span) as u32;
            let by_count = build(
                gbp(total),
                fastest,
                PlanSize::NumberOfPayments(count),
                today,
            ).expect("valid plan");
            prop_assert_eq!(check_schedule(&policy, &by_count, today), vec![]);

            let by_amount = build(
                gbp(total),
                fastest,
                PlanSize::PerPayment(allowance.smallest_payment),
                today,
            ).expect("valid plan");
            prop_assert_eq!(check_schedule(&policy, &by_amount, today), vec![]);
        }

        #[test]
        fn one_more_payment_than_the_allowance_is_never_within_policy(
            allowed in any_allowed_frequencies(),
            limits in any_limits(),
            total in 1_i64..=100_000_000,
            frequency in proptest::sample::select(Frequency::ALL.to_vec()),
            today in any_date(),
        ) {
            let policy = policy_with(allowed, limits);
            let allowance = allowance(&policy, gbp(total), today);
            let count = allowance.most_payments + 1;
            if let Ok(schedule) = build(
                gbp(total),
                frequency,
                PlanSize::NumberOfPayments(count),
                today,
            ) {
                prop_assert!(!within_policy(&policy, &schedule, today));
            }
        }
    }
}
