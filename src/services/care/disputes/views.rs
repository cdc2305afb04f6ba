//! What people and staff see of disputes: the person's latest dispute on an account, the
//! creditor's queue (open ones oldest first, then recently answered) and one dispute in full.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::DisputeError;
use crate::domain::disputes::{DisputeReason, DisputeStatus};
use crate::domain::{Currency, Money};
use crate::entities::{account, attachment, creditor, debtor, dispute, dispute_entry};
use crate::services::accounts::people;
use crate::services::accounts::statements::{self, Scope};

/// How many answered disputes the queue lists under the open ones.
const RECENTLY_ANSWERED: u64 = 20;

/// A file attached to an entry: the page links to it by id.
#[derive(Clone, Debug)]
pub struct FileLink {
    pub id: i32,
    pub file_name: String,
}

/// One thing the person said.
#[derive(Clone, Debug)]
pub struct EntryView {
    pub reason: DisputeReason,
    pub details: String,
    pub file: Option<FileLink>,
    pub created_at: DateTime<Utc>,
}

/// A dispute with what was said and, once answered, the answer.
#[derive(Clone, Debug)]
pub struct DisputeView {
    pub id: i32,
    pub account_id: i32,
    pub status: DisputeStatus,
    pub opened_at: DateTime<Utc>,
    pub entries: Vec<EntryView>,
    pub answer: Option<String>,
    /// What came off the balance when upheld.
    pub adjustment: Option<Money>,
    pub answered_at: Option<DateTime<Utc>>,
}

/// The person's side of one account: whose it is, and their newest dispute on it.
pub struct PersonDisputes {
    pub reference: String,
    pub creditor_name: String,
    /// Open or answered; none when they never disputed it.
    pub latest: Option<DisputeView>,
}

/// Not found when it is not the person's account.
pub async fn for_person<C: ConnectionTrait>(
    conn: &C,
    signed_in: i32,
    account_id: i32,
) -> Result<PersonDisputes, DisputeError> {
    let Some(holder) = people::holder_of_account(conn, signed_in, account_id).await? else {
        return Err(DisputeError::NotFound);
    };
    let Some((found, Some(owner))) = account::Entity::find_by_id(account_id)
        .find_also_related(creditor::Entity)
        .one(conn)
        .await?
    else {
        return Err(DisputeError::NotFound);
    };
    let newest = dispute::Entity::find()
        .filter(dispute::Column::AccountId.eq(account_id))
        .filter(dispute::Column::DebtorId.eq(holder))
        .order_by_desc(dispute::Column::Id)
        .one(conn)
        .await?;
    let latest = match newest {
        Some(newest) => Some(view(conn, newest).await?),
        None => None,
    };
    Ok(PersonDisputes {
        reference: found.reference,
        creditor_name: owner.display_name,
        latest,
    })
}

async fn view<C: ConnectionTrait>(
    conn: &C,
    found: dispute::Model,
) -> Result<DisputeView, DisputeError> {
    let entries = dispute_entry::Entity::find()
        .filter(dispute_entry::Column::DisputeId.eq(found.id))
        .order_by_asc(dispute_entry::Column::Id)
        .all(conn)
        .await?;
    let file_ids: Vec<i32> = entries.iter().filter_map(|e| e.attachment_id).collect();
    let files: HashMap<i32, attachment::Model> = if file_ids.is_empty() {
        HashMap::new()
    } else {
        attachment::Entity::find()
            .filter(attachment::Column::Id.is_in(file_ids))
            .filter(attachment::Column::ErasedAt.is_null())
            .all(conn)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect()
    };
    let currency = account::Entity::find_by_id(found.account_id)
        .one(conn)
        .await?
        .and_then(|a| Currency::parse(&a.currency).ok());
    let adjustment = match (found.adjustment_minor, currency) {
        (Some(minor), Some(currency)) => Some(Money::from_minor(minor, currency).abs()),
        _ => None,
    };
    Ok(DisputeView {
        id: found.id,
        account_id: found.account_id,
        status: found.status,
        opened_at: found.opened_at,
        entries: entries
            .into_iter()
            .map(|e| EntryView {
                reason: e.reason,
                details: e.details,
                file: e
                    .attachment_id
                    .and_then(|id| files.get(&id))
                    .map(|a| FileLink {
                        id: a.id,
                        file_name: a.file_name.clone(),
                    }),
                created_at: e.created_at,
            })
            .collect(),
        answer: found.answer,
        adjustment,
        answered_at: found.answered_at,
    })
}

