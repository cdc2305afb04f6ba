//! Everything held about one person, for them to read or download: every debtor row of the
//! same person (one per creditor), each with its accounts and all that hangs off them.
//!
//! The download is a list of tables (a title, column names, rows of text), so the readable
//! page and the JSON file show exactly the same things and a new kind of record is one more
//! table. Attachments are listed by name only: the files themselves can be opened from the
//! pages they belong to.
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Map, Value};

use crate::domain::{Currency, Money};
use crate::entities::{
    account, attachment, audit_log, autopay_mandate, contact_preference, creditor, debtor, dispute,
    dispute_entry, feedback, hardship_statement, installment, ledger_entry, message,
    outbox_message, payment_attempt, plan, support_need,
};
use crate::services::accounts::people::same_person_rows;

/// One kind of record, as rows of text under column names.
#[derive(Debug, Clone)]
pub struct Table {
    pub title: &'static str,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    fn new(title: &'static str, columns: &[&'static str]) -> Self {
        Self {
            title,
            columns: columns.to_vec(),
            rows: Vec::new(),
        }
    }

    fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    fn to_json(&self) -> Value {
        let rows = self
            .rows
            .iter()
            .map(|row| {
                let object: Map<String, Value> = self
                    .columns
                    .iter()
                    .zip(row)
                    .map(|(column, value)| (column.to_string(), Value::String(value.clone())))
                    .collect();
                Value::Object(object)
            })
            .collect();
        Value::Array(rows)
    }
}

/// What one creditor holds about the person.
#[derive(Debug, Clone)]
pub struct CreditorRecord {
    pub creditor: String,
    pub full_name: String,
    pub email: String,
    pub time_zone: String,
    pub tables: Vec<Table>,
}

#[derive(Debug, Clone)]
pub struct PersonData {
    pub made_at: DateTime<Utc>,
    pub records: Vec<CreditorRecord>,
}

impl PersonData {
    pub fn to_json(&self) -> Value {
        let records = self
            .records
            .iter()
            .map(|record| {
                let mut object = Map::new();
                object.insert("creditor".into(), record.creditor.clone().into());
                object.insert("full_name".into(), record.full_name.clone().into());
                object.insert("email".into(), record.email.clone().into());
                object.insert("time_zone".into(), record.time_zone.clone().into());
                for table in &record.tables {
                    object.insert(table.title.to_string(), table.to_json());
                }
                Value::Object(object)
            })
            .collect::<Vec<_>>();
        serde_json::json!({
            "made_at": self.made_at.to_rfc3339(),
            "records": records,
        })
    }
}

fn when(at: DateTime<Utc>) -> String {
    at.format("%-d %B %Y %H:%M UTC").to_string()
}

fn when_opt(at: Option<DateTime<Utc>>) -> String {
    at.map(when).unwrap_or_default()
}

fn money(minor: i64, currency: &str) -> String {
    Currency::parse(currency)
        .map(|c| Money::from_minor(minor, c).to_string())
        .unwrap_or_else(|_| format!("{minor} ({currency} minor units)"))
}

fn money_opt(minor: Option<i64>, currency: &str) -> String {
    minor.map(|m| money(m, currency)).unwrap_or_default()
}

fn text(value: Option<String>) -> String {
    value.unwrap_or_default()
}

/// Everything held about the person signed in as `debtor_id`.
pub async fn collect<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
    now: DateTime<Utc>,
) -> Result<PersonData, DbErr> {
    let rows = debtor::Entity::find()
        .filter(debtor::Column::Id.in_subquery(same_person_rows(debtor_id)))
        .order_by_asc(debtor::Column::Id)
        .all(conn)
        .await?;
    let mut records = Vec::with_capacity(rows.len());
    for row in rows {
        records.push(record_of(conn, row).await?);
    }
    Ok(PersonData {
        made_at: now,
        records,
    })
}

