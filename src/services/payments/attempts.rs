//! Small pieces every payment step shares: moving an attempt between statuses only forward,
//! and the email address a receipt goes to.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::domain::payments::PaymentStatus;
use crate::entities::payment_attempt;

/// Moves an attempt between statuses only from the expected ones, so a late or repeated
/// message never undoes a later state.
pub(super) async fn set_status<C: ConnectionTrait>(
    conn: &C,
    attempt_id: i32,
    from: &[PaymentStatus],
    to: PaymentStatus,
    provider_ref: Option<&str>,
    message: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut update = payment_attempt::Entity::update_many()
        .col_expr(payment_attempt::Column::Status, Expr::value(to))
        .col_expr(payment_attempt::Column::UpdatedAt, Expr::value(now));
    if let Some(reference) = provider_ref {
        update = update.col_expr(
            payment_attempt::Column::ProviderRef,
            Expr::value(Some(reference)),
        );
    }
    if let Some(message) = message {
        update = update.col_expr(
            payment_attempt::Column::FailureMessage,
            Expr::value(Some(message)),
        );
    }
    let result = update
        .filter(payment_attempt::Column::Id.eq(attempt_id))
        .filter(payment_attempt::Column::Status.is_in(from.iter().copied()))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}
