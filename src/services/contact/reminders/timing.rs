//! When a reminder goes: a sensible hour on the right day in the person's own time zone, so
//! the contact policy (quiet hours, applied at delivery) rarely has to hold one back.
use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

/// Reminders planned for a day go at 10:00 local time: awake, not yet busy.
const PLANNED_HOUR: u32 = 10;
/// A reminder that is late (the pass ran after 10:00) goes at once if it is still day,
/// between these local hours; otherwise at 10:00 the next morning.
const DAYTIME: std::ops::Range<u32> = 8..20;

/// The person's time zone; an unknown name falls back to UTC rather than skipping them.
pub fn zone(name: &str) -> Tz {
    name.parse().unwrap_or(Tz::UTC)
}

/// The person's date at `now`.
pub fn local_today(now: DateTime<Utc>, zone: Tz) -> NaiveDate {
    now.with_timezone(&zone).date_naive()
}

/// `day` at `hour`:00 local time (the earlier instant when clocks go back; the hour after a
/// spring-forward gap).
pub fn local_moment(day: NaiveDate, hour: u32, zone: Tz) -> DateTime<Utc> {
    let mut time = NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or(NaiveTime::MIN);
    for _ in 0..3 {
        if let Some(at) = zone.from_local_datetime(&day.and_time(time)).earliest() {
            return at.with_timezone(&Utc);
        }
        time += chrono::Duration::hours(1);
    }
    day.and_time(time).and_utc()
}

/// Start of `day` in the person's time zone.
pub fn start_of(day: NaiveDate, zone: Tz) -> DateTime<Utc> {
    local_moment(day, 0, zone)
}

/// When a reminder planned for `day` should go, seen from `now`: 10:00 local on that day;
/// if that has passed, now while it is daytime for the person, else 10:00 their next morning.
pub fn send_at(day: NaiveDate, zone: Tz, now: DateTime<Utc>) -> DateTime<Utc> {
    let planned = local_moment(day, PLANNED_HOUR, zone);
    if planned >= now {
        return planned;
    }
    let local = now.with_timezone(&zone);
    if DAYTIME.contains(&local.hour()) {
        return now;
    }
    let today = local.date_naive();
    let morning = if local.hour() < DAYTIME.start {
        today
    } else {
        today.checked_add_days(Days::new(1)).unwrap_or(today)
    };
    local_moment(morning, PLANNED_HOUR, zone)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn a_planned_reminder_goes_at_ten_in_the_persons_own_time() {
        let london = zone("Europe/London");
        let new_york = zone("America/New_York");
        let early = at("2026-12-10T01:00:00Z");
        assert_eq!(
            send_at(day("2026-12-10"), london, early),
            at("2026-12-10T10:00:00Z")
        );
        assert_eq!(
            send_at(day("2026-12-10"), new_york, early),
            at("2026-12-10T15:00:00Z")
        );
        // British summer time.
        assert_eq!(
            send_at(day("2026-07-10"), london, at("2026-07-01T00:00:00Z")),
            at("2026-07-10T09:00:00Z")
        );
    }

    #[test]
    fn a_late_reminder_goes_now_by_day_and_next_morning_by_night() {
        let london = zone("Europe/London");
        let afternoon = at("2026-12-10T14:30:00Z");
        assert_eq!(send_at(day("2026-12-10"), london, afternoon), afternoon);
        assert_eq!(
            send_at(day("2026-12-10"), london, at("2026-12-10T22:00:00Z")),
            at("2026-12-11T10:00:00Z")
        );
        assert_eq!(
            send_at(day("2026-12-09"), london, at("2026-12-10T06:00:00Z")),
            at("2026-12-10T10:00:00Z")
        );
    }

    #[test]
    fn an_unknown_zone_is_read_as_utc_and_gaps_are_skipped() {
        assert_eq!(zone("Mars/Olympus"), Tz::UTC);
        // 01:00 does not exist in London on 29 March 2026: the next hour that does.
        assert_eq!(
            local_moment(day("2026-03-29"), 1, zone("Europe/London")),
            at("2026-03-29T01:00:00Z")
        );
    }
}