async fn record_of<C: ConnectionTrait>(
    conn: &C,
    row: debtor::Model,
) -> Result<CreditorRecord, DbErr> {
    let creditor = creditor::Entity::find_by_id(row.creditor_id)
        .one(conn)
        .await?
        .map(|c| c.display_name)
        .unwrap_or_default();
    let accounts = account::Entity::find()
        .filter(account::Column::DebtorId.eq(row.id))
        .order_by_asc(account::Column::Id)
        .all(conn)
        .await?;
    let ids: Vec<i32> = accounts.iter().map(|a| a.id).collect();
    let references = |id: i32| {
        accounts
            .iter()
            .find(|a| a.id == id)
            .map(|a| a.reference.clone())
            .unwrap_or_default()
    };
    let mut tables = vec![accounts_table(&accounts)];
    tables.push(ledger_table(conn, &ids, &references).await?);
    tables.extend(plan_tables(conn, row.id, &references).await?);
    tables.push(payments_table(conn, row.id, &references).await?);
    tables.push(mandates_table(conn, row.id, &references).await?);
    tables.push(preferences_table(conn, row.id).await?);
    tables.push(emails_table(conn, row.id).await?);
    tables.push(sign_ins_table(conn, row.id).await?);
    tables.push(hardship_table(conn, row.id, &references).await?);
    tables.push(support_table(conn, row.id).await?);
    tables.extend(dispute_tables(conn, row.id, &references).await?);
    tables.push(messages_table(conn, row.id, &references).await?);
    tables.push(feedback_table(conn, row.id, &references).await?);
    tables.push(attachments_table(conn, row.id, &references).await?);
    Ok(CreditorRecord {
        creditor,
        full_name: row.full_name,
        email: row.email,
        time_zone: row.time_zone,
        tables,
    })
}

fn accounts_table(accounts: &[account::Model]) -> Table {
    let mut table = Table::new("Accounts", &["Reference", "What it is for", "Opened"]);
    for a in accounts {
        table.push(vec![
            a.reference.clone(),
            a.description.clone(),
            when(a.created_at),
        ]);
    }
    table
}

async fn ledger_table<C: ConnectionTrait>(
    conn: &C,
    account_ids: &[i32],
    reference: &impl Fn(i32) -> String,
) -> Result<Table, DbErr> {
    let mut table = Table::new(
        "Balance entries",
        &["Account", "Date", "Kind", "Amount", "Description", "Why"],
    );
    let entries = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::AccountId.is_in(account_ids.to_vec()))
        .order_by_asc(ledger_entry::Column::Id)
        .all(conn)
        .await?;
    for e in entries {
        table.push(vec![
            reference(e.account_id),
            e.occurred_on.format("%-d %B %Y").to_string(),
            format!("{:?}", e.kind),
            money(e.amount_minor.0, &e.currency),
            e.description,
            text(e.reason),
        ]);
    }
    Ok(table)
}

async fn plan_tables<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
    reference: &impl Fn(i32) -> String,
) -> Result<Vec<Table>, DbErr> {
    let mut plans_table = Table::new(
        "Plans",
        &[
            "Plan",
            "Account",
            "Kind",
            "Status",
            "Total",
            "Pay later until",
            "Your note",
            "Agreed words",
            "Agreed at",
            "Made",
        ],
    );
    let mut installments_table = Table::new(
        "Plan payments",
        &["Plan", "Number", "Due", "Amount", "Paid", "Missed"],
    );
    let plans = plan::Entity::find()
        .filter(plan::Column::DebtorId.eq(debtor_id))
        .order_by_asc(plan::Column::Id)
        .all(conn)
        .await?;
    for p in &plans {
        plans_table.push(vec![
            p.id.to_string(),
            reference(p.account_id),
            format!("{:?}", p.kind),
            p.status.to_string(),
            money(p.total_minor, &p.currency),
            p.defer_until.map(|d| d.to_string()).unwrap_or_default(),
            text(p.debtor_note.clone()),
            text(p.consent_text.clone()),
            when_opt(p.consent_at),
            when(p.created_at),
        ]);
        let rows = installment::Entity::find()
            .filter(installment::Column::PlanId.eq(p.id))
            .order_by_asc(installment::Column::Seq)
            .all(conn)
            .await?;
        for i in rows {
            installments_table.push(vec![
                p.id.to_string(),
                i.seq.to_string(),
                i.due_on.format("%-d %B %Y").to_string(),
                money(i.amount_minor, &p.currency),
                money(i.paid_minor, &p.currency),
                if i.missed { "yes" } else { "no" }.to_string(),
            ]);
        }
    }
    Ok(vec![plans_table, installments_table])
}

