//! `POST /webhooks/stripe`: the signature is checked over the raw body before anything else;
//! a bad one gets 400 and nothing is recorded. Verified events go through the same
//! processing as every other payment outcome.
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use sea_orm::DatabaseConnection;
use secrecy::ExposeSecret;

use crate::config::Settings;
use crate::providers::stripe::{WebhookError, verify_webhook};
use crate::providers::{PaymentEvent, PaymentProvider};
use crate::services::autopay::setup;
use crate::services::payments;
use crate::web::errors::AppError;

pub const STRIPE_EVENTS_PATH: &str = "/webhooks/stripe";

/// Stripe's events are small; anything bigger is not from Stripe.
pub const WEBHOOK_LIMIT_BYTES: usize = 1024 * 1024;

/// Registered with its own 1 MiB body limit in `web::routes`.
pub async fn stripe_events(
    req: HttpRequest,
    body: web::Bytes,
    db: web::Data<DatabaseConnection>,
    settings: web::Data<Settings>,
    provider: web::Data<PaymentProvider>,
) -> Result<HttpResponse, AppError> {
    let Some(secret) = settings.stripe_webhook_secret.as_ref() else {
        return Err(AppError::NotFound);
    };
    let signature = req
        .headers()
        .get("Stripe-Signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let payload = std::str::from_utf8(&body).map_err(|_| AppError::BadRequest)?;
    let event = match verify_webhook(
        payload,
        signature,
        secret.expose_secret(),
        Utc::now().timestamp(),
    ) {
        Ok(event) => event,
        Err(WebhookError::Unmatched(event_id)) => {
            // Genuine, but not about a payment we started: acknowledge so Stripe stops retrying.
            tracing::warn!(event_id, "Stripe event without a matching payment attempt");
            return Ok(HttpResponse::Ok().finish());
        }
        // Signed by Stripe, but not an event we can read: saying "invalid signature" would
        // send whoever investigates after the wrong secret.
        Err(error @ WebhookError::Malformed(_)) => {
            tracing::warn!(error = %error, "Stripe webhook malformed");
            return Ok(HttpResponse::BadRequest().body("malformed event"));
        }
        Err(error) => {
            tracing::warn!(error = %error, "Stripe webhook refused");
            return Ok(HttpResponse::BadRequest().body("invalid signature"));
        }
    };
    if let PaymentEvent::SetupCompleted {
        mandate_id,
        customer,
        setup_intent,
        ..
    } = &event
    {
        // A saved card for automatic payments: no money moved, so not a payment event.
        let outcome = setup::complete_stripe_setup(
            &db,
            &provider,
            *mandate_id,
            customer.as_deref(),
            setup_intent,
            Utc::now(),
        )
        .await
        .map_err(AppError::internal)?;
        tracing::info!(
            event_id = event.event_id(),
            ?outcome,
            "Stripe setup event processed"
        );
        return Ok(HttpResponse::Ok().finish());
    }
    let outcome = payments::events::handle_event(&db, &event, &settings.base_url, Utc::now())
        .await
        .map_err(AppError::internal)?;
    crate::faults::crash_point(crate::faults::WEBHOOK_AFTER_COMMIT);
    tracing::info!(
        event_id = event.event_id(),
        ?outcome,
        "Stripe event processed"
    );
    Ok(HttpResponse::Ok().finish())
}
