//! The outbox. A message is written in the transaction of the event that causes it, so an
//! email is queued exactly when the event commits. The worker claims a due message with a
//! conditional UPDATE under its own token (so two workers never send the same row), sends it,
//! and marks it sent only while that claim still stands;
//! temporary failures (4xx, server unreachable) are retried with a growing delay and give up
//! after the last attempt; a permanent refusal (5xx) is marked failed at once, for an admin.
//! A pass stops at the first sign that the mail server is down, so it never hammers it.
//! A reminder is claimed only if the contact policy lets it go now (see `reminders`);
//! messages the person asked for are claimed at once.
mod reminders;

use std::sync::LazyLock;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, ExprTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::EmailContent;
use super::mailer::{Failure, Mailer};
use crate::crypto::random_token;
use crate::domain::contact::{SENT_AT_ONCE, SENT_REMINDER};
use crate::domain::outbox::{MessageCategory, OutboxStatus};
use crate::entities::outbox_message::{self, Column};
use crate::entities::{creditor, debtor};

/// Delays before each retry; after the last one the message is marked failed.
const RETRY_DELAYS_MINUTES: [i64; 6] = [1, 5, 30, 120, 720, 1440];
/// How long a claim lasts: a worker that dies mid-send frees the row after this.
const CLAIM_SECONDS: i64 = 120;

/// Queues an email that belongs to no creditor (to staff, say).
pub async fn enqueue<C: ConnectionTrait>(
    conn: &C,
    to: &str,
    content: EmailContent,
    now: DateTime<Utc>,
) -> Result<i32, DbErr> {
    insert(conn, to, None, content, now).await
}

/// Queues an email to a debtor's address on file, marked with their creditor: the same
/// address can be a debtor at two creditors, and each creditor's staff see only their own
/// emails. Nothing is queued for an unknown debtor.
pub async fn enqueue_to_debtor<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
    content: EmailContent,
    now: DateTime<Utc>,
) -> Result<Option<i32>, DbErr> {
    let Some(row) = to_debtor(conn, debtor_id, content, now).await? else {
        return Ok(None);
    };
    Ok(Some(row.insert(conn).await?.id))
}

/// A reminder about one account: the scheduler's messages, under the contact policy when
/// they are delivered. Queued once per `key`, however often (or on however many workers)
/// the scheduler runs: Some(id) when this call queued it, None when it was queued before
/// (or the debtor is unknown).
pub struct Reminder {
    pub debtor_id: i32,
    pub account_id: i32,
    /// Unique for this reminder, say `installment:41:upcoming`.
    pub key: String,
    pub content: EmailContent,
    /// The one-click unsubscribe address, carried in the List-Unsubscribe header.
    pub unsubscribe_url: String,
    /// When it should go (the contact policy may hold it later still).
    pub send_at: DateTime<Utc>,
    /// Dropped if it could not go before then.
    pub stale_at: Option<DateTime<Utc>>,
    /// `Reminder` for anything that asks something of the person (the contact policy
    /// applies); `Transactional` for news of their own doing, like the thanks when their
    /// payment completes a plan: no hold or cap keeps that from them.
    pub category: MessageCategory,
}

