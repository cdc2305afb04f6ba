//! Payment plan schedules: what someone owes, split into payments on dates
//! that follow their payday.
//!
//! Every [`Schedule`] keeps, by construction, the rules a person checking it
//! by hand would expect:
//!
//! - the payments add up to exactly the amount owed, to the last penny, and
//!   any remainder goes on the last payment;
//! - every payment is more than zero, in whole minor units of the currency;
//! - due dates strictly increase and keep the rhythm of the first date: for
//!   monthly plans the same day of the month, or the month's last day when the
//!   month is shorter (31 January, 29 February, 31 March, 30 April).
//!
//! All the money arithmetic is done in whole minor units (pence, cents, yen),
//! so nothing is ever rounded.

use chrono::{Datelike, Days, Months, NaiveDate};

use super::money::{Currency, Money};

/// The most payments one plan may have: ten years of weekly payments.
///
/// A longer plan is almost certainly a typing mistake (a few pence a week),
/// and the limit keeps a schedule small enough to show on one page.
pub const MAX_INSTALLMENTS: u32 = 520;

stored_enum! {
    /// How often payments fall due. People choose the one that matches their
    /// payday, so the words match how pay is usually described. Stored in
    /// `plans.frequency`; listed most frequent first.
    #[derive(PartialOrd, Ord)]
    pub enum Frequency {
        Weekly = "weekly",
        Fortnightly = "fortnightly",
        FourWeekly = "four_weekly",
        Monthly = "monthly",
    }
}

/// The distance between two due dates. Months are not a fixed number of
/// days, so they are kept apart from day-based steps.
enum Step {
    Days(u64),
    Months(u32),
}

impl Frequency {
    /// Plain words for the person choosing, e.g. "every 2 weeks" (clearer
    /// than "fortnightly" for people reading in a second language).
    pub fn label(self) -> &'static str {
        match self {
            Frequency::Weekly => "every week",
            Frequency::Fortnightly => "every 2 weeks",
            Frequency::FourWeekly => "every 4 weeks",
            Frequency::Monthly => "every month",
        }
    }

    fn step(self) -> Step {
        match self {
            Frequency::Weekly => Step::Days(7),
            Frequency::Fortnightly => Step::Days(14),
            Frequency::FourWeekly => Step::Days(28),
            Frequency::Monthly => Step::Months(1),
        }
    }
}

/// How the person chose to size their plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanSize {
    /// "I can pay £50 each time": every payment is this amount, except a
    /// smaller last one for whatever is left.
    PerPayment(Money),
    /// "I want to pay in 6 payments": equal payments, with any remainder on
    /// the last one.
    NumberOfPayments(u32),
}

/// One payment in a schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Installment {
    /// Position in the plan, starting at 1, as shown to the person
    /// ("payment 3 of 12").
    pub seq: u32,
    pub due_on: NaiveDate,
    pub amount: Money,
}

/// Why a schedule could not be made or changed.
///
/// The messages are written to be shown next to the form field the person
/// filled in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("There is nothing to pay, so there is no plan to set up")]
    NothingToPay,
    #[error("Choose at least 1 payment")]
    NoPayments,
    #[error("{}", too_many_payments_message(*.most))]
    TooManyPayments { most: u32 },
    #[error("Each payment must be more than {}", Money::zero(*.currency))]
    AmountPerPaymentNotPositive { currency: Currency },
    #[error("Enter the amount in {}", .expected.major_name(true))]
    AmountInAnotherCurrency { expected: Currency },
    #[error("That would take too many payments. Choose a larger amount")]
    WouldTakeTooManyPayments,
    #[error("This amount is too large for us to work with")]
    TooLarge,
    #[error("Choose a date closer to today")]
    DateTooFarAhead,
    #[error("We could not find payment {seq} in this plan")]
    NoSuchInstallment { seq: u32 },
    #[error(
        "Choose a date after {}, when your previous payment is due",
        long_date(*.previous)
    )]
    NotAfterPreviousPayment { previous: NaiveDate },
    #[error(
        "Choose a date before {}, when your next payment is due",
        long_date(*.next)
    )]
    NotBeforeNextPayment { next: NaiveDate },
    #[error("These payments do not make a valid plan")]
    NotAValidPlan,
    #[error("Choose today or a later date")]
    MoveIntoThePast,
    #[error(
        "Choose a date on or before {}, the latest your plan can run to",
        long_date(*.latest)
    )]
    MoveBeyondPlanEnd { latest: NaiveDate },
}

fn too_many_payments_message(most: u32) -> String {
    if most == 1 {
        "This amount can only be paid in 1 payment".to_string()
    } else {
        format!("Choose {} or fewer", quantity(most, "payment", "payments"))
    }
}

/// "1 payment", "12 payments".
pub(super) fn quantity(count: u32, singular: &str, plural: &str) -> String {
    let noun = if count == 1 { singular } else { plural };
    format!("{count} {noun}")
}

/// A date in full words, e.g. "Friday 12 December 2025", as people are
/// shown dates everywhere in the service.
pub(super) fn long_date(date: NaiveDate) -> String {
    date.format("%A %-d %B %Y").to_string()
}

