//! When we may contact a person: never between 21:00 and 08:00 in their own time zone, and
//! only as they asked (their contact preferences). [`decide_reminder`] is the contact policy
//! for reminders, a pure function of the facts the outbox gathers when it is about to send
//! one; messages the person asked for (sign-in links, receipts) never come here.
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

use crate::domain::care::HoldKind;

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

impl TimeOfDay {
    /// The local hours (from, until) this choice allows.
    fn hours(self) -> (u32, u32) {
        match self {
            TimeOfDay::Any => (EARLIEST_HOUR, LATEST_HOUR),
            TimeOfDay::Morning => (8, 12),
            TimeOfDay::Afternoon => (12, 17),
            TimeOfDay::Evening => (17, 21),
        }
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

const EARLIEST_HOUR: u32 = 8;
const LATEST_HOUR: u32 = 21;

/// At most this many reminders to one person in any rolling [`CAP_DAYS`].
pub const WEEKLY_CAP: usize = 3;
pub const CAP_DAYS: i64 = 7;
/// "Around payday": from 2 days before it to 3 days after.
const DAYS_BEFORE_PAYDAY: u32 = 2;
const DAYS_AFTER_PAYDAY: u32 = 3;

fn hour(h: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, 0, 0).unwrap_or(NaiveTime::MIN)
}

/// True between 21:00 and 08:00 at the person's local time.
pub fn in_quiet_hours<Z: TimeZone>(now: DateTime<Utc>, zone: &Z) -> bool {
    let local = now.with_timezone(zone).time();
    local < hour(EARLIEST_HOUR) || local >= hour(LATEST_HOUR)
}

/// Why no reminder goes about an account for now, whatever the time. Each is one source in
/// `services::contact::policy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HoldReason {
    /// Staff put the account on hold.
    StaffHold,
    /// The person disputes the debt and the creditor has not answered yet.
    Dispute,
    /// The person is in a breathing space.
    BreathingSpace,
    /// A payment came in during the last 2 days: they have just paid.
    RecentPayment,
}

impl From<HoldKind> for HoldReason {
    fn from(kind: HoldKind) -> Self {
        match kind {
            HoldKind::Staff => HoldReason::StaffHold,
            HoldKind::Dispute => HoldReason::Dispute,
            HoldKind::BreathingSpace => HoldReason::BreathingSpace,
        }
    }
}

/// Why a reminder waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeferReason {
    Paused,
    WeeklyCap,
    Payday,
    QuietHours,
    TimeOfDay,
}

/// Why a reminder is dropped for good.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuppressReason {
    RemindersOff,
    Hold(HoldReason),
    /// Its `stale_at` has passed.
    Stale,
    /// It would have to wait past its `stale_at`.
    TooLate(DeferReason),
}

/// The contact policy's word on one reminder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContactDecision {
    SendNow,
    Defer {
        until: DateTime<Utc>,
        reason: DeferReason,
    },
    Suppress(SuppressReason),
}

/// What the policy needs to know about the person and the reminder.
#[derive(Clone, Debug)]
pub struct ReminderFacts {
    pub preferences: ContactPreferences,
    /// The person's own time zone.
    pub zone: Tz,
    pub hold: Option<HoldReason>,
    /// When their reminders of the last 7 days went (one being sent right now counts as now).
    pub recent_reminders: Vec<DateTime<Utc>>,
    /// The reminder is no use from this moment (an upcoming payment that is already due).
    pub stale_at: Option<DateTime<Utc>>,
}

/// Send now, hold until the earliest moment every rule allows, or drop it.
pub fn decide_reminder(facts: &ReminderFacts, now: DateTime<Utc>) -> ContactDecision {
    if !facts.preferences.reminders_by_email {
        return ContactDecision::Suppress(SuppressReason::RemindersOff);
    }
    if let Some(hold) = facts.hold {
        return ContactDecision::Suppress(SuppressReason::Hold(hold));
    }
    let is_stale = |at: DateTime<Utc>| facts.stale_at.is_some_and(|stale| at >= stale);
    if is_stale(now) {
        return ContactDecision::Suppress(SuppressReason::Stale);
    }
    match earliest_allowed(facts, now) {
        None => ContactDecision::SendNow,
        Some((until, reason)) if is_stale(until) => {
            ContactDecision::Suppress(SuppressReason::TooLate(reason))
        }
        Some((until, reason)) => ContactDecision::Defer { until, reason },
    }
}

