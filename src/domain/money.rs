//! Money amounts in a known currency.
//!
//! Amounts are held as exact decimals (never floats) at exactly the number of
//! decimal places the currency uses, so what we store, add up, show and put
//! in words is always the same number a person would get checking by hand.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};

/// The largest amount, in major units, that a person may type into a form.
///
/// Nobody using this service owes anything close to this; a bigger number is
/// almost certainly a typing mistake, and refusing it keeps every later sum
/// far away from overflow.
const MAX_TYPED_MAJOR_UNITS: u64 = 1_000_000_000;

/// Everything we need to know to show and read amounts in one currency.
#[derive(PartialEq, Eq)]
struct CurrencyInfo {
    code: &'static str,
    minor_digits: u32,
    symbol: Option<&'static str>,
    major: Option<UnitNames>,
    minor: Option<UnitNames>,
}

/// Singular and plural words for a unit, e.g. "penny" and "pence".
#[derive(PartialEq, Eq)]
struct UnitNames {
    singular: &'static str,
    plural: &'static str,
}

const fn names(singular: &'static str, plural: &'static str) -> Option<UnitNames> {
    Some(UnitNames { singular, plural })
}

const fn coded(code: &'static str, minor_digits: u32) -> CurrencyInfo {
    CurrencyInfo {
        code,
        minor_digits,
        symbol: None,
        major: None,
        minor: None,
    }
}

/// ISO 4217 currencies we support.
///
/// Symbols are only given where they are unambiguous for a UK reader
/// ("$" on its own means US dollars); everything else is shown with its code,
/// e.g. "CHF 1,284.50". The first four entries are referenced by index from
/// the associated constants on [`Currency`].
static CURRENCIES: [CurrencyInfo; 26] = [
    CurrencyInfo {
        code: "GBP",
        minor_digits: 2,
        symbol: Some("£"),
        major: names("pound", "pounds"),
        minor: names("penny", "pence"),
    },
    CurrencyInfo {
        code: "EUR",
        minor_digits: 2,
        symbol: Some("€"),
        major: names("euro", "euros"),
        minor: names("cent", "cents"),
    },
    CurrencyInfo {
        code: "USD",
        minor_digits: 2,
        symbol: Some("$"),
        major: names("dollar", "dollars"),
        minor: names("cent", "cents"),
    },
    CurrencyInfo {
        code: "JPY",
        minor_digits: 0,
        symbol: Some("¥"),
        major: names("yen", "yen"),
        minor: None,
    },
    coded("CAD", 2),
    coded("AUD", 2),
    coded("NZD", 2),
    coded("CHF", 2),
    coded("SEK", 2),
    coded("NOK", 2),
    coded("DKK", 2),
    coded("PLN", 2),
    coded("CZK", 2),
    coded("INR", 2),
    coded("ZAR", 2),
    coded("SGD", 2),
    coded("HKD", 2),
    coded("MXN", 2),
    coded("BRL", 2),
    coded("KRW", 0),
    coded("ISK", 0),
    coded("BHD", 3),
    coded("KWD", 3),
    coded("JOD", 3),
    coded("OMR", 3),
    coded("TND", 3),
];

/// A currency we support. Cheap to copy; compares by ISO code.
#[derive(Clone, Copy)]
pub struct Currency {
    info: &'static CurrencyInfo,
}

impl Currency {
    pub const GBP: Currency = Currency {
        info: &CURRENCIES[0],
    };
    pub const EUR: Currency = Currency {
        info: &CURRENCIES[1],
    };
    pub const USD: Currency = Currency {
        info: &CURRENCIES[2],
    };
    pub const JPY: Currency = Currency {
        info: &CURRENCIES[3],
    };

    /// Every supported currency, in a stable order.
    pub fn all() -> impl Iterator<Item = Currency> {
        CURRENCIES.iter().map(|info| Currency { info })
    }

    /// Finds a currency by its ISO code, ignoring case and surrounding spaces.
    pub fn parse(code: &str) -> Result<Currency, MoneyError> {
        let wanted = code.trim();
        Currency::all()
            .find(|currency| currency.code().eq_ignore_ascii_case(wanted))
            .ok_or(MoneyError::UnknownCurrency)
    }

    /// The ISO 4217 code, e.g. "GBP".
    pub fn code(self) -> &'static str {
        self.info.code
    }

    /// How many decimal places the currency uses: 2 for pounds and pence,
    /// 0 for yen, 3 for Bahraini dinar.
    pub fn minor_digits(self) -> u32 {
        self.info.minor_digits
    }

    /// The symbol to show before amounts, only where it is unambiguous.
    pub fn symbol(self) -> Option<&'static str> {
        self.info.symbol
    }

    /// The word for the main unit, e.g. "pound" or "pounds". Falls back to the
    /// code for currencies we have no words for.
    pub fn major_name(self, plural: bool) -> &'static str {
        unit_word(self.info.major.as_ref(), plural).unwrap_or(self.info.code)
    }

    /// The word for the small unit, e.g. "penny" or "pence". Falls back to
    /// the code for currencies we have no words for.
    pub fn minor_name(self, plural: bool) -> &'static str {
        unit_word(self.info.minor.as_ref(), plural).unwrap_or(self.info.code)
    }

    fn has_major_name(self) -> bool {
        self.info.major.is_some()
    }

    fn has_minor_name(self) -> bool {
        self.info.minor.is_some()
    }

    /// 10 to the power of the minor digits: how many minor units make a major unit.
    fn minor_units_per_major(self) -> u64 {
        10_u64.pow(self.minor_digits())
    }
}

