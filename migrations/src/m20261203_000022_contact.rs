//! Contact: every outgoing message is tied to the person (and account) it is about, sorted
//! into messages the person asked for and reminders, and carries the contact policy's
//! decision; each reminder has a unique key so the scheduler queues it exactly once.
//! Also the person's contact preferences, each creditor's reminder cadence, and the
//! single-use links that take someone from an email to the right page.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        extend_outbox(manager).await?;
        create_preferences(manager).await?;
        create_cadences(manager).await?;
        create_deep_links(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            DeepLinks::Table.into_iden(),
            ReminderCadences::Table.into_iden(),
            ContactPreferences::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        for index in ["idx_outbox_reminder_key", "idx_outbox_debtor_category"] {
            manager
                .drop_index(
                    Index::drop()
                        .name(index)
                        .table(OutboxMessages::Table)
                        .to_owned(),
                )
                .await?;
        }
        for column in [
            OutboxMessages::DebtorId,
            OutboxMessages::AccountId,
            OutboxMessages::Category,
            OutboxMessages::ReminderKey,
            OutboxMessages::FromName,
            OutboxMessages::UnsubscribeUrl,
            OutboxMessages::Decision,
            OutboxMessages::StaleAt,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(OutboxMessages::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

async fn extend_outbox(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    // SQLite alters one column per statement.
    let columns = [
        integer_null(OutboxMessages::DebtorId),
        integer_null(OutboxMessages::AccountId),
        string_len(OutboxMessages::Category, 16)
            .default("transactional")
            .to_owned(),
        string_null(OutboxMessages::ReminderKey),
        string_null(OutboxMessages::FromName),
        string_null(OutboxMessages::UnsubscribeUrl),
        string_null(OutboxMessages::Decision),
        timestamp_with_time_zone_null(OutboxMessages::StaleAt),
    ];
    for column in columns {
        manager
            .alter_table(
                Table::alter()
                    .table(OutboxMessages::Table)
                    .add_column(column)
                    .to_owned(),
            )
            .await?;
    }
    manager
        .create_index(
            Index::create()
                .name("idx_outbox_reminder_key")
                .table(OutboxMessages::Table)
                .col(OutboxMessages::ReminderKey)
                .unique()
                .to_owned(),
        )
        .await?;
    // The 7-day cap counts a person's recent reminders.
    manager
        .create_index(
            Index::create()
                .name("idx_outbox_debtor_category")
                .table(OutboxMessages::Table)
                .col(OutboxMessages::DebtorId)
                .col(OutboxMessages::Category)
                .col(OutboxMessages::SentAt)
                .to_owned(),
        )
        .await
}

async fn create_preferences(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(ContactPreferences::Table)
                .col(
                    ColumnDef::new(ContactPreferences::DebtorId)
                        .integer()
                        .not_null()
                        .primary_key(),
                )
                .col(boolean(ContactPreferences::RemindersByEmail).default(true))
                .col(string_len(ContactPreferences::TimeOfDay, 16).default("any"))
                .col(integer_null(ContactPreferences::Payday))
                .col(timestamp_with_time_zone_null(
                    ContactPreferences::PausedUntil,
                ))
                .col(timestamp_with_time_zone(ContactPreferences::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(ContactPreferences::Table, ContactPreferences::DebtorId)
                        .to(Debtors::Table, Debtors::Id),
                )
                .to_owned(),
        )
        .await
}

async fn create_cadences(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(ReminderCadences::Table)
                .col(
                    ColumnDef::new(ReminderCadences::CreditorId)
                        .integer()
                        .not_null()
                        .primary_key(),
                )
                .col(integer(ReminderCadences::DaysBefore))
                .col(integer(ReminderCadences::DaysAfterMiss))
                .col(integer(ReminderCadences::MaxPerInstallment))
                .col(timestamp_with_time_zone(ReminderCadences::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(ReminderCadences::Table, ReminderCadences::CreditorId)
                        .to(Creditors::Table, Creditors::Id),
                )
                .to_owned(),
        )
        .await
}

async fn create_deep_links(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(DeepLinks::Table)
                .col(pk_auto(DeepLinks::Id))
                .col(char_len_uniq(DeepLinks::TokenHash, 64))
                .col(integer(DeepLinks::DebtorId))
                // A path inside the portal, checked when the link is made and when it is used.
                .col(string_len(DeepLinks::Target, 255))
                .col(timestamp_with_time_zone(DeepLinks::ExpiresAt))
                .col(timestamp_with_time_zone_null(DeepLinks::UsedAt))
                .col(timestamp_with_time_zone(DeepLinks::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(DeepLinks::Table, DeepLinks::DebtorId)
                        .to(Debtors::Table, Debtors::Id),
                )
                .to_owned(),
        )
        .await
}

#[derive(DeriveIden)]
enum OutboxMessages {
    Table,
    DebtorId,
    AccountId,
    Category,
    ReminderKey,
    FromName,
    UnsubscribeUrl,
    Decision,
    StaleAt,
    SentAt,
}

#[derive(DeriveIden)]
enum ContactPreferences {
    Table,
    DebtorId,
    RemindersByEmail,
    TimeOfDay,
    Payday,
    PausedUntil,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ReminderCadences {
    Table,
    CreditorId,
    DaysBefore,
    DaysAfterMiss,
    MaxPerInstallment,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DeepLinks {
    Table,
    Id,
    TokenHash,
    DebtorId,
    Target,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Debtors {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Creditors {
    Table,
    Id,
}
