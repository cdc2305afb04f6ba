//! Sign-in with a reference number and date of birth. The answer is the same whether the
//! reference exists or not, and failures are throttled per reference and per client address.
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

use crate::crypto::{KeyedHasher, constant_time_eq};
use crate::db::begin_write;
use crate::domain::inputs::{AccountReference, DateOfBirth};
use crate::entities::{account, debtor};
use crate::services::access::DebtorIdentity;
use crate::services::access::first_name;
use crate::services::access::throttle::{self, ThrottleKey};
use crate::services::audit::{self, Actor, AuditEvent};

#[derive(Debug)]
pub enum SignInOutcome {
    SignedIn(DebtorIdentity),
    NoMatch,
    WaitBeforeRetry(chrono::Duration),
}

/// The stored form of a date of birth.
pub fn dob_hash(hasher: &KeyedHasher, dob: chrono::NaiveDate) -> String {
    hasher.hash("dob", &dob.format("%Y-%m-%d").to_string())
}

pub async fn sign_in(
    db: &DatabaseConnection,
    hasher: &KeyedHasher,
    reference: &AccountReference,
    dob: &DateOfBirth,
    client: &str,
    now: DateTime<Utc>,
) -> Result<SignInOutcome, DbErr> {
    // Per reference and, separately, per client: a guesser spreading one reference over
    // many addresses, or one address over many references, is slowed either way.
    let keys = [
        ThrottleKey::new(hasher, "ref", reference.as_str()),
        ThrottleKey::new(hasher, "signin-client", client),
    ];
    if let Some(wait) = throttle::claim(db, &keys, now).await? {
        return Ok(SignInOutcome::WaitBeforeRetry(wait));
    }
    let wanted = dob_hash(hasher, dob.date());
    let matched = find_debtor(db, reference, &wanted).await?;
    let txn = begin_write(db).await?;
    let outcome = match matched {
        Some(found) => {
            throttle::clear(&txn, &keys[0]).await?;
            throttle::give_back(&txn, &keys[1], now).await?;
            record_sign_in(&txn, &found, "reference", now).await?;
            SignInOutcome::SignedIn(DebtorIdentity {
                debtor_id: found.id,
                first_name: first_name(&found.full_name),
            })
        }
        // The attempt was counted when it was claimed.
        None => SignInOutcome::NoMatch,
    };
    txn.commit().await?;
    Ok(outcome)
}

/// The debtor holding an account with this reference whose date of birth matches. The same
/// reference may exist at two creditors, so every holder is checked.
async fn find_debtor(
    db: &DatabaseConnection,
    reference: &AccountReference,
    wanted_dob_hash: &str,
) -> Result<Option<debtor::Model>, DbErr> {
    let debtor_ids: Vec<i32> = account::Entity::find()
        .filter(account::Column::Reference.eq(reference.as_str()))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.debtor_id)
        .collect();
    if debtor_ids.is_empty() {
        return Ok(None);
    }
    let holders = debtor::Entity::find()
        .filter(debtor::Column::Id.is_in(debtor_ids))
        .all(db)
        .await?;
    Ok(holders
        .into_iter()
        .find(|d| constant_time_eq(&d.dob_hash, wanted_dob_hash)))
}

/// Also used by the links in emails (`services::contact::deep_links`), which sign people in too.
pub(crate) async fn record_sign_in<C: sea_orm::ConnectionTrait>(
    conn: &C,
    found: &debtor::Model,
    method: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    audit::record(
        conn,
        AuditEvent {
            actor: Actor::Debtor(found.id),
            creditor_id: Some(found.creditor_id),
            action: "debtor.signed_in",
            subject_kind: "debtor",
            subject_id: Some(found.id),
            detail: method,
        },
        now,
    )
    .await
}
