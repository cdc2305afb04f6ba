//! Logs: structured, and free of query strings, tokens and personal data. The access log
//! records the matched route pattern ("/signin/link/{token}"), never the raw path.
use std::io::IsTerminal;

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RootSpanBuilder};
use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Colours only on a terminal: in a log file or a log collector they are escape codes.
    let colours = std::io::stdout().is_terminal();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colours)
        .try_init();
}

pub struct RedactedRootSpan;

impl RootSpanBuilder for RedactedRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        // The route is recorded when the request ends: before routing, finding the pattern
        // means matching the path against every route's pattern again (most of a fast
        // page's time went there); after routing it is looked up by the matched resource.
        tracing::info_span!(
            "request",
            method = %request.method(),
            route = tracing::field::Empty,
            status = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        if let Ok(response) = outcome {
            let route = response.request().match_pattern();
            span.record("route", route.as_deref().unwrap_or("(unmatched)"));
            span.record("status", response.status().as_u16());
            let _guard = span.enter();
            tracing::info!("request finished");
        } else {
            span.record("route", "(unmatched)");
            DefaultRootSpanBuilder::on_request_end(span, outcome);
        }
    }
}
