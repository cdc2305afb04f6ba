//! The collections team's view of one account: notes, holds, and a timeline that gathers
//! everything that happened. Each kind of event comes from its own small source function, so
//! later kinds (reminders, disputes, messages) slot in by adding one more source.
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::domain::care::HoldKind;
use crate::domain::outbox::OutboxStatus;
use crate::domain::payments::PaymentStatus;
use crate::domain::plans::PlanKind;
use crate::entities::{
    account, account_hold, account_note, audit_log, debtor, outbox_message, payment_attempt, plan,
};
use crate::services::accounts::statements::{self, Scope, StatementError};
use crate::services::audit::{self, Actor, AuditEvent};
use crate::services::care::holds::{self, NewHold};
use crate::services::care::overview::{self, CareOf, CarePanel};

#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error("account not found for this creditor")]
    NotFound,
    #[error("{0}")]
    Invalid(&'static str),
    #[error("database error")]
    Database(#[from] DbErr),
    #[error("balance could not be read")]
    Statement(#[from] StatementError),
}

/// The account, only if it belongs to the staff member's creditor.
async fn owned_account<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
    account_id: i32,
) -> Result<account::Model, WorkspaceError> {
    account::Entity::find_by_id(account_id)
        .filter(account::Column::CreditorId.eq(creditor_id))
        .one(conn)
        .await?
        .ok_or(WorkspaceError::NotFound)
}

/// The currency of one of the creditor's accounts, for reading amounts staff type.
pub async fn account_currency<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
    account_id: i32,
) -> Result<crate::domain::Currency, WorkspaceError> {
    let found = owned_account(conn, creditor_id, account_id).await?;
    crate::domain::Currency::parse(&found.currency).map_err(|_| WorkspaceError::NotFound)
}

pub struct StaffAction {
    pub staff_id: i32,
    pub creditor_id: i32,
    pub account_id: i32,
}

async fn audit_action<C: ConnectionTrait>(
    conn: &C,
    who: &StaffAction,
    action: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    audit::record(
        conn,
        AuditEvent {
            actor: Actor::Staff(who.staff_id),
            creditor_id: Some(who.creditor_id),
            action,
            subject_kind: "account",
            subject_id: Some(who.account_id),
            detail: "",
        },
        now,
    )
    .await
}

pub const MAX_TEXT_CHARS: usize = 2000;

pub const MAX_HOLD_REASON_CHARS: usize = 500;

fn clean_text(text: &str, empty: &'static str) -> Result<String, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        return Err(empty);
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err("Keep it to 2,000 characters or fewer");
    }
    Ok(text.to_string())
}

/// A note as it is kept (trimmed), or the message to show next to the field. The note form's
/// `validator` rule calls this too, so the page and the service never disagree.
pub fn note_text(text: &str) -> Result<String, &'static str> {
    clean_text(text, "Write the note")
}

/// A hold's reason as it is kept (trimmed), or the message to show next to the field.
pub fn hold_reason(text: &str) -> Result<String, &'static str> {
    let reason = clean_text(text, "Say why the account is on hold")?;
    if reason.chars().count() > MAX_HOLD_REASON_CHARS {
        return Err("Keep the reason to 500 characters or fewer");
    }
    Ok(reason)
}

