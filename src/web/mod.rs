//! HTTP: handlers by audience, plus the extractors and middleware they share.
pub mod assets;
pub mod auth;
pub mod care;
pub mod csrf;
pub mod debtor;
pub mod edges;
pub mod errors;
pub mod flood;
pub mod forms;
pub mod health;
pub mod metrics;
pub mod notices;
pub mod pages;
pub mod panics;
pub mod security;
pub mod session_errors;
pub mod session_store;
pub mod staff;
pub mod webhooks;

use actix_web::middleware::from_fn;
use actix_web::{HttpRequest, web};

use errors::AppError;

/// Form bodies are small; anything bigger is refused before it is read.
pub const FORM_LIMIT_BYTES: usize = 16 * 1024;

/// POSTs from other systems, which carry a signature instead of a form token.
pub const CSRF_EXEMPT_PATHS: &[&str] = &[webhooks::STRIPE_EVENTS_PATH];

/// POSTs proved by a signature in their path. Only the one-click unsubscribe: mail providers
/// post to it on the person's behalf (RFC 8058) with no cookies and no form token, so the
/// keyed signature in the URL is the proof; it is unguessable and can only turn reminders off.
pub const CSRF_EXEMPT_PREFIXES: &[&str] = &[debtor::unsubscribe::ONE_CLICK_PREFIX];

pub fn routes(cfg: &mut web::ServiceConfig) {
    // The busiest pages first (the balance, then the plan builder a campaign sends people
    // to): routes are tried in order, and each pattern with a `{…}` part tried before the one
    // that matches costs a regex run on every request. These match only their own paths.
    cfg.service(debtor::account::balance_page)
        .service(debtor::plan_choose::installments_form)
        .service(debtor::plan_choose::installments_check)
        .service(health::healthz)
        .service(health::readyz)
        .service(notices::privacy)
        .service(notices::accessibility)
        .service(debtor::sign_in::show)
        .service(debtor::sign_in::submit)
        .service(debtor::sign_in::sign_out)
        .service(debtor::sign_in::signed_out)
        .service(debtor::link::request_form)
        .service(debtor::link::request_submit)
        .service(debtor::link::sent)
        .service(debtor::link::open)
        .service(debtor::link::redeem)
        // Contact preferences, unsubscribe and links from emails; before `/account/{id}`.
        .service(debtor::contact::show)
        .service(debtor::contact::save)
        .service(debtor::unsubscribe::show)
        .service(debtor::unsubscribe::confirm)
        .service(debtor::go::open)
        .service(debtor::go::redeem)
        .configure(care::debtor_routes)
        .service(debtor::account::one_account)
        .service(debtor::plan_choose::options)
        .service(debtor::plan_choose::installments_agree)
        .service(debtor::plan_choose::installments_propose)
        .service(debtor::plan_choose::propose_form)
        .service(debtor::plan_choose::propose_submit)
        .service(debtor::plan_choose::later_form)
        .service(debtor::plan_choose::later_check)
        .service(debtor::plan_choose::later_agree)
        .service(debtor::pay::choose)
        .service(debtor::pay::start)
        .service(debtor::pay::test_checkout)
        .service(debtor::pay::test_outcome)
        .service(debtor::pay::history)
        .service(debtor::pay::receipt)
        .service(debtor::pay::result)
        .service(
            web::resource(webhooks::STRIPE_EVENTS_PATH)
                .app_data(web::PayloadConfig::new(webhooks::WEBHOOK_LIMIT_BYTES))
                .route(web::post().to(webhooks::stripe_events)),
        )
        .service(debtor::autopay::show_terms)
        .service(debtor::autopay::set_up)
        .service(debtor::autopay::confirm)
        .service(debtor::autopay::turn_off)
        .service(debtor::autopay::test_setup)
        .service(debtor::autopay::test_setup_outcome)
        .service(debtor::plan_manage::show)
        .service(debtor::plan_manage::accept_offer)
        .service(debtor::plan_manage::cancel_confirm)
        .service(debtor::plan_manage::cancel)
        .service(debtor::plan_manage::change_form)
        .service(debtor::plan_manage::change_submit)
        .service(staff::sign_in::show)
        .service(staff::sign_in::submit)
        .service(staff::sign_in::home)
        .service(staff::sign_in::sign_out)
        .service(staff::set_password::open)
        .service(staff::set_password::submit)
        .service(staff::set_password::done)
        .service(
            web::scope("/admin")
                .wrap(from_fn(auth::admins_only))
                .configure(admin_routes),
        )
        .service(
            web::scope("/staff")
                .wrap(from_fn(auth::staff_only))
                .configure(staff_routes),
        )
        .app_data(
            web::FormConfig::default()
                .limit(FORM_LIMIT_BYTES)
                .error_handler(|_, _| AppError::BadRequest.into()),
        )
        .app_data(web::PayloadConfig::new(FORM_LIMIT_BYTES))
        .app_data(web::QueryConfig::default().error_handler(|_, _| AppError::BadRequest.into()))
        .app_data(web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()))
        .default_service(web::to(not_found));
}

/// Creditor staff's pages, under `/staff`, behind `auth::staff_only`. The public staff pages
/// (sign in, set a password) are registered before the scope, so they match first.
fn staff_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(staff::dashboard::show)
        .service(staff::accounts::list)
        .service(staff::accounts::show)
        .service(staff::account_actions::add_note)
        .service(staff::account_actions::start_hold)
        .service(staff::account_actions::end_hold)
        .service(staff::account_actions::record_payment)
        .service(staff::plans::list)
        .service(staff::plans::csv)
        .service(staff::plans::review)
        .service(staff::plans::show)
        .service(staff::plans::approve)
        .service(staff::plans::decline)
        .service(staff::plans::counter_offer)
        .service(staff::import::upload_form)
        .service(
            web::resource("/import")
                .app_data(staff::import::upload_limits())
                .route(web::post().to(staff::import::upload)),
        )
        .service(staff::import::show)
        .service(staff::import::start)
        .configure(care::staff_routes)
        .default_service(web::to(not_found));
}

/// The admin console, under `/admin`, behind `auth::admins_only`: one guard for every page.
fn admin_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(staff::creditors::list)
        .service(staff::policy::edit)
        .service(staff::policy::save)
        .service(staff::cadence::edit)
        .service(staff::cadence::save)
        .service(staff::creditor_forms::new_form)
        .service(staff::creditor_forms::create)
        .service(staff::creditor_forms::edit_form)
        .service(staff::creditor_forms::update)
        .service(staff::staff_admin::list)
        .service(staff::staff_admin::invite_form)
        .service(staff::staff_admin::invite)
        .service(staff::staff_admin::disable)
        .service(staff::staff_admin::enable)
        .service(staff::staff_admin::reset)
        .service(staff::outbox_admin::list)
        .service(staff::outbox_admin::retry)
        .service(staff::audit_log::list)
        .service(staff::audit_log::csv)
        .service(staff::discounts::list)
        .service(staff::discounts::new_form)
        .service(staff::discounts::create)
        .service(staff::discounts::preview)
        .service(staff::discounts::edit_form)
        .service(staff::discounts::update)
        .configure(care::admin_routes)
        .default_service(web::to(not_found));
}

async fn not_found(_: HttpRequest) -> Result<actix_web::HttpResponse, AppError> {
    Err(AppError::NotFound)
}
