//! Early-payment discount rules (set by admins) and the offers people have seen: an offer's
//! "N days from when the person first sees it" deadline is fixed when first shown.
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
                    .table(DiscountRules::Table)
                    .col(pk_auto(DiscountRules::Id))
                    .col(string_len(DiscountRules::Name, 120))
                    // Null: the rule applies to every creditor.
                    .col(integer_null(DiscountRules::CreditorId))
                    // Basis points (1000 = 10%), or a fixed amount in minor units.
                    .col(integer_null(DiscountRules::PercentBasisPoints))
                    .col(big_integer_null(DiscountRules::FixedMinor))
                    .col(char_len_null(DiscountRules::Currency, 3))
                    .col(date_null(DiscountRules::Deadline))
                    .col(integer_null(DiscountRules::DaysFromOffer))
                    .col(big_integer(DiscountRules::MinBalanceMinor).default(0))
                    .col(big_integer_null(DiscountRules::MaxDiscountMinor))
                    .col(date(DiscountRules::ActiveFrom))
                    .col(date_null(DiscountRules::ActiveTo))
                    .col(boolean(DiscountRules::Enabled).default(true))
                    .col(timestamp_with_time_zone(DiscountRules::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DiscountOffers::Table)
                    .col(pk_auto(DiscountOffers::Id))
                    .col(integer(DiscountOffers::AccountId))
                    .col(integer(DiscountOffers::RuleId))
                    .col(date(DiscountOffers::FirstSeenOn))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DiscountOffers::Table, DiscountOffers::AccountId)
                            .to(Accounts::Table, Accounts::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_discount_offers_account_rule")
                    .table(DiscountOffers::Table)
                    .col(DiscountOffers::AccountId)
                    .col(DiscountOffers::RuleId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DiscountOffers::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(DiscountRules::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum DiscountRules {
    Table,
    Id,
    Name,
    CreditorId,
    PercentBasisPoints,
    FixedMinor,
    Currency,
    Deadline,
    DaysFromOffer,
    MinBalanceMinor,
    MaxDiscountMinor,
    ActiveFrom,
    ActiveTo,
    Enabled,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DiscountOffers {
    Table,
    Id,
    AccountId,
    RuleId,
    FirstSeenOn,
}
