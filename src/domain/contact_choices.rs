//! What a person chooses on their contact preferences page, and the rules between those
//! choices. A form reads each answer on its own; [`ContactPreferences::choose`] then checks
//! them together and works out the pause from the moment they were saved.
use chrono::{DateTime, Duration, Utc};

use super::contact::{ContactPreferences, TimeOfDay};
use super::invalid::Invalid;

/// "Pause reminders for 14 days".
pub const PAUSE_DAYS: i64 = 14;

/// The days of the month pay can arrive on.
pub const PAYDAYS: std::ops::RangeInclusive<u32> = 1..=31;

/// What to do about a pause when the preferences are saved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PauseChoice {
    /// Leave it as it is: a pause running keeps running, no pause stays no pause.
    Keep,
    /// Pause reminders for [`PAUSE_DAYS`] from now.
    Start,
    /// End a pause now.
    End,
}

/// The answers as the form read them, each already checked on its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreferenceChoices {
    pub reminders_by_email: bool,
    pub time_of_day: TimeOfDay,
    /// "Remind me only around payday".
    pub payday_only: bool,
    /// The day pay arrives, if one was typed (only used with `payday_only`).
    pub payday: Option<u32>,
    pub pause: PauseChoice,
}

impl ContactPreferences {
    /// The preferences these choices make, saved at `now` over a pause that runs until
    /// `current_pause` (if any). Only payday reminders need the day pay arrives.
    pub fn choose(
        choices: PreferenceChoices,
        current_pause: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Self, Invalid> {
        let mut invalid = Invalid::default();
        let payday = match (choices.payday_only, choices.payday) {
            (false, _) => None,
            (true, Some(day)) if PAYDAYS.contains(&day) => Some(day),
            (true, _) => {
                invalid.add(
                    "payday",
                    "Enter the day of the month your pay arrives, a number from 1 to 31",
                );
                None
            }
        };
        let paused_until = match choices.pause {
            PauseChoice::Start => Some(now + Duration::days(PAUSE_DAYS)),
            PauseChoice::End => None,
            // A pause that has run out is simply over.
            PauseChoice::Keep => current_pause.filter(|until| *until > now),
        };
        invalid.or_ok(|| ContactPreferences {
            reminders_by_email: choices.reminders_by_email,
            time_of_day: choices.time_of_day,
            payday,
            paused_until,
        })
    }

    /// True while a "pause for 14 days" is still running.
    pub fn is_paused(&self, now: DateTime<Utc>) -> bool {
        self.paused_until.is_some_and(|until| until > now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-12-03T10:00:00Z".parse().unwrap()
    }

    fn choices() -> PreferenceChoices {
        PreferenceChoices {
            reminders_by_email: true,
            time_of_day: TimeOfDay::Evening,
            payday_only: false,
            payday: None,
            pause: PauseChoice::Keep,
        }
    }

    #[test]
    fn payday_reminders_need_a_real_day_of_the_month() {
        for payday in [None, Some(0), Some(32)] {
            let chosen = PreferenceChoices {
                payday_only: true,
                payday,
                ..choices()
            };
            let invalid = ContactPreferences::choose(chosen, None, now()).unwrap_err();
            assert!(invalid.on("payday").is_some(), "{payday:?}");
        }
        let chosen = PreferenceChoices {
            payday_only: true,
            payday: Some(31),
            ..choices()
        };
        let saved = ContactPreferences::choose(chosen, None, now()).unwrap();
        assert_eq!(saved.payday, Some(31));
    }

    #[test]
    fn a_payday_typed_without_payday_reminders_is_not_kept() {
        let chosen = PreferenceChoices {
            payday: Some(15),
            ..choices()
        };
        let saved = ContactPreferences::choose(chosen, None, now()).unwrap();
        assert_eq!(saved.payday, None);
        assert_eq!(saved.time_of_day, TimeOfDay::Evening);
    }

    #[test]
    fn a_pause_lasts_fourteen_days_and_can_end_early() {
        let start = PreferenceChoices {
            pause: PauseChoice::Start,
            ..choices()
        };
        let paused = ContactPreferences::choose(start, None, now()).unwrap();
        assert_eq!(paused.paused_until, Some(now() + Duration::days(14)));
        assert!(paused.is_paused(now() + Duration::days(13)));
        assert!(!paused.is_paused(now() + Duration::days(14)));

        let kept = ContactPreferences::choose(choices(), paused.paused_until, now()).unwrap();
        assert_eq!(kept.paused_until, paused.paused_until);
        let ended = PreferenceChoices {
            pause: PauseChoice::End,
            ..choices()
        };
        let ended = ContactPreferences::choose(ended, paused.paused_until, now()).unwrap();
        assert_eq!(ended.paused_until, None);
        let later = now() + Duration::days(20);
        let expired = ContactPreferences::choose(choices(), paused.paused_until, later).unwrap();
        assert_eq!(expired.paused_until, None);
    }
}
