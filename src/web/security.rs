//! Headers every response carries. This module knows no error type: error pages (which can
//! travel past the header middleware) call [`add_headers`] themselves. Our middleware answers
//! refusals as responses (never as errors, which would pass the header middleware bare), so
//! framework answers such as 413 carry the headers too.
use actix_web::middleware::DefaultHeaders;

/// No inline script anywhere; forms may only go to us (and Stripe Checkout, later); nobody
/// may frame us.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
    form-action 'self' https://checkout.stripe.com; frame-ancestors 'none'; base-uri 'none'; \
    object-src 'none'";

const HEADERS: &[(&str, &str)] = &[
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    (
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), payment=()",
    ),
    ("cross-origin-opener-policy", "same-origin"),
    // Pages hold personal data: never keep them in shared or back-button caches.
    ("cache-control", "no-store"),
];

/// Browsers must use https for a year, subdomains included; sent only when the site is
/// served over https (over http the header is meaningless and would only confuse).
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000; includeSubDomains";

pub fn headers(https: bool) -> DefaultHeaders {
    let headers = HEADERS
        .iter()
        .fold(DefaultHeaders::new(), |acc, header| acc.add(*header));
    if https {
        headers.add(("strict-transport-security", STRICT_TRANSPORT_SECURITY))
    } else {
        headers
    }
}

/// For responses built from an error that travels past the header middleware (a panic, say).
pub fn add_headers(response: &mut actix_web::HttpResponse) {
    for (name, value) in HEADERS {
        response.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static(name),
            actix_web::http::header::HeaderValue::from_static(value),
        );
    }
}
