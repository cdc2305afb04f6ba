//! Message threads between the person and the creditor's staff: the person's page under
//! `/account/{id}/messages`, staff's list and thread under `/staff`. Both write through the
//! same multipart form (text and an optional file, the CSRF token in its URL).
use actix_multipart::form::MultipartForm;
use actix_multipart::form::bytes::Bytes as UploadedFile;
use actix_multipart::form::text::Text;
use actix_web::web;

use crate::domain::attachments::CheckedFile;
use crate::domain::messages::MessageBody;
use crate::domain::wording::local_time;
use crate::services::care::messages::{Thread, ThreadMessage};
use crate::web::care::uploads;
use crate::web::forms::Problems;

mod person;
mod staff;

pub fn debtor_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/account/{id}/messages")
            .app_data(uploads::limits())
            .route(web::get().to(person::show))
            .route(web::post().to(person::write)),
    );
}

pub fn staff_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(staff::list).service(
        web::resource("/accounts/{id}/messages")
            .app_data(uploads::limits())
            .route(web::get().to(staff::show))
            .route(web::post().to(staff::write)),
    );
}

pub fn admin_routes(_cfg: &mut web::ServiceConfig) {}

/// The message form as posted: the text and, optionally, one file.
#[derive(MultipartForm)]
pub struct MessageForm {
    body: Option<Text<String>>,
    file: Option<UploadedFile>,
}

/// What was typed, kept to show again when the form comes back with problems.
#[derive(Default)]
pub struct Typed {
    pub body: String,
    pub problems: Problems,
}

const TOO_LARGE: &str = "The file must be smaller than 5 MB.";

/// Reads the form into a message and its checked file, or what was typed and every problem.
/// Nothing is stored for a form with a problem, the file included.
fn read(
    form: Result<MultipartForm<MessageForm>, actix_web::Error>,
) -> Result<(MessageBody, Option<CheckedFile>), Typed> {
    let form = match form {
        Ok(MultipartForm(form)) => form,
        Err(err) => {
            let mut typed = Typed::default();
            if uploads::form_too_large(&err) {
                typed.problems.add("file", TOO_LARGE);
            } else {
                typed.problems.add("body", "Write your message");
            }
            return Err(typed);
        }
    };
    let body = form.body.map(|t| t.into_inner()).unwrap_or_default();
    let mut problems = Problems::default();
    let message = MessageBody::new(&body)
        .map_err(|message| problems.add("body", message))
        .ok();
    let file = uploads::checked_file(form.file)
        .map_err(|problem| problems.add("file", problem.to_string()))
        .ok();
    match (message, file) {
        (Some(message), Some(file)) => Ok((message, file)),
        _ => Err(Typed { body, problems }),
    }
}

/// One message as a thread page shows it.
pub struct MessageView {
    pub id: i32,
    /// "You", the creditor's name, or the person's name.
    pub who: String,
    pub mine: bool,
    pub when: String,
    /// The text, one paragraph per line as it was written.
    pub paragraphs: Vec<String>,
    /// The file's download address and name.
    pub attachment: Option<(String, String)>,
}

/// How a thread is seen from one side.
pub struct Viewpoint<'a> {
    pub by_staff: bool,
    /// Names for the two sides: the viewer's own messages, then the other side's.
    pub mine: &'a str,
    pub theirs: &'a str,
    /// Where downloads live: `/account/{id}/attachments` or `/staff/attachments`.
    pub downloads: String,
    /// Times are shown in this zone.
    pub time_zone: &'a str,
}

pub fn message_views(thread: &Thread, view: &Viewpoint<'_>) -> Vec<MessageView> {
    thread
        .messages
        .iter()
        .map(|m| message_view(m, view))
        .collect()
}

fn message_view(m: &ThreadMessage, view: &Viewpoint<'_>) -> MessageView {
    let mine = m.from_staff == view.by_staff;
    MessageView {
        id: m.id,
        who: if mine { view.mine } else { view.theirs }.to_string(),
        mine,
        when: local_time(m.created_at, view.time_zone),
        paragraphs: m
            .body
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        attachment: m
            .attachment
            .as_ref()
            .map(|a| (format!("{}/{}", view.downloads, a.id), a.file_name.clone())),
    }
}
