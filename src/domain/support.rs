//! Extra support: the person says in their own words what would help, and agrees that the
//! creditor may keep it and use it to support them. Without that agreement nothing is kept.
use super::Invalid;

/// The longest description, in characters.
pub const MAX_SUPPORT_CHARS: usize = 1000;

/// What the person asked for, with their consent given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupportRequest {
    words: String,
}

impl SupportRequest {
    /// `words` as typed; `consent` is the ticked box. Problems name the field ids `words`
    /// and `consent`.
    pub fn new(words: &str, consent: bool) -> Result<Self, Invalid> {
        let words = words.trim();
        let mut invalid = Invalid::default();
        invalid.check(
            words.is_empty(),
            "words",
            "Tell us what support would help you",
        );
        invalid.check(
            words.chars().count() > MAX_SUPPORT_CHARS,
            "words",
            "Keep it to 1,000 characters or fewer",
        );
        invalid.check(
            !consent,
            "consent",
            "Tick the box to agree, so we can keep what you told us and use it to support you",
        );
        invalid.or_ok(|| SupportRequest {
            words: words.to_string(),
        })
    }

    pub fn words(&self) -> &str {
        &self.words
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn support_needs_words_and_the_ticked_box() {
        assert_eq!(
            SupportRequest::new(" I am unwell ", true).map(|r| r.words().to_string()),
            Ok("I am unwell".to_string())
        );
        let refused = SupportRequest::new("I am unwell", false).unwrap_err();
        assert!(refused.on("consent").is_some());
        assert!(refused.on("words").is_none());
        let refused = SupportRequest::new("", true).unwrap_err();
        assert!(refused.on("words").is_some());
        assert!(SupportRequest::new(&"a".repeat(MAX_SUPPORT_CHARS + 1), true).is_err());
    }
}
