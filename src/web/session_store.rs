//! actix-session storage: the database by default, Redis when `REDIS_URL` is set. Both keep
//! state on the server, so a copied cookie is worthless after sign-out.
use std::collections::HashMap;

use actix_session::storage::{
    LoadError, RedisSessionStore, SaveError, SessionKey, SessionStore, UpdateError,
};
use actix_web::cookie::time::Duration;
use anyhow::anyhow;
use sea_orm::DatabaseConnection;

use crate::services::access::sessions;

type State = HashMap<String, String>;

#[derive(Clone)]
pub enum AppSessionStore {
    Database(DatabaseConnection),
    Redis(RedisSessionStore),
}

fn expiry(ttl: &Duration) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() + chrono::Duration::seconds(ttl.whole_seconds())
}

fn new_key() -> Result<SessionKey, anyhow::Error> {
    SessionKey::try_from(crate::crypto::random_token()).map_err(|e| anyhow!(e.to_string()))
}

impl SessionStore for AppSessionStore {
    async fn load(&self, key: &SessionKey) -> Result<Option<State>, LoadError> {
        match self {
            Self::Redis(store) => store.load(key).await,
            Self::Database(db) => {
                let raw = sessions::load(db, key.as_ref(), chrono::Utc::now())
                    .await
                    .map_err(|e| LoadError::Other(e.into()))?;
                raw.map(|s| serde_json::from_str(&s))
                    .transpose()
                    .map_err(|e| LoadError::Deserialization(e.into()))
            }
        }
    }

    async fn save(&self, state: State, ttl: &Duration) -> Result<SessionKey, SaveError> {
        match self {
            Self::Redis(store) => store.save(state, ttl).await,
            Self::Database(db) => {
                let body = serde_json::to_string(&state)
                    .map_err(|e| SaveError::Serialization(e.into()))?;
                let key = new_key().map_err(SaveError::Other)?;
                sessions::upsert(db, key.as_ref(), body, expiry(ttl))
                    .await
                    .map_err(|e| SaveError::Other(e.into()))?;
                Ok(key)
            }
        }
    }

    async fn update(
        &self,
        key: SessionKey,
        state: State,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        match self {
            Self::Redis(store) => store.update(key, state, ttl).await,
            Self::Database(db) => {
                let body = serde_json::to_string(&state)
                    .map_err(|e| UpdateError::Serialization(e.into()))?;
                sessions::upsert(db, key.as_ref(), body, expiry(ttl))
                    .await
                    .map_err(|e| UpdateError::Other(e.into()))?;
                Ok(key)
            }
        }
    }

    async fn update_ttl(&self, key: &SessionKey, ttl: &Duration) -> Result<(), anyhow::Error> {
        match self {
            Self::Redis(store) => store.update_ttl(key, ttl).await,
            Self::Database(db) => Ok(sessions::touch(db, key.as_ref(), expiry(ttl)).await?),
        }
    }

    async fn delete(&self, key: &SessionKey) -> Result<(), anyhow::Error> {
        match self {
            Self::Redis(store) => store.delete(key).await,
            Self::Database(db) => Ok(sessions::delete(db, key.as_ref()).await?),
        }
    }
}
