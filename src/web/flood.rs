//! A coarse per-address limit on POSTs (governor, in memory, per instance). The precise,
//! shared limits on sign-in live in the database (services::access::throttle); this one only stops a
//! single address from flooding the forms.
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::errors::AppError;

/// Forget idle addresses once this many are tracked, so memory stays bounded.
const MAX_TRACKED: usize = 10_000;

#[derive(Clone)]
pub struct PostLimiter(Arc<DefaultKeyedRateLimiter<IpAddr>>);

impl PostLimiter {
    /// `per_minute` POSTs a minute per address, with bursts of up to half that.
    pub fn new(per_minute: u32) -> Self {
        let rate = NonZeroU32::new(per_minute.max(2)).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(per_minute.max(2) / 2).unwrap_or(NonZeroU32::MIN);
        Self(Arc::new(RateLimiter::keyed(
            Quota::per_minute(rate).allow_burst(burst),
        )))
    }

    fn allows(&self, address: IpAddr) -> bool {
        if self.0.len() > MAX_TRACKED {
            self.0.retain_recent();
        }
        self.0.check_key(&address).is_ok()
    }
}

pub async fn limit_posts(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let limiter = req.app_data::<web::Data<PostLimiter>>().cloned();
    let address = super::auth::client_ip(req.request());
    // Stripe's webhooks are authenticated by signature and may arrive in bursts.
    let limited = req.method() == Method::POST && req.path() != "/webhooks/stripe";
    if let (Some(limiter), Some(address), true) = (limiter, address, limited)
        && !limiter.allows(address)
    {
        return Ok(req.error_response(AppError::TooManyRequests));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_limited_after_its_burst_and_others_are_not() {
        let limiter = PostLimiter::new(10);
        let busy = IpAddr::from([192, 0, 2, 1]);
        let calm = IpAddr::from([192, 0, 2, 2]);
        let allowed = (0..20).filter(|_| limiter.allows(busy)).count();
        assert_eq!(allowed, 5);
        assert!(limiter.allows(calm));
    }
}
