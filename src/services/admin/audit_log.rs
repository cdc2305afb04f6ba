//! Reading the audit log: filters, pages of 50, and a CSV export with the same filters.
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};

use crate::domain::audit::ActorKind;
use crate::entities::{audit_log, creditor, staff_user};

pub const PAGE_SIZE: u64 = 50;
/// The most rows one CSV download holds; narrow the filters for more.
pub const CSV_LIMIT: u64 = 100_000;

/// The filters, already checked: dates are whole days in UTC, both ends included.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub action_contains: Option<String>,
    pub actor_kind: Option<ActorKind>,
    pub creditor_id: Option<i32>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

#[derive(Clone, Debug)]
pub struct AuditRow {
    pub id: i32,
    pub at: DateTime<Utc>,
    pub actor_kind: ActorKind,
    pub actor_id: Option<i32>,
    /// The staff member's email, when the actor is staff.
    pub actor_email: Option<String>,
    pub creditor_id: Option<i32>,
    pub creditor_name: Option<String>,
    pub action: String,
    pub subject_kind: String,
    pub subject_id: Option<i32>,
    pub detail: String,
}

pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    pub total: u64,
    pub page: u64,
    pub pages: u64,
}

fn filtered(filter: &AuditFilter) -> Select<audit_log::Entity> {
    let mut condition = Condition::all();
    if let Some(text) = filter.action_contains.as_deref() {
        condition = condition.add(audit_log::Column::Action.contains(text.to_lowercase()));
    }
    if let Some(kind) = filter.actor_kind {
        condition = condition.add(audit_log::Column::ActorKind.eq(kind));
    }
    if let Some(id) = filter.creditor_id {
        condition = condition.add(audit_log::Column::CreditorId.eq(id));
    }
    if let Some(from) = filter.from.and_then(|d| d.and_hms_opt(0, 0, 0)) {
        condition = condition.add(audit_log::Column::CreatedAt.gte(from.and_utc()));
    }
    if let Some(next_day) = filter
        .to
        .and_then(|d| d.succ_opt())
        .and_then(|d| d.and_hms_opt(0, 0, 0))
    {
        condition = condition.add(audit_log::Column::CreatedAt.lt(next_day.and_utc()));
    }
    audit_log::Entity::find()
        .filter(condition)
        .order_by_desc(audit_log::Column::CreatedAt)
        .order_by_desc(audit_log::Column::Id)
}

async fn named(
    db: &DatabaseConnection,
    rows: Vec<audit_log::Model>,
) -> Result<Vec<AuditRow>, DbErr> {
    let staff_ids: Vec<i32> = rows
        .iter()
        .filter(|r| r.actor_kind == ActorKind::Staff)
        .filter_map(|r| r.actor_id)
        .collect();
    let emails: HashMap<i32, String> = if staff_ids.is_empty() {
        HashMap::new()
    } else {
        staff_user::Entity::find()
            .filter(staff_user::Column::Id.is_in(staff_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.email))
            .collect()
    };
    let creditors: HashMap<i32, String> = creditor::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.display_name))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| AuditRow {
            actor_email: (r.actor_kind == ActorKind::Staff)
                .then(|| r.actor_id.and_then(|id| emails.get(&id).cloned()))
                .flatten(),
            creditor_name: r.creditor_id.and_then(|id| creditors.get(&id).cloned()),
            id: r.id,
            at: r.created_at,
            actor_kind: r.actor_kind,
            actor_id: r.actor_id,
            creditor_id: r.creditor_id,
            action: r.action,
            subject_kind: r.subject_kind,
            subject_id: r.subject_id,
            detail: r.detail,
        })
        .collect())
}

/// One page, newest first. A page past the end shows the last page.
pub async fn page(
    db: &DatabaseConnection,
    filter: &AuditFilter,
    page: u64,
) -> Result<AuditPage, DbErr> {
    let total = filtered(filter).count(db).await?;
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = page.clamp(1, pages);
    let rows = filtered(filter)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
        .all(db)
        .await?;
    Ok(AuditPage {
        rows: named(db, rows).await?,
        total,
        page,
        pages,
    })
}

pub async fn csv(db: &DatabaseConnection, filter: &AuditFilter) -> Result<String, DbErr> {
    let rows = filtered(filter).limit(CSV_LIMIT).all(db).await?;
    let rows = named(db, rows).await?;
    let mut out = String::from(
        "id,when_utc,actor_kind,actor_id,actor_email,creditor_id,creditor,action,subject_kind,subject_id,detail\n",
    );
    let id = |v: Option<i32>| v.map(|v| v.to_string()).unwrap_or_default();
    for row in rows {
        let cells = [
            row.id.to_string(),
            row.at.to_rfc3339(),
            row.actor_kind.to_string(),
            id(row.actor_id),
            row.actor_email.unwrap_or_default(),
            id(row.creditor_id),
            row.creditor_name.unwrap_or_default(),
            row.action,
            row.subject_kind,
            id(row.subject_id),
            row.detail,
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    Ok(out)
}

/// A cell a spreadsheet will not run as a formula: a leading =, +, -, @, tab or carriage
/// return gets an apostrophe; commas, quotes and line breaks are quoted.
pub fn csv_cell(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn formula_cells_are_defused_and_quoted() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("@SUM"), "'@SUM");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("plain"), "plain");
    }
}
