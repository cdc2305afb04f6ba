//! Where a payment attempt stands, what it was for and who handles it.

stored_enum! {
    /// Where one try at collecting money stands. Stored in `payment_attempts.status`.
    /// Statuses only move forward: a late or repeated message never undoes a later one.
    pub enum PaymentStatus {
        /// Saved before the provider is called; the provider may not have it yet.
        Created = "created",
        /// The provider has it; its final word comes later.
        Pending = "pending",
        Succeeded = "succeeded",
        Failed = "failed",
        /// The person left the checkout without paying.
        Expired = "expired",
        /// Paid, then all or part of it given back.
        Refunded = "refunded",
        /// The provider's report does not match what we asked for: our team checks it.
        Flagged = "flagged",
    }
}

impl PaymentStatus {
    /// Not yet decided: a provider's answer may still move it on.
    pub const UNDECIDED: [PaymentStatus; 2] = [Self::Created, Self::Pending];

    /// Money that arrives after these still counts: the payment succeeds (or is flagged).
    pub const NOT_SETTLED: [PaymentStatus; 4] =
        [Self::Created, Self::Pending, Self::Failed, Self::Expired];

    /// The money arrived (a later refund does not change that it was paid).
    pub fn is_settled(self) -> bool {
        matches!(self, Self::Succeeded | Self::Refunded)
    }

    /// Nothing was taken and nothing more will happen.
    pub fn did_not_go_through(self) -> bool {
        matches!(self, Self::Failed | Self::Expired)
    }

    /// The provider may still tell us the outcome.
    pub fn is_pending(self) -> bool {
        self == Self::Pending
    }
}

stored_enum! {
    /// What a payment was for. Stored in `payment_attempts.purpose`.
    pub enum PaymentPurpose {
        /// The whole balance, maybe with an early-payment discount.
        Full = "full",
        /// The next installment of a plan.
        Installment = "installment",
        /// An amount of the person's own choosing.
        Extra = "extra",
        /// Taken from a saved card on an installment's due date.
        Autopay = "autopay",
        /// Received another way (bank transfer, cheque) and recorded by staff.
        Offline = "offline",
    }
}

impl PaymentPurpose {
    /// How the payment reads in the person's payment history.
    pub fn label(self) -> &'static str {
        match self {
            Self::Full => "Paying in full",
            Self::Installment => "Plan payment",
            Self::Extra => "Extra payment",
            Self::Autopay => "Automatic plan payment",
            Self::Offline => "Payment",
        }
    }
}

stored_enum! {
    /// Who moves the money for a payment or a saved card. Stored in
    /// `payment_attempts.provider` and `autopay_mandates.provider`.
    pub enum ProviderName {
        Stripe = "stripe",
        /// The local test checkout, where no money moves.
        Offline = "offline",
        /// Money received another way and recorded by staff.
        Staff = "staff",
    }
}

stored_enum! {
    /// What processing a provider's event did. Stored in `provider_events.outcome`.
    pub enum EventOutcome {
        /// Recorded, and being processed in the same transaction.
        Received = "received",
        Applied = "applied",
        /// This event (or this payment) was already processed: nothing changed.
        AlreadyDone = "already_done",
        Failed = "failed",
        Expired = "expired",
        Refunded = "refunded",
        /// Amount, currency or attempt do not match what we asked for: flagged, not applied.
        Mismatch = "mismatch",
        Ignored = "ignored",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::stored::tests::round_trips;

    #[test]
    fn payment_statuses_are_stored_as_before() {
        round_trips(&PaymentStatus::ALL, |s| s.as_str());
        assert_eq!(
            PaymentStatus::ALL.map(PaymentStatus::as_str),
            [
                "created",
                "pending",
                "succeeded",
                "failed",
                "expired",
                "refunded",
                "flagged"
            ]
        );
    }

    #[test]
    fn purposes_are_stored_as_before() {
        round_trips(&PaymentPurpose::ALL, |p| p.as_str());
        assert_eq!(
            PaymentPurpose::ALL.map(PaymentPurpose::as_str),
            ["full", "installment", "extra", "autopay", "offline"]
        );
    }

    #[test]
    fn providers_are_stored_as_before() {
        round_trips(&ProviderName::ALL, |p| p.as_str());
        assert_eq!(
            ProviderName::ALL.map(ProviderName::as_str),
            ["stripe", "offline", "staff"]
        );
    }

    #[test]
    fn event_outcomes_are_stored_as_before() {
        round_trips(&EventOutcome::ALL, |o| o.as_str());
        assert_eq!(
            EventOutcome::ALL.map(EventOutcome::as_str),
            [
                "received",
                "applied",
                "already_done",
                "failed",
                "expired",
                "refunded",
                "mismatch",
                "ignored"
            ]
        );
    }

    #[test]
    fn refunded_payments_were_paid_and_failed_ones_can_still_succeed() {
        assert!(PaymentStatus::Refunded.is_settled());
        assert!(!PaymentStatus::Flagged.is_settled());
        assert!(PaymentStatus::NOT_SETTLED.contains(&PaymentStatus::Expired));
        assert!(!PaymentStatus::NOT_SETTLED.contains(&PaymentStatus::Succeeded));
    }
}
