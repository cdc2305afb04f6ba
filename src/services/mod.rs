//! Use cases. Each takes a connection (or opens its own write transaction), returns domain
//! types and typed errors, and knows nothing of HTTP.
pub mod audit;
pub mod audit_log;
pub mod autopay;
pub mod autopay_setup;
pub mod creditor_admin;
pub mod creditors;
pub mod dashboard;
pub mod debtor_sign_in;
pub mod demo;
pub mod discount_rules;
pub mod discounts;
pub mod imports;
pub mod ledger;
pub mod outbox_admin;
pub mod payment_allocation;
pub mod payments;
pub mod plan_lifecycle;
pub mod plan_policies;
pub mod plan_records;
pub mod plan_review;
pub mod plan_wording;
pub mod plans;
pub mod portfolio;
pub mod session_records;
pub mod sign_in_links;
pub mod staff_accounts;
pub mod staff_admin;
pub mod staff_passwords;
pub mod staff_sign_in;
pub mod statements;
pub mod step_up;
pub mod throttle;
pub mod workspace;

/// Who a signed-in debtor is; kept in the session.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DebtorIdentity {
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
