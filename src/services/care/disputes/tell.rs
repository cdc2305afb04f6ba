//! The person tells us something is wrong: a new dispute with its hold, or one more entry on
//! the dispute already open.
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter, Set, SqlErr,
};

use super::{DisputeError, page_path};
use crate::db::begin_write;
use crate::domain::attachments::CheckedFile;
use crate::domain::care::HoldKind;
use crate::domain::disputes::{DisputeReason, DisputeStatus};
use crate::email::dispute_templates;
use crate::email::outbox;
use crate::entities::{account, creditor, dispute, dispute_entry};
use crate::services::accounts::people;
use crate::services::audit::{self, Actor, AuditEvent};
use crate::services::care::attachments::{self, AttachedTo};
use crate::services::care::holds::{self, NewHold};
use crate::services::contact::deep_links;

/// What the person wrote, checked by the form.
pub struct NewEntry {
    pub reason: DisputeReason,
    pub details: String,
    pub file: Option<CheckedFile>,
}

/// Where the entry went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Received {
    pub dispute_id: i32,
    /// True when a dispute was already open and this was added to it.
    pub added: bool,
}

/// Saves the entry, its file and (for a new dispute) the hold in one transaction, and queues
/// the "we have your message" email in it. `signed_in` is the person's debtor row: someone
/// else's account is not found. Two sends racing to open a dispute: the index lets one open
/// it and the other, tried again, adds to it.
pub async fn tell(
    db: &DatabaseConnection,
    base_url: &str,
    signed_in: i32,
    account_id: i32,
    entry: NewEntry,
    now: DateTime<Utc>,
) -> Result<Received, DisputeError> {
    let Some(holder) = people::holder_of_account(db, signed_in, account_id).await? else {
        return Err(DisputeError::NotFound);
    };
    let (account, creditor) = account::Entity::find_by_id(account_id)
        .find_also_related(creditor::Entity)
        .one(db)
        .await?
        .and_then(|(a, c)| Some((a, c?)))
        .filter(|(a, _)| a.debtor_id == holder)
        .ok_or(DisputeError::NotFound)?;
    let mut tries = 0;
    loop {
        tries += 1;
        let txn = begin_write(db).await?;
        match save(&txn, &account, &entry, now).await {
            Ok(received) => {
                let link =
                    deep_links::create(&txn, base_url, holder, &page_path(account.id), now).await?;
                let content = dispute_templates::dispute_received(
                    &creditor.display_name,
                    &account.reference,
                    &link,
                )?;
                outbox::enqueue_to_debtor(&txn, holder, content, now).await?;
                txn.commit().await?;
                return Ok(received);
            }
            Err(e) if tries == 1 && opened_meanwhile(&e) => txn.rollback().await?,
            Err(e) => return Err(e.into()),
        }
    }
}

fn opened_meanwhile(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

async fn save(
    txn: &DatabaseTransaction,
    account: &account::Model,
    entry: &NewEntry,
    now: DateTime<Utc>,
) -> Result<Received, DbErr> {
    let open = dispute::Entity::find()
        .filter(dispute::Column::AccountId.eq(account.id))
        .filter(dispute::Column::Status.eq(DisputeStatus::Open))
        .one(txn)
        .await?;
    let received = match open {
        Some(open) => Received {
            dispute_id: open.id,
            added: true,
        },
        None => Received {
            dispute_id: open_dispute(txn, account, entry.reason, now).await?,
            added: false,
        },
    };
    let attachment_id = match &entry.file {
        Some(file) => {
            let to = AttachedTo::by_person(account);
            Some(attachments::store(txn, to, file.clone(), now).await?.id)
        }
        None => None,
    };
    dispute_entry::ActiveModel {
        dispute_id: Set(received.dispute_id),
        reason: Set(entry.reason),
        details: Set(entry.details.clone()),
        attachment_id: Set(attachment_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let action = if received.added {
        "dispute.added_to"
    } else {
        "dispute.opened"
    };
    audit::record(
        txn,
        AuditEvent {
            actor: Actor::Debtor(account.debtor_id),
            creditor_id: Some(account.creditor_id),
            action,
            subject_kind: "dispute",
            subject_id: Some(received.dispute_id),
            detail: "",
        },
        now,
    )
    .await?;
    Ok(received)
}

/// A new open dispute and the hold that pauses collection until it is answered.
async fn open_dispute<C: ConnectionTrait>(
    txn: &C,
    account: &account::Model,
    reason: DisputeReason,
    now: DateTime<Utc>,
) -> Result<i32, DbErr> {
    // Staff read it on the account page and its timeline.
    let words = format!("Dispute: {}", reason.label());
    let hold = NewHold {
        account_id: account.id,
        kind: HoldKind::Dispute,
        reason: &words,
        started_by: account.debtor_id,
        until: None,
    };
    let hold = holds::start(txn, hold, now).await?;
    let row = dispute::ActiveModel {
        account_id: Set(account.id),
        debtor_id: Set(account.debtor_id),
        creditor_id: Set(account.creditor_id),
        reason: Set(reason),
        status: Set(DisputeStatus::Open),
        hold_id: Set(Some(hold.id)),
        opened_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(row.id)
}
