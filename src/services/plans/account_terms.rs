//! One of the person's accounts with its creditor and the creditor's plan policy and reminder
//! cadence, in one query: the plan pages' budget is four statements including the session.
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ConnectionTrait, DbErr, EntityTrait, FromQueryResult, IdenStatic, Iterable, QueryResult,
};

use crate::entities::{account, creditor, plan_policy, reminder_cadence};
use crate::services::accounts::people::same_person_rows;

/// Each table's columns are read back under their own prefix.
const ACCOUNT: &str = "a_";
const CREDITOR: &str = "c_";
const POLICY: &str = "p_";
const CADENCE: &str = "r_";

#[derive(Debug)]
pub struct AccountTerms {
    pub account: account::Model,
    pub creditor: creditor::Model,
    /// No row means the defaults.
    pub policy: Option<plan_policy::Model>,
    pub cadence: Option<reminder_cadence::Model>,
}

impl FromQueryResult for AccountTerms {
    fn from_query_result(row: &QueryResult, _: &str) -> Result<Self, DbErr> {
        Ok(Self {
            account: account::Model::from_query_result(row, ACCOUNT)?,
            creditor: creditor::Model::from_query_result(row, CREDITOR)?,
            policy: plan_policy::Model::from_query_result_optional(row, POLICY)?,
            cadence: reminder_cadence::Model::from_query_result_optional(row, CADENCE)?,
        })
    }
}

/// The account if it belongs to the person behind `debtor_id` (any of their debtor rows).
pub async fn find<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
    account_id: i32,
) -> Result<Option<AccountTerms>, DbErr> {
    let mut query = Query::select();
    query
        .from(account::Entity)
        .inner_join(
            creditor::Entity,
            Expr::col((creditor::Entity, creditor::Column::Id))
                .equals((account::Entity, account::Column::CreditorId)),
        )
        .left_join(
            plan_policy::Entity,
            Expr::col((plan_policy::Entity, plan_policy::Column::CreditorId))
                .equals((account::Entity, account::Column::CreditorId)),
        )
        .left_join(
            reminder_cadence::Entity,
            Expr::col((
                reminder_cadence::Entity,
                reminder_cadence::Column::CreditorId,
            ))
            .equals((account::Entity, account::Column::CreditorId)),
        )
        .and_where(Expr::col((account::Entity, account::Column::Id)).eq(account_id))
        .and_where(
            Expr::col((account::Entity, account::Column::DebtorId))
                .in_subquery(same_person_rows(debtor_id)),
        );
    columns_of(&mut query, account::Entity, ACCOUNT);
    columns_of(&mut query, creditor::Entity, CREDITOR);
    columns_of(&mut query, plan_policy::Entity, POLICY);
    columns_of(&mut query, reminder_cadence::Entity, CADENCE);
    let statement = conn.get_database_backend().build(&query);
    AccountTerms::find_by_statement(statement).one(conn).await
}

/// Selects every column of `entity` as `{prefix}{column}`.
fn columns_of<E: EntityTrait>(query: &mut SelectStatement, entity: E, prefix: &str) {
    for column in E::Column::iter() {
        query.expr_as(
            Expr::col((entity, column)),
            format!("{prefix}{}", column.as_str()),
        );
    }
}
