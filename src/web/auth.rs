//! Who is signed in. The session holds only ids; extractors load and check them, so a handler
//! that takes `SignedInDebtor` or `SignedInStaff` cannot run for anyone else.
use actix_session::{Session, SessionExt};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use ipnet::IpNet;
use sea_orm::DatabaseConnection;

use super::errors::AppError;
use crate::clock::Clock;
use crate::config::Settings;
use crate::domain::staff::StaffRole;
use crate::services::access::DebtorIdentity;
use crate::services::access::staff_sign_in::{self, StaffIdentity};
use crate::services::accounts::people;
use crate::services::contact::deep_links::is_portal_path;

const DEBTOR_KEY: &str = "debtor";
const STAFF_KEY: &str = "staff_id";
const STAFF_EPOCH_KEY: &str = "staff_epoch";
const MARKER_KEY: &str = "marker";
const STARTED_KEY: &str = "started_at";
/// The page a signed-out person asked for, opened once they sign in.
const RETURN_TO_KEY: &str = "return_to";

/// However active, a debtor signs in again after this long (besides the idle timeout).
pub const DEBTOR_SESSION_HOURS: i64 = 2;
/// A staff member's working day.
pub const STAFF_SESSION_HOURS: i64 = 12;

/// Starts a session with a new session id (so an id planted before sign-in is useless), the
/// time it started (for the absolute lifetime) and a new CSRF token bound to it.
fn start_session(session: &Session, now: DateTime<Utc>) -> Result<(), AppError> {
    session.clear();
    session.renew();
    session
        .insert(STARTED_KEY, now.timestamp())
        .map_err(AppError::internal)?;
    super::csrf::bind_new_token(session)
}

pub fn start_debtor_session(
    session: &Session,
    who: &DebtorIdentity,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    start_session(session, now)?;
    session
        .insert(DEBTOR_KEY, who)
        .map_err(AppError::internal)?;
    session
        .insert(MARKER_KEY, crate::crypto::random_token())
        .map_err(AppError::internal)
}

/// Where to go once signed in: the page the person asked for while signed out (re-checked to
/// be a page of this portal, so it can never lead elsewhere), or their account. Read it
/// before `start_debtor_session`, which starts a clean session.
pub fn landing_after_sign_in(session: &Session) -> String {
    session
        .get::<String>(RETURN_TO_KEY)
        .ok()
        .flatten()
        .filter(|path| is_portal_path(path))
        .unwrap_or_else(|| "/account".to_string())
}

/// Remembers `path` (a portal path only) as the page to open after signing in by any route.
pub fn remember_landing(session: &Session, path: &str) {
    let known = session.get::<String>(RETURN_TO_KEY).ok().flatten();
    if is_portal_path(path) && known.as_deref() != Some(path) {
        // Failing to remember only means landing on the account page.
        let _ = session.insert(RETURN_TO_KEY, path);
    }
}

/// The page a signed-out visitor asked for, worth opening after sign-in: GETs only (a POST
/// cannot be replayed by a redirect), and only paths inside the portal.
fn page_asked_for(req: &HttpRequest) -> Option<String> {
    let path = req.uri().path_and_query()?.as_str();
    (req.method() == actix_web::http::Method::GET && is_portal_path(path)).then(|| path.to_string())
}

/// A debtor session past its lifetime is ended; the page asked for is kept, in a new empty
/// session, so signing in again leads back to it.
fn end_expired_session(session: &Session, asked_for: Option<&str>) {
    match asked_for {
        Some(path) => {
            session.clear();
            session.renew();
            remember_landing(session, path);
        }
        None => session.purge(),
    }
}

/// The signed-in debtor, without any side effect (no page remembered, nothing purged): for
/// pages anyone may open that act differently for someone signed in.
pub fn current_debtor(req: &HttpRequest) -> Option<DebtorIdentity> {
    let session = req.get_session();
    session
        .get::<DebtorIdentity>(DEBTOR_KEY)
        .ok()
        .flatten()
        .filter(|_| within_lifetime(&session, DEBTOR_SESSION_HOURS, now_for(req)))
}

/// True when the session started less than `hours` ago. A session without a start time
/// (from before lifetimes existed) counts as over.
fn within_lifetime(session: &Session, hours: i64, now: DateTime<Utc>) -> bool {
    session
        .get::<i64>(STARTED_KEY)
        .ok()
        .flatten()
        .and_then(|started| DateTime::<Utc>::from_timestamp(started, 0))
        .is_some_and(|started| now - started < Duration::hours(hours))
}

/// Whether this request comes from a debtor whose session is still within its lifetime.
fn debtor_signed_in(req: &HttpRequest) -> bool {
    current_debtor(req).is_some()
}

/// A signed-in person who reaches a page that does not exist is offered their account, not
/// the sign-in page they have already passed. Runs inside the session middleware.
pub async fn not_found_way_back(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let response = next.call(req).await?;
    if response.status() != StatusCode::NOT_FOUND || !debtor_signed_in(response.request()) {
        return Ok(response.map_into_boxed_body());
    }
    let (request, _) = response.into_parts();
    Ok(ServiceResponse::new(
        request,
        super::errors::not_found_signed_in(),
    ))
}

/// The application's clock (tests move it), or real time where it is not installed.
fn now_for(req: &HttpRequest) -> DateTime<Utc> {
    req.app_data::<web::Data<Clock>>()
        .map_or_else(Utc::now, |clock| clock.now())
}

/// After a step-up code was confirmed, `purpose` counts as confirmed for a few minutes in
/// this session.
pub fn mark_confirmed(
    session: &Session,
    purpose: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let until = now + Duration::minutes(crate::services::access::step_up::CODE_MINUTES);
    session
        .insert(format!("confirmed:{purpose}"), until.timestamp())
        .map_err(AppError::internal)
}

