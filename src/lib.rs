//! Good Terms: a self-service portal where people see what they owe and choose how to pay.
//!
//! Imports point one way: `web` -> `services` -> `entities` -> `domain`, with `email`,
//! `providers` and `jobs` beside the services.
pub mod clock;
pub mod config;
pub mod crypto;
pub mod db;
/// Pure rules and closed sets of states; no I/O.
pub mod domain;
pub mod email;
/// sea-orm tables, no behaviour.
pub mod entities;
/// Crash points for the fault tests (feature `failpoints`); nothing without it.
pub mod faults;
pub mod jobs;
/// Prometheus metrics: the recorder and what is counted.
pub mod meters;
/// Payment providers: Stripe and the offline test provider.
pub mod providers;
/// Use cases grouped by what the product does.
pub mod services;
pub mod startup;
pub mod telemetry;
/// HTTP handlers by audience, and what they share.
pub mod web;
