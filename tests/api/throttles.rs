//! Sign-in throttles decide atomically: many guesses sent at once get at most the free
//! attempts evaluated (debtor sign-in, staff sign-in, link requests, step-up codes), and the
//! client each attempt is counted against is the one a trusted proxy names.
use std::net::IpAddr;
use std::sync::Arc;

use futures_util::future::join_all;
use goodterms::entities::outbox_message;
use goodterms::services::access::step_up::MAX_TRIES;
use goodterms::services::access::throttle::FREE_ATTEMPTS;
use reqwest::cookie::Jar;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::{TestApp, assert_redirect, spawn_app_with, spawn_demo_app};

/// A browser connecting from `source` (any 127.x.y.z reaches the app), with its CSRF cookie.
pub(crate) struct Browser {
    pub client: reqwest::Client,
    pub token: String,
}

impl Browser {
    pub async fn from(app: &TestApp, source: &str) -> Self {
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_provider(jar.clone())
            .local_address(source.parse::<IpAddr>().unwrap())
            .build()
            .unwrap();
        let page = client.get(app.url("/")).send().await.unwrap();
        let token = page
            .cookies()
            .find(|c| c.name() == "gt_csrf")
            .map(|c| c.value().to_string())
            .expect("a CSRF cookie");
        Self { client, token }
    }

    pub async fn post(&self, app: &TestApp, path: &str, fields: &[(&str, &str)]) -> u16 {
        self.post_with(app, path, fields, None).await
    }

    /// The status of a GET; 303 means "sign in first".
    pub async fn get(&self, app: &TestApp, path: &str) -> u16 {
        let response = self.client.get(app.url(path)).send().await.unwrap();
        response.status().as_u16()
    }

    pub async fn post_with(
        &self,
        app: &TestApp,
        path: &str,
        fields: &[(&str, &str)],
        forwarded_for: Option<&str>,
    ) -> u16 {
        let mut body = fields.to_vec();
        body.push(("csrf_token", &self.token));
        let mut request = self
            .client
            .post(app.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(&body).unwrap());
        if let Some(hops) = forwarded_for {
            request = request.header("x-forwarded-for", hops);
        }
        request.send().await.unwrap().status().as_u16()
    }
}

fn count(statuses: &[u16], wanted: u16) -> usize {
    statuses.iter().filter(|s| **s == wanted).count()
}

fn no_server_errors(statuses: &[u16]) {
    assert!(
        statuses.iter().all(|s| *s < 500),
        "no request may fail: {statuses:?}"
    );
}

fn dob(day: &str) -> [(&str, &str); 4] {
    [
        ("reference", "NW-1001"),
        ("dob_day", day),
        ("dob_month", "4"),
        ("dob_year", "1985"),
    ]
}

#[tokio::test]
async fn two_hundred_wrong_dates_at_once_from_four_addresses_get_at_most_five_evaluated() {
    let app = spawn_demo_app().await;
    let mut browsers = Vec::new();
    for n in 1..=4 {
        browsers.push(Browser::from(&app, &format!("127.0.0.{n}")).await);
    }
    let wrong = dob("13");
    let tries = (0..200).map(|n| browsers[n % 4].post(&app, "/signin", &wrong));
    let statuses = join_all(tries).await;
    no_server_errors(&statuses);
    // 400 "could not find an account" means the date was compared; 429 means it was not.
    let evaluated = count(&statuses, 400);
    assert!(
        (1..=FREE_ATTEMPTS).contains(&evaluated),
        "{evaluated} of 200 were evaluated"
    );
    assert_eq!(count(&statuses, 429), 200 - evaluated);
    // The right date after the limit does not sign in either.
    let right = browsers[0].post(&app, "/signin", &dob("12")).await;
    assert_eq!(right, 429);
}

#[tokio::test]
async fn fifty_staff_passwords_at_once_get_at_most_five_checked_and_the_right_one_then_waits() {
    let app = spawn_demo_app().await;
    let browser = Browser::from(&app, "127.0.0.1").await;
    let guesses: Vec<[(&str, String); 2]> = (0..50)
        .map(|n| {
            [
                ("email", "staff@northwind.example".to_string()),
                ("password", format!("guess-number-{n}")),
            ]
        })
        .collect();
    let forms: Vec<[(&str, &str); 2]> = guesses
        .iter()
        .map(|[(a, b), (c, d)]| [(*a, b.as_str()), (*c, d.as_str())])
        .collect();
    let tries = forms
        .iter()
        .map(|form| browser.post(&app, "/staff/signin", form));
    let statuses = join_all(tries).await;
    no_server_errors(&statuses);
    let checked = count(&statuses, 400);
    assert!(
        (1..=FREE_ATTEMPTS).contains(&checked),
        "{checked} of 50 passwords were checked"
    );
    let right = browser
        .post(
            &app,
            "/staff/signin",
            &[
                ("email", "staff@northwind.example"),
                ("password", "northwind-demo"),
            ],
        )
        .await;
    assert_eq!(right, 429, "the right password after the limit must wait");
}

