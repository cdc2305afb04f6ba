//! Turning automatic payments on and off for an active installment plan. The person reads the
//! terms, saves a card through the provider's card-saving checkout (nothing is charged), and
//! the completed checkout stores a mandate. Turning it off ends the mandate at once.
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, Set,
};

use super::AutopayError;
use crate::crypto::random_token;
use crate::db::begin_write;
use crate::domain::autopay::MandateStatus;
use crate::domain::payments::ProviderName;
use crate::domain::plans::PlanKind;
use crate::domain::wording::full_date;
use crate::email::templates::PaymentLine;
use crate::email::{autopay_templates, outbox};
use crate::entities::autopay_mandate;
use crate::providers::{PaymentProvider, ProviderError, SavedCard, SetupRequest};
use crate::services::accounts::debtors::email_of;
use crate::services::plans::choose::{self, AccountForPlan};
use crate::services::plans::records::PlanView;

/// Where a test card's payment method says it will be declined (offline provider only).
pub const TEST_DECLINING_CARD: &str = "pm_test_decline";
const TEST_CARD: &str = "pm_test_card";

/// What the terms page shows.
pub struct AutopayTerms {
    pub account_id: i32,
    pub plan_id: i32,
    pub creditor_name: String,
    /// The unpaid installments from today on: what will be taken, and when.
    pub payments: Vec<PaymentLine>,
    pub is_on: bool,
}

/// The plan automatic payments can be set up for: an active installment plan.
fn autopay_plan(account: &AccountForPlan) -> Option<&PlanView> {
    account
        .open_plan()
        .filter(|p| p.status.is_active() && p.kind == PlanKind::Installments)
}

/// What is still to pay on each installment due from `today`, in plain words.
pub fn upcoming_payments(plan: &PlanView, today: NaiveDate) -> Vec<PaymentLine> {
    plan.installments
        .iter()
        .filter(|i| i.due_on >= today)
        .filter_map(|i| {
            let left = i.amount.checked_sub(&i.paid).ok()?;
            left.is_positive().then(|| PaymentLine {
                date: full_date(i.due_on),
                amount: left.to_string(),
            })
        })
        .collect()
}

/// The terms for one of the person's accounts; `None` when it is not theirs or has no
/// active installment plan.
pub async fn terms<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
    account_id: i32,
    today: NaiveDate,
) -> Result<Option<AutopayTerms>, AutopayError> {
    let Some(account) = choose::account_for_plan(conn, debtor_id, account_id).await? else {
        return Ok(None);
    };
    let Some(plan) = autopay_plan(&account) else {
        return Ok(None);
    };
    Ok(Some(AutopayTerms {
        account_id,
        plan_id: plan.id,
        creditor_name: account.creditor_name.clone(),
        payments: upcoming_payments(plan, today),
        is_on: is_on(conn, debtor_id, account_id).await?,
    }))
}

/// Whether automatic payments are on for the person's account.
pub async fn is_on<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
    account_id: i32,
) -> Result<bool, DbErr> {
    Ok(autopay_mandate::Entity::find()
        .filter(autopay_mandate::Column::DebtorId.eq(debtor_id))
        .filter(autopay_mandate::Column::AccountId.eq(account_id))
        .filter(autopay_mandate::Column::Status.eq(MandateStatus::Active))
        .one(conn)
        .await?
        .is_some())
}

/// Said when this instance takes no card payments (no Stripe key, test payments off).
const CARDS_NOT_AVAILABLE: &str = "Paying by card is not available here yet, so automatic payments cannot be set up. You can still pay another way: contact us and we will tell you how.";