/// A plan's payments, in date order.
///
/// Only made by [`build`], [`Schedule::restore`], [`move_installment`] and
/// [`skip_installment`], which all keep the rules in the module
/// documentation, so code holding a `Schedule` can rely on them. There is
/// always at least one installment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    frequency: Frequency,
    anchor_date: NaiveDate,
    total: Money,
    installments: Vec<Installment>,
}

impl Schedule {
    /// Rebuilds a schedule that was saved earlier (for example to move or
    /// skip one of its payments), checking it still keeps every rule.
    ///
    /// `anchor_date` is the first due date the plan was set up with; see
    /// [`Schedule::anchor_date`].
    pub fn restore(
        frequency: Frequency,
        anchor_date: NaiveDate,
        installments: Vec<Installment>,
    ) -> Result<Schedule, ScheduleError> {
        let first = installments.first().ok_or(ScheduleError::NotAValidPlan)?;
        let currency = first.amount.currency();
        let keeps_rules = is_numbered_from_one(&installments)
            && has_increasing_dates(&installments)
            && installments
                .iter()
                .all(|i| i.amount.currency() == currency && i.amount.is_positive());
        if !keeps_rules {
            return Err(ScheduleError::NotAValidPlan);
        }
        let total = Money::sum(currency, installments.iter().map(|i| i.amount))
            .map_err(|_| ScheduleError::TooLarge)?;
        Ok(Schedule {
            frequency,
            anchor_date,
            total,
            installments,
        })
    }

    pub fn installments(&self) -> &[Installment] {
        &self.installments
    }

    /// What the whole plan pays: always exactly the amount it was built for.
    pub fn total(&self) -> Money {
        self.total
    }

    pub fn count(&self) -> u32 {
        u32::try_from(self.installments.len()).unwrap_or(u32::MAX)
    }

    pub fn frequency(&self) -> Frequency {
        self.frequency
    }

    /// The first due date the plan was set up with. Later dates keep its
    /// rhythm (for monthly plans, its day of the month) even after payments
    /// are moved or skipped, so store it alongside the installments.
    pub fn anchor_date(&self) -> NaiveDate {
        self.anchor_date
    }

    pub fn first_due(&self) -> NaiveDate {
        self.first().due_on
    }

    pub fn last_due(&self) -> NaiveDate {
        self.last().due_on
    }

    /// The amount of most payments: the first one's.
    pub fn regular_amount(&self) -> Money {
        self.first().amount
    }

    /// The last payment's amount, which takes any remainder.
    pub fn final_amount(&self) -> Money {
        self.last().amount
    }

    fn first(&self) -> &Installment {
        self.installments
            .first()
            .expect("a schedule always has at least one installment")
    }

    fn last(&self) -> &Installment {
        self.installments
            .last()
            .expect("a schedule always has at least one installment")
    }

    fn index_of(&self, seq: u32) -> Result<usize, ScheduleError> {
        self.installments
            .iter()
            .position(|installment| installment.seq == seq)
            .ok_or(ScheduleError::NoSuchInstallment { seq })
    }
}

fn is_numbered_from_one(installments: &[Installment]) -> bool {
    installments
        .iter()
        .zip(1_u32..)
        .all(|(installment, seq)| installment.seq == seq)
}

fn has_increasing_dates(installments: &[Installment]) -> bool {
    installments
        .windows(2)
        .all(|pair| pair[0].due_on < pair[1].due_on)
}

/// The due date of the payment at `index` (0 is the first payment).
///
/// Monthly dates are always worked out from the first date, never from the
/// previous one: a plan starting on 31 January is due on 28 or 29 February,
/// then 31 March again, rather than drifting to the 28th for good. `None`
/// only for dates beyond what the calendar can hold.
pub fn due_date(first: NaiveDate, frequency: Frequency, index: u32) -> Option<NaiveDate> {
    match frequency.step() {
        Step::Days(days) => first.checked_add_days(Days::new(days.checked_mul(u64::from(index))?)),
        Step::Months(months) => first.checked_add_months(Months::new(months.checked_mul(index)?)),
    }
}

/// Splits `total` into a schedule of payments starting on `first_due`.
///
/// With [`PlanSize::NumberOfPayments`] the payments are equal, with the
/// remainder on the last (£100.00 in 3 is £33.33, £33.33, £33.34). With
/// [`PlanSize::PerPayment`] every payment is that amount except a smaller (or
/// equal) last one; an amount above the total gives a single payment.
pub fn build(
    total: Money,
    frequency: Frequency,
    size: PlanSize,
    first_due: NaiveDate,
) -> Result<Schedule, ScheduleError> {
    let total_minor = positive_minor_units(&total)?;
    let currency = total.currency();
    let amounts = match size {
        PlanSize::NumberOfPayments(count) => split_into_equal_payments(total_minor, count)?,
        PlanSize::PerPayment(amount) => split_by_amount(total_minor, &amount, currency)?,
    };
    let installments = place_on_due_dates(&amounts, currency, frequency, first_due)?;
    Ok(Schedule {
        frequency,
        anchor_date: first_due,
        total,
        installments,
    })
}

fn positive_minor_units(total: &Money) -> Result<i64, ScheduleError> {
    if !total.is_positive() {
        return Err(ScheduleError::NothingToPay);
    }
    total.to_minor().map_err(|_| ScheduleError::TooLarge)
}