#[tokio::test]
async fn fifty_link_requests_at_once_send_at_most_five_emails() {
    let app = spawn_demo_app().await;
    let browser = Browser::from(&app, "127.0.0.1").await;
    let tries = (0..50).map(|_| {
        browser.post(
            &app,
            "/signin/link",
            &[("email", "alex.morgan@example.com")],
        )
    });
    let statuses = join_all(tries).await;
    no_server_errors(&statuses);
    let emails = outbox_message::Entity::find()
        .filter(outbox_message::Column::ToAddress.eq("alex.morgan@example.com"))
        .count(&app.db)
        .await
        .unwrap();
    assert!(
        (1..=FREE_ATTEMPTS as u64).contains(&emails),
        "{emails} sign-in emails were sent"
    );
    assert_eq!(count(&statuses, 303) as u64, emails);
}

#[tokio::test]
async fn fifty_step_up_codes_at_once_get_at_most_five_compared() {
    let app = spawn_demo_app().await;
    app.sign_in_alex().await;
    let (id, _) = crate::autopay::agree_plan(&app).await;
    app.post_form(&format!("/account/{id}/plan/autopay"), &[])
        .await;
    let code = crate::autopay::emailed_code(&app).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let confirm = format!("/account/{id}/plan/autopay/confirm");
    let tries = (0..50).map(|_| async {
        let response = app.post_form(&confirm, &[("code", wrong)]).await;
        response.text().await.unwrap()
    });
    let pages = join_all(tries).await;
    let compared = pages
        .iter()
        .filter(|page| page.contains("That code is not right"))
        .count();
    assert!(
        compared < MAX_TRIES as usize,
        "{compared} wrong codes were compared"
    );
    let late = app.post_form(&confirm, &[("code", &code)]).await;
    assert_eq!(late.status().as_u16(), 400);
    assert!(late.text().await.unwrap().contains("no longer works"));
}

/// Five wrong dates for different references from one client: that client's sixth waits.
async fn use_up_a_client(app: &TestApp, browser: &Browser, forwarded_for: &str) {
    for n in 0..FREE_ATTEMPTS {
        let reference = format!("NW-90{n:02}");
        let fields = [
            ("reference", reference.as_str()),
            ("dob_day", "1"),
            ("dob_month", "1"),
            ("dob_year", "1980"),
        ];
        let status = browser
            .post_with(app, "/signin", &fields, Some(forwarded_for))
            .await;
        assert_eq!(status, 400);
    }
}

async fn one_more_try(app: &TestApp, browser: &Browser, forwarded_for: &str) -> u16 {
    let fields = [
        ("reference", "NW-9999"),
        ("dob_day", "1"),
        ("dob_month", "1"),
        ("dob_year", "1980"),
    ];
    browser
        .post_with(app, "/signin", &fields, Some(forwarded_for))
        .await
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_limit() {
    let app = spawn_app_with(|s| {
        s.trusted_proxies = goodterms::config::trusted_proxies("127.0.0.0/8").unwrap();
    })
    .await;
    goodterms::services::demo::load(&app.db, &app.hasher, chrono::Utc::now())
        .await
        .unwrap();
    let proxy = Browser::from(&app, "127.0.0.1").await;
    // The client wrote a hop of its own on the left; only the hop the proxy added counts.
    use_up_a_client(&app, &proxy, "192.0.2.1, 203.0.113.7").await;
    assert_eq!(
        one_more_try(&app, &proxy, "198.51.100.1, 203.0.113.7").await,
        429
    );
    // Another person behind the same proxy is not held up.
    assert_eq!(one_more_try(&app, &proxy, "203.0.113.8").await, 400);
    // Signing in and asking for a link are limited separately.
    let link = proxy
        .post_with(
            &app,
            "/signin/link",
            &[("email", "alex.morgan@example.com")],
            Some("203.0.113.7"),
        )
        .await;
    assert_eq!(link, 303);
}

#[tokio::test]
async fn forwarded_for_from_an_untrusted_peer_is_ignored() {
    let app = spawn_demo_app().await;
    let browser = Browser::from(&app, "127.0.0.1").await;
    use_up_a_client(&app, &browser, "203.0.113.7").await;
    // Claiming to be someone else does not reset the limit.
    assert_eq!(one_more_try(&app, &browser, "203.0.113.8").await, 429);
}

#[tokio::test]
async fn a_person_who_gets_in_is_not_counted_against_their_address() {
    let app = spawn_demo_app().await;
    for _ in 0..FREE_ATTEMPTS + 1 {
        let (_, client) = app.second_browser();
        let page = client.get(app.url("/")).send().await.unwrap();
        let token = page
            .cookies()
            .find(|c| c.name() == "gt_csrf")
            .unwrap()
            .value()
            .to_string();
        let body = serde_urlencoded::to_string([
            ("reference", "NW-1001"),
            ("dob_day", "12"),
            ("dob_month", "4"),
            ("dob_year", "1985"),
            ("csrf_token", token.as_str()),
        ])
        .unwrap();
        let response = client
            .post(app.url("/signin"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_redirect(&response, "/account");
    }
}
