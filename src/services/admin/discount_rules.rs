//! The admin's early-payment discount rules: list, create and edit them (each change audited),
//! and preview what one account's person would be offered today. The preview goes through
//! `payments::options::options`, the same code the payment page uses, and records nothing: an offer a
//! person has not seen must not start its "days from offer" clock because an admin looked.
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::db::begin_write;
use crate::domain::discount::{DiscountAmount, DiscountDeadline, DiscountRule, DiscountTerms};
use crate::domain::{Currency, Money};
use crate::entities::{account, discount_rule};
use crate::services::audit::{self, Actor, AuditEvent};
use crate::services::payments::discounts;
use crate::services::payments::{self, PaymentError, options::PaymentOptions};

/// A rule as stored, with the currency its amounts (fixed amount, minimum, cap) are in, when
/// it has one.
#[derive(Clone, Debug)]
pub struct StoredRule {
    pub rule: DiscountRule,
    pub currency: Option<Currency>,
}

/// Every rule, newest first, including those switched off.
pub async fn list<C: ConnectionTrait>(conn: &C) -> Result<Vec<StoredRule>, DbErr> {
    let rows = discount_rule::Entity::find()
        .order_by_desc(discount_rule::Column::Id)
        .all(conn)
        .await?;
    Ok(rows.into_iter().filter_map(stored).collect())
}

pub async fn find<C: ConnectionTrait>(conn: &C, id: i32) -> Result<Option<StoredRule>, DbErr> {
    Ok(discount_rule::Entity::find_by_id(id)
        .one(conn)
        .await?
        .and_then(stored))
}

fn stored(row: discount_rule::Model) -> Option<StoredRule> {
    let currency = row
        .currency
        .as_deref()
        .and_then(|code| Currency::parse(code).ok());
    Some(StoredRule {
        rule: discounts::to_rule(row)?,
        currency,
    })
}

fn fill(row: &mut discount_rule::ActiveModel, terms: &DiscountTerms) {
    let rule = terms.draft();
    let minor = |money: Money| money.to_minor().unwrap_or(0);
    let (percent, fixed) = match &rule.amount {
        DiscountAmount::Percent(bp) => (Some(i32::try_from(*bp).unwrap_or(i32::MAX)), None),
        DiscountAmount::Fixed(money) => (None, Some(minor(*money))),
    };
    let (deadline, days) = match rule.deadline {
        DiscountDeadline::On(date) => (Some(date), None),
        DiscountDeadline::DaysFromOffer(days) => {
            (None, Some(i32::try_from(days).unwrap_or(i32::MAX)))
        }
    };
    row.name = Set(rule.name.clone());
    row.creditor_id = Set(rule.creditor_id);
    row.percent_basis_points = Set(percent);
    row.fixed_minor = Set(fixed);
    row.currency = Set(rule.currency.map(|c| c.code().to_string()));
    row.deadline = Set(deadline);
    row.days_from_offer = Set(days);
    row.min_balance_minor = Set(rule.min_balance.map_or(0, minor));
    row.max_discount_minor = Set(rule.max_discount.map(minor));
    row.active_from = Set(rule.active_from);
    row.active_to = Set(rule.active_to);
    row.enabled = Set(rule.enabled);
}

/// A short, personal-data-free account of a rule for the audit log.
fn audit_detail(terms: &DiscountTerms) -> String {
    let rule = terms.draft();
    let amount = match &rule.amount {
        DiscountAmount::Percent(bp) => format!("{bp} basis points"),
        DiscountAmount::Fixed(money) => money.to_string(),
    };
    let state = if rule.enabled { "on" } else { "off" };
    format!("{amount}, {state}")
}

/// Saves a new rule and audits it; returns its id. Only checked terms can be saved.
pub async fn create(
    db: &DatabaseConnection,
    admin_id: i32,
    rule: &DiscountTerms,
    now: DateTime<Utc>,
) -> Result<i32, DbErr> {
    let txn = begin_write(db).await?;
    let mut row = discount_rule::ActiveModel {
        created_at: Set(now),
        ..Default::default()
    };
    fill(&mut row, rule);
    let saved = row.insert(&txn).await?;
    audit::record(
        &txn,
        AuditEvent {
            actor: Actor::Staff(admin_id),
            creditor_id: rule.draft().creditor_id,
            action: "discount_rule.created",
            subject_kind: "discount_rule",
            subject_id: Some(saved.id),
            detail: &audit_detail(rule),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(saved.id)
}

/// Changes a rule and audits it; false when there is no such rule. Offers already taken up
/// are unaffected: a payment attempt keeps the discount and last day it started with.
pub async fn update(
    db: &DatabaseConnection,
    admin_id: i32,
    id: i32,
    rule: &DiscountTerms,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let txn = begin_write(db).await?;
    let Some(existing) = discount_rule::Entity::find_by_id(id).one(&txn).await? else {
        return Ok(false);
    };
    let mut row: discount_rule::ActiveModel = existing.into();
    fill(&mut row, rule);
    row.update(&txn).await?;
    audit::record(
        &txn,
        AuditEvent {
            actor: Actor::Staff(admin_id),
            creditor_id: rule.draft().creditor_id,
            action: "discount_rule.updated",
            subject_kind: "discount_rule",
            subject_id: Some(id),
            detail: &audit_detail(rule),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}

/// What one account's person would see on the payment page today.
#[derive(Debug)]
pub struct Preview {
    pub options: PaymentOptions,
    /// The name of the rule that gave the offer, if any.
    pub rule_name: Option<String>,
}

/// Why a preview could not be shown.
#[derive(Debug)]
pub enum PreviewLookup {
    Found(Box<Preview>),
    NoSuchAccount,
    /// The reference is used by more than one creditor: choose one.
    ChooseCreditor,
}

/// Finds the account by reference (within one creditor, when given) and works out its
/// payment options exactly as the payment page does, without recording the offer as seen.
pub async fn preview<C: ConnectionTrait>(
    conn: &C,
    reference: &str,
    creditor_id: Option<i32>,
    today: NaiveDate,
) -> Result<PreviewLookup, PaymentError> {
    let mut query = account::Entity::find().filter(account::Column::Reference.eq(reference.trim()));
    if let Some(creditor_id) = creditor_id {
        query = query.filter(account::Column::CreditorId.eq(creditor_id));
    }
    let found = query.limit(2).all(conn).await?;
    let found = match found.as_slice() {
        [] => return Ok(PreviewLookup::NoSuchAccount),
        [one] => one.clone(),
        _ => return Ok(PreviewLookup::ChooseCreditor),
    };
    let Some(options) = payments::options::options(conn, found.debtor_id, found.id, today).await?
    else {
        return Ok(PreviewLookup::NoSuchAccount);
    };
    let rule_name = match &options.offer {
        Some(offer) => discount_rule::Entity::find_by_id(offer.rule_id)
            .one(conn)
            .await?
            .map(|r| r.name),
        None => None,
    };
    Ok(PreviewLookup::Found(Box::new(Preview {
        options,
        rule_name,
    })))
}
