//! Free, independent debt advice services a creditor names to its customers. A creditor that
//! has not set its own list shows the UK defaults below: the four national services, each
//! free and independent of any creditor (websites and phone numbers as each service publishes
//! them; check them once a year).
use validator::ValidateUrl;

use crate::domain::invalid::Invalid;

/// The most services one creditor lists (the admin form shows this many rows at most).
pub const MAX_SERVICES: usize = 8;
pub const MAX_NAME_CHARS: usize = 120;
pub const MAX_URL_CHARS: usize = 255;
pub const MAX_PHONE_CHARS: usize = 40;
pub const MAX_DESCRIPTION_CHARS: usize = 200;

/// One service, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdviceService {
    pub name: String,
    /// Always https.
    pub url: String,
    pub phone: Option<String>,
    /// One line: what they help with.
    pub description: String,
}

/// The UK's national free debt advice services, shown when a creditor has set none.
pub fn uk_defaults() -> Vec<AdviceService> {
    let service = |name: &str, url: &str, phone: &str, description: &str| AdviceService {
        name: name.to_string(),
        url: url.to_string(),
        phone: Some(phone.to_string()),
        description: description.to_string(),
    };
    vec![
        service(
            "MoneyHelper",
            "https://www.moneyhelper.org.uk",
            "0800 138 7777",
            "Free money guidance set up by the government, and a tool to find free debt advice near you.",
        ),
        service(
            "StepChange Debt Charity",
            "https://www.stepchange.org",
            "0800 138 1111",
            "A charity that gives free debt advice online or by phone, and can help you set up a plan.",
        ),
        service(
            "National Debtline",
            "https://nationaldebtline.org",
            "0808 808 4000",
            "Free, confidential debt advice by phone, webchat or online, from a charity.",
        ),
        service(
            "Citizens Advice",
            "https://www.citizensadvice.org.uk",
            "0800 144 8848",
            "Free advice on debt, money and your rights, online, by phone or in person near you.",
        ),
    ]
}

/// The ids of one row's inputs on the admin form, so each message sits by its field.
#[derive(Clone, Copy, Debug)]
pub struct RowIds {
    pub name: &'static str,
    pub url: &'static str,
    pub phone: &'static str,
    pub description: &'static str,
}

/// One row as typed.
#[derive(Clone, Copy, Debug)]
pub struct TypedService<'a> {
    pub name: &'a str,
    pub url: &'a str,
    pub phone: &'a str,
    pub description: &'a str,
}

impl TypedService<'_> {
    /// A row left wholly blank adds nothing (the form always offers an empty row).
    pub fn is_blank(&self) -> bool {
        [self.name, self.url, self.phone, self.description]
            .iter()
            .all(|field| field.trim().is_empty())
    }
}

fn too_long(text: &str, max: usize) -> bool {
    text.chars().count() > max
}

impl AdviceService {
    /// Checks one row: a name, an https address, an optional phone number of digits, spaces
    /// and "+" only, and a one-line description, each within its length.
    pub fn new(typed: TypedService<'_>, ids: RowIds) -> Result<AdviceService, Invalid> {
        let (name, url) = (typed.name.trim(), typed.url.trim());
        let (phone, description) = (typed.phone.trim(), typed.description.trim());
        let mut invalid = Invalid::default();
        invalid.check(name.is_empty(), ids.name, "Enter the name of the service");
        invalid.check(
            too_long(name, MAX_NAME_CHARS),
            ids.name,
            "Keep the name to 120 characters or fewer",
        );
        let url_ok = url.starts_with("https://") && url.validate_url() && !url.contains(' ');
        invalid.check(
            !url_ok,
            ids.url,
            "Enter the website address starting with https://, like https://www.stepchange.org",
        );
        invalid.check(
            url_ok && too_long(url, MAX_URL_CHARS),
            ids.url,
            "Keep the website address to 255 characters or fewer",
        );
        let phone_ok = phone
            .chars()
            .all(|c| c.is_ascii_digit() || c == ' ' || c == '+');
        invalid.check(
            !phone_ok || too_long(phone, MAX_PHONE_CHARS),
            ids.phone,
            "Enter the phone number with digits and spaces only, like 0800 138 1111, or leave it empty",
        );
        invalid.check(
            description.is_empty(),
            ids.description,
            "Enter one line saying what the service helps with",
        );
        invalid.check(
            too_long(description, MAX_DESCRIPTION_CHARS) || description.contains('\n'),
            ids.description,
            "Keep the description to one line of 200 characters or fewer",
        );
        invalid.or_ok(|| AdviceService {
            name: name.to_string(),
            url: url.to_string(),
            phone: (!phone.is_empty()).then(|| phone.to_string()),
            description: description.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IDS: RowIds = RowIds {
        name: "name",
        url: "url",
        phone: "phone",
        description: "description",
    };

    fn typed<'a>(url: &'a str, phone: &'a str) -> TypedService<'a> {
        TypedService {
            name: "Debt Help",
            url,
            phone,
            description: "Free advice",
        }
    }

    #[test]
    fn only_https_addresses_and_plain_phone_numbers() {
        assert!(AdviceService::new(typed("https://debt.example", ""), IDS).is_ok());
        let refused = AdviceService::new(typed("http://debt.example", "call us"), IDS).unwrap_err();
        assert!(refused.on("url").is_some());
        assert!(refused.on("phone").is_some());
        assert!(AdviceService::new(typed("https://", ""), IDS).is_err());
        assert!(AdviceService::new(typed("javascript:alert(1)", ""), IDS).is_err());
    }

    #[test]
    fn the_defaults_pass_their_own_checks() {
        for service in uk_defaults() {
            let again = TypedService {
                name: &service.name,
                url: &service.url,
                phone: service.phone.as_deref().unwrap_or(""),
                description: &service.description,
            };
            assert_eq!(AdviceService::new(again, IDS), Ok(service.clone()));
        }
    }
}