/// One line of the creditor's queue.
#[derive(Clone, Debug)]
pub struct QueueRow {
    pub id: i32,
    pub account_id: i32,
    pub reference: String,
    pub name: String,
    pub reason: DisputeReason,
    pub status: DisputeStatus,
    pub opened_at: DateTime<Utc>,
    /// Whole days since it was opened.
    pub age_days: i64,
    pub answered_at: Option<DateTime<Utc>>,
}

pub struct StaffQueue {
    /// Oldest first: the longest wait is answered first.
    pub open: Vec<QueueRow>,
    /// Newest answer first.
    pub answered: Vec<QueueRow>,
}

pub async fn queue<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
    now: DateTime<Utc>,
) -> Result<StaffQueue, DbErr> {
    let open = dispute::Entity::find()
        .filter(dispute::Column::CreditorId.eq(creditor_id))
        .filter(dispute::Column::Status.eq(DisputeStatus::Open))
        .order_by_asc(dispute::Column::OpenedAt)
        .order_by_asc(dispute::Column::Id)
        .all(conn)
        .await?;
    let answered = dispute::Entity::find()
        .filter(dispute::Column::CreditorId.eq(creditor_id))
        .filter(dispute::Column::Status.ne(DisputeStatus::Open))
        .order_by_desc(dispute::Column::AnsweredAt)
        .order_by_desc(dispute::Column::Id)
        .limit(RECENTLY_ANSWERED)
        .all(conn)
        .await?;
    let account_ids: Vec<i32> = open.iter().chain(&answered).map(|d| d.account_id).collect();
    let accounts: HashMap<i32, (account::Model, Option<debtor::Model>)> = if account_ids.is_empty()
    {
        HashMap::new()
    } else {
        account::Entity::find()
            .filter(account::Column::Id.is_in(account_ids))
            .filter(account::Column::CreditorId.eq(creditor_id))
            .find_also_related(debtor::Entity)
            .all(conn)
            .await?
            .into_iter()
            .map(|(a, d)| (a.id, (a, d)))
            .collect()
    };
    let row = |d: dispute::Model| {
        let (reference, name) = accounts
            .get(&d.account_id)
            .map(|(a, p)| {
                let name = p.as_ref().map(|p| p.full_name.clone()).unwrap_or_default();
                (a.reference.clone(), name)
            })
            .unwrap_or_default();
        QueueRow {
            id: d.id,
            account_id: d.account_id,
            reference,
            name,
            reason: d.reason,
            status: d.status,
            opened_at: d.opened_at,
            age_days: (now - d.opened_at).num_days().max(0),
            answered_at: d.answered_at,
        }
    };
    Ok(StaffQueue {
        open: open.into_iter().map(row).collect(),
        answered: answered.into_iter().map(row).collect(),
    })
}

/// One dispute as staff see it, with the account's reference, the person's name and the
/// balance now.
pub struct StaffView {
    pub dispute: DisputeView,
    pub reference: String,
    pub name: String,
    pub balance: Money,
}

/// None when the dispute is not this creditor's (or does not exist).
pub async fn for_staff<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
    dispute_id: i32,
) -> Result<Option<StaffView>, DisputeError> {
    let Some(found) = dispute::Entity::find_by_id(dispute_id)
        .filter(dispute::Column::CreditorId.eq(creditor_id))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let statement = statements::for_account(conn, found.account_id, Scope::Creditor(creditor_id))
        .await?
        .ok_or(DisputeError::NotFound)?;
    let name = debtor::Entity::find_by_id(found.debtor_id)
        .one(conn)
        .await?
        .map(|d| d.full_name)
        .unwrap_or_default();
    Ok(Some(StaffView {
        dispute: view(conn, found).await?,
        reference: statement.reference,
        name,
        balance: statement.explanation.balance(),
    }))
}
