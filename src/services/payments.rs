//! Paying: starting a checkout, processing what the provider says happened, and applying a
//! payment exactly once. Whatever route the news takes (webhook, the person returning from
//! checkout, the reconciliation job, the offline test page), it ends in `handle_event`, and
//! a payment is applied only by the conditional UPDATE that moves its attempt to
//! "succeeded", in the same transaction as its ledger entries.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set, SqlErr,
};

use super::audit::{self, Actor, AuditEvent};
use super::ledger::{self, LedgerError, NewEntry};
use super::plan_records::RecordError;
use super::plans::{self, AccountForPlan, PlanError};
use super::{discounts, payment_allocation};
use crate::crypto::random_token;
use crate::db::begin_write;
use crate::domain::discount::Offer;
use crate::domain::{Currency, EntryKind, Money, MoneyError};
use crate::email::{outbox, templates};
use crate::entities::{debtor, payment_attempt, provider_event};
use crate::payments::{
    CheckoutRequest, CheckoutStatus, PaymentEvent, PaymentProvider, ProviderError,
};

#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    #[error("account not found for this person")]
    NotFound,
    #[error("{0}")]
    Amount(String),
    #[error("there is nothing left to pay")]
    NothingOwed,
    #[error("database error")]
    Database(#[from] DbErr),
    #[error("stored amounts could not be read")]
    Money(#[from] MoneyError),
    #[error("ledger entry could not be written")]
    Ledger(#[from] LedgerError),
    #[error("plan could not be read")]
    Plan(#[from] PlanError),
    #[error("plan could not be read")]
    Records(#[from] RecordError),
    #[error("email could not be rendered")]
    Template(#[from] askama::Error),
}

/// What the person chose to pay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayChoice {
    Full,
    NextInstallment,
    Other(Money),
}

impl PayChoice {
    fn purpose(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::NextInstallment => "installment",
            Self::Other(_) => "extra",
        }
    }
}

/// Everything the payment pages show before the person chooses.
#[derive(Debug)]
pub struct PaymentOptions {
    pub account: AccountForPlan,
    pub offer: Option<Offer>,
    /// The earliest unpaid installment of an active plan: date and what is left on it.
    pub next_installment: Option<(chrono::NaiveDate, Money)>,
}

pub async fn options<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
    account_id: i32,
    today: chrono::NaiveDate,
) -> Result<Option<PaymentOptions>, PaymentError> {
    let Some(account) = plans::account_for_plan(conn, debtor_id, account_id).await? else {
        return Ok(None);
    };
    let offer = if account.balance.is_positive() {
        discounts::best_offer(
            conn,
            account.account_id,
            account.creditor_id,
            account.balance,
            today,
        )
        .await?
    } else {
        None
    };
    let next_installment = payment_allocation::next_installment(&account, today);
    Ok(Some(PaymentOptions {
        account,
        offer,
        next_installment,
    }))
}

/// Remembers that the person has now seen the offer: a "days from offer" deadline counts
/// from the first time.
pub async fn note_offer_seen(
    db: &DatabaseConnection,
    options: &PaymentOptions,
    today: chrono::NaiveDate,
) -> Result<(), PaymentError> {
    if let Some(offer) = &options.offer {
        discounts::record_seen(db, options.account.account_id, offer, today).await?;
    }
    Ok(())
}

/// The amount, and any discount it qualifies for, recomputed on the server for a choice.
pub fn amount_for(
    choice: PayChoice,
    options: &PaymentOptions,
) -> Result<(Money, Option<Offer>), PaymentError> {
    let balance = options.account.balance;
    if !balance.is_positive() {
        return Err(PaymentError::NothingOwed);
    }
    match choice {
        PayChoice::Full => Ok(match options.offer {
            Some(offer) => (offer.pay, Some(offer)),
            None => (balance, None),
        }),
        PayChoice::NextInstallment => options
            .next_installment
            .map(|(_, amount)| (amount, None))
            .ok_or_else(|| PaymentError::Amount("There is no payment due in your plan".into())),
        PayChoice::Other(amount) => {
            if !amount.is_positive() {
                Err(PaymentError::Amount(
                    "Enter an amount more than zero".into(),
                ))
            } else if amount.amount() > balance.amount() {
                Err(PaymentError::Amount(format!(
                    "Enter an amount of {balance} or less, which is what you owe"
                )))
            } else {
                Ok((amount, None))
            }
        }
    }
}

/// Where to send the person next.
#[derive(Debug)]
pub enum StartOutcome {
    Redirect {
        attempt_id: i32,
        url: String,
    },
    /// The provider could not be reached or refused: nothing was taken.
    NotStarted {
        attempt_id: i32,
        message: String,
    },
}

pub struct Payer {
    pub debtor_id: i32,
    pub account_id: i32,
}

/// Saves the attempt first (its idempotency key makes any retry safe), then asks the
/// provider for a checkout.
pub async fn start(
    db: &DatabaseConnection,
    provider: &PaymentProvider,
    payer: Payer,
    choice: PayChoice,
    base_url: &str,
    now: DateTime<Utc>,
) -> Result<StartOutcome, PaymentError> {
    let options = options(db, payer.debtor_id, payer.account_id, now.date_naive())
        .await?
        .ok_or(PaymentError::NotFound)?;
    let (amount, offer) = amount_for(choice, &options)?;
    let attempt = create_attempt(db, &options, choice, amount, offer, provider, now).await?;
    let account = &options.account;
    let request = CheckoutRequest {
        attempt_id: attempt.id,
        idempotency_key: attempt.idempotency_key.clone(),
        amount_minor: attempt.amount_minor,
        currency: attempt.currency.clone(),
        description: format!("Payment to {}", account.creditor_name),
        success_url: format!(
            "{base_url}/account/{}/payments/{}",
            account.account_id, attempt.id
        ),
        cancel_url: format!("{base_url}/account/{}/pay", account.account_id),
        customer_email: email_of(db, payer.debtor_id).await?,
    };
    match provider.start_checkout(&request).await {
        Ok(started) => {
            set_status(
                db,
                attempt.id,
                &["created"],
                "pending",
                Some(&started.provider_ref),
                None,
                now,
            )
            .await?;
            Ok(StartOutcome::Redirect {
                attempt_id: attempt.id,
                url: started.redirect_url,
            })
        }
        Err(error) => {
            tracing::warn!(attempt_id = attempt.id, error = %error, "checkout could not start");
            let message = match error {
                ProviderError::Unavailable(_) => {
                    "We could not reach the payment service. Nothing has been taken. Please try again in a few minutes."
                }
                _ => {
                    "The payment could not be started. Nothing has been taken. Please try again, or contact us."
                }
            };
            set_status(
                db,
                attempt.id,
                &["created"],
                "failed",
                None,
                Some(message),
                now,
            )
            .await?;
            Ok(StartOutcome::NotStarted {
                attempt_id: attempt.id,
                message: message.to_string(),
            })
        }
    }
}

async fn create_attempt(
    db: &DatabaseConnection,
    options: &PaymentOptions,
    choice: PayChoice,
    amount: Money,
    offer: Option<Offer>,
    provider: &PaymentProvider,
    now: DateTime<Utc>,
) -> Result<payment_attempt::Model, PaymentError> {
    let account = &options.account;
    let txn = begin_write(db).await?;
    if let Some(offer) = &offer {
        discounts::record_seen(&txn, account.account_id, offer, now.date_naive()).await?;
    }
    let attempt = payment_attempt::ActiveModel {
        account_id: Set(account.account_id),
        creditor_id: Set(account.creditor_id),
        debtor_id: Set(account.debtor_id),
        plan_id: Set(account.open_plan().map(|p| p.id)),
        purpose: Set(choice.purpose().to_string()),
        amount_minor: Set(amount.to_minor()?),
        currency: Set(amount.currency().code().to_string()),
        discount_minor: Set(offer.map_or(Ok(0), |o| o.discount.to_minor())?),
        discount_rule_id: Set(offer.map(|o| o.rule_id)),
        discount_deadline: Set(offer.map(|o| o.last_day)),
        provider: Set(if provider.is_offline() {
            "offline"
        } else {
            "stripe"
        }
        .to_string()),
        idempotency_key: Set(format!("gt-pay-{}", &random_token()[..32])),
        status: Set("created".to_string()),
        refunded_minor: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(attempt)
}

async fn email_of<C: ConnectionTrait>(conn: &C, debtor_id: i32) -> Result<Option<String>, DbErr> {
    Ok(debtor::Entity::find_by_id(debtor_id)
        .one(conn)
        .await?
        .map(|d| d.email))
}

/// Moves an attempt between statuses only from the expected ones, so a late or repeated
/// message never undoes a later state.
async fn set_status<C: ConnectionTrait>(
    conn: &C,
    attempt_id: i32,
    from: &[&str],
    to: &str,
    provider_ref: Option<&str>,
    message: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut update = payment_attempt::Entity::update_many()
        .col_expr(payment_attempt::Column::Status, Expr::value(to))
        .col_expr(payment_attempt::Column::UpdatedAt, Expr::value(now));
    if let Some(reference) = provider_ref {
        update = update.col_expr(
            payment_attempt::Column::ProviderRef,
            Expr::value(Some(reference)),
        );
    }
    if let Some(message) = message {
        update = update.col_expr(
            payment_attempt::Column::FailureMessage,
            Expr::value(Some(message)),
        );
    }
    let result = update
        .filter(payment_attempt::Column::Id.eq(attempt_id))
        .filter(payment_attempt::Column::Status.is_in(from.to_vec()))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// What processing an event did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventOutcome {
    Applied,
    /// This event (or this payment) was already processed: nothing changed.
    AlreadyDone,
    Failed,
    Expired,
    Refunded,
    /// Amount, currency or attempt do not match what we asked for: flagged, not applied.
    Mismatch,
    Ignored,
}

impl EventOutcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Applied => "applied",
            Self::AlreadyDone => "already_done",
            Self::Failed => "failed",
            Self::Expired => "expired",
            Self::Refunded => "refunded",
            Self::Mismatch => "mismatch",
            Self::Ignored => "ignored",
        }
    }
}

