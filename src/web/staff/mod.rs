//! Pages for creditor staff and admins.
pub mod accounts;
pub mod creditors;
pub mod plans;
pub mod policy;
pub mod sign_in;
