//! Payment plans and their installments. At most one open plan (proposed, countered or
//! active) per account, enforced by a partial unique index: two tabs agreeing at the same
//! moment end with one plan.
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000002_accounts::Accounts;

#[derive(DeriveMigrationName)]
pub struct Migration;

const ONE_OPEN_PLAN: &str = "CREATE UNIQUE INDEX idx_plans_one_open_per_account ON plans (account_id) \
     WHERE status IN ('proposed', 'countered', 'active')";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Plans::Table)
                    .col(pk_auto(Plans::Id))
                    .col(integer(Plans::AccountId))
                    .col(integer(Plans::CreditorId))
                    .col(integer(Plans::DebtorId))
                    .col(string_len(Plans::Kind, 16))
                    .col(string_len(Plans::Status, 16))
                    .col(string_len_null(Plans::Frequency, 16))
                    // The first due date the plan was set up with; monthly dates keep its day.
                    .col(date_null(Plans::AnchorDate))
                    .col(big_integer(Plans::TotalMinor))
                    .col(char_len(Plans::Currency, 3))
                    .col(date_null(Plans::DeferUntil))
                    .col(string_len_null(Plans::DeferReason, 32))
                    .col(string_len_null(Plans::DebtorNote, 2000))
                    .col(string_len_null(Plans::DecisionReason, 2000))
                    .col(integer_null(Plans::DecidedBy))
                    .col(timestamp_with_time_zone_null(Plans::DecidedAt))
                    // The exact words the person agreed to, when, and in which session.
                    .col(text_null(Plans::ConsentText))
                    .col(timestamp_with_time_zone_null(Plans::ConsentAt))
                    .col(char_len_null(Plans::ConsentSession, 64))
                    // The policy's rules for missed payments, as they were when agreed.
                    .col(integer(Plans::GraceDays).default(7))
                    .col(integer(Plans::MissedToBreak).default(2))
                    .col(boolean(Plans::DateMoved).default(false))
                    .col(boolean(Plans::InstallmentSkipped).default(false))
                    .col(timestamp_with_time_zone(Plans::CreatedAt))
                    .col(timestamp_with_time_zone(Plans::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Plans::Table, Plans::AccountId)
                            .to(Accounts::Table, Accounts::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(ONE_OPEN_PLAN)
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_plans_creditor_status")
                    .table(Plans::Table)
                    .col(Plans::CreditorId)
                    .col(Plans::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Installments::Table)
                    .col(pk_auto(Installments::Id))
                    .col(integer(Installments::PlanId))
                    .col(integer(Installments::Seq))
                    .col(date(Installments::DueOn))
                    .col(big_integer(Installments::AmountMinor))
                    .col(big_integer(Installments::PaidMinor).default(0))
                    .col(boolean(Installments::Missed).default(false))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Installments::Table, Installments::PlanId)
                            .to(Plans::Table, Plans::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_installments_plan_seq")
                    .table(Installments::Table)
                    .col(Installments::PlanId)
                    .col(Installments::Seq)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Installments::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Plans::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Plans {
    Table,
    Id,
    AccountId,
    CreditorId,
    DebtorId,
    Kind,
    Status,
    Frequency,
    AnchorDate,
    TotalMinor,
    Currency,
    DeferUntil,
    DeferReason,
    DebtorNote,
    DecisionReason,
    DecidedBy,
    DecidedAt,
    ConsentText,
    ConsentAt,
    ConsentSession,
    GraceDays,
    MissedToBreak,
    DateMoved,
    InstallmentSkipped,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Installments {
    Table,
    Id,
    PlanId,
    Seq,
    DueOn,
    AmountMinor,
    PaidMinor,
    Missed,
}
