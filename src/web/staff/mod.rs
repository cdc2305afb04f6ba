//! Pages for creditor staff and admins.
//!
//! Route paths in these files are relative to the scope `web::routes` registers them in:
//! `/admin` (admins only) or `/staff` (signed-in staff), each guarded once by middleware in
//! `web::auth`. Sign-in and set-password pages are outside both and give their full path.
pub mod account_actions;
pub mod accounts;
pub mod audit_log;
pub mod cadence;
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
