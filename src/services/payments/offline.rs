//! Payments that reached the creditor outside the portal (bank transfer, cheque), recorded by
//! staff and applied through the same event path as any other.
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use crate::crypto::random_token;
use crate::domain::Money;
use crate::domain::payments::{PaymentPurpose, PaymentStatus, ProviderName};
use crate::entities::payment_attempt;
use crate::providers::PaymentEvent;
use crate::services::audit::{self, Actor, AuditEvent};

use super::PaymentError;
use super::events::handle_event;
use super::options::{PayChoice, amount_for, options};

/// How money reached the creditor outside the portal.
pub const OFFLINE_METHODS: [(&str, &str); 3] = [
    ("bank_transfer", "Bank transfer"),
    ("cheque", "Cheque"),
    ("cash", "Cash"),
];

/// The label of a payment method's code, or the message to show next to the field. The offline
/// payment form's `validator` rule calls this too.
pub fn method_label(code: &str) -> Result<&'static str, &'static str> {
    OFFLINE_METHODS
        .iter()
        .find(|(known, _)| *known == code)
        .map(|(_, label)| *label)
        .ok_or("Choose how the money was paid")
}

/// The payment's own reference (trimmed), or the message to show next to the field.
pub fn payment_reference(typed: &str) -> Result<&str, &'static str> {
    let reference = typed.trim();
    if reference.is_empty() || reference.chars().count() > 80 {
        return Err("Enter the payment's reference, up to 80 characters");
    }
    Ok(reference)
}

pub struct OfflinePayment<'a> {
    pub staff_id: i32,
    pub creditor_id: i32,
    pub account_id: i32,
    pub amount: Money,
    pub method: &'a str,
    pub reference: &'a str,
}

/// Staff record a bank transfer or cheque. It is applied like any other payment (installments,
/// plan state, receipt), through the same event path, exactly once.
pub async fn record_offline(
    db: &DatabaseConnection,
    payment: OfflinePayment<'_>,
    now: DateTime<Utc>,
) -> Result<i32, PaymentError> {
    let account = crate::entities::account::Entity::find_by_id(payment.account_id)
        .filter(crate::entities::account::Column::CreditorId.eq(payment.creditor_id))
        .one(db)
        .await?
        .ok_or(PaymentError::NotFound)?;
    let method =
        method_label(payment.method).map_err(|message| PaymentError::Amount(message.into()))?;
    let reference = payment_reference(payment.reference)
        .map_err(|message| PaymentError::Amount(message.into()))?;
    let options = options(db, account.debtor_id, account.id, now.date_naive())
        .await?
        .ok_or(PaymentError::NotFound)?;
    let (amount, _) = amount_for(PayChoice::Other(payment.amount), &options)?;
    let attempt = payment_attempt::ActiveModel {
        account_id: Set(account.id),
        creditor_id: Set(account.creditor_id),
        debtor_id: Set(account.debtor_id),
        plan_id: Set(options.account.open_plan().map(|p| p.id)),
        purpose: Set(PaymentPurpose::Offline),
        amount_minor: Set(amount.to_minor()?),
        currency: Set(amount.currency().code().to_string()),
        discount_minor: Set(0),
        provider: Set(ProviderName::Staff),
        idempotency_key: Set(format!("gt-staff-{}", &random_token()[..32])),
        status: Set(PaymentStatus::Pending),
        refunded_minor: Set(0),
        external_reference: Set(Some(format!("{method} {reference}"))),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let event = PaymentEvent::CheckoutPaid {
        event_id: format!("staff_{}", attempt.id),
        attempt_id: attempt.id,
        session_id: String::new(),
        amount_minor: attempt.amount_minor,
        currency: attempt.currency.clone(),
    };
    handle_event(db, &event, now).await?;
    audit::record(
        db,
        AuditEvent {
            actor: Actor::Staff(payment.staff_id),
            creditor_id: Some(payment.creditor_id),
            action: "payment.recorded_offline",
            subject_kind: "payment_attempt",
            subject_id: Some(attempt.id),
            detail: method,
        },
        now,
    )
    .await?;
    Ok(attempt.id)
}
