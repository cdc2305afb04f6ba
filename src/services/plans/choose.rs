//! The person's side of payment plans: choosing installments or a later date within the
//! creditor's policy, proposing something else, accepting a counter-offer, changing or
//! cancelling. Every figure is recomputed here from the stored balance and policy; nothing
//! the browser sends is trusted beyond the person's choices.
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, SqlErr};

use crate::crypto::sha256_hex;
use crate::db::begin_write;
use crate::domain::Money;
use crate::domain::cadence::ReminderCadence;
use crate::domain::care::HardshipOutcome;
use crate::domain::plans::{PlanKind, PlanStatus};
use crate::domain::policy::{self, Breach, PlanPolicy};
use crate::domain::schedule::{self, Frequency, MoveWindow, PlanSize, Schedule, ScheduleError};
use crate::domain::wording;
use crate::email::{outbox, templates};
use crate::services::accounts::statements::{self, Scope, StatementError};
use crate::services::audit::{self, Actor, AuditEvent};
use crate::services::care::hardship;
use crate::services::contact::cadence;
use crate::services::contact::deep_links;
use crate::services::payments::{PaymentError, allocation};
use crate::services::plans::records::{self, ConsentRecord, NewPlan, PlanView, RecordError};
use crate::services::plans::{account_terms, policies};

