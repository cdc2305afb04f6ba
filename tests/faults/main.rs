//! Crash tests: the real `goodterms` binary as a child process, killed at a crash point in the
//! payment webhook path (`src/faults.rs`), then started again on the same database while the
//! webhook is delivered again, as Stripe does after an error or no answer. Run with
//! `cargo test --features failpoints --test faults` (and `TEST_DATABASE_URL` for PostgreSQL).
#[path = "../api/helpers.rs"]
mod helpers;
#[path = "../api/stripe_fake.rs"]
mod stripe_fake;

mod portal;
mod webhook_crash;
