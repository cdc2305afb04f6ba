//! Each creditor's payment plan policy. A creditor without a row uses the default policy.
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000001_parties::Creditors;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PlanPolicies::Table)
                    .col(integer(PlanPolicies::CreditorId).primary_key())
                    // Comma-separated: "weekly,fortnightly,four_weekly,monthly".
                    .col(string_len(PlanPolicies::AllowedFrequencies, 100))
                    .col(integer(PlanPolicies::MaxInstallments))
                    .col(integer(PlanPolicies::MaxDurationDays))
                    .col(big_integer(PlanPolicies::MinInstallmentMinor))
                    .col(integer(PlanPolicies::MaxDeferralDays))
                    .col(integer(PlanPolicies::GraceDays))
                    .col(integer(PlanPolicies::MissedToBreak))
                    .col(boolean(PlanPolicies::AllowMoveDate))
                    .col(boolean(PlanPolicies::AllowSkip))
                    .col(timestamp_with_time_zone(PlanPolicies::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PlanPolicies::Table, PlanPolicies::CreditorId)
                            .to(Creditors::Table, Creditors::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PlanPolicies::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum PlanPolicies {
    Table,
    CreditorId,
    AllowedFrequencies,
    MaxInstallments,
    MaxDurationDays,
    MinInstallmentMinor,
    MaxDeferralDays,
    GraceDays,
    MissedToBreak,
    AllowMoveDate,
    AllowSkip,
    UpdatedAt,
}
