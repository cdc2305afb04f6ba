//! Where a queued email stands.

stored_enum! {
    /// Where one queued email stands. Stored in `outbox_messages.status`.
    pub enum OutboxStatus {
        /// Waiting to be sent, or to be tried again.
        Pending = "pending",
        Sent = "sent",
        /// Gave up after the last retry.
        Failed = "failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::stored::tests::round_trips;

    #[test]
    fn outbox_statuses_are_stored_as_before() {
        round_trips(&OutboxStatus::ALL, |s| s.as_str());
        assert_eq!(
            OutboxStatus::ALL.map(OutboxStatus::as_str),
            ["pending", "sent", "failed"]
        );
    }
}
