//! The background worker for one CSV import: a tokio task started when staff choose to
//! import. Progress is written to the imports table after every batch, so any app instance
//! can show it. If the process stops mid-way, batches already committed stay (each is whole),
//! and importing the same file again finishes the rest without changing those accounts.
use chrono::Utc;
use sea_orm::DatabaseConnection;

use crate::services::staff::imports;

pub fn spawn(db: DatabaseConnection, import_id: i32) {
    tokio::spawn(async move {
        match imports::run(&db, import_id, Utc::now()).await {
            Ok(Some(summary)) => tracing::info!(import_id, ?summary, "import finished"),
            Ok(None) => {}
            Err(error) => tracing::warn!(import_id, error = %error, "import failed"),
        }
    });
}
