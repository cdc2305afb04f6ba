//! Use cases, grouped by what the product does. Each takes a connection (or opens its own
//! write transaction), accepts and returns domain types with typed errors beside it, and knows
//! nothing of HTTP.
pub mod access;
pub mod accounts;
pub mod admin;
pub mod audit;
pub mod autopay;
pub mod care;
pub mod contact;
pub mod demo;
pub mod payments;
pub mod plans;
pub mod staff;
