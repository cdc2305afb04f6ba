//! Who an audit log entry says acted.

stored_enum! {
    /// Who did what the audit log records. Stored in `audit_log.actor_kind`.
    pub enum ActorKind {
        Staff = "staff",
        Debtor = "debtor",
        /// The scheduler, a provider's webhook, an import.
        System = "system",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::stored::tests::round_trips;

    #[test]
    fn actor_kinds_are_stored_as_before() {
        round_trips(&ActorKind::ALL, |k| k.as_str());
        assert_eq!(
            ActorKind::ALL.map(ActorKind::as_str),
            ["staff", "debtor", "system"]
        );
    }
}
