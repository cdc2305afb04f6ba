//! Care pages: hardship and breathing space, disputes and free advice, messages, extra
//! support and feedback, and the person's data. Each area registers its own routes here, so
//! `web::routes` stays one line per audience.
use actix_web::web;

use crate::domain::feedback::FeedbackMoment;

pub mod advice;
pub mod attachments;
pub mod disputes;
pub mod feedback;
pub mod hardship;
pub mod messages;
pub mod privacy;
pub mod support;
pub mod uploads;

/// Pages for the signed-in person (and public pages about care).
pub fn debtor_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(attachments::for_person);
    hardship::debtor_routes(cfg);
    disputes::debtor_routes(cfg);
    advice::debtor_routes(cfg);
    messages::debtor_routes(cfg);
    privacy::debtor_routes(cfg);
    feedback::debtor_routes(cfg);
    support::debtor_routes(cfg);
}

/// Pages under `/staff` (the scope's guard has signed staff in).
pub fn staff_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(attachments::for_staff);
    hardship::staff_routes(cfg);
    disputes::staff_routes(cfg);
    advice::staff_routes(cfg);
    messages::staff_routes(cfg);
    privacy::staff_routes(cfg);
}

/// Pages under `/admin`.
pub fn admin_routes(cfg: &mut web::ServiceConfig) {
    hardship::admin_routes(cfg);
    disputes::admin_routes(cfg);
    advice::admin_routes(cfg);
    messages::admin_routes(cfg);
    privacy::admin_routes(cfg);
}

/// The one optional question ("how easy was that?") asked on a page after something is
/// done. A page that asks it has a `feedback: Option<FeedbackAsk>` field and includes
/// `care/_feedback_ask.html`; the answer goes to `POST /account/{id}/feedback`.
#[derive(Clone, Copy, Debug)]
pub struct FeedbackAsk {
    pub account_id: i32,
    pub moment: FeedbackMoment,
}
