//! A message in an account's thread between the person and the creditor's staff.

/// The longest message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 2000;

/// A message's text as it is kept: trimmed, not empty, at most [`MAX_MESSAGE_CHARS`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageBody(String);

impl MessageBody {
    /// The text, or the message to show next to the field.
    pub fn new(text: &str) -> Result<Self, &'static str> {
        let text = text.trim();
        if text.is_empty() {
            return Err("Write your message");
        }
        if text.chars().count() > MAX_MESSAGE_CHARS {
            return Err("Keep your message to 2,000 characters or fewer");
        }
        Ok(MessageBody(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// How long someone has waited for an answer, as staff read it: "waiting 3 days".
pub fn waiting_words(
    since: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> String {
    let waited = now - since;
    match (waited.num_days(), waited.num_hours()) {
        (0, 0) => "waiting less than an hour".to_string(),
        (0, 1) => "waiting 1 hour".to_string(),
        (0, hours) => format!("waiting {hours} hours"),
        (1, _) => "waiting 1 day".to_string(),
        (days, _) => format!("waiting {days} days"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiting_is_said_in_hours_then_days() {
        let now: chrono::DateTime<chrono::Utc> = "2026-12-10T12:00:00Z".parse().unwrap();
        let ago = |hours| now - chrono::Duration::hours(hours);
        assert_eq!(waiting_words(now, now), "waiting less than an hour");
        assert_eq!(waiting_words(ago(5), now), "waiting 5 hours");
        assert_eq!(waiting_words(ago(30), now), "waiting 1 day");
        assert_eq!(waiting_words(ago(72), now), "waiting 3 days");
    }

    #[test]
    fn a_message_is_trimmed_and_needs_words_within_the_limit() {
        assert_eq!(
            MessageBody::new("  Hello  ").map(|b| b.into_string()),
            Ok("Hello".into())
        );
        assert_eq!(MessageBody::new(" \n "), Err("Write your message"));
        assert!(MessageBody::new(&"é".repeat(MAX_MESSAGE_CHARS)).is_ok());
        assert!(MessageBody::new(&"é".repeat(MAX_MESSAGE_CHARS + 1)).is_err());
    }
}
