//! Early-payment discounts for one account: the best offer today, remembering when the person
//! first saw each offer (that fixes a "days from offer" deadline).
use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};

use crate::domain::discount::{self, DiscountAmount, DiscountDeadline, DiscountRule, Offer};
use crate::domain::{Currency, Money};
use crate::entities::{discount_offer, discount_rule, payment_attempt};

/// Rules that may apply to a creditor's accounts: its own and those for every creditor.
pub async fn rules_for<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
) -> Result<Vec<DiscountRule>, DbErr> {
    let rows = discount_rule::Entity::find()
        .filter(discount_rule::Column::Enabled.eq(true))
        .filter(
            Condition::any()
                .add(discount_rule::Column::CreditorId.is_null())
                .add(discount_rule::Column::CreditorId.eq(creditor_id)),
        )
        .all(conn)
        .await?;
    Ok(rows.into_iter().filter_map(to_rule).collect())
}

/// A stored rule as the domain sees it; a row that makes no sense is skipped, not guessed at.
pub fn to_rule(row: discount_rule::Model) -> Option<DiscountRule> {
    let amount = match (
        row.percent_basis_points,
        row.fixed_minor,
        row.currency.as_deref(),
    ) {
        (Some(bp), _, _) => DiscountAmount::Percent(u32::try_from(bp).ok()?),
        (None, Some(minor), Some(code)) => {
            DiscountAmount::Fixed(Money::from_minor(minor, Currency::parse(code).ok()?))
        }
        _ => return None,
    };
    let deadline = match (row.deadline, row.days_from_offer) {
        (Some(date), _) => DiscountDeadline::On(date),
        (None, Some(days)) => DiscountDeadline::DaysFromOffer(u32::try_from(days).ok()?),
        _ => return None,
    };
    Some(DiscountRule {
        id: row.id,
        name: row.name,
        creditor_id: row.creditor_id,
        amount,
        deadline,
        min_balance_minor: row.min_balance_minor,
        max_discount_minor: row.max_discount_minor,
        active_from: row.active_from,
        active_to: row.active_to,
        enabled: row.enabled,
    })
}

/// The best offer for this account today, without recording anything (for previews).
pub async fn best_offer<C: ConnectionTrait>(
    conn: &C,
    account_id: i32,
    creditor_id: i32,
    balance: Money,
    today: NaiveDate,
) -> Result<Option<Offer>, DbErr> {
    let rules = rules_for(conn, creditor_id).await?;
    if rules.is_empty() {
        return Ok(None);
    }
    let seen = discount_offer::Entity::find()
        .filter(discount_offer::Column::AccountId.eq(account_id))
        .all(conn)
        .await?;
    // An offer whose discount was already earned is not offered again.
    let rules: Vec<DiscountRule> = rules
        .into_iter()
        .filter(|r| {
            !seen
                .iter()
                .any(|o| o.rule_id == r.id && o.claimed_attempt_id.is_some())
        })
        .collect();
    let first_seen = |rule_id: i32| {
        seen.iter()
            .find(|o| o.rule_id == rule_id)
            .map(|o| o.first_seen_on)
    };
    Ok(discount::best_offer(
        &rules,
        balance,
        creditor_id,
        today,
        first_seen,
    ))
}

/// Remembers that the person has now seen this offer, once.
pub async fn record_seen<C: ConnectionTrait>(
    conn: &C,
    account_id: i32,
    offer: &Offer,
    today: NaiveDate,
) -> Result<(), DbErr> {
    let row = discount_offer::ActiveModel {
        account_id: Set(account_id),
        rule_id: Set(offer.rule_id),
        first_seen_on: Set(today),
        ..Default::default()
    };
    discount_offer::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                discount_offer::Column::AccountId,
                discount_offer::Column::RuleId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Claims the offer's discount for this payment: a conditional UPDATE, so of two payments
/// arriving at once only one wins. The offer's row is written when the attempt is made.
pub async fn claim<C: ConnectionTrait>(
    conn: &C,
    attempt: &payment_attempt::Model,
) -> Result<bool, DbErr> {
    let Some(rule_id) = attempt.discount_rule_id else {
        return Ok(false);
    };
    let claimed = discount_offer::Entity::update_many()
        .col_expr(
            discount_offer::Column::ClaimedAttemptId,
            Expr::value(Some(attempt.id)),
        )
        .filter(discount_offer::Column::AccountId.eq(attempt.account_id))
        .filter(discount_offer::Column::RuleId.eq(rule_id))
        .filter(discount_offer::Column::ClaimedAttemptId.is_null())
        .exec(conn)
        .await?;
    Ok(claimed.rows_affected == 1)
}

/// Whether this payment earned its offer's discount.
pub async fn claimed_by<C: ConnectionTrait>(
    conn: &C,
    attempt: &payment_attempt::Model,
) -> Result<bool, DbErr> {
    let found = discount_offer::Entity::find()
        .filter(discount_offer::Column::AccountId.eq(attempt.account_id))
        .filter(discount_offer::Column::ClaimedAttemptId.eq(attempt.id))
        .one(conn)
        .await?;
    Ok(found.is_some())
}
