//! Pages everyone can read without signing in: the privacy notice and the accessibility
//! statement, linked from the footer of every page.
use actix_web::{HttpResponse, get};
use askama::Template;

use super::pages::{self, Chrome};

#[derive(Template)]
#[template(path = "notices/privacy.html")]
struct PrivacyNotice {
    chrome: Chrome,
}

#[derive(Template)]
#[template(path = "notices/accessibility.html")]
struct AccessibilityStatement {
    chrome: Chrome,
}

#[get("/privacy")]
pub async fn privacy() -> HttpResponse {
    pages::ok(&PrivacyNotice {
        chrome: Chrome::plain(),
    })
}

#[get("/accessibility")]
pub async fn accessibility() -> HttpResponse {
    pages::ok(&AccessibilityStatement {
        chrome: Chrome::plain(),
    })
}
