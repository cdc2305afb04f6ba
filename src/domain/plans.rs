//! Where a payment plan stands and what kind of plan it is.
use super::lifecycle::PlanState;

stored_enum! {
    /// Where a plan stands. Stored in `plans.status`.
    pub enum PlanStatus {
        /// Outside policy: waiting for the creditor.
        Proposed = "proposed",
        /// The creditor offered different terms; waiting for the person.
        Countered = "countered",
        Active = "active",
        Completed = "completed",
        Broken = "broken",
        Cancelled = "cancelled",
        Declined = "declined",
        /// A pay-later date that has passed.
        Ended = "ended",
    }
}

impl PlanStatus {
    /// Statuses that block a second plan on the same account (see the partial unique index).
    pub const OPEN: [PlanStatus; 3] = [Self::Proposed, Self::Countered, Self::Active];

    /// Statuses the scheduler keeps checking against the payments made.
    pub const FOLLOWED: [PlanStatus; 2] = [Self::Active, Self::Broken];

    /// Statuses of plans that were agreed and started, whatever became of them.
    pub const AGREED: [PlanStatus; 3] = [Self::Active, Self::Completed, Self::Broken];

    /// Blocks a second plan on the same account.
    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }

    /// The person asked for a plan outside policy and waits for the creditor's answer.
    pub fn is_proposed(self) -> bool {
        self == Self::Proposed
    }

    /// The creditor offered other terms and waits for the person's answer.
    pub fn is_countered(self) -> bool {
        self == Self::Countered
    }

    pub fn is_active(self) -> bool {
        self == Self::Active
    }

    pub fn is_declined(self) -> bool {
        self == Self::Declined
    }

    pub fn is_broken(self) -> bool {
        self == Self::Broken
    }

    /// Someone is still waiting for an answer: the person or the creditor.
    pub fn is_request(self) -> bool {
        matches!(self, Self::Proposed | Self::Countered)
    }

    /// Payments still go towards the plan's installments (a broken plan starts again when
    /// the person catches up).
    pub fn takes_payments(self) -> bool {
        Self::FOLLOWED.contains(&self)
    }

    /// Nothing more happens on this plan: the person can choose another way to pay.
    pub fn is_over(self) -> bool {
        matches!(self, Self::Cancelled | Self::Completed | Self::Ended)
    }

    /// How the status reads to the person who owes the money.
    pub fn label(self) -> &'static str {
        match self {
            Self::Proposed => "Waiting for a reply",
            Self::Countered => "New terms offered to you",
            Self::Active => "In place",
            Self::Completed => "Paid in full",
            Self::Broken => "Stopped because payments were missed",
            Self::Cancelled => "Cancelled",
            Self::Declined => "Not agreed",
            Self::Ended => "Pay-later date has passed",
        }
    }
}

impl From<PlanState> for PlanStatus {
    fn from(state: PlanState) -> Self {
        match state {
            PlanState::Active => Self::Active,
            PlanState::Completed => Self::Completed,
            PlanState::Broken => Self::Broken,
        }
    }
}

stored_enum! {
    /// What the person chose. Stored in `plans.kind`.
    pub enum PlanKind {
        /// Pay in installments on a schedule.
        Installments = "installments",
        /// Pay in full later, by a date ("pay later").
        Deferral = "deferral",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::stored::tests::round_trips;

    #[test]
    fn statuses_are_stored_as_before() {
        round_trips(&PlanStatus::ALL, |s| s.as_str());
        assert_eq!(
            PlanStatus::ALL.map(PlanStatus::as_str),
            [
                "proposed",
                "countered",
                "active",
                "completed",
                "broken",
                "cancelled",
                "declined",
                "ended"
            ]
        );
    }

    #[test]
    fn kinds_are_stored_as_before() {
        round_trips(&PlanKind::ALL, |k| k.as_str());
        assert_eq!(
            PlanKind::ALL.map(PlanKind::as_str),
            ["installments", "deferral"]
        );
    }

    #[test]
    fn open_plans_are_the_ones_waiting_or_in_place() {
        let open: Vec<_> = PlanStatus::ALL
            .into_iter()
            .filter(|s| s.is_open())
            .collect();
        assert_eq!(open, PlanStatus::OPEN);
        assert!(PlanStatus::Broken.takes_payments());
        assert!(!PlanStatus::Broken.is_open());
    }

    #[test]
    fn a_lifecycle_state_is_stored_as_the_matching_status() {
        assert_eq!(PlanStatus::from(PlanState::Broken), PlanStatus::Broken);
        assert_eq!(
            PlanStatus::from(PlanState::Completed),
            PlanStatus::Completed
        );
    }
}
