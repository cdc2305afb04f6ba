//! Links in emails that open one page for one person ("see your plan", "pay now"). Like the
//! sign-in link: 256 random bits stored only as a hash, used once, and opened by a Continue
//! button so mail scanners cannot spend them; unlike it they last 7 days and land on their
//! page.
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, Set,
};

use crate::crypto::{random_token, sha256_hex};
use crate::db::begin_write;
use crate::entities::{debtor, deep_link};
use crate::services::access::debtor_sign_in::record_sign_in;
use crate::services::access::{DebtorIdentity, first_name};
use crate::services::accounts::people;

pub const LINK_DAYS: i64 = 7;

/// A path inside the portal that a link may open: absolute, no scheme or host, no `//`.
pub fn is_portal_path(target: &str) -> bool {
    target.starts_with('/')
        && !target.starts_with("//")
        && !target.contains("\\")
        && target.len() <= 255
        && target.bytes().all(|b| b.is_ascii_graphic())
}

/// Makes a link for `debtor_id` that opens `target` (a portal path); returns its full URL.
pub async fn create<C: ConnectionTrait>(
    conn: &C,
    base_url: &str,
    debtor_id: i32,
    target: &str,
    now: DateTime<Utc>,
) -> Result<String, DbErr> {
    let (row, url) = new_link(base_url, debtor_id, target, now);
    row.insert(conn).await?;
    Ok(url)
}

/// A link's row, not yet saved, and its full URL: for callers that save many at once.
pub fn new_link(
    base_url: &str,
    debtor_id: i32,
    target: &str,
    now: DateTime<Utc>,
) -> (deep_link::ActiveModel, String) {
    debug_assert!(is_portal_path(target), "deep link to {target}");
    let token = random_token();
    let row = deep_link::ActiveModel {
        token_hash: Set(sha256_hex(&token)),
        debtor_id: Set(debtor_id),
        target: Set(target.to_string()),
        expires_at: Set(now + Duration::days(LINK_DAYS)),
        created_at: Set(now),
        ..Default::default()
    };
    (row, format!("{base_url}/go/{token}"))
}

/// Saves links made by [`new_link`], a chunk per statement.
pub async fn save_all<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<deep_link::ActiveModel>,
) -> Result<(), DbErr> {
    let mut rows = rows.into_iter();
    loop {
        let chunk: Vec<_> = rows.by_ref().take(1000).collect();
        if chunk.is_empty() {
            return Ok(());
        }
        deep_link::Entity::insert_many(chunk)
            .exec_without_returning(conn)
            .await?;
    }
}

/// Who a link is for and the page it opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkFacts {
    pub debtor_id: i32,
    /// A portal path (checked when the link is read, not only when it was made).
    pub target: String,
}

/// Where a link stands when someone opens it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkState {
    Usable(LinkFacts),
    /// Already used once.
    Used(LinkFacts),
    /// Older than [`LINK_DAYS`].
    Expired(LinkFacts),
    /// Not one of ours, not complete, or pointing outside the portal.
    Unknown,
}

impl LinkState {
    pub fn facts(&self) -> Option<&LinkFacts> {
        match self {
            LinkState::Usable(facts) | LinkState::Used(facts) | LinkState::Expired(facts) => {
                Some(facts)
            }
            LinkState::Unknown => None,
        }
    }
}

fn state_of(row: deep_link::Model, now: DateTime<Utc>) -> LinkState {
    if !is_portal_path(&row.target) {
        return LinkState::Unknown;
    }
    let facts = LinkFacts {
        debtor_id: row.debtor_id,
        target: row.target,
    };
    if row.used_at.is_some() {
        LinkState::Used(facts)
    } else if row.expires_at <= now {
        LinkState::Expired(facts)
    } else {
        LinkState::Usable(facts)
    }
}

async fn find<C: ConnectionTrait>(
    conn: &C,
    token: &str,
) -> Result<Option<deep_link::Model>, DbErr> {
    // Only well-formed tokens reach the database; anything else is simply unknown.
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    deep_link::Entity::find()
        .filter(deep_link::Column::TokenHash.eq(sha256_hex(token)))
        .one(conn)
        .await
}

/// For the GET: where the link stands, without using it (mail scanners open links).
pub async fn check<C: ConnectionTrait>(
    conn: &C,
    token: &str,
    now: DateTime<Utc>,
) -> Result<LinkState, DbErr> {
    Ok(match find(conn, token).await? {
        Some(row) => state_of(row, now),
        None => LinkState::Unknown,
    })
}

/// A link used to sign someone in: who, and the page to open.
#[derive(Debug)]
pub struct Redeemed {
    pub who: DebtorIdentity,
    pub target: String,
}

/// For the POST: uses the link up and signs its person in, as the sign-in link does. The
/// conditional UPDATE means two clicks at once give one sign-in, never two; a link whose
/// target is not a portal path is never followed.
pub async fn redeem(
    db: &DatabaseConnection,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Result<Redeemed, LinkState>, DbErr> {
    let Some(row) = find(db, token).await? else {
        return Ok(Err(LinkState::Unknown));
    };
    let id = row.id;
    let facts = match state_of(row, now) {
        LinkState::Usable(facts) => facts,
        problem => return Ok(Err(problem)),
    };
    let txn = begin_write(db).await?;
    let spent = deep_link::Entity::update_many()
        .col_expr(deep_link::Column::UsedAt, Expr::value(Some(now)))
        .filter(deep_link::Column::Id.eq(id))
        .filter(deep_link::Column::UsedAt.is_null())
        .filter(deep_link::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?;
    if spent.rows_affected != 1 {
        txn.rollback().await?;
        return Ok(Err(LinkState::Used(facts)));
    }
    let Some(holder) = debtor::Entity::find_by_id(facts.debtor_id)
        .one(&txn)
        .await?
    else {
        txn.rollback().await?;
        return Ok(Err(LinkState::Unknown));
    };
    record_sign_in(&txn, &holder, "email page link", now).await?;
    txn.commit().await?;
    Ok(Ok(Redeemed {
        who: DebtorIdentity {
            debtor_id: holder.id,
            first_name: first_name(&holder.full_name),
        },
        target: facts.target,
    }))
}

/// True when both debtor rows are the same person (one row per creditor), so someone
/// already signed in as `signed_in` may simply open a page `link_for` was sent about.
pub async fn same_person<C: ConnectionTrait>(
    conn: &C,
    signed_in: i32,
    link_for: i32,
) -> Result<bool, DbErr> {
    let found = debtor::Entity::find()
        .filter(debtor::Column::Id.eq(link_for))
        .filter(debtor::Column::Id.in_subquery(people::same_person_rows(signed_in)))
        .count(conn)
        .await?;
    Ok(found == 1)
}

#[cfg(test)]
mod tests {
    use super::is_portal_path;

    #[test]
    fn only_paths_inside_the_portal_are_targets() {
        assert!(is_portal_path("/account/plans/3"));
        assert!(!is_portal_path("//evil.example/x"));
        assert!(!is_portal_path("https://evil.example"));
        assert!(!is_portal_path("/\\evil.example"));
        assert!(!is_portal_path("account"));
    }
}
