//! When we may contact a person: never between 21:00 and 08:00 in their own time zone, and
//! only as they asked (their contact preferences).
use chrono::{DateTime, NaiveTime, TimeZone, Utc};

stored_enum! {
    /// When in the day a person prefers reminders. Stored in
    /// `contact_preferences.time_of_day`; every choice stays inside 08:00 to 21:00.
    pub enum TimeOfDay {
        Any = "any",
        /// 08:00 to 12:00.
        Morning = "morning",
        /// 12:00 to 17:00.
        Afternoon = "afternoon",
        /// 17:00 to 21:00.
        Evening = "evening",
    }
}

/// How one person wants reminders from one creditor. The defaults (no row saved): reminders
/// by email, at any allowed time, not paused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactPreferences {
    pub reminders_by_email: bool,
    pub time_of_day: TimeOfDay,
    /// Day of the month pay arrives (1 to 31), when reminders should come only around then.
    pub payday: Option<u32>,
    /// No reminders before this moment ("pause reminders for 14 days").
    pub paused_until: Option<DateTime<Utc>>,
}

impl Default for ContactPreferences {
    fn default() -> Self {
        ContactPreferences {
            reminders_by_email: true,
            time_of_day: TimeOfDay::Any,
            payday: None,
            paused_until: None,
        }
    }
}

const EARLIEST: (u32, u32) = (8, 0);
const LATEST: (u32, u32) = (21, 0);

/// True between 21:00 and 08:00 at the person's local time.
pub fn in_quiet_hours<Tz: TimeZone>(now: DateTime<Utc>, zone: &Tz) -> bool {
    let local = now.with_timezone(zone).time();
    let earliest = NaiveTime::from_hms_opt(EARLIEST.0, EARLIEST.1, 0).unwrap_or(NaiveTime::MIN);
    let latest = NaiveTime::from_hms_opt(LATEST.0, LATEST.1, 0).unwrap_or(NaiveTime::MIN);
    local < earliest || local >= latest
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::New_York;
    use chrono_tz::Europe::London;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn quiet_hours_follow_the_persons_clock() {
        assert!(!in_quiet_hours(at("2026-11-23T12:00:00Z"), &London));
        assert!(in_quiet_hours(at("2026-11-23T21:00:00Z"), &London));
        assert!(in_quiet_hours(at("2026-11-23T07:59:00Z"), &London));
        // 08:30 UTC is 03:30 in New York: still quiet there.
        assert!(in_quiet_hours(at("2026-11-23T08:30:00Z"), &New_York));
        // British summer time: 07:30 UTC is 08:30 in London.
        assert!(!in_quiet_hours(at("2026-07-01T07:30:00Z"), &London));
    }
}
