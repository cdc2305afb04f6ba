//! Indexes for the balance page's reads, so they stay lookups as the tables grow:
//! - a hold's kind and end beside its account: the breathing-space column (the latest end of
//!   an account's breathing spaces in force) used the index on (kind, ended_at) and read every
//!   breathing space of every account to find one account's;
//! - ledger entries by account in date order: the page lists them so, and SQLite sorted each
//!   account's entries in a temporary table on every page.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const HOLDS: &str = "idx_account_holds_account_kind_end";
const ENTRIES: &str = "idx_ledger_entries_account_date";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(HOLDS)
                    .table(AccountHolds::Table)
                    .col(AccountHolds::AccountId)
                    .col(AccountHolds::Kind)
                    .col(AccountHolds::EndedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(ENTRIES)
                    .table(LedgerEntries::Table)
                    .col(LedgerEntries::AccountId)
                    .col(LedgerEntries::OccurredOn)
                    .col(LedgerEntries::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(ENTRIES)
                    .table(LedgerEntries::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name(HOLDS)
                    .table(AccountHolds::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum AccountHolds {
    Table,
    AccountId,
    Kind,
    EndedAt,
}

#[derive(DeriveIden)]
enum LedgerEntries {
    Table,
    AccountId,
    OccurredOn,
    Id,
}
