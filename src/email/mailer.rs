//! Delivery through lettre: SMTP when `SMTP_URL` is set, otherwise .eml files in a folder.
use std::path::Path;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::entities::outbox_message;

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
    let from: Mailbox = from.parse()?;
    let to: Mailbox = row.to_address.parse()?;
    let body = MultiPart::alternative_plain_html(row.text_body.clone(), row.html_body.clone());
    Ok(Message::builder()
        .from(from)
        .to(to)
        .subject(row.subject.clone())
        // The same Message-ID on every attempt lets a receiver drop a repeat.
        .message_id(Some(format!("<{}@goodterms>", row.message_id)))
        .multipart(body)?)
}
