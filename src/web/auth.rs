//! Who is signed in. The session holds only ids; extractors load and check them, so a handler
//! that takes `SignedInDebtor` or `SignedInStaff` cannot run for anyone else.
use actix_session::{Session, SessionExt};
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use sea_orm::DatabaseConnection;

use super::errors::AppError;
use crate::domain::staff::StaffRole;
use crate::services::access::DebtorIdentity;
use crate::services::access::staff_sign_in::{self, StaffIdentity};
use crate::services::accounts::people;

const DEBTOR_KEY: &str = "debtor";
const STAFF_KEY: &str = "staff_id";
const MARKER_KEY: &str = "marker";

/// Starts a debtor session with a new session id, so an id planted before sign-in is useless.
pub fn start_debtor_session(session: &Session, who: &DebtorIdentity) -> Result<(), AppError> {
    session.clear();
    session.renew();
    session
        .insert(DEBTOR_KEY, who)
        .map_err(AppError::internal)?;
    session
        .insert(MARKER_KEY, crate::crypto::random_token())
        .map_err(AppError::internal)
}

/// Keeps a step-up code that was just sent (its hash, expiry and tries) in the session.
pub fn remember_code(
    session: &Session,
    purpose: &str,
    issued: &crate::services::access::step_up::IssuedCode,
) -> Result<(), AppError> {
    session
        .insert(format!("code:{purpose}"), issued)
        .map_err(AppError::internal)
}

/// Checks a typed code against the one sent for `purpose`; on success the purpose counts as
/// confirmed for the next few minutes.
pub fn confirm_code(
    session: &Session,
    purpose: &str,
    typed: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<crate::services::access::step_up::CodeCheck, AppError> {
    use crate::services::access::step_up::{self, CodeCheck, IssuedCode};
    let key = format!("code:{purpose}");
    let Some(mut issued) = session.get::<IssuedCode>(&key).ok().flatten() else {
        return Ok(CodeCheck::NeedsNewCode);
    };
    let outcome = step_up::check(&mut issued, typed, now);
    if outcome == CodeCheck::Confirmed {
        session.remove(&key);
        let until = now + chrono::Duration::minutes(step_up::CODE_MINUTES);
        session
            .insert(format!("confirmed:{purpose}"), until.timestamp())
            .map_err(AppError::internal)?;
    } else {
        session.insert(&key, &issued).map_err(AppError::internal)?;
    }
    Ok(outcome)
}

/// True while a recent step-up for `purpose` still holds.
pub fn is_confirmed(session: &Session, purpose: &str, now: chrono::DateTime<chrono::Utc>) -> bool {
    session
        .get::<i64>(&format!("confirmed:{purpose}"))
        .ok()
        .flatten()
        .is_some_and(|until| now.timestamp() < until)
}

/// A random value fixed for the life of one sign-in: recorded (hashed) with a consent, so
/// agreements made in the same session can be told apart from others without storing the
/// session key itself.
pub fn session_marker(session: &Session) -> Result<String, AppError> {
    if let Some(marker) = session.get::<String>(MARKER_KEY).ok().flatten() {
        return Ok(marker);
    }
    let marker = crate::crypto::random_token();
    session
        .insert(MARKER_KEY, &marker)
        .map_err(AppError::internal)?;
    Ok(marker)
}

pub fn start_staff_session(session: &Session, who: &StaffIdentity) -> Result<(), AppError> {
    session.clear();
    session.renew();
    session
        .insert(STAFF_KEY, who.staff_id)
        .map_err(AppError::internal)
}

/// Ends the session on the server too: the stored state is deleted.
pub fn end_session(session: &Session) {
    session.purge();
}

/// The signed-in debtor, acting for the account in the path.
///
/// One person may have accounts at several creditors, each creditor with its own debtor row.
/// On a page for one account (`{id}` in the path) or one payment (`{attempt}`), `debtor_id` is
/// the row holding that account when it is the same person's, so every service keeps scoping
/// by one debtor row; anyone else's account keeps the signed-in row and is not found.
pub struct SignedInDebtor(pub DebtorIdentity);

impl FromRequest for SignedInDebtor {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let who = req
            .get_session()
            .get::<DebtorIdentity>(DEBTOR_KEY)
            .ok()
            .flatten();
        let path_id =
            |name: &str| -> Option<i32> { req.match_info().get(name).and_then(|v| v.parse().ok()) };
        let (account, attempt) = (path_id("id"), path_id("attempt"));
        let db = req.app_data::<web::Data<DatabaseConnection>>().cloned();
        Box::pin(async move {
            let mut who = who.ok_or(AppError::SignInRequired)?;
            let Some(db) = db else {
                return Ok(SignedInDebtor(who));
            };
            let holder = match (account, attempt) {
                (Some(account), _) => {
                    people::holder_of_account(db.get_ref(), who.debtor_id, account).await
                }
                (None, Some(attempt)) => {
                    people::holder_of_attempt(db.get_ref(), who.debtor_id, attempt).await
                }
                (None, None) => Ok(None),
            };
            if let Some(holder) = holder.map_err(AppError::internal)? {
                who.debtor_id = holder;
            }
            Ok(SignedInDebtor(who))
        })
    }
}

