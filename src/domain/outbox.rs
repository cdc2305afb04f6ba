//! Where a queued email stands.

stored_enum! {
    /// Where one queued email stands. Stored in `outbox_messages.status`.
    pub enum OutboxStatus {
        /// Waiting to be sent, or to be tried again.
        Pending = "pending",
        Sent = "sent",
        /// Gave up after the last retry.
        Failed = "failed",
        /// Not sent, by the contact policy (its reason is in `decision`).
        Suppressed = "suppressed",
    }
}

stored_enum! {
    /// What kind of message it is, which decides the contact policy that applies.
    /// Stored in `outbox_messages.category`.
    pub enum MessageCategory {
        /// Something the person just did or asked for (sign-in link, receipt, confirmation,
        /// code): sent at once, whatever their reminder preferences.
        Transactional = "transactional",
        /// A message we start (upcoming or missed payment, plan broken): quiet hours, the
        /// 7-day cap, holds and the person's preferences apply.
        Reminder = "reminder",
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
            ["pending", "sent", "failed", "suppressed"]
        );
        round_trips(&MessageCategory::ALL, |c| c.as_str());
    }
}
