//! Stripe: hosted Checkout for people paying now, off-session PaymentIntents for saved cards,
//! and verified webhooks turned into `PaymentEvent`s.
//!
//! Every call that creates something at Stripe carries the payment attempt's idempotency key,
//! so a retry after a timeout or a crash returns the first result instead of charging twice.
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use ::stripe::{
    ApiErrors, ApiErrorsCode, ApiErrorsType, Client, ClientBuilder, IdempotencyKey,
    RequestStrategy, StripeError, StripeRequest,
};
use serde_json::Value;
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionCustomerCreation, CreateCheckoutSessionLineItems,
    CreateCheckoutSessionLineItemsPriceData, CreateCheckoutSessionPaymentIntentData,
    CreateCheckoutSessionSetupIntentData, ProductData, RetrieveCheckoutSession,
};
use stripe_core::payment_intent::{
    CreatePaymentIntent, CreatePaymentIntentAutomaticPaymentMethods,
    CreatePaymentIntentAutomaticPaymentMethodsAllowRedirects, CreatePaymentIntentOffSession,
    ListPaymentIntent, RetrievePaymentIntent,
};
use stripe_core::setup_intent::RetrieveSetupIntent;
use stripe_shared::{
    CheckoutSession, CheckoutSessionMode, CheckoutSessionPaymentStatus, CheckoutSessionStatus,
    PaymentIntent, PaymentIntentStatus,
};
use stripe_types::{Currency, RangeQueryTs};
use stripe_webhook::Webhook;

use super::stripe_amounts::{self, StripeAmountError};
use super::{
    CheckoutRequest, CheckoutStarted, CheckoutStatus, IntentStatus, PaymentEvent, ProviderError,
    SavedCard, SetupRequest,
};

/// How far a webhook's signed timestamp may be from our clock, either way (Stripe's default).
pub const WEBHOOK_TOLERANCE_SECS: i64 = 300;

/// The metadata key naming our payment attempt, on sessions, intents and (copied by Stripe)
/// their charges.
const ATTEMPT_ID_KEY: &str = "attempt_id";
/// Marks intents we created with `charge_off_session`; Checkout's own intents are reported
/// through the session events instead.
const OFF_SESSION_KEY: &str = "off_session";
/// The metadata key naming our autopay mandate on card-saving (setup mode) sessions.
const MANDATE_ID_KEY: &str = "mandate_id";

/// The async client has no timeout by default: a hung connection would hang the request.
/// A person is waiting on the other end of a checkout, so it is short; Stripe answers in
/// well under a second normally, and a timed-out call is retried with the same key.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// How hyper reports a connection that could not be made (refused, no route, TLS handshake):
/// async-stripe keeps only this text of the error.
const NOT_CONNECTED: &str = "client error (Connect)";

#[derive(Clone, Debug)]
pub struct StripeProvider {
    /// Shared: the client is ~650 bytes, which would bloat every `PaymentProvider` and its clones.
    client: Arc<Client>,
}

impl StripeProvider {
    /// `api_base` points the client at a fake server in tests (`STRIPE_API_BASE`); `None`
    /// means Stripe's own API.
    ///
    /// # Panics
    /// When the secret key is not a valid header value or `api_base` is not a URL: both are
    /// start-up configuration mistakes.
    pub fn new(secret_key: &str, api_base: Option<&str>) -> Self {
        Self::with_timeout(secret_key, api_base, REQUEST_TIMEOUT)
    }

    /// [`Self::new`] with another per-request timeout (tests of a slow Stripe).
    ///
    /// # Panics
    /// As [`Self::new`].
    pub fn with_timeout(secret_key: &str, api_base: Option<&str>, timeout: Duration) -> Self {
        let mut builder = ClientBuilder::new(secret_key).timeout(timeout);
        if let Some(base) = api_base {
            builder = builder.url(normalize_api_base(base));
        }
        let client = builder
            .build()
            .expect("invalid Stripe secret key or API base URL");
        Self {
            client: Arc::new(client),
        }
    }

