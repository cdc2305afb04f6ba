//! The admin's list of creditors.
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QueryOrder};

use crate::entities::creditor;

#[derive(Debug)]
pub struct CreditorSummary {
    pub id: i32,
    pub name: String,
    pub display_name: String,
    pub currency: String,
    pub contact_email: String,
}

impl From<creditor::Model> for CreditorSummary {
    fn from(c: creditor::Model) -> Self {
        Self {
            id: c.id,
            name: c.name,
            display_name: c.display_name,
            currency: c.currency,
            contact_email: c.contact_email,
        }
    }
}

pub async fn list<C: ConnectionTrait>(conn: &C) -> Result<Vec<CreditorSummary>, DbErr> {
    let rows = creditor::Entity::find()
        .order_by_asc(creditor::Column::Name)
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(CreditorSummary::from).collect())
}

pub async fn find<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
) -> Result<Option<CreditorSummary>, DbErr> {
    Ok(creditor::Entity::find_by_id(creditor_id)
        .one(conn)
        .await?
        .map(CreditorSummary::from))
}
