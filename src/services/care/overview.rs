//! What a creditor's staff see of care: on one account (the care panel and its timeline
//! events) and across the portfolio (the dashboard's counts and ages, and the feedback).
//! Every query is filtered by the staff member's creditor.
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Statement,
};

use crate::domain::care::HoldKind;
use crate::domain::disputes::DisputeStatus;
use crate::domain::{Currency, Money};
use crate::entities::{
    account_hold, dispute, dispute_entry, feedback, hardship_statement, message, support_need,
};
use crate::services::care::holds;
use crate::services::staff::workspace::{EventKind, TimelineEvent};

/// One hardship statement as staff read it.
#[derive(Debug, Clone)]
pub struct HardshipShown {
    pub at: DateTime<Utc>,
    pub reason: &'static str,
    /// (what, a month) for each figure the person gave.
    pub lines: Vec<(&'static str, String)>,
    pub left: Option<String>,
    pub outcome: String,
}

#[derive(Debug, Clone)]
pub struct OpenDispute {
    pub id: i32,
    pub reason: &'static str,
    pub opened_at: DateTime<Utc>,
}

/// The care panel of one account.
#[derive(Debug, Clone, Default)]
pub struct CarePanel {
    /// The person's own words, while their consent stands.
    pub support_words: Option<String>,
    pub breathing_space_until: Option<DateTime<Utc>>,
    pub open_dispute: Option<OpenDispute>,
    pub hardship: Vec<HardshipShown>,
    pub messages: u64,
}

/// The account whose care panel is read: already checked to be the creditor's.
#[derive(Clone, Copy)]
pub struct CareOf {
    pub creditor_id: i32,
    pub debtor_id: i32,
    pub account_id: i32,
}

fn amount(minor: i64, currency: &str) -> String {
    Currency::parse(currency)
        .map(|c| Money::from_minor(minor, c).to_string())
        .unwrap_or_default()
}

fn hardship_shown(h: hardship_statement::Model) -> HardshipShown {
    let c = h.currency.as_str();
    let lines = [
        ("Income", h.income_minor),
        ("Housing", h.housing_minor),
        ("Utilities", h.utilities_minor),
        ("Food", h.food_minor),
        ("Transport", h.transport_minor),
        ("Other debts", h.other_debts_minor),
        ("Other spending", h.other_minor),
    ]
    .into_iter()
    .filter_map(|(what, minor)| minor.map(|m| (what, amount(m, c))))
    .collect();
    HardshipShown {
        at: h.created_at,
        reason: h.reason.label(),
        lines,
        left: h.left_minor.map(|m| amount(m, c)),
        outcome: h.outcome.to_string().replace('_', " "),
    }
}

pub async fn panel<C: ConnectionTrait>(
    conn: &C,
    of: CareOf,
    now: DateTime<Utc>,
) -> Result<CarePanel, DbErr> {
    let support_words = support_need::Entity::find()
        .filter(support_need::Column::DebtorId.eq(of.debtor_id))
        .filter(support_need::Column::CreditorId.eq(of.creditor_id))
        .filter(support_need::Column::WithdrawnAt.is_null())
        .order_by_desc(support_need::Column::Id)
        .one(conn)
        .await?
        .map(|s| s.words);
    let breathing_space_until =
        holds::current_of_kind(conn, of.account_id, HoldKind::BreathingSpace, now)
            .await?
            .and_then(|h| h.ended_at);
    let open_dispute = dispute::Entity::find()
        .filter(dispute::Column::AccountId.eq(of.account_id))
        .filter(dispute::Column::CreditorId.eq(of.creditor_id))
        .filter(dispute::Column::Status.eq(DisputeStatus::Open))
        .one(conn)
        .await?
        .map(|d| OpenDispute {
            id: d.id,
            reason: d.reason.label(),
            opened_at: d.opened_at,
        });
    let hardship = hardship_statement::Entity::find()
        .filter(hardship_statement::Column::AccountId.eq(of.account_id))
        .filter(hardship_statement::Column::CreditorId.eq(of.creditor_id))
        .order_by_desc(hardship_statement::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(hardship_shown)
        .collect();
    let messages = message::Entity::find()
        .filter(message::Column::AccountId.eq(of.account_id))
        .filter(message::Column::CreditorId.eq(of.creditor_id))
        .count(conn)
        .await?;
    Ok(CarePanel {
        support_words,
        breathing_space_until,
        open_dispute,
        hardship,
        messages,
    })
}

fn event(at: DateTime<Utc>, kind: EventKind, title: &str, detail: Option<String>) -> TimelineEvent {
    TimelineEvent {
        at,
        kind,
        title: title.to_string(),
        detail,
    }
}

/// The account's care events for its timeline: hardship statements, extra support given and
/// withdrawn, disputes (opened, each entry, answered) and messages.
pub async fn timeline_events<C: ConnectionTrait>(
    conn: &C,
    of: CareOf,
) -> Result<Vec<TimelineEvent>, DbErr> {
    let mut events = Vec::new();
    let statements = hardship_statement::Entity::find()
        .filter(hardship_statement::Column::AccountId.eq(of.account_id))
        .filter(hardship_statement::Column::CreditorId.eq(of.creditor_id))
        .all(conn)
        .await?;
    for h in statements {
        let shown = hardship_shown(h);
        let left = shown.left.map(|l| format!("Left each month: {l}"));
        let title = format!("Told us about money troubles: {}", shown.reason);
        events.push(event(shown.at, EventKind::Hardship, &title, left));
    }
    let support = support_need::Entity::find()
        .filter(support_need::Column::DebtorId.eq(of.debtor_id))
        .filter(support_need::Column::CreditorId.eq(of.creditor_id))
        .all(conn)
        .await?;
    for s in support {
        // Once withdrawn, the person's words are no longer shown, even in the history.
        let words = s.withdrawn_at.is_none().then_some(s.words);
        if let Some(withdrawn) = s.withdrawn_at {
            events.push(event(
                withdrawn,
                EventKind::Support,
                "Extra support withdrawn by the person",
                None,
            ));
        }
        events.push(event(
            s.consented_at,
            EventKind::Support,
            "Asked for extra support",
            words,
        ));
    }
    events.extend(dispute_events(conn, of).await?);
    let messages = message::Entity::find()
        .filter(message::Column::AccountId.eq(of.account_id))
        .filter(message::Column::CreditorId.eq(of.creditor_id))
        .all(conn)
        .await?;
    for m in messages {
        let title = if m.staff_user_id.is_some() {
            "Message sent to the person"
        } else {
            "Message from the person"
        };
        events.push(event(m.created_at, EventKind::Message, title, None));
    }
    Ok(events)
}

async fn dispute_events<C: ConnectionTrait>(
    conn: &C,
    of: CareOf,
) -> Result<Vec<TimelineEvent>, DbErr> {
    let disputes = dispute::Entity::find()
        .filter(dispute::Column::AccountId.eq(of.account_id))
        .filter(dispute::Column::CreditorId.eq(of.creditor_id))
        .all(conn)
        .await?;
    let entries = dispute_entry::Entity::find()
        .filter(dispute_entry::Column::DisputeId.is_in(disputes.iter().map(|d| d.id)))
        .order_by_asc(dispute_entry::Column::Id)
        .all(conn)
        .await?;
    let mut events = Vec::new();
    for d in &disputes {
        let title = format!("Dispute opened: {}", d.reason.label());
        events.push(event(d.opened_at, EventKind::Dispute, &title, None));
        if let Some(answered) = d.answered_at {
            let title = match d.status {
                DisputeStatus::Upheld => "Dispute answered: upheld",
                _ => "Dispute answered: explained",
            };
            events.push(event(answered, EventKind::Dispute, title, d.answer.clone()));
        }
    }
    for e in entries {
        let title = format!("Dispute details added: {}", e.reason.label());
        events.push(event(
            e.created_at,
            EventKind::Dispute,
            &title,
            Some(e.details),
        ));
    }
    Ok(events)
}

/// A breathing space's start and end, in staff's words.
pub fn hold_titles(kind: HoldKind) -> (&'static str, &'static str) {
    match kind {
        HoldKind::Staff => ("Put on hold", "Hold ended"),
        HoldKind::Dispute => ("On hold while the dispute is open", "Dispute hold ended"),
        HoldKind::BreathingSpace => ("Breathing space started", "Breathing space ended"),
    }
}

/// The average score of one month's feedback, in tenths (43 reads 4.3).
#[derive(Debug, Clone)]
pub struct MonthScore {
    pub month: NaiveDate,
    pub answers: u64,
    pub average_tenths: Option<i64>,
}

impl MonthScore {
    pub fn average(&self) -> String {
        self.average_tenths.map_or("No scores".to_string(), |t| {
            format!("{}.{} out of 5", t / 10, t % 10)
        })
    }
}

#[derive(Debug, Clone)]
pub struct Comment {
    pub at: DateTime<Utc>,
    pub score: Option<i16>,
    pub text: String,
}

/// The care figures on the creditor's dashboard. Ages are whole days.
#[derive(Debug, Clone, Default)]
pub struct CareFigures {
    pub open_disputes: u64,
    pub oldest_dispute_days: Option<i64>,
    pub unanswered_threads: u64,
    pub oldest_unanswered_days: Option<i64>,
    pub breathing_spaces: u64,
    pub extra_support_people: u64,
    pub hardship_last_30_days: u64,
    /// The last six months, oldest first, this month included.
    pub feedback_by_month: Vec<MonthScore>,
    pub latest_comments: Vec<Comment>,
}

pub async fn figures<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
    now: DateTime<Utc>,
) -> Result<CareFigures, DbErr> {
    let open: Vec<DateTime<Utc>> = dispute::Entity::find()
        .select_only()
        .column(dispute::Column::OpenedAt)
        .filter(dispute::Column::CreditorId.eq(creditor_id))
        .filter(dispute::Column::Status.eq(DisputeStatus::Open))
        .into_tuple()
        .all(conn)
        .await?;
    let (unanswered_threads, oldest_unanswered) = unanswered(conn, creditor_id).await?;
    let days = |at: Option<DateTime<Utc>>| at.map(|at| (now - at).num_days());
    Ok(CareFigures {
        open_disputes: u64::try_from(open.len()).unwrap_or(0),
        oldest_dispute_days: days(open.iter().min().copied()),
        unanswered_threads,
        oldest_unanswered_days: days(oldest_unanswered),
        breathing_spaces: breathing_spaces(conn, creditor_id, now).await?,
        extra_support_people: support_need::Entity::find()
            .select_only()
            .column(support_need::Column::DebtorId)
            .distinct()
            .filter(support_need::Column::CreditorId.eq(creditor_id))
            .filter(support_need::Column::WithdrawnAt.is_null())
            .into_tuple::<i32>()
            .all(conn)
            .await?
            .len() as u64,
        hardship_last_30_days: hardship_statement::Entity::find()
            .filter(hardship_statement::Column::CreditorId.eq(creditor_id))
            .filter(hardship_statement::Column::CreatedAt.gte(now - Duration::days(30)))
            .count(conn)
            .await?,
        feedback_by_month: feedback_by_month(conn, creditor_id, now).await?,
        latest_comments: latest_comments(conn, creditor_id).await?,
    })
}

#[derive(FromQueryResult)]
struct Waiting {
    account_id: i32,
    created_at: DateTime<Utc>,
}

/// Threads whose newest message is the person's: how many, and since when the oldest has
/// waited (its first message after the last staff reply).
async fn unanswered<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
) -> Result<(u64, Option<DateTime<Utc>>), DbErr> {
    let sql = "SELECT m.account_id, m.created_at FROM messages m \
         WHERE m.creditor_id = $1 AND m.staff_user_id IS NULL AND NOT EXISTS \
         (SELECT 1 FROM messages r WHERE r.account_id = m.account_id \
          AND r.staff_user_id IS NOT NULL AND r.id > m.id)";
    let rows = Waiting::find_by_statement(Statement::from_sql_and_values(
        conn.get_database_backend(),
        sql,
        [creditor_id.into()],
    ))
    .all(conn)
    .await?;
    let mut threads: Vec<i32> = rows.iter().map(|r| r.account_id).collect();
    threads.sort_unstable();
    threads.dedup();
    let oldest = rows.iter().map(|r| r.created_at).min();
    Ok((u64::try_from(threads.len()).unwrap_or(0), oldest))
}

