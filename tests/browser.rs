//! Browser test: a person on a phone signs in with their reference number and date of birth,
//! reads what they owe and how it adds up, then signs out. It drives Debian's headless
//! Chromium through a chromedriver the test starts itself, against the real app with the demo
//! data. `.ci/run` installs chromium and chromium-driver when they are missing.
//!
//! Run with `cargo test --features browser-tests --test browser`.

#[path = "api/helpers.rs"]
mod helpers;

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

/// The arguments of a throwaway headless Chromium with a phone-sized window: no sandbox (CI
/// runs as root in a container), no GPU, and no background traffic or first-run screens that
/// would slow the test or make it flaky.
const CHROME_ARGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=390,844",
];

/// How long to wait for chromedriver to start or for a page to arrive; generous because CI
/// machines are slow, and a healthy run never waits this long.
const PATIENCE: Duration = Duration::from_secs(30);

#[tokio::test]
async fn a_debtor_on_a_phone_signs_in_sees_how_the_balance_adds_up_and_signs_out() {
    let app = helpers::spawn_demo_app().await;
    let driver = ChromeDriver::start().await;
    let browser = connect_phone_browser(&driver).await;

    // A mistyped date of birth: the person is told, and does not have to type everything again.
    browser
        .goto(&app.url("/"))
        .await
        .expect("open the sign-in page");
    assert_fits_phone_width(&browser, "the sign-in page").await;
    fill_sign_in_form(&browser, "NW-1001", ("13", "4", "1985")).await;
    press_button(&browser, "Continue").await;
    wait_for_path(&browser, "/signin").await;
    assert_page_shows(&browser, "There is a problem").await;
    let reference = field_labelled(&browser, "Reference number").await;
    assert_eq!(
        reference
            .prop("value")
            .await
            .expect("reference value")
            .as_deref(),
        Some("NW-1001"),
        "the reference number typed is kept after an error"
    );
    assert_fits_phone_width(&browser, "the sign-in page with an error").await;

    // The right details open the account.
    fill_sign_in_form(&browser, "NW-1001", ("12", "4", "1985")).await;
    press_button(&browser, "Continue").await;
    wait_for_path(&browser, "/account").await;
    for expected in ["Your account", "Northwind Utilities", "£1,065.00"] {
        assert_page_shows(&browser, expected).await;
    }
    assert_fee_explains_why(&browser).await;
    assert_ledger_adds_up_to_balance(&browser).await;
    assert_fits_phone_width(&browser, "the account page").await;

    // After signing out, going back to the account page must not show the balance.
    press_button(&browser, "Sign out").await;
    wait_for_path(&browser, "/signed-out").await;
    browser
        .goto(&app.url("/account"))
        .await
        .expect("open /account");
    let text = page_text(&browser).await;
    assert!(
        !text.contains("£1,065.00"),
        "the balance is still shown after signing out:\n{text}"
    );
    let balances = browser
        .find_all(Locator::Css("[data-balance]"))
        .await
        .expect("look for balances");
    assert!(balances.is_empty(), "a balance is shown after signing out");

    browser.close().await.expect("close the browser");
}

/// A chromedriver process on a free port, killed when dropped so that a failing test does not
/// leave it (and its browser) running. It runs in a process group of its own, which the
/// Chromium it launches joins, so the whole group can be stopped at once.
struct ChromeDriver {
    process: Child,
    url: String,
}

impl ChromeDriver {
    async fn start() -> Self {
        let program = env_or("CHROMEDRIVER", "/usr/bin/chromedriver");
        let port = free_port();
        let process = Command::new(&program)
            .arg(format!("--port={port}"))
            .process_group(0)
            // Its start-up banner would only clutter the test output.
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
        let mut driver = Self {
            process,
            url: format!("http://127.0.0.1:{port}"),
        };
        driver.wait_until_ready().await;
        driver
    }

