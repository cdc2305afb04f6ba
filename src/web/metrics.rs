//! Request metrics, and the private listener that serves `/metrics` to Prometheus.
//!
//! Requests are labelled with the route's pattern (`/account/{id}`), never the path: a path
//! holds ids and tokens, and every distinct label value is a new series kept forever.
use std::net::TcpListener;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServerHandle, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{App, HttpResponse, HttpServer, web};
use metrics_exporter_prometheus::PrometheusHandle;

use crate::meters;

pub const METRICS_PATH: &str = "/metrics";
/// The route label of a request no route matched (a 404 from the default service).
pub const UNMATCHED: &str = "unmatched";
/// The route label of a request a guard refused (CSRF, body size, flood) or a handler panic:
/// the error carries no request, so the route is not known here.
pub const REJECTED: &str = "rejected";

/// Records each request's route, method, status and duration. Outermost, so the duration
/// includes the session and every guard.
pub async fn record_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = method_label(req.method());
    let result = next.call(req).await;
    let elapsed = started.elapsed();
    match &result {
        Ok(response) => {
            // Routing has run: the pattern is looked up by the matched resource, not the path.
            let route = response.request().match_pattern();
            let route = route.as_deref().unwrap_or(UNMATCHED);
            meters::http_request(route, method, response.status().as_str(), elapsed);
        }
        Err(error) => {
            let status = error.as_response_error().status_code();
            meters::http_request(REJECTED, method, status.as_str(), elapsed);
        }
    }
    result
}

/// Methods from a closed set: anything unusual is "other", so a client cannot invent labels.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The metrics listener: only `GET /metrics`, on its own address (METRICS_BIND), so it is
/// never reachable where the portal is.
pub struct MetricsListener {
    port: u16,
    server: Server,
}

impl MetricsListener {
    pub fn bind(listener: TcpListener, handle: PrometheusHandle) -> std::io::Result<Self> {
        let port = listener.local_addr()?.port();
        let handle = web::Data::new(handle);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(handle.clone())
                .route(METRICS_PATH, web::get().to(scrape))
        })
        // Scrapes are rare and cheap to answer; one worker leaves the cores to the portal.
        .workers(1)
        .disable_signals()
        .listen(listener)?
        .run();
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves in the background until the returned handle stops it.
    pub fn spawn(self) -> ServerHandle {
        let handle = self.server.handle();
        tokio::spawn(self.server);
        handle
    }
}

async fn scrape(handle: web::Data<PrometheusHandle>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(handle.render())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unusual_methods_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        let invented = Method::from_bytes(b"BREW").unwrap();
        assert_eq!(method_label(&invented), "other");
    }
}