/// One timing rule: None when `at` is allowed, else a later moment worth trying.
type Rule = fn(&ReminderFacts, DateTime<Utc>) -> Option<DateTime<Utc>>;

/// Applied in this order; when several hold a reminder, the reason given is the one that
/// held it longest (a pause of 14 days, not the quiet hours its last night ends in), and of
/// equal ones the first here.
const RULES: [(DeferReason, Rule); 5] = [
    (DeferReason::Paused, after_pause),
    (DeferReason::WeeklyCap, after_cap),
    (DeferReason::Payday, around_payday),
    (DeferReason::QuietHours, outside_quiet_hours),
    (DeferReason::TimeOfDay, in_preferred_hours),
];

/// Rules can push each other on (a pause ending at 03:00 meets quiet hours), so they are
/// applied until none moves the moment; each move goes strictly later, and this many rounds
/// is more than any combination needs. An unsettled result is still a fine time to look again.
const ROUNDS: usize = 12;

/// None when every rule allows `now`; else the earliest moment they all allow, with the
/// rule that held the reminder back longest.
fn earliest_allowed(
    facts: &ReminderFacts,
    now: DateTime<Utc>,
) -> Option<(DateTime<Utc>, DeferReason)> {
    let mut at = now;
    let mut longest: Option<(Duration, DeferReason)> = None;
    for _ in 0..ROUNDS {
        let moved = RULES
            .iter()
            .find_map(|(reason, rule)| rule(facts, at).map(|later| (later, *reason)));
        let Some((later, reason)) = moved else {
            break;
        };
        let later = later.max(at + Duration::minutes(1));
        let wait = later - at;
        if longest.is_none_or(|(most, _)| wait > most) {
            longest = Some((wait, reason));
        }
        at = later;
    }
    longest.map(|(_, reason)| (at, reason))
}

fn after_pause(facts: &ReminderFacts, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    facts.preferences.paused_until.filter(|until| *until > at)
}

/// Over the cap: wait until enough of the recent reminders are more than 7 days old.
fn after_cap(facts: &ReminderFacts, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let window_start = at - Duration::days(CAP_DAYS);
    let mut in_window: Vec<DateTime<Utc>> = facts
        .recent_reminders
        .iter()
        .copied()
        .filter(|sent| *sent > window_start)
        .collect();
    if in_window.len() < WEEKLY_CAP {
        return None;
    }
    in_window.sort();
    // Once this one leaves the window, fewer than WEEKLY_CAP remain in it.
    let leaves = in_window[in_window.len() - WEEKLY_CAP];
    Some(leaves + Duration::days(CAP_DAYS))
}

fn around_payday(facts: &ReminderFacts, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let payday = facts.preferences.payday?;
    let today = at.with_timezone(&facts.zone).date_naive();
    let (first, last) = payday_window(today, payday)?;
    if (first..=last).contains(&today) {
        return None;
    }
    let opens = if today < first {
        first
    } else {
        let next_month = last.checked_add_months(chrono::Months::new(1))?;
        payday_window(next_month, payday)?.0
    };
    Some(local_at(&facts.zone, opens, hour(EARLIEST_HOUR)))
}

/// The first and last day "around payday" in the month of `day`. A payday past the month's
/// end falls on its last day (the 31st is the 30th in June), and the window stays inside
/// the month.
fn payday_window(day: NaiveDate, payday: u32) -> Option<(NaiveDate, NaiveDate)> {
    let month_start = day.with_day(1)?;
    let length = month_start
        .checked_add_months(chrono::Months::new(1))?
        .signed_duration_since(month_start)
        .num_days();
    let length = u32::try_from(length).ok()?;
    let payday = payday.clamp(1, length);
    let first = payday.saturating_sub(DAYS_BEFORE_PAYDAY).max(1);
    let last = (payday + DAYS_AFTER_PAYDAY).min(length);
    Some((day.with_day(first)?, day.with_day(last)?))
}

