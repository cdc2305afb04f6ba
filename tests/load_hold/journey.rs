//! One simulated person, over and over until the hold ends: sign in, read the balance,
//! preview a monthly plan, agree to it (the even-numbered people, once, from two tabs at once)
//! or not, pay through the fake Stripe (the next installment, a part, or the rest), read the
//! payment history, sign out, think for a moment.
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Datelike, Utc};
use goodterms::domain::{Currency, Money};
use goodterms::entities::payment_attempt;
use reqwest::cookie::Jar;
use reqwest::header::{HeaderMap, HeaderValue};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::{CLIENT_IDLE, TestApp, cookie_in};
use crate::seed::Person;
use crate::stripe_fake::{WEBHOOK_SECRET, deliver, paid_event};
use crate::tally::Tally;

/// Between one visit and the next; also keeps each person well inside the per-address limit
/// on form posts (120 a minute).
const THINK: Duration = Duration::from_secs(2);
/// What a person paying in parts pays each time (£15.00).
const PART_MINOR: i64 = 1_500;
const PLAN_PAYMENTS: i64 = 12;
/// The demo policy's smallest installment: the plan's payments must each be at least this, or
/// the builder rightly says they are too small.
const SMALLEST_INSTALLMENT_MINOR: i64 = goodterms::services::demo::stories::MIN_INSTALLMENT_MINOR;

/// What one person did, for the books check.
pub struct Outcome {
    pub person: Person,
    pub account_id: Option<i32>,
    /// What the people were charged by the fake Stripe, in pence.
    pub paid_minor: i64,
    /// The Checkout Sessions they paid.
    pub sessions: Vec<String>,
}

pub struct Debtor {
    /// The app instance this person's requests go to.
    instance: Arc<TestApp>,
    /// The other instance: the load balancer may send Stripe's retries there.
    other: Arc<TestApp>,
    tally: Arc<Tally>,
    jar: Arc<Jar>,
    client: reqwest::Client,
    wants_plan: bool,
    has_plan: bool,
    outcome: Outcome,
}

/// Why a visit ended early: the step's answer was recorded already.
struct Stop;

type Step<T> = Result<T, Stop>;

impl Debtor {
    /// Person `n`, coming from an address of their own through the trusted proxy.
    pub fn new(
        instance: Arc<TestApp>,
        other: Arc<TestApp>,
        tally: Arc<Tally>,
        person: Person,
        n: usize,
    ) -> Self {
        let jar = Arc::new(Jar::default());
        let mut headers = HeaderMap::new();
        let address = format!("198.51.{}.{}", n / 250, 1 + n % 250);
        if let Ok(value) = HeaderValue::from_str(&address) {
            headers.insert("x-forwarded-for", value);
        }
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(CLIENT_IDLE)
            .cookie_provider(jar.clone())
            .default_headers(headers)
            .build()
            .expect("client");
        Self {
            instance,
            other,
            tally,
            jar,
            client,
            wants_plan: n % 2 == 0,
            has_plan: false,
            outcome: Outcome {
                person,
                account_id: None,
                paid_minor: 0,
                sessions: Vec::new(),
            },
        }
    }

    pub async fn hold_until(mut self, until: Instant) -> Outcome {
        while Instant::now() < until {
            // A visit cut short is already in the tally; the next one starts afresh.
            let _ = self.visit().await;
            tokio::time::sleep(THINK).await;
        }
        // The last payment's news has been answered: the page must show it.
        let _ = self.read_balance().await;
        self.outcome
    }

    /// Signs in and reads the balance page, which must show what is still owed.
    async fn read_balance(&mut self) -> Step<i32> {
        self.expect(self.get("/").await, 200, "sign-in page")?;
        self.sign_in().await?;
        let balance = self.get("/account").await;
        let html = self.page(balance, "balance page").await?;
        let id = account_id(&html).ok_or_else(|| self.fail("no account link".into()))?;
        self.outcome.account_id = Some(id);
        let expected = gbp(self.owed_minor());
        match shown_balance(&html) {
            Some(shown) if shown == expected => Ok(id),
            shown => Err(self.fail(format!("balance page shows {shown:?}, owed {expected}"))),
        }
    }

