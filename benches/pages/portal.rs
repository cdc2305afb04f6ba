//! The portal under measure: seeded with `goodterms demo --accounts N`, served with
//! `goodterms serve --no-jobs` from the release build, signed in as the demo debtor.
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{Datelike, Utc};

use crate::report::Report;
use crate::{Settings, wrk};

const ADDRESS: &str = "127.0.0.1:18081";
const METRICS_ADDRESS: &str = "127.0.0.1:18082";
/// Fixed for the run: dates of birth are stored keyed by it, so seeding and serving agree.
const SESSION_KEY: &str = "bench-session-key-bench-session-key-bench-session-key-bench-session-key";
/// The demo debtor (DESIGN.md's stable demo data).
const REFERENCE: &str = "NW-1001";
const DATE_OF_BIRTH: (&str, &str, &str) = ("12", "4", "1985");

pub fn measure(settings: &Settings, scratch: &Path, report: &mut Report) -> anyhow::Result<()> {
    let dir = scratch.join("portal");
    std::fs::create_dir_all(&dir)?;
    let started = Instant::now();
    seed(&dir, settings.accounts)?;
    report.seed_seconds = started.elapsed().as_secs_f64();
    let base = format!("http://{ADDRESS}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;

    // Speed as deployed by default: no metrics listener.
    let server = Server::start(&dir, false)?;
    let signed_in = runtime.block_on(sign_in())?;
    report.idle_rss_mb = server.rss_mb();
    let cookie = vec![format!("Cookie: {}", signed_in.cookie)];
    let script = preview_script(&dir, &signed_in)?;
    report.balance = wrk::run(settings, &format!("{base}/account"), &cookie, None)?;
    report.preview = wrk::run(settings, &base, &[], Some(&script))?;
    report.healthz = wrk::run(settings, &format!("{base}/healthz"), &[], None)?;
    report.loaded_rss_mb = server.rss_mb();
    drop(server);

    // Statements a request, read from the metrics of a second, short run.
    let server = Server::start(&dir, true)?;
    let signed_in = runtime.block_on(sign_in())?;
    let cookie = vec![format!("Cookie: {}", signed_in.cookie)];
    let script = preview_script(&dir, &signed_in)?;
    let short = Settings {
        seconds: 2,
        ..*settings
    };
    let before = server.counts("/account");
    wrk::run(&short, &format!("{base}/account"), &cookie, None)?;
    report.balance_queries = per_request(before, server.counts("/account"));
    let route = "/account/{id}/plan/installments";
    let before = server.counts(route);
    wrk::run(&short, &base, &[], Some(&script))?;
    report.preview_queries = per_request(before, server.counts(route));
    Ok(())
}

/// Statements per request between two readings of the server's own counts.
fn per_request(before: Option<Counts>, after: Option<Counts>) -> Option<f64> {
    let (before, after) = (before?, after?);
    let requests = after.requests - before.requests;
    (requests > 0.0).then(|| (after.statements - before.statements) / requests)
}

/// Statements run, and requests answered on one route, as the server counted them (wrk's
/// own count leaves out the requests still in flight when it stops).
#[derive(Clone, Copy)]
struct Counts {
    statements: f64,
    requests: f64,
}

/// The sum of a metric's series whose line contains `filter`.
fn metric_sum(text: &str, name: &str, filter: &str) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(name) && l.contains(filter))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

fn goodterms(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_goodterms"));
    command
        .current_dir(dir)
        .env("DATABASE_URL", "sqlite://bench.db?mode=rwc")
        .env("SESSION_KEY", SESSION_KEY)
        .env("GOODTERMS_MAIL_DIR", dir.join("mail"))
        // The plan preview is a POST: wrk sends a different X-Forwarded-For on each, as many
        // people behind a proxy would, so the per-address POST limit does not refuse them.
        .env("GOODTERMS_TRUSTED_PROXIES", "127.0.0.1/32")
        .env("RUST_LOG", "info");
    command
}

fn seed(dir: &Path, accounts: u64) -> anyhow::Result<()> {
    println!("seeding {accounts} demo accounts…");
    let status = goodterms(dir)
        .args(["demo", "--accounts", &accounts.to_string()])
        .stdout(Stdio::null())
        .status()
        .context("running goodterms demo")?;
    if !status.success() {
        bail!("goodterms demo failed");
    }
    Ok(())
}

struct Server {
    child: Child,
}

impl Server {
    /// `metrics`: with the metrics listener, which the speed measures leave off (it is off
    /// by default) and the statement count needs.
    fn start(dir: &Path, metrics: bool) -> anyhow::Result<Self> {
        let log = std::fs::File::create(dir.join("serve.log"))?;
        let mut command = goodterms(dir);
        if metrics {
            command.env("METRICS_BIND", METRICS_ADDRESS);
        }
        let child = command
            .args(["serve", "--no-jobs", "--bind", ADDRESS])
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("starting goodterms serve")?;
        let server = Self { child };
        wait_until_up(&format!("http://{ADDRESS}/healthz"))?;
        Ok(server)
    }

