//! The unsubscribe link in every reminder. It works without signing in (RFC 8058 one-click),
//! so it carries a keyed signature of the debtor id: nothing to store, nothing to guess, and
//! all it can do is turn reminders off for that one person at that one creditor.
use crate::crypto::{KeyedHasher, constant_time_eq};

const PURPOSE: &str = "unsubscribe-reminders";

/// `{base_url}/unsubscribe/{debtor_id}/{signature}`.
pub fn url(hasher: &KeyedHasher, base_url: &str, debtor_id: i32) -> String {
    format!(
        "{base_url}/unsubscribe/{debtor_id}/{}",
        hasher.hash(PURPOSE, &debtor_id.to_string())
    )
}

/// True when `signature` is the one `url` puts in links for `debtor_id`.
pub fn verify(hasher: &KeyedHasher, debtor_id: i32, signature: &str) -> bool {
    constant_time_eq(&hasher.hash(PURPOSE, &debtor_id.to_string()), signature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_works_only_for_its_own_debtor() {
        let hasher = KeyedHasher::derive("test secret");
        let link = url(&hasher, "https://portal.example", 7);
        let signature = link.rsplit('/').next().unwrap();
        assert!(verify(&hasher, 7, signature));
        assert!(!verify(&hasher, 8, signature));
        assert!(!verify(&KeyedHasher::derive("other"), 7, signature));
    }
}