async fn payments_table<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
    reference: &impl Fn(i32) -> String,
) -> Result<Table, DbErr> {
    let mut table = Table::new(
        "Payments",
        &[
            "Account",
            "Amount",
            "For",
            "Status",
            "Paid with",
            "Started",
            "Went through",
        ],
    );
    let rows = payment_attempt::Entity::find()
        .filter(payment_attempt::Column::DebtorId.eq(debtor_id))
        .order_by_asc(payment_attempt::Column::Id)
        .all(conn)
        .await?;
    for a in rows {
        table.push(vec![
            reference(a.account_id),
            money(a.amount_minor, &a.currency),
            a.purpose.to_string(),
            a.status.to_string(),
            a.provider.to_string(),
            when(a.created_at),
            when_opt(a.succeeded_at),
        ]);
    }
    Ok(table)
}

async fn mandates_table<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
    reference: &impl Fn(i32) -> String,
) -> Result<Table, DbErr> {
    let mut table = Table::new(
        "Automatic payments",
        &[
            "Account",
            "Plan",
            "Status",
            "Card kept by",
            "Set up",
            "Turned on",
            "Ended",
        ],
    );
    let rows = autopay_mandate::Entity::find()
        .filter(autopay_mandate::Column::DebtorId.eq(debtor_id))
        .order_by_asc(autopay_mandate::Column::Id)
        .all(conn)
        .await?;
    for m in rows {
        table.push(vec![
            reference(m.account_id),
            m.plan_id.to_string(),
            m.status.to_string(),
            m.provider.to_string(),
            when(m.created_at),
            when_opt(m.activated_at),
            when_opt(m.ended_at),
        ]);
    }
    Ok(table)
}

async fn preferences_table<C: ConnectionTrait>(conn: &C, debtor_id: i32) -> Result<Table, DbErr> {
    let mut table = Table::new(
        "Contact preferences",
        &[
            "Reminders by email",
            "Time of day",
            "Payday",
            "Paused until",
            "Changed",
        ],
    );
    if let Some(p) = contact_preference::Entity::find_by_id(debtor_id)
        .one(conn)
        .await?
    {
        table.push(vec![
            if p.reminders_by_email { "yes" } else { "no" }.to_string(),
            p.time_of_day.to_string(),
            p.payday.map(|d| d.to_string()).unwrap_or_default(),
            when_opt(p.paused_until),
            when(p.updated_at),
        ]);
    }
    Ok(table)
}

async fn emails_table<C: ConnectionTrait>(conn: &C, debtor_id: i32) -> Result<Table, DbErr> {
    let mut table = Table::new("Emails", &["Subject", "To", "Status", "Date"]);
    let rows = outbox_message::Entity::find()
        .filter(outbox_message::Column::DebtorId.eq(debtor_id))
        .order_by_asc(outbox_message::Column::Id)
        .all(conn)
        .await?;
    for m in rows {
        table.push(vec![
            m.subject,
            m.to_address,
            m.status.to_string(),
            when(m.sent_at.unwrap_or(m.created_at)),
        ]);
    }
    Ok(table)
}

async fn sign_ins_table<C: ConnectionTrait>(conn: &C, debtor_id: i32) -> Result<Table, DbErr> {
    let mut table = Table::new("Sign-ins", &["Date", "How"]);
    let rows = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("debtor.signed_in"))
        .filter(audit_log::Column::SubjectId.eq(debtor_id))
        .order_by_asc(audit_log::Column::Id)
        .all(conn)
        .await?;
    for a in rows {
        table.push(vec![when(a.created_at), a.detail]);
    }
    Ok(table)
}

async fn hardship_table<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
    reference: &impl Fn(i32) -> String,
) -> Result<Table, DbErr> {
    let mut table = Table::new(
        "Money troubles you told us about",
        &[
            "Account",
            "Date",
            "What changed",
            "Income a month",
            "Housing",
            "Utilities",
            "Food",
            "Transport",
            "Other debts",
            "Other",
            "Left a month",
            "What you chose",
        ],
    );
    let rows = hardship_statement::Entity::find()
        .filter(hardship_statement::Column::DebtorId.eq(debtor_id))
        .order_by_asc(hardship_statement::Column::Id)
        .all(conn)
        .await?;
    for h in rows {
        let c = h.currency.as_str();
        table.push(vec![
            reference(h.account_id),
            when(h.created_at),
            h.reason.label().to_string(),
            money_opt(h.income_minor, c),
            money_opt(h.housing_minor, c),
            money_opt(h.utilities_minor, c),
            money_opt(h.food_minor, c),
            money_opt(h.transport_minor, c),
            money_opt(h.other_debts_minor, c),
            money_opt(h.other_minor, c),
            money_opt(h.left_minor, c),
            h.outcome.to_string(),
        ]);
    }
    Ok(table)
}

