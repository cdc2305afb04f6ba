//! Integration tests: the real app on port 0, a fresh database per test (SQLite by default,
//! PostgreSQL when TEST_DATABASE_URL points at a server).
mod helpers;
mod smtp;

mod admin_console;
mod admin_forms;
mod autopay;
mod autopay_safety;
mod balance;
mod cli;
mod debtor_sign_in;
mod discounts_admin;
mod edges;
mod email_scope;
mod import;
mod layouts;
mod outbox;
mod payments;
mod people;
mod plans;
mod plans_staff;
mod reimport;
mod security;
mod sessions;
mod sign_in_links;
mod staff;
mod static_files;
mod stripe_currencies;
mod stripe_fake;
mod stripe_webhooks;
mod test_payments;
mod throttles;
mod workspace;
