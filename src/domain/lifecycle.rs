//! The rules the daily scheduler applies to a payment plan: which payments
//! were missed, whether the plan is still going, finished or broken, and
//! how a payment is shared out between installments.
//!
//! A plan's state is worked out afresh from its payments every time rather
//! than remembered, so someone who catches up on missed payments sees their
//! plan active again without anyone having to reset it.

use chrono::{Days, NaiveDate};

use super::money::{Currency, Money};

/// One installment of a plan and how much has been paid towards it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstallmentProgress {
    pub seq: u32,
    pub due_on: NaiveDate,
    pub amount: Money,
    pub paid: Money,
}

impl InstallmentProgress {
    pub fn is_fully_paid(&self) -> bool {
        self.paid.amount() >= self.amount.amount()
    }
}

/// Where a plan stands by its payments; stored as the matching
/// [`PlanStatus`](super::plans::PlanStatus).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlanState {
    /// Payments are up to date, or not so far behind that the plan ends.
    Active,
    /// Everything has been paid.
    Completed,
    /// Too many payments were missed; collection stops following the plan.
    Broken,
}

/// What [`assess`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub state: PlanState,
    /// Installments not fully paid once their grace period is over, earliest
    /// first.
    pub missed: Vec<u32>,
    /// What is left to pay on installments whose due date has passed,
    /// including any still within their grace period.
    pub overdue_amount: Money,
    /// The earliest installment not fully paid, with what is left to pay on
    /// it; `None` once everything is paid.
    pub next_due: Option<(NaiveDate, Money)>,
}

/// How [`allocate`] shared out a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation {
    /// Installment `seq` and the amount paid towards it, earliest first.
    pub applied: Vec<(u32, Money)>,
    /// What was more than the plan still needed: an extra payment beyond the
    /// schedule, for the caller to book against the balance.
    pub left_over: Money,
}

/// Why a plan's progress could not be worked out. These point at a problem
/// in stored data, not at anything the person did.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error("A payment plan needs at least one payment")]
    NoInstallments,
    #[error("Amounts in {expected} and {found} cannot be added together")]
    CurrencyMismatch { expected: Currency, found: Currency },
    #[error("A payment cannot be less than zero")]
    NegativePayment,
    #[error("This amount is too large for us to work with")]
    TooLarge,
}

/// An installment reduced to what the rules need, in minor units.
struct Outstanding {
    seq: u32,
    due_on: NaiveDate,
    /// Never negative, never more than the installment's amount.
    left_minor: i64,
}

impl Outstanding {
    fn is_fully_paid(&self) -> bool {
        self.left_minor == 0
    }

    /// Missed once the whole grace period has passed: due on 1 June with 7
    /// days' grace, it is missed from 9 June.
    fn is_missed(&self, today: NaiveDate, grace_days: u32) -> bool {
        let grace_ends = self
            .due_on
            .checked_add_days(Days::new(u64::from(grace_days)));
        !self.is_fully_paid() && grace_ends.is_some_and(|last_day| today > last_day)
    }
}

/// A plan's installments, earliest first, all in one currency.
struct Plan {
    currency: Currency,
    installments: Vec<Outstanding>,
}

impl Plan {
    fn read(installments: &[InstallmentProgress]) -> Result<Plan, LifecycleError> {
        let first = installments.first().ok_or(LifecycleError::NoInstallments)?;
        let currency = first.amount.currency();
        let mut outstanding = installments
            .iter()
            .map(|installment| outstanding(installment, currency))
            .collect::<Result<Vec<_>, _>>()?;
        outstanding.sort_by_key(|installment| (installment.due_on, installment.seq));
        Ok(Plan {
            currency,
            installments: outstanding,
        })
    }

    fn money(&self, minor_units: i128) -> Result<Money, LifecycleError> {
        let minor_units = i64::try_from(minor_units).map_err(|_| LifecycleError::TooLarge)?;
        Ok(Money::from_minor(minor_units, self.currency))
    }
}

