//! Disputes: why the person says the debt is wrong, and where the dispute stands.

stored_enum! {
    /// Stored in `disputes.reason` and `dispute_entries.reason`.
    pub enum DisputeReason {
        NotRecognised = "not_recognised",
        AlreadyPaid = "already_paid",
        WrongAmount = "wrong_amount",
        Other = "other",
    }
}

impl DisputeReason {
    /// The words the person chose from.
    pub fn label(self) -> &'static str {
        match self {
            DisputeReason::NotRecognised => "I don't recognise this",
            DisputeReason::AlreadyPaid => "I've already paid",
            DisputeReason::WrongAmount => "The amount is wrong",
            DisputeReason::Other => "Something else",
        }
    }
}

stored_enum! {
    /// Stored in `disputes.status`. Only `Open` holds the account.
    pub enum DisputeStatus {
        Open = "open",
        /// The creditor agreed; any adjustment is booked in the ledger.
        Upheld = "upheld",
        /// The creditor explained why the debt stands.
        Explained = "explained",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::stored::tests::round_trips;

    #[test]
    fn dispute_states_round_trip() {
        round_trips(&DisputeReason::ALL, |r| r.as_str());
        round_trips(&DisputeStatus::ALL, |s| s.as_str());
    }
}
