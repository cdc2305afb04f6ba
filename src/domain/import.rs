//! Checking a CSV file of accounts before anything is imported.
//!
//! One row per ledger item: an account with three items has three rows, and the account
//! columns repeat on each. The check is pure (bytes in, a report out) so every rule is tested
//! without a database. Row numbers are the ones a spreadsheet shows: the header is row 1.
//!
//! Amounts are written without a sign; the kind says which way they go (a payment takes
//! off, a fee adds). Only an adjustment may carry a minus sign, for a correction downwards.
use std::collections::HashMap;

use chrono::NaiveDate;

use super::balance::EntryKind;
use super::inputs::{AccountReference, EmailAddress, InputError};
use super::money::{Currency, Money, MoneyError};

stored_enum! {
    /// Where an import is. Stored in `imports.status`.
    pub enum ImportStatus {
        /// Checked and waiting for someone to choose to import.
        Checked = "checked",
        Queued = "queued",
        Running = "running",
        Done = "done",
        Failed = "failed",
    }
}

impl ImportStatus {
    /// Waiting for, or in, the background job.
    pub fn is_under_way(self) -> bool {
        matches!(self, Self::Queued | Self::Running)
    }
}

/// The columns, in order. The header row must be exactly this (case and spaces aside).
pub const HEADER: [&str; 10] = [
    "reference",
    "name",
    "email",
    "date_of_birth",
    "time_zone",
    "currency",
    "amount",
    "date",
    "kind",
    "description",
];

/// How many problems a report keeps; the rest are only counted.
pub const PROBLEMS_KEPT: usize = 200;
const MAX_NAME_CHARS: usize = 200;
const MAX_DESCRIPTION_CHARS: usize = 300;
const EARLIEST_BIRTH_YEAR: i32 = 1900;

/// A whole-file problem: nothing in the file can be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("The file is not UTF-8 text. Save it as CSV UTF-8 and try again")]
    NotUtf8,
    #[error("The file is empty. Choose a CSV file with a header row and at least one account")]
    Empty,
    #[error(
        "The first row must be the column names reference,name,email,date_of_birth,time_zone,currency,amount,date,kind,description in that order"
    )]
    WrongHeader,
    #[error("The file has a header row but no accounts")]
    NoRows,
    #[error("The file could not be read as CSV. Save it as CSV UTF-8 and try again")]
    NotCsv,
}

/// One problem with one cell (or a whole row, when `column` is "row").
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RowProblem {
    pub row: u64,
    pub column: String,
    pub message: String,
}

/// One ledger item from the file, with its sign applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportItem {
    pub kind: EntryKind,
    /// Positive adds to what is owed, negative takes off.
    pub amount_minor: i64,
    pub date: NaiveDate,
    pub description: String,
}

/// One account: its details and every item the file lists for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportAccount {
    pub reference: String,
    pub name: String,
    pub email: String,
    pub date_of_birth: NaiveDate,
    pub time_zone: String,
    pub currency: Currency,
    pub items: Vec<ImportItem>,
}

impl ImportAccount {
    /// What the file says is owed: the sum of its items. Checked when the file is read.
    pub fn balance_minor(&self) -> i64 {
        self.items.iter().map(|i| i.amount_minor).sum()
    }
}

/// The outcome of checking a readable file.
#[derive(Debug, Clone, Default)]
pub struct CheckedFile {
    /// Accounts whose every row is fine, in the order they first appear.
    pub accounts: Vec<ImportAccount>,
    pub total_rows: u64,
    pub invalid_rows: u64,
    /// Distinct references with at least one readable reference cell.
    pub total_accounts: u64,
    pub problem_count: u64,
    /// The first [`PROBLEMS_KEPT`] problems, in row order.
    pub problems: Vec<RowProblem>,
}

impl CheckedFile {
    pub fn valid_accounts(&self) -> u64 {
        self.accounts.len() as u64
    }

    pub fn is_clean(&self) -> bool {
        self.problem_count == 0
    }

    fn problem(&mut self, row: u64, column: &str, message: impl Into<String>) {
        self.problem_count += 1;
        if self.problems.len() < PROBLEMS_KEPT {
            self.problems.push(RowProblem {
                row,
                column: column.to_string(),
                message: message.into(),
            });
        }
    }
}

