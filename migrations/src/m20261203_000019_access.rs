//! Access you can trust: throttles counted in one row per key (claimed atomically instead of
//! counted then acted on), step-up codes kept in the database (so concurrent tries cannot
//! overwrite each other's count), a per-user session epoch (a password reset or disable ends
//! existing sessions), and the creditor an email was sent for (the staff timeline shows only
//! its own creditor's emails).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ThrottleBuckets::Table)
                    // A keyed hash of "kind:value": no personal data in clear.
                    .col(
                        ColumnDef::new(ThrottleBuckets::KeyHash)
                            .char_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(integer(ThrottleBuckets::Attempts))
                    .col(timestamp_with_time_zone(ThrottleBuckets::WindowStartedAt))
                    .col(timestamp_with_time_zone_null(ThrottleBuckets::BlockedUntil))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StepUpCodes::Table)
                    .col(pk_auto(StepUpCodes::Id))
                    .col(integer(StepUpCodes::DebtorId))
                    .col(string_len(StepUpCodes::Purpose, 32))
                    .col(char_len(StepUpCodes::CodeHash, 64))
                    .col(integer(StepUpCodes::Tries))
                    .col(timestamp_with_time_zone(StepUpCodes::ExpiresAt))
                    .col(timestamp_with_time_zone(StepUpCodes::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(StepUpCodes::Table, StepUpCodes::DebtorId)
                            .to(Debtors::Table, Debtors::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_step_up_codes_debtor_purpose")
                    .table(StepUpCodes::Table)
                    .col(StepUpCodes::DebtorId)
                    .col(StepUpCodes::Purpose)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(StaffUsers::Table)
                    .add_column(integer(StaffUsers::SessionEpoch).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(OutboxMessages::Table)
                    .add_column(integer_null(OutboxMessages::CreditorId))
                    .to_owned(),
            )
            .await?;
        backfill_email_creditors(manager).await?;
        manager
            .drop_table(Table::drop().table(SignInAttempts::Table).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SignInAttempts::Table)
                    .col(pk_auto(SignInAttempts::Id))
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
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(OutboxMessages::Table)
                    .drop_column(OutboxMessages::CreditorId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(StaffUsers::Table)
                    .drop_column(StaffUsers::SessionEpoch)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(StepUpCodes::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ThrottleBuckets::Table).to_owned())
            .await
    }
}

/// Emails sent before this change name no creditor. Where the address belongs to debtors of
/// exactly one creditor, that creditor is certain; otherwise the email stays unattributed
/// rather than be shown to the wrong creditor.
async fn backfill_email_creditors(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .get_connection()
        .execute_unprepared(
            "UPDATE outbox_messages SET creditor_id = \
               (SELECT MIN(d.creditor_id) FROM debtors d WHERE d.email = outbox_messages.to_address) \
             WHERE (SELECT COUNT(DISTINCT d.creditor_id) FROM debtors d \
                    WHERE d.email = outbox_messages.to_address) = 1",
        )
        .await?;
    Ok(())
}

#[derive(DeriveIden)]
enum ThrottleBuckets {
    Table,
    KeyHash,
    Attempts,
    WindowStartedAt,
    BlockedUntil,
}

#[derive(DeriveIden)]
enum StepUpCodes {
    Table,
    Id,
    DebtorId,
    Purpose,
    CodeHash,
    Tries,
    ExpiresAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Debtors {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum StaffUsers {
    Table,
    SessionEpoch,
}

#[derive(DeriveIden)]
enum OutboxMessages {
    Table,
    CreditorId,
}

#[derive(DeriveIden)]
enum SignInAttempts {
    Table,
    Id,
    KeyHash,
    AttemptedAt,
}