pub async fn add_note(
    db: &DatabaseConnection,
    who: StaffAction,
    body: &str,
    now: DateTime<Utc>,
) -> Result<(), WorkspaceError> {
    let body = note_text(body).map_err(WorkspaceError::Invalid)?;
    owned_account(db, who.creditor_id, who.account_id).await?;
    account_note::ActiveModel {
        account_id: Set(who.account_id),
        staff_id: Set(who.staff_id),
        body: Set(body),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    audit_action(db, &who, "account.note_added", now).await?;
    Ok(())
}

/// The hold in force on an account, if any (of any kind: staff, dispute, breathing space).
pub async fn current_hold<C: ConnectionTrait>(
    conn: &C,
    account_id: i32,
    now: DateTime<Utc>,
) -> Result<Option<account_hold::Model>, DbErr> {
    holds::current(conn, account_id, now).await
}

/// Pauses collection on the account until the hold is ended.
pub async fn start_hold(
    db: &DatabaseConnection,
    who: StaffAction,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), WorkspaceError> {
    let reason = hold_reason(reason).map_err(WorkspaceError::Invalid)?;
    owned_account(db, who.creditor_id, who.account_id).await?;
    if holds::current_of_kind(db, who.account_id, HoldKind::Staff, now)
        .await?
        .is_some()
    {
        return Err(WorkspaceError::Invalid("This account is already on hold"));
    }
    let hold = NewHold {
        account_id: who.account_id,
        kind: HoldKind::Staff,
        reason: &reason,
        started_by: who.staff_id,
        until: None,
    };
    holds::start(db, hold, now).await?;
    audit_action(db, &who, "account.hold_started", now).await?;
    Ok(())
}

pub async fn end_hold(
    db: &DatabaseConnection,
    who: StaffAction,
    now: DateTime<Utc>,
) -> Result<(), WorkspaceError> {
    owned_account(db, who.creditor_id, who.account_id).await?;
    // Staff end their own holds here; a dispute ends with its answer, a breathing space
    // on its date or when the person ends it.
    let staff_hold = holds::current_of_kind(db, who.account_id, HoldKind::Staff, now).await?;
    let ended = match staff_hold {
        Some(hold) => holds::end(db, hold.id, who.staff_id, now).await?,
        None => false,
    };
    if !ended {
        return Err(WorkspaceError::Invalid("This account is not on hold"));
    }
    audit_action(db, &who, "account.hold_ended", now).await?;
    Ok(())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Ledger,
    Plan,
    Payment,
    Email,
    SignIn,
    Note,
    Hold,
    Hardship,
    Support,
    Dispute,
    Message,
}

impl EventKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Ledger => "Balance",
            Self::Plan => "Plan",
            Self::Payment => "Payment",
            Self::Email => "Email",
            Self::SignIn => "Sign-in",
            Self::Note => "Note",
            Self::Hold => "Hold",
            Self::Hardship => "Hardship",
            Self::Support => "Extra support",
            Self::Dispute => "Dispute",
            Self::Message => "Message",
        }
    }
}

#[derive(Clone, Debug)]
pub struct TimelineEvent {
    pub at: DateTime<Utc>,
    pub kind: EventKind,
    pub title: String,
    pub detail: Option<String>,
}

fn event(
    at: DateTime<Utc>,
    kind: EventKind,
    title: String,
    detail: Option<String>,
) -> TimelineEvent {
    TimelineEvent {
        at,
        kind,
        title,
        detail,
    }
}

/// Everything on one account, newest first, with the account's statement.
pub struct AccountWorkspace {
    pub statement: statements::Statement,
    pub debtor_name: String,
    pub debtor_email: String,
    /// The hold staff put on, which staff can end here (a dispute or a breathing space
    /// shows in the care panel instead).
    pub hold: Option<account_hold::Model>,
    pub care: CarePanel,
    pub timeline: Vec<TimelineEvent>,
}

pub async fn workspace<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
    account_id: i32,
    now: DateTime<Utc>,
) -> Result<Option<AccountWorkspace>, WorkspaceError> {
    let Some(statement) =
        statements::for_account(conn, account_id, Scope::Creditor(creditor_id)).await?
    else {
        return Ok(None);
    };
    let owner = owned_account(conn, creditor_id, account_id).await?;
    let person = debtor::Entity::find_by_id(owner.debtor_id)
        .one(conn)
        .await?;
    let (name, email) = person.map(|p| (p.full_name, p.email)).unwrap_or_default();
    let mut timeline = ledger_events(&statement);
    timeline.extend(plan_events(conn, creditor_id, account_id).await?);
    timeline.extend(payment_events(conn, account_id).await?);
    let whose = MessagesFor {
        creditor_id,
        debtor_id: owner.debtor_id,
        account_id,
        email: &email,
    };
    timeline.extend(message_events(conn, &whose).await?);
    timeline.extend(sign_in_events(conn, owner.debtor_id).await?);
    timeline.extend(note_events(conn, account_id).await?);
    timeline.extend(hold_events(conn, account_id, now).await?);
    let care_of = CareOf {
        creditor_id,
        debtor_id: owner.debtor_id,
        account_id,
    };
    timeline.extend(overview::timeline_events(conn, care_of).await?);
    timeline.sort_by_key(|e| std::cmp::Reverse(e.at));
    Ok(Some(AccountWorkspace {
        hold: holds::current_of_kind(conn, account_id, HoldKind::Staff, now).await?,
        care: overview::panel(conn, care_of, now).await?,
        statement,
        debtor_name: name,
        debtor_email: email,
        timeline,
    }))
}

