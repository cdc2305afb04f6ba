//! Good Terms: a self-service portal where people see what they owe and choose how to pay.
pub mod config;
pub mod crypto;
pub mod db;
pub mod domain;
pub mod email;
pub mod entities;
pub mod jobs;
pub mod providers;
pub mod services;
pub mod startup;
pub mod telemetry;
pub mod web;
