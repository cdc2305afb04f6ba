//! Care: the closed sets behind holds and hardship. Affordability (what is left each month
//! and the plan it allows) lives beside these in `affordability`.

stored_enum! {
    /// Why collection is paused on an account. Stored in `account_holds.kind`.
    pub enum HoldKind {
        /// Staff put the account on hold, with a reason in their words.
        Staff = "staff",
        /// The person disputes the debt; lasts until the creditor answers.
        Dispute = "dispute",
        /// The person asked for a breathing space; ends on its own at `ended_at`.
        BreathingSpace = "breathing_space",
    }
}

stored_enum! {
    /// What changed for the person, as they told us. Stored in `hardship_statements.reason`.
    pub enum HardshipReason {
        LostIncome = "lost_income",
        Illness = "illness",
        Bereavement = "bereavement",
        Caring = "caring",
        Other = "other",
    }
}

impl HardshipReason {
    /// The words the person chose from, on the form and to staff.
    pub fn label(self) -> &'static str {
        match self {
            HardshipReason::LostIncome => "I lost my job or some of my income",
            HardshipReason::Illness => "I am ill or injured",
            HardshipReason::Bereavement => "Someone close to me died",
            HardshipReason::Caring => "I am caring for someone",
            HardshipReason::Other => "Something else",
        }
    }
}

stored_enum! {
    /// What the person chose after telling us. Stored in `hardship_statements.outcome`.
    pub enum HardshipOutcome {
        /// They have not chosen yet (or left without choosing).
        Undecided = "undecided",
        /// An affordable installment plan, accepted at once.
        Plan = "plan",
        BreathingSpace = "breathing_space",
        /// A plan outside the policy, sent for review with the figures.
        Proposal = "proposal",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::stored::tests::round_trips;

    #[test]
    fn care_states_round_trip() {
        round_trips(&HoldKind::ALL, |k| k.as_str());
        round_trips(&HardshipReason::ALL, |r| r.as_str());
        round_trips(&HardshipOutcome::ALL, |o| o.as_str());
        assert_eq!(HoldKind::parse("staff"), Some(HoldKind::Staff));
    }
}