fn ledger_events(statement: &statements::Statement) -> Vec<TimelineEvent> {
    statement
        .explanation
        .items()
        .iter()
        .map(|item| {
            let at = item
                .date()
                .and_hms_opt(0, 0, 0)
                .unwrap_or_default()
                .and_utc();
            let sign = if item.increases { "+" } else { "−" };
            event(
                at,
                EventKind::Ledger,
                format!("{}: {sign} {}", item.label(), item.shown_amount()),
                Some(item.description().to_string()),
            )
        })
        .collect()
}

/// What happened to the account's plans, from the audit log: agreed, proposed and decided,
/// changed, each missed payment, broken, restored, completed, ended, cancelled. A plan with
/// no record of how it started (made by the demo loader or an import) shows its creation
/// from the plan itself.
async fn plan_events<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
    account_id: i32,
) -> Result<Vec<TimelineEvent>, DbErr> {
    let plans = plan::Entity::find()
        .filter(plan::Column::AccountId.eq(account_id))
        .filter(plan::Column::CreditorId.eq(creditor_id))
        .all(conn)
        .await?;
    if plans.is_empty() {
        return Ok(Vec::new());
    }
    let records = audit_log::Entity::find()
        .filter(audit_log::Column::CreditorId.eq(creditor_id))
        .filter(audit_log::Column::SubjectKind.eq("plan"))
        .filter(audit_log::Column::SubjectId.is_in(plans.iter().map(|p| p.id)))
        // Newest first, so events at the same moment (a payment missed and the plan
        // breaking because of it) keep their order through the timeline's stable sort.
        .order_by_desc(audit_log::Column::Id)
        .all(conn)
        .await?;
    let mut events = Vec::new();
    for p in plans {
        let what = match p.kind {
            PlanKind::Deferral => "Pay later",
            PlanKind::Installments => "Payment plan",
        };
        let own: Vec<&audit_log::Model> = records
            .iter()
            .filter(|r| r.subject_id == Some(p.id))
            .collect();
        if !own.iter().any(|r| STARTS.contains(&r.action.as_str())) {
            events.push(event(
                p.created_at,
                EventKind::Plan,
                format!("{what} set up"),
                p.debtor_note.clone(),
            ));
        }
        for record in own {
            let note = (record.action == "plan.proposed")
                .then(|| p.debtor_note.clone())
                .flatten();
            events.push(event(
                record.created_at,
                EventKind::Plan,
                plan_event_title(what, &record.action, &record.detail),
                note,
            ));
        }
    }
    Ok(events)
}

/// The audit actions that start a plan.
const STARTS: [&str; 3] = ["plan.agreed", "plan.proposed", "plan.deferred"];

/// One plan event in staff's words.
fn plan_event_title(what: &str, action: &str, detail: &str) -> String {
    match action {
        "plan.agreed" => format!("{what} agreed by the person"),
        "plan.proposed" => format!("{what} proposed by the person"),
        "plan.deferred" => format!("{what} agreed by the person"),
        "plan.approved" => "Proposal approved".to_string(),
        "plan.declined" => "Proposal declined".to_string(),
        "plan.countered" => "Counter-offer sent".to_string(),
        "plan.counter_accepted" => "Counter-offer agreed by the person".to_string(),
        "plan.date_moved" => "Plan changed: one payment date moved".to_string(),
        "plan.payment_skipped" => "Plan changed: one payment skipped".to_string(),
        "plan.installment_missed" => format!("Payment {} missed", payment_number(detail)),
        "plan.installment_caught_up" => {
            format!("Missed payment {} now paid", payment_number(detail))
        }
        "plan.broken" => "Plan broken: too many payments missed".to_string(),
        "plan.restored" => "Plan back on track".to_string(),
        "plan.completed" => format!("{what} completed: everything paid"),
        "plan.ended" => format!("{what} ended: the date passed"),
        "plan.cancelled" => format!("{what} cancelled by the person"),
        other => other.to_string(),
    }
}

/// "payment=2" (how the lifecycle pass records an installment) reads as "2".
fn payment_number(detail: &str) -> &str {
    detail.strip_prefix("payment=").unwrap_or(detail)
}

