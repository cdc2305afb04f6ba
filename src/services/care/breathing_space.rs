//! Breathing space: the person pauses collection on an account for 30 or 60 days (as long as
//! the creditor's policy allows). It is a hold (`holds`) given its end when it starts, so
//! reminders, autopay, fees and interest stop, and all resume by themselves when it ends. A
//! few days before, the person is told the date things start again; they may end it early.
use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

use crate::db::begin_write;
use crate::domain::care::{HardshipOutcome, HoldKind};
use crate::email::{care_templates, outbox};
use crate::entities::{account, account_hold, creditor};
use crate::services::care::hardship::{self, BREATHING_SPACE_CHOICES, HardshipError};
use crate::services::care::holds::{self, NewHold};
use crate::services::contact::deep_links;

/// How long before a breathing space ends the person is told.
pub const NOTICE_DAYS_BEFORE: i64 = 3;

#[derive(Debug, thiserror::Error)]
pub enum BreathingSpaceError {
    #[error("{0}")]
    Account(#[from] HardshipError),
    /// The length is not one the person may choose under this creditor's policy.
    #[error("that breathing space is longer than allowed")]
    NotAllowed { longest: u32 },
    #[error("a breathing space is already in place")]
    AlreadyInForce,
    #[error("email could not be rendered")]
    Template(#[from] askama::Error),
    #[error("database error")]
    Database(#[from] DbErr),
}

/// The breathing space in force on an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InForce {
    pub hold_id: i32,
    pub until: DateTime<Utc>,
}

impl InForce {
    fn of(hold: &account_hold::Model) -> Option<Self> {
        hold.ended_at.map(|until| Self {
            hold_id: hold.id,
            until,
        })
    }

    /// The day reminders and payments start again.
    pub fn resumes_on(&self) -> NaiveDate {
        self.until.date_naive()
    }
}

/// Starts a breathing space of `days` on the person's account, from what they told us.
pub async fn start(
    db: &DatabaseConnection,
    signed_in: i32,
    account_id: i32,
    statement_id: i32,
    days: u32,
    now: DateTime<Utc>,
) -> Result<InForce, BreathingSpaceError> {
    let txn = begin_write(db).await?;
    let account = hardship::account(&txn, signed_in, account_id).await?;
    let longest = account.policy.breathing_space_max_days();
    if !BREATHING_SPACE_CHOICES.contains(&days) || days > longest {
        return Err(BreathingSpaceError::NotAllowed { longest });
    }
    let told = hardship::told(&txn, &account, statement_id).await?;
    if holds::current_of_kind(&txn, account_id, HoldKind::BreathingSpace, now)
        .await?
        .is_some()
    {
        return Err(BreathingSpaceError::AlreadyInForce);
    }
    let until = now + Duration::days(i64::from(days));
    let reason = format!("Breathing space of {days} days, asked for by the person");
    let hold = holds::start(
        &txn,
        NewHold {
            account_id,
            kind: HoldKind::BreathingSpace,
            reason: &reason,
            started_by: account.debtor_id,
            until: Some(until),
        },
        now,
    )
    .await?;
    hardship::settle(
        &txn,
        told.id,
        account_id,
        account.debtor_id,
        HardshipOutcome::BreathingSpace,
    )
    .await?;
    hardship::record(
        &txn,
        &account,
        "breathing_space.started",
        "hold",
        hold.id,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(InForce {
        hold_id: hold.id,
        until,
    })
}

/// The breathing space in force on the person's account, if any.
pub async fn current<C: ConnectionTrait>(
    conn: &C,
    signed_in: i32,
    account_id: i32,
    now: DateTime<Utc>,
) -> Result<Option<InForce>, BreathingSpaceError> {
    let account = hardship::account(conn, signed_in, account_id).await?;
    Ok(
        holds::current_of_kind(conn, account.account_id, HoldKind::BreathingSpace, now)
            .await?
            .as_ref()
            .and_then(InForce::of),
    )
}

/// The breathing spaces in force on these accounts, by account: one query for a whole page.
pub async fn in_force_on<C: ConnectionTrait>(
    conn: &C,
    account_ids: &[i32],
    now: DateTime<Utc>,
) -> Result<HashMap<i32, InForce>, DbErr> {
    let found = holds::in_force_on(conn, account_ids, now).await?;
    Ok(found
        .iter()
        .filter(|hold| hold.kind == HoldKind::BreathingSpace)
        .filter_map(|hold| InForce::of(hold).map(|f| (hold.account_id, f)))
        .collect())
}

/// The person ends their breathing space now. False when there was none in force.
pub async fn end_early(
    db: &DatabaseConnection,
    signed_in: i32,
    account_id: i32,
    now: DateTime<Utc>,
) -> Result<bool, BreathingSpaceError> {
    let txn = begin_write(db).await?;
    let account = hardship::account(&txn, signed_in, account_id).await?;
    let Some(hold) =
        holds::current_of_kind(&txn, account_id, HoldKind::BreathingSpace, now).await?
    else {
        return Ok(false);
    };
    let ended = holds::end(&txn, hold.id, account.debtor_id, now).await?;
    if ended {
        hardship::record(
            &txn,
            &account,
            "breathing_space.ended_early",
            "hold",
            hold.id,
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(ended)
}

/// Tells each person whose breathing space ends within [`NOTICE_DAYS_BEFORE`] days the date
/// reminders and payments start again. Each notice is claimed with one conditional UPDATE
/// (`notice_sent_at` still empty) in the transaction that queues its email, so two workers or
/// two passes never send it twice. Returns how many were queued.
pub async fn send_ending_notices(
    db: &DatabaseConnection,
    base_url: &str,
    now: DateTime<Utc>,
) -> Result<u32, BreathingSpaceError> {
    let soon = now + Duration::days(NOTICE_DAYS_BEFORE);
    let ending = account_hold::Entity::find()
        .filter(account_hold::Column::Kind.eq(HoldKind::BreathingSpace))
        .filter(account_hold::Column::NoticeSentAt.is_null())
        .filter(account_hold::Column::EndedAt.gt(now))
        .filter(account_hold::Column::EndedAt.lte(soon))
        .all(db)
        .await?;
    if ending.is_empty() {
        return Ok(0);
    }
    let accounts: HashMap<i32, (account::Model, creditor::Model)> = account::Entity::find()
        .filter(account::Column::Id.is_in(ending.iter().map(|h| h.account_id)))
        .find_also_related(creditor::Entity)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(a, c)| Some((a.id, (a.clone(), c?))))
        .collect();
    let mut queued = 0;
    for hold in ending {
        let (Some((account, creditor)), Some(until)) =
            (accounts.get(&hold.account_id), hold.ended_at)
        else {
            continue;
        };
        let txn = begin_write(db).await?;
        let claimed = account_hold::Entity::update_many()
            .col_expr(account_hold::Column::NoticeSentAt, Expr::value(Some(now)))
            .filter(account_hold::Column::Id.eq(hold.id))
            .filter(account_hold::Column::NoticeSentAt.is_null())
            .filter(account_hold::Column::EndedAt.gt(now))
            .exec(&txn)
            .await?;
        if claimed.rows_affected != 1 {
            continue;
        }
        let target = format!("/account/{}/breathing-space", account.id);
        let link = deep_links::create(&txn, base_url, account.debtor_id, &target, now).await?;
        let content = care_templates::breathing_space_ending(
            &creditor.display_name,
            until.date_naive(),
            &link,
        )?;
        outbox::enqueue_to_debtor(&txn, account.debtor_id, content, now).await?;
        txn.commit().await?;
        queued += 1;
    }
    Ok(queued)
}
