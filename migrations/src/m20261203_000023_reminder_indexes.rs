//! Indexes for the reminder scheduler, so each kind of reminder is one indexed range query
//! over the portfolio rather than a scan: installments, missed or not, by due date (upcoming
//! payments and the follow-up after a miss); plans by status and last change (broken,
//! completed, ended); pay-later plans by their date.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (name, table, columns)
const INDEXES: [(&str, &str, &[&str]); 3] = [
    (
        "idx_installments_missed_due_on",
        "installments",
        &["missed", "due_on", "id"],
    ),
    (
        "idx_plans_status_updated",
        "plans",
        &["status", "updated_at"],
    ),
    ("idx_plans_defer_until", "plans", &["defer_until"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, columns) in INDEXES {
            let mut index = Index::create();
            index.name(name).table(Alias::new(table));
            for column in columns {
                index.col(Alias::new(*column));
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in INDEXES {
            manager
                .drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
