//! Money that can be traced and claimed once:
//! - `payment_allocations`: what each payment paid towards each installment (keyed by the
//!   installment's id, not its position), so a refund takes back exactly that. Append-only:
//!   a refund adds negative rows. No foreign key to installments: rewriting a schedule must
//!   not delete the record of what was paid.
//! - `discount_offers.claimed_attempt_id`: the one payment that earned an offer's discount,
//!   set by a conditional UPDATE, so two checkouts in two tabs cannot both earn it.
//! - `payment_attempts.form_token`: the one-time token of the staff form that recorded an
//!   offline payment; unique, so a double submit books one payment.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PaymentAllocations::Table)
                    .col(pk_auto(PaymentAllocations::Id))
                    .col(integer(PaymentAllocations::AttemptId))
                    .col(integer(PaymentAllocations::InstallmentId))
                    .col(big_integer(PaymentAllocations::AmountMinor))
                    .col(timestamp_with_time_zone(PaymentAllocations::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PaymentAllocations::Table, PaymentAllocations::AttemptId)
                            .to(PaymentAttempts::Table, PaymentAttempts::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_payment_allocations_attempt")
                    .table(PaymentAllocations::Table)
                    .col(PaymentAllocations::AttemptId)
                    .to_owned(),
            )
            .await?;
        // SQLite adds one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(DiscountOffers::Table)
                    .add_column(integer_null(DiscountOffers::ClaimedAttemptId))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(PaymentAttempts::Table)
                    .add_column(string_len_null(PaymentAttempts::FormToken, 64))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_payment_attempts_form_token")
                    .table(PaymentAttempts::Table)
                    .col(PaymentAttempts::FormToken)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_payment_attempts_form_token")
                    .table(PaymentAttempts::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(PaymentAttempts::Table)
                    .drop_column(PaymentAttempts::FormToken)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(DiscountOffers::Table)
                    .drop_column(DiscountOffers::ClaimedAttemptId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(PaymentAllocations::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum PaymentAllocations {
    Table,
    Id,
    AttemptId,
    InstallmentId,
    AmountMinor,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PaymentAttempts {
    Table,
    Id,
    FormToken,
}

#[derive(DeriveIden)]
enum DiscountOffers {
    Table,
    ClaimedAttemptId,
}
