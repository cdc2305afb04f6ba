//! Holds: collection paused on an account. Every kind (staff, dispute, breathing space) is a
//! row in `account_holds`; one is in force while its `ended_at` is empty or still ahead, so
//! a breathing space, given its end when it starts, ends on its own with no job to run.
//! Reminders, autopay, fees and interest all ask here (or use [`NOT_HELD_SQL`]).
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{
    ColumnType, Condition, Expr, ExprTrait, Query, SelectStatement, SubQueryStatement,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QueryResult, QuerySelect, Set,
};

use crate::domain::care::HoldKind;
use crate::entities::{account, account_hold};

/// For the scheduler's SQL over the whole portfolio (alias `p` has `account_id`; `$1` is
/// today's date): leaves out accounts with a hold that is in force at any time today. A
/// hold ending today still counts, so reminders resume the day after it ends; the contact
/// policy checks the exact moment again at send time.
pub const NOT_HELD_SQL: &str = "NOT EXISTS (SELECT 1 FROM account_holds h \
     WHERE h.account_id = p.account_id AND (h.ended_at IS NULL OR h.ended_at > $1))";

/// Holds in force at `now`.
pub fn in_force(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(account_hold::Column::EndedAt.is_null())
        .add(account_hold::Column::EndedAt.gt(now))
}

/// Every hold in force on the account at `now`, oldest first.
pub async fn holds_in_force<C: ConnectionTrait>(
    conn: &C,
    account_id: i32,
    now: DateTime<Utc>,
) -> Result<Vec<account_hold::Model>, DbErr> {
    account_hold::Entity::find()
        .filter(account_hold::Column::AccountId.eq(account_id))
        .filter(in_force(now))
        .order_by_asc(account_hold::Column::StartedAt)
        .order_by_asc(account_hold::Column::Id)
        .all(conn)
        .await
}

/// What a person's own holds mean for their pages: a dispute pauses collection until the
/// creditor answers; a breathing space until a known day. Read as two extra columns of an
/// `accounts` query ([`HoldsInForce::select_with`]), so a page of accounts needs no query of
/// its own for holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HoldsInForce {
    pub disputed: bool,
    pub breathing_space_until: Option<DateTime<Utc>>,
}

const DISPUTED: &str = "disputed";
const BREATHING_SPACE_UNTIL: &str = "breathing_space_until";

/// The columns [`HoldsInForce::select_with`] adds and their types: a computed column has no
/// declared type for the SQLite reader (`db::ReadDb`) to read it by.
pub static COMPUTED_COLUMNS: [(&str, ColumnType); 2] = [
    (DISPUTED, ColumnType::Boolean),
    (BREATHING_SPACE_UNTIL, ColumnType::TimestampWithTimeZone),
];

impl HoldsInForce {
    /// Adds the two columns to a query over `accounts`, named with sea-orm's model `prefix`
    /// (`A_` for the first model of a joined select) so [`HoldsInForce::read`] finds them.
    pub fn select_with<Q: QuerySelect>(query: Q, now: DateTime<Utc>, prefix: &str) -> Q {
        let disputed = Expr::exists(
            of_kind_in_force(HoldKind::Dispute, now)
                .expr(Expr::val(1))
                .to_owned(),
        );
        let until = Expr::SubQuery(
            None,
            Box::new(SubQueryStatement::from(
                of_kind_in_force(HoldKind::BreathingSpace, now)
                    .expr(Expr::col((account_hold::Entity, account_hold::Column::EndedAt)).max())
                    .to_owned(),
            )),
        );
        query
            .column_as(disputed, format!("{prefix}{DISPUTED}"))
            .column_as(until, format!("{prefix}{BREATHING_SPACE_UNTIL}"))
    }

    pub fn read(row: &QueryResult, prefix: &str) -> Result<Self, DbErr> {
        Ok(Self {
            disputed: row.try_get(prefix, DISPUTED)?,
            breathing_space_until: row.try_get(prefix, BREATHING_SPACE_UNTIL)?,
        })
    }
}

/// Holds of one kind in force on the outer query's account.
fn of_kind_in_force(kind: HoldKind, now: DateTime<Utc>) -> SelectStatement {
    Query::select()
        .from(account_hold::Entity)
        .and_where(
            Expr::col((account_hold::Entity, account_hold::Column::AccountId))
                .equals((account::Entity, account::Column::Id)),
        )
        .and_where(account_hold::Column::Kind.eq(kind))
        .cond_where(in_force(now))
        .to_owned()
}

/// The holds in force on these accounts at `now`: one query for a whole page.
pub async fn in_force_on<C: ConnectionTrait>(
    conn: &C,
    account_ids: &[i32],
    now: DateTime<Utc>,
) -> Result<Vec<account_hold::Model>, DbErr> {
    if account_ids.is_empty() {
        return Ok(Vec::new());
    }
    account_hold::Entity::find()
        .filter(account_hold::Column::AccountId.is_in(account_ids.iter().copied()))
        .filter(in_force(now))
        .all(conn)
        .await
}

/// The oldest hold in force on the account, if any.
pub async fn current<C: ConnectionTrait>(
    conn: &C,
    account_id: i32,
    now: DateTime<Utc>,
) -> Result<Option<account_hold::Model>, DbErr> {
    Ok(holds_in_force(conn, account_id, now)
        .await?
        .into_iter()
        .next())
}

/// The hold of one kind in force on the account, if any.
pub async fn current_of_kind<C: ConnectionTrait>(
    conn: &C,
    account_id: i32,
    kind: HoldKind,
    now: DateTime<Utc>,
) -> Result<Option<account_hold::Model>, DbErr> {
    account_hold::Entity::find()
        .filter(account_hold::Column::AccountId.eq(account_id))
        .filter(account_hold::Column::Kind.eq(kind))
        .filter(in_force(now))
        .one(conn)
        .await
}

/// A hold to start.
#[derive(Clone, Debug)]
pub struct NewHold<'a> {
    pub account_id: i32,
    pub kind: HoldKind,
    /// In the words of whoever started it (staff's reason, the dispute's reason).
    pub reason: &'a str,
    /// A staff user's id for a staff hold, the debtor record's id otherwise.
    pub started_by: i32,
    /// When it ends by itself (a breathing space); none to last until ended.
    pub until: Option<DateTime<Utc>>,
}

pub async fn start<C: ConnectionTrait>(
    conn: &C,
    hold: NewHold<'_>,
    now: DateTime<Utc>,
) -> Result<account_hold::Model, DbErr> {
    account_hold::ActiveModel {
        account_id: Set(hold.account_id),
        kind: Set(hold.kind),
        reason: Set(hold.reason.to_string()),
        started_by: Set(hold.started_by),
        started_at: Set(now),
        ended_at: Set(hold.until),
        ..Default::default()
    }
    .insert(conn)
    .await
}

/// Ends one hold now, if it is still in force. True when it was.
pub async fn end<C: ConnectionTrait>(
    conn: &C,
    hold_id: i32,
    ended_by: i32,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let ended = account_hold::Entity::update_many()
        .col_expr(account_hold::Column::EndedAt, Expr::value(Some(now)))
        .col_expr(account_hold::Column::EndedBy, Expr::value(Some(ended_by)))
        .filter(account_hold::Column::Id.eq(hold_id))
        .filter(in_force(now))
        .exec(conn)
        .await?;
    Ok(ended.rows_affected == 1)
}
