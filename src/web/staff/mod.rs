//! Pages for creditor staff and admins.
pub mod account_actions;
pub mod accounts;
pub mod audit_log;
pub mod creditor_forms;
pub mod creditors;
pub mod dashboard;
pub mod discount_form;
pub mod discounts;
pub mod import;
pub mod outbox_admin;
pub mod plans;
pub mod policy;
pub mod set_password;
pub mod sign_in;
pub mod staff_admin;
