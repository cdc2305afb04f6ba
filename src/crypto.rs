//! Small, well-known primitives: random tokens, keyed hashes, password hashing.
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// 256 random bits, hex encoded: sign-in links, session keys, CSRF tokens.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Plain SHA-256 is enough for high-entropy tokens: there is nothing to guess.
pub fn sha256_hex(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A keyed hash for low-entropy values (dates of birth, references, client addresses):
/// without the server key a copy of the database cannot be brute-forced.
#[derive(Clone)]
pub struct KeyedHasher {
    key: [u8; 32],
}

impl KeyedHasher {
    /// Derives a dedicated key from the session key, so one secret serves both purposes
    /// without the cookie key and the hashing key ever being the same bytes.
    pub fn derive(master_secret: &str) -> Self {
        let mut mac = new_mac(master_secret.as_bytes());
        mac.update(b"goodterms/keyed-hash/v1");
        Self {
            key: mac.finalize().into_bytes().into(),
        }
    }

    pub fn hash(&self, purpose: &str, value: &str) -> String {
        let mut mac = new_mac(&self.key);
        mac.update(purpose.as_bytes());
        mac.update(b":");
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

fn new_mac(key: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so this cannot fail.
    <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!())
}

/// Argon2id with the crate's recommended parameters. CPU-heavy: call on a blocking thread.
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Ok(argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Verifies against a stored hash; a malformed stored hash simply does not match.
pub fn verify_password(password: &str, stored_hash: &str) -> bool {
    PasswordHash::new(stored_hash)
        .map(|parsed| {
            argon2::Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_hash_depends_on_key_purpose_and_value() {
        let a = KeyedHasher::derive("first secret");
        let b = KeyedHasher::derive("second secret");
        assert_eq!(a.hash("dob", "1985-04-12"), a.hash("dob", "1985-04-12"));
        assert_ne!(a.hash("dob", "1985-04-12"), b.hash("dob", "1985-04-12"));
        assert_ne!(a.hash("dob", "1985-04-12"), a.hash("ref", "1985-04-12"));
        assert_ne!(a.hash("dob", "1985-04-12"), a.hash("dob", "1985-04-13"));
    }

    #[test]
    fn tokens_are_long_and_unique() {
        let t = random_token();
        assert_eq!(t.len(), 64);
        assert_ne!(t, random_token());
    }

    #[test]
    fn passwords_verify_only_when_right() {
        let hash = hash_password("northwind-demo").expect("hash");
        assert!(verify_password("northwind-demo", &hash));
        assert!(!verify_password("northwind-dem0", &hash));
        assert!(!verify_password("northwind-demo", "not a hash"));
    }
}