    /// Creates a hosted Checkout Session for one payment attempt.
    pub async fn start_checkout(
        &self,
        req: &CheckoutRequest,
    ) -> Result<CheckoutStarted, ProviderError> {
        let strategy = idempotent(&req.idempotency_key)?;
        let session = checkout_session_params(req)?
            .customize()
            .request_strategy(strategy)
            .send(self.client.as_ref())
            .await
            .map_err(provider_error)?;
        let redirect_url = session.url.ok_or_else(|| {
            ProviderError::Rejected(format!("checkout session {} has no URL", session.id))
        })?;
        Ok(CheckoutStarted {
            provider_ref: session.id.to_string(),
            redirect_url,
        })
    }

    /// Asks Stripe where a Checkout Session stands: for the return page and reconciliation.
    pub async fn checkout_status(&self, session_id: &str) -> Result<CheckoutStatus, ProviderError> {
        let session = RetrieveCheckoutSession::new(session_id)
            .send(self.client.as_ref())
            .await
            .map_err(provider_error)?;
        session_status(&session)
    }

    /// Charges a saved payment method while the person is away. Returns the PaymentIntent id
    /// once Stripe has accepted the charge (succeeded, or still processing: the final word
    /// then comes as a `payment_intent.*` webhook).
    pub async fn charge_off_session(
        &self,
        attempt_id: i32,
        idempotency_key: &str,
        amount_minor: i64,
        currency: &str,
        customer: &str,
        payment_method: &str,
    ) -> Result<String, ProviderError> {
        let strategy = idempotent(idempotency_key)?;
        let metadata = HashMap::from([
            (ATTEMPT_ID_KEY.to_string(), attempt_id.to_string()),
            (OFF_SESSION_KEY.to_string(), "true".to_string()),
        ]);
        let amount = stripe_amounts::minor_to_stripe(amount_minor, currency).map_err(refused)?;
        let intent = CreatePaymentIntent::new(amount, stripe_currency(currency))
            .customer(customer)
            .payment_method(payment_method)
            // Nobody is there to follow a redirect, and without this Stripe demands a
            // return_url for the redirect-based methods it might otherwise allow.
            .automatic_payment_methods(no_redirect_payment_methods())
            .confirm(true)
            .off_session(CreatePaymentIntentOffSession::Bool(true))
            .metadata(metadata)
            .customize()
            .request_strategy(strategy)
            .send(self.client.as_ref())
            .await
            .map_err(provider_error)?;
        intent_outcome(intent)
    }

    /// Where an off-session PaymentIntent stands: for reconciliation when its webhook is late.
    pub async fn intent_status(&self, intent_id: &str) -> Result<IntentStatus, ProviderError> {
        let intent = RetrievePaymentIntent::new(intent_id)
            .send(self.client.as_ref())
            .await
            .map_err(provider_error)?;
        intent_state(&intent)
    }

    /// The PaymentIntent Stripe created for `attempt_id` on the customer's card since
    /// `since_unix`, if any. Stripe forgets idempotency keys after 24 hours, so before an old
    /// charge is sent again we ask whether the first request got through after all.
    pub async fn intent_for_attempt(
        &self,
        attempt_id: i32,
        customer: &str,
        since_unix: i64,
    ) -> Result<Option<IntentStatus>, ProviderError> {
        let ours = attempt_id.to_string();
        let intents = ListPaymentIntent::new()
            .customer(customer)
            .created(RangeQueryTs::gte(since_unix))
            .limit(100)
            .send(self.client.as_ref())
            .await
            .map_err(provider_error)?;
        intents
            .data
            .iter()
            .find(|intent| intent.metadata.get(ATTEMPT_ID_KEY) == Some(&ours))
            .map(intent_state)
            .transpose()
    }

