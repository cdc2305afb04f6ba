//! The exact words a person agrees to. Built here, shown on "check your answers", stored
//! with the plan, and compared by fingerprint when they agree, so the record is what they saw.
use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::Money;
use crate::domain::schedule::Schedule;

/// "Friday 12 December 2026".
pub fn full_date(date: NaiveDate) -> String {
    date.format("%A %-d %B %Y").to_string()
}

const LOCAL_TIME: &str = "%-d %B %Y at %H:%M";

/// The date on the person's own calendar at `at` (UTC's date when the zone cannot be read):
/// a payment made at 01:00 in London on the 4th was not made on the 3rd.
pub fn local_date(at: DateTime<Utc>, zone: &str) -> NaiveDate {
    match zone.parse::<chrono_tz::Tz>() {
        Ok(tz) => at.with_timezone(&tz).date_naive(),
        Err(_) => at.date_naive(),
    }
}

/// "3 December 2026 at 14:05": a moment as the clock on the person's wall showed it. `zone`
/// is their IANA time zone (`debtors.time_zone`); one we cannot read shows the time in UTC
/// and says so, rather than passing UTC off as their time.
pub fn local_time(at: DateTime<Utc>, zone: &str) -> String {
    match zone.parse::<chrono_tz::Tz>() {
        Ok(tz) => at.with_timezone(&tz).format(LOCAL_TIME).to_string(),
        Err(_) => format!("{} UTC", at.format(LOCAL_TIME)),
    }
}

pub fn installment_consent(creditor: &str, schedule: &Schedule) -> String {
    let count = schedule.count();
    let regular = schedule.regular_amount();
    let last = schedule.final_amount();
    let amounts = if count == 1 {
        format!("one payment of {regular}")
    } else if regular == last {
        format!("{count} payments of {regular}")
    } else {
        format!(
            "{} payments of {regular} and a last payment of {last}",
            count - 1
        )
    };
    format!(
        "I agree to pay {creditor} {total} in {amounts}, {how_often}, from {first} to {last_date}. \
         I can ask to change or cancel this plan at any time.",
        total = schedule.total(),
        how_often = schedule.frequency().label(),
        first = full_date(schedule.first_due()),
        last_date = full_date(schedule.last_due()),
    )
}

/// The person agrees to pay by a date; the reminders they will get are part of what they
/// agree to (`days_before`: the creditor's reminder cadence).
pub fn deferral_consent(
    creditor: &str,
    balance: Money,
    until: NaiveDate,
    days_before: u32,
) -> String {
    format!(
        "I will pay {creditor} {balance} in full, or set up a payment plan, by {}. \
         Until then you will send me {}",
        full_date(until),
        pay_later_reminders(days_before)
    )
}

/// The reminders someone who chose "pay later" gets, as the scheduler sends them: one a few
/// days before the date (none when the cadence says 0) and one if the date passes. Reads
/// after "We will send you" or "you will send me".
pub fn pay_later_reminders(days_before: u32) -> String {
    match days_before {
        0 => "a reminder only if that date passes.".to_string(),
        1 => "one reminder the day before that date, and one more if the date passes.".to_string(),
        days => {
            format!("one reminder {days} days before that date, and one more if the date passes.")
        }
    }
}

#[cfg(test)]
mod local_time_tests {
    use super::local_time;

    #[test]
    fn a_moment_reads_as_the_persons_own_clock() {
        let at = "2026-12-03T14:05:00Z".parse().unwrap();
        assert_eq!(local_time(at, "Europe/London"), "3 December 2026 at 14:05");
        assert_eq!(
            local_time(at, "America/New_York"),
            "3 December 2026 at 09:05"
        );
        assert_eq!(local_time(at, "Asia/Tokyo"), "3 December 2026 at 23:05");
        let summer = "2026-07-01T14:05:00Z".parse().unwrap();
        assert_eq!(local_time(summer, "Europe/London"), "1 July 2026 at 15:05");
    }

    #[test]
    fn the_date_is_the_one_on_the_persons_calendar() {
        let late = "2026-12-03T23:30:00Z".parse().unwrap();
        let date = |d| chrono::NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        assert_eq!(super::local_date(late, "Asia/Tokyo"), date(4));
        assert_eq!(super::local_date(late, "America/New_York"), date(3));
        assert_eq!(super::local_date(late, "nowhere"), date(3));
    }

    #[test]
    fn a_zone_we_cannot_read_says_the_time_is_utc() {
        let at = "2026-12-03T14:05:00Z".parse().unwrap();
        assert_eq!(
            local_time(at, "Mars/Olympus"),
            "3 December 2026 at 14:05 UTC"
        );
    }
}
