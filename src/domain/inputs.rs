//! Values read from what a person typed into a form.
//!
//! Each type can only be made by `parse`, so once a handler has one it knows
//! the value is usable. When parsing fails, the [`InputError`] message is
//! meant to be shown next to the field. People reading these messages may be
//! worried about money, so they are short, plain, say what to do next and
//! never blame the reader.

use chrono::{Datelike, NaiveDate};

/// The longest reference number we issue.
const MAX_REFERENCE_CHARS: usize = 32;
/// The earliest year of birth we accept; anything earlier is a typing slip.
const EARLIEST_BIRTH_YEAR: i32 = 1900;
/// Limits from the email standards (RFC 5321).
const MIN_EMAIL_CHARS: usize = 3;
const MAX_EMAIL_CHARS: usize = 254;
const MAX_EMAIL_LOCAL_PART_CHARS: usize = 64;
const MAX_DOMAIN_LABEL_CHARS: usize = 63;

/// One of the three boxes of a date of birth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DatePart {
    Day,
    Month,
    Year,
}

impl DatePart {
    /// The id of the form field, so an error summary can link to it.
    pub fn field_id(self) -> &'static str {
        match self {
            DatePart::Day => "dob-day",
            DatePart::Month => "dob-month",
            DatePart::Year => "dob-year",
        }
    }

    fn name(self) -> &'static str {
        match self {
            DatePart::Day => "day",
            DatePart::Month => "month",
            DatePart::Year => "year",
        }
    }
}

/// Which parts of a date of birth were left empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MissingDateParts {
    pub day: bool,
    pub month: bool,
    pub year: bool,
}

impl MissingDateParts {
    fn parts(self) -> Vec<DatePart> {
        [
            (self.day, DatePart::Day),
            (self.month, DatePart::Month),
            (self.year, DatePart::Year),
        ]
        .into_iter()
        .filter_map(|(missing, part)| missing.then_some(part))
        .collect()
    }

    fn first(self) -> DatePart {
        self.parts().first().copied().unwrap_or(DatePart::Day)
    }
}

/// "Your date of birth must include a day and year".
fn incomplete_date_message(missing: &MissingDateParts) -> String {
    let names: Vec<&str> = missing.parts().into_iter().map(DatePart::name).collect();
    format!("Your date of birth must include a {}", names.join(" and "))
}

/// Something typed into a form that we could not use, with the message to
/// show next to the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("Enter your reference number")]
    ReferenceMissing,
    #[error("Your reference number is too long. Check it and try again")]
    ReferenceTooLong,
    #[error("Your reference number can only have letters, numbers and dashes")]
    ReferenceInvalidCharacters,
    #[error("Enter your date of birth")]
    DateOfBirthMissing,
    #[error("{}", incomplete_date_message(.missing))]
    DateOfBirthIncomplete { missing: MissingDateParts },
    #[error("Enter a real date of birth")]
    DateOfBirthNotReal { part: DatePart },
    #[error("Your date of birth must be in the past")]
    DateOfBirthInFuture,
    #[error("Enter your email address")]
    EmailMissing,
    #[error("Enter an email address in the right format, like name@example.com")]
    EmailInvalid,
}

impl InputError {
    /// The id of the form field to link to and highlight.
    ///
    /// For a date of birth this is the first box that needs fixing:
    /// "dob-day", "dob-month" or "dob-year". When the whole date is wrong it
    /// is "dob-day", the first box. Other fields are "reference" and "email".
    pub fn field(&self) -> &'static str {
        match self {
            InputError::ReferenceMissing
            | InputError::ReferenceTooLong
            | InputError::ReferenceInvalidCharacters => "reference",
            InputError::DateOfBirthMissing | InputError::DateOfBirthInFuture => {
                DatePart::Day.field_id()
            }
            InputError::DateOfBirthIncomplete { missing } => missing.first().field_id(),
            InputError::DateOfBirthNotReal { part } => part.field_id(),
            InputError::EmailMissing | InputError::EmailInvalid => "email",
        }
    }

    /// The message to show next to the field.
    pub fn message(&self) -> String {
        self.to_string()
    }
}

/// An account reference number, e.g. "GT-2024/00123".
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AccountReference(String);

