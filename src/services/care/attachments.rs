//! Attachments to disputes and messages: stored in the database (outside the web root, the
//! same for every instance, and inside the transaction that records what they belong to),
//! and served only to the person whose account it is and that creditor's staff.
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, Set};
use sha2::{Digest, Sha256};

use crate::domain::attachments::CheckedFile;
use crate::entities::{account, attachment, attachment_content};
use crate::services::accounts::people;

/// Whose account an attachment is for, and who attached it.
#[derive(Clone, Copy, Debug)]
pub struct AttachedTo {
    pub account_id: i32,
    pub debtor_id: i32,
    pub creditor_id: i32,
    /// None when the person attached it.
    pub staff_user_id: Option<i32>,
}

impl AttachedTo {
    /// For the person who holds `account`.
    pub fn by_person(account: &account::Model) -> Self {
        AttachedTo {
            account_id: account.id,
            debtor_id: account.debtor_id,
            creditor_id: account.creditor_id,
            staff_user_id: None,
        }
    }

    /// For staff writing on `account`.
    pub fn by_staff(account: &account::Model, staff_user_id: i32) -> Self {
        AttachedTo {
            staff_user_id: Some(staff_user_id),
            ..AttachedTo::by_person(account)
        }
    }
}

/// Stores a checked file; call inside the transaction that records its dispute or message.
pub async fn store<C: ConnectionTrait>(
    conn: &C,
    to: AttachedTo,
    file: CheckedFile,
    now: DateTime<Utc>,
) -> Result<attachment::Model, DbErr> {
    let row = attachment::ActiveModel {
        account_id: Set(to.account_id),
        debtor_id: Set(to.debtor_id),
        creditor_id: Set(to.creditor_id),
        staff_user_id: Set(to.staff_user_id),
        file_name: Set(file.file_name),
        content_type: Set(file.kind),
        size_bytes: Set(file.bytes.len() as i64),
        sha256: Set(hex::encode(Sha256::digest(&file.bytes))),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    attachment_content::ActiveModel {
        attachment_id: Set(row.id),
        bytes: Set(file.bytes),
    }
    .insert(conn)
    .await?;
    Ok(row)
}

/// Who is asking for a file.
#[derive(Clone, Copy, Debug)]
pub enum Viewer {
    /// A signed-in person (their debtor row): any account of theirs, at any creditor.
    Person(i32),
    /// Staff of one creditor.
    Staff { creditor_id: i32 },
}

/// A file to send back.
pub struct Download {
    pub attachment: attachment::Model,
    pub bytes: Vec<u8>,
}

/// The file, when this viewer may see it and it has not been erased; none otherwise (the
/// same answer whether it does not exist or is someone else's).
pub async fn open<C: ConnectionTrait>(
    conn: &C,
    viewer: Viewer,
    attachment_id: i32,
) -> Result<Option<Download>, DbErr> {
    let Some(found) = attachment::Entity::find_by_id(attachment_id)
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let allowed = match viewer {
        Viewer::Person(signed_in) => people::holder_of_account(conn, signed_in, found.account_id)
            .await?
            .is_some(),
        Viewer::Staff { creditor_id } => found.creditor_id == creditor_id,
    };
    if !allowed || found.erased_at.is_some() {
        return Ok(None);
    }
    let Some(content) = attachment_content::Entity::find_by_id(found.id)
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(Download {
        attachment: found,
        bytes: content.bytes,
    }))
}
