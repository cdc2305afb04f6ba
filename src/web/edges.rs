//! Request bodies at the edge, before any handler or the CSRF check reads them.
//!
//! - A body must arrive in time: a client that sends its headers and then trickles the body
//!   would otherwise hold a connection (and a worker's attention) for as long as it likes.
//!   actix only times out the request head; the body's deadline is kept here.
//! - A compressed body (`Content-Encoding` other than `identity`) is refused with 415 before a
//!   byte of it is read: nothing here accepts one, and inflating it would let a small request
//!   (a zip bomb) grow to any size in memory.
//! - A declared length far beyond the largest body any route takes is refused with 413 at
//!   once, before reading, whatever the route.
//! - A form body (urlencoded) is read here, within the form size limit (413 beyond it), and
//!   control characters other than tab, newline and carriage return are taken out of every
//!   field, so no handler ever stores a NUL from a text box.
use std::time::Duration;

use actix_web::HttpMessage;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header::{CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, TRANSFER_ENCODING};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use futures_util::StreamExt;
use futures_util::stream::{self, LocalBoxStream};

use super::errors::AppError;

/// Time allowed for any body, plus time for its size at a slow but honest rate.
const BODY_GRACE: Duration = Duration::from_secs(5);
const SLOWEST_BYTES_PER_SECOND: u64 = 8 * 1024;
/// A body of unknown length (chunked) gets this long in all.
const UNKNOWN_LENGTH_DEADLINE: Duration = Duration::from_secs(30);
/// Beyond the largest body any route accepts (the staff CSV upload, plus room for its
/// multipart framing), nothing is read. Each route's own, smaller limit is enforced by its
/// extractor, which can answer with a page that says what to do (the upload's "split the file").
const LARGEST_BODY_BYTES: u64 = super::staff::import::UPLOAD_LIMIT_BYTES as u64 + 1024 * 1024;

pub async fn guard_bodies(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if let Some(refusal) = refused_unread(&req) {
        return Ok(req.error_response(refusal));
    }
    let deadline = body_deadline(&req);
    if is_form(&req) {
        let body = match tokio::time::timeout(deadline, req.extract::<Bytes>()).await {
            Err(_) => return Ok(req.error_response(AppError::RequestTimeout)),
            Ok(Err(error)) => return Ok(req.error_response(error)),
            Ok(Ok(body)) => body,
        };
        req.set_payload(Payload::from(without_control_characters(body)));
    } else if has_body(&req) {
        // Uploads and webhooks are read by their routes, within the same deadline.
        let payload = req.take_payload();
        req.set_payload(Payload::Stream {
            payload: Box::pin(until_deadline(payload, deadline)),
        });
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// A body refused on the request head alone, before a byte of it is read.
fn refused_unread(req: &ServiceRequest) -> Option<AppError> {
    if !has_body(req) {
        None
    } else if is_compressed(req) {
        Some(AppError::UnsupportedEncoding)
    } else if declared_length(req).is_some_and(|bytes| bytes > LARGEST_BODY_BYTES) {
        Some(AppError::TooLarge)
    } else {
        None
    }
}

fn is_form(req: &ServiceRequest) -> bool {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
}

/// Whether the body claims any encoding but `identity` (the header may list several).
fn is_compressed(req: &ServiceRequest) -> bool {
    req.headers().get_all(CONTENT_ENCODING).any(|value| {
        value.to_str().map_or(true, |v| {
            v.split(',')
                .map(str::trim)
                .any(|coding| !coding.is_empty() && !coding.eq_ignore_ascii_case("identity"))
        })
    })
}

fn has_body(req: &ServiceRequest) -> bool {
    req.headers().contains_key(CONTENT_LENGTH) || req.headers().contains_key(TRANSFER_ENCODING)
}

fn declared_length(req: &ServiceRequest) -> Option<u64> {
    req.headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
}

fn body_deadline(req: &ServiceRequest) -> Duration {
    match declared_length(req) {
        Some(bytes) => BODY_GRACE + Duration::from_secs(bytes / SLOWEST_BYTES_PER_SECOND),
        None => UNKNOWN_LENGTH_DEADLINE,
    }
}

/// The payload, ending with a timeout error once the deadline has passed.
fn until_deadline(
    payload: Payload,
    deadline: Duration,
) -> LocalBoxStream<'static, Result<Bytes, PayloadError>> {
    let expires = tokio::time::Instant::now() + deadline;
    stream::unfold(Some(payload), move |state| async move {
        let mut payload = state?;
        match tokio::time::timeout_at(expires, payload.next()).await {
            Ok(Some(item)) => Some((item, Some(payload))),
            Ok(None) => None,
            Err(_) => Some((Err(timed_out()), None)),
        }
    })
    // Readers such as multipart may poll again after the end.
    .fuse()
    .boxed_local()
}

fn timed_out() -> PayloadError {
    PayloadError::Io(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "the request body did not arrive in time",
    ))
}

/// The form with C0 control characters (and DEL) removed from every name and value, except
/// tab, newline and carriage return, which text areas may hold. A body that is unchanged,
/// or not a well-formed form, is passed on as it came.
fn without_control_characters(body: Bytes) -> Bytes {
    let Ok(fields) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) else {
        return body;
    };
    if !fields
        .iter()
        .any(|(name, value)| has_control(name) || has_control(value))
    {
        return body;
    }
    let cleaned: Vec<(String, String)> = fields
        .iter()
        .map(|(name, value)| (strip(name), strip(value)))
        .collect();
    serde_urlencoded::to_string(&cleaned)
        .map(Bytes::from)
        .unwrap_or(body)
}

fn is_unwanted(c: char) -> bool {
    (c.is_ascii_control()) && !matches!(c, '\t' | '\n' | '\r')
}

fn has_control(text: &str) -> bool {
    text.chars().any(is_unwanted)
}

fn strip(text: &str) -> String {
    text.chars().filter(|c| !is_unwanted(*c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_taken_out_but_line_breaks_stay() {
        let body = Bytes::from_static(b"note=a%00b%07c%0D%0Ad%09e%7F&csrf_token=x");
        let cleaned = without_control_characters(body);
        let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&cleaned).unwrap();
        assert_eq!(fields[0], ("note".into(), "abc\r\nd\te".into()));
        assert_eq!(fields[1], ("csrf_token".into(), "x".into()));
    }

    #[test]
    fn a_clean_body_is_passed_on_byte_for_byte() {
        let body = Bytes::from_static(b"a=1&b=two+words");
        assert_eq!(without_control_characters(body.clone()), body);
    }
}
