//! One optional question after something is done: how easy was that?

stored_enum! {
    /// When we asked. Stored in `feedback.moment`.
    pub enum FeedbackMoment {
        PlanSetUp = "plan_set_up",
        PaymentCompleted = "payment_completed",
        DisputeClosed = "dispute_closed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::stored::tests::round_trips;

    #[test]
    fn moments_round_trip() {
        round_trips(&FeedbackMoment::ALL, |m| m.as_str());
    }
}

/// Scores people can give: 1 (very hard) to 5 (very easy).
pub const SCORES: std::ops::RangeInclusive<i16> = 1..=5;
/// The longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 1000;

/// One answer to the question: a score, a comment, or both (never neither).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedbackAnswer {
    pub moment: FeedbackMoment,
    pub score: Option<i16>,
    pub comment: Option<String>,
}

impl FeedbackAnswer {
    /// Reads the fields as posted. Problems name the field ids `feedback-score-1` and
    /// `feedback-comment`; a moment we never ask about is refused on the score.
    pub fn new(moment: &str, score: &str, comment: &str) -> Result<Self, super::Invalid> {
        let mut invalid = super::Invalid::default();
        let moment = FeedbackMoment::parse(moment);
        let score_text = score.trim();
        let score = score_text
            .parse::<i16>()
            .ok()
            .filter(|s| SCORES.contains(s));
        let comment = comment.trim();
        invalid.check(
            moment.is_none(),
            "feedback-score-1",
            "Something went wrong with this form. Please go back and try again",
        );
        invalid.check(
            !score_text.is_empty() && score.is_none(),
            "feedback-score-1",
            "Choose a number from 1 to 5",
        );
        invalid.check(
            comment.chars().count() > MAX_COMMENT_CHARS,
            "feedback-comment",
            "Keep your comment to 1,000 characters or fewer",
        );
        invalid.check(
            invalid.is_empty() && score.is_none() && comment.is_empty(),
            "feedback-score-1",
            "Choose a number from 1 to 5, or write a comment",
        );
        let moment = moment.unwrap_or(FeedbackMoment::PlanSetUp);
        invalid.or_ok(|| FeedbackAnswer {
            moment,
            score,
            comment: (!comment.is_empty()).then(|| comment.to_string()),
        })
    }
}

#[cfg(test)]
mod answer_tests {
    use super::*;

    #[test]
    fn an_answer_needs_a_score_from_1_to_5_or_a_comment() {
        let both = FeedbackAnswer::new("plan_set_up", "4", " Easy ").unwrap();
        assert_eq!(both.score, Some(4));
        assert_eq!(both.comment.as_deref(), Some("Easy"));
        assert!(FeedbackAnswer::new("plan_set_up", "", "Fine").is_ok());
        assert!(FeedbackAnswer::new("payment_completed", "5", "").is_ok());
        assert!(FeedbackAnswer::new("plan_set_up", "", " ").is_err());
        assert!(FeedbackAnswer::new("plan_set_up", "6", "").is_err());
        assert!(FeedbackAnswer::new("plan_set_up", "0", "x").is_err());
        assert!(FeedbackAnswer::new("somewhere", "3", "").is_err());
    }
}