/// A staff member whose account is still enabled (checked on every request).
pub struct SignedInStaff(pub StaffIdentity);

impl SignedInStaff {
    /// The creditor whose data this person may see; admins have none of their own.
    pub fn creditor_id(&self) -> Result<i32, AppError> {
        match (self.0.role, self.0.creditor_id) {
            (StaffRole::Creditor, Some(id)) => Ok(id),
            _ => Err(AppError::NotFound),
        }
    }

    pub fn is_admin(&self) -> bool {
        self.0.role == StaffRole::Admin
    }
}

impl FromRequest for SignedInStaff {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Behind `staff_only` or `admins_only` the guard has already loaded and checked the
        // person for this request; load them only once.
        if let Some(identity) = req.extensions().get::<StaffIdentity>().cloned() {
            return Box::pin(std::future::ready(Ok(SignedInStaff(identity))));
        }
        let session = req.get_session();
        let db = req.app_data::<web::Data<DatabaseConnection>>().cloned();
        Box::pin(async move {
            let staff_id = session
                .get::<i32>(STAFF_KEY)
                .ok()
                .flatten()
                .ok_or(AppError::StaffSignInRequired)?;
            let db = db.ok_or_else(|| AppError::internal(anyhow::anyhow!("no database")))?;
            match staff_sign_in::current(&db, staff_id)
                .await
                .map_err(AppError::internal)?
            {
                Some(identity) => Ok(SignedInStaff(identity)),
                None => {
                    session.purge();
                    Err(AppError::StaffSignInRequired)
                }
            }
        })
    }
}

/// Guards the `/staff` scope: a signed-out visitor is sent to the staff sign-in page, and
/// nothing inside runs for them. Which creditor's data a page shows is still the handler's
/// business (`SignedInStaff::creditor_id`).
pub async fn staff_only(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let who = req.extract::<SignedInStaff>().await?;
    req.extensions_mut().insert(who.0);
    next.call(req).await
}

/// Guards the `/admin` scope: signed-out visitors go to the staff sign-in page, and creditor
/// staff get "page not found", as if the admin pages did not exist.
pub async fn admins_only(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let who = req.extract::<SignedInStaff>().await?;
    if !who.is_admin() {
        return Err(AppError::NotFound.into());
    }
    req.extensions_mut().insert(who.0);
    next.call(req).await
}

/// The client address used for rate limits: the TCP peer. A proxy in front would need its
/// forwarded-for header trusted explicitly; we do not trust it by default.
pub fn client_address(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".to_string())
}
