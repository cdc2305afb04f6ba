//! The one path every payment outcome takes, and booking a payment exactly once: the
//! conditional UPDATE that moves an attempt to succeeded runs in the same transaction as its
//! ledger entries.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set, SqlErr,
};

use crate::db::begin_write;
pub use crate::domain::payments::EventOutcome;
use crate::domain::payments::PaymentStatus;
use crate::domain::wording::local_date;
use crate::domain::{Currency, EntryKind, Money};
use crate::email::{outbox, templates};
use crate::entities::{payment_attempt, provider_event};
use crate::meters;
use crate::providers::PaymentEvent;
use crate::services::accounts::debtors;
use crate::services::accounts::ledger::{self, NewEntry};
use crate::services::audit::{self, Actor, AuditEvent};
use crate::services::contact::deep_links;
use crate::services::payments::{allocation, discounts};

use super::PaymentError;
use super::attempts::*;

/// The one path every payment outcome takes. Replays, late and out-of-order events end the
/// same way: the event id is recorded once, and attempt statuses only move forward.
/// `base_url` makes the "try again" link in a failed payment's email absolute (it is never
/// taken from a request).
pub async fn handle_event(
    db: &DatabaseConnection,
    event: &PaymentEvent,
    base_url: &str,
    now: DateTime<Utc>,
) -> Result<EventOutcome, PaymentError> {
    let txn = begin_write(db).await?;
    if !record_event(&txn, event, now).await? {
        meters::payment_event(EventOutcome::AlreadyDone.as_str());
        return Ok(EventOutcome::AlreadyDone);
    }
    let outcome = match event {
        PaymentEvent::CheckoutPaid {
            attempt_id,
            session_id: reference,
            amount_minor,
            currency,
            ..
        }
        | PaymentEvent::IntentSucceeded {
            attempt_id,
            intent_id: reference,
            amount_minor,
            currency,
            ..
        } => {
            let news = PaidNews {
                attempt_id: *attempt_id,
                reference,
                amount_minor: *amount_minor,
                currency,
            };
            paid(&txn, news, base_url, now).await?
        }
        PaymentEvent::CheckoutFailed {
            attempt_id,
            session_id: reference,
            ..
        }
        | PaymentEvent::IntentFailed {
            attempt_id,
            intent_id: reference,
            ..
        }
        | PaymentEvent::CheckoutExpired {
            attempt_id,
            session_id: reference,
            ..
        } if !is_ours(&txn, *attempt_id, reference).await? => ignored_as_foreign(*attempt_id),
        PaymentEvent::CheckoutFailed {
            attempt_id,
            message,
            ..
        }
        | PaymentEvent::IntentFailed {
            attempt_id,
            message,
            ..
        } => {
            let kind_message = friendly_failure(message);
            let moved = set_status(
                &txn,
                *attempt_id,
                &PaymentStatus::UNDECIDED,
                PaymentStatus::Failed,
                None,
                Some(kind_message),
                now,
            )
            .await?;
            if moved {
                super::failures::notify(&txn, *attempt_id, base_url, now).await?;
            }
            EventOutcome::Failed
        }
        PaymentEvent::CheckoutExpired { attempt_id, .. } => {
            set_status(
                &txn,
                *attempt_id,
                &PaymentStatus::UNDECIDED,
                PaymentStatus::Expired,
                None,
                None,
                now,
            )
            .await?;
            EventOutcome::Expired
        }
        PaymentEvent::Refunded {
            attempt_id,
            amount_minor,
            currency,
            ..
        } => refunded(&txn, *attempt_id, *amount_minor, currency, now).await?,
        // Saving a card moves no money: `services::autopay::setup` handles it.
        PaymentEvent::SetupCompleted { .. } | PaymentEvent::Other { .. } => EventOutcome::Ignored,
    };
    provider_event::Entity::update_many()
        .col_expr(provider_event::Column::Outcome, Expr::value(outcome))
        .filter(provider_event::Column::EventId.eq(event.event_id()))
        .exec(&txn)
        .await?;
    crate::faults::crash_point(crate::faults::WEBHOOK_BEFORE_COMMIT);
    txn.commit().await?;
    meters::payment_event(outcome.as_str());
    Ok(outcome)
}