fn unit_word(names: Option<&UnitNames>, plural: bool) -> Option<&'static str> {
    names.map(|n| if plural { n.plural } else { n.singular })
}

impl PartialEq for Currency {
    fn eq(&self, other: &Self) -> bool {
        self.code() == other.code()
    }
}

impl Eq for Currency {}

impl Hash for Currency {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.code().hash(state);
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.code())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.code())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Currency::parse(code)
    }
}

/// Why an amount could not be made, read or worked out.
///
/// The messages for the form-related variants are written to be shown
/// next to the field the person typed into.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("Choose a currency we support, like GBP or EUR")]
    UnknownCurrency,
    #[error("Enter an amount, like {}", example_amount(*.currency))]
    Empty { currency: Currency },
    #[error("Enter the amount using numbers only, like {}", example_amount(*.currency))]
    NotANumber { currency: Currency },
    #[error("Enter an amount of zero or more")]
    Negative,
    #[error("{}", too_many_decimals_message(*.currency))]
    TooManyDecimals { currency: Currency },
    #[error("Enter an amount of {} or less", Money::max_typed(*.currency))]
    TooLarge { currency: Currency },
    #[error("Amounts in {expected} and {found} cannot be added together")]
    CurrencyMismatch { expected: Currency, found: Currency },
    #[error("This amount is too large for us to work with")]
    Overflow,
}

/// An example of a well-typed amount, to show in error messages.
fn example_amount(currency: Currency) -> &'static str {
    match currency.minor_digits() {
        0 => "2,500",
        3 => "1.250",
        _ => "25.00",
    }
}

fn too_many_decimals_message(currency: Currency) -> String {
    let digits = currency.minor_digits();
    if digits == 0 {
        return format!(
            "Enter the amount in whole {}, with no decimal places",
            currency.major_name(true)
        );
    }
    let units = if currency.has_major_name() && currency.has_minor_name() {
        format!(
            "{} and {}",
            currency.major_name(true),
            currency.minor_name(true)
        )
    } else {
        currency.code().to_string()
    };
    format!("Enter the amount in {units}, with no more than {digits} decimal places")
}

/// An exact amount of money in one currency.
///
/// Always holds exactly as many decimal places as the currency uses, so two
/// equal amounts look the same wherever they are shown.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

impl Money {
    /// Nothing, in the given currency.
    pub fn zero(currency: Currency) -> Money {
        Money {
            amount: Decimal::new(0, currency.minor_digits()),
            currency,
        }
    }

    /// Builds an amount from a whole number of minor units (pence, cents...).
    /// Every `i64` fits, so this cannot fail.
    pub fn from_minor(minor_units: i64, currency: Currency) -> Money {
        Money {
            amount: Decimal::new(minor_units, currency.minor_digits()),
            currency,
        }
        .without_negative_zero()
    }

    /// Rounds to the currency's decimal places, halves away from zero.
    ///
    /// Why away from zero (and not banker's rounding): that is how amounts
    /// shown to consumers are normally rounded, and it is what a person
    /// checking the sum by hand or on a calculator expects — 0.005 becomes
    /// 0.01, not 0.00.
    pub fn new_rounded(amount: Decimal, currency: Currency) -> Money {
        let digits = currency.minor_digits();
        let mut rounded =
            amount.round_dp_with_strategy(digits, RoundingStrategy::MidpointAwayFromZero);
        rounded.rescale(digits);
        Money {
            amount: rounded,
            currency,
        }
        .without_negative_zero()
    }

    /// Accepts an amount only if it needs no rounding for the currency.
    pub fn try_new(amount: Decimal, currency: Currency) -> Result<Money, MoneyError> {
        if amount.normalize().scale() > currency.minor_digits() {
            return Err(MoneyError::TooManyDecimals { currency });
        }
        Money::exact(amount, currency)
    }

    /// Stores an amount that already has no more decimals than the currency
    /// allows, refusing it if it is too large to hold at that precision.
    fn exact(mut amount: Decimal, currency: Currency) -> Result<Money, MoneyError> {
        let digits = currency.minor_digits();
        amount.rescale(digits);
        if amount.scale() != digits {
            return Err(MoneyError::Overflow);
        }
        Ok(Money { amount, currency }.without_negative_zero())
    }

    /// Decimals can be "minus zero", which would show as "-£0.00".
    fn without_negative_zero(self) -> Money {
        if self.amount.is_zero() {
            Money::zero(self.currency)
        } else {
            self
        }
    }

    /// The largest amount a person may type, e.g. £1,000,000,000.00.
    fn max_typed(currency: Currency) -> Money {
        let minor = MAX_TYPED_MAJOR_UNITS * currency.minor_units_per_major();
        Money::from_minor(i64::try_from(minor).unwrap_or(i64::MAX), currency)
    }

