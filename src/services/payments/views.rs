//! Payments as the person sees them: one attempt, and their history on an account.
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};

use crate::domain::payments::{PaymentPurpose, PaymentStatus, ProviderName};
use crate::domain::{Currency, Money};
use crate::entities::payment_attempt;
use crate::providers::PaymentProvider;

use super::PaymentError;
use super::reconcile::*;

/// One attempt as the person sees it.
#[derive(Clone, Debug)]
pub struct AttemptView {
    pub id: i32,
    pub account_id: i32,
    pub purpose: PaymentPurpose,
    pub amount: Money,
    pub discount: Money,
    pub status: PaymentStatus,
    pub message: Option<String>,
    pub created_at: DateTime<Utc>,
    pub succeeded_at: Option<DateTime<Utc>>,
    pub refunded: Money,
    pub is_test: bool,
    pub provider_ref: Option<String>,
}

pub(super) fn to_view(row: payment_attempt::Model) -> Result<AttemptView, PaymentError> {
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
        is_test: row.provider == ProviderName::Offline,
        provider_ref: row.provider_ref,
    })
}

/// One of the person's attempts (scoped to them), after asking the provider for news if it is
/// still pending: the return page shows the truth, not a guess.
pub async fn attempt_for_debtor(
    db: &DatabaseConnection,
    provider: &PaymentProvider,
    base_url: &str,
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
    if row.status.is_pending() {
        refresh(db, provider, &row, base_url, now).await?;
        return find().await?.map(to_view).transpose();
    }
    to_view(row).map(Some)
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
        .filter(payment_attempt::Column::Status.ne(PaymentStatus::Created))
        .order_by_desc(payment_attempt::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(to_view)
        .collect()
}
