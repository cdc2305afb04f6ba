//! Care: what a person in difficulty can do by themselves (hardship, breathing space, extra
//! support, disputes, messages, feedback, free advice, their data) and what staff see of it.
pub mod attachments;
pub mod breathing_space;
pub mod hardship;
pub mod holds;
