//! The operator's console: creditors, staff users, early-payment discount rules, email
//! problems and the audit log.
pub mod audit_log;
pub mod create_staff;
pub mod creditor_list;
pub mod creditors;
pub mod discount_rules;
pub mod outbox;
pub mod staff_users;