/// The one path every payment outcome takes. Replays, late and out-of-order events end the
/// same way: the event id is recorded once, and attempt statuses only move forward.
pub async fn handle_event(
    db: &DatabaseConnection,
    event: &PaymentEvent,
    now: DateTime<Utc>,
) -> Result<EventOutcome, PaymentError> {
    let txn = begin_write(db).await?;
    if !record_event(&txn, event, now).await? {
        return Ok(EventOutcome::AlreadyDone);
    }
    let outcome = match event {
        PaymentEvent::CheckoutPaid {
            attempt_id,
            amount_minor,
            currency,
            ..
        }
        | PaymentEvent::IntentSucceeded {
            attempt_id,
            amount_minor,
            currency,
            ..
        } => paid(&txn, *attempt_id, *amount_minor, currency, now).await?,
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
            set_status(
                &txn,
                *attempt_id,
                &["created", "pending"],
                "failed",
                None,
                Some(kind_message),
                now,
            )
            .await?;
            EventOutcome::Failed
        }
        PaymentEvent::CheckoutExpired { attempt_id, .. } => {
            set_status(
                &txn,
                *attempt_id,
                &["created", "pending"],
                "expired",
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
        // Saving a card moves no money: `services::autopay_setup` handles it.
        PaymentEvent::SetupCompleted { .. } | PaymentEvent::Other { .. } => EventOutcome::Ignored,
    };
    provider_event::Entity::update_many()
        .col_expr(
            provider_event::Column::Outcome,
            Expr::value(outcome.as_str()),
        )
        .filter(provider_event::Column::EventId.eq(event.event_id()))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(outcome)
}

/// Declines are told kindly and without blame; the provider's wording stays in our records.
fn friendly_failure(_provider_message: &str) -> &'static str {
    "The payment did not go through, so nothing was taken. You can try again or choose another way to pay."
}

