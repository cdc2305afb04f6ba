//! CSV imports of accounts: the checked file's report, the background job's progress and its
//! outcome. The payload (the valid accounts, dates of birth already hashed) is cleared when
//! the import finishes.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Imports::Table)
                    .col(pk_auto(Imports::Id))
                    .col(integer(Imports::CreditorId))
                    .col(integer(Imports::StaffUserId))
                    .col(string_len(Imports::FileName, 255))
                    .col(string_len(Imports::Status, 16))
                    .col(boolean(Imports::OnlyValid).default(false))
                    .col(big_integer(Imports::TotalRows))
                    .col(big_integer(Imports::InvalidRows))
                    .col(big_integer(Imports::TotalAccounts))
                    .col(big_integer(Imports::ValidAccounts))
                    .col(big_integer(Imports::ProblemCount))
                    .col(text(Imports::Problems))
                    .col(text_null(Imports::Payload))
                    .col(big_integer(Imports::Processed).default(0))
                    .col(big_integer(Imports::Created).default(0))
                    .col(big_integer(Imports::Adjusted).default(0))
                    .col(big_integer(Imports::Unchanged).default(0))
                    .col(big_integer(Imports::Skipped).default(0))
                    .col(string_len_null(Imports::Error, 500))
                    .col(timestamp_with_time_zone(Imports::CreatedAt))
                    .col(timestamp_with_time_zone_null(Imports::StartedAt))
                    .col(timestamp_with_time_zone_null(Imports::FinishedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Imports::Table, Imports::CreditorId)
                            .to(Creditors::Table, Creditors::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_imports_creditor")
                    .table(Imports::Table)
                    .col(Imports::CreditorId)
                    .col(Imports::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Imports::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Imports {
    Table,
    Id,
    CreditorId,
    StaffUserId,
    FileName,
    Status,
    OnlyValid,
    TotalRows,
    InvalidRows,
    TotalAccounts,
    ValidAccounts,
    ProblemCount,
    Problems,
    Payload,
    Processed,
    Created,
    Adjusted,
    Unchanged,
    Skipped,
    Error,
    CreatedAt,
    StartedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum Creditors {
    Table,
    Id,
}