/// Declines are told kindly and without blame; the provider's wording stays in our records.
pub(super) fn friendly_failure(_provider_message: &str) -> &'static str {
    "The payment did not go through, so nothing was taken. You can try again or choose another way to pay."
}

/// Records the event id; false when it was already processed.
pub(super) async fn record_event<C: ConnectionTrait>(
    conn: &C,
    event: &PaymentEvent,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let kind = match event {
        PaymentEvent::Other { kind, .. } => kind.clone(),
        other => format!("{other:?}")
            .split([' ', '{'])
            .next()
            .unwrap_or("event")
            .to_string(),
    };
    let row = provider_event::ActiveModel {
        event_id: Set(event.event_id().to_string()),
        kind: Set(kind.chars().take(80).collect()),
        outcome: Set(EventOutcome::Received),
        received_at: Set(now),
    };
    match provider_event::Entity::insert(row)
        .exec_without_returning(conn)
        .await
    {
        Ok(_) => Ok(true),
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => Ok(false),
        Err(e) => Err(e),
    }
}

/// What a provider says was paid: the attempt named in its metadata, the provider's own id for
/// the Checkout Session or PaymentIntent, and the amount.
pub(super) struct PaidNews<'a> {
    pub attempt_id: i32,
    /// Empty when the payment was recorded by staff: there is no provider id to match.
    pub reference: &'a str,
    pub amount_minor: i64,
    pub currency: &'a str,
}

/// Whether the event names the provider object we stored for the attempt. Metadata alone can
/// be wrong (another system on the same Stripe account, a reused attempt id), so an event
/// whose ids disagree with ours is recorded and ignored. An attempt with no stored id yet (the
/// provider's answer was lost) takes the event's.
fn names_our_provider_object(attempt: &payment_attempt::Model, reference: &str) -> bool {
    match attempt.provider_ref.as_deref() {
        Some(stored) => stored == reference,
        None => true,
    }
}

/// The outcome for an event about someone else's Checkout Session or PaymentIntent.
fn ignored_as_foreign(attempt_id: i32) -> EventOutcome {
    tracing::warn!(
        attempt_id,
        "payment event names another provider object than the attempt's: ignored"
    );
    EventOutcome::Ignored
}

/// Whether a failure or expiry names the attempt's own provider object (see
/// [`names_our_provider_object`]); an unknown attempt is left to the status update, which
/// then changes nothing.
async fn is_ours<C: ConnectionTrait>(
    conn: &C,
    attempt_id: i32,
    reference: &str,
) -> Result<bool, DbErr> {
    Ok(payment_attempt::Entity::find_by_id(attempt_id)
        .one(conn)
        .await?
        .is_none_or(|attempt| names_our_provider_object(&attempt, reference)))
}

pub(super) async fn paid<C: ConnectionTrait>(
    conn: &C,
    news: PaidNews<'_>,
    base_url: &str,
    now: DateTime<Utc>,
) -> Result<EventOutcome, PaymentError> {
    let attempt_id = news.attempt_id;
    let Some(attempt) = payment_attempt::Entity::find_by_id(attempt_id)
        .one(conn)
        .await?
    else {
        tracing::warn!(attempt_id, "payment event for an unknown attempt");
        return Ok(EventOutcome::Mismatch);
    };
    if !names_our_provider_object(&attempt, news.reference) {
        return Ok(ignored_as_foreign(attempt_id));
    }
    if attempt.amount_minor != news.amount_minor
        || !attempt.currency.eq_ignore_ascii_case(news.currency)
    {
        flag(conn, &attempt, now).await?;
        return Ok(EventOutcome::Mismatch);
    }
    let learnt_reference =
        (attempt.provider_ref.is_none() && !news.reference.is_empty()).then_some(news.reference);
    // Money that arrives after we marked the attempt failed or expired still counts.
    let won = set_status(
        conn,
        attempt.id,
        &PaymentStatus::NOT_SETTLED,
        PaymentStatus::Succeeded,
        learnt_reference,
        None,
        now,
    )
    .await?;
    if !won {
        return Ok(EventOutcome::AlreadyDone);
    }
    payment_attempt::Entity::update_many()
        .col_expr(payment_attempt::Column::SucceededAt, Expr::value(Some(now)))
        .filter(payment_attempt::Column::Id.eq(attempt.id))
        .exec(conn)
        .await?;
    apply(conn, &attempt, base_url, now).await?;
    Ok(EventOutcome::Applied)
}