    fn owed_minor(&self) -> i64 {
        self.outcome.person.owed_minor - self.outcome.paid_minor
    }

    async fn visit(&mut self) -> Step<()> {
        let id = self.read_balance().await?;
        self.preview_and_agree(id).await?;
        if self.owed_minor() > 0 {
            self.pay(id).await?;
        }
        let history = self.get(&format!("/account/{id}/payments")).await;
        self.expect(history, 200, "payment history")?;
        let signed_out = self.post("/signout", &[]).await;
        self.expect(signed_out, 303, "sign out")
    }

    async fn sign_in(&self) -> Step<()> {
        let (day, month, year) = &self.outcome.person.dob;
        let fields = [
            ("reference", self.outcome.person.reference.as_str()),
            ("dob_day", day),
            ("dob_month", month),
            ("dob_year", year),
        ];
        let response = self.post("/signin", &fields).await;
        self.expect(response, 303, "sign in")
    }

    /// Previews a plan for what is owed; those who want one agree to it once, from two tabs.
    async fn preview_and_agree(&mut self, id: i32) -> Step<()> {
        if self.has_plan || self.owed_minor() < PLAN_PAYMENTS * SMALLEST_INSTALLMENT_MINOR {
            return Ok(());
        }
        let first = Utc::now().date_naive() + chrono::Duration::days(5);
        let (day, month, year) = (
            first.day().to_string(),
            first.month().to_string(),
            first.year().to_string(),
        );
        let payments = PLAN_PAYMENTS.to_string();
        let mut fields = vec![
            ("frequency", "monthly"),
            ("size_by", "payments"),
            ("payments", payments.as_str()),
            ("first_day", &day),
            ("first_month", &month),
            ("first_year", &year),
        ];
        let preview = self
            .post(&format!("/account/{id}/plan/installments"), &fields)
            .await;
        let html = self.page(preview, "plan preview").await?;
        if !self.wants_plan {
            return Ok(());
        }
        let terms = hidden(&html, "terms").ok_or_else(|| self.fail("no terms".into()))?;
        fields.push(("terms", &terms));
        let agree = format!("/account/{id}/plan/installments/agree");
        let (one, two) = tokio::join!(self.post(&agree, &fields), self.post(&agree, &fields));
        let mut statuses = [status_of(&one), status_of(&two)];
        statuses.sort_unstable();
        if statuses != [303, 409] {
            return Err(self.fail(format!("two tabs agreeing answered {statuses:?}")));
        }
        self.has_plan = true;
        self.tally.plan_agreed();
        Ok(())
    }

    /// Pays through the fake Stripe: checkout, then the paid webhook three times at once.
    async fn pay(&mut self, id: i32) -> Step<()> {
        let amount = format!("{}.{:02}", PART_MINOR / 100, PART_MINOR % 100);
        let fields: Vec<(&str, &str)> = if self.has_plan {
            vec![("choice", "next")]
        } else if self.owed_minor() > PART_MINOR {
            vec![("choice", "other"), ("amount", &amount)]
        } else {
            vec![("choice", "full")]
        };
        let response = self.post(&format!("/account/{id}/pay"), &fields).await;
        let status = status_of(&response);
        let location = response
            .ok()
            .and_then(|r| r.headers().get("location")?.to_str().ok().map(String::from));
        let session = match (status, location) {
            (303, Some(url)) if url.starts_with("https://checkout.stripe.com/") => {
                url.rsplit('/').next().unwrap_or_default().to_string()
            }
            (status, url) => return Err(self.fail(format!("pay answered {status} {url:?}"))),
        };
        let attempt = payment_attempt::Entity::find()
            .filter(payment_attempt::Column::ProviderRef.eq(session.as_str()))
            .one(&self.instance.db)
            .await
            .ok()
            .flatten()
            .ok_or_else(|| self.fail(format!("no attempt for {session}")))?;
        self.stripe_says_paid(&attempt, &session).await?;
        self.outcome.paid_minor += attempt.amount_minor;
        self.outcome.sessions.push(session);
        self.tally.payment_made();
        Ok(())
    }