/// The account columns of one row, once each has been read.
#[derive(Clone, PartialEq, Eq)]
struct AccountFields {
    name: String,
    email: String,
    date_of_birth: NaiveDate,
    time_zone: String,
    currency: Currency,
}

/// An account being built up while the file is read.
struct Pending {
    first_row: u64,
    fields: Option<AccountFields>,
    items: Vec<ImportItem>,
    invalid: bool,
    balance: i64,
}

/// Checks a whole file. `today` bounds dates of birth and item dates.
pub fn check(bytes: &[u8], today: NaiveDate) -> Result<CheckedFile, FileError> {
    let text = std::str::from_utf8(bytes).map_err(|_| FileError::NotUtf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(FileError::Empty);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = records
        .next()
        .ok_or(FileError::Empty)?
        .map_err(|_| FileError::NotCsv)?;
    let header_ok = header.len() == HEADER.len()
        && header
            .iter()
            .zip(HEADER)
            .all(|(found, wanted)| found.trim().eq_ignore_ascii_case(wanted));
    if !header_ok {
        return Err(FileError::WrongHeader);
    }

    let mut report = CheckedFile::default();
    let mut order: Vec<String> = Vec::new();
    let mut pending: HashMap<String, Pending> = HashMap::new();
    let mut row: u64 = 1;
    for record in records {
        row += 1;
        let record = record.map_err(|_| FileError::NotCsv)?;
        if record.iter().all(|cell| cell.trim().is_empty()) {
            // Spreadsheets often leave blank lines at the end; they are not rows.
            row -= 1;
            continue;
        }
        report.total_rows += 1;
        let problems_before = report.problem_count;
        if record.len() != HEADER.len() {
            report.problem(
                row,
                "row",
                format!(
                    "This row has {} columns; every row needs {}",
                    record.len(),
                    HEADER.len()
                ),
            );
            report.invalid_rows += 1;
            continue;
        }
        let cell = |i: usize| record.get(i).unwrap_or_default();
        let reference = match AccountReference::parse(cell(0)) {
            Ok(reference) => Some(reference.as_str().to_string()),
            Err(err) => {
                report.problem(row, "reference", reference_message(err));
                None
            }
        };
        let fields = read_account_fields(&record, row, today, &mut report);
        let item = fields
            .as_ref()
            .map(|f| f.currency)
            .and_then(|currency| read_item(&record, row, currency, today, &mut report));
        // Fields that failed are still checked above, so every problem in a row is listed.
        let item = if fields.is_none() {
            read_item_without_currency(&record, row, today, &mut report);
            None
        } else {
            item
        };

        let Some(reference) = reference else {
            report.invalid_rows += 1;
            continue;
        };
        let entry = pending.entry(reference.clone()).or_insert_with(|| {
            order.push(reference.clone());
            Pending {
                first_row: row,
                fields: None,
                items: Vec::new(),
                invalid: false,
                balance: 0,
            }
        });
        if let (Some(fields), Some(known)) = (&fields, &entry.fields) {
            for column in differing_columns(known, fields) {
                report.problem(
                    row,
                    column,
                    format!(
                        "The {} is different from row {} for reference {reference}. Every row of one account must have the same {}",
                        column_words(column),
                        entry.first_row,
                        column_words(column)
                    ),
                );
            }
        }
        if entry.fields.is_none() {
            entry.fields = fields;
        }
        match item {
            Some(item) if report.problem_count == problems_before => {
                match entry.balance.checked_add(item.amount_minor) {
                    Some(sum) if sum.unsigned_abs() <= MAX_BALANCE_MINOR => {
                        entry.balance = sum;
                        entry.items.push(item);
                    }
                    _ => {
                        report.problem(
                            row,
                            "amount",
                            "The account's total is too large to work with",
                        );
                        entry.invalid = true;
                        report.invalid_rows += 1;
                    }
                }
            }
            _ => {
                entry.invalid = true;
                report.invalid_rows += 1;
            }
        }
    }
    if report.total_rows == 0 {
        return Err(FileError::NoRows);
    }
    report.total_accounts = order.len() as u64;
    for reference in order {
        let Some(done) = pending.remove(&reference) else {
            continue;
        };
        if done.invalid {
            continue;
        }
        let Some(fields) = done.fields else { continue };
        report.accounts.push(ImportAccount {
            reference,
            name: fields.name,
            email: fields.email,
            date_of_birth: fields.date_of_birth,
            time_zone: fields.time_zone,
            currency: fields.currency,
            items: done.items,
        });
    }
    Ok(report)
}

/// What importing a file does to one account the creditor already has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reconciliation {
    /// The account is kept in another currency than the file says: left alone.
    OtherCurrency,
    Unchanged,
    /// The creditor's records changed by this much (minor units): one adjustment for it.
    Change(i64),
}