fn outside_quiet_hours(facts: &ReminderFacts, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    next_opening(&facts.zone, at, (EARLIEST_HOUR, LATEST_HOUR))
}

fn in_preferred_hours(facts: &ReminderFacts, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    next_opening(&facts.zone, at, facts.preferences.time_of_day.hours())
}

/// None when `at` is within the local hours [from, until); else when they next open.
fn next_opening(zone: &Tz, at: DateTime<Utc>, (from, until): (u32, u32)) -> Option<DateTime<Utc>> {
    let local = at.with_timezone(zone);
    if (from..until).contains(&local.hour()) {
        return None;
    }
    let today = local.date_naive();
    let day = if local.hour() < from {
        today
    } else {
        today.succ_opt()?
    };
    Some(local_at(zone, day, hour(from)))
}

/// The moment the clock on the wall reads `time` on `day`. When a clock change makes that
/// time happen twice, the first; when it skips it, an hour later.
fn local_at(zone: &Tz, day: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let wall = day.and_time(time);
    zone.from_local_datetime(&wall)
        .earliest()
        .or_else(|| {
            zone.from_local_datetime(&(wall + Duration::hours(1)))
                .earliest()
        })
        .map(|local| local.with_timezone(&Utc))
        .unwrap_or_else(|| wall.and_utc())
}

impl ContactDecision {
    /// The decision in plain words for staff, with times on the person's own clock: "Held
    /// until 08:00 on Tuesday 24 November (Europe/London): quiet hours".
    pub fn in_words(&self, zone: &Tz) -> String {
        match self {
            ContactDecision::SendNow => SENT_REMINDER.to_string(),
            ContactDecision::Defer { until, reason } => {
                let local = until.with_timezone(zone);
                format!(
                    "Held until {} ({}): {}",
                    local.format("%H:%M on %A %-d %B"),
                    zone.name(),
                    reason.in_words()
                )
            }
            ContactDecision::Suppress(reason) => format!("Not sent: {}", reason.in_words()),
        }
    }
}

/// Recorded when a reminder goes.
pub const SENT_REMINDER: &str =
    "Sent: outside quiet hours, as the person's preferences allow, within 3 in 7 days";
/// Recorded when a message the person asked for goes (no reminder rule applies to it).
pub const SENT_AT_ONCE: &str = "Sent at once: a message the person asked for";

impl DeferReason {
    fn in_words(self) -> &'static str {
        match self {
            DeferReason::Paused => "reminders paused by the person",
            DeferReason::WeeklyCap => "3 reminders in the last 7 days",
            DeferReason::Payday => "the person asked for reminders only around payday",
            DeferReason::QuietHours => "quiet hours",
            DeferReason::TimeOfDay => "the person's preferred time of day",
        }
    }
}

