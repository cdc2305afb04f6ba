//! The append-only ledger. Amounts are signed integer minor units: positive adds to what is
//! owed, negative takes off. Triggers refuse UPDATE and DELETE so history cannot be rewritten,
//! even by a bug; corrections are new entries (adjustment, reversal).
use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

use crate::m20261123_000002_accounts::Accounts;

#[derive(DeriveMigrationName)]
pub struct Migration;

pub(crate) const SQLITE_GUARDS: &[&str] = &[
    "CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries \
     BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END",
    "CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries \
     BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only'); END",
];

const POSTGRES_GUARDS: &[&str] = &[
    "CREATE FUNCTION ledger_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN RAISE EXCEPTION 'ledger_entries is append-only'; END $$",
    "CREATE TRIGGER ledger_entries_no_change BEFORE UPDATE OR DELETE ON ledger_entries \
     FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only()",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LedgerEntries::Table)
                    .col(pk_auto(LedgerEntries::Id))
                    .col(integer(LedgerEntries::AccountId))
                    .col(string_len(LedgerEntries::Kind, 16))
                    .col(big_integer(LedgerEntries::AmountMinor))
                    .col(char_len(LedgerEntries::Currency, 3))
                    .col(string_len(LedgerEntries::Description, 300))
                    .col(string_len_null(LedgerEntries::Reason, 500))
                    .col(date(LedgerEntries::OccurredOn))
                    .col(timestamp_with_time_zone(LedgerEntries::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(LedgerEntries::Table, LedgerEntries::AccountId)
                            .to(Accounts::Table, Accounts::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_ledger_entries_account")
                    .table(LedgerEntries::Table)
                    .col(LedgerEntries::AccountId)
                    .to_owned(),
            )
            .await?;
        let guards = match manager.get_database_backend() {
            DbBackend::Postgres => POSTGRES_GUARDS,
            _ => SQLITE_GUARDS,
        };
        let db = manager.get_connection();
        for sql in guards {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LedgerEntries::Table).to_owned())
            .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS ledger_entries_append_only()")
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum LedgerEntries {
    Table,
    Id,
    AccountId,
    Kind,
    AmountMinor,
    Currency,
    Description,
    Reason,
    OccurredOn,
    CreatedAt,
}
