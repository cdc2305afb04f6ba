//! Who did what to which record, and when. Ids only: no personal data in the detail.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(pk_auto(AuditLog::Id))
                    .col(string_len(AuditLog::ActorKind, 16))
                    .col(integer_null(AuditLog::ActorId))
                    .col(integer_null(AuditLog::CreditorId))
                    .col(string_len(AuditLog::Action, 64))
                    .col(string_len(AuditLog::SubjectKind, 32))
                    .col(integer_null(AuditLog::SubjectId))
                    .col(string_len(AuditLog::Detail, 500))
                    .col(timestamp_with_time_zone(AuditLog::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_log_creditor_time")
                    .table(AuditLog::Table)
                    .col(AuditLog::CreditorId)
                    .col(AuditLog::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditLog::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    ActorKind,
    ActorId,
    CreditorId,
    Action,
    SubjectKind,
    SubjectId,
    Detail,
    CreatedAt,
}