    /// The same news three times at once, spread over both instances: one event twice (a
    /// retry racing the original) and once more under another event id.
    async fn stripe_says_paid(&self, attempt: &payment_attempt::Model, session: &str) -> Step<()> {
        let amount = attempt.amount_minor;
        let completed = paid_event(
            &format!("evt_{session}_completed"),
            "checkout.session.completed",
            attempt,
            amount,
        );
        let succeeded = paid_event(
            &format!("evt_{session}_succeeded"),
            "checkout.session.async_payment_succeeded",
            attempt,
            amount,
        );
        let now = Utc::now().timestamp();
        let (here, there) = (&self.instance, &self.other);
        let answers = tokio::join!(
            deliver(here, &completed, WEBHOOK_SECRET, now),
            deliver(there, &completed, WEBHOOK_SECRET, now),
            deliver(there, &succeeded, WEBHOOK_SECRET, now),
        );
        for status in [answers.0, answers.1, answers.2] {
            self.tally.record(status);
            if status != 200 {
                return Err(self.fail(format!("webhook answered {status}")));
            }
        }
        Ok(())
    }

    async fn get(&self, path: &str) -> reqwest::Result<reqwest::Response> {
        let response = self.client.get(self.instance.url(path)).send().await;
        self.tally.count(&response);
        response
    }

    /// A form post with the CSRF token a browser would send.
    async fn post(
        &self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Result<reqwest::Response> {
        let token = cookie_in(&self.jar, &self.instance.address, "gt_csrf").unwrap_or_default();
        let mut body = fields.to_vec();
        body.push(("csrf_token", &token));
        let body = serde_urlencoded::to_string(&body).unwrap_or_default();
        let response = self
            .client
            .post(self.instance.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await;
        self.tally.count(&response);
        response
    }

    fn expect(
        &self,
        response: reqwest::Result<reqwest::Response>,
        wanted: u16,
        step: &str,
    ) -> Step<()> {
        match status_of(&response) {
            s if s == wanted => Ok(()),
            s => Err(self.fail(format!("{step} answered {s}"))),
        }
    }

    async fn page(&self, response: reqwest::Result<reqwest::Response>, step: &str) -> Step<String> {
        match response {
            Ok(r) if r.status().as_u16() == 200 => r.text().await.map_err(|_| Stop),
            Ok(r) => Err(self.fail(format!("{step} answered {}", r.status()))),
            Err(_) => Err(Stop),
        }
    }

    fn fail(&self, what: String) -> Stop {
        self.tally
            .unexpected(format!("{}: {what}", self.outcome.person.reference));
        Stop
    }
}

fn status_of(response: &reqwest::Result<reqwest::Response>) -> u16 {
    response.as_ref().map_or(0, |r| r.status().as_u16())
}

/// The account id in the balance page's first link about the account.
fn account_id(html: &str) -> Option<i32> {
    html.split("/account/")
        .skip(1)
        .find_map(|rest| rest.split_once('/')?.0.parse().ok())
}

/// What the balance page says is left to pay, as it shows it.
fn shown_balance(html: &str) -> Option<String> {
    if html.contains("Nothing left to pay") {
        return Some(gbp(0));
    }
    let marker = "data-balance>";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('<')?;
    Some(html[start..start + end].trim().to_string())
}

fn gbp(minor: i64) -> String {
    Money::from_minor(minor, Currency::GBP).to_string()
}

/// The value of a hidden input on a page.
fn hidden(html: &str, name: &str) -> Option<String> {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}
