//! actix-session turns every failure of its store into a bare, empty 500, with the cause
//! wrapped where it cannot be read. The store's only way to fail is its database (or Redis)
//! being busy or unreachable, so this middleware, wrapped around the session layer, answers
//! those with the site's 503 page and `Retry-After` instead, like every other page.
use actix_session::storage::{LoadError, SaveError, UpdateError};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::middleware::Next;

use super::errors::AppError;

pub async fn store_unavailable(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    match next.call(req).await {
        Ok(response) => Ok(response.map_into_boxed_body()),
        // No detail: the session layer's errors can name session keys.
        Err(error) if from_session_store(&error) => Err(AppError::Unavailable(anyhow::anyhow!(
            "the session store failed (database or Redis busy or unreachable)"
        ))
        .into()),
        Err(error) => Err(error),
    }
}

/// The wrappers actix-session puts around its store's errors (update_ttl and delete return
/// plain `anyhow::Error`s).
fn from_session_store(error: &actix_web::Error) -> bool {
    error.as_error::<InternalError<LoadError>>().is_some()
        || error.as_error::<InternalError<SaveError>>().is_some()
        || error.as_error::<InternalError<UpdateError>>().is_some()
        || error.as_error::<InternalError<anyhow::Error>>().is_some()
}