/// What is left to pay on one installment. Payments beyond its amount count
/// only up to it, and payments taken back below zero leave all of it to pay.
fn outstanding(
    installment: &InstallmentProgress,
    currency: Currency,
) -> Result<Outstanding, LifecycleError> {
    let owed = minor_units_in(&installment.amount, currency)?.max(0);
    let paid = minor_units_in(&installment.paid, currency)?.clamp(0, owed);
    Ok(Outstanding {
        seq: installment.seq,
        due_on: installment.due_on,
        left_minor: owed - paid,
    })
}

fn minor_units_in(money: &Money, currency: Currency) -> Result<i64, LifecycleError> {
    ensure_currency(money, currency)?;
    money.to_minor().map_err(|_| LifecycleError::TooLarge)
}

fn ensure_currency(money: &Money, expected: Currency) -> Result<(), LifecycleError> {
    if money.currency() == expected {
        Ok(())
    } else {
        Err(LifecycleError::CurrencyMismatch {
            expected,
            found: money.currency(),
        })
    }
}

/// Works out where a plan stands on `today`.
///
/// An installment is missed when it is not fully paid once `grace_days`
/// after its due date have passed. The plan is completed when everything
/// is paid, broken when at least `missed_to_break` installments are missed
/// (a plan with nothing missed is never broken, even if that setting is 0),
/// and active otherwise. Paying a missed installment makes it no longer
/// missed, so catching up makes a broken plan active again.
pub fn assess(
    installments: &[InstallmentProgress],
    today: NaiveDate,
    grace_days: u32,
    missed_to_break: u32,
) -> Result<Assessment, LifecycleError> {
    let plan = Plan::read(installments)?;
    let missed: Vec<u32> = plan
        .installments
        .iter()
        .filter(|installment| installment.is_missed(today, grace_days))
        .map(|installment| installment.seq)
        .collect();
    let overdue_minor: i128 = plan
        .installments
        .iter()
        .filter(|installment| installment.due_on < today)
        .map(|installment| i128::from(installment.left_minor))
        .sum();
    let next_due = plan
        .installments
        .iter()
        .find(|installment| !installment.is_fully_paid())
        .map(|installment| {
            let left = Money::from_minor(installment.left_minor, plan.currency);
            (installment.due_on, left)
        });
    let state = state_of(next_due.is_none(), missed.len(), missed_to_break);
    Ok(Assessment {
        state,
        missed,
        overdue_amount: plan.money(overdue_minor)?,
        next_due,
    })
}

/// What happens if the person does not pay what is overdue, in plain words, by the plan's
/// own rules (its grace days and how many missed payments stop it).
pub fn if_not_caught_up(assessment: &Assessment, grace_days: u32, missed_to_break: u32) -> String {
    if assessment.state == PlanState::Broken {
        return "If you do not catch up, your plan stays stopped. Your payments will no longer \
                follow it, and you would need to agree a new way to pay."
            .to_string();
    }
    let limit = missed_to_break.max(1);
    let missed = u32::try_from(assessment.missed.len()).unwrap_or(u32::MAX);
    let grace = super::schedule::quantity(grace_days, "day", "days");
    let stops = if limit.saturating_sub(missed) <= 1 {
        "If 1 more payment is missed, your plan stops.".to_string()
    } else {
        format!(
            "If {} are missed, your plan stops.",
            super::schedule::quantity(limit, "payment", "payments")
        )
    };
    format!(
        "If you do not catch up, a payment counts as missed {grace} after its date. {stops} \
         You would then need to agree a new way to pay."
    )
}

fn state_of(everything_paid: bool, missed_count: usize, missed_to_break: u32) -> PlanState {
    let breaks_at = usize::try_from(missed_to_break.max(1)).unwrap_or(usize::MAX);
    if everything_paid {
        PlanState::Completed
    } else if missed_count >= breaks_at {
        PlanState::Broken
    } else {
        PlanState::Active
    }
}

/// Shares a payment out over a plan's installments: earliest unpaid first,
/// and never more than is left to pay on any installment. Whatever the plan
/// no longer needs comes back as `left_over`.
///
/// Earliest first because that is what a person expects a payment to
/// cover, and it brings missed installments up to date before anything
/// else.
pub fn allocate(
    installments: &[InstallmentProgress],
    payment: Money,
) -> Result<Allocation, LifecycleError> {
    allocate_in_order(installments, payment, |_| {})
}

