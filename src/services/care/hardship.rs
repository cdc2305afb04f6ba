//! "I'm having trouble paying": the person says what changed and, if they like, their monthly
//! income and spending; we keep that as a hardship statement and work out what the creditor's
//! policy can offer: an affordable plan agreed at once, a breathing space, or a proposal for
//! staff to review with the figures attached.
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, Set,
};

use crate::db::begin_write;
use crate::domain::affordability::{self, Line, MonthlyFigures};
use crate::domain::care::{HardshipOutcome, HardshipReason};
use crate::domain::schedule::{Frequency, PlanSize};
use crate::domain::wording;
use crate::domain::{Currency, Money};
use crate::entities::hardship_statement;
use crate::services::accounts::people;
use crate::services::audit::{self, Actor, AuditEvent};
use crate::services::plans::choose::{
    self, AccountForPlan, Agreement, Asked, InstallmentChoice, PlanError, Preview, Proposal,
};

/// The affordable plan's first payment: two weeks ahead, inside the 30 days a first payment
/// may wait, so there is time to get paid first.
pub const FIRST_PAYMENT_AFTER_DAYS: u64 = 14;

/// The breathing spaces a person may choose, when the creditor's policy allows that long.
pub const BREATHING_SPACE_CHOICES: [u32; 2] = [30, 60];

