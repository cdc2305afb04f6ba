//! Schema changes, one per file, each with `up` and `down`, portable between SQLite and PostgreSQL.
pub use sea_orm_migration::prelude::*;

mod m20261123_000001_parties;
mod m20261123_000002_accounts;
mod m20261123_000003_ledger;
mod m20261123_000004_sign_in;
mod m20261123_000005_sessions;
mod m20261123_000006_outbox;
mod m20261123_000007_audit_log;
mod m20261123_000008_plan_policies;
mod m20261123_000009_plans;
mod m20261123_000010_payments;
mod m20261123_000011_discounts;
mod m20261123_000012_autopay;
mod m20261123_000013_admin;
mod m20261123_000014_imports;
mod m20261123_000015_notes_and_holds;
mod m20261123_000016_import_chunks;
mod m20261203_000017_payment_allocations;
mod m20261203_000018_autopay_installment_ids;
mod m20261203_000019_access;
mod m20261203_000020_people_and_entry_origin;
mod m20261203_000021_outbox_claim_tokens;
mod m20261203_000022_contact;
mod m20261203_000023_reminder_indexes;
mod m20261203_000024_care;
mod m20261203_000025_plans_by_account;
mod m20261205_000026_page_indexes;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_parties::Migration),
            Box::new(m20261123_000002_accounts::Migration),
            Box::new(m20261123_000003_ledger::Migration),
            Box::new(m20261123_000004_sign_in::Migration),
            Box::new(m20261123_000005_sessions::Migration),
            Box::new(m20261123_000006_outbox::Migration),
            Box::new(m20261123_000007_audit_log::Migration),
            Box::new(m20261123_000008_plan_policies::Migration),
            Box::new(m20261123_000009_plans::Migration),
            Box::new(m20261123_000010_payments::Migration),
            Box::new(m20261123_000011_discounts::Migration),
            Box::new(m20261123_000012_autopay::Migration),
            Box::new(m20261123_000013_admin::Migration),
            Box::new(m20261123_000014_imports::Migration),
            Box::new(m20261123_000015_notes_and_holds::Migration),
            Box::new(m20261123_000016_import_chunks::Migration),
            Box::new(m20261203_000017_payment_allocations::Migration),
            Box::new(m20261203_000018_autopay_installment_ids::Migration),
            Box::new(m20261203_000019_access::Migration),
            Box::new(m20261203_000020_people_and_entry_origin::Migration),
            Box::new(m20261203_000021_outbox_claim_tokens::Migration),
            Box::new(m20261203_000022_contact::Migration),
            Box::new(m20261203_000023_reminder_indexes::Migration),
            Box::new(m20261203_000024_care::Migration),
            Box::new(m20261203_000025_plans_by_account::Migration),
            Box::new(m20261205_000026_page_indexes::Migration),
        ]
    }
}