    /// chromedriver takes a moment to listen; sessions requested before then fail.
    async fn wait_until_ready(&mut self) {
        let status_url = format!("{}/status", self.url);
        let started = Instant::now();
        loop {
            if let Ok(Some(exit)) = self.process.try_wait() {
                panic!("chromedriver exited before it was ready: {exit}");
            }
            let answered = reqwest::get(&status_url)
                .await
                .is_ok_and(|r| r.status().is_success());
            if answered {
                return;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "chromedriver did not answer at {status_url}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        // Killing chromedriver alone would orphan its Chromium when a panic skipped closing
        // the session, so signal the whole group first.
        let group = format!("-{}", self.process.id());
        let _ = Command::new("kill")
            .args(["-TERM", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// A port nobody listens on right now: the OS picks it, and we release it for chromedriver.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
        .unwrap_or_else(|| default.to_string())
}

async fn connect_phone_browser(driver: &ChromeDriver) -> Client {
    let mut capabilities = Capabilities::new();
    capabilities.insert(
        "goog:chromeOptions".to_string(),
        json!({
            "binary": env_or("CHROME_BIN", "/usr/bin/chromium"),
            "args": CHROME_ARGS,
        }),
    );
    // Plain HTTP to a local chromedriver: no TLS connector needed.
    ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("start a headless Chromium session")
}

/// Types into the sign-in form the way a person would, replacing whatever is there.
async fn fill_sign_in_form(browser: &Client, reference: &str, dob: (&str, &str, &str)) {
    for (label, value) in [
        ("Reference number", reference),
        ("Day", dob.0),
        ("Month", dob.1),
        ("Year", dob.2),
    ] {
        let field = field_labelled(browser, label).await;
        field.clear().await.expect("clear the field");
        field.send_keys(value).await.expect("type into the field");
    }
}

/// The input a visible label points at: this also checks each field has a working label.
async fn field_labelled(browser: &Client, label_text: &str) -> Element {
    let xpath = format!("//label[normalize-space()='{label_text}']");
    let label = browser
        .find(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("no label {label_text:?}: {e}"));
    assert!(
        label.is_displayed().await.expect("label visibility"),
        "the label {label_text:?} is hidden"
    );
    let id = label
        .attr("for")
        .await
        .expect("label attribute")
        .unwrap_or_else(|| panic!("the label {label_text:?} has no `for`"));
    browser
        .find(Locator::Id(&id))
        .await
        .unwrap_or_else(|e| panic!("the label {label_text:?} points at no #{id}: {e}"))
}

async fn press_button(browser: &Client, text: &str) {
    let xpath = format!("//button[normalize-space()='{text}']");
    browser
        .find(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("no button {text:?}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("press {text:?}: {e}"));
}

/// Waits for the browser to arrive at `path`, since a form post may still be loading when the
/// click returns.
async fn wait_for_path(browser: &Client, path: &str) {
    let started = Instant::now();
    loop {
        let url = browser.current_url().await.expect("current URL");
        if url.path() == path {
            return;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "expected to arrive at {path}, still at {url}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The text a person can see on the page.
async fn page_text(browser: &Client) -> String {
    browser
        .find(Locator::Css("body"))
        .await
        .expect("page body")
        .text()
        .await
        .expect("page text")
}

async fn assert_page_shows(browser: &Client, expected: &str) {
    let text = page_text(browser).await;
    assert!(
        text.contains(expected),
        "expected the page to show {expected:?}:\n{text}"
    );
}

/// A fee someone did not expect must say why it was added, on its own row of the table.
async fn assert_fee_explains_why(browser: &Client) {
    let row = browser
        .find(Locator::XPath("//tr[contains(., 'Late payment fee')]"))
        .await
        .expect("a row for the late payment fee")
        .text()
        .await
        .expect("row text");
    assert!(row.contains("Why:"), "the fee does not say why: {row}");
}

/// Every charge and payment in each account's table adds up to the balance shown above it.
async fn assert_ledger_adds_up_to_balance(browser: &Client) {
    let accounts = browser
        .find_all(Locator::Css("section.account"))
        .await
        .expect("account sections");
    assert!(!accounts.is_empty(), "no account is shown");
    for account in accounts {
        let balance = account
            .find(Locator::Css("[data-balance]"))
            .await
            .expect("the balance figure")
            .text()
            .await
            .expect("balance text");
        let mut sum = 0;
        for cell in account
            .find_all(Locator::Css("[data-amount]"))
            .await
            .expect("ledger amounts")
        {
            let amount = cell.attr("data-amount").await.expect("data-amount");
            sum += pence(&amount.unwrap_or_default());
        }
        assert_eq!(
            sum,
            pence(&balance),
            "the ledger does not add up to the balance {balance}"
        );
    }
}

/// "+£1,240.00" → 124000, "-£200.00" → -20000. Also accepts the minus sign (−) the page shows.
fn pence(amount: &str) -> i64 {
    let amount = amount.trim();
    let negative = amount.starts_with(['-', '−']);
    let digits: String = amount.chars().filter(char::is_ascii_digit).collect();
    assert!(
        amount.contains('.') && amount.rsplit('.').next().is_some_and(|p| p.len() == 2),
        "not an amount in pounds and pence: {amount:?}"
    );
    let value: i64 = digits
        .parse()
        .unwrap_or_else(|_| panic!("not an amount: {amount:?}"));
    if negative { -value } else { value }
}

/// On a phone, a page wider than the screen makes people scroll sideways to read it.
async fn assert_fits_phone_width(browser: &Client, page: &str) {
    let widths = browser
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            Vec::new(),
        )
        .await
        .expect("measure the page");
    let width = |i: usize| widths[i].as_f64().expect("a width in pixels");
    let (scroll_width, inner_width) = (width(0), width(1));
    assert!(
        scroll_width <= inner_width,
        "{page} scrolls sideways at phone width: scrollWidth {scroll_width} > innerWidth {inner_width}"
    );
}
