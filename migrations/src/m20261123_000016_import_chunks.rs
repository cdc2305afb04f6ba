//! The accounts a checked import will create, in chunks of one batch each. One big JSON value
//! per import meant holding the whole file's accounts in memory twice (text and parsed) while
//! importing; chunks are read one at a time. Deleted when the import finishes.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ImportChunks::Table)
                    .col(pk_auto(ImportChunks::Id))
                    .col(integer(ImportChunks::ImportId))
                    .col(integer(ImportChunks::Seq))
                    .col(text(ImportChunks::Payload))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ImportChunks::Table, ImportChunks::ImportId)
                            .to(Imports::Table, Imports::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_import_chunks_import_seq")
                    .table(ImportChunks::Table)
                    .col(ImportChunks::ImportId)
                    .col(ImportChunks::Seq)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ImportChunks::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ImportChunks {
    Table,
    Id,
    ImportId,
    Seq,
    Payload,
}

#[derive(DeriveIden)]
enum Imports {
    Table,
    Id,
}