pub(super) async fn flag<C: ConnectionTrait>(
    conn: &C,
    attempt: &payment_attempt::Model,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    tracing::warn!(
        attempt_id = attempt.id,
        "payment event does not match its attempt: flagged"
    );
    set_status(
        conn,
        attempt.id,
        &PaymentStatus::NOT_SETTLED,
        PaymentStatus::Flagged,
        None,
        None,
        now,
    )
    .await?;
    audit::record(
        conn,
        AuditEvent {
            actor: Actor::System,
            creditor_id: Some(attempt.creditor_id),
            action: "payment.flagged",
            subject_kind: "payment_attempt",
            subject_id: Some(attempt.id),
            detail: "amount or currency differs from the attempt",
        },
        now,
    )
    .await
}

/// Books a successful payment: the payment entry, the discount it earned (if paid in time),
/// the installments it pays, the plan's new state, a receipt email.
pub(super) async fn apply<C: ConnectionTrait>(
    conn: &C,
    attempt: &payment_attempt::Model,
    base_url: &str,
    now: DateTime<Utc>,
) -> Result<(), PaymentError> {
    let currency = Currency::parse(&attempt.currency)?;
    let amount = Money::from_minor(attempt.amount_minor, currency);
    let today = now.date_naive();
    let description = payment_description(attempt.external_reference.as_deref());
    ledger::append(
        conn,
        NewEntry {
            account_id: attempt.account_id,
            kind: EntryKind::Payment,
            amount: amount.negate(),
            description: &description,
            reason: None,
            occurred_on: today,
        },
        now,
    )
    .await?;
    // Claimed in the database, once per account and offer: of two "pay in full" checkouts
    // started in two tabs, only the first payment to arrive earns the discount.
    let discount = match earned_discount(attempt, currency, today) {
        Some(discount) if discounts::claim(conn, attempt).await? => Some(discount),
        _ => None,
    };
    if let Some(discount) = discount {
        ledger::append(
            conn,
            NewEntry {
                account_id: attempt.account_id,
                kind: EntryKind::Discount,
                amount: discount.negate(),
                description: "Discount for paying in full early",
                reason: None,
                occurred_on: today,
            },
            now,
        )
        .await?;
    }
    let covered = discount.map_or(Ok(amount), |d| amount.checked_add(&d))?;
    let effect = allocation::allocate(conn, attempt, covered, now).await?;
    audit::record(
        conn,
        AuditEvent {
            actor: Actor::System,
            creditor_id: Some(attempt.creditor_id),
            action: "payment.succeeded",
            subject_kind: "payment_attempt",
            subject_id: Some(attempt.id),
            detail: attempt.purpose.as_str(),
        },
        now,
    )
    .await?;
    let left = effect.balance_after;
    // The receipt gives the date on the person's own calendar.
    let zone = debtors::time_zone_of(conn, attempt.debtor_id)
        .await?
        .unwrap_or_default();
    let receipt_page = format!(
        "/account/{}/payments/{}/receipt",
        attempt.account_id, attempt.id
    );
    let link = deep_links::create(conn, base_url, attempt.debtor_id, &receipt_page, now).await?;
    let content = templates::payment_receipt(
        &effect.creditor_name,
        amount,
        discount,
        local_date(now, &zone),
        &effect.paid_for,
        left,
        &link,
    )?;
    outbox::enqueue_to_debtor(conn, attempt.debtor_id, content, now).await?;
    Ok(())
}

