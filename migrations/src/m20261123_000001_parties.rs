//! Creditors (the businesses owed money) and the staff who sign in for them.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Creditors::Table)
                    .col(pk_auto(Creditors::Id))
                    .col(string_len_uniq(Creditors::Name, 200))
                    .col(string_len(Creditors::DisplayName, 200))
                    .col(char_len(Creditors::Currency, 3))
                    .col(string_len(Creditors::TimeZone, 64))
                    .col(string_len(Creditors::ContactEmail, 254))
                    .col(string_len(Creditors::ContactPhone, 40))
                    .col(timestamp_with_time_zone(Creditors::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StaffUsers::Table)
                    .col(pk_auto(StaffUsers::Id))
                    .col(string_len_uniq(StaffUsers::Email, 254))
                    .col(string_len(StaffUsers::PasswordHash, 200))
                    .col(string_len(StaffUsers::Role, 16))
                    .col(integer_null(StaffUsers::CreditorId))
                    .col(boolean(StaffUsers::Disabled).default(false))
                    .col(timestamp_with_time_zone(StaffUsers::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(StaffUsers::Table, StaffUsers::CreditorId)
                            .to(Creditors::Table, Creditors::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(StaffUsers::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Creditors::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Creditors {
    Table,
    Id,
    Name,
    DisplayName,
    Currency,
    TimeZone,
    ContactEmail,
    ContactPhone,
    CreatedAt,
}

#[derive(DeriveIden)]
enum StaffUsers {
    Table,
    Id,
    Email,
    PasswordHash,
    Role,
    CreditorId,
    Disabled,
    CreatedAt,
}