/// Records the event id; false when it was already processed.
async fn record_event<C: ConnectionTrait>(
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
        outcome: Set("received".to_string()),
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

async fn paid<C: ConnectionTrait>(
    conn: &C,
    attempt_id: i32,
    amount_minor: i64,
    currency: &str,
    now: DateTime<Utc>,
) -> Result<EventOutcome, PaymentError> {
    let Some(attempt) = payment_attempt::Entity::find_by_id(attempt_id)
        .one(conn)
        .await?
    else {
        tracing::warn!(attempt_id, "payment event for an unknown attempt");
        return Ok(EventOutcome::Mismatch);
    };
    if attempt.amount_minor != amount_minor || !attempt.currency.eq_ignore_ascii_case(currency) {
        flag(conn, &attempt, now).await?;
        return Ok(EventOutcome::Mismatch);
    }
    // Money that arrives after we marked the attempt failed or expired still counts.
    let won = set_status(
        conn,
        attempt.id,
        &["created", "pending", "failed", "expired"],
        "succeeded",
        None,
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
    apply(conn, &attempt, now).await?;
    Ok(EventOutcome::Applied)
}

async fn flag<C: ConnectionTrait>(
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
        &["created", "pending", "failed", "expired"],
        "flagged",
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
async fn apply<C: ConnectionTrait>(
    conn: &C,
    attempt: &payment_attempt::Model,
    now: DateTime<Utc>,
) -> Result<(), PaymentError> {
    let currency = Currency::parse(&attempt.currency)?;
    let amount = Money::from_minor(attempt.amount_minor, currency);
    let today = now.date_naive();
    let description = match &attempt.external_reference {
        Some(reference) => format!("Payment received: {reference}. Thank you"),
        None => "Card payment. Thank you".to_string(),
    };
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
    let discount = earned_discount(attempt, currency, today);
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
    let effect = payment_allocation::allocate(conn, attempt, covered, now).await?;
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
    let content = templates::payment_receipt(
        &effect.creditor_name,
        amount,
        discount,
        today,
        &effect.paid_for,
        left,
    )?;
    if let Some(email) = email_of(conn, attempt.debtor_id).await? {
        outbox::enqueue(conn, &email, content, now).await?;
    }
    Ok(())
}

/// The discount is booked only when the qualifying payment succeeds by the offer's last day.
fn earned_discount(
    attempt: &payment_attempt::Model,
    currency: Currency,
    paid_on: chrono::NaiveDate,
) -> Option<Money> {
    let deadline = attempt.discount_deadline?;
    (attempt.discount_minor > 0 && crate::domain::discount::qualifies(deadline, paid_on))
        .then(|| Money::from_minor(attempt.discount_minor, currency))
}

/// A refund books a reversal for the part not reversed before.
async fn refunded<C: ConnectionTrait>(
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
    let settled = matches!(attempt.status.as_str(), "succeeded" | "refunded");
    if !settled || new_part <= 0 || !attempt.currency.eq_ignore_ascii_case(currency) {
        return Ok(EventOutcome::AlreadyDone);
    }
    // Only the attempt as we read it moves on: a concurrent refund event cannot double-book.
    let moved = payment_attempt::Entity::update_many()
        .col_expr(
            payment_attempt::Column::RefundedMinor,
            Expr::value(attempt.refunded_minor + new_part),
        )
        .col_expr(payment_attempt::Column::Status, Expr::value("refunded"))
        .col_expr(payment_attempt::Column::UpdatedAt, Expr::value(now))
        .filter(payment_attempt::Column::Id.eq(attempt.id))
        .filter(payment_attempt::Column::RefundedMinor.eq(attempt.refunded_minor))
        .exec(conn)
        .await?;
    if moved.rows_affected != 1 {
        return Ok(EventOutcome::AlreadyDone);
    }
    let part = Money::from_minor(new_part, Currency::parse(&attempt.currency)?);
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
    payment_allocation::unallocate(conn, &attempt, part).await?;
    Ok(EventOutcome::Refunded)
}

/// One attempt as the person sees it.
#[derive(Clone, Debug)]
pub struct AttemptView {
    pub id: i32,
    pub account_id: i32,
    pub purpose: String,
    pub amount: Money,
    pub discount: Money,
    pub status: String,
    pub message: Option<String>,
    pub created_at: DateTime<Utc>,
    pub succeeded_at: Option<DateTime<Utc>>,
    pub refunded: Money,
    pub is_test: bool,
    pub provider_ref: Option<String>,
}

fn to_view(row: payment_attempt::Model) -> Result<AttemptView, PaymentError> {
    let currency = Currency::parse(&row.currency)?;
    Ok(AttemptView {
        id: row.id,
        account_id: row.account_id,
        purpose: row.purpose,
        amount: Money::from_minor(row.amount_minor, currency),
        discount: Money::from_minor(row.discount_minor, currency),
        status: row.status,
        message: row.failure_message,
        created_at: row.created_at,
        succeeded_at: row.succeeded_at,
        refunded: Money::from_minor(row.refunded_minor, currency),
        is_test: row.provider == "offline",
        provider_ref: row.provider_ref,
    })
}

/// One of the person's attempts (scoped to them), after asking the provider for news if it is
/// still pending: the return page shows the truth, not a guess.
pub async fn attempt_for_debtor(
    db: &DatabaseConnection,
    provider: &PaymentProvider,
    debtor_id: i32,
    account_id: i32,
    attempt_id: i32,
    now: DateTime<Utc>,
) -> Result<Option<AttemptView>, PaymentError> {
    let find = || {
        payment_attempt::Entity::find_by_id(attempt_id)
            .filter(payment_attempt::Column::DebtorId.eq(debtor_id))
            .filter(payment_attempt::Column::AccountId.eq(account_id))
            .one(db)
    };
    let Some(row) = find().await? else {
        return Ok(None);
    };
    if row.status == "pending" {
        refresh(db, provider, &row, now).await?;
        return find().await?.map(to_view).transpose();
    }
    to_view(row).map(Some)
}

/// Asks the provider about a pending attempt and processes the answer like any event.
async fn refresh(
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
        .filter(payment_attempt::Column::Status.eq("pending"))
        .filter(payment_attempt::Column::UpdatedAt.lt(now - chrono::Duration::minutes(5)))
        .order_by_asc(payment_attempt::Column::Id)
        .all(db)
        .await?;
    for attempt in &stale {
        refresh(db, provider, attempt, now).await?;
    }
    Ok(stale.len())
}

/// How money reached the creditor outside the portal.
pub const OFFLINE_METHODS: [(&str, &str); 3] = [
    ("bank_transfer", "Bank transfer"),
    ("cheque", "Cheque"),
    ("cash", "Cash"),
];

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
    let method = OFFLINE_METHODS
        .iter()
        .find(|(code, _)| *code == payment.method)
        .map(|(_, label)| *label)
        .ok_or_else(|| PaymentError::Amount("Choose how the money was paid".into()))?;
    let reference = payment.reference.trim();
    if reference.is_empty() || reference.chars().count() > 80 {
        return Err(PaymentError::Amount(
            "Enter the payment's reference, up to 80 characters".into(),
        ));
    }
    let options = options(db, account.debtor_id, account.id, now.date_naive())
        .await?
        .ok_or(PaymentError::NotFound)?;
    let (amount, _) = amount_for(PayChoice::Other(payment.amount), &options)?;
    let attempt = payment_attempt::ActiveModel {
        account_id: Set(account.id),
        creditor_id: Set(account.creditor_id),
        debtor_id: Set(account.debtor_id),
        plan_id: Set(options.account.open_plan().map(|p| p.id)),
        purpose: Set("offline".to_string()),
        amount_minor: Set(amount.to_minor()?),
        currency: Set(amount.currency().code().to_string()),
        discount_minor: Set(0),
        provider: Set("staff".to_string()),
        idempotency_key: Set(format!("gt-staff-{}", &random_token()[..32])),
        status: Set("pending".to_string()),
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

/// The person's payments on one account, newest first.
pub async fn history<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
    account_id: i32,
) -> Result<Vec<AttemptView>, PaymentError> {
    payment_attempt::Entity::find()
        .filter(payment_attempt::Column::DebtorId.eq(debtor_id))
        .filter(payment_attempt::Column::AccountId.eq(account_id))
        .filter(payment_attempt::Column::Status.ne("created"))
        .order_by_desc(payment_attempt::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(to_view)
        .collect()
}

/// For the offline test checkout page: the attempt, only while it can still be paid.
pub async fn open_test_attempt<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
    attempt_id: i32,
) -> Result<Option<AttemptView>, PaymentError> {
    payment_attempt::Entity::find_by_id(attempt_id)
        .filter(payment_attempt::Column::DebtorId.eq(debtor_id))
        .filter(payment_attempt::Column::Provider.eq("offline"))
        .one(conn)
        .await?
        .map(to_view)
        .transpose()
}