/// The first payment may be set up to this many days ahead.
pub const FIRST_PAYMENT_WITHIN_DAYS: i64 = 30;

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("account not found for this person")]
    NotFound,
    #[error("this account already has a plan")]
    AlreadyHasPlan,
    #[error("there is nothing left to pay")]
    NothingOwed,
    #[error("the plan is outside the creditor's policy")]
    OutsidePolicy(Vec<Breach>),
    #[error("{0}")]
    Schedule(#[from] ScheduleError),
    #[error("{0}")]
    Date(&'static str),
    #[error("the terms changed after they were shown")]
    TermsChanged,
    #[error("{0}")]
    NotAllowed(&'static str),
    #[error("database error")]
    Database(#[from] DbErr),
    #[error("stored plan could not be read")]
    Records(#[from] RecordError),
    #[error("stored balance could not be read")]
    Statement(#[from] StatementError),
    #[error("email could not be rendered")]
    Template(#[from] askama::Error),
    #[error("earlier payments could not be counted towards the plan")]
    Payments(#[source] Box<PaymentError>),
}

/// What the plan pages need about one of the person's accounts.
#[derive(Debug)]
pub struct AccountForPlan {
    pub account_id: i32,
    pub reference: String,
    pub creditor_id: i32,
    pub creditor_name: String,
    pub debtor_id: i32,
    pub balance: Money,
    pub policy: PlanPolicy,
    /// When reminders go out: the pay-later pages and consent say what the person will get.
    pub cadence: ReminderCadence,
    pub latest_plan: Option<PlanView>,
}

impl AccountForPlan {
    /// A plan that is still open (proposed, countered or active), if any.
    pub fn open_plan(&self) -> Option<&PlanView> {
        self.latest_plan.as_ref().filter(|p| p.status.is_open())
    }
}

/// The account, if it is one of the person's (`debtor_id` may be any of their debtor rows),
/// with what plan pages need; `debtor_id` of the answer is the row holding the account.
pub async fn account_for_plan<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
    account_id: i32,
) -> Result<Option<AccountForPlan>, PlanError> {
    let Some(found) = account_terms::find(conn, debtor_id, account_id).await? else {
        return Ok(None);
    };
    let balance = statements::explanation_of(conn, &found.account)
        .await?
        .balance();
    // The row holding the account, which may be another of the person's rows.
    let holder = found.account.debtor_id;
    let latest_plan = records::latest_for_account(conn, account_id, Scope::Debtor(holder)).await?;
    Ok(Some(AccountForPlan {
        account_id,
        reference: found.account.reference,
        creditor_id: found.creditor.id,
        creditor_name: found.creditor.display_name,
        debtor_id: holder,
        balance,
        policy: policies::from_stored(found.policy.as_ref(), balance.currency())?,
        cadence: cadence::from_stored(found.cadence.as_ref())?,
        latest_plan,
    }))
}

/// The person's choices for an installment plan.
#[derive(Clone, Copy, Debug)]
pub struct InstallmentChoice {
    pub frequency: Frequency,
    pub size: PlanSize,
    pub first_due: NaiveDate,
}

/// A schedule ready to show on "check your answers", with any policy breaches.
#[derive(Debug)]
pub struct Preview {
    pub schedule: Schedule,
    pub breaches: Vec<Breach>,
    pub consent_text: String,
}

impl Preview {
    /// Sent back with the form: proves the person agreed to exactly these words.
    pub fn consent_fingerprint(&self) -> String {
        sha256_hex(&self.consent_text)
    }
}

/// The first payment: not in the past, and within the next 30 days.
pub fn check_first_date(first_due: NaiveDate, today: NaiveDate) -> Result<(), PlanError> {
    if first_due < today {
        return Err(PlanError::Date(
            "The first payment date must be today or later",
        ));
    }
    if first_due > today + Duration::days(FIRST_PAYMENT_WITHIN_DAYS) {
        return Err(PlanError::Date(
            "The first payment must be within the next 30 days",
        ));
    }
    Ok(())
}

pub fn preview(
    account: &AccountForPlan,
    choice: &InstallmentChoice,
    today: NaiveDate,
) -> Result<Preview, PlanError> {
    if !account.balance.is_positive() {
        return Err(PlanError::NothingOwed);
    }
    check_first_date(choice.first_due, today)?;
    let schedule = schedule::build(
        account.balance,
        choice.frequency,
        choice.size,
        choice.first_due,
    )?;
    let breaches = policy::check_schedule(&account.policy, &schedule, today);
    let consent_text = wording::installment_consent(&account.creditor_name, &schedule);
    Ok(Preview {
        schedule,
        breaches,
        consent_text,
    })
}

/// Who is agreeing, for the consent record: the session is stored as a hash.
pub struct Agreement<'a> {
    pub debtor_id: i32,
    pub account_id: i32,
    pub shown_fingerprint: &'a str,
    pub session_marker: &'a str,
}

/// Sets up a plan within policy at once. Two tabs agreeing at the same moment: the database
/// lets exactly one through and the other gets `AlreadyHasPlan`.
pub async fn agree_installments(
    db: &DatabaseConnection,
    base_url: &str,
    who: Agreement<'_>,
    choice: &InstallmentChoice,
    now: DateTime<Utc>,
) -> Result<i32, PlanError> {
    agree_installments_from(db, base_url, who, choice, None, now).await
}

/// As [`agree_installments`], with the hardship statement (`care::hardship`) the plan is made
/// from, if any: the plan carries it and the statement records the choice.
pub async fn agree_installments_from(
    db: &DatabaseConnection,
    base_url: &str,
    who: Agreement<'_>,
    choice: &InstallmentChoice,
    hardship_id: Option<i32>,
    now: DateTime<Utc>,
) -> Result<i32, PlanError> {
    let (txn, account) = begin_without_plan(db, who.debtor_id, who.account_id).await?;
    let shown = preview(&account, choice, now.date_naive())?;
    if shown.consent_fingerprint() != who.shown_fingerprint {
        return Err(PlanError::TermsChanged);
    }
    if !shown.breaches.is_empty() {
        return Err(PlanError::OutsidePolicy(shown.breaches));
    }
    let new = NewPlan {
        account_id: account.account_id,
        creditor_id: account.creditor_id,
        debtor_id: account.debtor_id,
        kind: PlanKind::Installments,
        status: PlanStatus::Active,
        total: account.balance,
        schedule: Some(&shown.schedule),
        defer_until: None,
        defer_reason: None,
        debtor_note: None,
        consent: Some(ConsentRecord {
            text: shown.consent_text.clone(),
            session: sha256_hex(who.session_marker),
        }),
        grace_days: account.policy.grace_days(),
        missed_to_break: account.policy.missed_to_break(),
        hardship_id,
    };
    let plan_id = insert_once(&txn, new, now).await?;
    settle_hardship(&txn, hardship_id, &account, HardshipOutcome::Plan).await?;
    record(&txn, &account, plan_id, "plan.agreed", now).await?;
    let link = plan_link(&txn, base_url, &account, now).await?;
    let content = templates::plan_confirmation(&account.creditor_name, &shown.schedule, &link)?;
    queue_email(&txn, account.debtor_id, content, now).await?;
    txn.commit().await?;
    Ok(plan_id)
}

/// What a person asks the creditor for: the plan they built and, if they like, a note.
pub struct Proposal<'a> {
    pub choice: &'a InstallmentChoice,
    pub note: Option<String>,
}

/// A plan outside policy, or "I can't afford any of these": saved for the creditor to review.
/// The terms the person sent are recorded as their consent, so an approval needs nothing more
/// from them.
pub async fn propose(
    db: &DatabaseConnection,
    base_url: &str,
    debtor_id: i32,
    account_id: i32,
    proposal: Proposal<'_>,
    session_marker: &str,
    now: DateTime<Utc>,
) -> Result<i32, PlanError> {
    let asked = Asked {
        debtor_id,
        account_id,
        session_marker,
        hardship_id: None,
    };
    propose_from(db, base_url, asked, proposal, now).await
}

/// Who sends a proposal, and the hardship statement whose figures go with it, if any.
pub struct Asked<'a> {
    pub debtor_id: i32,
    pub account_id: i32,
    pub session_marker: &'a str,
    pub hardship_id: Option<i32>,
}

/// As [`propose`], with the hardship statement (`care::hardship`) it comes from, if any.
pub async fn propose_from(
    db: &DatabaseConnection,
    base_url: &str,
    Asked {
        debtor_id,
        account_id,
        session_marker,
        hardship_id,
    }: Asked<'_>,
    Proposal { choice, note }: Proposal<'_>,
    now: DateTime<Utc>,
) -> Result<i32, PlanError> {
    let (txn, account) = begin_without_plan(db, debtor_id, account_id).await?;
    let shown = preview(&account, choice, now.date_naive())?;
    let new = NewPlan {
        account_id,
        creditor_id: account.creditor_id,
        debtor_id,
        kind: PlanKind::Installments,
        status: PlanStatus::Proposed,
        total: account.balance,
        schedule: Some(&shown.schedule),
        defer_until: None,
        defer_reason: None,
        debtor_note: note.filter(|n| !n.trim().is_empty()),
        consent: Some(ConsentRecord {
            text: shown.consent_text.clone(),
            session: sha256_hex(session_marker),
        }),
        grace_days: account.policy.grace_days(),
        missed_to_break: account.policy.missed_to_break(),
        hardship_id,
    };
    let plan_id = insert_once(&txn, new, now).await?;
    settle_hardship(&txn, hardship_id, &account, HardshipOutcome::Proposal).await?;
    record(&txn, &account, plan_id, "plan.proposed", now).await?;
    let link = plan_link(&txn, base_url, &account, now).await?;
    let content = templates::proposal_received(&account.creditor_name, &link)?;
    queue_email(&txn, debtor_id, content, now).await?;
    txn.commit().await?;
    Ok(plan_id)
}

/// Why someone asks to pay later; optional, and only ever shown to the creditor.
pub const DEFER_REASONS: [(&str, &str); 4] = [
    ("lost_job", "I lost my job or my income dropped"),
    ("illness", "Illness"),
    ("bereavement", "A death in the family"),
    ("other", "Something else"),
];

pub struct DeferralChoice {
    pub until: NaiveDate,
    pub reason: Option<&'static str>,
}

pub fn preview_deferral(
    account: &AccountForPlan,
    choice: &DeferralChoice,
    today: NaiveDate,
) -> Result<(Vec<Breach>, String), PlanError> {
    if !account.balance.is_positive() {
        return Err(PlanError::NothingOwed);
    }
    if choice.until <= today {
        return Err(PlanError::Date("The date must be in the future"));
    }
    let breaches = policy::check_deferral(&account.policy, today, choice.until);
    let text = wording::deferral_consent(
        &account.creditor_name,
        account.balance,
        choice.until,
        account.cadence.days_before(),
    );
    Ok((breaches, text))
}

/// Pay later: within policy it starts at once. Until the date the person gets only the
/// reminder the consent names (a few days before it), and one if the date passes.
pub async fn defer(
    db: &DatabaseConnection,
    base_url: &str,
    who: Agreement<'_>,
    choice: &DeferralChoice,
    now: DateTime<Utc>,
) -> Result<i32, PlanError> {
    let (txn, account) = begin_without_plan(db, who.debtor_id, who.account_id).await?;
    let (breaches, text) = preview_deferral(&account, choice, now.date_naive())?;
    if sha256_hex(&text) != who.shown_fingerprint {
        return Err(PlanError::TermsChanged);
    }
    if !breaches.is_empty() {
        return Err(PlanError::OutsidePolicy(breaches));
    }
    let new = NewPlan {
        account_id: account.account_id,
        creditor_id: account.creditor_id,
        debtor_id: account.debtor_id,
        kind: PlanKind::Deferral,
        status: PlanStatus::Active,
        total: account.balance,
        schedule: None,
        defer_until: Some(choice.until),
        defer_reason: choice.reason.map(str::to_string),
        debtor_note: None,
        consent: Some(ConsentRecord {
            text,
            session: sha256_hex(who.session_marker),
        }),
        grace_days: account.policy.grace_days(),
        missed_to_break: account.policy.missed_to_break(),
        hardship_id: None,
    };
    let plan_id = insert_once(&txn, new, now).await?;
    record(&txn, &account, plan_id, "plan.deferred", now).await?;
    let link = plan_link(&txn, base_url, &account, now).await?;
    let content = templates::deferral_confirmation(
        &account.creditor_name,
        account.balance,
        choice.until,
        account.cadence.days_before(),
        &link,
    )?;
    queue_email(&txn, account.debtor_id, content, now).await?;
    txn.commit().await?;
    Ok(plan_id)
}

/// The creditor offered different terms; the person agrees to them.
pub async fn accept_counter_offer(
    db: &DatabaseConnection,
    base_url: &str,
    who: Agreement<'_>,
    now: DateTime<Utc>,
) -> Result<i32, PlanError> {
    let (txn, account) = begin_for_account(db, who.debtor_id, who.account_id).await?;
    let plan = account
        .open_plan()
        .filter(|p| p.status == PlanStatus::Countered)
        .ok_or(PlanError::NotAllowed("There is no offer waiting for you"))?;
    let schedule = plan
        .schedule()
        .ok_or(RecordError::Corrupt("counter-offer schedule"))?;
    let text = wording::installment_consent(&account.creditor_name, &schedule);
    if sha256_hex(&text) != who.shown_fingerprint {
        return Err(PlanError::TermsChanged);
    }
    records::record_consent(
        &txn,
        plan.id,
        ConsentRecord {
            text,
            session: sha256_hex(who.session_marker),
        },
        now,
    )
    .await?;
    if !records::set_status(
        &txn,
        plan.id,
        &[PlanStatus::Countered],
        PlanStatus::Active,
        now,
    )
    .await?
    {
        return Err(PlanError::TermsChanged);
    }
    allocation::allocate_earlier_payments(&txn, plan.id, plan.creditor_id, now)
        .await
        .map_err(|e| PlanError::Payments(Box::new(e)))?;
    record(&txn, &account, plan.id, "plan.counter_accepted", now).await?;
    let link = plan_link(&txn, base_url, &account, now).await?;
    let content = templates::plan_confirmation(&account.creditor_name, &schedule, &link)?;
    queue_email(&txn, account.debtor_id, content, now).await?;
    txn.commit().await?;
    Ok(plan.id)
}

/// The person stops their plan (or withdraws a proposal). The balance is unchanged.
pub async fn cancel(
    db: &DatabaseConnection,
    debtor_id: i32,
    account_id: i32,
    now: DateTime<Utc>,
) -> Result<(), PlanError> {
    let (txn, account) = begin_for_account(db, debtor_id, account_id).await?;
    let plan = account
        .open_plan()
        .ok_or(PlanError::NotAllowed("There is no plan to cancel"))?;
    records::set_status(&txn, plan.id, &PlanStatus::OPEN, PlanStatus::Cancelled, now).await?;
    record(&txn, &account, plan.id, "plan.cancelled", now).await?;
    txn.commit().await?;
    Ok(())
}

/// The latest date a moved payment may fall on: the policy's longest plan, counted from the
/// day the plan was set up (as it was when the plan was checked against the policy).
fn latest_plan_date(plan: &PlanView, policy: &PlanPolicy) -> NaiveDate {
    let start = plan.created_at.date_naive();
    start
        .checked_add_days(chrono::Days::new(u64::from(policy.max_duration_days())))
        .unwrap_or(start)
}

/// What the person wants to change about one upcoming payment.
pub enum PaymentChange {
    MoveTo { seq: u32, date: NaiveDate },
    Skip { seq: u32 },
}

/// Moves one upcoming date or skips one payment (added at the end), once each, where the
/// policy allows it.
pub async fn change_payment(
    db: &DatabaseConnection,
    base_url: &str,
    debtor_id: i32,
    account_id: i32,
    change: PaymentChange,
    now: DateTime<Utc>,
) -> Result<(), PlanError> {
    let (txn, account) = begin_for_account(db, debtor_id, account_id).await?;
    let plan = account
        .open_plan()
        .filter(|p| p.status == PlanStatus::Active && p.kind == PlanKind::Installments)
        .ok_or(PlanError::NotAllowed("There is no plan in place to change"))?;
    let schedule = plan.schedule().ok_or(RecordError::Corrupt("schedule"))?;
    let (seq, changed, action) = match change {
        PaymentChange::MoveTo { seq, date } => {
            if !account.policy.allow_move_date() || plan.date_moved {
                return Err(PlanError::NotAllowed(
                    "You have already moved a payment date in this plan",
                ));
            }
            let window = MoveWindow {
                today: now.date_naive(),
                latest: latest_plan_date(plan, &account.policy),
            };
            (
                seq,
                schedule::move_installment_within(&schedule, seq, date, window)?,
                "plan.date_moved",
            )
        }
        PaymentChange::Skip { seq } => {
            if !account.policy.allow_skip() || plan.installment_skipped {
                return Err(PlanError::NotAllowed(
                    "You have already skipped a payment in this plan",
                ));
            }
            (
                seq,
                schedule::skip_installment(&schedule, seq)?,
                "plan.payment_skipped",
            )
        }
    };
    let upcoming = plan
        .installments
        .iter()
        .find(|i| i.seq == seq)
        .is_some_and(|i| i.paid.is_zero() && i.due_on >= now.date_naive());
    if !upcoming {
        return Err(PlanError::NotAllowed(
            "Only a payment that is still to come can be changed",
        ));
    }
    records::write_installments(&txn, plan.id, &changed).await?;
    records::mark_changed(&txn, plan.id, action == "plan.date_moved", now).await?;
    record(&txn, &account, plan.id, action, now).await?;
    let link = plan_link(&txn, base_url, &account, now).await?;
    let content = templates::plan_changed(&account.creditor_name, &changed, &link)?;
    queue_email(&txn, debtor_id, content, now).await?;
    txn.commit().await?;
    Ok(())
}

/// Opens a write transaction and reads the person's account inside it, so every figure the
/// change relies on is the one it commits with.
async fn begin_for_account(
    db: &DatabaseConnection,
    debtor_id: i32,
    account_id: i32,
) -> Result<(DatabaseTransaction, AccountForPlan), PlanError> {
    let txn = begin_write(db).await?;
    let account = account_for_plan(&txn, debtor_id, account_id)
        .await?
        .ok_or(PlanError::NotFound)?;
    Ok((txn, account))
}

/// As `begin_for_account`, for setting up a new plan: refused when one is already open.
async fn begin_without_plan(
    db: &DatabaseConnection,
    debtor_id: i32,
    account_id: i32,
) -> Result<(DatabaseTransaction, AccountForPlan), PlanError> {
    let (txn, account) = begin_for_account(db, debtor_id, account_id).await?;
    if account.open_plan().is_some() {
        return Err(PlanError::AlreadyHasPlan);
    }
    Ok((txn, account))
}

/// A plan made from a hardship statement records the person's choice on it, in the same
/// transaction; a statement that is not this account holder's stops the plan.
async fn settle_hardship<C: ConnectionTrait>(
    conn: &C,
    hardship_id: Option<i32>,
    account: &AccountForPlan,
    outcome: HardshipOutcome,
) -> Result<(), PlanError> {
    let Some(id) = hardship_id else {
        return Ok(());
    };
    if hardship::settle(conn, id, account.account_id, account.debtor_id, outcome).await? {
        Ok(())
    } else {
        Err(PlanError::NotFound)
    }
}

/// Inserts a plan; a unique-index violation means another request set one up first.
async fn insert_once<C: ConnectionTrait>(
    conn: &C,
    new: NewPlan<'_>,
    now: DateTime<Utc>,
) -> Result<i32, PlanError> {
    match records::insert(conn, new, now).await {
        Ok(id) => Ok(id),
        Err(RecordError::Database(e))
            if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) =>
        {
            Err(PlanError::AlreadyHasPlan)
        }
        Err(e) => Err(e.into()),
    }
}

async fn record<C: ConnectionTrait>(
    conn: &C,
    account: &AccountForPlan,
    plan_id: i32,
    action: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    audit::record(
        conn,
        AuditEvent {
            actor: Actor::Debtor(account.debtor_id),
            creditor_id: Some(account.creditor_id),
            action,
            subject_kind: "plan",
            subject_id: Some(plan_id),
            detail: "",
        },
        now,
    )
    .await
}

/// A one-time link from an email to the account's plan page.
pub(super) async fn plan_link<C: ConnectionTrait>(
    conn: &C,
    base_url: &str,
    account: &AccountForPlan,
    now: DateTime<Utc>,
) -> Result<String, DbErr> {
    let target = format!("/account/{}/plan", account.account_id);
    deep_links::create(conn, base_url, account.debtor_id, &target, now).await
}

pub(super) async fn queue_email<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
    content: crate::email::EmailContent,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    outbox::enqueue_to_debtor(conn, debtor_id, content, now).await?;
    Ok(())
}
