//! A creditor's details as an admin enters them. Made only by [`CreditorDetails::new`], so the
//! creditors service never saves a name that is blank or too long.
use chrono_tz::Tz;

use super::inputs::EmailAddress;
use super::invalid::Invalid;
use super::money::Currency;

pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_PHONE_CHARS: usize = 40;

/// The details as proposed: currency, time zone and email already parsed, text not yet checked.
#[derive(Clone, Debug)]
pub struct CreditorDraft {
    pub name: String,
    pub display_name: String,
    pub currency: Currency,
    pub time_zone: Tz,
    pub contact_email: EmailAddress,
    pub contact_phone: String,
}

/// A creditor's details, every field checked.
#[derive(Clone, Debug)]
pub struct CreditorDetails {
    draft: CreditorDraft,
}

/// What is wrong with one line of text, in words for the admin: "Enter the name", "The name
/// must be 100 characters or fewer". `what` names the field ("contact phone number").
pub fn text_problem(value: &str, max_chars: usize, what: &str) -> Option<String> {
    let value = value.trim();
    if value.is_empty() {
        Some(format!("Enter the {what}"))
    } else if value.chars().count() > max_chars {
        Some(format!(
            "The {what} must be {max_chars} characters or fewer"
        ))
    } else {
        None
    }
}

/// The text fields, their limits and how to name them in a message.
pub const TEXT_FIELDS: [(&str, usize, &str); 3] = [
    ("name", MAX_NAME_CHARS, "name"),
    ("display_name", MAX_NAME_CHARS, "name shown to people"),
    ("contact_phone", MAX_PHONE_CHARS, "contact phone number"),
];

impl CreditorDetails {
    /// Checks the text fields (trimmed: not blank, within their limits) and keeps them trimmed.
    pub fn new(draft: CreditorDraft) -> Result<CreditorDetails, Invalid> {
        let draft = CreditorDraft {
            name: draft.name.trim().to_string(),
            display_name: draft.display_name.trim().to_string(),
            contact_phone: draft.contact_phone.trim().to_string(),
            ..draft
        };
        let mut invalid = Invalid::default();
        let values = [&draft.name, &draft.display_name, &draft.contact_phone];
        for ((field, max, what), value) in TEXT_FIELDS.into_iter().zip(values) {
            if let Some(message) = text_problem(value, max, what) {
                invalid.add(field, message);
            }
        }
        invalid.or_ok(|| CreditorDetails { draft })
    }

    pub fn name(&self) -> &str {
        &self.draft.name
    }

    pub fn display_name(&self) -> &str {
        &self.draft.display_name
    }

    pub fn currency(&self) -> Currency {
        self.draft.currency
    }

    pub fn time_zone(&self) -> Tz {
        self.draft.time_zone
    }

    pub fn contact_email(&self) -> &EmailAddress {
        &self.draft.contact_email
    }

    pub fn contact_phone(&self) -> &str {
        &self.draft.contact_phone
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> CreditorDraft {
        CreditorDraft {
            name: " northwind ".into(),
            display_name: "Northwind Utilities".into(),
            currency: Currency::GBP,
            time_zone: chrono_tz::Europe::London,
            contact_email: EmailAddress::parse("help@northwind.example").expect("a good address"),
            contact_phone: "0800 000 000".into(),
        }
    }

    #[test]
    fn details_are_kept_trimmed() {
        let details = CreditorDetails::new(draft()).expect("good details");
        assert_eq!(details.name(), "northwind");
    }

    #[test]
    fn blank_and_overlong_text_is_refused_field_by_field() {
        let invalid = CreditorDetails::new(CreditorDraft {
            name: "   ".into(),
            contact_phone: "1".repeat(MAX_PHONE_CHARS + 1),
            ..draft()
        })
        .expect_err("blank name, long phone");
        assert_eq!(invalid.on("name"), Some("Enter the name"));
        assert_eq!(
            invalid.on("contact_phone"),
            Some("The contact phone number must be 40 characters or fewer")
        );
        assert_eq!(invalid.on("display_name"), None);
    }
}
