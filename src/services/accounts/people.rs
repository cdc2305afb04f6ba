//! One person, several accounts. A person is who someone is whatever the creditor: their
//! normalised email and the keyed hash of their date of birth. Each creditor keeps its own
//! debtor row (its staff see only that), and every debtor row points at its person, so one
//! sign-in reaches all of that person's accounts.
//!
//! The signed-in debtor is still one debtor row; "their accounts" are the accounts of every
//! debtor row of the same person. A row not linked to a person (written before people
//! existed, by hand) counts as a person of its own.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::entities::{account, debtor, payment_attempt, person};

/// Who someone is across creditors: (normalised email, keyed hash of the date of birth).
pub type Identity = (String, String);

/// The email as people are matched by it: surrounding spaces and case do not make another
/// person.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Rows per INSERT: three values each stays far below the bind-parameter limits.
const PEOPLE_PER_INSERT: usize = 2_000;

/// The person id of each identity, adding the people not seen before. The unique index on
/// (email, date of birth) decides: when two imports add the same person at once, one insert
/// does nothing and both read the same row. On PostgreSQL the rows stay locked until the
/// caller commits, so two imports for one creditor cannot both add a debtor row for them.
pub async fn ensure_people<C: ConnectionTrait>(
    conn: &C,
    identities: &[Identity],
    now: DateTime<Utc>,
) -> Result<HashMap<Identity, i32>, DbErr> {
    let mut wanted: Vec<&Identity> = identities.iter().collect();
    wanted.sort();
    wanted.dedup();
    for chunk in wanted.chunks(PEOPLE_PER_INSERT) {
        let rows = chunk.iter().map(|(email, dob_hash)| person::ActiveModel {
            email_normalised: Set(email.clone()),
            dob_hash: Set(dob_hash.clone()),
            created_at: Set(now),
            ..Default::default()
        });
        person::Entity::insert_many(rows)
            .on_conflict_do_nothing_on([person::Column::EmailNormalised, person::Column::DobHash])
            .exec_without_returning(conn)
            .await?;
    }
    let mut found = HashMap::with_capacity(wanted.len());
    for chunk in wanted.chunks(PEOPLE_PER_INSERT) {
        let emails: Vec<&str> = chunk.iter().map(|(email, _)| email.as_str()).collect();
        let rows: Vec<(i32, String, String)> = person::Entity::find()
            .select_only()
            .columns([
                person::Column::Id,
                person::Column::EmailNormalised,
                person::Column::DobHash,
            ])
            .filter(person::Column::EmailNormalised.is_in(emails))
            .order_by_asc(person::Column::Id)
            .lock_exclusive()
            .into_tuple()
            .all(conn)
            .await?;
        for (id, email, dob_hash) in rows {
            let identity = (email, dob_hash);
            // Others sharing the email (another date of birth) are not asked for.
            if chunk.binary_search(&&identity).is_ok() {
                found.insert(identity, id);
            }
        }
    }
    Ok(found)
}

/// The person with this email and date of birth, added if new.
pub async fn ensure_person<C: ConnectionTrait>(
    conn: &C,
    email: &str,
    dob_hash: &str,
    now: DateTime<Utc>,
) -> Result<i32, DbErr> {
    let identity = (normalise_email(email), dob_hash.to_string());
    ensure_people(conn, std::slice::from_ref(&identity), now)
        .await?
        .get(&identity)
        .copied()
        .ok_or(DbErr::RecordNotInserted)
}

/// For each of these people, the creditor's debtor row for them (the oldest, should there be
/// several from before people were matched).
pub async fn debtor_rows_at<C: ConnectionTrait>(
    conn: &C,
    creditor_id: i32,
    person_ids: Vec<i32>,
) -> Result<HashMap<i32, i32>, DbErr> {
    let mut rows = HashMap::new();
    for chunk in person_ids.chunks(PEOPLE_PER_INSERT) {
        let found: Vec<(i32, Option<i32>)> = debtor::Entity::find()
            .select_only()
            .columns([debtor::Column::Id, debtor::Column::PersonId])
            .filter(debtor::Column::CreditorId.eq(creditor_id))
            .filter(debtor::Column::PersonId.is_in(chunk.to_vec()))
            .order_by_desc(debtor::Column::Id)
            .into_tuple()
            .all(conn)
            .await?;
        // Newest first, so the oldest row is the one left in the map.
        for (id, person_id) in found {
            if let Some(person_id) = person_id {
                rows.insert(person_id, id);
            }
        }
    }
    Ok(rows)
}

/// The ids of every debtor row of the same person as `debtor_id`, itself included.
pub fn same_person_rows(debtor_id: i32) -> SelectStatement {
    let person_of = Query::select()
        .column(debtor::Column::PersonId)
        .from(debtor::Entity)
        .and_where(debtor::Column::Id.eq(debtor_id))
        .to_owned();
    Query::select()
        .column(debtor::Column::Id)
        .from(debtor::Entity)
        .cond_where(
            Condition::any()
                .add(debtor::Column::Id.eq(debtor_id))
                .add(debtor::Column::PersonId.in_subquery(person_of)),
        )
        .to_owned()
}

/// The debtor row holding this account, if the account belongs to the same person as the
/// signed-in debtor row; `None` for anyone else's account.
pub async fn holder_of_account<C: ConnectionTrait>(
    conn: &C,
    signed_in: i32,
    account_id: i32,
) -> Result<Option<i32>, DbErr> {
    account::Entity::find_by_id(account_id)
        .select_only()
        .column(account::Column::DebtorId)
        .filter(account::Column::DebtorId.in_subquery(same_person_rows(signed_in)))
        .into_tuple()
        .one(conn)
        .await
}

/// The debtor row a payment attempt was made for, if it is the same person's.
pub async fn holder_of_attempt<C: ConnectionTrait>(
    conn: &C,
    signed_in: i32,
    attempt_id: i32,
) -> Result<Option<i32>, DbErr> {
    payment_attempt::Entity::find_by_id(attempt_id)
        .select_only()
        .column(payment_attempt::Column::DebtorId)
        .filter(payment_attempt::Column::DebtorId.in_subquery(same_person_rows(signed_in)))
        .into_tuple()
        .one(conn)
        .await
}

/// Who gets a sign-in link for this email: one debtor row per person (the oldest), so a person
/// with accounts at several creditors gets one email, not one per account.
pub async fn sign_in_holders<C: ConnectionTrait>(
    conn: &C,
    email: &str,
) -> Result<Vec<debtor::Model>, DbErr> {
    let people_with_email = Query::select()
        .column(person::Column::Id)
        .from(person::Entity)
        .and_where(person::Column::EmailNormalised.eq(normalise_email(email)))
        .to_owned();
    let rows = debtor::Entity::find()
        .filter(
            Condition::any()
                .add(debtor::Column::Email.eq(email))
                .add(debtor::Column::PersonId.in_subquery(people_with_email)),
        )
        .order_by_asc(debtor::Column::Id)
        .all(conn)
        .await?;
    // A row without a person is a person of its own.
    let mut seen = std::collections::HashSet::new();
    Ok(rows
        .into_iter()
        .filter(|row| seen.insert(row.person_id.ok_or(row.id)))
        .collect())
}
