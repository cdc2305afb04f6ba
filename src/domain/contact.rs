//! When we may contact a person: never between 21:00 and 08:00 in their own time zone.
use chrono::{DateTime, NaiveTime, TimeZone, Utc};

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