/// The most payments `total_minor` can be split into with every payment at
/// least one minor unit, within [`MAX_INSTALLMENTS`].
fn most_payments_for(total_minor: i64) -> u32 {
    u32::try_from(total_minor).map_or(MAX_INSTALLMENTS, |units| units.min(MAX_INSTALLMENTS))
}

/// Equal payments in minor units, rounded down, with the remainder added to
/// the last so the sum is exact.
fn split_into_equal_payments(total_minor: i64, count: u32) -> Result<Vec<i64>, ScheduleError> {
    if count == 0 {
        return Err(ScheduleError::NoPayments);
    }
    let most = most_payments_for(total_minor);
    if count > most {
        return Err(ScheduleError::TooManyPayments { most });
    }
    let count_minor = i64::from(count);
    let regular = total_minor / count_minor;
    let last = regular + total_minor % count_minor;
    Ok(regular_then_last(regular, count, last))
}

/// `per_payment` each time, and a last payment for what is left.
fn split_by_amount(
    total_minor: i64,
    per_payment: &Money,
    currency: Currency,
) -> Result<Vec<i64>, ScheduleError> {
    if per_payment.currency() != currency {
        return Err(ScheduleError::AmountInAnotherCurrency { expected: currency });
    }
    if !per_payment.is_positive() {
        return Err(ScheduleError::AmountPerPaymentNotPositive { currency });
    }
    // An amount too large to count in minor units is certainly above the
    // total, so it pays everything at once.
    let regular = per_payment.to_minor().unwrap_or(i64::MAX).min(total_minor);
    // Rounds up: a part payment at the end still counts as a payment.
    let count = (total_minor - 1) / regular + 1;
    let count = u32::try_from(count)
        .ok()
        .filter(|count| *count <= MAX_INSTALLMENTS)
        .ok_or(ScheduleError::WouldTakeTooManyPayments)?;
    let last = total_minor - regular * i64::from(count - 1);
    Ok(regular_then_last(regular, count, last))
}

/// `count - 1` payments of `regular`, then `last`. `count` is at least 1.
fn regular_then_last(regular: i64, count: u32, last: i64) -> Vec<i64> {
    let mut amounts = vec![regular; count.saturating_sub(1) as usize];
    amounts.push(last);
    amounts
}

fn place_on_due_dates(
    amounts: &[i64],
    currency: Currency,
    frequency: Frequency,
    first_due: NaiveDate,
) -> Result<Vec<Installment>, ScheduleError> {
    (1_u32..)
        .zip(amounts)
        .map(|(seq, &minor)| {
            let due_on =
                due_date(first_due, frequency, seq - 1).ok_or(ScheduleError::DateTooFarAhead)?;
            Ok(Installment {
                seq,
                due_on,
                amount: Money::from_minor(minor, currency),
            })
        })
        .collect()
}

/// Moves one payment to another date, for example to just after a payday
/// that changed.
///
/// The payment keeps its place in the plan: the new date must be after the
/// previous payment's and before the next one's, so payments never swap
/// order or land on the same day.
pub fn move_installment(
    schedule: &Schedule,
    seq: u32,
    new_date: NaiveDate,
) -> Result<Schedule, ScheduleError> {
    let index = schedule.index_of(seq)?;
    let installments = schedule.installments();
    if let Some(previous) = index.checked_sub(1).and_then(|i| installments.get(i))
        && new_date <= previous.due_on
    {
        return Err(ScheduleError::NotAfterPreviousPayment {
            previous: previous.due_on,
        });
    }
    if let Some(next) = installments.get(index + 1)
        && new_date >= next.due_on
    {
        return Err(ScheduleError::NotBeforeNextPayment { next: next.due_on });
    }
    let mut moved = schedule.clone();
    if let Some(installment) = moved.installments.get_mut(index) {
        installment.due_on = new_date;
    }
    Ok(moved)
}

/// The dates a payment may move to, besides keeping its place between its neighbours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MoveWindow {
    /// Nothing moves into the past.
    pub today: NaiveDate,
    /// The latest date the plan may run to under its policy.
    pub latest: NaiveDate,
}

/// Moves one payment within `window`. Each payment has its own rule, and the message names
/// the one that applies to it: not before today, after the previous payment, before the next
/// one, and (for the last payment, which has no next one) not beyond the plan's latest date.
pub fn move_installment_within(
    schedule: &Schedule,
    seq: u32,
    new_date: NaiveDate,
    window: MoveWindow,
) -> Result<Schedule, ScheduleError> {
    if new_date < window.today {
        return Err(ScheduleError::MoveIntoThePast);
    }
    let moved = move_installment(schedule, seq, new_date)?;
    if new_date > window.latest {
        return Err(ScheduleError::MoveBeyondPlanEnd {
            latest: window.latest,
        });
    }
    Ok(moved)
}

/// Skips one payment: its amount moves to a new payment at the end of the
/// plan, one step after the current last payment, so the plan still pays
/// exactly the same in total. Payments are numbered 1, 2, 3... again.
pub fn skip_installment(schedule: &Schedule, seq: u32) -> Result<Schedule, ScheduleError> {
    let index = schedule.index_of(seq)?;
    let due_on = next_due_after(
        schedule.last_due(),
        schedule.frequency,
        schedule.anchor_date,
    )
    .ok_or(ScheduleError::DateTooFarAhead)?;
    let mut installments = schedule.installments.clone();
    let skipped = installments.remove(index);
    installments.push(Installment { due_on, ..skipped });
    for (installment, seq) in installments.iter_mut().zip(1_u32..) {
        installment.seq = seq;
    }
    Ok(Schedule {
        frequency: schedule.frequency,
        anchor_date: schedule.anchor_date,
        total: schedule.total,
        installments,
    })
}

