//! A one-time code sent to the email on file before changes to what we hold (a saved card,
//! later the email address or a data download): the light sign-in with a reference and date
//! of birth is not enough for those.
use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};

use crate::crypto::{constant_time_eq, sha256_hex};
use crate::email::{outbox, templates};
use crate::entities::debtor;

pub const CODE_MINUTES: i64 = 10;
/// Wrong tries allowed per code before a new one must be sent.
pub const MAX_TRIES: u32 = 5;

#[derive(Debug, thiserror::Error)]
pub enum StepUpError {
    #[error("database error")]
    Database(#[from] DbErr),
    #[error("email could not be rendered")]
    Template(#[from] askama::Error),
}

/// A code that was sent: only its hash is kept (in the server-side session).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct IssuedCode {
    pub hash: String,
    pub expires_at: DateTime<Utc>,
    pub tries: u32,
}

fn hash(code: &str) -> String {
    sha256_hex(&format!("step-up:{}", code.trim()))
}

/// Emails a fresh six-digit code to the person's address on file.
pub async fn send_code<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
    now: DateTime<Utc>,
) -> Result<IssuedCode, StepUpError> {
    let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32));
    if let Some(person) = debtor::Entity::find_by_id(debtor_id).one(conn).await? {
        let content = templates::confirmation_code(&code, CODE_MINUTES)?;
        outbox::enqueue(conn, &person.email, content, now).await?;
    }
    Ok(IssuedCode {
        hash: hash(&code),
        expires_at: now + Duration::minutes(CODE_MINUTES),
        tries: 0,
    })
}

#[derive(Debug, PartialEq, Eq)]
pub enum CodeCheck {
    Confirmed,
    Wrong,
    /// Expired, or too many wrong tries: a new code is needed.
    NeedsNewCode,
}

/// Checks a typed code; counts the try on the issued code.
pub fn check(issued: &mut IssuedCode, typed: &str, now: DateTime<Utc>) -> CodeCheck {
    if now > issued.expires_at || issued.tries >= MAX_TRIES {
        return CodeCheck::NeedsNewCode;
    }
    issued.tries += 1;
    if constant_time_eq(&hash(typed), &issued.hash) {
        CodeCheck::Confirmed
    } else if issued.tries >= MAX_TRIES {
        CodeCheck::NeedsNewCode
    } else {
        CodeCheck::Wrong
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issued(code: &str, now: DateTime<Utc>) -> IssuedCode {
        IssuedCode {
            hash: hash(code),
            expires_at: now + Duration::minutes(10),
            tries: 0,
        }
    }

    #[test]
    fn a_code_works_in_time_and_not_after_too_many_tries() {
        let now = Utc::now();
        let mut code = issued("123456", now);
        assert_eq!(check(&mut code, "000000", now), CodeCheck::Wrong);
        assert_eq!(check(&mut code, " 123456 ", now), CodeCheck::Confirmed);
        let mut late = issued("123456", now);
        assert_eq!(
            check(&mut late, "123456", now + Duration::minutes(11)),
            CodeCheck::NeedsNewCode
        );
        let mut guessed = issued("123456", now);
        for _ in 0..4 {
            assert_eq!(check(&mut guessed, "999999", now), CodeCheck::Wrong);
        }
        assert_eq!(check(&mut guessed, "999999", now), CodeCheck::NeedsNewCode);
        assert_eq!(check(&mut guessed, "123456", now), CodeCheck::NeedsNewCode);
    }
}
