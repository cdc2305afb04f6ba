//! Automatic payments, decided without I/O: for one installment, given what has been done so
//! far and today's date, what (if anything) happens next.
use chrono::{Duration, NaiveDate};

/// The reminder email goes this many days before a payment is taken.
pub const REMINDER_DAYS_BEFORE: i64 = 3;
/// A declined payment is tried once more this many days after the first try.
pub const RETRY_AFTER_DAYS: i64 = 3;

use super::payments::PaymentStatus;

stored_enum! {
    /// Where the person's agreement to charge a saved card stands. Stored in
    /// `autopay_mandates.status`.
    pub enum MandateStatus {
        /// Waiting for the card to be saved.
        Pending = "pending",
        /// Charges are taken on the plan's due dates.
        Active = "active",
        /// Turned off by the person, or because the plan stopped.
        Off = "off",
        /// Never finished: the card was not saved.
        Cancelled = "cancelled",
    }
}

stored_enum! {
    /// One thing automatic payments did for one installment. Stored in `autopay_steps.step`.
    pub enum StepKind {
        /// The email a few days before a payment is taken.
        Reminder = "reminder",
        /// The first charge on the due date.
        Charge = "charge",
        /// The one retry after a declined charge.
        Retry = "retry",
        /// Both tries failed: the person was told how to pay by hand.
        GaveUp = "gave_up",
    }
}

/// Where one charge stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChargeState {
    /// Saved, but the provider has not (knowingly) received it: send it again with its key.
    NotSent,
    /// The provider has it; its final word comes later.
    Pending,
    Succeeded,
    Failed,
}

impl From<Option<PaymentStatus>> for ChargeState {
    /// `None`: the charge's attempt was never saved, so the provider never had it.
    fn from(status: Option<PaymentStatus>) -> Self {
        match status {
            None | Some(PaymentStatus::Created) => Self::NotSent,
            Some(PaymentStatus::Succeeded | PaymentStatus::Refunded) => Self::Succeeded,
            Some(PaymentStatus::Failed | PaymentStatus::Expired) => Self::Failed,
            Some(PaymentStatus::Pending | PaymentStatus::Flagged) => Self::Pending,
        }
    }
}

/// A charge and the day it was first tried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Charge {
    pub on: NaiveDate,
    pub state: ChargeState,
}

/// What has been done for one installment so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Done {
    /// The day the notice (reminder) went out, if it has.
    pub reminded_on: Option<NaiveDate>,
    pub first: Option<Charge>,
    pub retry: Option<Charge>,
    /// The person has been told to pay this one by hand: automatic payments stop for it.
    pub gave_up: bool,
}

/// One installment as automatic payments see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Due {
    pub due_on: NaiveDate,
    /// Something is still left to pay on it.
    pub unpaid: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextStep {
    Nothing,
    Remind,
    Charge,
    Retry,
    /// Send a saved charge again with its own idempotency key (it never reached the provider).
    Resend {
        retry: bool,
    },
    /// Both tries failed: tell the person how to pay by hand.
    GiveUp,
}

/// The day a charge may be taken: its due date, but never sooner than the promised days after
/// its notice went out (or would go out, `noticed_on`). After downtime the notice is late, so the
/// charge moves, and the notice names the new day.
pub fn charge_on(due_on: NaiveDate, noticed_on: NaiveDate) -> NaiveDate {
    due_on.max(noticed_on + Duration::days(REMINDER_DAYS_BEFORE))
}

/// `active_since` is the day the card was saved: earlier installments were never part of the
/// automatic payments the person agreed to, so they are left for them to pay by hand.
pub fn next_step(due: Due, active_since: NaiveDate, today: NaiveDate, done: Done) -> NextStep {
    if done.gave_up || due.due_on < active_since {
        return NextStep::Nothing;
    }
    match (done.first, done.retry) {
        (None, _) if !due.unpaid => NextStep::Nothing,
        // No charge without its notice, sent at least the promised days before.
        (None, _) => match done.reminded_on {
            None if today >= due.due_on - Duration::days(REMINDER_DAYS_BEFORE) => NextStep::Remind,
            Some(noticed) if today >= charge_on(due.due_on, noticed) => NextStep::Charge,
            _ => NextStep::Nothing,
        },
        (Some(first), None) => after_first(first, due, today),
        (Some(_), Some(retry)) => match retry.state {
            ChargeState::NotSent => NextStep::Resend { retry: true },
            ChargeState::Failed => NextStep::GiveUp,
            ChargeState::Pending | ChargeState::Succeeded => NextStep::Nothing,
        },
    }
}