/// An extra payment: what is overdue and the next one due are paid first (earliest first),
/// as with [`allocate`]; only what is left after them shortens the plan from the end, so the
/// later due dates and amounts stay as agreed. Catching up always comes before paying ahead:
/// money towards the last payment while an earlier one stays missed would still break the
/// plan.
pub fn allocate_extra(
    installments: &[InstallmentProgress],
    payment: Money,
    today: NaiveDate,
) -> Result<Allocation, LifecycleError> {
    allocate_in_order(installments, payment, |items| {
        let next_due = items
            .iter()
            .position(|i| i.due_on >= today && !i.is_fully_paid());
        if let Some(next_due) = next_due {
            items[next_due + 1..].reverse();
        }
    })
}

fn allocate_in_order(
    installments: &[InstallmentProgress],
    payment: Money,
    order: impl FnOnce(&mut [Outstanding]),
) -> Result<Allocation, LifecycleError> {
    let mut plan = Plan::read(installments)?;
    ensure_currency(&payment, plan.currency)?;
    if payment.is_negative() {
        return Err(LifecycleError::NegativePayment);
    }
    order(&mut plan.installments);
    let mut remaining = payment.to_minor().map_err(|_| LifecycleError::TooLarge)?;
    let mut applied = Vec::new();
    for installment in &plan.installments {
        let share = remaining.min(installment.left_minor);
        if share > 0 {
            applied.push((installment.seq, Money::from_minor(share, plan.currency)));
            remaining -= share;
        }
    }
    Ok(Allocation {
        applied,
        left_over: Money::from_minor(remaining, plan.currency),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn gbp(minor: i64) -> Money {
        Money::from_minor(minor, Currency::GBP)
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    /// Three monthly installments of £50.00 from 1 June 2025, with what has
    /// been paid on each.
    fn plan(paid: [i64; 3]) -> Vec<InstallmentProgress> {
        (1_u32..)
            .zip(paid)
            .map(|(seq, paid)| InstallmentProgress {
                seq,
                due_on: date(2025, 5 + seq, 1),
                amount: gbp(5000),
                paid: gbp(paid),
            })
            .collect()
    }

    fn assess_on(installments: &[InstallmentProgress], today: NaiveDate) -> Assessment {
        assess(installments, today, 7, 2).expect("valid plan")
    }

    // ---- States ----

    #[test]
    fn a_new_plan_is_active_with_nothing_overdue() {
        let assessment = assess_on(&plan([0, 0, 0]), date(2025, 5, 20));
        assert_eq!(
            assessment,
            Assessment {
                state: PlanState::Active,
                missed: vec![],
                overdue_amount: gbp(0),
                next_due: Some((date(2025, 6, 1), gbp(5000))),
            }
        );
    }

    #[test]
    fn a_payment_is_missed_only_after_the_grace_period() {
        let installments = plan([0, 0, 0]);
        let within_grace = assess_on(&installments, date(2025, 6, 8));
        assert_eq!(within_grace.missed, Vec::<u32>::new());
        assert_eq!(within_grace.overdue_amount, gbp(5000));
        assert_eq!(within_grace.state, PlanState::Active);

        let after_grace = assess_on(&installments, date(2025, 6, 9));
        assert_eq!(after_grace.missed, vec![1]);
        assert_eq!(after_grace.state, PlanState::Active);

        let due_today = assess_on(&installments, date(2025, 6, 1));
        assert_eq!(due_today.overdue_amount, gbp(0));
    }

    #[test]
    fn no_grace_means_missed_the_day_after() {
        let installments = plan([0, 0, 0]);
        let on_the_day = assess(&installments, date(2025, 6, 1), 0, 2).expect("valid");
        assert!(on_the_day.missed.is_empty());
        let next_day = assess(&installments, date(2025, 6, 2), 0, 2).expect("valid");
        assert_eq!(next_day.missed, vec![1]);
    }

    #[test]
    fn enough_missed_payments_break_the_plan() {
        let assessment = assess_on(&plan([0, 0, 0]), date(2025, 7, 9));
        assert_eq!(assessment.missed, vec![1, 2]);
        assert_eq!(assessment.state, PlanState::Broken);
        assert_eq!(assessment.overdue_amount, gbp(10_000));
        assert_eq!(assessment.next_due, Some((date(2025, 6, 1), gbp(5000))));
    }

    #[test]
    fn catching_up_makes_the_plan_active_again() {
        let assessment = assess_on(&plan([5000, 4999, 0]), date(2025, 7, 9));
        assert_eq!(assessment.missed, vec![2]);
        assert_eq!(assessment.state, PlanState::Active);
        assert_eq!(assessment.overdue_amount, gbp(1));
        assert_eq!(assessment.next_due, Some((date(2025, 7, 1), gbp(1))));

        let caught_up = assess_on(&plan([5000, 5000, 0]), date(2025, 7, 9));
        assert!(caught_up.missed.is_empty());
        assert_eq!(caught_up.state, PlanState::Active);
    }

    #[test]
    fn a_fully_paid_plan_is_completed_even_if_paid_late() {
        let assessment = assess_on(&plan([5000, 5000, 6000]), date(2026, 1, 1));
        assert_eq!(
            assessment,
            Assessment {
                state: PlanState::Completed,
                missed: vec![],
                overdue_amount: gbp(0),
                next_due: None,
            }
        );
    }

    #[test]
    fn a_zero_setting_still_needs_a_missed_payment_to_break() {
        let installments = plan([0, 0, 0]);
        let nothing_missed = assess(&installments, date(2025, 5, 1), 7, 0).expect("valid");
        assert_eq!(nothing_missed.state, PlanState::Active);
        let one_missed = assess(&installments, date(2025, 6, 9), 7, 0).expect("valid");
        assert_eq!(one_missed.state, PlanState::Broken);
    }

    #[test]
    fn installments_may_come_in_any_order() {
        let mut installments = plan([0, 0, 0]);
        installments.reverse();
        let assessment = assess_on(&installments, date(2025, 7, 9));
        assert_eq!(assessment.missed, vec![1, 2]);
        assert_eq!(assessment.next_due, Some((date(2025, 6, 1), gbp(5000))));
    }

    #[test]
    fn assess_refuses_data_it_cannot_add_up() {
        assert_eq!(
            assess(&[], date(2025, 6, 1), 7, 2),
            Err(LifecycleError::NoInstallments)
        );
        let mut mixed = plan([0, 0, 0]);
        mixed[2].paid = Money::from_minor(0, Currency::EUR);
        assert_eq!(
            assess(&mixed, date(2025, 6, 1), 7, 2),
            Err(LifecycleError::CurrencyMismatch {
                expected: Currency::GBP,
                found: Currency::EUR
            })
        );
    }

    #[test]
    fn what_happens_without_catching_up_follows_the_plans_rules() {
        let one_missed = assess_on(&plan([0, 0, 0]), date(2025, 6, 9));
        assert_eq!(
            if_not_caught_up(&one_missed, 7, 2),
            "If you do not catch up, a payment counts as missed 7 days after its date. \
             If 1 more payment is missed, your plan stops. You would then need to agree a new \
             way to pay."
        );
        let nothing_missed = assess_on(&plan([0, 0, 0]), date(2025, 6, 3));
        assert!(if_not_caught_up(&nothing_missed, 7, 3).contains("If 3 payments are missed"));
        let broken = assess_on(&plan([0, 0, 0]), date(2025, 7, 9));
        assert!(
            if_not_caught_up(&broken, 7, 2)
                .starts_with("If you do not catch up, your plan stays stopped")
        );
    }

    // ---- Sharing out a payment ----

    #[test]
    fn a_payment_goes_to_the_earliest_unpaid_installments() {
        let allocation = allocate(&plan([5000, 2000, 0]), gbp(4000)).expect("valid");
        assert_eq!(
            allocation,
            Allocation {
                applied: vec![(2, gbp(3000)), (3, gbp(1000))],
                left_over: gbp(0),
            }
        );
    }

    #[test]
    fn what_the_plan_does_not_need_is_left_over() {
        let allocation = allocate(&plan([0, 0, 2500]), gbp(20_000)).expect("valid");
        assert_eq!(
            allocation.applied,
            vec![(1, gbp(5000)), (2, gbp(5000)), (3, gbp(2500))]
        );
        assert_eq!(allocation.left_over, gbp(7500));

        let all_paid = allocate(&plan([5000, 5000, 5000]), gbp(100)).expect("valid");
        assert!(all_paid.applied.is_empty());
        assert_eq!(all_paid.left_over, gbp(100));
    }

    #[test]
    fn a_zero_payment_changes_nothing() {
        let allocation = allocate(&plan([0, 0, 0]), gbp(0)).expect("valid");
        assert!(allocation.applied.is_empty());
        assert_eq!(allocation.left_over, gbp(0));
    }

    #[test]
    fn allocate_refuses_payments_it_cannot_share_out() {
        assert_eq!(
            allocate(&plan([0, 0, 0]), gbp(-1)),
            Err(LifecycleError::NegativePayment)
        );
        assert_eq!(
            allocate(&plan([0, 0, 0]), Money::from_minor(100, Currency::EUR)),
            Err(LifecycleError::CurrencyMismatch {
                expected: Currency::GBP,
                found: Currency::EUR
            })
        );
        assert_eq!(allocate(&[], gbp(100)), Err(LifecycleError::NoInstallments));
    }

    #[test]
    fn overpaid_and_reversed_installments() {
        let mut installments = plan([7000, -1000, 0]);
        installments[2].amount = gbp(0);
        let allocation = allocate(&installments, gbp(6000)).expect("valid");
        assert_eq!(allocation.applied, vec![(2, gbp(5000))]);
        assert_eq!(allocation.left_over, gbp(1000));
    }

    #[test]
    fn an_extra_payment_catches_up_and_pays_the_next_one_before_shortening_the_plan() {
        let mut installments = plan([0, 0, 0]);
        installments.push(InstallmentProgress {
            seq: 4,
            due_on: date(2025, 9, 1),
            amount: gbp(5000),
            paid: gbp(0),
        });
        // On 10 July payment 1 (June) and 2 (July) are overdue, 3 (August) is next.
        let allocation =
            allocate_extra(&installments, gbp(17_000), date(2025, 7, 10)).expect("valid");
        assert_eq!(
            allocation.applied,
            vec![
                (1, gbp(5000)),
                (2, gbp(5000)),
                (3, gbp(5000)),
                (4, gbp(2000))
            ]
        );
        // With nothing overdue, the next one due is paid, then the plan shortens from the end.
        let ahead = allocate_extra(&installments, gbp(7000), date(2025, 5, 20)).expect("valid");
        assert_eq!(ahead.applied, vec![(1, gbp(5000)), (4, gbp(2000))]);
    }

    // ---- Properties ----

    fn any_installments() -> impl Strategy<Value = Vec<InstallmentProgress>> {
        proptest::collection::vec((1_i64..=1_000_000, 0_u32..=12_000, 1_u64..=40), 1..=24)
            .prop_map(|rows| {
                let mut due_on = date(2025, 1, 1);
                (1_u32..)
                    .zip(rows)
                    .map(|(seq, (amount, paid_per_10k, gap))| {
                        due_on = due_on + Days::new(gap);
                        // Paid from nothing to a little more than the amount.
                        let paid = amount * i64::from(paid_per_10k) / 10_000;
                        InstallmentProgress {
                            seq,
                            due_on,
                            amount: gbp(amount),
                            paid: gbp(paid),
                        }
                    })
                    .collect()
            })
            .prop_shuffle()
    }

    fn left_to_pay(installment: &InstallmentProgress) -> i64 {
        let amount = installment.amount.to_minor().expect("small");
        let paid = installment.paid.to_minor().expect("small");
        (amount - paid).max(0)
    }

    fn earliest_first(installments: &[InstallmentProgress]) -> Vec<InstallmentProgress> {
        let mut sorted = installments.to_vec();
        sorted.sort_by_key(|installment| (installment.due_on, installment.seq));
        sorted
    }

    fn any_day_in_2025_and_2026() -> impl Strategy<Value = NaiveDate> {
        (0_u64..730).prop_map(|days| date(2025, 1, 1) + Days::new(days))
    }

    proptest! {
        #[test]
        fn allocation_accounts_for_every_penny_and_overpays_nothing(
            installments in any_installments(),
            payment in 0_i64..=30_000_000,
        ) {
            let allocation = allocate(&installments, gbp(payment)).expect("valid");
            let applied = Money::sum(Currency::GBP, allocation.applied.iter().map(|(_, m)| *m))
                .expect("small");
            prop_assert_eq!(
                applied.checked_add(&allocation.left_over),
                Ok(gbp(payment))
            );
            prop_assert!(!allocation.left_over.is_negative());

            let ordered = earliest_first(&installments);
            let share_of = |seq: u32| {
                allocation
                    .applied
                    .iter()
                    .find(|(applied_to, _)| *applied_to == seq)
                    .map_or(0, |(_, money)| money.to_minor().expect("small"))
            };
            let mut an_earlier_one_is_still_unpaid = false;
            for installment in &ordered {
                let share = share_of(installment.seq);
                let left = left_to_pay(installment);
                prop_assert!(share >= 0 && share <= left, "over-paid {}", installment.seq);
                prop_assert!(
                    share == 0 || !an_earlier_one_is_still_unpaid,
                    "{} paid before an earlier installment", installment.seq
                );
                an_earlier_one_is_still_unpaid |= share < left;
            }
            if allocation.left_over.is_positive() {
                prop_assert!(!an_earlier_one_is_still_unpaid);
            }
            let applied_seqs: Vec<u32> = allocation.applied.iter().map(|(seq, _)| *seq).collect();
            let ordered_seqs: Vec<u32> = ordered
                .iter()
                .map(|i| i.seq)
                .filter(|seq| applied_seqs.contains(seq))
                .collect();
            prop_assert_eq!(applied_seqs, ordered_seqs);
        }

        #[test]
        fn assessment_follows_the_rules(
            installments in any_installments(),
            today in any_day_in_2025_and_2026(),
            grace_days in 0_u32..=14,
            missed_to_break in 1_u32..=4,
        ) {
            let assessment = assess(&installments, today, grace_days, missed_to_break)
                .expect("valid");
            let ordered = earliest_first(&installments);
            let expected_missed: Vec<u32> = ordered
                .iter()
                .filter(|i| !i.is_fully_paid() && today > i.due_on + Days::new(grace_days.into()))
                .map(|i| i.seq)
                .collect();
            prop_assert_eq!(&assessment.missed, &expected_missed);

            let everything_paid = installments.iter().all(InstallmentProgress::is_fully_paid);
            let expected_state = if everything_paid {
                PlanState::Completed
            } else if expected_missed.len() >= missed_to_break as usize {
                PlanState::Broken
            } else {
                PlanState::Active
            };
            prop_assert_eq!(assessment.state, expected_state);

            let overdue: i64 = ordered
                .iter()
                .filter(|i| i.due_on < today)
                .map(left_to_pay)
                .sum();
            prop_assert_eq!(assessment.overdue_amount, gbp(overdue));

            let next = ordered
                .iter()
                .find(|i| !i.is_fully_paid())
                .map(|i| (i.due_on, gbp(left_to_pay(i))));
            prop_assert_eq!(assessment.next_due, next);
        }

        #[test]
        fn paying_everything_left_completes_the_plan(
            installments in any_installments(),
            today in any_day_in_2025_and_2026(),
        ) {
            let everything_left: i64 = installments.iter().map(left_to_pay).sum();
            let allocation = allocate(&installments, gbp(everything_left)).expect("valid");
            prop_assert_eq!(allocation.left_over, gbp(0));
            let after: Vec<InstallmentProgress> = installments
                .iter()
                .map(|installment| {
                    let share = allocation
                        .applied
                        .iter()
                        .find(|(seq, _)| *seq == installment.seq)
                        .map_or(gbp(0), |(_, money)| *money);
                    let paid = installment.paid.checked_add(&share).expect("small");
                    InstallmentProgress { paid, ..*installment }
                })
                .collect();
            let assessment = assess(&after, today, 7, 2).expect("valid");
            prop_assert_eq!(assessment.state, PlanState::Completed);
            prop_assert!(assessment.missed.is_empty());
        }
    }
}
