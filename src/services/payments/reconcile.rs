//! The reconciliation job: attempts still pending are checked with the provider, so nothing
//! stays unknown because a webhook was lost. Checkout payments are looked up by their Checkout
//! Session, automatic payments by their PaymentIntent.
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use crate::domain::payments::{PaymentPurpose, PaymentStatus};
use crate::entities::payment_attempt;
use crate::providers::{CheckoutStatus, IntentStatus, PaymentEvent, PaymentProvider};

use super::PaymentError;
use super::events::*;

/// What one reconciliation pass did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Reconciled {
    /// Pending attempts looked at.
    pub checked: usize,
    /// Attempts that could not be processed (logged by id); the pass went on without them.
    pub failed: usize,
}

/// Asks the provider about a pending attempt and processes the answer like any event.
pub(super) async fn refresh(
    db: &DatabaseConnection,
    provider: &PaymentProvider,
    attempt: &payment_attempt::Model,
    base_url: &str,
    now: DateTime<Utc>,
) -> Result<(), PaymentError> {
    let Some(reference) = attempt.provider_ref.as_deref() else {
        return Ok(());
    };
    let event = if attempt.purpose == PaymentPurpose::Autopay {
        intent_news(provider, attempt, reference).await
    } else {
        checkout_news(provider, attempt, reference).await
    };
    if let Some(event) = event {
        handle_event(db, &event, base_url, now).await?;
    }
    Ok(())
}

/// What the provider says about a checkout, as the event a webhook would have brought.
async fn checkout_news(
    provider: &PaymentProvider,
    attempt: &payment_attempt::Model,
    reference: &str,
) -> Option<PaymentEvent> {
    let status = match provider.checkout_status(reference).await {
        Ok(status) => status?,
        Err(error) => {
            // Unknown for now: the attempt stays pending and reconciliation tries later.
            tracing::warn!(attempt_id = attempt.id, error = %error, "checkout status unavailable");
            return None;
        }
    };
    match status {
        CheckoutStatus::Paid {
            amount_minor,
            currency,
            ..
        } => Some(PaymentEvent::CheckoutPaid {
            event_id: format!("poll_paid_{}", attempt.id),
            attempt_id: attempt.id,
            session_id: reference.to_string(),
            amount_minor,
            currency: currency.to_uppercase(),
        }),
        CheckoutStatus::Expired => Some(PaymentEvent::CheckoutExpired {
            event_id: format!("poll_expired_{}", attempt.id),
            attempt_id: attempt.id,
            session_id: reference.to_string(),
        }),
        CheckoutStatus::Open | CheckoutStatus::Unpaid => None,
    }
}

/// What the provider says about an automatic payment's PaymentIntent.
async fn intent_news(
    provider: &PaymentProvider,
    attempt: &payment_attempt::Model,
    reference: &str,
) -> Option<PaymentEvent> {
    match provider.intent_status(reference).await {
        Ok(status) => intent_event(attempt.id, status?, "poll"),
        Err(error) => {
            tracing::warn!(attempt_id = attempt.id, error = %error, "payment intent status unavailable");
            None
        }
    }
}

/// The event a webhook would have brought for an intent in this state; `None` while it is
/// still processing. `source` keeps event ids from different askers apart.
pub fn intent_event(attempt_id: i32, status: IntentStatus, source: &str) -> Option<PaymentEvent> {
    match status {
        IntentStatus::Processing { .. } => None,
        IntentStatus::Succeeded {
            intent_id,
            amount_minor,
            currency,
        } => Some(PaymentEvent::IntentSucceeded {
            event_id: format!("{source}_paid_{attempt_id}"),
            attempt_id,
            intent_id,
            amount_minor,
            currency,
        }),
        IntentStatus::Failed { intent_id, message } => Some(PaymentEvent::IntentFailed {
            event_id: format!("{source}_failed_{attempt_id}"),
            attempt_id,
            intent_id,
            message,
        }),
    }
}

/// The reconciliation job: every attempt of this provider still pending after a few minutes
/// is checked with it, so nothing stays unknown because a webhook was lost. One attempt that
/// cannot be processed is logged and counted, and the pass goes on with the rest.
pub async fn reconcile(
    db: &DatabaseConnection,
    provider: &PaymentProvider,
    base_url: &str,
    now: DateTime<Utc>,
) -> Result<Reconciled, PaymentError> {
    // Without a provider there is nobody to ask.
    let Some(name) = provider.name() else {
        return Ok(Reconciled::default());
    };
    let stale = payment_attempt::Entity::find()
        .filter(payment_attempt::Column::Status.eq(PaymentStatus::Pending))
        .filter(payment_attempt::Column::Provider.eq(name))
        .filter(payment_attempt::Column::UpdatedAt.lt(now - chrono::Duration::minutes(5)))
        .order_by_asc(payment_attempt::Column::Id)
        .all(db)
        .await?;
    let mut report = Reconciled {
        checked: stale.len(),
        failed: 0,
    };
    for attempt in &stale {
        if let Err(error) = refresh(db, provider, attempt, base_url, now).await {
            tracing::warn!(attempt_id = attempt.id, error = %error, "reconciliation skipped a payment it could not process");
            report.failed += 1;
        }
    }
    Ok(report)
}