async fn support_table<C: ConnectionTrait>(conn: &C, debtor_id: i32) -> Result<Table, DbErr> {
    let mut table = Table::new(
        "Extra support",
        &["Your words", "You agreed on", "You withdrew it on"],
    );
    let rows = support_need::Entity::find()
        .filter(support_need::Column::DebtorId.eq(debtor_id))
        .order_by_asc(support_need::Column::Id)
        .all(conn)
        .await?;
    for s in rows {
        table.push(vec![
            s.words,
            when(s.consented_at),
            when_opt(s.withdrawn_at),
        ]);
    }
    Ok(table)
}

async fn dispute_tables<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
    reference: &impl Fn(i32) -> String,
) -> Result<Vec<Table>, DbErr> {
    let mut disputes = Table::new(
        "Disputes",
        &[
            "Dispute", "Account", "Reason", "Status", "Opened", "Answer", "Answered",
        ],
    );
    let mut entries = Table::new(
        "What you told us in disputes",
        &["Dispute", "Date", "Reason", "Details"],
    );
    let rows = dispute::Entity::find()
        .filter(dispute::Column::DebtorId.eq(debtor_id))
        .order_by_asc(dispute::Column::Id)
        .all(conn)
        .await?;
    for d in &rows {
        disputes.push(vec![
            d.id.to_string(),
            reference(d.account_id),
            d.reason.label().to_string(),
            d.status.to_string(),
            when(d.opened_at),
            text(d.answer.clone()),
            when_opt(d.answered_at),
        ]);
    }
    let found = dispute_entry::Entity::find()
        .filter(dispute_entry::Column::DisputeId.is_in(rows.iter().map(|d| d.id)))
        .order_by_asc(dispute_entry::Column::Id)
        .all(conn)
        .await?;
    for e in found {
        entries.push(vec![
            e.dispute_id.to_string(),
            when(e.created_at),
            e.reason.label().to_string(),
            e.details,
        ]);
    }
    Ok(vec![disputes, entries])
}

async fn messages_table<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
    reference: &impl Fn(i32) -> String,
) -> Result<Table, DbErr> {
    let mut table = Table::new("Messages", &["Account", "Date", "From", "Message"]);
    let rows = message::Entity::find()
        .filter(message::Column::DebtorId.eq(debtor_id))
        .order_by_asc(message::Column::Id)
        .all(conn)
        .await?;
    for m in rows {
        let from = if m.staff_user_id.is_some() {
            "Staff"
        } else {
            "You"
        };
        table.push(vec![
            reference(m.account_id),
            when(m.created_at),
            from.to_string(),
            m.body,
        ]);
    }
    Ok(table)
}

async fn feedback_table<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
    reference: &impl Fn(i32) -> String,
) -> Result<Table, DbErr> {
    let mut table = Table::new(
        "Feedback",
        &["Account", "Date", "After", "Score", "Comment"],
    );
    let rows = feedback::Entity::find()
        .filter(feedback::Column::DebtorId.eq(debtor_id))
        .order_by_asc(feedback::Column::Id)
        .all(conn)
        .await?;
    for f in rows {
        table.push(vec![
            reference(f.account_id),
            when(f.created_at),
            f.moment.to_string(),
            f.score.map(|s| s.to_string()).unwrap_or_default(),
            text(f.comment),
        ]);
    }
    Ok(table)
}

async fn attachments_table<C: ConnectionTrait>(
    conn: &C,
    debtor_id: i32,
    reference: &impl Fn(i32) -> String,
) -> Result<Table, DbErr> {
    let mut table = Table::new(
        "Files",
        &["Account", "Name", "Size in bytes", "Sent", "Erased"],
    );
    let rows = attachment::Entity::find()
        .filter(attachment::Column::DebtorId.eq(debtor_id))
        .order_by_asc(attachment::Column::Id)
        .all(conn)
        .await?;
    for a in rows {
        table.push(vec![
            reference(a.account_id),
            a.file_name,
            a.size_bytes.to_string(),
            when(a.created_at),
            when_opt(a.erased_at),
        ]);
    }
    Ok(table)
}