/// One frequency step after `last`. Monthly plans go to the next month on
/// the anchor's day of the month (or that month's last day), so a plan set
/// up for the 31st stays on the 31st even if its last payment fell on the
/// 30th.
fn next_due_after(last: NaiveDate, frequency: Frequency, anchor: NaiveDate) -> Option<NaiveDate> {
    match frequency.step() {
        Step::Days(days) => last.checked_add_days(Days::new(days)),
        Step::Months(months) => {
            let next_month = last.with_day(1)?.checked_add_months(Months::new(months))?;
            let day = anchor.day().min(u32::from(next_month.num_days_in_month()));
            next_month.with_day(day)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn gbp(minor: i64) -> Money {
        Money::from_minor(minor, Currency::GBP)
    }

    fn bhd() -> Currency {
        Currency::parse("BHD").expect("BHD is supported")
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn amounts(schedule: &Schedule) -> Vec<i64> {
        schedule
            .installments()
            .iter()
            .map(|i| i.amount.to_minor().expect("small amount"))
            .collect()
    }

    fn dates(schedule: &Schedule) -> Vec<NaiveDate> {
        schedule.installments().iter().map(|i| i.due_on).collect()
    }

    fn seqs(schedule: &Schedule) -> Vec<u32> {
        schedule.installments().iter().map(|i| i.seq).collect()
    }

    fn monthly(total: Money, count: u32, first: NaiveDate) -> Schedule {
        build(
            total,
            Frequency::Monthly,
            PlanSize::NumberOfPayments(count),
            first,
        )
        .expect("valid plan")
    }

    // ---- Frequency ----

    #[test]
    fn frequency_names_round_trip() {
        for frequency in Frequency::ALL {
            assert_eq!(Frequency::parse(frequency.as_str()), Some(frequency));
            assert_eq!(frequency.to_string(), frequency.as_str());
        }
        assert_eq!(
            Frequency::parse(" Four_Weekly "),
            Some(Frequency::FourWeekly)
        );
        assert_eq!(Frequency::parse("daily"), None);
        assert_eq!(Frequency::parse(""), None);
    }

    #[test]
    fn frequencies_are_stored_as_before() {
        crate::domain::stored::tests::round_trips(&Frequency::ALL, |f| f.as_str());
        assert_eq!(
            Frequency::ALL.map(Frequency::as_str),
            ["weekly", "fortnightly", "four_weekly", "monthly"]
        );
    }

    #[test]
    fn frequency_labels_are_plain_words() {
        let labels: Vec<&str> = Frequency::ALL.iter().map(|f| f.label()).collect();
        assert_eq!(
            labels,
            [
                "every week",
                "every 2 weeks",
                "every 4 weeks",
                "every month"
            ]
        );
    }

    // ---- Due dates ----

    #[test]
    fn day_based_frequencies_step_by_whole_weeks() {
        let first = date(2025, 1, 6);
        assert_eq!(due_date(first, Frequency::Weekly, 0), Some(first));
        assert_eq!(
            due_date(first, Frequency::Weekly, 1),
            Some(date(2025, 1, 13))
        );
        assert_eq!(
            due_date(first, Frequency::Fortnightly, 2),
            Some(date(2025, 2, 3))
        );
        assert_eq!(
            due_date(first, Frequency::FourWeekly, 1),
            Some(date(2025, 2, 3))
        );
    }

    #[test]
    fn monthly_dates_clamp_to_month_end_without_drifting() {
        let first = date(2024, 1, 31);
        let due = |index| due_date(first, Frequency::Monthly, index);
        assert_eq!(due(1), Some(date(2024, 2, 29)));
        assert_eq!(due(2), Some(date(2024, 3, 31)));
        assert_eq!(due(3), Some(date(2024, 4, 30)));
        assert_eq!(due(13), Some(date(2025, 2, 28)));
        assert_eq!(
            due_date(date(2025, 1, 30), Frequency::Monthly, 1),
            Some(date(2025, 2, 28))
        );
        assert_eq!(
            due_date(date(2025, 1, 30), Frequency::Monthly, 2),
            Some(date(2025, 3, 30))
        );
    }

    #[test]
    fn due_dates_beyond_the_calendar_are_none() {
        assert_eq!(due_date(NaiveDate::MAX, Frequency::Weekly, 1), None);
        assert_eq!(due_date(NaiveDate::MAX, Frequency::Monthly, 1), None);
        assert_eq!(
            due_date(NaiveDate::MAX, Frequency::Monthly, 0),
            Some(NaiveDate::MAX)
        );
    }

    // ---- Building ----

    #[test]
    fn equal_payments_put_the_remainder_last() {
        let schedule = build(
            gbp(10_000),
            Frequency::Monthly,
            PlanSize::NumberOfPayments(3),
            date(2025, 1, 31),
        )
        .expect("valid plan");
        assert_eq!(amounts(&schedule), [3333, 3333, 3334]);
        assert_eq!(
            dates(&schedule),
            [date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31)]
        );
        assert_eq!(seqs(&schedule), [1, 2, 3]);
        assert_eq!(schedule.total(), gbp(10_000));
        assert_eq!(schedule.count(), 3);
        assert_eq!(schedule.regular_amount(), gbp(3333));
        assert_eq!(schedule.final_amount(), gbp(3334));
        assert_eq!(schedule.first_due(), date(2025, 1, 31));
        assert_eq!(schedule.last_due(), date(2025, 3, 31));
        assert_eq!(schedule.frequency(), Frequency::Monthly);
        assert_eq!(schedule.anchor_date(), date(2025, 1, 31));
    }

    #[test]
    fn currencies_without_minor_units_split_in_whole_units() {
        let schedule = build(
            Money::from_minor(1000, Currency::JPY),
            Frequency::Weekly,
            PlanSize::NumberOfPayments(3),
            date(2025, 1, 1),
        )
        .expect("valid plan");
        assert_eq!(amounts(&schedule), [333, 333, 334]);
        assert_eq!(schedule.regular_amount().to_string(), "¥333");
    }

    #[test]
    fn three_digit_currencies_split_in_thousandths() {
        let schedule = build(
            Money::from_minor(10_000, bhd()),
            Frequency::Weekly,
            PlanSize::NumberOfPayments(3),
            date(2025, 1, 1),
        )
        .expect("valid plan");
        assert_eq!(schedule.regular_amount().to_string(), "BHD 3.333");
        assert_eq!(schedule.final_amount().to_string(), "BHD 3.334");
    }

    #[test]
    fn amount_per_payment_leaves_a_smaller_last_payment() {
        let by = |per: i64| {
            build(
                gbp(10_000),
                Frequency::Fortnightly,
                PlanSize::PerPayment(gbp(per)),
                date(2025, 1, 1),
            )
            .map(|schedule| amounts(&schedule))
        };
        assert_eq!(by(3000), Ok(vec![3000, 3000, 3000, 1000]));
        assert_eq!(by(2500), Ok(vec![2500; 4]));
        assert_eq!(by(10_000), Ok(vec![10_000]));
        assert_eq!(by(15_000), Ok(vec![10_000]));
        assert_eq!(by(9999), Ok(vec![9999, 1]));
    }

    #[test]
    fn an_enormous_amount_per_payment_is_one_payment() {
        let huge = Money::new_rounded(rust_decimal::Decimal::MAX, Currency::JPY);
        let schedule = build(
            Money::from_minor(5000, Currency::JPY),
            Frequency::Weekly,
            PlanSize::PerPayment(huge),
            date(2025, 1, 1),
        )
        .expect("one payment");
        assert_eq!(amounts(&schedule), [5000]);
    }

    #[test]
    fn at_most_520_payments() {
        let per_penny = |total| {
            build(
                gbp(total),
                Frequency::Weekly,
                PlanSize::PerPayment(gbp(1)),
                date(2025, 1, 1),
            )
        };
        assert_eq!(per_penny(520).map(|s| s.count()), Ok(520));
        assert_eq!(per_penny(521), Err(ScheduleError::WouldTakeTooManyPayments));
        assert_eq!(
            build(
                gbp(1_000_000),
                Frequency::Weekly,
                PlanSize::NumberOfPayments(521),
                date(2025, 1, 1)
            ),
            Err(ScheduleError::TooManyPayments { most: 520 })
        );
    }

    #[test]
    fn refuses_more_payments_than_minor_units() {
        let result = build(
            gbp(2),
            Frequency::Weekly,
            PlanSize::NumberOfPayments(3),
            date(2025, 1, 1),
        );
        assert_eq!(result, Err(ScheduleError::TooManyPayments { most: 2 }));
    }

    #[test]
    fn refuses_plans_that_make_no_sense() {
        let first = date(2025, 1, 1);
        let plan = |total: Money, size| build(total, Frequency::Weekly, size, first);
        assert_eq!(
            plan(gbp(0), PlanSize::NumberOfPayments(2)),
            Err(ScheduleError::NothingToPay)
        );
        assert_eq!(
            plan(gbp(-500), PlanSize::NumberOfPayments(2)),
            Err(ScheduleError::NothingToPay)
        );
        assert_eq!(
            plan(gbp(500), PlanSize::NumberOfPayments(0)),
            Err(ScheduleError::NoPayments)
        );
        assert_eq!(
            plan(gbp(500), PlanSize::PerPayment(gbp(0))),
            Err(ScheduleError::AmountPerPaymentNotPositive {
                currency: Currency::GBP
            })
        );
        assert_eq!(
            plan(gbp(500), PlanSize::PerPayment(gbp(-100))),
            Err(ScheduleError::AmountPerPaymentNotPositive {
                currency: Currency::GBP
            })
        );
        assert_eq!(
            plan(
                gbp(500),
                PlanSize::PerPayment(Money::from_minor(100, Currency::EUR))
            ),
            Err(ScheduleError::AmountInAnotherCurrency {
                expected: Currency::GBP
            })
        );
        assert_eq!(
            build(
                gbp(500),
                Frequency::Monthly,
                PlanSize::NumberOfPayments(2),
                NaiveDate::MAX
            ),
            Err(ScheduleError::DateTooFarAhead)
        );
    }

    #[test]
    fn error_messages_are_plain_english() {
        let message = |error: ScheduleError| error.to_string();
        assert_eq!(
            message(ScheduleError::NothingToPay),
            "There is nothing to pay, so there is no plan to set up"
        );
        assert_eq!(
            message(ScheduleError::NoPayments),
            "Choose at least 1 payment"
        );
        assert_eq!(
            message(ScheduleError::TooManyPayments { most: 520 }),
            "Choose 520 payments or fewer"
        );
        assert_eq!(
            message(ScheduleError::TooManyPayments { most: 1 }),
            "This amount can only be paid in 1 payment"
        );
        assert_eq!(
            message(ScheduleError::AmountPerPaymentNotPositive {
                currency: Currency::GBP
            }),
            "Each payment must be more than £0.00"
        );
        assert_eq!(
            message(ScheduleError::AmountInAnotherCurrency {
                expected: Currency::GBP
            }),
            "Enter the amount in pounds"
        );
        assert_eq!(
            message(ScheduleError::WouldTakeTooManyPayments),
            "That would take too many payments. Choose a larger amount"
        );
        assert_eq!(
            message(ScheduleError::NotAfterPreviousPayment {
                previous: date(2025, 12, 12)
            }),
            "Choose a date after Friday 12 December 2025, when your previous payment is due"
        );
        assert_eq!(
            message(ScheduleError::NotBeforeNextPayment {
                next: date(2026, 1, 2)
            }),
            "Choose a date before Friday 2 January 2026, when your next payment is due"
        );
        assert_eq!(
            message(ScheduleError::NoSuchInstallment { seq: 7 }),
            "We could not find payment 7 in this plan"
        );
    }

    // ---- Moving a payment ----

    #[test]
    fn moving_a_payment_between_its_neighbours() {
        let schedule = monthly(gbp(30_000), 3, date(2025, 1, 15));
        let moved = move_installment(&schedule, 2, date(2025, 2, 20)).expect("allowed");
        assert_eq!(
            dates(&moved),
            [date(2025, 1, 15), date(2025, 2, 20), date(2025, 3, 15)]
        );
        assert_eq!(moved.total(), schedule.total());
        assert_eq!(amounts(&moved), amounts(&schedule));

        let first_earlier = move_installment(&schedule, 1, date(2024, 12, 1)).expect("allowed");
        assert_eq!(first_earlier.first_due(), date(2024, 12, 1));
        let last_later = move_installment(&schedule, 3, date(2025, 6, 1)).expect("allowed");
        assert_eq!(last_later.last_due(), date(2025, 6, 1));
    }

    #[test]
    fn a_moved_payment_keeps_its_place() {
        let schedule = monthly(gbp(30_000), 3, date(2025, 1, 15));
        assert_eq!(
            move_installment(&schedule, 2, date(2025, 1, 15)),
            Err(ScheduleError::NotAfterPreviousPayment {
                previous: date(2025, 1, 15)
            })
        );
        assert_eq!(
            move_installment(&schedule, 2, date(2025, 3, 15)),
            Err(ScheduleError::NotBeforeNextPayment {
                next: date(2025, 3, 15)
            })
        );
        assert_eq!(
            move_installment(&schedule, 4, date(2025, 3, 1)),
            Err(ScheduleError::NoSuchInstallment { seq: 4 })
        );
        assert_eq!(
            move_installment(&schedule, 0, date(2025, 3, 1)),
            Err(ScheduleError::NoSuchInstallment { seq: 0 })
        );
    }

    #[test]
    fn each_payment_moves_by_its_own_rule() {
        let schedule = monthly(gbp(30_000), 3, date(2025, 1, 15));
        let window = MoveWindow {
            today: date(2025, 1, 10),
            latest: date(2025, 4, 30),
        };
        // Payment 2 may move later than 30 days from today: only its neighbours bound it.
        let moved =
            move_installment_within(&schedule, 2, date(2025, 2, 20), window).expect("allowed");
        assert_eq!(moved.installments()[1].due_on, date(2025, 2, 20));
        assert_eq!(
            move_installment_within(&schedule, 1, date(2025, 1, 9), window),
            Err(ScheduleError::MoveIntoThePast)
        );
        assert_eq!(
            move_installment_within(&schedule, 3, date(2025, 5, 1), window),
            Err(ScheduleError::MoveBeyondPlanEnd {
                latest: date(2025, 4, 30)
            })
        );
        assert_eq!(
            move_installment_within(&schedule, 2, date(2025, 3, 20), window),
            Err(ScheduleError::NotBeforeNextPayment {
                next: date(2025, 3, 15)
            })
        );
    }

    // ---- Skipping a payment ----

    #[test]
    fn skipping_moves_the_amount_to_the_end() {
        let schedule = build(
            gbp(10_000),
            Frequency::Weekly,
            PlanSize::PerPayment(gbp(4000)),
            date(2025, 1, 6),
        )
        .expect("valid plan");
        let skipped = skip_installment(&schedule, 1).expect("allowed");
        assert_eq!(amounts(&skipped), [4000, 2000, 4000]);
        assert_eq!(
            dates(&skipped),
            [date(2025, 1, 13), date(2025, 1, 20), date(2025, 1, 27)]
        );
        assert_eq!(seqs(&skipped), [1, 2, 3]);
        assert_eq!(skipped.total(), gbp(10_000));
    }

    #[test]
    fn skipping_the_last_payment_puts_it_one_step_later() {
        let schedule = monthly(gbp(9000), 3, date(2025, 1, 10));
        let skipped = skip_installment(&schedule, 3).expect("allowed");
        assert_eq!(
            dates(&skipped),
            [date(2025, 1, 10), date(2025, 2, 10), date(2025, 4, 10)]
        );
    }

    #[test]
    fn skipping_keeps_a_monthly_plan_on_its_day() {
        // Last payment on 30 April; the 31st comes back in May.
        let schedule = monthly(gbp(40_000), 4, date(2025, 1, 31));
        assert_eq!(schedule.last_due(), date(2025, 4, 30));
        let skipped = skip_installment(&schedule, 2).expect("allowed");
        assert_eq!(
            dates(&skipped),
            [
                date(2025, 1, 31),
                date(2025, 3, 31),
                date(2025, 4, 30),
                date(2025, 5, 31)
            ]
        );
        let again = skip_installment(&skipped, 1).expect("allowed");
        assert_eq!(again.last_due(), date(2025, 6, 30));
    }

    #[test]
    fn skipping_a_payment_that_is_not_there() {
        let schedule = monthly(gbp(9000), 3, date(2025, 1, 10));
        assert_eq!(
            skip_installment(&schedule, 9),
            Err(ScheduleError::NoSuchInstallment { seq: 9 })
        );
    }

    // ---- Restoring ----

    #[test]
    fn restore_gives_back_a_saved_schedule() {
        let schedule =
            skip_installment(&monthly(gbp(10_000), 3, date(2025, 1, 31)), 1).expect("allowed");
        let restored = Schedule::restore(
            schedule.frequency(),
            schedule.anchor_date(),
            schedule.installments().to_vec(),
        );
        assert_eq!(restored, Ok(schedule));
    }

    #[test]
    fn restore_refuses_broken_schedules() {
        let good = monthly(gbp(10_000), 3, date(2025, 1, 31))
            .installments()
            .to_vec();
        let restore =
            |installments| Schedule::restore(Frequency::Monthly, date(2025, 1, 31), installments);
        assert_eq!(restore(vec![]), Err(ScheduleError::NotAValidPlan));

        let mut renumbered = good.clone();
        renumbered[1].seq = 5;
        assert_eq!(restore(renumbered), Err(ScheduleError::NotAValidPlan));

        let mut same_day = good.clone();
        same_day[1].due_on = same_day[0].due_on;
        assert_eq!(restore(same_day), Err(ScheduleError::NotAValidPlan));

        let mut zero = good.clone();
        zero[2].amount = gbp(0);
        assert_eq!(restore(zero), Err(ScheduleError::NotAValidPlan));

        let mut mixed = good;
        mixed[2].amount = Money::from_minor(3334, Currency::EUR);
        assert_eq!(restore(mixed), Err(ScheduleError::NotAValidPlan));
    }

    // ---- Properties ----

    fn any_currency() -> impl Strategy<Value = Currency> {
        proptest::sample::select(vec![Currency::JPY, Currency::GBP, bhd()])
    }

    fn any_frequency() -> impl Strategy<Value = Frequency> {
        proptest::sample::select(Frequency::ALL.to_vec())
    }

    /// Any day from 2000 to the end of 2099.
    fn any_date() -> impl Strategy<Value = NaiveDate> {
        (0_u64..36_525).prop_map(|days| {
            date(2000, 1, 1)
                .checked_add_days(Days::new(days))
                .expect("within the calendar")
        })
    }

    const ANY_TOTAL: std::ops::RangeInclusive<i64> = 1..=1_000_000_000;

    /// The monthly rule: the first date's day of the month, or the month's
    /// last day when the month is shorter.
    fn keeps_monthly_day(due_on: NaiveDate, anchor: NaiveDate) -> bool {
        due_on.day() == anchor.day().min(u32::from(due_on.num_days_in_month()))
    }

    /// The rules every schedule keeps, whatever made it.
    fn check_rules(schedule: &Schedule, total: Money) -> Result<(), TestCaseError> {
        let installments = schedule.installments();
        prop_assert!(!installments.is_empty());
        let sum = Money::sum(total.currency(), installments.iter().map(|i| i.amount));
        prop_assert_eq!(sum, Ok(total));
        prop_assert_eq!(schedule.total(), total);
        prop_assert_eq!(seqs(schedule), (1..=schedule.count()).collect::<Vec<_>>());
        prop_assert!(installments.iter().all(|i| i.amount.is_positive()));
        prop_assert!(
            installments
                .iter()
                .all(|i| i.amount.currency() == total.currency())
        );
        prop_assert!(has_increasing_dates(installments));
        if schedule.frequency() == Frequency::Monthly {
            let anchor = schedule.anchor_date();
            prop_assert!(
                installments
                    .iter()
                    .all(|i| keeps_monthly_day(i.due_on, anchor))
            );
        }
        Ok(())
    }

    fn check_dates_follow_frequency(schedule: &Schedule) -> Result<(), TestCaseError> {
        for (index, installment) in (0_u32..).zip(schedule.installments()) {
            let expected = due_date(schedule.first_due(), schedule.frequency(), index);
            prop_assert_eq!(Some(installment.due_on), expected);
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn equal_payments_keep_every_rule(
            total in ANY_TOTAL,
            currency in any_currency(),
            frequency in any_frequency(),
            count in 1_u32..=600,
            first in any_date(),
        ) {
            let total = Money::from_minor(total, currency);
            let result = build(total, frequency, PlanSize::NumberOfPayments(count), first);
            let most = most_payments_for(total.to_minor().expect("small"));
            if count > most {
                prop_assert_eq!(result, Err(ScheduleError::TooManyPayments { most }));
                return Ok(());
            }
            let schedule = result.expect("valid plan");
            check_rules(&schedule, total)?;
            check_dates_follow_frequency(&schedule)?;
            prop_assert_eq!(schedule.count(), count);
            prop_assert_eq!(schedule.first_due(), first);
            let regular = schedule.regular_amount();
            let (_, all_but_last) = schedule.installments().split_last().expect("not empty");
            prop_assert!(all_but_last.iter().all(|i| i.amount == regular));
            prop_assert!(schedule.final_amount().amount() >= regular.amount());
        }

        #[test]
        fn amount_per_payment_keeps_every_rule(
            total in ANY_TOTAL,
            currency in any_currency(),
            frequency in any_frequency(),
            at_most in 1_i64..=520,
            extra in 0_i64..=10_000,
            first in any_date(),
        ) {
            // Large enough to need at most `at_most` payments.
            let per_minor = (total - 1) / at_most + 1 + extra;
            let total = Money::from_minor(total, currency);
            let per = Money::from_minor(per_minor, currency);
            let schedule = build(total, frequency, PlanSize::PerPayment(per), first)
                .expect("valid plan");
            check_rules(&schedule, total)?;
            check_dates_follow_frequency(&schedule)?;
            let total_minor = total.to_minor().expect("small");
            let expected_count = (total_minor - 1) / per_minor + 1;
            prop_assert_eq!(i64::from(schedule.count()), expected_count);
            prop_assert!(i64::from(schedule.count()) <= at_most);
            let (last, all_but_last) = schedule.installments().split_last().expect("not empty");
            prop_assert!(all_but_last.iter().all(|i| i.amount == per));
            prop_assert!(last.amount.amount() <= per.amount());
        }

        #[test]
        fn too_small_an_amount_per_payment_is_refused(
            (total, per) in (521_i64..=1_000_000_000)
                .prop_flat_map(|total| (Just(total), 1..=(total - 1) / 520)),
            currency in any_currency(),
        ) {
            let result = build(
                Money::from_minor(total, currency),
                Frequency::Weekly,
                PlanSize::PerPayment(Money::from_minor(per, currency)),
                date(2025, 1, 1),
            );
            prop_assert_eq!(result, Err(ScheduleError::WouldTakeTooManyPayments));
        }

        #[test]
        fn skipping_keeps_the_total_and_adds_a_payment_at_the_end(
            total in ANY_TOTAL,
            currency in any_currency(),
            frequency in any_frequency(),
            count in 1_u32..=60,
            which in any::<prop::sample::Index>(),
            first in any_date(),
        ) {
            let total = Money::from_minor(total, currency);
            let count = count.min(most_payments_for(total.to_minor().expect("small")));
            let schedule = build(total, frequency, PlanSize::NumberOfPayments(count), first)
                .expect("valid plan");
            let skipped_index = which.index(schedule.installments().len());
            let skipped_one = schedule.installments()[skipped_index];
            let skipped = skip_installment(&schedule, skipped_one.seq).expect("allowed");
            check_rules(&skipped, total)?;
            prop_assert_eq!(skipped.count(), schedule.count());
            prop_assert!(skipped.last_due() > schedule.last_due());
            prop_assert_eq!(skipped.final_amount(), skipped_one.amount);
            let mut kept = schedule.installments().to_vec();
            kept.remove(skipped_index);
            let kept_dates: Vec<NaiveDate> = kept.iter().map(|i| i.due_on).collect();
            prop_assert_eq!(&dates(&skipped)[..kept.len()], &kept_dates[..]);
        }

        #[test]
        fn moving_within_the_gap_keeps_every_rule(
            total in ANY_TOTAL,
            frequency in any_frequency(),
            count in 2_u32..=24,
            which in any::<prop::sample::Index>(),
            offset in any::<prop::sample::Index>(),
            first in any_date(),
        ) {
            let total = gbp(total);
            let count = count.min(most_payments_for(total.to_minor().expect("small")));
            let schedule = build(total, frequency, PlanSize::NumberOfPayments(count), first)
                .expect("valid plan");
            let index = which.index(schedule.installments().len().saturating_sub(1));
            let (this, next) = (schedule.installments()[index], schedule.installments()[index + 1]);
            let gap = (next.due_on - this.due_on).num_days();
            let days_later = offset.index(usize::try_from(gap).expect("positive gap"));
            let new_date = this.due_on + chrono::Duration::days(days_later as i64);
            let moved = move_installment(&schedule, this.seq, new_date).expect("allowed");
            prop_assert_eq!(moved.installments()[index].due_on, new_date);
            prop_assert_eq!(moved.total(), total);
            prop_assert!(has_increasing_dates(moved.installments()));
        }
    }
}