async fn breathing_spaces<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    use crate::entities::account;
    let accounts = sea_orm::sea_query::Query::select()
        .column(account::Column::Id)
        .from(account::Entity)
        .and_where(account::Column::CreditorId.eq(creditor_id))
        .to_owned();
    account_hold::Entity::find()
        .filter(account_hold::Column::Kind.eq(HoldKind::BreathingSpace))
        .filter(holds::in_force(now))
        .filter(account_hold::Column::AccountId.in_subquery(accounts))
        .count(conn)
        .await
}

fn month_start(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

async fn feedback_by_month<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
    now: DateTime<Utc>,
) -> Result<Vec<MonthScore>, DbErr> {
    let mut months = vec![month_start(now.date_naive())];
    for _ in 0..5 {
        let earlier = month_start(months[0] - Duration::days(1));
        months.insert(0, earlier);
    }
    let since = months[0].and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let rows: Vec<(DateTime<Utc>, Option<i16>)> = feedback::Entity::find()
        .select_only()
        .column(feedback::Column::CreatedAt)
        .column(feedback::Column::Score)
        .filter(feedback::Column::CreditorId.eq(creditor_id))
        .filter(feedback::Column::CreatedAt.gte(since))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(months
        .into_iter()
        .map(|month| {
            let scores: Vec<i64> = rows
                .iter()
                .filter(|(at, _)| month_start(at.date_naive()) == month)
                .filter_map(|(_, score)| score.map(i64::from))
                .collect();
            let answers = rows
                .iter()
                .filter(|(at, _)| month_start(at.date_naive()) == month)
                .count();
            let count = i64::try_from(scores.len()).unwrap_or(0);
            MonthScore {
                month,
                answers: u64::try_from(answers).unwrap_or(0),
                // Rounded to the nearest tenth.
                average_tenths: (count > 0)
                    .then(|| (scores.iter().sum::<i64>() * 100 / count + 5) / 10),
            }
        })
        .collect())
}

async fn latest_comments<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
) -> Result<Vec<Comment>, DbErr> {
    let rows = feedback::Entity::find()
        .filter(feedback::Column::CreditorId.eq(creditor_id))
        .filter(feedback::Column::Comment.is_not_null())
        .filter(feedback::Column::Comment.ne(""))
        .order_by_desc(feedback::Column::CreatedAt)
        .order_by_desc(feedback::Column::Id)
        .limit(5)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|f| Comment {
            at: f.created_at,
            score: f.score,
            text: f.comment.unwrap_or_default(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_months_average_reads_in_tenths() {
        let month = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let score = |average_tenths| MonthScore {
            month,
            answers: 2,
            average_tenths,
        };
        assert_eq!(score(Some(45)).average(), "4.5 out of 5");
        assert_eq!(score(Some(50)).average(), "5.0 out of 5");
        assert_eq!(score(None).average(), "No scores");
    }
}