pub async fn enqueue_reminder<C: ConnectionTrait>(
    conn: &C,
    reminder: Reminder,
    now: DateTime<Utc>,
) -> Result<Option<i32>, DbErr> {
    let Some(mut row) = to_debtor(conn, reminder.debtor_id, reminder.content, now).await? else {
        return Ok(None);
    };
    row.category = Set(reminder.category);
    row.account_id = Set(Some(reminder.account_id));
    row.reminder_key = Set(Some(reminder.key.clone()));
    row.unsubscribe_url = Set(Some(reminder.unsubscribe_url));
    row.next_attempt_at = Set(reminder.send_at);
    row.stale_at = Set(reminder.stale_at);
    let inserted = outbox_message::Entity::insert(row)
        .on_conflict(
            OnConflict::column(Column::ReminderKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    if inserted == 0 {
        return Ok(None);
    }
    let id = outbox_message::Entity::find()
        .select_only()
        .column(Column::Id)
        .filter(Column::ReminderKey.eq(reminder.key))
        .into_tuple()
        .one(conn)
        .await?;
    Ok(id)
}

/// Where a reminder goes, already known to the caller (the scheduler reads it in the same
/// query that found the reminder due).
pub struct Addressee {
    pub email: String,
    pub creditor_id: i32,
    /// The creditor's display name, for the From name.
    pub creditor_name: String,
}

/// Many reminders at once, for the scheduler: one multi-row INSERT per chunk instead of
/// four statements per reminder. A key queued before is skipped, as in [`enqueue_reminder`].
/// Returns how many were new.
pub async fn enqueue_reminders<C: ConnectionTrait>(
    conn: &C,
    reminders: Vec<(Reminder, Addressee)>,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let mut rows = reminders.into_iter().map(|(reminder, to)| {
        let mut row = new_row(&to.email, Some(to.creditor_id), reminder.content, now);
        row.debtor_id = Set(Some(reminder.debtor_id));
        row.from_name = Set(Some(sender_name(&to.creditor_name)));
        row.category = Set(reminder.category);
        row.account_id = Set(Some(reminder.account_id));
        row.reminder_key = Set(Some(reminder.key));
        row.unsubscribe_url = Set(Some(reminder.unsubscribe_url));
        row.next_attempt_at = Set(reminder.send_at);
        row.stale_at = Set(reminder.stale_at);
        row
    });
    let mut inserted = 0;
    loop {
        // Under both databases' limits on bound parameters per statement.
        let chunk: Vec<_> = rows.by_ref().take(500).collect();
        if chunk.is_empty() {
            return Ok(inserted);
        }
        inserted += outbox_message::Entity::insert_many(chunk)
            .on_conflict(
                OnConflict::column(Column::ReminderKey)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
    }
}

/// A message to a debtor's address on file, in their creditor's name.
async fn to_debtor<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
    content: EmailContent,
    now: DateTime<Utc>,
) -> Result<Option<outbox_message::ActiveModel>, DbErr> {
    let Some(person) = debtor::Entity::find_by_id(debtor_id).one(conn).await? else {
        return Ok(None);
    };
    let Some(creditor) = creditor::Entity::find_by_id(person.creditor_id)
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let mut row = new_row(&person.email, Some(person.creditor_id), content, now);
    row.debtor_id = Set(Some(person.id));
    row.from_name = Set(Some(sender_name(&creditor.display_name)));
    Ok(Some(row))
}

/// "Northwind Utilities via Good Terms": the person knows who the message is from.
pub fn sender_name(creditor: &str) -> String {
    format!("{creditor} via Good Terms")
}

async fn insert<C: ConnectionTrait>(
    conn: &C,
    to: &str,
    creditor_id: Option<i32>,
    content: EmailContent,
    now: DateTime<Utc>,
) -> Result<i32, DbErr> {
    let row = new_row(to, creditor_id, content, now).insert(conn).await?;
    Ok(row.id)
}

fn new_row(
    to: &str,
    creditor_id: Option<i32>,
    content: EmailContent,
    now: DateTime<Utc>,
) -> outbox_message::ActiveModel {
    outbox_message::ActiveModel {
        message_id: Set(random_token()),
        template: Set(content.template.to_string()),
        to_address: Set(to.to_string()),
        subject: Set(content.subject),
        text_body: Set(content.text),
        html_body: Set(content.html),
        status: Set(OutboxStatus::Pending),
        attempts: Set(0),
        next_attempt_at: Set(now),
        created_at: Set(now),
        creditor_id: Set(creditor_id),
        category: Set(MessageCategory::Transactional),
        ..Default::default()
    }
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    pub retry_later: usize,
    pub gave_up: usize,
    /// Sent, but the claim had run out meanwhile, so the outcome was not recorded by us.
    pub lost_claim: usize,
    /// Reminders the contact policy held for later (quiet hours, the 7-day cap, ...).
    pub deferred: usize,
    /// Reminders the contact policy dropped (turned off, on hold, too late).
    pub suppressed: usize,
    /// Due messages not tried because the mail server was down: the pass stopped at the
    /// first sign of it rather than hammer the server, and a later pass tries them.
    pub held_back: usize,
}

/// This process's mark on its claims, so it can let go of them when it stops.
static HOLDER: LazyLock<String> = LazyLock::new(|| random_token()[..16].to_string());

/// Sends every message that is due, up to `batch`. Run by the scheduler, or by tests with a
/// fixed clock.
pub async fn deliver_due(
    db: &DatabaseConnection,
    mailer: &Mailer,
    from: &str,
    now: DateTime<Utc>,
    batch: u64,
) -> Result<DeliveryReport, DbErr> {
    deliver_due_while(db, mailer, from, now, batch, || true).await
}

/// Like `deliver_due`, but takes no new message once `keep_going` says no (on shutdown).
/// Each message is claimed just before it is sent, with a lease that starts then: the claim
/// clock moves on from `now` by the time already spent, so slow sends early in a batch cannot
/// leave later claims expired when they are taken. Retries stay scheduled from `now`.
pub async fn deliver_due_while(
    db: &DatabaseConnection,
    mailer: &Mailer,
    from: &str,
    now: DateTime<Utc>,
    batch: u64,
    keep_going: impl Fn() -> bool,
) -> Result<DeliveryReport, DbErr> {
    let started = Instant::now();
    let clock = || now + Duration::from_std(started.elapsed()).unwrap_or_default();
    let mut report = DeliveryReport::default();
    let all_due = due_messages(db, now, batch).await?;
    for (index, due) in all_due.iter().enumerate() {
        if !keep_going() {
            break;
        }
        let Some(row) = take(db, due, now, clock(), &mut report).await? else {
            continue;
        };
        if deliver_one(db, mailer, from, &row, now, &mut report).await? == Some(Failure::ServerDown)
        {
            report.held_back = all_due.len() - index - 1;
            break;
        }
    }
    record_metrics(db, &report).await;
    Ok(report)
}

/// Feeds the outbox metrics: this pass's outcomes, and the messages still waiting. A failed
/// count leaves the backlog gauge as it was rather than failing a pass that did its work.
async fn record_metrics(db: &DatabaseConnection, report: &DeliveryReport) {
    let by_outcome = [
        ("sent", report.sent),
        ("retry_later", report.retry_later),
        ("failed", report.gave_up),
        ("lost_claim", report.lost_claim),
        ("deferred", report.deferred),
        ("suppressed", report.suppressed),
    ];
    for (outcome, count) in by_outcome {
        crate::meters::outbox_deliveries(outcome, count);
    }
    if !crate::meters::enabled() {
        return;
    }
    let waiting = outbox_message::Entity::find()
        .filter(Column::Status.eq(OutboxStatus::Pending))
        .count(db)
        .await;
    match waiting {
        Ok(waiting) => crate::meters::outbox_backlog(waiting),
        Err(error) => tracing::warn!(error = %error, "counting the outbox backlog failed"),
    }
}

/// Claims a due message for sending: at once if the person asked for it, through the
/// contact policy if it is a reminder (which may hold it or drop it instead). None when
/// there is nothing to send now.
async fn take(
    db: &DatabaseConnection,
    due: &Due,
    now: DateTime<Utc>,
    lease_now: DateTime<Utc>,
    report: &mut DeliveryReport,
) -> Result<Option<outbox_message::Model>, DbErr> {
    if due.category == MessageCategory::Transactional {
        return claim(db, due.id, lease_now).await;
    }
    Ok(match reminders::gate(db, due, now, lease_now).await? {
        reminders::Gate::Claimed(row) => Some(*row),
        reminders::Gate::Held => {
            report.deferred += 1;
            None
        }
        reminders::Gate::Dropped => {
            report.suppressed += 1;
            None
        }
        reminders::Gate::Taken => None,
    })
}

/// Sends one claimed message and records the outcome; how it failed, if it did.
async fn deliver_one(
    db: &DatabaseConnection,
    mailer: &Mailer,
    from: &str,
    row: &outbox_message::Model,
    now: DateTime<Utc>,
    report: &mut DeliveryReport,
) -> Result<Option<Failure>, DbErr> {
    let (counter, failure) = match mailer.send(from, row).await {
        Ok(()) => match mark_sent(db, row, now).await? {
            true => (&mut report.sent, None),
            false => (&mut report.lost_claim, None),
        },
        Err(error) => {
            let failure = error.failure();
            tracing::warn!(outbox_id = row.id, error = %error, ?failure, "email delivery failed");
            let retry = failure != Failure::Permanent;
            let counter = match schedule_retry(db, row, &error.describe(), retry, now).await? {
                Some(true) => &mut report.retry_later,
                Some(false) => &mut report.gave_up,
                None => &mut report.lost_claim,
            };
            (counter, Some(failure))
        }
    };
    *counter += 1;
    Ok(failure)
}

/// A message that is due, and what decides whether it may go.
struct Due {
    id: i32,
    category: MessageCategory,
    debtor_id: Option<i32>,
}

async fn due_messages(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    batch: u64,
) -> Result<Vec<Due>, DbErr> {
    let rows: Vec<(i32, MessageCategory, Option<i32>)> = outbox_message::Entity::find()
        .select_only()
        .columns([Column::Id, Column::Category, Column::DebtorId])
        .filter(Column::Status.eq(OutboxStatus::Pending))
        .filter(Column::NextAttemptAt.lte(now))
        .filter(unclaimed(now))
        .order_by_asc(Column::Id)
        .limit(batch)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, category, debtor_id)| Due {
            id,
            category,
            debtor_id,
        })
        .collect())
}

