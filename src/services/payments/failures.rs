//! A card payment the person started did not go through: they hear so at once, with a link
//! that opens the page to pay again. Automatic payments are left out: their own pass retries
//! once and then writes to the person itself (`services::autopay::charges`).
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, EntityTrait};

use crate::domain::payments::PaymentPurpose;
use crate::domain::{Currency, Money};
use crate::email::{outbox, templates};
use crate::entities::{creditor, payment_attempt};
use crate::services::contact::deep_links;

use super::PaymentError;

/// Queues the "your payment did not go through" email for `attempt_id`, in the caller's
/// transaction (the one that marked the attempt failed, so it is queued exactly once).
pub(super) async fn notify<C: ConnectionTrait>(
    conn: &C,
    attempt_id: i32,
    base_url: &str,
    now: DateTime<Utc>,
) -> Result<(), PaymentError> {
    let Some(attempt) = payment_attempt::Entity::find_by_id(attempt_id)
        .one(conn)
        .await?
    else {
        return Ok(());
    };
    if attempt.purpose == PaymentPurpose::Autopay {
        return Ok(());
    }
    let creditor = creditor::Entity::find_by_id(attempt.creditor_id)
        .one(conn)
        .await?
        .map(|c| c.display_name)
        .unwrap_or_default();
    let currency = Currency::parse(&attempt.currency)?;
    let amount = Money::from_minor(attempt.amount_minor, currency);
    let target = format!("/account/{}/pay", attempt.account_id);
    let link = deep_links::create(conn, base_url, attempt.debtor_id, &target, now).await?;
    let content = templates::payment_failed(&creditor, amount, &link)?;
    outbox::enqueue_to_debtor(conn, attempt.debtor_id, content, now).await?;
    Ok(())
}