impl AccountReference {
    /// Tidies what was typed, then checks it could be one of our references.
    ///
    /// Spaces anywhere are dropped, because people copy references from
    /// letters with spaces in them and our references never contain any.
    /// Letters are made upper case so "gt-1" and "GT-1" are the same.
    pub fn parse(input: &str) -> Result<AccountReference, InputError> {
        let reference: String = input
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if reference.is_empty() {
            return Err(InputError::ReferenceMissing);
        }
        if reference.chars().count() > MAX_REFERENCE_CHARS {
            return Err(InputError::ReferenceTooLong);
        }
        if !reference.chars().all(is_reference_char) {
            return Err(InputError::ReferenceInvalidCharacters);
        }
        Ok(AccountReference(reference))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_reference_char(c: char) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '/'
}

impl std::fmt::Display for AccountReference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A real date of birth in the past, typed as separate day, month and year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateOfBirth(NaiveDate);

impl DateOfBirth {
    /// Reads the three boxes of a date of birth.
    ///
    /// `today` is passed in (rather than read from the clock) so the rule is
    /// easy to test and uses the same "today" as the rest of the request.
    /// Months may be typed as numbers or names ("3", "Mar", "March").
    pub fn parse(
        day: &str,
        month: &str,
        year: &str,
        today: NaiveDate,
    ) -> Result<DateOfBirth, InputError> {
        let (day, month, year) = (day.trim(), month.trim(), year.trim());
        check_all_parts_present(day, month, year)?;

        let not_real = |part| InputError::DateOfBirthNotReal { part };
        let day = parse_number(day, 2)
            .filter(|d| (1..=31).contains(d))
            .ok_or(not_real(DatePart::Day))?;
        let month = parse_month(month).ok_or(not_real(DatePart::Month))?;
        let year = parse_number(year, 4)
            .and_then(|y| i32::try_from(y).ok())
            .filter(|y| *y >= EARLIEST_BIRTH_YEAR)
            .ok_or(not_real(DatePart::Year))?;
        // The day is in range for some month but not this one, e.g. 31 February.
        let date = NaiveDate::from_ymd_opt(year, month, day).ok_or(not_real(DatePart::Day))?;

        if date > today {
            return Err(InputError::DateOfBirthInFuture);
        }
        Ok(DateOfBirth(date))
    }

    pub fn date(&self) -> NaiveDate {
        self.0
    }

