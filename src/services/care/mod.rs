//! Care: what a person in difficulty can do by themselves (hardship, breathing space, extra
//! support, disputes, messages, feedback, free advice, their data) and what staff see of it.
pub mod advice;
pub mod attachments;
pub mod breathing_space;
pub mod disputes;
pub mod erasure;
pub mod feedback;
pub mod hardship;
pub mod holds;
pub mod messages;
pub mod overview;
pub mod privacy;
pub mod support;
