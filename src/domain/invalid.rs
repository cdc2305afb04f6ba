//! Field-keyed problems found by a domain constructor (`PlanPolicy::new`, `DiscountRule::new`,
//! ...). Each names the form field it is about, so a page can show the message next to that
//! field and link to it from its error summary; the wording is meant for the person who typed it.

/// One rule a value breaks, and the field to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// The id of the form field the message belongs next to.
    pub field: &'static str,
    pub message: String,
}

/// Every rule a value breaks, in the order its form shows the fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("{} field(s) need fixing: {}", .0.len(), summary(.0))]
pub struct Invalid(pub Vec<FieldProblem>);

fn summary(problems: &[FieldProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("{}: {}", p.field, p.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl Invalid {
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push(FieldProblem {
            field,
            message: message.into(),
        });
    }

    /// Adds the message when `broken` is true.
    pub fn check(&mut self, broken: bool, field: &'static str, message: impl Into<String>) {
        if broken {
            self.add(field, message);
        }
    }

    /// The message for one field, if it has one.
    pub fn on(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|p| p.field == field)
            .map(|p| p.message.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `value` when nothing was found, otherwise every problem.
    pub fn or_ok<T>(self, value: impl FnOnce() -> T) -> Result<T, Invalid> {
        if self.0.is_empty() {
            Ok(value())
        } else {
            Err(self)
        }
    }
}

/// "Enter a whole number from 1 to 520": the message for a count outside its limits.
pub fn range_message(range: &std::ops::RangeInclusive<u32>) -> String {
    format!(
        "Enter a whole number from {} to {}",
        range.start(),
        range.end()
    )
}
