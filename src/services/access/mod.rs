//! Signing in and staying signed in: debtors (reference and date of birth, emailed links),
//! staff (passwords), throttles, server-side sessions and one-time step-up codes.
pub mod debtor_sign_in;
pub mod sessions;
pub mod sign_in_links;
pub mod staff_passwords;
pub mod staff_sign_in;
pub mod step_up;
pub mod throttle;

/// Who a signed-in debtor is; kept in the session.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DebtorIdentity {
    /// The debtor row they signed in with. The accounts of every other row of the same person
    /// (other creditors) are theirs too: see `services::accounts::people`.
    pub debtor_id: i32,
    pub first_name: String,
}

/// The first word of a full name, for a friendly greeting.
pub fn first_name(full_name: &str) -> String {
    full_name
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}