/// Compares the file's balance with the creditor's own entries only: the items first imported
/// and earlier import adjustments. What was paid, discounted or refunded in the portal is not in
/// the creditor's file, so it never comes into the comparison and a re-import cannot undo it.
pub fn reconcile(
    file_balance_minor: i64,
    same_currency: bool,
    creditor_entries_minor: i64,
) -> Reconciliation {
    if !same_currency {
        return Reconciliation::OtherCurrency;
    }
    match file_balance_minor - creditor_entries_minor {
        0 => Reconciliation::Unchanged,
        difference => Reconciliation::Change(difference),
    }
}

/// How many accounts a preview lists; the rest are only counted.
pub const PREVIEW_KEPT: usize = 200;

/// What a checked file would do, shown to staff before they choose to import it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImportPreview {
    pub will_change: u64,
    pub unchanged: u64,
    pub new_accounts: u64,
    pub other_currency: u64,
    /// Accounts we already have: first those that will change, then those that will not, at
    /// most [`PREVIEW_KEPT`].
    pub lines: Vec<PreviewLine>,
}

/// One account we already have, with what is owed now and after the import.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PreviewLine {
    pub reference: String,
    /// ISO 4217 code.
    pub currency: String,
    pub before_minor: i64,
    pub after_minor: i64,
}

impl PreviewLine {
    pub fn changes(&self) -> bool {
        self.before_minor != self.after_minor
    }
}

impl ImportPreview {
    /// Counts one account of the file. `existing` is `None` for a new account, else what the
    /// import would do and what is owed now.
    pub fn add(
        &mut self,
        reference: &str,
        currency: &str,
        existing: Option<(Reconciliation, i64)>,
    ) {
        let (before_minor, after_minor) = match existing {
            None => {
                self.new_accounts += 1;
                return;
            }
            Some((Reconciliation::OtherCurrency, _)) => {
                self.other_currency += 1;
                return;
            }
            Some((Reconciliation::Unchanged, now)) => {
                self.unchanged += 1;
                (now, now)
            }
            Some((Reconciliation::Change(difference), now)) => {
                self.will_change += 1;
                (now, now + difference)
            }
        };
        let line = PreviewLine {
            reference: reference.to_string(),
            currency: currency.to_string(),
            before_minor,
            after_minor,
        };
        // Changes are what staff need to see: one may push an unchanged line out, never the
        // other way round.
        if self.lines.len() < PREVIEW_KEPT {
            self.lines.push(line);
        } else if line.changes()
            && let Some(unchanged) = self.lines.iter().rposition(|l| !l.changes())
        {
            self.lines.remove(unchanged);
            self.lines.push(line);
        }
    }

    /// Changes first, each group in file order.
    pub fn finish(mut self) -> Self {
        self.lines.sort_by_key(|l| !l.changes());
        self
    }
}

/// Far beyond any real balance; keeps every later sum away from overflow.
const MAX_BALANCE_MINOR: u64 = 1_000_000_000_000_000;

fn reference_message(err: InputError) -> &'static str {
    match err {
        InputError::ReferenceTooLong => "The reference is longer than 32 characters",
        InputError::ReferenceInvalidCharacters => {
            "The reference can only have letters, numbers, dashes and slashes"
        }
        _ => "The reference is missing",
    }
}

