//! Links in emails that open one page for one person ("see your plan", "pay now"). Like the
//! sign-in link: 256 random bits stored only as a hash, used once, and opened by a Continue
//! button so mail scanners cannot spend them; unlike it they last 7 days and land on their
//! page.
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, Set};

use crate::crypto::{random_token, sha256_hex};
use crate::entities::deep_link;

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
