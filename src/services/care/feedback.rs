//! Answers to "how easy was that?": kept with ids only (account, debtor row, creditor), and
//! summed up for the creditor's dashboard: the average score per month and the latest
//! comments.
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::domain::feedback::{FeedbackAnswer, FeedbackMoment};
use crate::entities::{account, feedback};
use crate::services::accounts::people;

/// How many months the summary covers, this one included.
pub const SUMMARY_MONTHS: u32 = 6;
/// How many comments the summary lists.
pub const LATEST_COMMENTS: u64 = 5;

/// Keeps an answer about one of the person's accounts. Returns false when the account is
/// not theirs (nothing kept).
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    signed_in: i32,
    account_id: i32,
    answer: FeedbackAnswer,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    if people::holder_of_account(conn, signed_in, account_id)
        .await?
        .is_none()
    {
        return Ok(false);
    }
    let Some(found) = account::Entity::find_by_id(account_id).one(conn).await? else {
        return Ok(false);
    };
    feedback::ActiveModel {
        account_id: Set(found.id),
        debtor_id: Set(found.debtor_id),
        creditor_id: Set(found.creditor_id),
        moment: Set(answer.moment),
        score: Set(answer.score),
        comment: Set(answer.comment),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(true)
}

/// One month of answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonthScore {
    /// The first day of the month (UTC).
    pub month: NaiveDate,
    /// Answers with a score that month.
    pub scored: u32,
    /// Their average, to one decimal place; None when nobody gave a score.
    pub average: Option<Decimal>,
}

/// A recent comment, without anything that names the person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecentComment {
    pub created_at: DateTime<Utc>,
    pub moment: FeedbackMoment,
    pub score: Option<i16>,
    pub comment: String,
}

/// What the creditor's dashboard shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedbackSummary {
    /// The last [`SUMMARY_MONTHS`] months, oldest first, this month last.
    pub months: Vec<MonthScore>,
    /// The latest [`LATEST_COMMENTS`] comments, newest first.
    pub latest: Vec<RecentComment>,
}

/// The first day of `now`'s month and of each of the months before it, oldest first.
fn month_starts(now: DateTime<Utc>) -> Vec<NaiveDate> {
    let this_month = now.date_naive().with_day(1).unwrap_or(now.date_naive());
    (0..SUMMARY_MONTHS)
        .rev()
        .filter_map(|back| this_month.checked_sub_months(Months::new(back)))
        .collect()
}

/// The average score per month over the last six months and the latest comments, for one
/// creditor.
pub async fn summary<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
    now: DateTime<Utc>,
) -> Result<FeedbackSummary, DbErr> {
    let starts = month_starts(now);
    let from = starts
        .first()
        .copied()
        .unwrap_or(now.date_naive())
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc();
    let scores: Vec<(i16, DateTime<Utc>)> = feedback::Entity::find()
        .select_only()
        .column(feedback::Column::Score)
        .column(feedback::Column::CreatedAt)
        .filter(feedback::Column::CreditorId.eq(creditor_id))
        .filter(feedback::Column::CreatedAt.gte(from))
        .filter(feedback::Column::CreatedAt.lte(now))
        .filter(feedback::Column::Score.is_not_null())
        .into_tuple()
        .all(conn)
        .await?;
    let months = starts
        .iter()
        .map(|start| {
            let in_month: Vec<i64> = scores
                .iter()
                .filter(|(_, at)| at.year() == start.year() && at.month() == start.month())
                .map(|(score, _)| i64::from(*score))
                .collect();
            let scored = u32::try_from(in_month.len()).unwrap_or(u32::MAX);
            let average = (scored > 0).then(|| {
                (Decimal::from(in_month.iter().sum::<i64>()) / Decimal::from(scored)).round_dp(1)
            });
            MonthScore {
                month: *start,
                scored,
                average,
            }
        })
        .collect();
    let latest = feedback::Entity::find()
        .filter(feedback::Column::CreditorId.eq(creditor_id))
        .filter(feedback::Column::Comment.is_not_null())
        .filter(feedback::Column::CreatedAt.lte(now))
        .order_by_desc(feedback::Column::CreatedAt)
        .order_by_desc(feedback::Column::Id)
        .limit(LATEST_COMMENTS)
        .all(conn)
        .await?
        .into_iter()
        .map(|row| RecentComment {
            created_at: row.created_at,
            moment: row.moment,
            score: row.score,
            comment: row.comment.unwrap_or_default(),
        })
        .collect();
    Ok(FeedbackSummary { months, latest })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_months_end_with_this_one() {
        let now: DateTime<Utc> = "2026-03-15T12:00:00Z".parse().unwrap();
        let starts = month_starts(now);
        assert_eq!(starts.len(), 6);
        assert_eq!(starts[0], NaiveDate::from_ymd_opt(2025, 10, 1).unwrap());
        assert_eq!(starts[5], NaiveDate::from_ymd_opt(2026, 3, 1).unwrap());
    }
}
