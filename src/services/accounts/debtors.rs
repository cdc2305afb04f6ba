//! Who a debtor is, as the rest of the services need it.
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};

use crate::entities::debtor;

/// The email address on file, where receipts and notices go.
pub async fn email_of<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
) -> Result<Option<String>, DbErr> {
    Ok(debtor::Entity::find_by_id(debtor_id)
        .one(conn)
        .await?
        .map(|d| d.email))
}

/// The person's IANA time zone, for showing times as their own clock reads them.
pub async fn time_zone_of<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
) -> Result<Option<String>, DbErr> {
    Ok(debtor::Entity::find_by_id(debtor_id)
        .one(conn)
        .await?
        .map(|d| d.time_zone))
}
