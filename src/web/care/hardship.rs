//! (Being built: registers its pages in the three functions below.)
use actix_web::web;

pub fn debtor_routes(_cfg: &mut web::ServiceConfig) {}

pub fn staff_routes(_cfg: &mut web::ServiceConfig) {}

pub fn admin_routes(_cfg: &mut web::ServiceConfig) {}
