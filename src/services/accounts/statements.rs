//! A debtor's accounts with every ledger entry explained. Two queries whatever the number of
//! accounts or entries: accounts with their creditor, then all their entries at once.
use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QueryResult, Select,
};

use crate::domain::{BalanceExplanation, Currency, LedgerItem, Money, MoneyError};
use crate::entities::{account, creditor, ledger_entry};
use crate::services::care::holds::HoldsInForce;

#[derive(Debug, thiserror::Error)]
pub enum StatementError {
    #[error("database error")]
    Database(#[from] DbErr),
    #[error("stored amounts do not add up")]
    Money(#[from] MoneyError),
}

/// Who is owed, for what, and how the balance is made up.
#[derive(Debug)]
pub struct Statement {
    pub account_id: i32,
    pub reference: String,
    pub description: String,
    pub creditor: CreditorContact,
    pub explanation: BalanceExplanation,
    /// A dispute or breathing space in force now (read with the account, no extra query).
    pub holds: HoldsInForce,
}

#[derive(Clone, Debug)]
pub struct CreditorContact {
    pub id: i32,
    pub display_name: String,
    pub email: String,
    pub phone: String,
}

impl From<creditor::Model> for CreditorContact {
    fn from(c: creditor::Model) -> Self {
        Self {
            id: c.id,
            display_name: c.display_name,
            email: c.contact_email,
            phone: c.contact_phone,
        }
    }
}

/// Every account of the person behind one debtor row, at every creditor, grouped by creditor
/// then reference.
pub async fn for_debtor<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
) -> Result<Vec<Statement>, StatementError> {
    let accounts = account::Entity::find()
        .filter(account::Column::DebtorId.in_subquery(super::people::same_person_rows(debtor_id)))
        .order_by_asc(account::Column::CreditorId)
        .order_by_asc(account::Column::Reference);
    build(conn, with_creditor_and_holds(accounts, conn).await?).await
}

/// One account, only if it belongs to the given debtor (or, for staff, to the creditor).
pub async fn for_account<C: ConnectionTrait>(
    conn: &C,
    account_id: i32,
    scope: Scope,
) -> Result<Option<Statement>, StatementError> {
    let mut query = account::Entity::find_by_id(account_id);
    query = match scope {
        Scope::Debtor(id) => query.filter(account::Column::DebtorId.eq(id)),
        Scope::Creditor(id) => query.filter(account::Column::CreditorId.eq(id)),
    };
    let accounts = with_creditor_and_holds(query, conn).await?;
    Ok(build(conn, accounts).await?.into_iter().next())
}

/// Whose view a query is scoped to.
#[derive(Clone, Copy, Debug)]
pub enum Scope {
    Debtor(i32),
    Creditor(i32),
}

/// An account row with the holds in force on it.
struct HeldAccount {
    account: account::Model,
    holds: HoldsInForce,
}

/// sea-orm names the first model's columns `A_…` in a joined select.
const ACCOUNT_PREFIX: &str = "A_";

impl FromQueryResult for HeldAccount {
    fn from_query_result(row: &QueryResult, prefix: &str) -> Result<Self, DbErr> {
        Ok(Self {
            account: account::Model::from_query_result(row, prefix)?,
            holds: HoldsInForce::read(row, prefix)?,
        })
    }
}

/// The accounts with their creditor and holds in force: one query.
async fn with_creditor_and_holds<C: ConnectionTrait>(
    accounts: Select<account::Entity>,
    conn: &C,
) -> Result<Vec<(HeldAccount, Option<creditor::Model>)>, DbErr> {
    let joined = accounts.find_also_related(creditor::Entity);
    HoldsInForce::select_with(joined, Utc::now(), ACCOUNT_PREFIX)
        .into_model::<HeldAccount, creditor::Model>()
        .all(conn)
        .await
}

async fn build<C: ConnectionTrait>(
    conn: &C,
    accounts: Vec<(HeldAccount, Option<creditor::Model>)>,
) -> Result<Vec<Statement>, StatementError> {
    let ids: Vec<i32> = accounts.iter().map(|(a, _)| a.account.id).collect();
    let mut entries = entries_by_account(conn, ids).await?;
    let mut statements = Vec::with_capacity(accounts.len());
    for (HeldAccount { account, holds }, creditor) in accounts {
        let Some(creditor) = creditor else { continue };
        let rows = entries.remove(&account.id).unwrap_or_default();
        statements.push(Statement {
            account_id: account.id,
            explanation: explain(&account, rows)?,
            reference: account.reference,
            description: account.description,
            creditor: creditor.into(),
            holds,
        });
    }
    Ok(statements)
}

/// The account's balance with every entry explained: one query, for pages that load the
/// account row themselves.
pub async fn explanation_of<C: ConnectionTrait>(
    conn: &C,
    account: &account::Model,
) -> Result<BalanceExplanation, StatementError> {
    let rows = entries_by_account(conn, vec![account.id])
        .await?
        .remove(&account.id)
        .unwrap_or_default();
    explain(account, rows)
}

fn explain(
    account: &account::Model,
    rows: Vec<ledger_entry::Model>,
) -> Result<BalanceExplanation, StatementError> {
    let currency = Currency::parse(&account.currency)?;
    let items = rows
        .into_iter()
        .map(to_item)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(crate::domain::balance::explain(currency, items)?)
}

async fn entries_by_account<C: ConnectionTrait>(
    conn: &C,
    ids: Vec<i32>,
) -> Result<HashMap<i32, Vec<ledger_entry::Model>>, DbErr> {
    let mut grouped: HashMap<i32, Vec<ledger_entry::Model>> = HashMap::new();
    if ids.is_empty() {
        return Ok(grouped);
    }
    let rows = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::AccountId.is_in(ids))
        .order_by_asc(ledger_entry::Column::OccurredOn)
        .order_by_asc(ledger_entry::Column::Id)
        .all(conn)
        .await?;
    for row in rows {
        grouped.entry(row.account_id).or_default().push(row);
    }
    Ok(grouped)
}

fn to_item(row: ledger_entry::Model) -> Result<LedgerItem, StatementError> {
    // `explain` refuses an entry whose currency differs from the account's.
    Ok(LedgerItem {
        id: i64::from(row.id),
        date: row.occurred_on,
        kind: row.kind,
        amount: Money::from_minor(row.amount_minor.0, Currency::parse(&row.currency)?),
        description: row.description,
        reason: row.reason,
    })
}