fn unclaimed(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(Column::ClaimedUntil.is_null())
        .add(Column::ClaimedUntil.lt(now))
}

/// Takes the row for this worker under a fresh token. The UPDATE only matches a pending,
/// unclaimed row, so of two workers racing for it exactly one sees a changed row.
async fn claim<C: ConnectionTrait>(
    db: &C,
    id: i32,
    now: DateTime<Utc>,
) -> Result<Option<outbox_message::Model>, DbErr> {
    let token = format!("{}.{}", *HOLDER, random_token());
    let result = outbox_message::Entity::update_many()
        .col_expr(
            Column::ClaimedUntil,
            Expr::value(now + Duration::seconds(CLAIM_SECONDS)),
        )
        .col_expr(Column::ClaimToken, Expr::value(token))
        .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
        .filter(Column::Id.eq(id))
        .filter(Column::Status.eq(OutboxStatus::Pending))
        // Still due: another worker may have tried it and scheduled a retry meanwhile.
        .filter(Column::NextAttemptAt.lte(now))
        .filter(unclaimed(now))
        .exec(db)
        .await?;
    if result.rows_affected != 1 {
        return Ok(None);
    }
    outbox_message::Entity::find_by_id(id).one(db).await
}

/// Ends a claim with `changes`, only if `row`'s claim is still the one on file: a worker
/// whose lease ran out (and was perhaps claimed again by another) changes nothing and is
/// told so (false), and the message's fate is left to the claim's new holder.
async fn finish_claim(
    db: &DatabaseConnection,
    row: &outbox_message::Model,
    changes: sea_orm::UpdateMany<outbox_message::Entity>,
) -> Result<bool, DbErr> {
    let result = changes
        .col_expr(
            Column::ClaimedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(Column::ClaimToken, Expr::value(Option::<String>::None))
        .filter(Column::Id.eq(row.id))
        .filter(Column::ClaimToken.eq(row.claim_token.clone()))
        .exec(db)
        .await?;
    let held = result.rows_affected == 1;
    if !held {
        tracing::warn!(
            outbox_id = row.id,
            "outbox claim ran out before delivery was recorded"
        );
    }
    Ok(held)
}

async fn mark_sent(
    db: &DatabaseConnection,
    row: &outbox_message::Model,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let decision = match row.category {
        MessageCategory::Reminder => SENT_REMINDER,
        MessageCategory::Transactional => SENT_AT_ONCE,
    };
    let changes = outbox_message::Entity::update_many()
        .col_expr(Column::Status, Expr::value(OutboxStatus::Sent))
        .col_expr(Column::SentAt, Expr::value(now))
        .col_expr(Column::Decision, Expr::value(decision))
        .col_expr(Column::LastError, Expr::value(Option::<String>::None));
    finish_claim(db, row, changes).await
}

/// Some(false) when the message is marked failed (it has used all its attempts, or `retry`
/// is false because the server refused it for good); None when the claim was lost.
async fn schedule_retry(
    db: &DatabaseConnection,
    row: &outbox_message::Model,
    error: &str,
    retry: bool,
    now: DateTime<Utc>,
) -> Result<Option<bool>, DbErr> {
    let delay = usize::try_from(row.attempts - 1)
        .ok()
        .and_then(|i| RETRY_DELAYS_MINUTES.get(i))
        .filter(|_| retry);
    let (status, next) = match delay {
        Some(minutes) => (OutboxStatus::Pending, now + Duration::minutes(*minutes)),
        None => (OutboxStatus::Failed, now),
    };
    let changes = outbox_message::Entity::update_many()
        .col_expr(Column::Status, Expr::value(status))
        .col_expr(Column::NextAttemptAt, Expr::value(next))
        .col_expr(
            Column::LastError,
            Expr::value(error.chars().take(500).collect::<String>()),
        );
    let finished = finish_claim(db, row, changes).await?;
    Ok(finished.then_some(status == OutboxStatus::Pending))
}

/// Lets go of every claim this process still holds (on shutdown), giving back the attempt
/// it counted: another worker may take the message at once. Returns how many were released.
pub async fn release_own_claims(db: &DatabaseConnection) -> Result<u64, DbErr> {
    let result = outbox_message::Entity::update_many()
        .col_expr(
            Column::ClaimedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(Column::ClaimToken, Expr::value(Option::<String>::None))
        .col_expr(Column::Attempts, Expr::col(Column::Attempts).sub(1))
        .filter(Column::Status.eq(OutboxStatus::Pending))
        .filter(Column::ClaimToken.starts_with(format!("{}.", *HOLDER)))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
