//! The offline test provider: a local checkout page, clearly labelled as a test where no
//! money moves, with "succeed" and "decline" buttons that produce the same `PaymentEvent`s a
//! Stripe webhook would, processed by the same code.
use super::{CheckoutRequest, CheckoutStarted, PaymentEvent};

#[derive(Clone, Debug, Default)]
pub struct OfflineProvider;

impl OfflineProvider {
    pub fn start_checkout(&self, request: &CheckoutRequest) -> CheckoutStarted {
        CheckoutStarted {
            provider_ref: format!("offline_{}", request.idempotency_key),
            redirect_url: format!("/pay/test-checkout/{}", request.attempt_id),
        }
    }

    /// Both buttons send events under this one id: the first press settles the attempt, and
    /// the other button can never change it afterwards (the event id is recorded once).
    fn outcome_event_id(attempt_id: i32) -> String {
        format!("offline_outcome_{attempt_id}")
    }

    /// The event the test page's "succeed" button sends.
    pub fn paid(
        attempt_id: i32,
        provider_ref: &str,
        amount_minor: i64,
        currency: &str,
    ) -> PaymentEvent {
        PaymentEvent::CheckoutPaid {
            event_id: Self::outcome_event_id(attempt_id),
            attempt_id,
            session_id: provider_ref.to_string(),
            amount_minor,
            currency: currency.to_string(),
        }
    }

    /// The event the test page's "decline" button sends.
    pub fn declined(attempt_id: i32, provider_ref: &str) -> PaymentEvent {
        PaymentEvent::CheckoutFailed {
            event_id: Self::outcome_event_id(attempt_id),
            attempt_id,
            session_id: provider_ref.to_string(),
            message: "Your card was declined (test)".to_string(),
        }
    }
}