    pub fn amount(&self) -> Decimal {
        self.amount
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The amount as a whole number of minor units (e.g. pence), exactly.
    pub fn to_minor(&self) -> Result<i64, MoneyError> {
        let factor = Decimal::from(self.currency.minor_units_per_major());
        let scaled = self
            .amount
            .checked_mul(factor)
            .ok_or(MoneyError::Overflow)?
            .normalize();
        if scaled.scale() != 0 {
            return Err(MoneyError::Overflow);
        }
        i64::try_from(scaled.mantissa()).map_err(|_| MoneyError::Overflow)
    }

    pub fn checked_add(&self, other: &Money) -> Result<Money, MoneyError> {
        self.ensure_same_currency(other)?;
        let sum = self
            .amount
            .checked_add(other.amount)
            .ok_or(MoneyError::Overflow)?;
        Money::exact(sum, self.currency)
    }

    pub fn checked_sub(&self, other: &Money) -> Result<Money, MoneyError> {
        self.ensure_same_currency(other)?;
        let difference = self
            .amount
            .checked_sub(other.amount)
            .ok_or(MoneyError::Overflow)?;
        Money::exact(difference, self.currency)
    }

    fn ensure_same_currency(&self, other: &Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch {
                expected: self.currency,
                found: other.currency,
            })
        }
    }

    /// The same amount with the opposite sign. Cannot overflow: decimals are
    /// symmetric around zero.
    pub fn negate(&self) -> Money {
        Money {
            amount: -self.amount,
            currency: self.currency,
        }
        .without_negative_zero()
    }

    pub fn abs(&self) -> Money {
        Money {
            amount: self.amount.abs(),
            currency: self.currency,
        }
    }

    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }

    pub fn is_negative(&self) -> bool {
        self.amount < Decimal::ZERO
    }

    pub fn is_positive(&self) -> bool {
        self.amount > Decimal::ZERO
    }

    /// Adds up amounts, which must all be in `currency`. An empty list is zero.
    pub fn sum<I>(currency: Currency, amounts: I) -> Result<Money, MoneyError>
    where
        I: IntoIterator<Item = Money>,
    {
        amounts
            .into_iter()
            .try_fold(Money::zero(currency), |total, amount| {
                total.checked_add(&amount)
            })
    }

    /// Reads an amount a person typed, such as "1,284.50" or "£1,284.50".
    ///
    /// Accepts the currency's own symbol or code, thousands separators and
    /// surrounding spaces. Refuses negative amounts, more decimal places than
    /// the currency has, and anything over 1,000,000,000 major units, with a
    /// message that says what to type instead.
    pub fn parse(input: &str, currency: Currency) -> Result<Money, MoneyError> {
        let (has_minus_sign, number) = strip_sign_and_currency(input, currency);
        if number.is_empty() {
            return Err(MoneyError::Empty { currency });
        }
        let minor_units = parse_unsigned_minor_units(number, currency)?;
        if has_minus_sign && minor_units > 0 {
            return Err(MoneyError::Negative);
        }
        let minor_units =
            i64::try_from(minor_units).map_err(|_| MoneyError::TooLarge { currency })?;
        Ok(Money::from_minor(minor_units, currency))
    }

    /// The number part, e.g. "1,284.50", always with exactly the currency's
    /// decimal places and no sign.
    fn unsigned_digits(&self) -> String {
        let digits = self.currency.minor_digits() as usize;
        let text = self.amount.abs().to_string();
        let (whole, fraction) = text.split_once('.').unwrap_or((text.as_str(), ""));
        let mut number = group_thousands(whole);
        if digits > 0 {
            number.push('.');
            number.extend(fraction.chars().chain(std::iter::repeat('0')).take(digits));
        }
        number
    }
}

/// Removes surrounding spaces, a minus sign and the currency's symbol or code
/// (before or after the number), in whatever order the person typed them.
fn strip_sign_and_currency(input: &str, currency: Currency) -> (bool, &str) {
    let mut rest = input.trim();
    let mut has_minus_sign = false;
    // Twice, because people write both "-£25" and "£-25".
    for _ in 0..2 {
        if let Some(after) = strip_minus_sign(rest) {
            has_minus_sign = true;
            rest = after.trim_start();
        }
        if let Some(after) = strip_currency_prefix(rest, currency) {
            rest = after.trim_start();
        }
    }
    if let Some(before) = strip_currency_suffix(rest, currency) {
        rest = before.trim_end();
    }
    (has_minus_sign, rest)
}

fn strip_minus_sign(text: &str) -> Option<&str> {
    // U+2212 is the typographic minus sign some keyboards and phones produce.
    text.strip_prefix('-')
        .or_else(|| text.strip_prefix('\u{2212}'))
}

fn strip_currency_prefix(text: &str, currency: Currency) -> Option<&str> {
    let code = currency.code();
    if let Some(after) = currency
        .symbol()
        .and_then(|symbol| text.strip_prefix(symbol))
    {
        return Some(after);
    }
    let (start, rest) = text.split_at_checked(code.len())?;
    start.eq_ignore_ascii_case(code).then_some(rest)
}

fn strip_currency_suffix(text: &str, currency: Currency) -> Option<&str> {
    let code = currency.code();
    let split_at = text.len().checked_sub(code.len())?;
    let (rest, end) = text.split_at_checked(split_at)?;
    end.eq_ignore_ascii_case(code).then_some(rest)
}

/// Reads "1,284.50" as 128450 minor units (for a 2-decimal currency).
fn parse_unsigned_minor_units(number: &str, currency: Currency) -> Result<u64, MoneyError> {
    let not_a_number = MoneyError::NotANumber { currency };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let whole_digits =
        digits_without_thousands_separators(whole).ok_or_else(|| not_a_number.clone())?;
    let has_digits = !whole_digits.is_empty() || !fraction.is_empty();
    if !has_digits || !is_all_ascii_digits(fraction) {
        return Err(not_a_number);
    }
    let digits = currency.minor_digits() as usize;
    if fraction.len() > digits {
        return Err(MoneyError::TooManyDecimals { currency });
    }
    let too_large = MoneyError::TooLarge { currency };
    let whole_units = parse_small_whole_number(&whole_digits).ok_or_else(|| too_large.clone())?;
    if whole_units > MAX_TYPED_MAJOR_UNITS {
        return Err(too_large);
    }
    let padded_fraction: String = fraction
        .chars()
        .chain(std::iter::repeat('0'))
        .take(digits)
        .collect();
    let fraction_units = parse_small_whole_number(&padded_fraction).ok_or(not_a_number)?;
    let minor_units = whole_units * currency.minor_units_per_major() + fraction_units;
    if minor_units > MAX_TYPED_MAJOR_UNITS * currency.minor_units_per_major() {
        return Err(too_large);
    }
    Ok(minor_units)
}

