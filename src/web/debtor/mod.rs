//! Pages for the person who owes money.
pub mod account;
pub mod link;
pub mod sign_in;
