//! Debtors (people, per creditor) and their accounts (debts with a human reference).
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000001_parties::Creditors;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Debtors::Table)
                    .col(pk_auto(Debtors::Id))
                    .col(integer(Debtors::CreditorId))
                    .col(string_len(Debtors::FullName, 200))
                    .col(string_len(Debtors::Email, 254))
                    // HMAC of the date of birth under a server key: never the date itself.
                    .col(char_len(Debtors::DobHash, 64))
                    .col(string_len(Debtors::TimeZone, 64))
                    .col(timestamp_with_time_zone(Debtors::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Debtors::Table, Debtors::CreditorId)
                            .to(Creditors::Table, Creditors::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_debtors_email")
                    .table(Debtors::Table)
                    .col(Debtors::Email)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Accounts::Table)
                    .col(pk_auto(Accounts::Id))
                    .col(integer(Accounts::CreditorId))
                    .col(integer(Accounts::DebtorId))
                    .col(string_len(Accounts::Reference, 32))
                    .col(string_len(Accounts::Description, 300))
                    .col(char_len(Accounts::Currency, 3))
                    .col(timestamp_with_time_zone(Accounts::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Accounts::Table, Accounts::CreditorId)
                            .to(Creditors::Table, Creditors::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Accounts::Table, Accounts::DebtorId)
                            .to(Debtors::Table, Debtors::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_accounts_creditor_reference")
                    .table(Accounts::Table)
                    .col(Accounts::CreditorId)
                    .col(Accounts::Reference)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_accounts_reference")
                    .table(Accounts::Table)
                    .col(Accounts::Reference)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_accounts_debtor")
                    .table(Accounts::Table)
                    .col(Accounts::DebtorId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Accounts::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Debtors::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Debtors {
    Table,
    Id,
    CreditorId,
    FullName,
    Email,
    DobHash,
    TimeZone,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum Accounts {
    Table,
    Id,
    CreditorId,
    DebtorId,
    Reference,
    Description,
    Currency,
    CreatedAt,
}