    /// Creates a Checkout Session in setup mode: the person saves a card for automatic plan
    /// payments and nothing is charged now. Stripe creates the customer the card belongs to.
    pub async fn start_setup_checkout(
        &self,
        req: &SetupRequest,
    ) -> Result<CheckoutStarted, ProviderError> {
        let strategy = idempotent(&req.idempotency_key)?;
        let metadata = HashMap::from([
            (MANDATE_ID_KEY.to_string(), req.mandate_id.to_string()),
            ("account_id".to_string(), req.account_id.to_string()),
            ("plan_id".to_string(), req.plan_id.to_string()),
        ]);
        let mut intent_data = CreateCheckoutSessionSetupIntentData::new();
        intent_data.metadata = Some(metadata.clone());
        intent_data.description = Some(req.description.clone());
        let mut params = CreateCheckoutSession::new()
            .mode(CheckoutSessionMode::Setup)
            // Setup mode with Stripe's dynamic payment methods needs the currency to be charged.
            .currency(stripe_currency(&req.currency))
            .customer_creation(CreateCheckoutSessionCustomerCreation::Always)
            .client_reference_id(req.mandate_id.to_string())
            .metadata(metadata)
            .setup_intent_data(intent_data)
            .success_url(req.success_url.clone())
            .cancel_url(req.cancel_url.clone());
        if let Some(email) = &req.customer_email {
            params = params.customer_email(email.clone());
        }
        let session = params
            .customize()
            .request_strategy(strategy)
            .send(self.client.as_ref())
            .await
            .map_err(provider_error)?;
        let redirect_url = session.url.ok_or_else(|| {
            ProviderError::Rejected(format!("setup session {} has no URL", session.id))
        })?;
        Ok(CheckoutStarted {
            provider_ref: session.id.to_string(),
            redirect_url,
        })
    }

    /// The card a completed SetupIntent saved, and the customer it belongs to.
    pub async fn saved_card(&self, setup_intent: &str) -> Result<SavedCard, ProviderError> {
        let intent = RetrieveSetupIntent::new(setup_intent)
            .send(self.client.as_ref())
            .await
            .map_err(provider_error)?;
        let payment_method = intent
            .payment_method
            .map(|pm| pm.id().to_string())
            .ok_or_else(|| {
                ProviderError::Rejected(format!("setup intent {setup_intent} saved no card"))
            })?;
        Ok(SavedCard {
            customer: intent.customer.map(|c| c.id().to_string()),
            payment_method,
        })
    }
}

/// The client appends `v1/...` straight after the base, so the base must end with a slash.
fn normalize_api_base(base: &str) -> String {
    format!("{}/", base.trim_end_matches('/'))
}

/// Our key, sent once: the library's retrying strategies would send random keys (or none).
fn idempotent(key: &str) -> Result<RequestStrategy, ProviderError> {
    // A key that cannot be a header fails inside the client as a "network" error, which the
    // caller would retry for ever: refuse it here instead.
    if !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ProviderError::Rejected(format!(
            "idempotency key {key:?} is not visible ASCII"
        )));
    }
    IdempotencyKey::new(key)
        .map(RequestStrategy::Idempotent)
        .map_err(|err| ProviderError::Rejected(format!("idempotency key: {err}")))
}

/// Stripe wants lower-case ISO codes; we keep upper case everywhere else.
fn stripe_currency(iso_code: &str) -> Currency {
    // Parsing is infallible: an unlisted code becomes `Currency::Unknown` and Stripe judges it.
    let Ok(currency) = iso_code.to_ascii_lowercase().parse();
    currency
}

fn our_currency(currency: &Currency) -> String {
    currency.to_string().to_ascii_uppercase()
}

/// An amount Stripe cannot charge exactly is refused before Stripe hears of it.
fn refused(error: StripeAmountError) -> ProviderError {
    ProviderError::Rejected(error.to_string())
}

