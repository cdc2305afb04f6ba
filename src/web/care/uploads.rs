//! Reading an attached file from a multipart form (a dispute, a message). The CSRF token
//! travels in the form's URL (`?csrf_token=`), as for every upload.
use actix_multipart::form::MultipartFormConfig;
use actix_multipart::form::bytes::Bytes as UploadedFile;

use crate::domain::attachments::{AttachmentProblem, CheckedFile, MAX_BYTES};

/// A form with a file is read whole up to this size, so that a file a little over 5 MB is
/// refused by the file check with what was typed kept; a body past it is not read at all.
pub const FORM_LIMIT_BYTES: usize = MAX_BYTES + 3 * 1024 * 1024;

/// Limits for a route whose form may carry an attachment.
pub fn limits() -> MultipartFormConfig {
    MultipartFormConfig::default()
        .total_limit(FORM_LIMIT_BYTES)
        .memory_limit(FORM_LIMIT_BYTES)
}

/// The file, checked, when one was chosen; none when the file field was left empty (a
/// browser sends an empty part with no name then).
pub fn checked_file(file: Option<UploadedFile>) -> Result<Option<CheckedFile>, AttachmentProblem> {
    let Some(file) = file else {
        return Ok(None);
    };
    let name = file.file_name.unwrap_or_default();
    if name.is_empty() && file.data.is_empty() {
        return Ok(None);
    }
    CheckedFile::check(&name, file.data.to_vec()).map(Some)
}

/// The whole body was over [`FORM_LIMIT_BYTES`]: the form could not be read.
pub fn form_too_large(err: &actix_web::Error) -> bool {
    crate::web::staff::import::is_too_large(err)
}