impl SuppressReason {
    fn in_words(self) -> String {
        match self {
            SuppressReason::RemindersOff => "reminders turned off by the person".into(),
            SuppressReason::Hold(HoldReason::StaffHold) => "account on hold".into(),
            SuppressReason::Hold(HoldReason::Dispute) => "the person disputes the debt".into(),
            SuppressReason::Hold(HoldReason::BreathingSpace) => "breathing space".into(),
            SuppressReason::Hold(HoldReason::RecentPayment) => {
                "a payment came in during the last 2 days".into()
            }
            SuppressReason::Stale => "too late to be useful".into(),
            SuppressReason::TooLate(DeferReason::WeeklyCap) => {
                DeferReason::WeeklyCap.in_words().into()
            }
            SuppressReason::TooLate(reason) => {
                format!("too late to be useful once allowed ({})", reason.in_words())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::New_York;
    use chrono_tz::Europe::London;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn facts_in(zone: Tz) -> ReminderFacts {
        ReminderFacts {
            preferences: ContactPreferences::default(),
            zone,
            hold: None,
            recent_reminders: Vec::new(),
            stale_at: None,
        }
    }

    fn held(until: &str, reason: DeferReason) -> ContactDecision {
        ContactDecision::Defer {
            until: at(until),
            reason,
        }
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

    #[test]
    fn a_reminder_in_the_day_goes_at_once() {
        let now = at("2026-11-23T12:00:00Z");
        assert_eq!(
            decide_reminder(&facts_in(London), now),
            ContactDecision::SendNow
        );
    }

    #[test]
    fn the_same_moment_is_day_in_london_and_night_in_new_york() {
        let now = at("2026-11-23T09:00:00Z");
        assert_eq!(
            decide_reminder(&facts_in(London), now),
            ContactDecision::SendNow
        );
        // 04:00 in New York: held to 08:00 there, 13:00 UTC.
        assert_eq!(
            decide_reminder(&facts_in(New_York), now),
            held("2026-11-23T13:00:00Z", DeferReason::QuietHours)
        );
    }

    #[test]
    fn an_evening_reminder_waits_for_the_next_morning() {
        let now = at("2026-11-23T21:30:00Z");
        assert_eq!(
            decide_reminder(&facts_in(London), now),
            held("2026-11-24T08:00:00Z", DeferReason::QuietHours)
        );
    }

    #[test]
    fn the_next_morning_is_on_the_new_clock_after_a_change() {
        // Clocks go forward in the night of 28 to 29 March 2026: 08:00 BST is 07:00 UTC.
        assert_eq!(
            decide_reminder(&facts_in(London), at("2026-03-28T22:00:00Z")),
            held("2026-03-29T07:00:00Z", DeferReason::QuietHours)
        );
        // And back in the night of 24 to 25 October: 22:30 BST, then 08:00 GMT.
        assert_eq!(
            decide_reminder(&facts_in(London), at("2026-10-24T21:30:00Z")),
            held("2026-10-25T08:00:00Z", DeferReason::QuietHours)
        );
    }

    #[test]
    fn reminders_turned_off_are_not_sent() {
        let mut facts = facts_in(London);
        facts.preferences.reminders_by_email = false;
        assert_eq!(
            decide_reminder(&facts, at("2026-11-23T12:00:00Z")),
            ContactDecision::Suppress(SuppressReason::RemindersOff)
        );
    }

    #[test]
    fn a_hold_stops_reminders() {
        for hold in [
            HoldReason::StaffHold,
            HoldReason::Dispute,
            HoldReason::BreathingSpace,
            HoldReason::RecentPayment,
        ] {
            let mut facts = facts_in(London);
            facts.hold = Some(hold);
            assert_eq!(
                decide_reminder(&facts, at("2026-11-23T12:00:00Z")),
                ContactDecision::Suppress(SuppressReason::Hold(hold))
            );
        }
    }

    #[test]
    fn a_pause_holds_reminders_until_it_ends_then_quiet_hours_apply() {
        let mut facts = facts_in(London);
        facts.preferences.paused_until = Some(at("2026-12-07T03:00:00Z"));
        assert_eq!(
            decide_reminder(&facts, at("2026-11-23T12:00:00Z")),
            held("2026-12-07T08:00:00Z", DeferReason::Paused)
        );
        assert_eq!(
            decide_reminder(&facts, at("2026-12-07T09:00:00Z")),
            ContactDecision::SendNow
        );
    }

    #[test]
    fn a_preferred_time_of_day_is_kept() {
        let mut facts = facts_in(London);
        facts.preferences.time_of_day = TimeOfDay::Evening;
        assert_eq!(
            decide_reminder(&facts, at("2026-11-23T09:00:00Z")),
            held("2026-11-23T17:00:00Z", DeferReason::TimeOfDay)
        );
        facts.preferences.time_of_day = TimeOfDay::Morning;
        assert_eq!(
            decide_reminder(&facts, at("2026-11-23T14:00:00Z")),
            held("2026-11-24T08:00:00Z", DeferReason::TimeOfDay)
        );
        // At night the reason is quiet hours: they alone hold it until the morning.
        assert_eq!(
            decide_reminder(&facts, at("2026-11-23T23:00:00Z")),
            held("2026-11-24T08:00:00Z", DeferReason::QuietHours)
        );
        // Early in the morning for someone who likes evenings: the evening is the reason.
        facts.preferences.time_of_day = TimeOfDay::Evening;
        assert_eq!(
            decide_reminder(&facts, at("2026-11-24T07:30:00Z")),
            held("2026-11-24T17:00:00Z", DeferReason::TimeOfDay)
        );
    }

    #[test]
    fn payday_only_reminders_wait_for_the_days_around_payday() {
        let mut facts = facts_in(London);
        facts.preferences.payday = Some(25);
        // 10 November: the window is 23 to 28 November.
        assert_eq!(
            decide_reminder(&facts, at("2026-11-10T12:00:00Z")),
            held("2026-11-23T08:00:00Z", DeferReason::Payday)
        );
        assert_eq!(
            decide_reminder(&facts, at("2026-11-28T12:00:00Z")),
            ContactDecision::SendNow
        );
        // After the window: next month's.
        assert_eq!(
            decide_reminder(&facts, at("2026-11-29T12:00:00Z")),
            held("2026-12-23T08:00:00Z", DeferReason::Payday)
        );
    }

    #[test]
    fn a_payday_past_the_months_end_falls_on_its_last_day() {
        let june = NaiveDate::from_ymd_opt(2026, 6, 10).unwrap();
        let day = |d| NaiveDate::from_ymd_opt(2026, 6, d).unwrap();
        assert_eq!(payday_window(june, 31), Some((day(28), day(30))));
        assert_eq!(payday_window(june, 1), Some((day(1), day(4))));
        let february = NaiveDate::from_ymd_opt(2026, 2, 1).unwrap();
        let feb = |d| NaiveDate::from_ymd_opt(2026, 2, d).unwrap();
        assert_eq!(payday_window(february, 30), Some((feb(26), feb(28))));
    }

    #[test]
    fn a_fourth_reminder_in_seven_days_waits_until_the_oldest_is_a_week_old() {
        let mut facts = facts_in(London);
        facts.recent_reminders = vec![
            at("2026-11-20T10:00:00Z"),
            at("2026-11-18T09:00:00Z"),
            at("2026-11-21T10:00:00Z"),
        ];
        assert_eq!(
            decide_reminder(&facts, at("2026-11-23T12:00:00Z")),
            held("2026-11-25T09:00:00Z", DeferReason::WeeklyCap)
        );
        // Two in the window: the third may go.
        facts.recent_reminders.remove(0);
        assert_eq!(
            decide_reminder(&facts, at("2026-11-23T12:00:00Z")),
            ContactDecision::SendNow
        );
    }

    #[test]
    fn a_reminder_that_could_only_go_too_late_is_dropped() {
        let mut facts = facts_in(London);
        facts.recent_reminders = vec![at("2026-11-22T10:00:00Z"); 3];
        facts.stale_at = Some(at("2026-11-26T00:00:00Z"));
        assert_eq!(
            decide_reminder(&facts, at("2026-11-23T12:00:00Z")),
            ContactDecision::Suppress(SuppressReason::TooLate(DeferReason::WeeklyCap))
        );
        let stale = ReminderFacts {
            stale_at: Some(at("2026-11-23T12:00:00Z")),
            ..facts_in(London)
        };
        assert_eq!(
            decide_reminder(&stale, at("2026-11-23T12:00:00Z")),
            ContactDecision::Suppress(SuppressReason::Stale)
        );
    }

    #[test]
    fn decisions_read_plainly_on_the_persons_clock() {
        let quiet = held("2026-11-24T08:00:00Z", DeferReason::QuietHours);
        assert_eq!(
            quiet.in_words(&London),
            "Held until 08:00 on Tuesday 24 November (Europe/London): quiet hours"
        );
        assert_eq!(
            ContactDecision::Suppress(SuppressReason::RemindersOff).in_words(&London),
            "Not sent: reminders turned off by the person"
        );
        assert_eq!(
            ContactDecision::Suppress(SuppressReason::Hold(HoldReason::StaffHold))
                .in_words(&London),
            "Not sent: account on hold"
        );
        assert_eq!(
            ContactDecision::Suppress(SuppressReason::TooLate(DeferReason::WeeklyCap))
                .in_words(&London),
            "Not sent: 3 reminders in the last 7 days"
        );
    }
}