#[derive(Debug, thiserror::Error)]
pub enum HardshipError {
    #[error("account not found for this person")]
    NotFound,
    #[error("there is nothing left to pay")]
    NothingOwed,
    #[error("the figures could not be stored")]
    Figures,
    #[error("{0}")]
    Plan(#[from] PlanError),
    #[error("database error")]
    Database(#[from] DbErr),
}

/// The signed-in person's account, read as the plan pages read it: scoped to the person (any
/// of their debtor rows), so someone else's account is simply not found.
pub async fn account<C: ConnectionTrait>(
    conn: &C,
    signed_in: i32,
    account_id: i32,
) -> Result<AccountForPlan, HardshipError> {
    let holder = people::holder_of_account(conn, signed_in, account_id)
        .await?
        .ok_or(HardshipError::NotFound)?;
    choose::account_for_plan(conn, holder, account_id)
        .await?
        .ok_or(HardshipError::NotFound)
}

/// What the person tells us: what changed, and their month if they chose to fill it in.
#[derive(Clone, Copy, Debug)]
pub struct NewStatement {
    pub reason: HardshipReason,
    pub figures: Option<MonthlyFigures>,
}

/// Saves what the person told us; nothing else changes yet.
pub async fn save(
    db: &DatabaseConnection,
    signed_in: i32,
    account_id: i32,
    new: NewStatement,
    now: DateTime<Utc>,
) -> Result<i32, HardshipError> {
    let txn = begin_write(db).await?;
    let account = account(&txn, signed_in, account_id).await?;
    if !account.balance.is_positive() {
        return Err(HardshipError::NothingOwed);
    }
    let minor = |line: Line| -> Result<Option<i64>, HardshipError> {
        new.figures
            .map(|f| f.line(line).to_minor().map_err(|_| HardshipError::Figures))
            .transpose()
    };
    let left = new
        .figures
        .map(|f| f.left().to_minor().map_err(|_| HardshipError::Figures))
        .transpose()?;
    let row = hardship_statement::ActiveModel {
        account_id: Set(account.account_id),
        debtor_id: Set(account.debtor_id),
        creditor_id: Set(account.creditor_id),
        reason: Set(new.reason),
        currency: Set(account.balance.currency().code().to_string()),
        income_minor: Set(minor(Line::Income)?),
        housing_minor: Set(minor(Line::Housing)?),
        utilities_minor: Set(minor(Line::Utilities)?),
        food_minor: Set(minor(Line::Food)?),
        transport_minor: Set(minor(Line::Transport)?),
        other_debts_minor: Set(minor(Line::OtherDebts)?),
        other_minor: Set(minor(Line::Other)?),
        left_minor: Set(left),
        outcome: Set(HardshipOutcome::Undecided),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    record(&txn, &account, "hardship.told", "hardship", row.id, now).await?;
    txn.commit().await?;
    Ok(row.id)
}

/// A hardship statement as the pages (the person's and staff's) show it.
#[derive(Clone, Debug)]
pub struct Told {
    pub id: i32,
    pub account_id: i32,
    pub reason: HardshipReason,
    /// None when the person chose not to say.
    pub figures: Option<MonthlyFigures>,
    pub outcome: HardshipOutcome,
    pub created_at: DateTime<Utc>,
}

impl Told {
    fn of(row: hardship_statement::Model) -> Option<Self> {
        let currency = Currency::parse(&row.currency).ok()?;
        let lines = [
            row.income_minor,
            row.housing_minor,
            row.utilities_minor,
            row.food_minor,
            row.transport_minor,
            row.other_debts_minor,
            row.other_minor,
        ];
        let figures = match lines {
            [Some(_), ..] => {
                Some(MonthlyFigures::from_monthly(lines.map(|minor| {
                    Money::from_minor(minor.unwrap_or(0), currency)
                })))
            }
            _ => None,
        };
        Some(Self {
            id: row.id,
            account_id: row.account_id,
            reason: row.reason,
            figures,
            outcome: row.outcome,
            created_at: row.created_at,
        })
    }

    /// What is left each month; None when the person chose not to say.
    pub fn left(&self) -> Option<Money> {
        self.figures.map(|f| f.left())
    }
}

/// One statement, found by its id on the account, for the account's holder.
pub async fn told<C: ConnectionTrait>(
    conn: &C,
    account: &AccountForPlan,
    statement_id: i32,
) -> Result<Told, HardshipError> {
    hardship_statement::Entity::find_by_id(statement_id)
        .filter(hardship_statement::Column::AccountId.eq(account.account_id))
        .filter(hardship_statement::Column::DebtorId.eq(account.debtor_id))
        .one(conn)
        .await?
        .and_then(Told::of)
        .ok_or(HardshipError::NotFound)
}

/// A statement for staff of one creditor (the plan review page).
pub async fn told_to_creditor<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
    statement_id: i32,
) -> Result<Option<Told>, DbErr> {
    Ok(hardship_statement::Entity::find_by_id(statement_id)
        .filter(hardship_statement::Column::CreditorId.eq(creditor_id))
        .one(conn)
        .await?
        .and_then(Told::of))
}

/// What the creditor's policy can offer after the person told us.
pub struct Options {
    pub account: AccountForPlan,
    pub told: Told,
    /// The affordable plan, agreed at once; None when what is left is not enough for the
    /// policy (or the person did not say): then a proposal is the way.
    pub plan: Option<Preview>,
    /// The first payment date of that plan.
    pub first_due: NaiveDate,
    /// The breathing spaces (in days) the policy allows.
    pub breathing_space_days: Vec<u32>,
}

impl Options {
    pub fn may_propose(&self) -> bool {
        self.account.open_plan().is_none()
    }
}

/// The first payment date of an affordable plan offered today.
pub fn first_payment(today: NaiveDate) -> NaiveDate {
    today
        .checked_add_days(chrono::Days::new(FIRST_PAYMENT_AFTER_DAYS))
        .unwrap_or(today)
}

pub async fn options<C: ConnectionTrait>(
    conn: &C,
    signed_in: i32,
    account_id: i32,
    statement_id: i32,
    first_due: NaiveDate,
    today: NaiveDate,
) -> Result<Options, HardshipError> {
    let account = account(conn, signed_in, account_id).await?;
    let told = told(conn, &account, statement_id).await?;
    let plan = match (told.left(), account.open_plan()) {
        (Some(left), None) => {
            affordability::affordable_plan(&account.policy, account.balance, left, first_due, today)
                .map(|schedule| Preview {
                    consent_text: wording::installment_consent(&account.creditor_name, &schedule),
                    schedule,
                    breaches: Vec::new(),
                })
        }
        _ => None,
    };
    let longest = account.policy.breathing_space_max_days();
    Ok(Options {
        breathing_space_days: BREATHING_SPACE_CHOICES
            .into_iter()
            .filter(|d| *d <= longest)
            .collect(),
        account,
        told,
        plan,
        first_due,
    })
}

/// Who agrees, and to what they were shown.
pub struct Agreeing<'a> {
    pub signed_in: i32,
    pub account_id: i32,
    pub statement_id: i32,
    pub first_due: NaiveDate,
    pub shown_fingerprint: &'a str,
    pub session_marker: &'a str,
}

/// Sets up the affordable plan at once, through the same path as any plan within policy
/// (consent, confirmation email, one plan per account); the plan carries the statement.
pub async fn agree_plan(
    db: &DatabaseConnection,
    base_url: &str,
    who: Agreeing<'_>,
    now: DateTime<Utc>,
) -> Result<i32, HardshipError> {
    let today = now.date_naive();
    let offered = options(
        db,
        who.signed_in,
        who.account_id,
        who.statement_id,
        who.first_due,
        today,
    )
    .await?;
    let Some(plan) = offered.plan else {
        return Err(PlanError::TermsChanged.into());
    };
    let choice = InstallmentChoice {
        frequency: Frequency::Monthly,
        size: PlanSize::NumberOfPayments(plan.schedule.count()),
        first_due: who.first_due,
    };
    let agreement = Agreement {
        debtor_id: offered.account.debtor_id,
        account_id: offered.account.account_id,
        shown_fingerprint: who.shown_fingerprint,
        session_marker: who.session_marker,
    };
    let from = Some(offered.told.id);
    Ok(choose::agree_installments_from(db, base_url, agreement, &choice, from, now).await?)
}

/// What the person asks the creditor for: monthly payments of an amount they choose.
pub struct Asking<'a> {
    pub signed_in: i32,
    pub account_id: i32,
    pub statement_id: i32,
    pub monthly: Money,
    pub note: Option<String>,
    pub session_marker: &'a str,
}

