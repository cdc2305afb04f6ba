//! A debtor's accounts with every ledger entry explained. Two queries whatever the number of
//! accounts or entries: accounts with their creditor, then all their entries at once.
use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use crate::domain::{BalanceExplanation, Currency, LedgerItem, Money, MoneyError};
use crate::entities::{account, creditor, ledger_entry};

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
        .find_also_related(creditor::Entity)
        .order_by_asc(account::Column::CreditorId)
        .order_by_asc(account::Column::Reference)
        .all(conn)
        .await?;
    build(conn, accounts).await
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
    let accounts = query.find_also_related(creditor::Entity).all(conn).await?;
    Ok(build(conn, accounts).await?.into_iter().next())
}

/// Whose view a query is scoped to.
#[derive(Clone, Copy, Debug)]
pub enum Scope {
    Debtor(i32),
    Creditor(i32),
}

async fn build<C: ConnectionTrait>(
    conn: &C,
    accounts: Vec<(account::Model, Option<creditor::Model>)>,
) -> Result<Vec<Statement>, StatementError> {
    let ids: Vec<i32> = accounts.iter().map(|(a, _)| a.id).collect();
    let mut entries = entries_by_account(conn, ids).await?;
    let mut statements = Vec::with_capacity(accounts.len());
    for (account, creditor) in accounts {
        let Some(creditor) = creditor else { continue };
        let currency = Currency::parse(&account.currency)?;
        let items = entries.remove(&account.id).unwrap_or_default();
        let items = items
            .into_iter()
            .map(to_item)
            .collect::<Result<Vec<_>, _>>()?;
        statements.push(Statement {
            account_id: account.id,
            reference: account.reference,
            description: account.description,
            creditor: creditor.into(),
            explanation: crate::domain::balance::explain(currency, items)?,
        });
    }
    Ok(statements)
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
