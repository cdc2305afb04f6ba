//! Integration tests: the real app on port 0, a fresh database per test (SQLite by default,
//! PostgreSQL when TEST_DATABASE_URL points at a server).
mod helpers;
mod smtp;

mod admin_console;
mod admin_forms;
mod allocation;
mod autopay;
mod balance;
mod catch_up;
mod cli;
mod debtor_sign_in;
mod discounts_admin;
mod double_submit;
mod import;
mod layouts;
mod lifecycle_pass;
mod outbox;
mod payments;
mod plan_dates;
mod plans;
mod plans_staff;
mod security;
mod sign_in_links;
mod staff;
mod static_files;
mod stripe_fake;
mod stripe_webhooks;
mod workspace;
