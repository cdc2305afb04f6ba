//! Payments that reached the creditor outside the portal (bank transfer, cheque), recorded by
//! staff and applied through the same event path as any other.
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set, SqlErr,
};

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

/// The staff form's one-time token (rendered into the form), or the message to show. A
/// second submit of the same token books nothing more.
pub fn form_token(typed: &str) -> Result<&str, &'static str> {
    let ok = (16..=64).contains(&typed.len())
        && typed
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(typed)
    } else {
        Err("This form has expired. Check the account, then record the payment again")
    }
}

/// How far back a payment with the same method and reference counts as "recorded recently".
const RECENT_DAYS: i64 = 30;

pub struct OfflinePayment<'a> {
    pub staff_id: i32,
    pub creditor_id: i32,
    pub account_id: i32,
    pub amount: Money,
    pub method: &'a str,
    pub reference: &'a str,
    /// The form's one-time token.
    pub form_token: &'a str,
    /// Staff saw the warning about a recent payment with the same reference and went on.
    pub confirmed: bool,
}

/// What recording an offline payment did.
#[derive(Debug, PartialEq, Eq)]
pub enum Recorded {
    /// Booked now.
    New(i32),
    /// This form was already sent: the payment it booked, nothing booked again.
    AlreadyRecorded(i32),
    /// A payment with the same method and reference was recorded for this account recently:
    /// nothing booked until staff confirm it is a different payment.
    LooksLikeRepeat { recorded_at: DateTime<Utc> },
}

/// Staff record a bank transfer or cheque. It is applied like any other payment (installments,
/// plan state, receipt), through the same event path, exactly once per form.
pub async fn record_offline(
    db: &DatabaseConnection,
    payment: OfflinePayment<'_>,
    base_url: &str,
    now: DateTime<Utc>,
) -> Result<Recorded, PaymentError> {
    let account = crate::entities::account::Entity::find_by_id(payment.account_id)
        .filter(crate::entities::account::Column::CreditorId.eq(payment.creditor_id))
        .one(db)
        .await?
        .ok_or(PaymentError::NotFound)?;
    let method =
        method_label(payment.method).map_err(|message| PaymentError::Amount(message.into()))?;
    let reference = payment_reference(payment.reference)
        .map_err(|message| PaymentError::Amount(message.into()))?;
    let token =
        form_token(payment.form_token).map_err(|message| PaymentError::Amount(message.into()))?;
    if let Some(done) = by_form_token(db, account.id, token).await? {
        return Ok(Recorded::AlreadyRecorded(done));
    }
    let external_reference = format!("{method} {reference}");
    if !payment.confirmed
        && let Some(recorded_at) = recent_repeat(db, account.id, &external_reference, now).await?
    {
        // The "repeat" may be this very form, sent twice at once and saved by the other
        // request since the check above: that is the same payment, not a second one.
        if let Some(done) = by_form_token(db, account.id, token).await? {
            return Ok(Recorded::AlreadyRecorded(done));
        }
        return Ok(Recorded::LooksLikeRepeat { recorded_at });
    }
    let options = options(db, account.debtor_id, account.id, now.date_naive())
        .await?
        .ok_or(PaymentError::NotFound)?;
    let (amount, _) = amount_for(PayChoice::Other(payment.amount), &options)?;
    let inserted = payment_attempt::ActiveModel {
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
        external_reference: Set(Some(external_reference)),
        form_token: Set(Some(token.to_string())),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await;
    // The unique token decides a double submit that raced past the check above.
    let attempt = match inserted {
        Ok(attempt) => attempt,
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            let done = by_form_token(db, account.id, token).await?;
            return done.map(Recorded::AlreadyRecorded).ok_or(e.into());
        }
        Err(e) => return Err(e.into()),
    };
    let event = PaymentEvent::CheckoutPaid {
        event_id: format!("staff_{}", attempt.id),
        attempt_id: attempt.id,
        session_id: String::new(),
        amount_minor: attempt.amount_minor,
        currency: attempt.currency.clone(),
    };
    handle_event(db, &event, base_url, now).await?;
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
    Ok(Recorded::New(attempt.id))
}

async fn by_form_token(
    db: &DatabaseConnection,
    account_id: i32,
    token: &str,
) -> Result<Option<i32>, DbErr> {
    let found = payment_attempt::Entity::find()
        .filter(payment_attempt::Column::AccountId.eq(account_id))
        .filter(payment_attempt::Column::FormToken.eq(token))
        .one(db)
        .await?;
    Ok(found.map(|a| a.id))
}

/// When a payment with the same method and reference was last recorded for this account in
/// the last [`RECENT_DAYS`] days (one that did not fail).
async fn recent_repeat(
    db: &DatabaseConnection,
    account_id: i32,
    external_reference: &str,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    let found = payment_attempt::Entity::find()
        .filter(payment_attempt::Column::AccountId.eq(account_id))
        .filter(payment_attempt::Column::Purpose.eq(PaymentPurpose::Offline))
        .filter(payment_attempt::Column::ExternalReference.eq(external_reference))
        .filter(payment_attempt::Column::Status.is_in([
            PaymentStatus::Pending,
            PaymentStatus::Succeeded,
            PaymentStatus::Refunded,
        ]))
        .filter(payment_attempt::Column::CreatedAt.gte(now - Duration::days(RECENT_DAYS)))
        .order_by_desc(payment_attempt::Column::CreatedAt)
        .one(db)
        .await?;
    Ok(found.map(|a| a.created_at))
}