fn checkout_session_params(req: &CheckoutRequest) -> Result<CreateCheckoutSession, ProviderError> {
    let unit_amount =
        stripe_amounts::minor_to_stripe(req.amount_minor, &req.currency).map_err(refused)?;
    let attempt_metadata =
        HashMap::from([(ATTEMPT_ID_KEY.to_string(), req.attempt_id.to_string())]);

    let mut price_data =
        CreateCheckoutSessionLineItemsPriceData::new(stripe_currency(&req.currency));
    price_data.unit_amount = Some(unit_amount);
    price_data.product_data = Some(ProductData::new(req.description.clone()));
    let mut line_item = CreateCheckoutSessionLineItems::new();
    line_item.price_data = Some(price_data);
    line_item.quantity = Some(1);

    // The intent (and the charge Stripe derives from it) carries the attempt id too, so refunds
    // map back. Its description is the same neutral text; no statement descriptor is set, so the
    // statement shows only the account's usual name and never hints at a debt.
    let mut intent_data = CreateCheckoutSessionPaymentIntentData::new();
    intent_data.metadata = Some(attempt_metadata.clone());
    intent_data.description = Some(req.description.clone());

    let mut params = CreateCheckoutSession::new()
        .mode(CheckoutSessionMode::Payment)
        .line_items(vec![line_item])
        .client_reference_id(req.attempt_id.to_string())
        .metadata(attempt_metadata)
        .payment_intent_data(intent_data)
        .success_url(req.success_url.clone())
        .cancel_url(req.cancel_url.clone());
    if let Some(email) = &req.customer_email {
        params = params.customer_email(email.clone());
    }
    Ok(params)
}

fn session_status(session: &CheckoutSession) -> Result<CheckoutStatus, ProviderError> {
    use CheckoutSessionPaymentStatus as Payment;
    Ok(match (&session.status, &session.payment_status) {
        (Some(CheckoutSessionStatus::Complete), Payment::Paid | Payment::NoPaymentRequired) => {
            let currency = session
                .currency
                .as_ref()
                .map(our_currency)
                .unwrap_or_default();
            let amount_minor =
                stripe_amounts::stripe_to_minor(session.amount_total.unwrap_or(0), &currency)
                    .map_err(refused)?;
            CheckoutStatus::Paid {
                amount_minor,
                currency,
                payment_intent: session
                    .payment_intent
                    .as_ref()
                    .map(|pi| pi.id().to_string()),
            }
        }
        (Some(CheckoutSessionStatus::Complete), _) => CheckoutStatus::Unpaid,
        (Some(CheckoutSessionStatus::Expired), _) => CheckoutStatus::Expired,
        // Open, or a status this version does not know: nothing final has happened that we
        // could act on, so keep waiting.
        _ => CheckoutStatus::Open,
    })
}

fn no_redirect_payment_methods() -> CreatePaymentIntentAutomaticPaymentMethods {
    let mut methods = CreatePaymentIntentAutomaticPaymentMethods::new(true);
    methods.allow_redirects = Some(CreatePaymentIntentAutomaticPaymentMethodsAllowRedirects::Never);
    methods
}

fn intent_state(intent: &PaymentIntent) -> Result<IntentStatus, ProviderError> {
    let intent_id = intent.id.to_string();
    Ok(match intent.status {
        PaymentIntentStatus::Succeeded => {
            let currency = our_currency(&intent.currency);
            let amount_minor = stripe_amounts::stripe_to_minor(intent.amount_received, &currency)
                .map_err(refused)?;
            IntentStatus::Succeeded {
                intent_id,
                amount_minor,
                currency,
            }
        }
        PaymentIntentStatus::RequiresPaymentMethod
        | PaymentIntentStatus::Canceled
        | PaymentIntentStatus::RequiresAction
        | PaymentIntentStatus::RequiresConfirmation => IntentStatus::Failed {
            intent_id,
            message: intent
                .last_payment_error
                .as_ref()
                .and_then(|err| err.message.clone())
                .unwrap_or_else(|| "The payment was declined".to_string()),
        },
        _ => IntentStatus::Processing { intent_id },
    })
}