async fn payment_events<C: ConnectionTrait>(
    conn: &C,
    account_id: i32,
) -> Result<Vec<TimelineEvent>, DbErr> {
    let rows = payment_attempt::Entity::find()
        .filter(payment_attempt::Column::AccountId.eq(account_id))
        .filter(payment_attempt::Column::Status.ne(PaymentStatus::Created))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|a| {
            let amount = crate::domain::Currency::parse(&a.currency)
                .map(|c| crate::domain::Money::from_minor(a.amount_minor, c).to_string())
                .unwrap_or_default();
            event(
                a.succeeded_at.unwrap_or(a.updated_at),
                EventKind::Payment,
                format!("{amount} {} ({})", a.purpose, a.status),
                a.external_reference.or(a.failure_message),
            )
        })
        .collect())
}

/// Whose messages an account's timeline shows.
struct MessagesFor<'a> {
    creditor_id: i32,
    debtor_id: i32,
    account_id: i32,
    email: &'a str,
}

/// Every message sent, waiting, or held back by the contact policy for the account's person
/// at this creditor, with the policy's reason. Subjects are neutral, so showing them reveals
/// nothing; another creditor's messages to the same person are not ours to show. Messages
/// queued before outbox rows named their person are found by address.
async fn message_events<C: ConnectionTrait>(
    conn: &C,
    whose: &MessagesFor<'_>,
) -> Result<Vec<TimelineEvent>, DbErr> {
    use outbox_message::Column;
    let mut theirs = Condition::any()
        .add(Column::DebtorId.eq(whose.debtor_id))
        .add(Column::AccountId.eq(whose.account_id));
    if !whose.email.is_empty() {
        theirs = theirs.add(
            Condition::all()
                .add(Column::DebtorId.is_null())
                .add(Column::ToAddress.eq(whose.email)),
        );
    }
    let rows = outbox_message::Entity::find()
        .filter(Column::CreditorId.eq(whose.creditor_id))
        .filter(theirs)
        .order_by_desc(Column::Id)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|m| {
            event(
                m.sent_at.unwrap_or(m.created_at),
                EventKind::Email,
                format!("“{}”: {}", m.subject, message_status(m.status)),
                m.decision,
            )
        })
        .collect())
}

/// A message's status in staff's words.
fn message_status(status: OutboxStatus) -> &'static str {
    match status {
        OutboxStatus::Pending => "waiting to send",
        OutboxStatus::Sent => "sent",
        OutboxStatus::Failed => "could not be delivered",
        OutboxStatus::Suppressed => "not sent",
    }
}

async fn sign_in_events<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
) -> Result<Vec<TimelineEvent>, DbErr> {
    let rows = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("debtor.signed_in"))
        .filter(audit_log::Column::SubjectId.eq(debtor_id))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|a| {
            event(
                a.created_at,
                EventKind::SignIn,
                format!("Signed in with {}", a.detail),
                None,
            )
        })
        .collect())
}

async fn note_events<C: ConnectionTrait>(
    conn: &C,
    account_id: i32,
) -> Result<Vec<TimelineEvent>, DbErr> {
    let rows = account_note::Entity::find()
        .filter(account_note::Column::AccountId.eq(account_id))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|n| {
            event(
                n.created_at,
                EventKind::Note,
                "Note".to_string(),
                Some(n.body),
            )
        })
        .collect())
}

async fn hold_events<C: ConnectionTrait>(
    conn: &C,
    account_id: i32,
    now: DateTime<Utc>,
) -> Result<Vec<TimelineEvent>, DbErr> {
    let rows = account_hold::Entity::find()
        .filter(account_hold::Column::AccountId.eq(account_id))
        .all(conn)
        .await?;
    let mut events = Vec::new();
    for hold in rows {
        let (started, ended_title) = overview::hold_titles(hold.kind);
        // A breathing space's end is set when it starts: it shows once it has come.
        if let Some(ended) = hold.ended_at.filter(|at| *at <= now) {
            events.push(event(ended, EventKind::Hold, ended_title.to_string(), None));
        }
        events.push(event(
            hold.started_at,
            EventKind::Hold,
            started.to_string(),
            Some(hold.reason),
        ));
    }
    Ok(events)
}
