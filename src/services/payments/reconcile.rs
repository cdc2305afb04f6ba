//! The reconciliation job: attempts still pending are checked with the provider, so nothing
//! stays unknown because a webhook was lost.
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use crate::domain::payments::PaymentStatus;
use crate::entities::payment_attempt;
use crate::providers::{CheckoutStatus, PaymentEvent, PaymentProvider};

use super::PaymentError;
use super::events::*;

/// Asks the provider about a pending attempt and processes the answer like any event.
pub(super) async fn refresh(
    db: &DatabaseConnection,
    provider: &PaymentProvider,
    attempt: &payment_attempt::Model,
    now: DateTime<Utc>,
) -> Result<(), PaymentError> {
    let Some(reference) = attempt.provider_ref.as_deref() else {
        return Ok(());
    };
    let status = match provider.checkout_status(reference).await {
        Ok(Some(status)) => status,
        Ok(None) => return Ok(()),
        Err(error) => {
            // Unknown for now: the attempt stays pending and reconciliation tries later.
            tracing::warn!(attempt_id = attempt.id, error = %error, "checkout status unavailable");
            return Ok(());
        }
    };
    let event = match status {
        CheckoutStatus::Paid {
            amount_minor,
            currency,
            ..
        } => PaymentEvent::CheckoutPaid {
            event_id: format!("poll_paid_{}", attempt.id),
            attempt_id: attempt.id,
            session_id: reference.to_string(),
            amount_minor,
            currency: currency.to_uppercase(),
        },
        CheckoutStatus::Expired => PaymentEvent::CheckoutExpired {
            event_id: format!("poll_expired_{}", attempt.id),
            attempt_id: attempt.id,
        },
        CheckoutStatus::Open | CheckoutStatus::Unpaid => return Ok(()),
    };
    handle_event(db, &event, now).await?;
    Ok(())
}

/// The reconciliation job: every attempt still pending after a few minutes is checked with
/// the provider, so nothing stays unknown because a webhook was lost.
pub async fn reconcile(
    db: &DatabaseConnection,
    provider: &PaymentProvider,
    now: DateTime<Utc>,
) -> Result<usize, PaymentError> {
    let stale = payment_attempt::Entity::find()
        .filter(payment_attempt::Column::Status.eq(PaymentStatus::Pending))
        .filter(payment_attempt::Column::UpdatedAt.lt(now - chrono::Duration::minutes(5)))
        .order_by_asc(payment_attempt::Column::Id)
        .all(db)
        .await?;
    for attempt in &stale {
        refresh(db, provider, attempt, now).await?;
    }
    Ok(stale.len())
}
