//! The unsubscribe link in every reminder. No sign-in: the keyed signature in the path proves
//! the link came from us, for that one person. The GET only explains and offers a button (mail
//! scanners open links); the POST turns reminders off, whether it comes from that button or
//! from a mail provider's one-click unsubscribe (RFC 8058: body `List-Unsubscribe=One-Click`,
//! no cookies, no form token, which is why `web::CSRF_EXEMPT_PREFIXES` lists this route).
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use sea_orm::DatabaseConnection;

use crate::clock::Clock;
use crate::crypto::KeyedHasher;
use crate::services::contact::{preferences, unsubscribe};
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
use crate::web::pages::{self, Chrome};

/// Every unsubscribe POST starts with this; see the module documentation.
pub const ONE_CLICK_PREFIX: &str = "/unsubscribe/";

#[derive(Template)]
#[template(path = "debtor/unsubscribe.html")]
struct ConfirmPage {
    chrome: Chrome,
    creditor: String,
    already_off: bool,
    action: String,
}

#[derive(Template)]
#[template(path = "debtor/unsubscribe_done.html")]
struct DonePage {
    chrome: Chrome,
    creditor: String,
}

#[derive(Template)]
#[template(path = "debtor/unsubscribe_unknown.html")]
struct UnknownPage {
    chrome: Chrome,
}

fn unknown_link() -> HttpResponse {
    pages::render_page(
        &UnknownPage {
            chrome: Chrome::plain(),
        },
        StatusCode::NOT_FOUND,
    )
}

/// The debtor id the link is for, when its signature is ours. The path is read as text, not
/// `Path<(i32, String)>`, on purpose: a link a mail program mangled must still get the page
/// that explains it ("This link does not work"), not the bare not-found page.
fn signed_debtor(hasher: &KeyedHasher, debtor_id: &str, signature: &str) -> Option<i32> {
    let debtor_id = debtor_id.parse::<i32>().ok()?;
    unsubscribe::verify(hasher, debtor_id, signature).then_some(debtor_id)
}

#[get("/unsubscribe/{debtor_id}/{signature}")]
pub async fn show(
    path: web::Path<(String, String)>,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
    hasher: web::Data<KeyedHasher>,
) -> PageResult {
    let (debtor_id, signature) = path.into_inner();
    let Some(debtor_id) = signed_debtor(&hasher, &debtor_id, &signature) else {
        return Ok(unknown_link());
    };
    let Some(settings) = preferences::settings(db.get_ref(), debtor_id)
        .await
        .map_err(AppError::internal)?
    else {
        return Ok(unknown_link());
    };
    Ok(pages::ok(&ConfirmPage {
        chrome: Chrome::plain_with_csrf(&csrf.0),
        creditor: settings.creditor_name,
        already_off: !settings.preferences.reminders_by_email,
        action: format!("{ONE_CLICK_PREFIX}{debtor_id}/{signature}"),
    }))
}

/// Answers 200 with the page (not a redirect): a mail provider's one-click POST only needs
/// to know it worked, and doing it again changes nothing.
#[post("/unsubscribe/{debtor_id}/{signature}")]
pub async fn confirm(
    path: web::Path<(String, String)>,
    db: web::Data<DatabaseConnection>,
    hasher: web::Data<KeyedHasher>,
    clock: web::Data<Clock>,
) -> PageResult {
    let (debtor_id, signature) = path.into_inner();
    let Some(debtor_id) = signed_debtor(&hasher, &debtor_id, &signature) else {
        return Ok(unknown_link());
    };
    match preferences::stop_reminders(db.get_ref(), debtor_id, clock.now())
        .await
        .map_err(AppError::internal)?
    {
        Some(creditor) => Ok(pages::ok(&DonePage {
            chrome: Chrome::plain(),
            creditor,
        })),
        None => Ok(unknown_link()),
    }
}
