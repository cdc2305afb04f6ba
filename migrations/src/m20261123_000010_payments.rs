//! Payment attempts (saved before any provider call, so its idempotency key survives a crash)
//! and the provider events already processed (each applied once).
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
                    .table(PaymentAttempts::Table)
                    .col(pk_auto(PaymentAttempts::Id))
                    .col(integer(PaymentAttempts::AccountId))
                    .col(integer(PaymentAttempts::CreditorId))
                    .col(integer(PaymentAttempts::DebtorId))
                    .col(integer_null(PaymentAttempts::PlanId))
                    // full, installment, extra, autopay, offline
                    .col(string_len(PaymentAttempts::Purpose, 16))
                    .col(big_integer(PaymentAttempts::AmountMinor))
                    .col(char_len(PaymentAttempts::Currency, 3))
                    // An early-payment discount this payment qualifies for, booked on success.
                    .col(big_integer(PaymentAttempts::DiscountMinor).default(0))
                    .col(integer_null(PaymentAttempts::DiscountRuleId))
                    .col(date_null(PaymentAttempts::DiscountDeadline))
                    .col(string_len(PaymentAttempts::Provider, 16))
                    .col(string_len_null(PaymentAttempts::ProviderRef, 255))
                    .col(string_len_uniq(PaymentAttempts::IdempotencyKey, 80))
                    // created, pending, succeeded, failed, expired, refunded, flagged
                    .col(string_len(PaymentAttempts::Status, 16))
                    .col(string_len_null(PaymentAttempts::FailureMessage, 300))
                    .col(big_integer(PaymentAttempts::RefundedMinor).default(0))
                    .col(string_len_null(PaymentAttempts::ExternalReference, 100))
                    .col(timestamp_with_time_zone(PaymentAttempts::CreatedAt))
                    .col(timestamp_with_time_zone(PaymentAttempts::UpdatedAt))
                    .col(timestamp_with_time_zone_null(PaymentAttempts::SucceededAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PaymentAttempts::Table, PaymentAttempts::AccountId)
                            .to(Accounts::Table, Accounts::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_payment_attempts_account")
                    .table(PaymentAttempts::Table)
                    .col(PaymentAttempts::AccountId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_payment_attempts_status")
                    .table(PaymentAttempts::Table)
                    .col(PaymentAttempts::Status)
                    .col(PaymentAttempts::UpdatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProviderEvents::Table)
                    .col(string_len(ProviderEvents::EventId, 255).primary_key())
                    .col(string_len(ProviderEvents::Kind, 80))
                    .col(string_len(ProviderEvents::Outcome, 32))
                    .col(timestamp_with_time_zone(ProviderEvents::ReceivedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ProviderEvents::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(PaymentAttempts::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum PaymentAttempts {
    Table,
    Id,
    AccountId,
    CreditorId,
    DebtorId,
    PlanId,
    Purpose,
    AmountMinor,
    Currency,
    DiscountMinor,
    DiscountRuleId,
    DiscountDeadline,
    Provider,
    ProviderRef,
    IdempotencyKey,
    Status,
    FailureMessage,
    RefundedMinor,
    ExternalReference,
    CreatedAt,
    UpdatedAt,
    SucceededAt,
}

#[derive(DeriveIden)]
enum ProviderEvents {
    Table,
    EventId,
    Kind,
    Outcome,
    ReceivedAt,
}