/// "1,284" -> "1284". Commas must sit between groups of three digits, so a
/// slip like "1,28" is refused rather than guessed at.
fn digits_without_thousands_separators(whole: &str) -> Option<String> {
    if !whole.contains(',') {
        return is_all_ascii_digits(whole).then(|| whole.to_string());
    }
    let mut groups = whole.split(',');
    let first = groups.next()?;
    let first_ok = (1..=3).contains(&first.len()) && is_all_ascii_digits(first);
    let mut digits = first.to_string();
    for group in groups {
        if group.len() != 3 || !is_all_ascii_digits(group) {
            return None;
        }
        digits.push_str(group);
    }
    first_ok.then_some(digits)
}

fn is_all_ascii_digits(text: &str) -> bool {
    text.bytes().all(|byte| byte.is_ascii_digit())
}

/// Parses up to 18 significant digits; longer numbers return `None` rather
/// than overflowing. An empty string is zero (as in ".50").
fn parse_small_whole_number(digits: &str) -> Option<u64> {
    let significant = digits.trim_start_matches('0');
    if significant.is_empty() {
        return Some(0);
    }
    if significant.len() > 18 {
        return None;
    }
    significant.parse().ok()
}

/// "1284" -> "1,284".
fn group_thousands(whole: &str) -> String {
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (index, digit) in whole.chars().enumerate() {
        let digits_left = whole.len() - index;
        if index > 0 && digits_left.is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

impl fmt::Display for Money {
    /// British English style: "£1,284.50", "-£25.00", "¥1,200", and the
    /// code for currencies without an unambiguous symbol: "CHF 1,284.50".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.is_negative() { "-" } else { "" };
        let number = self.unsigned_digits();
        let text = match self.currency.symbol() {
            Some(symbol) => format!("{sign}{symbol}{number}"),
            None => format!("{sign}{} {number}", self.currency.code()),
        };
        f.pad(&text)
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Money({} {})", self.amount, self.currency.code())
    }
}

/// Writes an amount out in words, British style, e.g. "one thousand and
/// seventy-five pounds and fifty pence".
///
/// Useful for screen readers and for letters, where figures alone are easy to
/// misread. Currencies we have no unit words for use the code: "seventy-five
/// point five zero CHF".
pub fn amount_in_words(money: &Money) -> String {
    let currency = money.currency();
    let Ok(minor_units) = money.to_minor() else {
        // Far beyond anything a person owes; figures are clearer than words.
        return money.to_string();
    };
    let per_major = currency.minor_units_per_major();
    let major = minor_units.unsigned_abs() / per_major;
    let minor = minor_units.unsigned_abs() % per_major;
    let words = if currency.has_major_name() && (minor == 0 || currency.has_minor_name()) {
        named_units_in_words(currency, major, minor)
    } else {
        decimal_in_words(currency, major, minor)
    };
    if minor_units < 0 {
        format!("minus {words}")
    } else {
        words
    }
}

/// "one thousand and seventy-five pounds and fifty pence", "fifty pence".
fn named_units_in_words(currency: Currency, major: u64, minor: u64) -> String {
    let major_words = format!(
        "{} {}",
        number_in_words(major),
        currency.major_name(major != 1)
    );
    let minor_words = format!(
        "{} {}",
        number_in_words(minor),
        currency.minor_name(minor != 1)
    );
    match (major, minor) {
        (_, 0) => major_words,
        (0, _) => minor_words,
        _ => format!("{major_words} and {minor_words}"),
    }
}

/// "seventy-five point five zero CHF".
fn decimal_in_words(currency: Currency, major: u64, minor: u64) -> String {
    let unit = currency.major_name(true);
    if minor == 0 {
        return format!("{} {unit}", number_in_words(major));
    }
    let digits = currency.minor_digits() as usize;
    let fraction = format!("{minor:0digits$}");
    let fraction_words: Vec<&str> = fraction
        .bytes()
        .map(|byte| SMALL_NUMBERS[usize::from(byte - b'0')])
        .collect();
    format!(
        "{} point {} {unit}",
        number_in_words(major),
        fraction_words.join(" ")
    )
}

const SMALL_NUMBERS: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];

const TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

const THOUSANDS_SCALES: [&str; 7] = [
    "",
    "thousand",
    "million",
    "billion",
    "trillion",
    "quadrillion",
    "quintillion",
];

/// A whole number in British English words: 1075 is "one thousand and
/// seventy-five", 1100 is "one thousand one hundred".
pub fn number_in_words(number: u64) -> String {
    if number == 0 {
        return SMALL_NUMBERS[0].to_string();
    }
    let groups = groups_of_three_digits(number);
    let mut parts: Vec<String> = groups
        .iter()
        .enumerate()
        .rev()
        .filter(|(_, group)| **group > 0)
        .map(|(scale, group)| with_scale(under_one_thousand(*group), THOUSANDS_SCALES[scale]))
        .collect();
    // British English says "and" before a final small number: "one thousand
    // and five". `groups[0]` is the last group, so the last part holds it.
    let last_group = groups.first().copied().unwrap_or(0);
    if number >= 1000
        && (1..100).contains(&last_group)
        && let Some(last) = parts.last_mut()
    {
        last.insert_str(0, "and ");
    }
    parts.join(" ")
}

