//! Where a person stands on one account, as the balance page tells them: one state, worked out
//! in one place, so "What happens next" never says the same thing whatever has happened.
use chrono::NaiveDate;

use super::money::Money;
use super::plans::{PlanKind, PlanStatus};

/// The facts about an account's newest plan that decide where the person stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanFacts {
    pub status: PlanStatus,
    pub kind: PlanKind,
    pub pay_later_by: Option<NaiveDate>,
    /// What is left on payments whose date has passed (`None`: a plan without payments).
    pub overdue: Option<Money>,
    /// The next payment from today on with something left to pay, and what is left on it.
    pub next: Option<(NaiveDate, Money)>,
}

/// Where the person stands; each state has its own "What happens next".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountStanding {
    /// Nothing is left to pay.
    PaidInFull,
    /// No plan in place (none yet, or the last one was declined, cancelled or ended).
    NoPlan,
    /// A plan was asked for, or new terms were offered: someone is waiting for a reply.
    AwaitingReply,
    /// A plan of payments with nothing overdue.
    OnTrack { next: Option<(NaiveDate, Money)> },
    /// A payment date has passed with something left to pay; paying `overdue` catches up.
    PaymentMissed {
        overdue: Money,
        next: Option<(NaiveDate, Money)>,
    },
    /// Too many payments were missed, so the plan stopped; paying `overdue` restarts it.
    PlanBroken { overdue: Money },
    /// The person chose to pay in full later, by this date.
    PayLater { by: NaiveDate },
}

impl AccountStanding {
    /// `balance` is what is left to pay on the account; an overdue amount never exceeds it.
    pub fn of(balance: Money, plan: Option<&PlanFacts>) -> Self {
        if !balance.is_positive() {
            return Self::PaidInFull;
        }
        let Some(plan) = plan else {
            return Self::NoPlan;
        };
        let overdue = plan
            .overdue
            .map(|o| {
                if o.amount() > balance.amount() {
                    balance
                } else {
                    o
                }
            })
            .filter(Money::is_positive);
        match (plan.status, plan.kind) {
            (PlanStatus::Proposed | PlanStatus::Countered, _) => Self::AwaitingReply,
            (PlanStatus::Active, PlanKind::Deferral) => plan
                .pay_later_by
                .map_or(Self::NoPlan, |by| Self::PayLater { by }),
            (PlanStatus::Active, PlanKind::Installments) => match overdue {
                Some(overdue) => Self::PaymentMissed {
                    overdue,
                    next: plan.next,
                },
                None => Self::OnTrack { next: plan.next },
            },
            (PlanStatus::Broken, _) => Self::PlanBroken {
                overdue: overdue.unwrap_or(balance),
            },
            (
                PlanStatus::Completed
                | PlanStatus::Cancelled
                | PlanStatus::Declined
                | PlanStatus::Ended,
                _,
            ) => Self::NoPlan,
        }
    }

    /// Whether the person can still pay or choose a plan (nothing is offered on a paid account).
    pub fn owes(&self) -> bool {
        *self != Self::PaidInFull
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Currency;

    fn gbp(minor: i64) -> Money {
        Money::from_minor(minor, Currency::GBP)
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).expect("date")
    }

    fn plan(status: PlanStatus, kind: PlanKind, overdue: i64) -> PlanFacts {
        PlanFacts {
            status,
            kind,
            pay_later_by: Some(day(30)),
            overdue: Some(gbp(overdue)),
            next: Some((day(9), gbp(5_000))),
        }
    }

    #[test]
    fn a_paid_account_is_paid_in_full_whatever_its_plan_says() {
        let broken = plan(PlanStatus::Broken, PlanKind::Installments, 5_000);
        assert_eq!(
            AccountStanding::of(gbp(0), Some(&broken)),
            AccountStanding::PaidInFull
        );
        assert_eq!(
            AccountStanding::of(gbp(-100), None),
            AccountStanding::PaidInFull
        );
        assert!(!AccountStanding::PaidInFull.owes());
    }

    #[test]
    fn no_plan_or_a_plan_that_is_over_means_no_plan() {
        assert_eq!(AccountStanding::of(gbp(100), None), AccountStanding::NoPlan);
        for status in [
            PlanStatus::Declined,
            PlanStatus::Cancelled,
            PlanStatus::Completed,
            PlanStatus::Ended,
        ] {
            let p = plan(status, PlanKind::Installments, 0);
            assert_eq!(
                AccountStanding::of(gbp(100), Some(&p)),
                AccountStanding::NoPlan,
                "{status:?}"
            );
        }
    }

    #[test]
    fn an_active_plan_is_on_track_until_something_is_overdue() {
        let on_track = plan(PlanStatus::Active, PlanKind::Installments, 0);
        assert_eq!(
            AccountStanding::of(gbp(20_000), Some(&on_track)),
            AccountStanding::OnTrack {
                next: Some((day(9), gbp(5_000)))
            }
        );
        let behind = plan(PlanStatus::Active, PlanKind::Installments, 5_000);
        assert_eq!(
            AccountStanding::of(gbp(20_000), Some(&behind)),
            AccountStanding::PaymentMissed {
                overdue: gbp(5_000),
                next: Some((day(9), gbp(5_000)))
            }
        );
    }

    #[test]
    fn what_is_overdue_is_never_more_than_the_balance() {
        let broken = plan(PlanStatus::Broken, PlanKind::Installments, 9_000);
        assert_eq!(
            AccountStanding::of(gbp(4_000), Some(&broken)),
            AccountStanding::PlanBroken {
                overdue: gbp(4_000)
            }
        );
    }

    #[test]
    fn pay_later_and_waiting_for_a_reply_have_their_own_states() {
        let later = plan(PlanStatus::Active, PlanKind::Deferral, 0);
        assert_eq!(
            AccountStanding::of(gbp(100), Some(&later)),
            AccountStanding::PayLater { by: day(30) }
        );
        let asked = plan(PlanStatus::Proposed, PlanKind::Installments, 0);
        assert_eq!(
            AccountStanding::of(gbp(100), Some(&asked)),
            AccountStanding::AwaitingReply
        );
    }
}