/// True while a recent step-up for `purpose` still holds.
pub fn is_confirmed(session: &Session, purpose: &str, now: DateTime<Utc>) -> bool {
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

pub fn start_staff_session(
    session: &Session,
    who: &StaffIdentity,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    start_session(session, now)?;
    session
        .insert(STAFF_EPOCH_KEY, who.session_epoch)
        .map_err(AppError::internal)?;
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
/// The debtor this session belongs to, if it is within its lifetime. A session past its
/// lifetime is ended; a signed-out visitor's page is remembered for after sign-in.
fn signed_in_debtor(req: &HttpRequest) -> Option<DebtorIdentity> {
    let session = req.get_session();
    let who = session.get::<DebtorIdentity>(DEBTOR_KEY).ok().flatten();
    let asked_for = page_asked_for(req);
    match who {
        Some(_) if !within_lifetime(&session, DEBTOR_SESSION_HOURS, now_for(req)) => {
            end_expired_session(&session, asked_for.as_deref());
            None
        }
        None => {
            if let Some(path) = &asked_for {
                remember_landing(&session, path);
            }
            None
        }
        who => who,
    }
}

/// The signed-in person, as [`SignedInDebtor`] but without finding which of their debtor
/// rows holds the account in the path: for pages whose own query scopes the account to the
/// whole person and reads the holder from it, which saves a query on pages with a tight budget
/// (the plan builder and its preview).
pub struct SignedInPerson(pub DebtorIdentity);

impl FromRequest for SignedInPerson {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(
            signed_in_debtor(req)
                .map(SignedInPerson)
                .ok_or(AppError::SignInRequired),
        )
    }
}

/// One person may have accounts at several creditors, each creditor with its own debtor row.
/// On a page for one account (`{id}` in the path) or one payment (`{attempt}`), `debtor_id` is
/// the row holding that account when it is the same person's, so every service keeps scoping
/// by one debtor row; anyone else's account keeps the signed-in row and is not found.
pub struct SignedInDebtor(pub DebtorIdentity);

impl FromRequest for SignedInDebtor {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let who = signed_in_debtor(req);
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
        let in_time = within_lifetime(&session, STAFF_SESSION_HOURS, now_for(req));
        Box::pin(async move {
            let staff_id = session
                .get::<i32>(STAFF_KEY)
                .ok()
                .flatten()
                .ok_or(AppError::StaffSignInRequired)?;
            let epoch = session.get::<i32>(STAFF_EPOCH_KEY).ok().flatten();
            let (Some(epoch), true) = (epoch, in_time) else {
                session.purge();
                return Err(AppError::StaffSignInRequired);
            };
            let db = db.ok_or_else(|| AppError::internal(anyhow::anyhow!("no database")))?;
            match staff_sign_in::current(&db, staff_id, epoch)
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
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let who = match req.extract::<SignedInStaff>().await {
        Ok(who) => who,
        // Answered, not raised, so the response passes the security headers middleware.
        Err(error) => return Ok(req.error_response(error)),
    };
    req.extensions_mut().insert(who.0);
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Guards the `/admin` scope: signed-out visitors go to the staff sign-in page, and creditor
/// staff get "page not found", as if the admin pages did not exist.
pub async fn admins_only(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let who = match req.extract::<SignedInStaff>().await {
        Ok(who) if who.is_admin() => who,
        Ok(_) => return Ok(req.error_response(AppError::NotFound)),
        Err(error) => return Ok(req.error_response(error)),
    };
    req.extensions_mut().insert(who.0);
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// The client address used for rate limits: the TCP peer, unless the peer is a trusted proxy
/// (`GOODTERMS_TRUSTED_PROXIES`); then the rightmost X-Forwarded-For hop that is not itself
/// a trusted proxy. Hops left of that could be written by anyone, so they are never used.
pub fn client_ip(req: &HttpRequest) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let trusted = req
        .app_data::<web::Data<Settings>>()
        .map(|s| s.trusted_proxies.as_slice())
        .unwrap_or_default();
    let hops: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    Some(forwarded_client(peer, &hops, trusted))
}

fn forwarded_client(peer: IpAddr, hops: &[&str], trusted: &[IpNet]) -> IpAddr {
    let mut client = peer;
    for hop in hops.iter().rev() {
        if !trusted.iter().any(|net| net.contains(&client)) {
            break;
        }
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => client = ip,
            // A malformed hop ends what can be believed.
            Err(_) => break,
        }
    }
    client
}

/// [`client_ip`] as text, for throttle keys.
pub fn client_address(req: &HttpRequest) -> String {
    client_ip(req)
        .map(|ip| ip.to_string())
        .unwrap_or_else(|| "unknown".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let lb: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let hops = ["198.51.100.9", "203.0.113.5", "10.0.0.2"];
        // Not from a proxy: the header is anyone's to write.
        assert_eq!(
            forwarded_client(ip("203.0.113.1"), &hops, &lb),
            ip("203.0.113.1")
        );
        // From the proxy: the rightmost hop the proxies did not add.
        assert_eq!(
            forwarded_client(ip("10.0.0.1"), &hops, &lb),
            ip("203.0.113.5")
        );
        assert_eq!(forwarded_client(ip("10.0.0.1"), &[], &lb), ip("10.0.0.1"));
        assert_eq!(
            forwarded_client(ip("10.0.0.1"), &["junk"], &lb),
            ip("10.0.0.1")
        );
        assert_eq!(forwarded_client(ip("10.0.0.1"), &hops, &[]), ip("10.0.0.1"));
    }
}
