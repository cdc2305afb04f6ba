//! One optional question after something is done: how easy was that?

stored_enum! {
    /// When we asked. Stored in `feedback.moment`.
    pub enum FeedbackMoment {
        PlanSetUp = "plan_set_up",
        PaymentCompleted = "payment_completed",
        DisputeClosed = "dispute_closed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::stored::tests::round_trips;

    #[test]
    fn moments_round_trip() {
        round_trips(&FeedbackMoment::ALL, |m| m.as_str());
    }
}
