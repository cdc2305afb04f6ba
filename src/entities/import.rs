use sea_orm::entity::prelude::*;

use crate::domain::import::ImportStatus;

/// A CSV import: the checked file's report, then the background job's progress and outcome.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "imports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub creditor_id: i32,
    pub staff_user_id: i32,
    pub file_name: String,
    pub status: ImportStatus,
    pub only_valid: bool,
    pub total_rows: i64,
    pub invalid_rows: i64,
    pub total_accounts: i64,
    pub valid_accounts: i64,
    pub problem_count: i64,
    /// JSON list of the first problems found.
    #[sea_orm(column_type = "Text")]
    pub problems: String,
    /// Only for imports checked before chunked storage; new imports keep their accounts in `import_chunks`.
    #[sea_orm(column_type = "Text", nullable)]
    pub payload: Option<String>,
    pub processed: i64,
    pub created: i64,
    pub adjusted: i64,
    pub unchanged: i64,
    pub skipped: i64,
    pub error: Option<String>,
    /// JSON: what the import would change, worked out when the file was checked.
    #[sea_orm(column_type = "Text", nullable)]
    pub preview: Option<String>,
    pub created_at: DateTimeUtc,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
