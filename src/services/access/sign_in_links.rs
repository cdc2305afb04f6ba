//! "Email me a sign-in link". The token has 256 random bits, is stored only as a hash, lasts
//! 15 minutes and works once. Opening the link only shows a Continue button; the POST uses the
//! token, because mail scanners open links and would otherwise spend it.
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set,
};

use crate::crypto::{KeyedHasher, random_token, sha256_hex};
use crate::db::begin_write;
use crate::domain::inputs::EmailAddress;
use crate::email::{outbox, templates};
use crate::entities::{debtor, sign_in_token};
use crate::services::access::DebtorIdentity;
use crate::services::access::first_name;
use crate::services::access::throttle::{self, ThrottleKey};
use crate::services::accounts::people;

pub const LINK_MINUTES: i64 = 15;

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("database error")]
    Database(#[from] DbErr),
    #[error("email could not be rendered")]
    Template(#[from] askama::Error),
}

#[derive(Debug, PartialEq, Eq)]
pub enum LinkRequestOutcome {
    /// Said whether or not the address is known.
    Accepted,
    WaitBeforeRetry(chrono::Duration),
}

pub async fn request_link(
    db: &DatabaseConnection,
    hasher: &KeyedHasher,
    email: &EmailAddress,
    client: &str,
    base_url: &str,
    now: DateTime<Utc>,
) -> Result<LinkRequestOutcome, LinkError> {
    let keys = [
        ThrottleKey::new(hasher, "email", email.as_str()),
        ThrottleKey::new(hasher, "link-client", client),
    ];
    // Every request counts, known address or not, so the limit itself reveals nothing; the
    // claim is taken before any email is queued, so concurrent requests cannot exceed it.
    if let Some(wait) = throttle::claim(db, &keys, now).await? {
        return Ok(LinkRequestOutcome::WaitBeforeRetry(wait));
    }
    let holders = people::sign_in_holders(db, email.as_str()).await?;
    let txn = begin_write(db).await?;
    for holder in holders {
        let token = random_token();
        sign_in_token::ActiveModel {
            debtor_id: Set(holder.id),
            token_hash: Set(sha256_hex(&token)),
            expires_at: Set(now + Duration::minutes(LINK_MINUTES)),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let link = format!("{base_url}/signin/link/{token}");
        let content = templates::sign_in_link(&link, LINK_MINUTES)?;
        outbox::enqueue_to_debtor(&txn, holder.id, content, now).await?;
    }
    txn.commit().await?;
    Ok(LinkRequestOutcome::Accepted)
}

#[derive(Debug, PartialEq, Eq)]
pub enum LinkProblem {
    Used,
    Expired,
    Unknown,
}

/// For the GET: tells whether the link would work, without using it.
pub async fn check(
    db: &DatabaseConnection,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Result<(), LinkProblem>, DbErr> {
    Ok(match find(db, token).await? {
        None => Err(LinkProblem::Unknown),
        Some(row) => usable(&row, now),
    })
}

fn usable(row: &sign_in_token::Model, now: DateTime<Utc>) -> Result<(), LinkProblem> {
    if row.used_at.is_some() {
        Err(LinkProblem::Used)
    } else if row.expires_at <= now {
        Err(LinkProblem::Expired)
    } else {
        Ok(())
    }
}

async fn find(db: &DatabaseConnection, token: &str) -> Result<Option<sign_in_token::Model>, DbErr> {
    // Only well-formed tokens reach the database; anything else is simply unknown.
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    sign_in_token::Entity::find()
        .filter(sign_in_token::Column::TokenHash.eq(sha256_hex(token)))
        .one(db)
        .await
}

/// For the POST: uses the token up. The conditional UPDATE means two clicks at once give
/// one sign-in, never two.
pub async fn redeem(
    db: &DatabaseConnection,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Result<DebtorIdentity, LinkProblem>, DbErr> {
    let Some(row) = find(db, token).await? else {
        return Ok(Err(LinkProblem::Unknown));
    };
    if let Err(problem) = usable(&row, now) {
        return Ok(Err(problem));
    }
    let txn = begin_write(db).await?;
    let spent = sign_in_token::Entity::update_many()
        .col_expr(sign_in_token::Column::UsedAt, Expr::value(Some(now)))
        .filter(sign_in_token::Column::Id.eq(row.id))
        .filter(sign_in_token::Column::UsedAt.is_null())
        .filter(sign_in_token::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?;
    if spent.rows_affected != 1 {
        txn.rollback().await?;
        return Ok(Err(LinkProblem::Used));
    }
    let Some(holder) = debtor::Entity::find_by_id(row.debtor_id).one(&txn).await? else {
        txn.rollback().await?;
        return Ok(Err(LinkProblem::Unknown));
    };
    crate::services::access::debtor_sign_in::record_sign_in(&txn, &holder, "email link", now)
        .await?;
    txn.commit().await?;
    Ok(Ok(DebtorIdentity {
        debtor_id: holder.id,
        first_name: first_name(&holder.full_name),
    }))
}