/// Where to send the person to save a card.
#[derive(Debug)]
pub enum SetupStart {
    Redirect(String),
    /// The provider could not be reached or refused: nothing was saved.
    NotStarted(&'static str),
    /// Already on.
    NotNeeded,
}

/// Saves the mandate row first (its idempotency key makes a retried request safe), then asks
/// the provider for a card-saving checkout.
pub async fn start(
    db: &DatabaseConnection,
    provider: &PaymentProvider,
    debtor_id: i32,
    account_id: i32,
    base_url: &str,
    now: DateTime<Utc>,
) -> Result<SetupStart, AutopayError> {
    let terms = terms(db, debtor_id, account_id, now.date_naive())
        .await?
        .ok_or(AutopayError::NotFound)?;
    if terms.is_on {
        return Ok(SetupStart::NotNeeded);
    }
    let Some(provider_name) = provider.name() else {
        return Ok(SetupStart::NotStarted(CARDS_NOT_AVAILABLE));
    };
    let mandate = autopay_mandate::ActiveModel {
        account_id: Set(account_id),
        debtor_id: Set(debtor_id),
        plan_id: Set(terms.plan_id),
        provider: Set(provider_name),
        idempotency_key: Set(format!("gt-setup-{}", &random_token()[..32])),
        status: Set(MandateStatus::Pending),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let plan_page = format!("{base_url}/account/{account_id}/plan");
    let stripe = match provider {
        PaymentProvider::Offline(_) => {
            return Ok(SetupStart::Redirect(format!(
                "/account/{account_id}/plan/autopay/test/{}",
                mandate.id
            )));
        }
        PaymentProvider::Stripe(stripe) => stripe,
        PaymentProvider::NotConfigured => return Ok(SetupStart::NotStarted(CARDS_NOT_AVAILABLE)),
    };
    let request = SetupRequest {
        mandate_id: mandate.id,
        account_id,
        plan_id: terms.plan_id,
        idempotency_key: mandate.idempotency_key.clone(),
        currency: currency_of(db, debtor_id, account_id).await?,
        description: format!("Plan payments to {}", terms.creditor_name),
        success_url: format!("{plan_page}?autopay=saved"),
        cancel_url: format!("{base_url}/account/{account_id}/plan/autopay"),
        customer_email: email_of(db, debtor_id).await?,
    };
    match stripe.start_setup_checkout(&request).await {
        Ok(started) => {
            autopay_mandate::Entity::update_many()
                .col_expr(
                    autopay_mandate::Column::SetupRef,
                    Expr::value(Some(started.provider_ref)),
                )
                .filter(autopay_mandate::Column::Id.eq(mandate.id))
                .exec(db)
                .await?;
            Ok(SetupStart::Redirect(started.redirect_url))
        }
        Err(error) => {
            tracing::warn!(mandate_id = mandate.id, error = %error, "card-saving checkout could not start");
            end(
                db,
                mandate.id,
                &[MandateStatus::Pending],
                MandateStatus::Cancelled,
                now,
            )
            .await?;
            Ok(SetupStart::NotStarted(match error {
                ProviderError::Unavailable(_) | ProviderError::Unreachable(_) => {
                    "We could not reach the payment service. Nothing was saved. Please try again in a few minutes."
                }
                _ => {
                    "Automatic payments could not be set up. Nothing was saved. Please try again, or contact us."
                }
            }))
        }
    }
}

async fn currency_of(
    db: &DatabaseConnection,
    debtor_id: i32,
    account_id: i32,
) -> Result<String, AutopayError> {
    let account = choose::account_for_plan(db, debtor_id, account_id)
        .await?
        .ok_or(AutopayError::NotFound)?;
    Ok(account.balance.currency().code().to_string())
}

/// Moves a mandate from one of `from` to an ending status; false when it was not in `from`.
async fn end<C: ConnectionTrait>(
    conn: &C,
    mandate_id: i32,
    from: &[MandateStatus],
    to: MandateStatus,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = autopay_mandate::Entity::update_many()
        .col_expr(autopay_mandate::Column::Status, Expr::value(to))
        .col_expr(autopay_mandate::Column::EndedAt, Expr::value(Some(now)))
        .filter(autopay_mandate::Column::Id.eq(mandate_id))
        .filter(autopay_mandate::Column::Status.is_in(from.iter().copied()))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// A card-saving checkout of the offline provider, while it can still complete.
pub async fn pending_test_setup<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
    account_id: i32,
    mandate_id: i32,
) -> Result<Option<autopay_mandate::Model>, DbErr> {
    autopay_mandate::Entity::find_by_id(mandate_id)
        .filter(autopay_mandate::Column::DebtorId.eq(debtor_id))
        .filter(autopay_mandate::Column::AccountId.eq(account_id))
        .filter(autopay_mandate::Column::Provider.eq(ProviderName::Offline))
        .filter(autopay_mandate::Column::Status.eq(MandateStatus::Pending))
        .one(conn)
        .await
}

/// The offline test page's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestSetupOutcome {
    SaveCard,
    /// A test card every charge of which is declined, to try the retry and the email.
    SaveDecliningCard,
    Cancel,
}

/// What finishing a card-saving checkout did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetupOutcome {
    Activated,
    Cancelled,
    /// Already finished (a replayed webhook, a second click) or not found: nothing changed.
    AlreadyDone,
}

/// The offline test page's buttons: the same activation a Stripe webhook leads to.
pub async fn complete_test_setup(
    db: &DatabaseConnection,
    debtor_id: i32,
    account_id: i32,
    mandate_id: i32,
    outcome: TestSetupOutcome,
    now: DateTime<Utc>,
) -> Result<SetupOutcome, AutopayError> {
    let Some(mandate) = pending_test_setup(db, debtor_id, account_id, mandate_id).await? else {
        return Ok(SetupOutcome::AlreadyDone);
    };
    let payment_method = match outcome {
        TestSetupOutcome::SaveCard => TEST_CARD,
        TestSetupOutcome::SaveDecliningCard => TEST_DECLINING_CARD,
        TestSetupOutcome::Cancel => {
            end(
                db,
                mandate.id,
                &[MandateStatus::Pending],
                MandateStatus::Cancelled,
                now,
            )
            .await?;
            return Ok(SetupOutcome::Cancelled);
        }
    };
    let card = SavedCard {
        customer: Some(format!("offline_customer_{debtor_id}")),
        payment_method: payment_method.to_string(),
    };
    activate(db, &mandate, card, now).await
}