/// Off-session failures normally arrive as 402 errors, but a 200 can still carry an intent
/// that needs the customer or has no usable payment method.
fn intent_outcome(intent: PaymentIntent) -> Result<String, ProviderError> {
    match intent.status {
        PaymentIntentStatus::RequiresAction | PaymentIntentStatus::RequiresConfirmation => {
            Err(ProviderError::ActionRequired)
        }
        PaymentIntentStatus::RequiresPaymentMethod | PaymentIntentStatus::Canceled => {
            let message = intent
                .last_payment_error
                .and_then(|err| err.message)
                .unwrap_or_else(|| "The payment was declined".to_string());
            Err(ProviderError::Declined(message))
        }
        _ => Ok(intent.id.to_string()),
    }
}

/// Sorts a failed call by what the caller should do next.
fn provider_error(err: StripeError) -> ProviderError {
    match err {
        StripeError::Stripe(api_error, status) => api_provider_error(&api_error, status),
        // A connection that was never made means Stripe never saw the request. Other network
        // failures and timeouts leave the outcome unknown. So does a response we could
        // not read: rc.10 reports an error body that is not Stripe's JSON (a proxy's 502 page)
        // as a deserialisation error and drops the status code.
        StripeError::ClientError(msg) if msg.starts_with(NOT_CONNECTED) => {
            ProviderError::Unreachable(msg)
        }
        StripeError::ClientError(msg) | StripeError::JSONDeserialize(msg) => {
            ProviderError::Unavailable(msg)
        }
        StripeError::Timeout => ProviderError::Unavailable("timed out".to_string()),
        StripeError::ConfigError(msg) => ProviderError::Rejected(msg),
    }
}

fn api_provider_error(api_error: &ApiErrors, status: u16) -> ProviderError {
    let message = api_error
        .message
        .clone()
        .unwrap_or_else(|| api_error.type_.to_string());
    // 409: a request with the same idempotency key is still in flight; 429: rate limited.
    if status >= 500 || status == 409 || status == 429 {
        return ProviderError::Unavailable(format!("{status}: {message}"));
    }
    match (&api_error.type_, &api_error.code) {
        (ApiErrorsType::CardError, Some(ApiErrorsCode::AuthenticationRequired)) => {
            ProviderError::ActionRequired
        }
        (ApiErrorsType::CardError, _) => ProviderError::Declined(message),
        _ => ProviderError::Rejected(format!("{status}: {message}")),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("missing or malformed Stripe-Signature header")]
    BadHeader,
    #[error("webhook signature does not match")]
    BadSignature,
    #[error("webhook timestamp {0} is outside the tolerance")]
    BadTimestamp(i64),
    #[error("webhook payload is not a Stripe event: {0}")]
    Malformed(String),
    /// A payment event that names none of our payment attempts.
    #[error("event {0} names no payment attempt")]
    Unmatched(String),
}

/// Checks a webhook's signature and age, then says what happened.
///
/// The signature is checked by async-stripe; the event is read from the raw JSON. The webhook
/// endpoint's API version is set in Stripe's dashboard and may differ from the one async-stripe
/// was generated for, and a typed-parse failure on some field we never read must not make us
/// refuse (and Stripe redeliver for days) a verified payment.
pub fn verify_webhook(
    payload: &str,
    signature_header: &str,
    secret: &str,
    now_unix: i64,
) -> Result<PaymentEvent, WebhookError> {
    let timestamp = signed_timestamp(signature_header)?;
    // Checked here too, both ways, so a replay window never depends on the library's choice.
    if (now_unix - timestamp).abs() > WEBHOOK_TOLERANCE_SECS {
        return Err(WebhookError::BadTimestamp(timestamp));
    }
    match Webhook::construct_event_with_timestamp(payload, signature_header, secret, now_unix) {
        Ok(_) => {}
        // rc.10 parses only after the signature and timestamp have passed, so this payload is
        // authentic; its shape just differs from the generated types.
        Err(stripe_webhook::WebhookError::BadParse(reason)) => {
            tracing::warn!(%reason, "verified Stripe event does not match async-stripe's types");
        }
        Err(stripe_webhook::WebhookError::BadTimestamp(t)) => {
            return Err(WebhookError::BadTimestamp(t));
        }
        Err(stripe_webhook::WebhookError::BadHeader(_)) => return Err(WebhookError::BadHeader),
        Err(stripe_webhook::WebhookError::BadSignature | stripe_webhook::WebhookError::BadKey) => {
            return Err(WebhookError::BadSignature);
        }
    }
    let event: Value =
        serde_json::from_str(payload).map_err(|err| WebhookError::Malformed(err.to_string()))?;
    map_event(&event)
}

