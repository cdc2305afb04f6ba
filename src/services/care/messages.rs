//! Message threads: one per account, between the person and the creditor's staff, with an
//! optional attachment per message. Opening a thread marks the other side's messages read.
//! When staff write, the person gets an email that says only that there is a new message,
//! with a link; the words stay on the portal.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::db::begin_write;
use crate::domain::attachments::CheckedFile;
use crate::domain::messages::MessageBody;
use crate::email::{outbox, templates};
use crate::entities::{account, attachment, creditor, debtor, message};
use crate::services::accounts::people;
use crate::services::audit::{self, Actor, AuditEvent};
use crate::services::care::attachments::{self, AttachedTo};
use crate::services::contact::deep_links;

#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    #[error("account not found for this reader")]
    NotFound,
    #[error("database error")]
    Database(#[from] DbErr),
    #[error("email could not be rendered")]
    Template(#[from] askama::Error),
}

/// Who is reading or writing a thread.
#[derive(Clone, Copy, Debug)]
pub enum Side {
    /// The signed-in person (their debtor row): any account of theirs.
    Person { signed_in: i32 },
    /// A member of one creditor's staff: that creditor's accounts only.
    Staff { creditor_id: i32, staff_id: i32 },
}

/// One message as a thread shows it.
#[derive(Clone, Debug)]
pub struct ThreadMessage {
    pub id: i32,
    pub from_staff: bool,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub attachment: Option<attachment::Model>,
}

/// A thread and the account it is about.
#[derive(Clone, Debug)]
pub struct Thread {
    pub account_id: i32,
    pub reference: String,
    pub creditor_name: String,
    pub person_name: String,
    /// The reader's time zone: the person's own, or the creditor's for staff.
    pub time_zone: String,
    /// Oldest first.
    pub messages: Vec<ThreadMessage>,
}

/// The account, when this side may see it.
async fn account_for<C: ConnectionTrait>(
    conn: &C,
    side: Side,
    account_id: i32,
) -> Result<Option<account::Model>, DbErr> {
    let query = account::Entity::find_by_id(account_id);
    match side {
        Side::Person { signed_in } => {
            if people::holder_of_account(conn, signed_in, account_id)
                .await?
                .is_none()
            {
                return Ok(None);
            }
            query.one(conn).await
        }
        Side::Staff { creditor_id, .. } => {
            query
                .filter(account::Column::CreditorId.eq(creditor_id))
                .one(conn)
                .await
        }
    }
}

/// The thread for this side, marking the other side's messages read; None when the account
/// is not theirs (the same answer as when it does not exist).
pub async fn open(
    db: &DatabaseConnection,
    side: Side,
    account_id: i32,
    now: DateTime<Utc>,
) -> Result<Option<Thread>, DbErr> {
    let Some(found) = account_for(db, side, account_id).await? else {
        return Ok(None);
    };
    mark_read(db, side, found.id, now).await?;
    let rows = message::Entity::find()
        .filter(message::Column::AccountId.eq(found.id))
        .order_by_asc(message::Column::CreatedAt)
        .order_by_asc(message::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i32> = rows.iter().filter_map(|m| m.attachment_id).collect();
    let mut files: HashMap<i32, attachment::Model> = attachment::Entity::find()
        .filter(attachment::Column::Id.is_in(ids))
        .filter(attachment::Column::ErasedAt.is_null())
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let messages = rows
        .into_iter()
        .map(|m| ThreadMessage {
            id: m.id,
            from_staff: m.staff_user_id.is_some(),
            attachment: m.attachment_id.and_then(|id| files.remove(&id)),
            body: m.body,
            created_at: m.created_at,
        })
        .collect();
    let (creditor_name, creditor_zone) = creditor::Entity::find_by_id(found.creditor_id)
        .one(db)
        .await?
        .map(|c| (c.display_name, c.time_zone))
        .unwrap_or_default();
    let (person_name, person_zone) = debtor::Entity::find_by_id(found.debtor_id)
        .one(db)
        .await?
        .map(|d| (d.full_name, d.time_zone))
        .unwrap_or_default();
    let time_zone = match side {
        Side::Person { .. } => person_zone,
        Side::Staff { .. } => creditor_zone,
    };
    Ok(Some(Thread {
        account_id: found.id,
        reference: found.reference,
        creditor_name,
        person_name,
        time_zone,
        messages,
    }))
}

/// The other side's unread messages on this account become read now.
async fn mark_read<C: ConnectionTrait>(
    conn: &C,
    side: Side,
    account_id: i32,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let written_by_other_side = match side {
        Side::Person { .. } => message::Column::StaffUserId.is_not_null(),
        Side::Staff { .. } => message::Column::StaffUserId.is_null(),
    };
    message::Entity::update_many()
        .col_expr(message::Column::ReadAt, Expr::value(now))
        .filter(message::Column::AccountId.eq(account_id))
        .filter(message::Column::ReadAt.is_null())
        .filter(written_by_other_side)
        .exec(conn)
        .await?;
    Ok(())
}

/// Adds a message (and its file, in the same transaction) to the account's thread. When
/// staff write, the person is emailed a link, never the words. `base_url` makes the link
/// absolute (never taken from a request).
pub async fn write(
    db: &DatabaseConnection,
    base_url: &str,
    side: Side,
    account_id: i32,
    body: MessageBody,
    file: Option<CheckedFile>,
    now: DateTime<Utc>,
) -> Result<i32, MessageError> {
    let txn = begin_write(db).await?;
    let found = account_for(&txn, side, account_id)
        .await?
        .ok_or(MessageError::NotFound)?;
    let (staff_user_id, attached_to) = match side {
        Side::Person { .. } => (None, AttachedTo::by_person(&found)),
        Side::Staff { staff_id, .. } => (Some(staff_id), AttachedTo::by_staff(&found, staff_id)),
    };
    let attachment_id = match file {
        Some(file) => Some(attachments::store(&txn, attached_to, file, now).await?.id),
        None => None,
    };
    let saved = message::ActiveModel {
        account_id: Set(found.id),
        debtor_id: Set(found.debtor_id),
        creditor_id: Set(found.creditor_id),
        staff_user_id: Set(staff_user_id),
        body: Set(body.into_string()),
        attachment_id: Set(attachment_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    if let Some(staff_id) = staff_user_id {
        audit::record(
            &txn,
            AuditEvent {
                actor: Actor::Staff(staff_id),
                creditor_id: Some(found.creditor_id),
                action: "account.message_sent",
                subject_kind: "account",
                subject_id: Some(found.id),
                detail: "",
            },
            now,
        )
        .await?;
        tell_the_person(&txn, base_url, &found, now).await?;
    }
    txn.commit().await?;
    Ok(saved.id)
}

/// "You have a new message", with a link that opens the thread.
async fn tell_the_person<C: ConnectionTrait>(
    conn: &C,
    base_url: &str,
    found: &account::Model,
    now: DateTime<Utc>,
) -> Result<(), MessageError> {
    let creditor_name = creditor::Entity::find_by_id(found.creditor_id)
        .one(conn)
        .await?
        .map(|c| c.display_name)
        .unwrap_or_default();
    let target = format!("/account/{}/messages", found.id);
    let link = deep_links::create(conn, base_url, found.debtor_id, &target, now).await?;
    let content = templates::new_message(&creditor_name, &link)?;
    outbox::enqueue_to_debtor(conn, found.debtor_id, content, now).await?;
    Ok(())
}

/// One thread in the staff list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadSummary {
    pub account_id: i32,
    pub reference: String,
    pub person_name: String,
    pub last_at: DateTime<Utc>,
    /// Since when the person has been waiting for an answer: their oldest message after the
    /// last one from staff. None when staff wrote last.
    pub waiting_since: Option<DateTime<Utc>>,
    pub messages: usize,
}

impl ThreadSummary {
    pub fn unanswered(&self) -> bool {
        self.waiting_since.is_some()
    }
}

/// Every thread of the creditor: unanswered ones first, longest waiting first; then the
/// rest, most recent first.
pub async fn threads<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
) -> Result<Vec<ThreadSummary>, DbErr> {
    // Only the columns the list needs (no bodies), oldest first within each account.
    let rows: Vec<(i32, Option<i32>, DateTime<Utc>)> = message::Entity::find()
        .select_only()
        .column(message::Column::AccountId)
        .column(message::Column::StaffUserId)
        .column(message::Column::CreatedAt)
        .filter(message::Column::CreditorId.eq(creditor_id))
        .order_by_asc(message::Column::AccountId)
        .order_by_asc(message::Column::CreatedAt)
        .order_by_asc(message::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    let mut by_account: Vec<ThreadSummary> = Vec::new();
    for (account_id, staff_user_id, created_at) in rows {
        if by_account.last().is_none_or(|t| t.account_id != account_id) {
            by_account.push(ThreadSummary {
                account_id,
                reference: String::new(),
                person_name: String::new(),
                last_at: created_at,
                waiting_since: None,
                messages: 0,
            });
        }
        let Some(thread) = by_account.last_mut() else {
            continue;
        };
        thread.messages += 1;
        thread.last_at = created_at;
        thread.waiting_since = match staff_user_id {
            Some(_) => None,
            None => thread.waiting_since.or(Some(created_at)),
        };
    }
    name_threads(conn, creditor_id, &mut by_account).await?;
    by_account.sort_by(|a, b| match (a.waiting_since, b.waiting_since) {
        (Some(a), Some(b)) => a.cmp(&b),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => b.last_at.cmp(&a.last_at),
    });
    Ok(by_account)
}

/// Fills in each thread's account reference and the person's name.
async fn name_threads<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
    threads: &mut [ThreadSummary],
) -> Result<(), DbErr> {
    let ids: Vec<i32> = threads.iter().map(|t| t.account_id).collect();
    let mut names: HashMap<i32, (String, String)> = HashMap::new();
    for chunk in ids.chunks(500) {
        let found = account::Entity::find()
            .filter(account::Column::Id.is_in(chunk.iter().copied()))
            .filter(account::Column::CreditorId.eq(creditor_id))
            .find_also_related(debtor::Entity)
            .all(conn)
            .await?;
        for (a, d) in found {
            names.insert(
                a.id,
                (a.reference, d.map(|d| d.full_name).unwrap_or_default()),
            );
        }
    }
    for thread in threads.iter_mut() {
        if let Some((reference, name)) = names.remove(&thread.account_id) {
            thread.reference = reference;
            thread.person_name = name;
        }
    }
    Ok(())
}
