//! Contact with people: their preferences, the reminders we start, and the policy every
//! outgoing message passes through.
pub mod cadence;
pub mod deep_links;
pub mod policy;
pub mod preferences;
pub mod reminders;
pub mod unsubscribe;
