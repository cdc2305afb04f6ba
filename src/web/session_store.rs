//! actix-session storage: the database by default, Redis when `REDIS_URL` is set. Both keep
//! state on the server, so a copied cookie is worthless after sign-out.
//!
//! The idle timeout is pushed back at most once a minute per session, not on every request:
//! that write was most of a page's cost. Every request still reads the session, so signing out
//! or revoking a session takes effect at once; an idle session may end up to a minute early.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use actix_session::storage::{
    LoadError, RedisSessionStore, SaveError, SessionKey, SessionStore, UpdateError,
};
use actix_web::cookie::time::Duration;
use anyhow::anyhow;
use sea_orm::DatabaseConnection;

use crate::db::ReadDb;
use crate::meters::{self, SessionWrite};
use crate::services::access::sessions;

type State = HashMap<String, String>;

#[derive(Clone)]
pub struct AppSessionStore {
    backend: Backend,
    extensions: Arc<ExtensionThrottle>,
}

#[derive(Clone)]
enum Backend {
    /// Written through the pool, read through the read connection.
    Database {
        db: DatabaseConnection,
        reads: ReadDb,
    },
    Redis(RedisSessionStore),
}

impl AppSessionStore {
    pub fn database(db: DatabaseConnection, reads: ReadDb) -> Self {
        Self::with(Backend::Database { db, reads })
    }

    pub fn redis(store: RedisSessionStore) -> Self {
        Self::with(Backend::Redis(store))
    }

    fn with(backend: Backend) -> Self {
        Self {
            backend,
            extensions: Arc::default(),
        }
    }
}

/// How often one session's idle timeout is written.
const EXTEND_EVERY: std::time::Duration = std::time::Duration::from_secs(60);
/// Past this many remembered sessions, those not extended within a minute are forgotten.
const REMEMBERED: usize = 10_000;

/// When this process last pushed back each session's idle timeout.
#[derive(Default)]
struct ExtensionThrottle {
    last: Mutex<HashMap<String, Instant>>,
}

impl ExtensionThrottle {
    /// True when the session's timeout has not been extended by this process within the last
    /// minute (and notes that it is being extended now).
    fn due(&self, key: &str) -> bool {
        let now = Instant::now();
        let Ok(mut last) = self.last.lock() else {
            return true;
        };
        if last.len() > REMEMBERED {
            last.retain(|_, at| now.duration_since(*at) < EXTEND_EVERY);
        }
        match last.get(key) {
            Some(at) if now.duration_since(*at) < EXTEND_EVERY => false,
            _ => {
                last.insert(key.to_string(), now);
                true
            }
        }
    }

    /// A saved session starts its own minute: the save set its timeout.
    fn saved(&self, key: &str) {
        if let Ok(mut last) = self.last.lock() {
            last.insert(key.to_string(), Instant::now());
        }
    }

    fn forget(&self, key: &str) {
        if let Ok(mut last) = self.last.lock() {
            last.remove(key);
        }
    }
}

fn expiry(ttl: &Duration) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() + chrono::Duration::seconds(ttl.whole_seconds())
}

fn new_key() -> Result<SessionKey, anyhow::Error> {
    SessionKey::try_from(crate::crypto::random_token()).map_err(|e| anyhow!(e.to_string()))
}

impl SessionStore for AppSessionStore {
    async fn load(&self, key: &SessionKey) -> Result<Option<State>, LoadError> {
        meters::session_load();
        match &self.backend {
            Backend::Redis(store) => store.load(key).await,
            Backend::Database { reads, .. } => {
                let raw = sessions::load(reads, key.as_ref(), chrono::Utc::now())
                    .await
                    .map_err(|e| LoadError::Other(e.into()))?;
                raw.map(|s| serde_json::from_str(&s))
                    .transpose()
                    .map_err(|e| LoadError::Deserialization(e.into()))
            }
        }
    }

    async fn save(&self, state: State, ttl: &Duration) -> Result<SessionKey, SaveError> {
        let key = match &self.backend {
            Backend::Redis(store) => store.save(state, ttl).await?,
            Backend::Database { db, .. } => {
                let body = serde_json::to_string(&state)
                    .map_err(|e| SaveError::Serialization(e.into()))?;
                let key = new_key().map_err(SaveError::Other)?;
                sessions::upsert(db, key.as_ref(), body, expiry(ttl))
                    .await
                    .map_err(|e| SaveError::Other(e.into()))?;
                key
            }
        };
        self.extensions.saved(key.as_ref());
        meters::session_write(SessionWrite::Create);
        Ok(key)
    }

    async fn update(
        &self,
        key: SessionKey,
        state: State,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        let key = match &self.backend {
            Backend::Redis(store) => store.update(key, state, ttl).await?,
            Backend::Database { db, .. } => {
                let body = serde_json::to_string(&state)
                    .map_err(|e| UpdateError::Serialization(e.into()))?;
                sessions::upsert(db, key.as_ref(), body, expiry(ttl))
                    .await
                    .map_err(|e| UpdateError::Other(e.into()))?;
                key
            }
        };
        self.extensions.saved(key.as_ref());
        meters::session_write(SessionWrite::Update);
        Ok(key)
    }

    async fn update_ttl(&self, key: &SessionKey, ttl: &Duration) -> Result<(), anyhow::Error> {
        if !self.extensions.due(key.as_ref()) {
            return Ok(());
        }
        meters::session_write(SessionWrite::Extend);
        match &self.backend {
            Backend::Redis(store) => store.update_ttl(key, ttl).await,
            Backend::Database { db, .. } => {
                Ok(sessions::touch(db, key.as_ref(), expiry(ttl)).await?)
            }
        }
    }

    async fn delete(&self, key: &SessionKey) -> Result<(), anyhow::Error> {
        self.extensions.forget(key.as_ref());
        meters::session_write(SessionWrite::Delete);
        match &self.backend {
            Backend::Redis(store) => store.delete(key).await,
            Backend::Database { db, .. } => Ok(sessions::delete(db, key.as_ref()).await?),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ExtensionThrottle;

    #[test]
    fn a_session_is_extended_at_most_once_a_minute() {
        let throttle = ExtensionThrottle::default();
        assert!(throttle.due("a"));
        assert!(!throttle.due("a"));
        assert!(throttle.due("b"), "each session has its own minute");
        throttle.forget("a");
        assert!(throttle.due("a"), "a deleted session starts afresh");
    }
}
