//! Set-password links for staff (an invitation, or a reset by an admin): single use, stored
//! only as a SHA-256 hash of the token in the email.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StaffPasswordTokens::Table)
                    .col(pk_auto(StaffPasswordTokens::Id))
                    .col(integer(StaffPasswordTokens::StaffUserId))
                    .col(char_len_uniq(StaffPasswordTokens::TokenHash, 64))
                    // "invite" (setting the password enables the user) or "reset".
                    .col(string_len(StaffPasswordTokens::Purpose, 16))
                    .col(timestamp_with_time_zone(StaffPasswordTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(StaffPasswordTokens::UsedAt))
                    .col(timestamp_with_time_zone(StaffPasswordTokens::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(StaffPasswordTokens::Table, StaffPasswordTokens::StaffUserId)
                            .to(StaffUsers::Table, StaffUsers::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_staff_password_tokens_user")
                    .table(StaffPasswordTokens::Table)
                    .col(StaffPasswordTokens::StaffUserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(StaffPasswordTokens::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum StaffPasswordTokens {
    Table,
    Id,
    StaffUserId,
    TokenHash,
    Purpose,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum StaffUsers {
    Table,
    Id,
}