fn after_first(first: Charge, due: Due, today: NaiveDate) -> NextStep {
    match first.state {
        ChargeState::NotSent => NextStep::Resend { retry: false },
        // Paid by hand in the meantime: nothing to retry.
        ChargeState::Failed if !due.unpaid => NextStep::Nothing,
        ChargeState::Failed if today >= first.on + Duration::days(RETRY_AFTER_DAYS) => {
            NextStep::Retry
        }
        ChargeState::Failed | ChargeState::Pending | ChargeState::Succeeded => NextStep::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::stored::tests::round_trips;

    #[test]
    fn mandate_statuses_and_steps_are_stored_as_before() {
        round_trips(&MandateStatus::ALL, |s| s.as_str());
        round_trips(&StepKind::ALL, |s| s.as_str());
        assert_eq!(
            MandateStatus::ALL.map(MandateStatus::as_str),
            ["pending", "active", "off", "cancelled"]
        );
        assert_eq!(
            StepKind::ALL.map(StepKind::as_str),
            ["reminder", "charge", "retry", "gave_up"]
        );
    }

    #[test]
    fn a_flagged_charge_waits_and_a_refunded_one_counts_as_paid() {
        assert_eq!(ChargeState::from(None), ChargeState::NotSent);
        assert_eq!(
            ChargeState::from(Some(PaymentStatus::Flagged)),
            ChargeState::Pending
        );
        assert_eq!(
            ChargeState::from(Some(PaymentStatus::Refunded)),
            ChargeState::Succeeded
        );
        assert_eq!(
            ChargeState::from(Some(PaymentStatus::Expired)),
            ChargeState::Failed
        );
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).expect("date")
    }

    const DUE: Due = Due {
        due_on: match NaiveDate::from_ymd_opt(2026, 3, 10) {
            Some(d) => d,
            None => NaiveDate::MIN,
        },
        unpaid: true,
    };

    fn failed(on: NaiveDate) -> Option<Charge> {
        Some(Charge {
            on,
            state: ChargeState::Failed,
        })
    }

    #[test]
    fn reminds_three_days_before_then_charges_on_the_day() {
        let none = Done::default();
        assert_eq!(next_step(DUE, day(1), day(6), none), NextStep::Nothing);
        assert_eq!(next_step(DUE, day(1), day(7), none), NextStep::Remind);
        let reminded = Done {
            reminded_on: Some(day(7)),
            ..none
        };
        assert_eq!(next_step(DUE, day(1), day(8), reminded), NextStep::Nothing);
        assert_eq!(next_step(DUE, day(1), day(10), reminded), NextStep::Charge);
    }

    #[test]
    fn after_downtime_the_charge_waits_for_its_notice_and_moves() {
        // Nothing ran until two days after the due date: the notice goes first, no charge.
        assert_eq!(
            next_step(DUE, day(1), day(12), Done::default()),
            NextStep::Remind
        );
        assert_eq!(charge_on(DUE.due_on, day(12)), day(15));
        let late = Done {
            reminded_on: Some(day(12)),
            ..Done::default()
        };
        assert_eq!(next_step(DUE, day(1), day(14), late), NextStep::Nothing);
        assert_eq!(next_step(DUE, day(1), day(15), late), NextStep::Charge);
        // A notice sent only one day before the due date moves the charge two days on.
        let short = Done {
            reminded_on: Some(day(9)),
            ..Done::default()
        };
        assert_eq!(next_step(DUE, day(1), day(10), short), NextStep::Nothing);
        assert_eq!(next_step(DUE, day(1), day(12), short), NextStep::Charge);
    }

    #[test]
    fn a_failed_charge_is_retried_once_after_three_days_then_given_up() {
        let first = Done {
            first: failed(day(10)),
            ..Done::default()
        };
        assert_eq!(next_step(DUE, day(1), day(12), first), NextStep::Nothing);
        assert_eq!(next_step(DUE, day(1), day(13), first), NextStep::Retry);
        let both = Done {
            retry: failed(day(13)),
            ..first
        };
        assert_eq!(next_step(DUE, day(1), day(13), both), NextStep::GiveUp);
        let told = Done {
            gave_up: true,
            ..both
        };
        assert_eq!(next_step(DUE, day(1), day(20), told), NextStep::Nothing);
    }

    #[test]
    fn installments_before_autopay_began_or_already_paid_are_left_alone() {
        assert_eq!(
            next_step(DUE, day(11), day(12), Done::default()),
            NextStep::Nothing
        );
        let paid = Due {
            unpaid: false,
            ..DUE
        };
        assert_eq!(
            next_step(paid, day(1), day(10), Done::default()),
            NextStep::Nothing
        );
    }

    #[test]
    fn a_charge_that_never_reached_the_provider_is_sent_again() {
        let unsent = Done {
            first: Some(Charge {
                on: day(10),
                state: ChargeState::NotSent,
            }),
            ..Done::default()
        };
        assert_eq!(
            next_step(DUE, day(1), day(10), unsent),
            NextStep::Resend { retry: false }
        );
    }
}