/// A valid `Stripe-Signature` header for `payload`, as Stripe computes it:
/// `t=<timestamp>,v1=<hex HMAC-SHA256(secret, "<timestamp>.<payload>")>`.
pub fn sign_for_tests(payload: &str, secret: &str, timestamp: i64) -> String {
    Webhook::generate_test_header(payload, secret, Some(timestamp))
}

/// The `t=` of a `Stripe-Signature` header (`t=...,v1=...,v0=...`).
fn signed_timestamp(header: &str) -> Result<i64, WebhookError> {
    header
        .split(',')
        .find_map(|part| part.trim().strip_prefix("t="))
        .and_then(|t| t.parse().ok())
        .ok_or(WebhookError::BadHeader)
}

fn map_event(event: &Value) -> Result<PaymentEvent, WebhookError> {
    let event_id = str_field(event, "id")
        .ok_or_else(|| WebhookError::Malformed("event has no id".to_string()))?
        .to_string();
    let kind = str_field(event, "type")
        .ok_or_else(|| WebhookError::Malformed(format!("event {event_id} has no type")))?;
    let object = &event["data"]["object"];

    Ok(match kind {
        // Setup sessions save a card and report "no_payment_required": checked first.
        "checkout.session.completed" if is_setup_session(object) => {
            setup_completed(object, event_id)?
        }
        "checkout.session.completed" if session_is_paid(object) => checkout_paid(object, event_id)?,
        // Paid later or never: `async_payment_succeeded`/`_failed` will say which.
        "checkout.session.completed" => other(event_id, kind),
        "checkout.session.async_payment_succeeded" => checkout_paid(object, event_id)?,
        "checkout.session.async_payment_failed" => PaymentEvent::CheckoutFailed {
            attempt_id: attempt_id(object, &event_id)?,
            session_id: string_field(object, "id", &event_id)?,
            message: "The payment did not go through".to_string(),
            event_id,
        },
        "checkout.session.expired" => PaymentEvent::CheckoutExpired {
            attempt_id: attempt_id(object, &event_id)?,
            session_id: string_field(object, "id", &event_id)?,
            event_id,
        },
        // A declined card inside Checkout fails its intent while the session stays open for
        // another try, and Checkout's successes come as session events: only our own
        // off-session intents are decided by intent events.
        "payment_intent.payment_failed" if is_off_session_intent(object) => {
            PaymentEvent::IntentFailed {
                attempt_id: attempt_id(object, &event_id)?,
                intent_id: string_field(object, "id", &event_id)?,
                message: intent_failure_message(object),
                event_id,
            }
        }
        "payment_intent.succeeded" if is_off_session_intent(object) => {
            PaymentEvent::IntentSucceeded {
                attempt_id: attempt_id(object, &event_id)?,
                intent_id: string_field(object, "id", &event_id)?,
                amount_minor: amount_field(object, "amount_received", &event_id)?,
                currency: currency_field(object, &event_id)?,
                event_id,
            }
        }
        // `amount_refunded` is the charge's running total, not this refund's amount.
        "charge.refunded" => PaymentEvent::Refunded {
            attempt_id: attempt_id(object, &event_id)?,
            amount_minor: amount_field(object, "amount_refunded", &event_id)?,
            currency: currency_field(object, &event_id)?,
            event_id,
        },
        _ => other(event_id, kind),
    })
}