fn read_account_fields(
    record: &csv::StringRecord,
    row: u64,
    today: NaiveDate,
    report: &mut CheckedFile,
) -> Option<AccountFields> {
    let cell = |i: usize| record.get(i).unwrap_or_default().trim();
    let name = cell(1);
    let name = if name.is_empty() {
        report.problem(row, "name", "The name is missing");
        None
    } else if name.chars().count() > MAX_NAME_CHARS {
        report.problem(row, "name", "The name is longer than 200 characters");
        None
    } else if name.chars().any(char::is_control) {
        report.problem(row, "name", "The name has characters that cannot be shown");
        None
    } else {
        Some(name.to_string())
    };
    let email = match EmailAddress::parse(cell(2)) {
        Ok(email) => Some(email.as_str().to_string()),
        Err(InputError::EmailMissing) => {
            report.problem(row, "email", "The email address is missing");
            None
        }
        Err(_) => {
            report.problem(
                row,
                "email",
                "The email address is not in the right format, like name@example.com",
            );
            None
        }
    };
    let date_of_birth = match parse_date(cell(3)) {
        Some(d) if d > today => {
            report.problem(row, "date_of_birth", "The date of birth is in the future");
            None
        }
        Some(d) if chrono::Datelike::year(&d) < EARLIEST_BIRTH_YEAR => {
            report.problem(row, "date_of_birth", "The date of birth is before 1900");
            None
        }
        Some(d) => Some(d),
        None => {
            report.problem(
                row,
                "date_of_birth",
                "The date of birth must be a real date written as YYYY-MM-DD, like 1985-04-12",
            );
            None
        }
    };
    let time_zone = match cell(4).parse::<chrono_tz::Tz>() {
        Ok(tz) => Some(tz.name().to_string()),
        Err(_) => {
            report.problem(
                row,
                "time_zone",
                "The time zone must be a name like Europe/London",
            );
            None
        }
    };
    let currency = match Currency::parse(cell(5)) {
        Ok(currency) => Some(currency),
        Err(_) => {
            report.problem(
                row,
                "currency",
                "The currency must be a code we support, like GBP or EUR",
            );
            None
        }
    };
    Some(AccountFields {
        name: name?,
        email: email?,
        date_of_birth: date_of_birth?,
        time_zone: time_zone?,
        currency: currency?,
    })
}

/// Reads the item columns; `currency` decides how many decimal places the amount may have.
fn read_item(
    record: &csv::StringRecord,
    row: u64,
    currency: Currency,
    today: NaiveDate,
    report: &mut CheckedFile,
) -> Option<ImportItem> {
    let cell = |i: usize| record.get(i).unwrap_or_default().trim();
    let kind = read_kind(cell(8), row, report);
    let amount = match kind {
        Some(kind) => read_amount(cell(6), kind, currency, row, report),
        None => {
            // Still check the number itself, as if it were an adjustment.
            read_amount(cell(6), EntryKind::Adjustment, currency, row, report);
            None
        }
    };
    let date = read_item_date(cell(7), row, today, report);
    let description = read_description(cell(9), row, report);
    Some(ImportItem {
        kind: kind?,
        amount_minor: amount?,
        date: date?,
        description: description?,
    })
}

/// When the account columns failed (so the currency may be unknown), the item columns are
/// still checked so the report lists every problem in the row at once.
fn read_item_without_currency(
    record: &csv::StringRecord,
    row: u64,
    today: NaiveDate,
    report: &mut CheckedFile,
) {
    let cell = |i: usize| record.get(i).unwrap_or_default().trim();
    let currency = Currency::parse(cell(5)).ok();
    let kind = read_kind(cell(8), row, report);
    if let Some(currency) = currency {
        read_amount(
            cell(6),
            kind.unwrap_or(EntryKind::Adjustment),
            currency,
            row,
            report,
        );
    }
    read_item_date(cell(7), row, today, report);
    read_description(cell(9), row, report);
}

fn read_kind(text: &str, row: u64, report: &mut CheckedFile) -> Option<EntryKind> {
    let kind = EntryKind::parse(text);
    if kind.is_none() {
        report.problem(
            row,
            "kind",
            "The kind must be one of principal, fee, interest, payment, credit, adjustment, reversal or discount",
        );
    }
    kind
}

fn read_item_date(
    text: &str,
    row: u64,
    today: NaiveDate,
    report: &mut CheckedFile,
) -> Option<NaiveDate> {
    match parse_date(text) {
        Some(d) if d > today => {
            report.problem(row, "date", "The date is in the future");
            None
        }
        Some(d) => Some(d),
        None => {
            report.problem(
                row,
                "date",
                "The date must be a real date written as YYYY-MM-DD, like 2026-04-01",
            );
            None
        }
    }
}

