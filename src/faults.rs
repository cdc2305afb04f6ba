//! Crash points for the fault tests. Built with `--features failpoints`, a test starts the
//! real binary with, say, `FAILPOINTS=webhook-before-commit=return`, and the process dies on
//! the spot when it gets there, as under `kill -9`: no destructors, no commit, no answer.
//! Without the feature every crash point compiles to nothing (the release binary has none).

/// After a payment event's ledger entries are written, before their transaction commits.
pub const WEBHOOK_BEFORE_COMMIT: &str = "webhook-before-commit";
/// After a webhook's transaction committed, before Stripe gets its answer.
pub const WEBHOOK_AFTER_COMMIT: &str = "webhook-after-commit";

/// Dies here when the fault test set this crash point to `return`.
#[cfg(feature = "failpoints")]
pub fn crash_point(name: &str) {
    fail::fail_point!(name, |_| std::process::abort());
}

#[cfg(not(feature = "failpoints"))]
#[inline(always)]
pub fn crash_point(_name: &str) {}

/// Keeps the crash points read from `FAILPOINTS` set while it lives (for the whole process).
pub struct CrashPoints {
    #[cfg(feature = "failpoints")]
    _scenario: fail::FailScenario<'static>,
}

/// Reads `FAILPOINTS` once, at start-up.
pub fn crash_points_from_env() -> CrashPoints {
    CrashPoints {
        #[cfg(feature = "failpoints")]
        _scenario: fail::FailScenario::setup(),
    }
}
