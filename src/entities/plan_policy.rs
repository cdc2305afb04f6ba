use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "plan_policies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub creditor_id: i32,
    /// Comma-separated frequency codes.
    pub allowed_frequencies: String,
    pub max_installments: i32,
    pub max_duration_days: i32,
    pub min_installment_minor: i64,
    pub max_deferral_days: i32,
    pub grace_days: i32,
    pub missed_to_break: i32,
    pub allow_move_date: bool,
    pub allow_skip: bool,
    /// The longest breathing space a person may take by themselves.
    pub breathing_space_max_days: i32,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
