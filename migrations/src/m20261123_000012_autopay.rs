//! Automatic payments: a mandate (a saved card the person agreed we may charge on their plan's
//! due dates) and the steps taken for each installment. A step is a row with a unique key, so a
//! reminder, a charge or a retry happens once however often (or on however many instances) the
//! scheduler runs.
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
                    .table(AutopayMandates::Table)
                    .col(pk_auto(AutopayMandates::Id))
                    .col(integer(AutopayMandates::AccountId))
                    .col(integer(AutopayMandates::DebtorId))
                    .col(integer(AutopayMandates::PlanId))
                    .col(string_len(AutopayMandates::Provider, 16))
                    // Sent with the card-saving checkout, so a retried request saves one card.
                    .col(string_len_uniq(AutopayMandates::IdempotencyKey, 80))
                    // The provider's card-saving checkout session.
                    .col(string_len_null(AutopayMandates::SetupRef, 255))
                    .col(string_len_null(AutopayMandates::CustomerRef, 255))
                    .col(string_len_null(AutopayMandates::PaymentMethodRef, 255))
                    // pending (card not saved yet), active, off, cancelled
                    .col(string_len(AutopayMandates::Status, 16))
                    .col(timestamp_with_time_zone(AutopayMandates::CreatedAt))
                    .col(timestamp_with_time_zone_null(AutopayMandates::ActivatedAt))
                    .col(timestamp_with_time_zone_null(AutopayMandates::EndedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AutopayMandates::Table, AutopayMandates::AccountId)
                            .to(Accounts::Table, Accounts::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_autopay_mandates_status")
                    .table(AutopayMandates::Table)
                    .col(AutopayMandates::Status)
                    .col(AutopayMandates::PlanId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AutopaySteps::Table)
                    .col(pk_auto(AutopaySteps::Id))
                    .col(integer(AutopaySteps::MandateId))
                    .col(integer(AutopaySteps::PlanId))
                    .col(integer(AutopaySteps::InstallmentSeq))
                    // reminder, charge, retry, gave_up
                    .col(string_len(AutopaySteps::Step, 16))
                    .col(integer_null(AutopaySteps::AttemptId))
                    .col(string_len_null(AutopaySteps::ProviderRef, 255))
                    .col(timestamp_with_time_zone(AutopaySteps::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AutopaySteps::Table, AutopaySteps::MandateId)
                            .to(AutopayMandates::Table, AutopayMandates::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // Per plan, not per mandate: turning autopay off and on again never charges (or
        // reminds about) the same installment twice.
        manager
            .create_index(
                Index::create()
                    .name("idx_autopay_steps_once")
                    .table(AutopaySteps::Table)
                    .col(AutopaySteps::PlanId)
                    .col(AutopaySteps::InstallmentSeq)
                    .col(AutopaySteps::Step)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AutopaySteps::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AutopayMandates::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AutopayMandates {
    Table,
    Id,
    AccountId,
    DebtorId,
    PlanId,
    Provider,
    IdempotencyKey,
    SetupRef,
    CustomerRef,
    PaymentMethodRef,
    Status,
    CreatedAt,
    ActivatedAt,
    EndedAt,
}

#[derive(DeriveIden)]
enum AutopaySteps {
    Table,
    Id,
    MandateId,
    PlanId,
    InstallmentSeq,
    Step,
    AttemptId,
    ProviderRef,
    CreatedAt,
}
