//! Email: each message is a subject plus text and HTML bodies rendered from askama templates,
//! queued in the outbox inside the transaction that causes it, and delivered by a worker.
pub mod autopay_templates;
pub mod mailer;
pub mod outbox;
pub mod staff_templates;
pub mod templates;

/// A rendered email, ready to be queued.
#[derive(Clone, Debug)]
pub struct EmailContent {
    pub template: &'static str,
    pub subject: String,
    pub text: String,
    pub html: String,
}