/// Stripe's `checkout.session.completed` for a setup session: asks Stripe which card the
/// SetupIntent saved, then turns the mandate on.
pub async fn complete_stripe_setup(
    db: &DatabaseConnection,
    provider: &PaymentProvider,
    mandate_id: i32,
    session_customer: Option<&str>,
    setup_intent: &str,
    now: DateTime<Utc>,
) -> Result<SetupOutcome, AutopayError> {
    let PaymentProvider::Stripe(stripe) = provider else {
        return Ok(SetupOutcome::AlreadyDone);
    };
    let Some(mandate) = autopay_mandate::Entity::find_by_id(mandate_id)
        .filter(autopay_mandate::Column::Status.eq(MandateStatus::Pending))
        .filter(autopay_mandate::Column::Provider.eq(ProviderName::Stripe))
        .one(db)
        .await?
    else {
        return Ok(SetupOutcome::AlreadyDone);
    };
    let mut card = stripe.saved_card(setup_intent).await?;
    if let Some(customer) = session_customer {
        card.customer = Some(customer.to_string());
    }
    activate(db, &mandate, card, now).await
}

/// Turns a pending mandate on, ends any other on the same plan, and emails the terms.
async fn activate(
    db: &DatabaseConnection,
    mandate: &autopay_mandate::Model,
    card: SavedCard,
    now: DateTime<Utc>,
) -> Result<SetupOutcome, AutopayError> {
    let Some(terms) = terms(db, mandate.debtor_id, mandate.account_id, now.date_naive()).await?
    else {
        // The plan ended while the card was being saved: nothing to pay automatically.
        end(
            db,
            mandate.id,
            &[MandateStatus::Pending],
            MandateStatus::Cancelled,
            now,
        )
        .await?;
        return Ok(SetupOutcome::Cancelled);
    };
    let txn = begin_write(db).await?;
    // Two completions at once (two tabs, a replayed webhook): one moves it, the rest see none.
    let moved = autopay_mandate::Entity::update_many()
        .col_expr(
            autopay_mandate::Column::Status,
            Expr::value(MandateStatus::Active),
        )
        .col_expr(
            autopay_mandate::Column::CustomerRef,
            Expr::value(card.customer),
        )
        .col_expr(
            autopay_mandate::Column::PaymentMethodRef,
            Expr::value(Some(card.payment_method)),
        )
        .col_expr(autopay_mandate::Column::ActivatedAt, Expr::value(Some(now)))
        .filter(autopay_mandate::Column::Id.eq(mandate.id))
        .filter(autopay_mandate::Column::Status.eq(MandateStatus::Pending))
        .exec(&txn)
        .await?;
    if moved.rows_affected != 1 {
        return Ok(SetupOutcome::AlreadyDone);
    }
    autopay_mandate::Entity::update_many()
        .col_expr(
            autopay_mandate::Column::Status,
            Expr::value(MandateStatus::Off),
        )
        .col_expr(autopay_mandate::Column::EndedAt, Expr::value(Some(now)))
        .filter(autopay_mandate::Column::PlanId.eq(mandate.plan_id))
        .filter(autopay_mandate::Column::Status.eq(MandateStatus::Active))
        .filter(autopay_mandate::Column::Id.ne(mandate.id))
        .exec(&txn)
        .await?;
    let content = autopay_templates::set_up(&terms.creditor_name, &terms.payments)?;
    outbox::enqueue_to_debtor(&txn, mandate.debtor_id, content, now).await?;
    txn.commit().await?;
    Ok(SetupOutcome::Activated)
}

/// Ends the person's automatic payments on this account at once; false when none were on.
pub async fn turn_off(
    db: &DatabaseConnection,
    debtor_id: i32,
    account_id: i32,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = autopay_mandate::Entity::update_many()
        .col_expr(
            autopay_mandate::Column::Status,
            Expr::value(MandateStatus::Off),
        )
        .col_expr(autopay_mandate::Column::EndedAt, Expr::value(Some(now)))
        .filter(autopay_mandate::Column::DebtorId.eq(debtor_id))
        .filter(autopay_mandate::Column::AccountId.eq(account_id))
        .filter(autopay_mandate::Column::Status.eq(MandateStatus::Active))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Ends a mandate whose plan is over (paid, cancelled, replaced): the scheduler's tidy-up.
pub(super) async fn end_with_plan(
    db: &DatabaseConnection,
    mandate_id: i32,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    end(
        db,
        mandate_id,
        &[MandateStatus::Active],
        MandateStatus::Off,
        now,
    )
    .await
}

/// Active mandates that cannot be charged here, because the provider that saved their card is
/// not the one this instance runs (or none runs): admins are shown the count.
pub async fn unchargeable(
    db: &DatabaseConnection,
    provider: &PaymentProvider,
) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    let mut query = autopay_mandate::Entity::find()
        .filter(autopay_mandate::Column::Status.eq(MandateStatus::Active));
    if let Some(name) = provider.name() {
        query = query.filter(autopay_mandate::Column::Provider.ne(name));
    }
    query.count(db).await
}