/// Sends a plan to the creditor for review, with the hardship figures attached.
pub async fn propose(
    db: &DatabaseConnection,
    base_url: &str,
    asking: Asking<'_>,
    now: DateTime<Utc>,
) -> Result<i32, HardshipError> {
    let account = account(db, asking.signed_in, asking.account_id).await?;
    let told = told(db, &account, asking.statement_id).await?;
    let choice = InstallmentChoice {
        frequency: Frequency::Monthly,
        size: PlanSize::PerPayment(asking.monthly),
        first_due: first_payment(now.date_naive()),
    };
    let proposal = Proposal {
        choice: &choice,
        note: asking.note,
    };
    let asked = Asked {
        debtor_id: account.debtor_id,
        account_id: account.account_id,
        session_marker: asking.session_marker,
        hardship_id: Some(told.id),
    };
    Ok(choose::propose_from(db, base_url, asked, proposal, now).await?)
}

/// Marks what the person chose, inside the transaction that carries it out. The statement must
/// be this account holder's; false when it is not (nothing changed).
pub async fn settle<C: ConnectionTrait>(
    conn: &C,
    statement_id: i32,
    account_id: i32,
    debtor_id: i32,
    outcome: HardshipOutcome,
) -> Result<bool, DbErr> {
    let updated = hardship_statement::Entity::update_many()
        .col_expr(
            hardship_statement::Column::Outcome,
            Expr::value(outcome.as_str()),
        )
        .filter(hardship_statement::Column::Id.eq(statement_id))
        .filter(hardship_statement::Column::AccountId.eq(account_id))
        .filter(hardship_statement::Column::DebtorId.eq(debtor_id))
        .exec(conn)
        .await?;
    Ok(updated.rows_affected == 1)
}

/// An audit entry with ids only: what the person told us stays out of the log.
pub(super) async fn record<C: ConnectionTrait>(
    conn: &C,
    account: &AccountForPlan,
    action: &str,
    subject_kind: &str,
    subject_id: i32,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    audit::record(
        conn,
        AuditEvent {
            actor: Actor::Debtor(account.debtor_id),
            creditor_id: Some(account.creditor_id),
            action,
            subject_kind,
            subject_id: Some(subject_id),
            detail: "",
        },
        now,
    )
    .await
}
