//! One-time sign-in links (stored as hashes) and the failure log that slows down guessing.
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000002_accounts::Debtors;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SignInTokens::Table)
                    .col(pk_auto(SignInTokens::Id))
                    .col(integer(SignInTokens::DebtorId))
                    .col(char_len_uniq(SignInTokens::TokenHash, 64))
                    .col(timestamp_with_time_zone(SignInTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(SignInTokens::UsedAt))
                    .col(timestamp_with_time_zone(SignInTokens::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SignInTokens::Table, SignInTokens::DebtorId)
                            .to(Debtors::Table, Debtors::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SignInAttempts::Table)
                    .col(pk_auto(SignInAttempts::Id))
                    // A keyed hash of "ref:..." / "ip:..." / "email:...": no personal data in clear.
                    .col(char_len(SignInAttempts::KeyHash, 64))
                    .col(timestamp_with_time_zone(SignInAttempts::AttemptedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sign_in_attempts_key_time")
                    .table(SignInAttempts::Table)
                    .col(SignInAttempts::KeyHash)
                    .col(SignInAttempts::AttemptedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SignInAttempts::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(SignInTokens::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum SignInTokens {
    Table,
    Id,
    DebtorId,
    TokenHash,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SignInAttempts {
    Table,
    Id,
    KeyHash,
    AttemptedAt,
}
