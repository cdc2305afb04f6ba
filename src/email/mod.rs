//! Email: each message is a subject plus text and HTML bodies rendered from askama templates,
//! queued in the outbox inside the transaction that causes it, and delivered by a worker.
//!
//! Each email is one struct: its fields are what the email says, [`Email`] gives its subject
//! beside it, and [`email_bodies!`] renders both bodies from that same struct.

/// Gives an email struct its two bodies: `emails/NAME.txt` and `emails/NAME.html` render the
/// same fields. askama picks escaping by file extension: the text body is left as written, the
/// HTML body is escaped. The bodies are two thin wrappers that dereference to the struct, so
/// the templates name its fields directly (`{{ creditor }}`).
macro_rules! email_bodies {
    ($email:ident $(<$lt:lifetime>)?, text = $text:literal, html = $html:literal) => {
        const _: () = {
            #[derive(askama::Template)]
            #[template(path = $text)]
            struct Text<'e $(, $lt)?>(&'e $email $(<$lt>)?);

            #[derive(askama::Template)]
            #[template(path = $html)]
            struct Html<'e $(, $lt)?>(&'e $email $(<$lt>)?);

            impl<'e $(, $lt)?> std::ops::Deref for Text<'e $(, $lt)?> {
                type Target = $email $(<$lt>)?;
                fn deref(&self) -> &Self::Target {
                    self.0
                }
            }

            impl<'e $(, $lt)?> std::ops::Deref for Html<'e $(, $lt)?> {
                type Target = $email $(<$lt>)?;
                fn deref(&self) -> &Self::Target {
                    self.0
                }
            }

            impl $(<$lt>)? $crate::email::Bodies for $email $(<$lt>)? {
                fn text(&self) -> Result<String, askama::Error> {
                    askama::Template::render(&Text(self))
                }

                fn html(&self) -> Result<String, askama::Error> {
                    askama::Template::render(&Html(self))
                }
            }
        };
    };
}

pub mod autopay_templates;
pub mod care_templates;
pub mod dispute_templates;
pub mod mailer;
pub mod outbox;
pub mod reminder_templates;
pub mod staff_templates;
pub mod templates;

#[cfg(test)]
mod tests;

/// A rendered email, ready to be queued.
#[derive(Clone, Debug)]
pub struct EmailContent {
    pub template: &'static str,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The plain text and HTML bodies of an email; written by [`email_bodies!`], not by hand.
pub trait Bodies {
    fn text(&self) -> Result<String, askama::Error>;
    fn html(&self) -> Result<String, askama::Error>;
}

/// One email: the struct holds what it says; this adds its subject and its name.
pub trait Email: Bodies {
    /// The name kept with the message in the outbox.
    const TEMPLATE: &'static str;

    /// Neutral: a preview pane or a lock screen shows it, so it never reveals a debt.
    fn subject(&self) -> &'static str;

    fn content(&self) -> Result<EmailContent, askama::Error> {
        Ok(EmailContent {
            template: Self::TEMPLATE,
            subject: self.subject().to_string(),
            text: self.text()?,
            html: self.html()?,
        })
    }
}