    pub fn year(&self) -> i32 {
        self.0.year()
    }
}

fn check_all_parts_present(day: &str, month: &str, year: &str) -> Result<(), InputError> {
    let missing = MissingDateParts {
        day: day.is_empty(),
        month: month.is_empty(),
        year: year.is_empty(),
    };
    match (missing.day, missing.month, missing.year) {
        (true, true, true) => Err(InputError::DateOfBirthMissing),
        (false, false, false) => Ok(()),
        _ => Err(InputError::DateOfBirthIncomplete { missing }),
    }
}

/// A whole number of at most `max_digits` digits, nothing else.
fn parse_number(text: &str, max_digits: usize) -> Option<u32> {
    let is_number = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    if !is_number || text.len() > max_digits {
        return None;
    }
    text.parse().ok()
}

const MONTH_NAMES: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// A month as a number ("3", "03") or name ("Mar", "march"), 1 to 12.
fn parse_month(text: &str) -> Option<u32> {
    if let Some(number) = parse_number(text, 2) {
        return (1..=12).contains(&number).then_some(number);
    }
    let name = text.to_lowercase();
    let is_abbreviation = name.len() == 3;
    let index = MONTH_NAMES
        .iter()
        .position(|full| *full == name || (is_abbreviation && full.starts_with(name.as_str())))?;
    u32::try_from(index + 1).ok()
}

/// An email address in a usable shape.
///
/// This checks the shape only; whether the address really reaches the
/// person is checked by sending to it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Checks the shape of an address and lower-cases the domain (domains
    /// are not case-sensitive; the part before the "@" can be, so it is kept).
    pub fn parse(input: &str) -> Result<EmailAddress, InputError> {
        let text = input.trim();
        if text.is_empty() {
            return Err(InputError::EmailMissing);
        }
        let (local, domain) = split_address(text).ok_or(InputError::EmailInvalid)?;
        if !is_valid_local_part(local) || !is_valid_domain(domain) {
            return Err(InputError::EmailInvalid);
        }
        Ok(EmailAddress(format!("{local}@{}", domain.to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Splits "name@example.com" at its only "@", after checking the overall
/// length and that there are no spaces or invisible characters.
fn split_address(text: &str) -> Option<(&str, &str)> {
    let length = text.chars().count();
    let has_bad_chars = text.chars().any(|c| c.is_whitespace() || c.is_control());
    if !(MIN_EMAIL_CHARS..=MAX_EMAIL_CHARS).contains(&length) || has_bad_chars {
        return None;
    }
    let (local, domain) = text.split_once('@')?;
    (!domain.contains('@')).then_some((local, domain))
}

/// The part before the "@": letters, digits and the punctuation email
/// allows without quoting, with dots only between other characters.
fn is_valid_local_part(local: &str) -> bool {
    let allowed = |c: char| c.is_alphanumeric() || c == '.' || "!#$%&'*+-/=?^_`{|}~".contains(c);
    !local.is_empty()
        && local.chars().count() <= MAX_EMAIL_LOCAL_PART_CHARS
        && local.chars().all(allowed)
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
}

/// The part after the "@": at least two dot-separated labels of letters,
/// digits and inner hyphens.
fn is_valid_domain(domain: &str) -> bool {
    domain.contains('.') && domain.split('.').all(is_valid_domain_label)
}

fn is_valid_domain_label(label: &str) -> bool {
    !label.is_empty()
        && label.chars().count() <= MAX_DOMAIN_LABEL_CHARS
        && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 15).expect("valid test date")
    }

    fn dob(day: &str, month: &str, year: &str) -> Result<DateOfBirth, InputError> {
        DateOfBirth::parse(day, month, year, today())
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    // ---- AccountReference ----

    #[test]
    fn reference_is_tidied() {
        let reference = AccountReference::parse("  gt-2024/00123 ").expect("valid");
        assert_eq!(reference.as_str(), "GT-2024/00123");
        assert_eq!(
            AccountReference::parse("ab 12 34").map(|r| r.to_string()),
            Ok("AB1234".to_string())
        );
        assert!(AccountReference::parse(&"A".repeat(32)).is_ok());
    }

    #[test]
    fn reference_errors() {
        assert_eq!(
            AccountReference::parse(""),
            Err(InputError::ReferenceMissing)
        );
        assert_eq!(
            AccountReference::parse("   \t "),
            Err(InputError::ReferenceMissing)
        );
        assert_eq!(
            AccountReference::parse(&"A".repeat(33)),
            Err(InputError::ReferenceTooLong)
        );
        assert_eq!(
            AccountReference::parse(&"x".repeat(5000)),
            Err(InputError::ReferenceTooLong)
        );
        for bad in ["AB_12", "<script>", "12.34", "ÄB12", "AB#1", "ß"] {
            assert_eq!(
                AccountReference::parse(bad),
                Err(InputError::ReferenceInvalidCharacters),
                "{bad}"
            );
        }
    }

    #[test]
    fn reference_messages() {
        let message = |input: &str| {
            AccountReference::parse(input)
                .expect_err("refused")
                .to_string()
        };
        assert_eq!(message(""), "Enter your reference number");
        assert_eq!(
            message(&"9".repeat(40)),
            "Your reference number is too long. Check it and try again"
        );
        assert_eq!(
            message("<b>"),
            "Your reference number can only have letters, numbers and dashes"
        );
        assert_eq!(
            AccountReference::parse("").expect_err("refused").field(),
            "reference"
        );
    }

    // ---- DateOfBirth ----

    #[test]
    fn date_of_birth_accepts_real_past_dates() {
        assert_eq!(
            dob("7", "3", "1985").map(|d| d.date()),
            Ok(date(1985, 3, 7))
        );
        assert_eq!(
            dob(" 07 ", " 03 ", " 1985 ").map(|d| d.date()),
            Ok(date(1985, 3, 7))
        );
        assert_eq!(dob("29", "2", "2000").map(|d| d.year()), Ok(2000));
        assert_eq!(
            dob("1", "Jan", "1900").map(|d| d.date()),
            Ok(date(1900, 1, 1))
        );
        assert_eq!(
            dob("1", "december", "1990").map(|d| d.date()),
            Ok(date(1990, 12, 1))
        );
        assert_eq!(dob("15", "6", "2025").map(|d| d.date()), Ok(today()));
    }

    #[test]
    fn date_of_birth_missing_parts() {
        assert_eq!(dob("", " ", ""), Err(InputError::DateOfBirthMissing));
        let message = |d: &str, m: &str, y: &str| dob(d, m, y).expect_err("refused").to_string();
        assert_eq!(message("", "", ""), "Enter your date of birth");
        assert_eq!(
            message("", "3", "1985"),
            "Your date of birth must include a day"
        );
        assert_eq!(
            message("7", "", "1985"),
            "Your date of birth must include a month"
        );
        assert_eq!(
            message("7", "3", ""),
            "Your date of birth must include a year"
        );
        assert_eq!(
            message("", "", "1985"),
            "Your date of birth must include a day and month"
        );
        assert_eq!(
            message("7", "", ""),
            "Your date of birth must include a month and year"
        );
    }

    #[test]
    fn date_of_birth_links_to_the_first_wrong_box() {
        let field = |d: &str, m: &str, y: &str| dob(d, m, y).expect_err("refused").field();
        assert_eq!(field("", "", ""), "dob-day");
        assert_eq!(field("", "3", "1985"), "dob-day");
        assert_eq!(field("7", "", "1985"), "dob-month");
        assert_eq!(field("7", "3", ""), "dob-year");
        assert_eq!(field("7", "", ""), "dob-month");
        assert_eq!(field("x", "13", "1800"), "dob-day");
        assert_eq!(field("7", "13", "1985"), "dob-month");
        assert_eq!(field("7", "3", "85"), "dob-year");
        assert_eq!(field("31", "2", "1985"), "dob-day");
        assert_eq!(field("1", "1", "2030"), "dob-day");
    }

    #[test]
    fn date_of_birth_must_be_real() {
        let not_real = |d: &str, m: &str, y: &str| {
            matches!(dob(d, m, y), Err(InputError::DateOfBirthNotReal { .. }))
        };
        assert!(not_real("31", "2", "1985"));
        assert!(not_real("29", "2", "1985"));
        assert!(not_real("0", "3", "1985"));
        assert!(not_real("32", "3", "1985"));
        assert!(not_real("7", "0", "1985"));
        assert!(not_real("7", "13", "1985"));
        assert!(not_real("7", "3", "1899"));
        assert!(not_real("7", "3", "85"));
        assert!(not_real("7", "3", "19850"));
        assert!(not_real("seven", "3", "1985"));
        assert!(not_real("-7", "3", "1985"));
        assert!(not_real("7.5", "3", "1985"));
        assert!(not_real("7", "Marchy", "1985"));
        assert!(not_real("7", "3", "<script>alert(1)</script>"));
        assert!(not_real(&"1".repeat(5000), "3", "1985"));
        assert!(not_real("٣", "3", "1985"));
        assert_eq!(
            dob("31", "2", "1985").expect_err("refused").to_string(),
            "Enter a real date of birth"
        );
    }

    #[test]
    fn date_of_birth_must_be_in_the_past() {
        assert_eq!(dob("16", "6", "2025"), Err(InputError::DateOfBirthInFuture));
        assert_eq!(dob("1", "1", "9999"), Err(InputError::DateOfBirthInFuture));
        assert_eq!(
            dob("16", "6", "2025").expect_err("refused").to_string(),
            "Your date of birth must be in the past"
        );
    }

    // ---- EmailAddress ----

    #[test]
    fn email_is_tidied() {
        let email = EmailAddress::parse("  Jo.Bloggs+debt@Example.CO.UK ").expect("valid");
        assert_eq!(email.as_str(), "Jo.Bloggs+debt@example.co.uk");
        assert!(EmailAddress::parse("o'brien@example.com").is_ok());
        assert!(EmailAddress::parse("a@b.c").is_ok());
        assert!(EmailAddress::parse("josé@exämple.com").is_ok());
    }

    #[test]
    fn email_errors() {
        assert_eq!(EmailAddress::parse(""), Err(InputError::EmailMissing));
        assert_eq!(EmailAddress::parse("  "), Err(InputError::EmailMissing));
        let long_local = format!("{}@example.com", "a".repeat(5000));
        let too_long_overall = format!("{}@{}.com", "a".repeat(60), "b".repeat(250));
        let bad = [
            "name",
            "name@",
            "@example.com",
            "name@example",
            "name@@example.com",
            "na@me@example.com",
            "na me@example.com",
            "name@exa mple.com",
            "name@example..com",
            "name@.example.com",
            "name@example.com.",
            "name@-example.com",
            ".name@example.com",
            "na..me@example.com",
            "name\u{0}@example.com",
            "<script>alert(1)</script>@example.com",
            "name@<script>.com",
            "\"name\"@example.com",
            long_local.as_str(),
            too_long_overall.as_str(),
        ];
        for input in bad {
            assert_eq!(
                EmailAddress::parse(input),
                Err(InputError::EmailInvalid),
                "{input}"
            );
        }
    }

    #[test]
    fn email_messages() {
        assert_eq!(
            EmailAddress::parse("").expect_err("refused").to_string(),
            "Enter your email address"
        );
        let invalid = EmailAddress::parse("name").expect_err("refused");
        assert_eq!(
            invalid.message(),
            "Enter an email address in the right format, like name@example.com"
        );
        assert_eq!(invalid.field(), "email");
    }
}