fn other(event_id: String, kind: &str) -> PaymentEvent {
    PaymentEvent::Other {
        event_id,
        kind: kind.to_string(),
    }
}

fn checkout_paid(session: &Value, event_id: String) -> Result<PaymentEvent, WebhookError> {
    Ok(PaymentEvent::CheckoutPaid {
        attempt_id: attempt_id(session, &event_id)?,
        session_id: string_field(session, "id", &event_id)?,
        amount_minor: amount_field(session, "amount_total", &event_id)?,
        currency: currency_field(session, &event_id)?,
        event_id,
    })
}

fn is_setup_session(session: &Value) -> bool {
    str_field(session, "mode") == Some("setup")
}

fn setup_completed(session: &Value, event_id: String) -> Result<PaymentEvent, WebhookError> {
    let mandate_id = session["metadata"][MANDATE_ID_KEY]
        .as_str()
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| WebhookError::Unmatched(event_id.clone()))?;
    Ok(PaymentEvent::SetupCompleted {
        mandate_id,
        session_id: string_field(session, "id", &event_id)?,
        customer: str_field(session, "customer").map(str::to_string),
        setup_intent: string_field(session, "setup_intent", &event_id)?,
        event_id,
    })
}

fn session_is_paid(session: &Value) -> bool {
    matches!(
        str_field(session, "payment_status"),
        Some("paid" | "no_payment_required")
    )
}

fn is_off_session_intent(intent: &Value) -> bool {
    intent["metadata"][OFF_SESSION_KEY].as_str() == Some("true")
}

fn intent_failure_message(intent: &Value) -> String {
    intent["last_payment_error"]["message"]
        .as_str()
        .unwrap_or("The payment was declined")
        .to_string()
}

/// Our attempt id from the object's metadata; without one the event is not ours to act on.
fn attempt_id(object: &Value, event_id: &str) -> Result<i32, WebhookError> {
    object["metadata"][ATTEMPT_ID_KEY]
        .as_str()
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| WebhookError::Unmatched(event_id.to_string()))
}

fn str_field<'a>(object: &'a Value, name: &str) -> Option<&'a str> {
    object.get(name).and_then(Value::as_str)
}

fn required<'a>(object: &'a Value, name: &str, event_id: &str) -> Result<&'a Value, WebhookError> {
    object
        .get(name)
        .filter(|value| !value.is_null())
        .ok_or_else(|| WebhookError::Malformed(format!("event {event_id} has no {name}")))
}

fn int_field(object: &Value, name: &str, event_id: &str) -> Result<i64, WebhookError> {
    required(object, name, event_id)?.as_i64().ok_or_else(|| {
        WebhookError::Malformed(format!("event {event_id}: {name} is not an integer"))
    })
}

/// An amount in Stripe's units, read back into our minor units by the object's currency.
fn amount_field(object: &Value, name: &str, event_id: &str) -> Result<i64, WebhookError> {
    let stripe_amount = int_field(object, name, event_id)?;
    let currency = currency_field(object, event_id)?;
    stripe_amounts::stripe_to_minor(stripe_amount, &currency)
        .map_err(|err| WebhookError::Malformed(format!("event {event_id}: {err}")))
}

fn string_field(object: &Value, name: &str, event_id: &str) -> Result<String, WebhookError> {
    required(object, name, event_id)?
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| WebhookError::Malformed(format!("event {event_id}: {name} is not a string")))
}

fn currency_field(object: &Value, event_id: &str) -> Result<String, WebhookError> {
    string_field(object, "currency", event_id).map(|code| code.to_ascii_uppercase())
}
