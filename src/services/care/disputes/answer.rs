//! The creditor answers a dispute: upheld (an adjustment comes off the balance) or explained.
//! Either way the hold ends, the person is emailed a link, and the answer is on their page.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter,
};

use super::{DisputeError, page_path};
use crate::db::begin_write;
use crate::domain::disputes::DisputeStatus;
use crate::domain::{EntryKind, Money};
use crate::email::{dispute_templates, outbox};
use crate::entities::{account, creditor, dispute};
use crate::services::accounts::ledger::{self, NewEntry};
use crate::services::accounts::statements::{self, Scope};
use crate::services::audit::{self, Actor, AuditEvent};
use crate::services::care::holds;
use crate::services::contact::deep_links;

/// Staff of one creditor.
#[derive(Clone, Copy, Debug)]
pub struct Answerer {
    pub staff_id: i32,
    pub creditor_id: i32,
}

/// What the creditor decided.
pub enum Answer {
    /// The person is right: `adjustment` (more than zero, at most the balance) comes off the
    /// balance; `note` is any words for the person.
    Uphold {
        adjustment: Money,
        note: Option<String>,
    },
    /// The debt stands, and why.
    Explain(String),
}

/// The largest adjustment allowed: the account's balance now. None when nothing is owed.
pub async fn adjustment_limit<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
    account_id: i32,
) -> Result<Option<Money>, DisputeError> {
    let statement = statements::for_account(conn, account_id, Scope::Creditor(creditor_id))
        .await?
        .ok_or(DisputeError::NotFound)?;
    let balance = statement.explanation.balance();
    Ok(balance.is_positive().then_some(balance))
}

/// Records the answer once: a second answer (another tab, a colleague) is refused by the
/// conditional update, and changes nothing.
pub async fn answer(
    db: &DatabaseConnection,
    base_url: &str,
    who: Answerer,
    dispute_id: i32,
    decision: Answer,
    now: DateTime<Utc>,
) -> Result<(), DisputeError> {
    let txn = begin_write(db).await?;
    let found = dispute::Entity::find_by_id(dispute_id)
        .filter(dispute::Column::CreditorId.eq(who.creditor_id))
        .one(&txn)
        .await?
        .ok_or(DisputeError::NotFound)?;
    if found.status != DisputeStatus::Open {
        return Err(DisputeError::AlreadyAnswered);
    }
    let (account, creditor) = account::Entity::find_by_id(found.account_id)
        .find_also_related(creditor::Entity)
        .one(&txn)
        .await?
        .and_then(|(a, c)| Some((a, c?)))
        .ok_or(DisputeError::NotFound)?;
    let (status, words, adjustment) = match decision {
        Answer::Uphold { adjustment, note } => {
            check_adjustment(&txn, who.creditor_id, account.id, &adjustment).await?;
            (DisputeStatus::Upheld, note, Some(adjustment))
        }
        Answer::Explain(words) => (DisputeStatus::Explained, Some(words), None),
    };
    let adjustment_minor = adjustment
        .as_ref()
        .map(|a| a.negate().to_minor())
        .transpose()
        .map_err(|e| DisputeError::Ledger(e.into()))?;
    let closed = dispute::Entity::update_many()
        .col_expr(dispute::Column::Status, Expr::value(status.as_str()))
        .col_expr(dispute::Column::Answer, Expr::value(words))
        .col_expr(
            dispute::Column::AdjustmentMinor,
            Expr::value(adjustment_minor),
        )
        .col_expr(dispute::Column::AnsweredBy, Expr::value(Some(who.staff_id)))
        .col_expr(dispute::Column::AnsweredAt, Expr::value(Some(now)))
        .filter(dispute::Column::Id.eq(found.id))
        .filter(dispute::Column::Status.eq(DisputeStatus::Open))
        .exec(&txn)
        .await?;
    if closed.rows_affected != 1 {
        return Err(DisputeError::AlreadyAnswered);
    }
    if let Some(adjustment) = adjustment {
        let description = format!(
            "Taken off by {} after your dispute was upheld",
            creditor.display_name
        );
        let entry = NewEntry {
            account_id: account.id,
            kind: EntryKind::Adjustment,
            amount: adjustment.negate(),
            description: &description,
            reason: None,
            occurred_on: now.date_naive(),
        };
        ledger::append(&txn, entry, now).await?;
    }
    if let Some(hold_id) = found.hold_id {
        holds::end(&txn, hold_id, who.staff_id, now).await?;
    }
    let action = match status {
        DisputeStatus::Upheld => "dispute.upheld",
        _ => "dispute.explained",
    };
    audit::record(
        &txn,
        AuditEvent {
            actor: Actor::Staff(who.staff_id),
            creditor_id: Some(who.creditor_id),
            action,
            subject_kind: "dispute",
            subject_id: Some(found.id),
            detail: "",
        },
        now,
    )
    .await?;
    let link = deep_links::create(
        &txn,
        base_url,
        account.debtor_id,
        &page_path(account.id),
        now,
    )
    .await?;
    let content =
        dispute_templates::dispute_answered(&creditor.display_name, &account.reference, &link)?;
    outbox::enqueue_to_debtor(&txn, account.debtor_id, content, now).await?;
    txn.commit().await?;
    Ok(())
}

/// More than zero, in the account's currency, and not more than is owed.
async fn check_adjustment(
    txn: &DatabaseTransaction,
    creditor_id: i32,
    account_id: i32,
    adjustment: &Money,
) -> Result<(), DisputeError> {
    let limit = adjustment_limit(txn, creditor_id, account_id).await?;
    let too_much = |limit: &Money| {
        adjustment.currency() != limit.currency() || adjustment.amount() > limit.amount()
    };
    match limit {
        _ if !adjustment.is_positive() => Err(DisputeError::Invalid(
            "Enter an amount more than zero".to_string(),
        )),
        None => Err(DisputeError::Invalid(
            "Nothing is owed on this account, so there is nothing to take off. Explain instead"
                .to_string(),
        )),
        Some(limit) if too_much(&limit) => Err(DisputeError::Invalid(format!(
            "The adjustment cannot be more than the balance, {limit}"
        ))),
        Some(_) => Ok(()),
    }
}
