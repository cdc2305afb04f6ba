//! Payment providers. Stripe Checkout in production (card data never reaches us), and an
//! offline test provider for `cargo run` and tests that completes payments through the very
//! same event-processing path as Stripe's webhooks.
pub mod offline;
pub mod stripe;
pub mod stripe_amounts;

use crate::domain::Money;
use crate::domain::payments::ProviderName;

/// What we ask a provider to collect. Saved as a payment attempt before the call, so the
/// idempotency key survives a crash or a timeout and a retry never charges twice.
#[derive(Clone, Debug)]
pub struct CheckoutRequest {
    pub attempt_id: i32,
    pub idempotency_key: String,
    pub amount_minor: i64,
    /// ISO 4217 code, upper case.
    pub currency: String,
    /// Neutral words only, e.g. "Payment to Northwind Utilities": it may show on statements.
    pub description: String,
    pub success_url: String,
    pub cancel_url: String,
    pub customer_email: Option<String>,
}

/// A card-saving checkout for automatic payments. Saved as a mandate row first, whose
/// idempotency key is sent, so a retried request never saves two cards.
#[derive(Clone, Debug)]
pub struct SetupRequest {
    pub mandate_id: i32,
    pub account_id: i32,
    pub plan_id: i32,
    pub idempotency_key: String,
    /// ISO 4217 code of the payments to come, upper case.
    pub currency: String,
    /// Neutral words only, as for payments.
    pub description: String,
    pub success_url: String,
    pub cancel_url: String,
    pub customer_email: Option<String>,
}

/// A card saved for automatic payments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedCard {
    pub customer: Option<String>,
    pub payment_method: String,
}

#[derive(Clone, Debug)]
pub struct CheckoutStarted {
    /// The provider's checkout session id.
    pub provider_ref: String,
    /// Where to send the person to pay.
    pub redirect_url: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckoutStatus {
    Open,
    Paid {
        amount_minor: i64,
        currency: String,
        payment_intent: Option<String>,
    },
    /// Completed, but the money has not arrived (yet): async payment methods.
    Unpaid,
    Expired,
}

/// Where a PaymentIntent (an automatic payment from a saved card) stands at the provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IntentStatus {
    /// Accepted, no final word yet.
    Processing { intent_id: String },
    Succeeded {
        intent_id: String,
        amount_minor: i64,
        currency: String,
    },
    /// Declined, cancelled, or needing the person (nobody is there off-session).
    Failed { intent_id: String, message: String },
}

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("declined: {0}")]
    Declined(String),
    #[error("action required")]
    ActionRequired,
    /// Timeout, 5xx, 429 or a connection lost mid-request: the request may have reached the
    /// provider, so the outcome is unknown and a retry must reuse the idempotency key.
    #[error("provider unavailable: {0}")]
    Unavailable(String),
    /// No connection could be made: the request never reached the provider, so nothing
    /// happened there.
    #[error("provider unreachable: {0}")]
    Unreachable(String),
    #[error("rejected: {0}")]
    Rejected(String),
}

/// What a verified webhook (or the offline test provider) says happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentEvent {
    CheckoutPaid {
        event_id: String,
        attempt_id: i32,
        session_id: String,
        amount_minor: i64,
        currency: String,
    },
    CheckoutFailed {
        event_id: String,
        attempt_id: i32,
        session_id: String,
        message: String,
    },
    CheckoutExpired {
        event_id: String,
        attempt_id: i32,
        session_id: String,
    },
    IntentFailed {
        event_id: String,
        attempt_id: i32,
        intent_id: String,
        message: String,
    },
    IntentSucceeded {
        event_id: String,
        attempt_id: i32,
        intent_id: String,
        amount_minor: i64,
        currency: String,
    },
    Refunded {
        event_id: String,
        attempt_id: i32,
        amount_minor: i64,
        currency: String,
    },
    /// A card-saving (setup mode) checkout finished: the card is in the SetupIntent.
    SetupCompleted {
        event_id: String,
        mandate_id: i32,
        session_id: String,
        customer: Option<String>,
        setup_intent: String,
    },
    Other {
        event_id: String,
        kind: String,
    },
}

impl PaymentEvent {
    pub fn event_id(&self) -> &str {
        match self {
            Self::CheckoutPaid { event_id, .. }
            | Self::CheckoutFailed { event_id, .. }
            | Self::CheckoutExpired { event_id, .. }
            | Self::IntentFailed { event_id, .. }
            | Self::IntentSucceeded { event_id, .. }
            | Self::Refunded { event_id, .. }
            | Self::SetupCompleted { event_id, .. }
            | Self::Other { event_id, .. } => event_id,
        }
    }
}

/// The provider in use: Stripe when a secret key is configured; the offline test provider only
/// when test payments were asked for (`--demo`, `GOODTERMS_TEST_PAYMENTS=1`); otherwise none,
/// and card payments are not offered.
#[derive(Clone)]
pub enum PaymentProvider {
    Stripe(stripe::StripeProvider),
    Offline(offline::OfflineProvider),
    NotConfigured,
}

impl PaymentProvider {
    pub async fn start_checkout(
        &self,
        request: &CheckoutRequest,
    ) -> Result<CheckoutStarted, ProviderError> {
        match self {
            Self::Stripe(p) => p.start_checkout(request).await,
            Self::Offline(p) => Ok(p.start_checkout(request)),
            Self::NotConfigured => Err(ProviderError::Rejected(
                "card payments are not configured".to_string(),
            )),
        }
    }

    /// Asks the provider for the truth about a checkout, for the return page and the
    /// reconciliation job. The offline provider's answer is already in our database.
    pub async fn checkout_status(
        &self,
        provider_ref: &str,
    ) -> Result<Option<CheckoutStatus>, ProviderError> {
        match self {
            Self::Stripe(p) => p.checkout_status(provider_ref).await.map(Some),
            Self::Offline(_) | Self::NotConfigured => Ok(None),
        }
    }

    /// Asks the provider where an automatic payment's PaymentIntent stands, for the
    /// reconciliation job. Offline charges are decided at once, so there is nothing to ask.
    pub async fn intent_status(
        &self,
        intent_id: &str,
    ) -> Result<Option<IntentStatus>, ProviderError> {
        match self {
            Self::Stripe(p) => p.intent_status(intent_id).await.map(Some),
            Self::Offline(_) | Self::NotConfigured => Ok(None),
        }
    }

    pub fn is_offline(&self) -> bool {
        matches!(self, Self::Offline(_))
    }

    /// Whether the provider can charge `amount` exactly; the message says why not, in words
    /// for the person paying.
    pub fn check_amount(&self, amount: Money) -> Result<(), String> {
        match self {
            Self::Stripe(_) => stripe_amounts::chargeable(amount).map_err(|e| e.plain_words()),
            Self::Offline(_) | Self::NotConfigured => Ok(()),
        }
    }

    /// Whether people can pay by card here at all.
    pub fn takes_card_payments(&self) -> bool {
        !matches!(self, Self::NotConfigured)
    }

    /// How attempts and saved cards record who handles them; `None` when card payments are
    /// not offered.
    pub fn name(&self) -> Option<ProviderName> {
        match self {
            Self::Stripe(_) => Some(ProviderName::Stripe),
            Self::Offline(_) => Some(ProviderName::Offline),
            Self::NotConfigured => None,
        }
    }

    /// Whether a payment or saved card recorded as `name` can be handled here. Charges on a
    /// saved card must go through the provider that saved it, never whichever one this
    /// instance happens to run.
    pub fn handles(&self, name: ProviderName) -> bool {
        self.name() == Some(name)
    }
}
