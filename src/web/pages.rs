//! What every page shares: the layout's data ("chrome") and rendering with a status code.
use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use askama::Template;
use chrono::NaiveDate;

/// Data the shared layout needs on every page.
pub struct Chrome {
    /// The form token, for the sign-out button in the header.
    pub csrf: String,
    /// Where the sign-out button posts, when someone is signed in.
    pub sign_out_action: Option<&'static str>,
    /// Links for staff in the header.
    pub staff_nav: Vec<NavLink>,
}

pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
}

impl Chrome {
    /// For error pages and pages before sign-in.
    pub fn plain() -> Self {
        Self {
            csrf: String::new(),
            sign_out_action: None,
            staff_nav: Vec::new(),
        }
    }

    /// Before sign-in: no sign-out button, but forms on the page need the token.
    pub fn plain_with_csrf(csrf: &str) -> Self {
        Self {
            csrf: csrf.to_string(),
            ..Self::plain()
        }
    }

    pub fn debtor(csrf: &str) -> Self {
        Self {
            csrf: csrf.to_string(),
            sign_out_action: Some("/signout"),
            staff_nav: Vec::new(),
        }
    }

    pub fn staff(csrf: &str, is_admin: bool) -> Self {
        let staff_nav = if is_admin {
            vec![
                NavLink {
                    href: "/admin/creditors",
                    label: "Creditors",
                },
                NavLink {
                    href: "/admin/discounts",
                    label: "Discounts",
                },
                NavLink {
                    href: "/admin/staff",
                    label: "Staff",
                },
                NavLink {
                    href: "/admin/outbox",
                    label: "Email problems",
                },
                NavLink {
                    href: "/admin/audit",
                    label: "Audit log",
                },
                NavLink {
                    href: "/admin/erasure",
                    label: "Erasure requests",
                },
            ]
        } else {
            vec![
                NavLink {
                    href: "/staff/dashboard",
                    label: "Dashboard",
                },
                NavLink {
                    href: "/staff/accounts",
                    label: "Accounts",
                },
                NavLink {
                    href: "/staff/plans",
                    label: "Plans",
                },
                NavLink {
                    href: "/staff/plans/review",
                    label: "Proposals to review",
                },
                NavLink {
                    href: "/staff/messages",
                    label: "Messages",
                },
                NavLink {
                    href: "/staff/import",
                    label: "Import accounts",
                },
                NavLink {
                    href: "/staff/disputes",
                    label: "Disputes",
                },
            ]
        };
        Self {
            csrf: csrf.to_string(),
            sign_out_action: Some("/staff/signout"),
            staff_nav,
        }
    }
}

/// Renders a page with the given status. Rendering only fails on a template bug; the
/// fallback keeps the visitor on a plain page rather than a dropped connection.
pub fn render_page(page: &impl Template, status: StatusCode) -> HttpResponse {
    match page.render() {
        Ok(body) => HttpResponse::build(status)
            .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
            .body(body),
        Err(err) => {
            tracing::error!(error = %err, "template failed to render");
            HttpResponse::InternalServerError()
                .insert_header((header::CONTENT_TYPE, "text/plain; charset=utf-8"))
                .body("Sorry, something went wrong on our side. Please try again in a few minutes.")
        }
    }
}

pub fn ok(page: &impl Template) -> HttpResponse {
    render_page(page, StatusCode::OK)
}

/// 400 with the form shown again, for input that needs fixing.
pub fn invalid(page: &impl Template) -> HttpResponse {
    render_page(page, StatusCode::BAD_REQUEST)
}

/// How long a 503 asks the browser (or a load balancer) to wait before trying again.
pub const RETRY_AFTER_SECONDS: &str = "5";

/// 503 with `Retry-After`: something we depend on (the database, the payment service) is
/// busy or unreachable for now, and the page says so.
pub fn unavailable(page: &impl Template) -> HttpResponse {
    let mut response = render_page(page, StatusCode::SERVICE_UNAVAILABLE);
    with_retry_after(&mut response, RETRY_AFTER_SECONDS);
    response
}

/// A 429 page that also tells clients, in `Retry-After`, how long to wait.
pub fn too_many_tries(page: &impl Template, wait: chrono::Duration) -> HttpResponse {
    let mut response = render_page(page, StatusCode::TOO_MANY_REQUESTS);
    with_wait(&mut response, wait);
    response
}

/// Sets `Retry-After` to `wait`, rounded up to whole seconds.
pub fn with_wait(response: &mut HttpResponse, wait: chrono::Duration) {
    let seconds = crate::services::access::throttle::wait_seconds(wait);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
}

/// Sets `Retry-After` to `seconds`.
pub fn with_retry_after(response: &mut HttpResponse, seconds: &'static str) {
    response.headers_mut().insert(
        header::RETRY_AFTER,
        header::HeaderValue::from_static(seconds),
    );
}

/// After a successful POST: go to the next page with a GET.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// "12 April 2026": dates in full words, as people read them.
pub fn long_date(date: NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

/// A date hint's example, typed as the three boxes take it ("27 3 2027"): `days` after
/// today, so it is always a date the form would accept, never one already past.
pub fn example_date(days: u64) -> String {
    let today = chrono::Utc::now().date_naive();
    today
        .checked_add_days(chrono::Days::new(days))
        .unwrap_or(today)
        .format("%-d %-m %Y")
        .to_string()
}

/// One problem with one field, for the error summary and the message beside the field.
#[derive(Clone, Debug)]
pub struct FieldError {
    /// The id of the input the summary links to.
    pub field: &'static str,
    pub message: String,
}
