//! Starting a payment: the attempt is saved first (its idempotency key makes any retry safe),
//! then the provider is asked for a checkout.
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};

use crate::crypto::random_token;
use crate::db::begin_write;
use crate::domain::Money;
use crate::domain::discount::Offer;
use crate::domain::payments::{PaymentStatus, ProviderName};
use crate::entities::payment_attempt;
use crate::providers::{CheckoutRequest, PaymentProvider, ProviderError};
use crate::services::accounts::debtors::email_of;
use crate::services::payments::discounts;

use super::PaymentError;
use super::attempts::set_status;
use super::options::{PayChoice, PaymentOptions, amount_for, options};
use super::views::{AttemptView, to_view};

/// Where to send the person next.
#[derive(Debug)]
pub enum StartOutcome {
    Redirect {
        attempt_id: i32,
        url: String,
    },
    /// The provider could not be reached, refused, or did not answer: `message` tells the
    /// person which, truthfully.
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
    let provider_name = provider.name().ok_or(PaymentError::CardPaymentsOff)?;
    let options = options(db, payer.debtor_id, payer.account_id, now.date_naive())
        .await?
        .ok_or(PaymentError::NotFound)?;
    let (amount, offer) = amount_for(choice, &options)?;
    // Refused here, by the amount the person typed, rather than after a trip to the provider.
    provider
        .check_amount(amount)
        .map_err(PaymentError::Amount)?;
    let wanted = Wanted {
        choice,
        amount,
        offer,
        provider: provider_name,
    };
    let attempt = match unanswered_attempt(db, &options, &wanted, now).await? {
        Some(attempt) => attempt,
        None => create_attempt(db, &options, choice, amount, offer, provider_name, now).await?,
    };
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
                &[PaymentStatus::Created],
                PaymentStatus::Pending,
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
        // The request may have reached the provider: the attempt stays as it is, so trying
        // again sends the same idempotency key and gets back whatever was started.
        Err(ProviderError::Unavailable(reason)) => {
            tracing::warn!(attempt_id = attempt.id, %reason, "checkout outcome unknown");
            Ok(StartOutcome::NotStarted {
                attempt_id: attempt.id,
                message: OUTCOME_UNKNOWN.to_string(),
            })
        }
        Err(error) => {
            tracing::warn!(attempt_id = attempt.id, error = %error, "checkout could not start");
            let message = match error {
                ProviderError::Unreachable(_) => NOT_REACHED,
                _ => {
                    "The payment could not be started. Nothing has been taken. Please try again, or contact us."
                }
            };
            set_status(
                db,
                attempt.id,
                &[PaymentStatus::Created],
                PaymentStatus::Failed,
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

/// No request reached the payment service, so nothing can have been taken.
const NOT_REACHED: &str = "We could not reach the payment service, so you have not been charged. Please try again in a few minutes.";
/// The payment service may have had the request: its answer did not come back.
const OUTCOME_UNKNOWN: &str = "The payment service did not answer in time, so we are checking what happened. You will not be charged twice: when you try again, we carry on with the same payment. Please try again in a few minutes.";

/// Stripe keeps an idempotency key for 24 hours; an attempt is picked up again well within.
const REUSE_WITHIN_HOURS: i64 = 12;

/// What the person asked to pay, to find an attempt of theirs that asked the same.
struct Wanted {
    choice: PayChoice,
    amount: Money,
    offer: Option<Offer>,
    provider: ProviderName,
}

/// The person's latest attempt for exactly this payment that the provider never answered
/// (a timeout, a 5xx): trying again reuses it, and so its idempotency key.
async fn unanswered_attempt(
    db: &DatabaseConnection,
    options: &PaymentOptions,
    wanted: &Wanted,
    now: DateTime<Utc>,
) -> Result<Option<payment_attempt::Model>, PaymentError> {
    let discount_minor = wanted.offer.map_or(Ok(0), |o| o.discount.to_minor())?;
    // For the same plan (or none) as now: a plan agreed since changes what the money pays.
    let same_plan = match options.account.open_plan() {
        Some(plan) => payment_attempt::Column::PlanId.eq(plan.id),
        None => payment_attempt::Column::PlanId.is_null(),
    };
    let attempt = payment_attempt::Entity::find()
        .filter(same_plan)
        .filter(payment_attempt::Column::AccountId.eq(options.account.account_id))
        .filter(payment_attempt::Column::DebtorId.eq(options.account.debtor_id))
        .filter(payment_attempt::Column::Status.eq(PaymentStatus::Created))
        .filter(payment_attempt::Column::ProviderRef.is_null())
        .filter(payment_attempt::Column::Purpose.eq(wanted.choice.purpose()))
        .filter(payment_attempt::Column::Provider.eq(wanted.provider))
        .filter(payment_attempt::Column::AmountMinor.eq(wanted.amount.to_minor()?))
        .filter(payment_attempt::Column::Currency.eq(wanted.amount.currency().code()))
        .filter(payment_attempt::Column::DiscountMinor.eq(discount_minor))
        .filter(payment_attempt::Column::CreatedAt.gt(now - Duration::hours(REUSE_WITHIN_HOURS)))
        .order_by_desc(payment_attempt::Column::Id)
        .one(db)
        .await?;
    Ok(attempt)
}

pub(super) async fn create_attempt(
    db: &DatabaseConnection,
    options: &PaymentOptions,
    choice: PayChoice,
    amount: Money,
    offer: Option<Offer>,
    provider: ProviderName,
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
        purpose: Set(choice.purpose()),
        amount_minor: Set(amount.to_minor()?),
        currency: Set(amount.currency().code().to_string()),
        discount_minor: Set(offer.map_or(Ok(0), |o| o.discount.to_minor())?),
        discount_rule_id: Set(offer.map(|o| o.rule_id)),
        discount_deadline: Set(offer.map(|o| o.last_day)),
        provider: Set(provider),
        idempotency_key: Set(format!("gt-pay-{}", &random_token()[..32])),
        status: Set(PaymentStatus::Created),
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

/// For the offline test checkout page: the attempt, only while it can still be paid.
pub async fn open_test_attempt<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
    attempt_id: i32,
) -> Result<Option<AttemptView>, PaymentError> {
    payment_attempt::Entity::find_by_id(attempt_id)
        .filter(payment_attempt::Column::DebtorId.eq(debtor_id))
        .filter(payment_attempt::Column::Provider.eq(ProviderName::Offline))
        .one(conn)
        .await?
        .map(to_view)
        .transpose()
}