    /// Resident memory of the server process.
    fn rss_mb(&self) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb / 1024.0)
    }

    /// Statements run and requests answered on `route`, from the server's metrics, once
    /// the requests in flight have finished.
    fn counts(&self, route: &str) -> Option<Counts> {
        std::thread::sleep(Duration::from_millis(500));
        let text = http_get_blocking(&format!("http://{METRICS_ADDRESS}/metrics"))?;
        Some(Counts {
            statements: metric_sum(&text, "goodterms_db_statements_total", ""),
            requests: metric_sum(
                &text,
                "goodterms_http_requests_total",
                &format!("route=\"{route}\""),
            ),
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn wait_until_up(url: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(180);
    while Instant::now() < deadline {
        if http_get_blocking(url).is_some() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    bail!("{url} did not answer within 3 minutes")
}

/// One GET, for readiness and metrics (the load itself is wrk's).
fn http_get_blocking(url: &str) -> Option<String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    runtime.block_on(async {
        let response = reqwest::get(url).await.ok()?;
        if !response.status().is_success() {
            return None;
        }
        response.text().await.ok()
    })
}

struct SignedIn {
    cookie: String,
    csrf_token: String,
    account_id: String,
}

async fn sign_in() -> anyhow::Result<SignedIn> {
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let base = format!("http://{ADDRESS}");
    let home = client.get(format!("{base}/")).send().await?.text().await?;
    let home_token = between(&home, "name=\"csrf_token\" value=\"", "\"")
        .context("no csrf_token on the sign-in page")?;
    let (day, month, year) = DATE_OF_BIRTH;
    let answer = client
        .post(format!("{base}/signin"))
        .form(&[
            ("csrf_token", home_token.as_str()),
            ("reference", REFERENCE),
            ("dob_day", day),
            ("dob_month", month),
            ("dob_year", year),
        ])
        .send()
        .await?;
    if !answer.status().is_redirection() {
        bail!("sign-in as {REFERENCE} failed: {}", answer.status());
    }
    let balance = client.get(format!("{base}/account")).send().await?;
    if !balance.status().is_success() {
        bail!("the balance page answered {}", balance.status());
    }
    let page = balance.text().await?;
    let account_id = first_account_id(&page).context("no account link on the balance page")?;
    // Signing in binds a new CSRF token to the new session.
    let csrf_token = between(&page, "name=\"csrf_token\" value=\"", "\"")
        .context("no csrf_token on the balance page")?;
    let url: reqwest::Url = base.parse()?;
    use reqwest::cookie::CookieStore;
    let cookie = jar
        .cookies(&url)
        .context("no session cookie after sign-in")?
        .to_str()?
        .to_string();
    Ok(SignedIn {
        cookie,
        csrf_token,
        account_id,
    })
}

fn between(text: &str, start: &str, end: &str) -> Option<String> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some(text[from..to].to_string())
}

/// The id in the first `/account/{id}/…` link of a page.
fn first_account_id(page: &str) -> Option<String> {
    page.split("/account/").skip(1).find_map(|rest| {
        let id: String = rest.chars().take_while(char::is_ascii_digit).collect();
        (!id.is_empty() && rest[id.len()..].starts_with('/')).then_some(id)
    })
}

/// A wrk script that posts the instalment builder (six monthly payments starting in a week)
/// for the plan preview ("check your plan"), each from its own forwarded address.
fn preview_script(dir: &Path, who: &SignedIn) -> anyhow::Result<PathBuf> {
    let first = Utc::now().date_naive() + chrono::Duration::days(7);
    let body = serde_urlencoded::to_string([
        ("csrf_token", who.csrf_token.clone()),
        ("frequency", "monthly".into()),
        ("size_by", "payments".into()),
        ("payments", "6".into()),
        ("amount", String::new()),
        ("first_day", first.day().to_string()),
        ("first_month", first.month().to_string()),
        ("first_year", first.year().to_string()),
        ("note", String::new()),
        ("terms", String::new()),
    ])?;
    let path = format!("/account/{}/plan/installments", who.account_id);
    let script = format!(
        r#"math.randomseed(7)
local headers = {{ ["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = "{cookie}" }}
request = function()
  headers["X-Forwarded-For"] = "10." .. math.random(0, 255) .. "." .. math.random(0, 255) .. "." .. math.random(1, 254)
  return wrk.format("POST", "{path}", headers, "{body}")
end
"#,
        cookie = who.cookie,
    );
    let file = dir.join("preview.lua");
    std::fs::write(&file, script)?;
    Ok(file)
}
