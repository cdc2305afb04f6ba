//! A creditor's own accounts: searchable, paginated, with each balance. Every query here is
//! filtered by the creditor id of the signed-in staff member.
use std::collections::HashMap;

use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, ExprTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use crate::domain::{Currency, Money, MoneyError};
use crate::entities::{account, debtor, ledger_entry};

pub const PAGE_SIZE: u64 = 25;

#[derive(Debug, thiserror::Error)]
pub enum PortfolioError {
    #[error("database error")]
    Database(#[from] DbErr),
    #[error("stored amounts are not valid")]
    Money(#[from] MoneyError),
}

#[derive(Debug)]
pub struct AccountRow {
    pub account_id: i32,
    pub reference: String,
    pub debtor_name: String,
    pub balance: Money,
}

#[derive(Debug)]
pub struct AccountPage {
    pub rows: Vec<AccountRow>,
    /// 1-based.
    pub page: u64,
    pub pages: u64,
    pub total: u64,
}

pub async fn search<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
    query: &str,
    page: u64,
) -> Result<AccountPage, PortfolioError> {
    let mut select = account::Entity::find()
        .find_also_related(debtor::Entity)
        .filter(account::Column::CreditorId.eq(creditor_id))
        .order_by_asc(account::Column::Reference);
    let query = query.trim();
    if !query.is_empty() {
        select = select.filter(matches(query));
    }
    let paginator = select.paginate(conn, PAGE_SIZE);
    let counts = paginator.num_items_and_pages().await?;
    let pages = std::cmp::Ord::max(counts.number_of_pages, 1);
    let page = page.clamp(1, pages);
    let found = paginator.fetch_page(page - 1).await?;
    let balances = balances(conn, found.iter().map(|(a, _)| a.id).collect()).await?;
    let rows = found
        .into_iter()
        .map(|(a, d)| {
            let minor = balances.get(&a.id).copied().unwrap_or(0);
            Ok(AccountRow {
                balance: Money::from_minor(minor, Currency::parse(&a.currency)?),
                account_id: a.id,
                reference: a.reference,
                debtor_name: d.map(|d| d.full_name).unwrap_or_default(),
            })
        })
        .collect::<Result<Vec<_>, MoneyError>>()?;
    Ok(AccountPage {
        rows,
        page,
        pages,
        total: counts.number_of_items,
    })
}

/// Reference, name or email containing the text, ignoring case on every database.
fn matches(query: &str) -> Condition {
    let pattern = format!("%{}%", escape_like(&query.to_lowercase()));
    let lower = |col: Expr| Expr::expr(Func::lower(col)).like(pattern.clone());
    Condition::any()
        .add(lower(Expr::col((
            account::Entity,
            account::Column::Reference,
        ))))
        .add(lower(Expr::col((debtor::Entity, debtor::Column::FullName))))
        .add(lower(Expr::col((debtor::Entity, debtor::Column::Email))))
}

fn escape_like(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '%' | '_' | '\\'))
        .collect()
}

/// Sum of ledger entries per account, in one grouped query.
async fn balances<C: ConnectionTrait>(conn: &C, ids: Vec<i32>) -> Result<HashMap<i32, i64>, DbErr> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i32, i64)> = ledger_entry::Entity::find()
        .select_only()
        .column(ledger_entry::Column::AccountId)
        // PostgreSQL sums BIGINT into NUMERIC; cast back so both databases give an i64.
        .column_as(Expr::cust("CAST(SUM(amount_minor) AS BIGINT)"), "total")
        .filter(ledger_entry::Column::AccountId.is_in(ids))
        .group_by(ledger_entry::Column::AccountId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().collect())
}
