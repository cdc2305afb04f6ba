//! Delivery through lettre: SMTP when `SMTP_URL` is set, otherwise .eml files in a folder.
use std::path::Path;
use std::time::Duration;

use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::domain::outbox::MessageCategory;
use crate::entities::outbox_message;

/// lettre's error type for header parsing.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>),
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("email could not be built")]
    Build(#[from] lettre::error::Error),
    #[error("bad email address")]
    Address(#[from] lettre::address::AddressError),
    #[error("SMTP delivery failed")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("writing the .eml file failed")]
    File(#[from] lettre::transport::file::Error),
    #[error("mail folder could not be created")]
    Folder(#[from] std::io::Error),
    #[error("the unsubscribe address is not a plain web address")]
    UnsubscribeUrl,
}

/// What a failed delivery says about the message, and about the mail server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Refused for good (a 5xx reply, an address or header we cannot write): trying again
    /// would get the same answer, so the message is marked failed for an admin to look at.
    Permanent,
    /// This message should be tried again later (a 4xx reply, a mail folder we cannot write).
    Temporary,
    /// No connection, no reply, or 421 (the server is closing): every other message would
    /// fail the same way now, so the pass stops instead of hammering the server.
    ServerDown,
}

/// "Service not available, closing transmission channel" (RFC 5321 4.2.3).
const SERVICE_NOT_AVAILABLE: &str = "421";

impl MailError {
    pub fn failure(&self) -> Failure {
        match self {
            Self::Smtp(e) if e.is_permanent() => Failure::Permanent,
            Self::Smtp(e)
                if e.status()
                    .is_some_and(|c| c.to_string() == SERVICE_NOT_AVAILABLE) =>
            {
                Failure::ServerDown
            }
            Self::Smtp(e) if e.is_transient() => Failure::Temporary,
            Self::Smtp(_) => Failure::ServerDown,
            Self::Build(_) | Self::Address(_) | Self::UnsubscribeUrl => Failure::Permanent,
            Self::File(_) | Self::Folder(_) => Failure::Temporary,
        }
    }

    /// What went wrong, for the admins' list of email problems: the server's reply code, not
    /// its words (they often quote the address).
    pub fn describe(&self) -> String {
        match self {
            Self::Smtp(e) => match e.status() {
                Some(code) => format!("{self}: the mail server answered {code}"),
                None if e.is_timeout() => format!("{self}: the mail server did not answer in time"),
                None => format!("{self}: the mail server could not be reached"),
            },
            other => other.to_string(),
        }
    }
}

impl Mailer {
    pub fn smtp(url: &str) -> Result<Self, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?
            .timeout(Some(Duration::from_secs(10)))
            .build();
        Ok(Self::Smtp(transport))
    }

    pub fn files(folder: &Path) -> Result<Self, MailError> {
        std::fs::create_dir_all(folder)?;
        Ok(Self::Files(AsyncFileTransport::new(folder)))
    }

    pub async fn send(&self, from: &str, row: &outbox_message::Model) -> Result<(), MailError> {
        let message = build_message(from, row)?;
        match self {
            Mailer::Smtp(t) => {
                t.send(message).await?;
            }
            Mailer::Files(t) => {
                t.send(message).await?;
            }
        }
        Ok(())
    }
}

fn build_message(from: &str, row: &outbox_message::Model) -> Result<Message, MailError> {
    let to: Mailbox = row.to_address.parse()?;
    let body = MultiPart::alternative_plain_html(row.text_body.clone(), row.html_body.clone());
    let mut message = Message::builder()
        .from(sender(from, row)?)
        .to(to)
        .subject(row.subject.clone())
        // The same Message-ID on every attempt lets a receiver drop a repeat.
        .message_id(Some(format!("<{}@goodterms>", row.message_id)));
    if row.category == MessageCategory::Reminder
        && let Some(url) = &row.unsubscribe_url
    {
        message = message
            .header(ListUnsubscribe::for_url(url)?)
            .header(ListUnsubscribePost);
    }
    Ok(message.multipart(body)?)
}

/// The configured address, under the name the message was queued with ("Northwind Utilities
/// via Good Terms") when it has one: the person sees who it is from.
fn sender(from: &str, row: &outbox_message::Model) -> Result<Mailbox, MailError> {
    let configured: Mailbox = from.parse()?;
    Ok(match &row.from_name {
        Some(name) => Mailbox::new(Some(name.clone()), configured.email),
        None => configured,
    })
}

/// `List-Unsubscribe: <https://...>` (RFC 2369): where a mail program's own "unsubscribe"
/// button goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListUnsubscribe(String);

impl ListUnsubscribe {
    /// Only a plain http(s) address: anything that could break out of the angle brackets or
    /// the header line is refused.
    pub fn for_url(url: &str) -> Result<Self, MailError> {
        let plain = url
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"<>,".contains(&b));
        let web = url.starts_with("https://") || url.starts_with("http://");
        match plain && web {
            true => Ok(Self(url.to_string())),
            false => Err(MailError::UnsubscribeUrl),
        }
    }
}

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, BoxError> {
        let url = s.trim().trim_start_matches('<').trim_end_matches('>');
        Ok(Self::for_url(url)?)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058): the mail program may POST
/// to the List-Unsubscribe address to unsubscribe at once, without opening a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListUnsubscribePost;

const ONE_CLICK: &str = "List-Unsubscribe=One-Click";

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(s: &str) -> Result<Self, BoxError> {
        match s.trim() == ONE_CLICK {
            true => Ok(Self),
            false => Err("not a one-click unsubscribe".into()),
        }
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), ONE_CLICK.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_plain_web_address_goes_in_list_unsubscribe() {
        let url = "https://portal.example/unsubscribe/7/abc";
        let mut headers = lettre::message::header::Headers::new();
        headers.set(ListUnsubscribe::for_url(url).unwrap());
        let expected = format!("<{url}>");
        assert_eq!(headers.get_raw("List-Unsubscribe"), Some(expected.as_str()));
        assert_eq!(
            headers.get::<ListUnsubscribe>(),
            Some(ListUnsubscribe(url.into()))
        );
        for bad in [
            "mailto:someone@example.com",
            "https://portal.example/a>b",
            "https://portal.example/a b",
            "https://portal.example/a\r\nBcc: x@example.com",
        ] {
            assert!(ListUnsubscribe::for_url(bad).is_err(), "{bad:?}");
        }
    }
}