fn read_description(text: &str, row: u64, report: &mut CheckedFile) -> Option<String> {
    if text.is_empty() {
        report.problem(
            row,
            "description",
            "The description is missing. For fees and interest, say why it was added",
        );
        None
    } else if text.chars().count() > MAX_DESCRIPTION_CHARS {
        report.problem(
            row,
            "description",
            "The description is longer than 300 characters",
        );
        None
    } else if text.chars().any(|c| c.is_control() && c != '\n') {
        report.problem(
            row,
            "description",
            "The description has characters that cannot be shown",
        );
        None
    } else {
        Some(text.to_string())
    }
}

/// Which way each kind moves the balance; `None` means "as written" (adjustments).
fn sign_of(kind: EntryKind) -> Option<i64> {
    match kind {
        EntryKind::Principal | EntryKind::Fee | EntryKind::Interest | EntryKind::Reversal => {
            Some(1)
        }
        EntryKind::Payment | EntryKind::Credit | EntryKind::Discount => Some(-1),
        EntryKind::Adjustment => None,
    }
}

fn read_amount(
    text: &str,
    kind: EntryKind,
    currency: Currency,
    row: u64,
    report: &mut CheckedFile,
) -> Option<i64> {
    let (negative, number) = match text.trim().strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if negative && sign_of(kind).is_some() {
        report.problem(
            row,
            "amount",
            format!(
                "Write the amount without a minus sign; the kind {kind} already says which way it goes"
            ),
        );
        return None;
    }
    let parsed = match Money::parse(number, currency) {
        Ok(money) => money.to_minor().map_err(|_| MoneyError::Overflow),
        Err(err) => Err(err),
    };
    match parsed {
        Ok(0) => {
            report.problem(row, "amount", "The amount must be more than zero");
            None
        }
        Ok(minor) => Some(minor * sign_of(kind).unwrap_or(if negative { -1 } else { 1 })),
        Err(MoneyError::Empty { .. }) => {
            report.problem(row, "amount", "The amount is missing");
            None
        }
        Err(MoneyError::TooManyDecimals { currency }) => {
            report.problem(
                row,
                "amount",
                format!(
                    "The amount has more than {} decimal places for {currency}",
                    currency.minor_digits()
                ),
            );
            None
        }
        Err(MoneyError::TooLarge { .. }) | Err(MoneyError::Overflow) => {
            report.problem(row, "amount", "The amount is too large");
            None
        }
        Err(_) => {
            report.problem(row, "amount", "The amount must be a number, like 1284.50");
            None
        }
    }
}

/// Dates are written YYYY-MM-DD, nothing else.
fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shaped {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

fn differing_columns(known: &AccountFields, found: &AccountFields) -> Vec<&'static str> {
    let mut columns = Vec::new();
    if known.name != found.name {
        columns.push("name");
    }
    if known.email != found.email {
        columns.push("email");
    }
    if known.date_of_birth != found.date_of_birth {
        columns.push("date_of_birth");
    }
    if known.time_zone != found.time_zone {
        columns.push("time_zone");
    }
    if known.currency != found.currency {
        columns.push("currency");
    }
    columns
}

