//! Erasing a person's data when they ask. The person asks (one request per creditor record);
//! an admin erases. What the person told us in their own words, their name, email, date of
//! birth and files go; the ledger, plans, installments and payments stay, because the law
//! asks the creditor to keep financial records (six years in the UK). Erasure is recorded in
//! the audit log by ids only.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, Set,
};

use crate::crypto::random_token;
use crate::db::begin_write;
use crate::domain::outbox::OutboxStatus;
use crate::domain::privacy::ErasureStatus;
use crate::entities::{
    attachment, attachment_content, creditor, debtor, deep_link, dispute, dispute_entry,
    erasure_request, feedback, hardship_statement, message, outbox_message, person, plan,
    sign_in_token, step_up_code, support_need,
};
use crate::services::access::sessions;
use crate::services::accounts::people::same_person_rows;
use crate::services::audit::{self, Actor, AuditEvent};

/// What an erased free-text field reads as, so staff see that something was there.
pub const ERASED_TEXT: &str = "(erased)";
/// The name an erased person's records carry.
pub const ERASED_NAME: &str = "Erased";

#[derive(Debug, thiserror::Error)]
pub enum ErasureError {
    #[error("erasure request not found")]
    NotFound,
    #[error("this request was already carried out")]
    AlreadyErased,
    #[error("database error")]
    Database(#[from] DbErr),
}

/// Records a request for every creditor record of the person signed in as `debtor_id` that
/// has none waiting and is not erased. Returns how many requests are now waiting.
pub async fn request(
    db: &DatabaseConnection,
    debtor_id: i32,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let txn = begin_write(db).await?;
    let rows = debtor::Entity::find()
        .filter(debtor::Column::Id.in_subquery(same_person_rows(debtor_id)))
        .filter(debtor::Column::ErasedAt.is_null())
        .all(&txn)
        .await?;
    let mut waiting = 0;
    for row in rows {
        waiting += 1;
        if pending_for(&txn, row.id).await?.is_some() {
            continue;
        }
        let saved = erasure_request::ActiveModel {
            debtor_id: Set(row.id),
            creditor_id: Set(row.creditor_id),
            status: Set(ErasureStatus::Requested),
            requested_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::record(
            &txn,
            AuditEvent {
                actor: Actor::Debtor(debtor_id),
                creditor_id: Some(row.creditor_id),
                action: "privacy.erasure_requested",
                subject_kind: "erasure_request",
                subject_id: Some(saved.id),
                detail: "",
            },
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(waiting)
}

async fn pending_for<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
) -> Result<Option<erasure_request::Model>, DbErr> {
    erasure_request::Entity::find()
        .filter(erasure_request::Column::DebtorId.eq(debtor_id))
        .filter(erasure_request::Column::Status.eq(ErasureStatus::Requested))
        .one(conn)
        .await
}

/// True when the person signed in as `debtor_id` has a request waiting.
pub async fn has_pending<C: ConnectionTrait>(conn: &C, debtor_id: i32) -> Result<bool, DbErr> {
    let count = erasure_request::Entity::find()
        .filter(erasure_request::Column::DebtorId.in_subquery(same_person_rows(debtor_id)))
        .filter(erasure_request::Column::Status.eq(ErasureStatus::Requested))
        .count(conn)
        .await?;
    Ok(count > 0)
}

/// One request as the admin list shows it.
#[derive(Debug, Clone)]
pub struct RequestRow {
    pub id: i32,
    pub debtor_id: i32,
    pub name: String,
    pub creditor: String,
    pub status: ErasureStatus,
    pub requested_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// Every request, those waiting first (oldest first), then those done (newest first).
pub async fn list<C: ConnectionTrait>(conn: &C) -> Result<Vec<RequestRow>, DbErr> {
    let requests = erasure_request::Entity::find()
        .order_by_desc(erasure_request::Column::Id)
        .all(conn)
        .await?;
    let mut rows = Vec::with_capacity(requests.len());
    for r in requests {
        rows.push(row_of(conn, r).await?);
    }
    rows.sort_by_key(|r| {
        let waiting = r.status == ErasureStatus::Requested;
        let age = if waiting {
            r.requested_at.timestamp()
        } else {
            -r.decided_at.unwrap_or(r.requested_at).timestamp()
        };
        (!waiting, age)
    });
    Ok(rows)
}

async fn row_of<C: ConnectionTrait>(
    conn: &C,
    r: erasure_request::Model,
) -> Result<RequestRow, DbErr> {
    let name = debtor::Entity::find_by_id(r.debtor_id)
        .one(conn)
        .await?
        .map(|d| d.full_name)
        .unwrap_or_default();
    let creditor = creditor::Entity::find_by_id(r.creditor_id)
        .one(conn)
        .await?
        .map(|c| c.display_name)
        .unwrap_or_default();
    Ok(RequestRow {
        id: r.id,
        debtor_id: r.debtor_id,
        name,
        creditor,
        status: r.status,
        requested_at: r.requested_at,
        decided_at: r.decided_at,
    })
}

pub async fn find<C: ConnectionTrait>(conn: &C, id: i32) -> Result<Option<RequestRow>, DbErr> {
    match erasure_request::Entity::find_by_id(id).one(conn).await? {
        Some(r) => Ok(Some(row_of(conn, r).await?)),
        None => Ok(None),
    }
}

/// Carries out a waiting request: erases the person's personal fields at that creditor,
/// keeps the financial records, ends their sessions and links, and records it in the audit
/// log. All in one transaction: half an erasure is never left behind.
pub async fn erase(
    db: &DatabaseConnection,
    request_id: i32,
    admin_id: i32,
    now: DateTime<Utc>,
) -> Result<(), ErasureError> {
    let txn = begin_write(db).await?;
    let request = erasure_request::Entity::find_by_id(request_id)
        .one(&txn)
        .await?
        .ok_or(ErasureError::NotFound)?;
    if request.status != ErasureStatus::Requested {
        return Err(ErasureError::AlreadyErased);
    }
    let debtor_id = request.debtor_id;
    erase_identity(&txn, debtor_id, now).await?;
    erase_words(&txn, debtor_id).await?;
    erase_files(&txn, debtor_id, now).await?;
    erase_emails(&txn, debtor_id).await?;
    end_access(&txn, debtor_id).await?;
    // Any other request for the same record is answered by this one.
    erasure_request::Entity::update_many()
        .col_expr(
            erasure_request::Column::Status,
            Expr::value(ErasureStatus::Erased.as_str()),
        )
        .col_expr(erasure_request::Column::DecidedBy, Expr::value(admin_id))
        .col_expr(erasure_request::Column::DecidedAt, Expr::value(now))
        .filter(erasure_request::Column::DebtorId.eq(debtor_id))
        .filter(erasure_request::Column::Status.eq(ErasureStatus::Requested))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        AuditEvent {
            actor: Actor::Staff(admin_id),
            creditor_id: Some(request.creditor_id),
            action: "privacy.erased",
            subject_kind: "debtor",
            subject_id: Some(debtor_id),
            detail: &format!("request={request_id}"),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Name, email and date of birth go; the record leaves its person, so the person's other
/// records (at other creditors) no longer reach it. A person left with no records forgets
/// their email and date of birth too.
async fn erase_identity<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let Some(row) = debtor::Entity::find_by_id(debtor_id).one(conn).await? else {
        return Err(DbErr::RecordNotFound("debtor".to_string()));
    };
    let person_id = row.person_id;
    let mut erased = row.into_active_model();
    erased.full_name = Set(ERASED_NAME.to_string());
    // Unique, and on a domain that can never receive mail.
    erased.email = Set(format!("erased-{debtor_id}@erased.invalid"));
    erased.dob_hash = Set(random_token());
    erased.person_id = Set(None);
    erased.erased_at = Set(Some(now));
    erased.update(conn).await?;
    if let Some(person_id) = person_id {
        let others = debtor::Entity::find()
            .filter(debtor::Column::PersonId.eq(person_id))
            .count(conn)
            .await?;
        if others == 0 {
            person::Entity::update_many()
                .col_expr(
                    person::Column::EmailNormalised,
                    Expr::value(format!("erased-person-{person_id}@erased.invalid")),
                )
                .col_expr(person::Column::DobHash, Expr::value(random_token()))
                .filter(person::Column::Id.eq(person_id))
                .exec(conn)
                .await?;
        }
    }
    Ok(())
}

/// What the person told us in their own words, and their hardship figures.
async fn erase_words<C: ConnectionTrait>(conn: &C, debtor_id: i32) -> Result<(), DbErr> {
    message::Entity::update_many()
        .col_expr(message::Column::Body, Expr::value(ERASED_TEXT))
        .filter(message::Column::DebtorId.eq(debtor_id))
        .exec(conn)
        .await?;
    let disputes = Query::select()
        .column(dispute::Column::Id)
        .from(dispute::Entity)
        .and_where(dispute::Column::DebtorId.eq(debtor_id))
        .to_owned();
    dispute_entry::Entity::update_many()
        .col_expr(dispute_entry::Column::Details, Expr::value(ERASED_TEXT))
        .filter(dispute_entry::Column::DisputeId.in_subquery(disputes))
        .exec(conn)
        .await?;
    use hardship_statement::Column as H;
    let mut figures = hardship_statement::Entity::update_many();
    for column in [
        H::IncomeMinor,
        H::HousingMinor,
        H::UtilitiesMinor,
        H::FoodMinor,
        H::TransportMinor,
        H::OtherDebtsMinor,
        H::OtherMinor,
        H::LeftMinor,
    ] {
        figures = figures.col_expr(column, Expr::value(Option::<i64>::None));
    }
    figures.filter(H::DebtorId.eq(debtor_id)).exec(conn).await?;
    support_need::Entity::update_many()
        .col_expr(support_need::Column::Words, Expr::value(ERASED_TEXT))
        .filter(support_need::Column::DebtorId.eq(debtor_id))
        .exec(conn)
        .await?;
    feedback::Entity::update_many()
        .col_expr(
            feedback::Column::Comment,
            Expr::value(Option::<String>::None),
        )
        .filter(feedback::Column::DebtorId.eq(debtor_id))
        .exec(conn)
        .await?;
    // The plan itself is a financial record; a note in the person's words is not.
    plan::Entity::update_many()
        .col_expr(
            plan::Column::DebtorNote,
            Expr::value(Option::<String>::None),
        )
        .filter(plan::Column::DebtorId.eq(debtor_id))
        .filter(plan::Column::DebtorNote.is_not_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// File contents are deleted; the row stays (marked erased, its name gone) so entries that
/// pointed at a file still read sensibly.
async fn erase_files<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let files = Query::select()
        .column(attachment::Column::Id)
        .from(attachment::Entity)
        .and_where(attachment::Column::DebtorId.eq(debtor_id))
        .to_owned();
    attachment_content::Entity::delete_many()
        .filter(attachment_content::Column::AttachmentId.in_subquery(files))
        .exec(conn)
        .await?;
    attachment::Entity::update_many()
        .col_expr(attachment::Column::FileName, Expr::value("erased"))
        .col_expr(attachment::Column::ErasedAt, Expr::value(now))
        .filter(attachment::Column::DebtorId.eq(debtor_id))
        .filter(attachment::Column::ErasedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Emails keep their subject and date (subjects never say anything personal); the address
/// and the words go, and anything not yet sent is never sent.
async fn erase_emails<C: ConnectionTrait>(conn: &C, debtor_id: i32) -> Result<(), DbErr> {
    use outbox_message::Column as O;
    outbox_message::Entity::update_many()
        .col_expr(O::Status, Expr::value(OutboxStatus::Suppressed.as_str()))
        .col_expr(
            O::Decision,
            Expr::value("Not sent: the person's data was erased"),
        )
        .filter(O::DebtorId.eq(debtor_id))
        .filter(O::Status.eq(OutboxStatus::Pending))
        .exec(conn)
        .await?;
    outbox_message::Entity::update_many()
        .col_expr(O::ToAddress, Expr::value("erased@erased.invalid"))
        .col_expr(O::TextBody, Expr::value(""))
        .col_expr(O::HtmlBody, Expr::value(""))
        .col_expr(O::UnsubscribeUrl, Expr::value(Option::<String>::None))
        .filter(O::DebtorId.eq(debtor_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Sign-in links, deep links and codes stop working, and signed-in sessions end.
async fn end_access<C: ConnectionTrait>(conn: &C, debtor_id: i32) -> Result<(), DbErr> {
    sign_in_token::Entity::delete_many()
        .filter(sign_in_token::Column::DebtorId.eq(debtor_id))
        .exec(conn)
        .await?;
    deep_link::Entity::delete_many()
        .filter(deep_link::Column::DebtorId.eq(debtor_id))
        .exec(conn)
        .await?;
    step_up_code::Entity::delete_many()
        .filter(step_up_code::Column::DebtorId.eq(debtor_id))
        .exec(conn)
        .await?;
    sessions::end_debtor_sessions(conn, debtor_id).await
}
