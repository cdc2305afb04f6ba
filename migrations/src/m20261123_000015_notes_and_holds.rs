//! The collections team's own records on an account: notes, and holds that pause collection
//! (a dispute, hardship) until someone ends them. Both are kept, never edited away.
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000002_accounts::Accounts;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AccountNotes::Table)
                    .col(pk_auto(AccountNotes::Id))
                    .col(integer(AccountNotes::AccountId))
                    .col(integer(AccountNotes::StaffId))
                    .col(text(AccountNotes::Body))
                    .col(timestamp_with_time_zone(AccountNotes::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AccountNotes::Table, AccountNotes::AccountId)
                            .to(Accounts::Table, Accounts::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AccountHolds::Table)
                    .col(pk_auto(AccountHolds::Id))
                    .col(integer(AccountHolds::AccountId))
                    .col(string_len(AccountHolds::Reason, 500))
                    .col(integer(AccountHolds::StartedBy))
                    .col(timestamp_with_time_zone(AccountHolds::StartedAt))
                    .col(integer_null(AccountHolds::EndedBy))
                    .col(timestamp_with_time_zone_null(AccountHolds::EndedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AccountHolds::Table, AccountHolds::AccountId)
                            .to(Accounts::Table, Accounts::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, table, column) in [
            (
                "idx_account_notes_account",
                AccountNotes::Table.into_iden(),
                AccountNotes::AccountId.into_iden(),
            ),
            (
                "idx_account_holds_account",
                AccountHolds::Table.into_iden(),
                AccountHolds::AccountId.into_iden(),
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AccountHolds::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AccountNotes::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AccountNotes {
    Table,
    Id,
    AccountId,
    StaffId,
    Body,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AccountHolds {
    Table,
    Id,
    AccountId,
    Reason,
    StartedBy,
    StartedAt,
    EndedBy,
    EndedAt,
}
