//! A creditor's reminder cadence: when reminders go out around each installment.
use super::invalid::{Invalid, range_message};

use std::ops::RangeInclusive;

/// When reminders go out. Made only by [`ReminderCadence::new`], which keeps each figure in
/// a humane range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderCadence {
    days_before: u32,
    days_after_miss: u32,
    max_per_installment: u32,
}

impl Default for ReminderCadence {
    /// 3 days before each payment, a gentle note 1 day after a payment is missed, and at most
    /// 2 reminders about any one installment.
    fn default() -> Self {
        ReminderCadence {
            days_before: 3,
            days_after_miss: 1,
            max_per_installment: 2,
        }
    }
}

impl ReminderCadence {
    /// Days before a due date (0: no upcoming reminder; beyond 14 it is noise).
    pub const DAYS_BEFORE: RangeInclusive<u32> = 0..=14;
    /// Days after a payment is missed before the gentle follow-up.
    pub const DAYS_AFTER_MISS: RangeInclusive<u32> = 1..=14;
    /// Reminders about one installment, however they are spread (0: none).
    pub const PER_INSTALLMENT: RangeInclusive<u32> = 0..=3;

    /// `days_before` 0 turns off the upcoming-payment reminder; `max_per_installment` 0
    /// turns off reminders about installments altogether.
    pub fn new(
        days_before: u32,
        days_after_miss: u32,
        max_per_installment: u32,
    ) -> Result<Self, Invalid> {
        let mut invalid = Invalid::default();
        for (field, value, range) in [
            ("days_before", days_before, Self::DAYS_BEFORE),
            ("days_after_miss", days_after_miss, Self::DAYS_AFTER_MISS),
            (
                "max_per_installment",
                max_per_installment,
                Self::PER_INSTALLMENT,
            ),
        ] {
            invalid.check(!range.contains(&value), field, range_message(&range));
        }
        invalid.or_ok(|| ReminderCadence {
            days_before,
            days_after_miss,
            max_per_installment,
        })
    }

    pub fn days_before(&self) -> u32 {
        self.days_before
    }

    pub fn days_after_miss(&self) -> u32 {
        self.days_after_miss
    }

    pub fn max_per_installment(&self) -> u32 {
        self.max_per_installment
    }

    /// Half the cadence, for a person who asked for extra support: half the days of
    /// notice before a payment (rounded down) and half the reminders about any one
    /// installment (rounded up, so someone who would get reminders still gets one).
    pub fn gentler(&self) -> ReminderCadence {
        ReminderCadence {
            days_before: self.days_before / 2,
            days_after_miss: self.days_after_miss,
            max_per_installment: self.max_per_installment.div_ceil(2),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gentler_cadence_halves_notice_and_reminders() {
        let gentle = ReminderCadence::default().gentler();
        assert_eq!(gentle.days_before(), 1);
        assert_eq!(gentle.max_per_installment(), 1);
        assert_eq!(gentle.days_after_miss(), 1);
        let off = ReminderCadence::new(0, 3, 0).unwrap().gentler();
        assert_eq!((off.days_before(), off.max_per_installment()), (0, 0));
    }

    #[test]
    fn the_default_cadence_is_allowed() {
        let d = ReminderCadence::default();
        assert_eq!(
            ReminderCadence::new(
                d.days_before(),
                d.days_after_miss(),
                d.max_per_installment()
            ),
            Ok(d)
        );
    }

    #[test]
    fn figures_outside_their_range_are_named() {
        let invalid = ReminderCadence::new(15, 0, 4).unwrap_err();
        assert!(invalid.on("days_before").is_some());
        assert!(invalid.on("days_after_miss").is_some());
        assert!(invalid.on("max_per_installment").is_some());
    }
}
