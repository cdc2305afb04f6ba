//! sea-orm entities: table shapes only, no behaviour.
pub mod account;
pub mod account_hold;
pub mod account_note;
pub mod advice_service;
pub mod attachment;
pub mod attachment_content;
pub mod audit_log;
pub mod autopay_mandate;
pub mod autopay_step;
pub mod contact_preference;
pub mod creditor;
pub mod debtor;
pub mod deep_link;
pub mod discount_offer;
pub mod discount_rule;
pub mod dispute;
pub mod dispute_entry;
pub mod erasure_request;
pub mod feedback;
pub mod hardship_statement;
pub mod import;
pub mod import_chunk;
pub mod installment;
pub mod ledger_entry;
pub mod message;
pub mod outbox_message;
pub mod payment_allocation;
pub mod payment_attempt;
pub mod person;
pub mod plan;
pub mod plan_policy;
pub mod provider_event;
pub mod reminder_cadence;
pub mod session;
pub mod sign_in_token;
pub mod staff_password_token;
pub mod staff_user;
pub mod step_up_code;
pub mod support_need;
pub mod throttle_bucket;

use sea_orm::DeriveValueType;

/// An amount in a currency's minor units (pence, cents, yen). Stored as BIGINT because
/// sea-query would bind a Decimal to SQLite as a float and lose cents on large values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, DeriveValueType)]
pub struct MinorUnits(pub i64);