/// 1_234_567 -> [567, 234, 1] (least significant first).
fn groups_of_three_digits(mut number: u64) -> Vec<u64> {
    let mut groups = Vec::new();
    while number > 0 {
        groups.push(number % 1000);
        number /= 1000;
    }
    groups
}

fn with_scale(words: String, scale: &str) -> String {
    if scale.is_empty() {
        words
    } else {
        format!("{words} {scale}")
    }
}

/// 1..=999 in words, e.g. "three hundred and five".
fn under_one_thousand(number: u64) -> String {
    let hundreds = number / 100;
    let rest = number % 100;
    match (hundreds, rest) {
        (0, _) => under_one_hundred(rest),
        (_, 0) => format!("{} hundred", under_one_hundred(hundreds)),
        _ => format!(
            "{} hundred and {}",
            under_one_hundred(hundreds),
            under_one_hundred(rest)
        ),
    }
}

/// 0..=99 in words, e.g. "seventy-five".
fn under_one_hundred(number: u64) -> String {
    let index = usize::try_from(number).unwrap_or(0);
    if index < SMALL_NUMBERS.len() {
        return SMALL_NUMBERS[index].to_string();
    }
    let tens = TENS[index / 10 % 10];
    match index % 10 {
        0 => tens.to_string(),
        ones => format!("{tens}-{}", SMALL_NUMBERS[ones]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn gbp(minor: i64) -> Money {
        Money::from_minor(minor, Currency::GBP)
    }

    fn currency(code: &str) -> Currency {
        Currency::parse(code).expect("test currency exists")
    }

    fn dec(text: &str) -> Decimal {
        Decimal::from_str_exact(text).expect("test decimal is valid")
    }

    // ---- Currency ----

    #[test]
    fn named_constants_point_at_the_right_table_entries() {
        assert_eq!(Currency::GBP.code(), "GBP");
        assert_eq!(Currency::EUR.code(), "EUR");
        assert_eq!(Currency::USD.code(), "USD");
        assert_eq!(Currency::JPY.code(), "JPY");
    }

    #[test]
    fn all_required_currencies_are_supported_with_the_right_digits() {
        let two = [
            "GBP", "EUR", "USD", "CAD", "AUD", "NZD", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK",
            "INR", "ZAR", "SGD", "HKD", "MXN", "BRL",
        ];
        for code in two {
            assert_eq!(currency(code).minor_digits(), 2, "{code}");
        }
        for code in ["JPY", "KRW", "ISK"] {
            assert_eq!(currency(code).minor_digits(), 0, "{code}");
        }
        for code in ["BHD", "KWD", "JOD", "OMR", "TND"] {
            assert_eq!(currency(code).minor_digits(), 3, "{code}");
        }
    }

    #[test]
    fn currency_codes_are_unique() {
        let codes: std::collections::HashSet<_> = Currency::all().map(Currency::code).collect();
        assert_eq!(codes.len(), Currency::all().count());
    }

    #[test]
    fn currency_parse_ignores_case_and_spaces() {
        assert_eq!(Currency::parse(" gbp "), Ok(Currency::GBP));
        assert_eq!("Eur".parse::<Currency>(), Ok(Currency::EUR));
        assert_eq!(Currency::parse("XYZ"), Err(MoneyError::UnknownCurrency));
        assert_eq!(Currency::parse(""), Err(MoneyError::UnknownCurrency));
        assert_eq!(Currency::parse("£"), Err(MoneyError::UnknownCurrency));
    }

    #[test]
    fn currency_symbols_and_names() {
        assert_eq!(Currency::GBP.symbol(), Some("£"));
        assert_eq!(Currency::USD.symbol(), Some("$"));
        assert_eq!(Currency::EUR.symbol(), Some("€"));
        assert_eq!(Currency::JPY.symbol(), Some("¥"));
        assert_eq!(currency("CAD").symbol(), None);
        assert_eq!(Currency::GBP.major_name(false), "pound");
        assert_eq!(Currency::GBP.major_name(true), "pounds");
        assert_eq!(Currency::GBP.minor_name(false), "penny");
        assert_eq!(Currency::GBP.minor_name(true), "pence");
        assert_eq!(Currency::EUR.minor_name(true), "cents");
        assert_eq!(currency("CHF").major_name(true), "CHF");
        assert_eq!(currency("CHF").minor_name(false), "CHF");
        assert_eq!(currency("chf").to_string(), "CHF");
    }

    // ---- Construction and rounding ----

    #[test]
    fn rounding_goes_half_away_from_zero() {
        let rounded = |text: &str, c: Currency| Money::new_rounded(dec(text), c);
        assert_eq!(rounded("0.005", Currency::GBP), gbp(1));
        assert_eq!(rounded("-0.005", Currency::GBP), gbp(-1));
        assert_eq!(rounded("0.0049", Currency::GBP), gbp(0));
        assert_eq!(
            rounded("2.5", Currency::JPY),
            Money::from_minor(3, Currency::JPY)
        );
        assert_eq!(
            rounded("-2.5", Currency::JPY),
            Money::from_minor(-3, Currency::JPY)
        );
        assert_eq!(
            rounded("1.2345", currency("BHD")),
            Money::from_minor(1235, currency("BHD"))
        );
    }

    #[test]
    fn rounding_to_zero_never_shows_minus_zero() {
        let tiny_debt = Money::new_rounded(dec("-0.001"), Currency::GBP);
        assert!(tiny_debt.is_zero());
        assert!(!tiny_debt.is_negative());
        assert_eq!(tiny_debt.to_string(), "£0.00");
        assert_eq!(Money::zero(Currency::GBP).negate().to_string(), "£0.00");
    }

    #[test]
    fn try_new_refuses_amounts_that_need_rounding() {
        assert_eq!(Money::try_new(dec("12.5"), Currency::GBP), Ok(gbp(1250)));
        assert_eq!(Money::try_new(dec("12.500"), Currency::GBP), Ok(gbp(1250)));
        assert_eq!(
            Money::try_new(dec("12.505"), Currency::GBP),
            Err(MoneyError::TooManyDecimals {
                currency: Currency::GBP
            })
        );
        assert!(Money::try_new(dec("1.5"), Currency::JPY).is_err());
        assert!(Money::try_new(dec("1.255"), currency("KWD")).is_ok());
    }

    #[test]
    fn amounts_always_hold_the_currency_scale() {
        assert_eq!(gbp(5).amount().scale(), 2);
        assert_eq!(
            Money::new_rounded(dec("3"), Currency::GBP).amount().scale(),
            2
        );
        assert_eq!(Money::zero(currency("BHD")).amount().scale(), 3);
        assert_eq!(Money::zero(Currency::JPY).amount().scale(), 0);
    }

    #[test]
    fn to_minor_reports_overflow_instead_of_wrapping() {
        let huge =
            Money::try_new(dec("100000000000000000000"), Currency::GBP).expect("fits in a decimal");
        assert_eq!(huge.to_minor(), Err(MoneyError::Overflow));
        assert_eq!(gbp(i64::MIN).to_minor(), Ok(i64::MIN));
    }

    // ---- Arithmetic ----

    #[test]
    fn adding_different_currencies_is_an_error() {
        let euro = Money::from_minor(100, Currency::EUR);
        assert_eq!(
            gbp(100).checked_add(&euro),
            Err(MoneyError::CurrencyMismatch {
                expected: Currency::GBP,
                found: Currency::EUR
            })
        );
        assert!(gbp(100).checked_sub(&euro).is_err());
        assert!(Money::sum(Currency::GBP, [gbp(1), euro]).is_err());
    }

    #[test]
    fn adding_beyond_what_a_decimal_can_hold_is_an_error() {
        let max = Money::try_new(Decimal::MAX.trunc(), Currency::JPY).expect("whole number");
        let one = Money::from_minor(1, Currency::JPY);
        assert_eq!(max.checked_add(&one), Err(MoneyError::Overflow));
        assert_eq!(max.negate().checked_sub(&one), Err(MoneyError::Overflow));
    }

    #[test]
    fn precision_loss_is_reported_as_overflow() {
        let big = Money::try_new(dec("700000000000000000000000000"), Currency::GBP)
            .expect("fits at two decimals");
        assert_eq!(big.checked_add(&big), Err(MoneyError::Overflow));
    }

    #[test]
    fn sign_helpers() {
        assert!(gbp(-1).is_negative());
        assert!(gbp(1).is_positive());
        assert!(gbp(0).is_zero());
        assert_eq!(gbp(-250).abs(), gbp(250));
        assert_eq!(gbp(250).negate(), gbp(-250));
        assert_eq!(Money::sum(Currency::GBP, []), Ok(gbp(0)));
        assert_eq!(
            Money::sum(Currency::GBP, [gbp(1), gbp(2), gbp(-5)]),
            Ok(gbp(-2))
        );
    }

    // ---- Parsing what people type ----

    #[test]
    fn parse_accepts_common_ways_of_typing_an_amount() {
        let parse = |text: &str| Money::parse(text, Currency::GBP);
        assert_eq!(parse("1284.5"), Ok(gbp(128_450)));
        assert_eq!(parse("1,284.50"), Ok(gbp(128_450)));
        assert_eq!(parse(" £1,284.50 "), Ok(gbp(128_450)));
        assert_eq!(parse("£ 25"), Ok(gbp(2500)));
        assert_eq!(parse("GBP 25.00"), Ok(gbp(2500)));
        assert_eq!(parse("25 gbp"), Ok(gbp(2500)));
        assert_eq!(parse(".50"), Ok(gbp(50)));
        assert_eq!(parse("25."), Ok(gbp(2500)));
        assert_eq!(parse("0"), Ok(gbp(0)));
        assert_eq!(parse("-0"), Ok(gbp(0)));
        assert_eq!(parse("0001"), Ok(gbp(100)));
        assert_eq!(parse("1,000,000,000"), Ok(gbp(100_000_000_000)));
        assert_eq!(
            Money::parse("€9.99", Currency::EUR),
            Ok(Money::from_minor(999, Currency::EUR))
        );
        assert_eq!(
            Money::parse("¥1,200", Currency::JPY),
            Ok(Money::from_minor(1200, Currency::JPY))
        );
        assert_eq!(
            Money::parse("BHD 1.250", currency("BHD")),
            Ok(Money::from_minor(1250, currency("BHD")))
        );
    }

    #[test]
    fn parse_refuses_empty_input() {
        let empty = Err(MoneyError::Empty {
            currency: Currency::GBP,
        });
        assert_eq!(Money::parse("", Currency::GBP), empty);
        assert_eq!(Money::parse("   ", Currency::GBP), empty);
        assert_eq!(Money::parse("£", Currency::GBP), empty);
        assert_eq!(Money::parse("£-", Currency::GBP), empty);
    }

    #[test]
    fn parse_refuses_things_that_are_not_numbers() {
        let not_a_number = Err(MoneyError::NotANumber {
            currency: Currency::GBP,
        });
        for text in [
            "abc",
            "12.3.4",
            "1 284",
            ".",
            "12,34",
            "1,28.50",
            ",100",
            "1e5",
            "+5",
            "$5",
            "<script>alert(1)</script>",
            "١٢٣",
            "NaN",
        ] {
            assert_eq!(Money::parse(text, Currency::GBP), not_a_number, "{text}");
        }
    }

    #[test]
    fn parse_refuses_negative_amounts() {
        for text in ["-5", "-£5", "£-5", "\u{2212}5", "- 5.00"] {
            assert_eq!(
                Money::parse(text, Currency::GBP),
                Err(MoneyError::Negative),
                "{text}"
            );
        }
    }

    #[test]
    fn parse_refuses_too_many_decimal_places() {
        assert_eq!(
            Money::parse("1.234", Currency::GBP),
            Err(MoneyError::TooManyDecimals {
                currency: Currency::GBP
            })
        );
        assert!(Money::parse("1.5", Currency::JPY).is_err());
        assert!(Money::parse("1.2345", currency("OMR")).is_err());
    }

    #[test]
    fn parse_refuses_amounts_over_one_billion() {
        let too_large = Err(MoneyError::TooLarge {
            currency: Currency::GBP,
        });
        assert_eq!(Money::parse("1000000000.01", Currency::GBP), too_large);
        assert_eq!(Money::parse("1,000,000,001", Currency::GBP), too_large);
        assert_eq!(Money::parse(&"9".repeat(5000), Currency::GBP), too_large);
        assert_eq!(
            Money::parse(&format!("{}1", "0".repeat(5000)), Currency::GBP),
            Ok(gbp(100))
        );
    }

    #[test]
    fn parse_never_panics_on_odd_input() {
        for text in [
            "£££", "€", "½", "1.", "..", ",", "GBPGBP", "g", "💷5", "5💷",
        ] {
            let _ = Money::parse(text, Currency::GBP);
        }
    }

    #[test]
    fn error_messages_are_plain_english() {
        let gbp_error = |text: &str| {
            Money::parse(text, Currency::GBP)
                .expect_err("should be refused")
                .to_string()
        };
        assert_eq!(gbp_error(""), "Enter an amount, like 25.00");
        assert_eq!(
            gbp_error("1.234"),
            "Enter the amount in pounds and pence, with no more than 2 decimal places"
        );
        assert_eq!(
            gbp_error("x"),
            "Enter the amount using numbers only, like 25.00"
        );
        assert_eq!(gbp_error("-1"), "Enter an amount of zero or more");
        assert_eq!(
            gbp_error("2000000000"),
            "Enter an amount of £1,000,000,000.00 or less"
        );
        assert_eq!(
            Money::parse("1.5", Currency::JPY)
                .expect_err("refused")
                .to_string(),
            "Enter the amount in whole yen, with no decimal places"
        );
        assert_eq!(
            Money::parse("1.5555", currency("BHD"))
                .expect_err("refused")
                .to_string(),
            "Enter the amount in BHD, with no more than 3 decimal places"
        );
    }

    // ---- Formatting ----

    #[test]
    fn formats_like_british_english() {
        assert_eq!(gbp(128_450).to_string(), "£1,284.50");
        assert_eq!(gbp(-2500).to_string(), "-£25.00");
        assert_eq!(gbp(5).to_string(), "£0.05");
        assert_eq!(gbp(0).to_string(), "£0.00");
        assert_eq!(gbp(100_000_000).to_string(), "£1,000,000.00");
        assert_eq!(gbp(10_000).to_string(), "£100.00");
        assert_eq!(
            Money::from_minor(128_450, Currency::EUR).to_string(),
            "€1,284.50"
        );
        assert_eq!(Money::from_minor(1200, Currency::USD).to_string(), "$12.00");
        assert_eq!(Money::from_minor(1200, Currency::JPY).to_string(), "¥1,200");
        assert_eq!(
            Money::from_minor(128_450, currency("CHF")).to_string(),
            "CHF 1,284.50"
        );
        assert_eq!(
            Money::from_minor(1250, currency("BHD")).to_string(),
            "BHD 1.250"
        );
        assert_eq!(
            Money::from_minor(-1250, currency("BHD")).to_string(),
            "-BHD 1.250"
        );
        assert_eq!(
            Money::from_minor(i64::MIN, currency("KRW")).to_string(),
            "-KRW 9,223,372,036,854,775,808"
        );
    }

    #[test]
    fn formatting_respects_width() {
        assert_eq!(format!("{:>8}", gbp(100)), "   £1.00");
    }

    // ---- Words ----

    #[test]
    fn amounts_in_words() {
        let words = |minor: i64| amount_in_words(&gbp(minor));
        assert_eq!(words(107_500), "one thousand and seventy-five pounds");
        assert_eq!(
            words(107_550),
            "one thousand and seventy-five pounds and fifty pence"
        );
        assert_eq!(words(1), "one penny");
        assert_eq!(words(100), "one pound");
        assert_eq!(words(101), "one pound and one penny");
        assert_eq!(words(0), "zero pounds");
        assert_eq!(words(-2500), "minus twenty-five pounds");
        assert_eq!(words(50), "fifty pence");
        assert_eq!(words(-50), "minus fifty pence");
        assert_eq!(words(11_000), "one hundred and ten pounds");
        assert_eq!(
            amount_in_words(&Money::from_minor(1200, Currency::JPY)),
            "one thousand two hundred yen"
        );
        assert_eq!(
            amount_in_words(&Money::from_minor(101, Currency::EUR)),
            "one euro and one cent"
        );
        assert_eq!(
            amount_in_words(&Money::from_minor(7500, currency("CHF"))),
            "seventy-five CHF"
        );
        assert_eq!(
            amount_in_words(&Money::from_minor(7550, currency("CHF"))),
            "seventy-five point five zero CHF"
        );
        assert_eq!(
            amount_in_words(&Money::from_minor(1005, currency("BHD"))),
            "one point zero zero five BHD"
        );
    }

    #[test]
    fn numbers_in_words_use_british_and() {
        assert_eq!(number_in_words(0), "zero");
        assert_eq!(number_in_words(13), "thirteen");
        assert_eq!(number_in_words(40), "forty");
        assert_eq!(number_in_words(105), "one hundred and five");
        assert_eq!(number_in_words(1005), "one thousand and five");
        assert_eq!(number_in_words(1100), "one thousand one hundred");
        assert_eq!(number_in_words(1_000_000), "one million");
        assert_eq!(number_in_words(1_000_075), "one million and seventy-five");
        assert_eq!(
            number_in_words(2_345_678_901),
            "two billion three hundred and forty-five million six hundred and seventy-eight \
             thousand nine hundred and one"
        );
        assert_eq!(
            number_in_words(u64::MAX),
            "eighteen quintillion four hundred and forty-six quadrillion seven hundred and \
             forty-four trillion seventy-three billion seven hundred and nine million five \
             hundred and fifty-one thousand six hundred and fifteen"
        );
    }

    // ---- Properties ----

    fn any_currency() -> impl Strategy<Value = Currency> {
        let all: Vec<Currency> = Currency::all().collect();
        proptest::sample::select(all)
    }

    const WIDE: std::ops::RangeInclusive<i64> = -1_000_000_000_000_000..=1_000_000_000_000_000;

    proptest! {
        #[test]
        fn minor_units_round_trip(minor in any::<i64>(), currency in any_currency()) {
            let money = Money::from_minor(minor, currency);
            prop_assert_eq!(money.to_minor(), Ok(minor));
            prop_assert_eq!(Money::try_new(money.amount(), currency), Ok(money));
        }

        #[test]
        fn minor_units_round_trip_in_a_wide_range(minor in WIDE, currency in any_currency()) {
            prop_assert_eq!(Money::from_minor(minor, currency).to_minor(), Ok(minor));
        }

        #[test]
        fn addition_is_commutative(a in WIDE, b in WIDE, currency in any_currency()) {
            let (x, y) = (Money::from_minor(a, currency), Money::from_minor(b, currency));
            prop_assert_eq!(x.checked_add(&y), y.checked_add(&x));
            prop_assert_eq!(x.checked_add(&y).and_then(|m| m.to_minor()), Ok(a + b));
        }

        #[test]
        fn addition_is_associative(a in WIDE, b in WIDE, c in WIDE, currency in any_currency()) {
            let [x, y, z] = [a, b, c].map(|minor| Money::from_minor(minor, currency));
            let left = x.checked_add(&y).and_then(|xy| xy.checked_add(&z));
            let right = y.checked_add(&z).and_then(|yz| x.checked_add(&yz));
            prop_assert_eq!(&left, &right);
            prop_assert_eq!(left.and_then(|m| m.to_minor()), Ok(a + b + c));
        }

        #[test]
        fn subtraction_undoes_addition(a in WIDE, b in WIDE, currency in any_currency()) {
            let (x, y) = (Money::from_minor(a, currency), Money::from_minor(b, currency));
            let back = x.checked_add(&y).and_then(|sum| sum.checked_sub(&y));
            prop_assert_eq!(back, Ok(x));
            prop_assert_eq!(x.checked_sub(&y), x.checked_add(&y.negate()));
        }

        #[test]
        fn parsing_what_we_display_gives_the_same_amount(
            minor in 0_i64..=100_000_000_000_000,
            currency in any_currency(),
        ) {
            let limit = i64::try_from(MAX_TYPED_MAJOR_UNITS * currency.minor_units_per_major())
                .unwrap_or(i64::MAX);
            let money = Money::from_minor(minor.min(limit), currency);
            prop_assert_eq!(Money::parse(&money.to_string(), currency), Ok(money));
        }

        #[test]
        fn rounding_is_never_more_than_half_a_minor_unit(
            mantissa in -1_000_000_000_000_i64..=1_000_000_000_000,
            scale in 0_u32..=6,
            currency in any_currency(),
        ) {
            let exact = Decimal::new(mantissa, scale);
            let rounded = Money::new_rounded(exact, currency);
            let half = Decimal::new(5, currency.minor_digits() + 1);
            prop_assert!((rounded.amount() - exact).abs() <= half);
        }

        #[test]
        fn parse_never_panics(text in "\\PC{0,40}", currency in any_currency()) {
            let _ = Money::parse(&text, currency);
        }

        #[test]
        fn words_never_panic_and_mention_minus_only_for_debts(minor in any::<i64>()) {
            let words = amount_in_words(&gbp(minor));
            prop_assert_eq!(words.starts_with("minus "), minor < 0);
        }
    }
}