/// The discount is booked only when the qualifying payment succeeds by the offer's last day.
pub(super) fn earned_discount(
    attempt: &payment_attempt::Model,
    currency: Currency,
    paid_on: chrono::NaiveDate,
) -> Option<Money> {
    let deadline = attempt.discount_deadline?;
    (attempt.discount_minor > 0 && crate::domain::discount::qualifies(deadline, paid_on))
        .then(|| Money::from_minor(attempt.discount_minor, currency))
}

/// A refund books a reversal for the part not reversed before.
pub(super) async fn refunded<C: ConnectionTrait>(
    conn: &C,
    attempt_id: i32,
    refunded_minor: i64,
    currency: &str,
    now: DateTime<Utc>,
) -> Result<EventOutcome, PaymentError> {
    let Some(attempt) = payment_attempt::Entity::find_by_id(attempt_id)
        .one(conn)
        .await?
    else {
        return Ok(EventOutcome::Mismatch);
    };
    let new_part = refunded_minor.min(attempt.amount_minor) - attempt.refunded_minor;
    if !attempt.status.is_settled()
        || new_part <= 0
        || !attempt.currency.eq_ignore_ascii_case(currency)
    {
        return Ok(EventOutcome::AlreadyDone);
    }
    // Only the attempt as we read it moves on: a concurrent refund event cannot double-book.
    let moved = payment_attempt::Entity::update_many()
        .col_expr(
            payment_attempt::Column::RefundedMinor,
            Expr::value(attempt.refunded_minor + new_part),
        )
        .col_expr(
            payment_attempt::Column::Status,
            Expr::value(PaymentStatus::Refunded),
        )
        .col_expr(payment_attempt::Column::UpdatedAt, Expr::value(now))
        .filter(payment_attempt::Column::Id.eq(attempt.id))
        .filter(payment_attempt::Column::RefundedMinor.eq(attempt.refunded_minor))
        .exec(conn)
        .await?;
    if moved.rows_affected != 1 {
        return Ok(EventOutcome::AlreadyDone);
    }
    let currency = Currency::parse(&attempt.currency)?;
    let part = Money::from_minor(new_part, currency);
    ledger::append(
        conn,
        NewEntry {
            account_id: attempt.account_id,
            kind: EntryKind::Reversal,
            amount: part,
            description: "Card payment refunded",
            reason: None,
            occurred_on: now.date_naive(),
        },
        now,
    )
    .await?;
    let discount_back = discount_taken_back(conn, &attempt, new_part).await?;
    if discount_back > 0 {
        ledger::append(
            conn,
            NewEntry {
                account_id: attempt.account_id,
                kind: EntryKind::Adjustment,
                amount: Money::from_minor(discount_back, currency),
                description: "Discount for paying early taken back, because the payment was refunded",
                reason: None,
                occurred_on: now.date_naive(),
            },
            now,
        )
        .await?;
    }
    let covered_back = Money::from_minor(new_part + discount_back, currency);
    allocation::unallocate(conn, &attempt, covered_back, now).await?;
    Ok(EventOutcome::Refunded)
}

/// The share of the discount this payment earned that goes with the newly refunded part:
/// in proportion to the cash refunded, so a full refund takes back the whole discount and
/// partial refunds add up to exactly that.
async fn discount_taken_back<C: ConnectionTrait>(
    conn: &C,
    attempt: &payment_attempt::Model,
    new_part: i64,
) -> Result<i64, DbErr> {
    if attempt.discount_minor <= 0
        || attempt.amount_minor <= 0
        || !discounts::claimed_by(conn, attempt).await?
    {
        return Ok(0);
    }
    let share = |refunded: i64| {
        let scaled = i128::from(attempt.discount_minor) * i128::from(refunded)
            / i128::from(attempt.amount_minor);
        i64::try_from(scaled).unwrap_or(attempt.discount_minor)
    };
    Ok(share(attempt.refunded_minor + new_part) - share(attempt.refunded_minor))
}

/// How a payment reads in the person's ledger: the staff-recorded reference, or a card payment.
pub fn payment_description(external_reference: Option<&str>) -> String {
    match external_reference {
        Some(reference) => format!("Payment received: {reference}. Thank you"),
        None => "Card payment. Thank you".to_string(),
    }
}
