//! One person, several accounts; and where each ledger entry came from.
//!
//! `people` is who someone is across creditors: a normalised email (trimmed, lower case) and
//! the keyed hash of their date of birth, unique together. Each creditor's `debtors` row points
//! at its person, so one sign-in shows every account of that person. Existing rows are linked
//! here, duplicates included (two rows with the same email and date of birth become one person).
//!
//! `ledger_entries.origin` says whether an entry came from the creditor's own records (the
//! items of an imported file, later import adjustments, the demo data) or was booked in the
//! portal (payments, discounts, refunds). A re-import compares the file only with the
//! creditor's entries, so payments made in the portal are never undone. Existing entries are
//! classified by how the import wrote them: in the same instant as their account, or as an
//! adjustment with the import's description. Everything else stays "portal".
//!
//! `imports.preview` keeps what a checked import would change, for staff to confirm.
use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

use crate::m20261123_000003_ledger::SQLITE_GUARDS;

#[derive(DeriveMigrationName)]
pub struct Migration;

const LINK_PEOPLE: &[&str] = &[
    "INSERT INTO people (email_normalised, dob_hash, created_at) \
     SELECT LOWER(TRIM(email)), dob_hash, MIN(created_at) FROM debtors \
     GROUP BY LOWER(TRIM(email)), dob_hash",
    "UPDATE debtors SET person_id = (SELECT p.id FROM people p \
     WHERE p.email_normalised = LOWER(TRIM(debtors.email)) AND p.dob_hash = debtors.dob_hash)",
];

const CLASSIFY_ENTRIES: &str = "UPDATE ledger_entries SET origin = 'creditor' \
     WHERE created_at = (SELECT a.created_at FROM accounts a WHERE a.id = ledger_entries.account_id) \
     OR (kind = 'adjustment' AND description LIKE 'Balance updated by the account import of %')";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction on SQLite too: the ledger's guard is lifted and put back on the same
    /// connection, and a failure leaves the schema as it was.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let db = manager.get_connection();
        manager
            .create_table(
                Table::create()
                    .table(People::Table)
                    .col(pk_auto(People::Id))
                    .col(string_len(People::EmailNormalised, 254))
                    .col(char_len(People::DobHash, 64))
                    .col(timestamp_with_time_zone(People::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_people_identity")
                    .table(People::Table)
                    .col(People::EmailNormalised)
                    .col(People::DobHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // SQLite cannot drop a column that is part of a foreign key, so `down` could not
        // undo it there; PostgreSQL checks the link.
        let person_column = match backend {
            DbBackend::Postgres => {
                "ALTER TABLE debtors ADD COLUMN person_id INTEGER NULL REFERENCES people (id)"
            }
            _ => "ALTER TABLE debtors ADD COLUMN person_id INTEGER NULL",
        };
        db.execute_unprepared(person_column).await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_debtors_person")
                    .table(Debtors::Table)
                    .col(Debtors::PersonId)
                    .to_owned(),
            )
            .await?;
        for sql in LINK_PEOPLE {
            db.execute_unprepared(sql).await?;
        }

        manager
            .alter_table(
                Table::alter()
                    .table(LedgerEntries::Table)
                    .add_column(string_len(LedgerEntries::Origin, 16).default("portal"))
                    .to_owned(),
            )
            .await?;
        classify_existing_entries(manager).await?;

        manager
            .alter_table(
                Table::alter()
                    .table(Imports::Table)
                    .add_column(text_null(Imports::Preview))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Imports::Table)
                    .drop_column(Imports::Preview)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(LedgerEntries::Table)
                    .drop_column(LedgerEntries::Origin)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_debtors_person")
                    .table(Debtors::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Debtors::Table)
                    .drop_column(Debtors::PersonId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(People::Table).to_owned())
            .await
    }
}

/// The ledger refuses updates, even here; the guard is lifted only for this one statement,
/// which fills the new column and changes no amount.
async fn classify_existing_entries(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    match manager.get_database_backend() {
        DbBackend::Postgres => {
            db.execute_unprepared(
                "ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_no_change",
            )
            .await?;
            db.execute_unprepared(CLASSIFY_ENTRIES).await?;
            db.execute_unprepared(
                "ALTER TABLE ledger_entries ENABLE TRIGGER ledger_entries_no_change",
            )
            .await?;
        }
        _ => {
            db.execute_unprepared("DROP TRIGGER ledger_entries_no_update")
                .await?;
            db.execute_unprepared(CLASSIFY_ENTRIES).await?;
            db.execute_unprepared(SQLITE_GUARDS[0]).await?;
        }
    }
    Ok(())
}

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
    EmailNormalised,
    DobHash,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Debtors {
    Table,
    PersonId,
}

#[derive(DeriveIden)]
enum LedgerEntries {
    Table,
    Origin,
}

#[derive(DeriveIden)]
enum Imports {
    Table,
    Preview,
}