fn column_words(column: &str) -> &'static str {
    match column {
        "name" => "name",
        "email" => "email address",
        "date_of_birth" => "date of birth",
        "time_zone" => "time zone",
        _ => "currency",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_statuses_are_stored_as_before() {
        crate::domain::stored::tests::round_trips(&ImportStatus::ALL, |s| s.as_str());
        assert_eq!(
            ImportStatus::ALL.map(ImportStatus::as_str),
            ["checked", "queued", "running", "done", "failed"]
        );
    }
    use proptest::prelude::*;

    const HEAD: &str =
        "reference,name,email,date_of_birth,time_zone,currency,amount,date,kind,description\n";

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).expect("date")
    }

    fn check_text(body: &str) -> Result<CheckedFile, FileError> {
        check(format!("{HEAD}{body}").as_bytes(), today())
    }

    fn problems(body: &str) -> Vec<(u64, String)> {
        check_text(body)
            .expect("readable")
            .problems
            .into_iter()
            .map(|p| (p.row, p.column))
            .collect()
    }

    #[test]
    fn a_good_file_groups_rows_into_accounts() {
        let report = check_text(
            "nw-1,Alex Morgan,alex@example.com,1985-04-12,Europe/London,GBP,1240.00,2026-04-01,principal,Electricity\n\
             NW-1,Alex Morgan,alex@example.com,1985-04-12,Europe/London,GBP,25,2026-05-02,fee,Late payment fee because the bill was late\n\
             NW-2,Sam Lee,sam@example.com,1990-09-30,Europe/London,GBP,480,2026-04-01,principal,Water\n\
             NW-1,Alex Morgan,alex@example.com,1985-04-12,Europe/London,GBP,200,2026-06-15,payment,Bank transfer\n",
        )
        .expect("readable");
        assert!(report.is_clean(), "{:?}", report.problems);
        assert_eq!(report.total_rows, 4);
        assert_eq!(report.total_accounts, 2);
        assert_eq!(report.accounts.len(), 2);
        let alex = &report.accounts[0];
        assert_eq!(alex.reference, "NW-1");
        assert_eq!(alex.items.len(), 3);
        assert_eq!(alex.balance_minor(), 124_000 + 2_500 - 20_000);
        assert_eq!(report.accounts[1].balance_minor(), 48_000);
    }

    #[test]
    fn only_the_creditors_own_entries_are_compared() {
        // Owed 1,065 by the file; 200 paid in the portal does not count as a difference.
        assert_eq!(reconcile(106_500, true, 106_500), Reconciliation::Unchanged);
        assert_eq!(
            reconcile(112_500, true, 106_500),
            Reconciliation::Change(6_000)
        );
        assert_eq!(
            reconcile(100_000, true, 106_500),
            Reconciliation::Change(-6_500)
        );
        assert_eq!(reconcile(1, false, 2), Reconciliation::OtherCurrency);
    }

    #[test]
    fn a_preview_keeps_changes_before_unchanged_accounts() {
        let gbp = "GBP";
        let mut preview = ImportPreview::default();
        for n in 0..PREVIEW_KEPT {
            preview.add(
                &format!("U-{n}"),
                gbp,
                Some((Reconciliation::Unchanged, 100)),
            );
        }
        preview.add("C-1", gbp, Some((Reconciliation::Change(-50), 100)));
        preview.add("N-1", gbp, None);
        preview.add("X-1", gbp, Some((Reconciliation::OtherCurrency, 100)));
        let preview = preview.finish();
        assert_eq!(
            (
                preview.will_change,
                preview.unchanged,
                preview.new_accounts,
                preview.other_currency
            ),
            (1, PREVIEW_KEPT as u64, 1, 1)
        );
        assert_eq!(preview.lines.len(), PREVIEW_KEPT);
        assert_eq!(preview.lines[0].reference, "C-1");
        assert_eq!(
            (preview.lines[0].before_minor, preview.lines[0].after_minor),
            (100, 50)
        );
        assert!(!preview.lines[1].changes());
    }

    #[test]
    fn whole_file_problems() {
        assert_eq!(
            check(b"\xff\xfe\x00a", today()).unwrap_err(),
            FileError::NotUtf8
        );
        assert_eq!(
            check(b"\xff\xfe\x00a", today()).unwrap_err().to_string(),
            "The file is not UTF-8 text. Save it as CSV UTF-8 and try again"
        );
        assert_eq!(check(b"", today()).unwrap_err(), FileError::Empty);
        assert_eq!(
            check(b"ref,name\nA,B\n", today()).unwrap_err(),
            FileError::WrongHeader
        );
        assert_eq!(
            check(HEAD.as_bytes(), today()).unwrap_err(),
            FileError::NoRows
        );
        // Excel's "CSV UTF-8" starts with a byte order mark; that is fine.
        let with_bom = format!(
            "\u{feff}{HEAD}A-1,Jo,jo@example.com,1980-01-01,Europe/London,GBP,1,2026-01-01,principal,X\n"
        );
        assert!(
            check(with_bom.as_bytes(), today())
                .expect("readable")
                .is_clean()
        );
    }

    #[test]
    fn each_bad_cell_is_reported_with_row_and_column() {
        let found = problems(
            "A-1,Jo,jo@example.com,1980-01-01,Europe/London,GBP,12.345,2026-01-01,principal,X\n\
             A-2,Jo,jo@example.com,1980-01-01,Europe/London,GBP,12,2026-02-30,principal,X\n\
             A-3,Jo,jo@example.com,1980-01-01,Europe/London,GBP,12,2026-01-01,gift,X\n\
             A-4,Jo,not-an-email,1980-01-01,Europe/London,GBP,12,2026-01-01,principal,X\n\
             A_5,Jo,jo@example.com,1980-01-01,Europe/London,GBP,12,2026-01-01,principal,X\n\
             A-6,Jo,jo@example.com,01/01/1980,Mars/Base,XXX,abc,2026-01-01,payment,\n\
             A-7,Jo\n",
        );
        assert_eq!(
            found,
            vec![
                (2, "amount".to_string()),
                (3, "date".to_string()),
                (4, "kind".to_string()),
                (5, "email".to_string()),
                (6, "reference".to_string()),
                (7, "date_of_birth".to_string()),
                (7, "time_zone".to_string()),
                (7, "currency".to_string()),
                (7, "description".to_string()),
                (8, "row".to_string()),
            ]
        );
    }

    #[test]
    fn signs_follow_the_kind() {
        let report = check_text(
            "A-1,Jo,jo@example.com,1980-01-01,UTC,GBP,100,2026-01-01,principal,X\n\
             A-1,Jo,jo@example.com,1980-01-01,UTC,GBP,10,2026-01-02,payment,X\n\
             A-1,Jo,jo@example.com,1980-01-01,UTC,GBP,-5,2026-01-03,adjustment,X\n\
             A-1,Jo,jo@example.com,1980-01-01,UTC,GBP,1,2026-01-04,discount,X\n",
        )
        .expect("readable");
        assert_eq!(
            report.accounts[0].balance_minor(),
            10_000 - 1_000 - 500 - 100
        );
        assert_eq!(
            problems("A-1,Jo,jo@example.com,1980-01-01,UTC,GBP,-10,2026-01-02,payment,X\n"),
            vec![(2, "amount".to_string())]
        );
    }

    #[test]
    fn conflicting_account_details_make_the_account_invalid() {
        let report = check_text(
            "A-1,Jo,jo@example.com,1980-01-01,UTC,GBP,100,2026-01-01,principal,X\n\
             A-1,Jo,jo@example.com,1981-01-01,UTC,GBP,10,2026-01-02,fee,Late\n\
             B-1,Bo,bo@example.com,1980-01-01,UTC,GBP,100,2026-01-01,principal,X\n",
        )
        .expect("readable");
        assert_eq!(report.problem_count, 1);
        assert_eq!(report.problems[0].row, 3);
        assert_eq!(report.problems[0].column, "date_of_birth");
        assert!(report.problems[0].message.contains("row 2"));
        assert_eq!(report.total_accounts, 2);
        assert_eq!(report.accounts.len(), 1);
        assert_eq!(report.accounts[0].reference, "B-1");
    }

    #[test]
    fn problems_are_capped_but_counted() {
        let body: String = (0..500)
            .map(|i| format!("A-{i},Jo,bad,1980-01-01,UTC,GBP,1,2026-01-01,principal,X\n"))
            .collect();
        let report = check_text(&body).expect("readable");
        assert_eq!(report.problem_count, 500);
        assert_eq!(report.problems.len(), PROBLEMS_KEPT);
        assert_eq!(report.invalid_rows, 500);
        assert!(report.accounts.is_empty());
    }

    proptest! {
        #[test]
        fn never_panics_on_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
            let _ = check(&bytes, today());
        }

        #[test]
        fn never_panics_on_any_text_after_the_header(body in "\\PC{0,400}") {
            let _ = check_text(&body);
        }

        #[test]
        fn valid_amounts_round_trip(minor in 1i64..10_000_000_000, kind in 0usize..8) {
            let kind = EntryKind::ALL[kind];
            let major = format!("{}.{:02}", minor / 100, minor % 100);
            let body = format!("A-1,Jo,jo@example.com,1980-01-01,UTC,GBP,{major},2026-01-01,{kind},Why\n");
            let report = check_text(&body).expect("readable");
            prop_assert!(report.is_clean());
            let expected = minor * sign_of(kind).unwrap_or(1);
            prop_assert_eq!(report.accounts[0].balance_minor(), expected);
        }
    }
}
