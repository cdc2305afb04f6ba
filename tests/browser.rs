//! Browser tests: a person on a phone signs in with their reference number and date of birth,
//! reads what they owe and how it adds up, then signs out; and a person on a phone sets up a
//! monthly payment plan and gets the confirmation email. They drive Debian's headless Chromium
//! through a chromedriver the test starts itself, against the real app with the demo data.
//! `.ci/run` installs chromium and chromium-driver when they are missing.
//!
//! Run with `cargo test --features browser-tests --test browser`.

#[path = "api/helpers.rs"]
mod helpers;
// Shared with the API tests, which use more of it than this file does.
#[allow(dead_code)]
#[path = "api/smtp.rs"]
mod smtp;

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{Days, Months, NaiveDate, Utc};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use helpers::TestApp;
use smtp::SmtpSink;

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
    let (_driver, browser) = start_phone_browser().await;

    // A mistyped date of birth: the person is told, and does not have to type everything again.
    browser
        .goto(&app.url("/"))
        .await
        .expect("open the sign-in page");
    assert_fits_phone_width(&browser, "the sign-in page").await;
    submit_sign_in_form(&browser, "NW-1001", ("13", "4", "1985")).await;
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
    submit_sign_in_form(&browser, "NW-1001", ("12", "4", "1985")).await;
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

#[tokio::test]
async fn a_debtor_on_a_phone_sets_up_a_monthly_plan_and_gets_an_email_about_it() {
    let sink = SmtpSink::start().await;
    let app = spawn_demo_app_sending_mail_to(&sink).await;
    let (_driver, browser) = start_phone_browser().await;

    browser
        .goto(&app.url("/"))
        .await
        .expect("open the sign-in page");
    submit_sign_in_form(&browser, "NW-1001", ("12", "4", "1985")).await;
    wait_for_path(&browser, "/account").await;

    follow_link(&browser, "See ways to pay for reference NW-1001").await;
    wait_for_heading(&browser, "Ways to pay").await;
    follow_link(&browser, "Pay in smaller amounts").await;
    wait_for_heading(&browser, "Set up a payment plan").await;

    // Monthly, 6 payments, the first one 10 days from now.
    click_label(&browser, "frequency-monthly").await;
    assert_checked(&browser, "frequency-monthly").await;
    assert_checked(&browser, "size_by").await;
    type_into(&browser, "payments", "6").await;
    let first = Utc::now().date_naive() + Days::new(10);
    let last = first + Months::new(5);
    type_into(&browser, "first-day", &first.format("%-d").to_string()).await;
    type_into(&browser, "first-month", &first.format("%-m").to_string()).await;
    type_into(&browser, "first-year", &first.format("%Y").to_string()).await;
    press_button(&browser, "Continue").await;

    // The check page says what the plan is before anything is agreed.
    wait_for_heading(&browser, "Check your payment plan").await;
    let summary = summary_list(&browser).await;
    for (term, expected) in [
        ("How often", "Every month".to_string()),
        ("Number of payments", "6".to_string()),
        ("Each payment", "£177.50".to_string()),
        ("First payment", long_date(first)),
        ("Plan ends", long_date(last)),
        ("Total", "£1,065.00".to_string()),
    ] {
        assert_eq!(
            summary_value(&summary, term),
            expected,
            "{term:?} on the check page; the summary is {summary:?}"
        );
    }
    assert_eq!(
        schedule_amounts(&browser).await,
        vec!["£177.50"; 6],
        "the check page lists every payment"
    );
    assert_fits_phone_width(&browser, "the check page").await;
    assert!(
        sink.messages().is_empty(),
        "an email was sent before the plan was agreed"
    );

    press_button(&browser, "Agree and set up plan").await;
    wait_for_heading(&browser, "Your plan is set up").await;
    assert_eq!(
        schedule_amounts(&browser).await,
        vec!["£177.50"; 6],
        "the plan page lists every payment"
    );
    assert_fits_phone_width(&browser, "the plan page").await;
    browser.close().await.expect("close the browser");

    // The confirmation goes out on the next delivery pass, once, to the person.
    let report = app.deliver_outbox(Utc::now()).await;
    assert_eq!(report.sent, 1, "one email is delivered: {report:?}");
    let messages = sink.wait_for_messages(1, PATIENCE).await;
    assert_eq!(messages.len(), 1, "exactly one email arrives");
    let message = &messages[0];
    assert_eq!(message.envelope_to, ["alex.morgan@example.com"]);
    let parsed = message.parsed();
    assert_eq!(parsed.subject(), Some("Your payment plan is set up"));
    let to: Vec<_> = parsed
        .to()
        .expect("a To header")
        .iter()
        .filter_map(|address| address.address())
        .collect();
    assert_eq!(to, ["alex.morgan@example.com"]);
    let text = parsed.body_text(0).expect("a plain text part");
    assert_eq!(
        text.matches("£177.50").count(),
        6,
        "the email lists the 6 payments:\n{text}"
    );
    for date in [long_date(first), long_date(last)] {
        assert!(
            text.contains(&date),
            "the email does not list {date}:\n{text}"
        );
    }
}

#[tokio::test]
async fn a_debtor_on_a_phone_pays_an_installment_then_the_rest_with_the_test_provider() {
    let sink = SmtpSink::start().await;
    let app = spawn_demo_app_sending_mail_to(&sink).await;
    agree_five_monthly_payments(&app).await;
    let (_driver, browser) = start_phone_browser().await;
    browser
        .goto(&app.url("/"))
        .await
        .expect("open the sign-in page");
    submit_sign_in_form(&browser, "NW-1001", ("12", "4", "1985")).await;
    wait_for_path(&browser, "/account").await;

    // The next plan payment.
    follow_link(&browser, "Make a payment for reference NW-1001").await;
    wait_for_heading(&browser, "Make a payment").await;
    assert_page_shows(&browser, "Test mode").await;
    click_label(&browser, "choice-next").await;
    press_button(&browser, "Continue to payment").await;
    wait_for_heading(&browser, "Test payment page").await;
    assert_page_shows(&browser, "This is a test.").await;
    press_button(&browser, "Succeed: pay £213.00").await;
    wait_for_heading(&browser, "Thank you, your payment is done").await;
    assert_fits_phone_width(&browser, "the payment result page").await;

    // Then everything that is left.
    browser
        .goto(&app.url("/account"))
        .await
        .expect("back to the account");
    follow_link(&browser, "Make a payment for reference NW-1001").await;
    wait_for_heading(&browser, "Make a payment").await;
    assert_page_shows(&browser, "Everything: £852.00").await;
    press_button(&browser, "Continue to payment").await;
    wait_for_heading(&browser, "Test payment page").await;
    press_button(&browser, "Succeed: pay £852.00").await;
    wait_for_heading(&browser, "Thank you, your payment is done").await;
    browser
        .goto(&app.url("/account"))
        .await
        .expect("back to the account");
    assert_page_shows(&browser, "You have paid this in full").await;
    browser.close().await.expect("close the browser");

    let report = app.deliver_outbox(Utc::now()).await;
    assert_eq!(
        report.sent, 3,
        "plan confirmation and two receipts: {report:?}"
    );
    let messages = sink.wait_for_messages(3, PATIENCE).await;
    let receipts: Vec<String> = messages
        .iter()
        .filter(|m| m.parsed().subject() == Some("Your receipt"))
        .map(|m| m.parsed().body_text(0).expect("text part").to_string())
        .collect();
    assert_eq!(receipts.len(), 2);
    assert!(receipts.iter().any(|r| r.contains("£213.00")));
    assert!(receipts.iter().any(|r| r.contains("nothing left to pay")));
}

#[tokio::test]
async fn an_admin_adds_a_discount_and_the_demo_debtor_sees_it() {
    let app = helpers::spawn_demo_app().await;
    let (_driver, browser) = start_phone_browser().await;

    // The admin adds 10% off for Northwind, for payments within the next 14 days.
    browser
        .goto(&app.url("/staff/signin"))
        .await
        .expect("open the staff sign-in page");
    sign_in_as_staff(&browser, "admin@goodterms.example", "admin-demo").await;
    wait_for_heading(&browser, "Creditors").await;
    follow_link(&browser, "Discounts").await;
    wait_for_heading(&browser, "Early-payment discounts").await;
    follow_link(&browser, "Add a discount").await;
    wait_for_heading(&browser, "Add a discount").await;
    type_into(&browser, "name", "Winter early payment").await;
    field_labelled(&browser, "Creditor")
        .await
        .select_by_label("Northwind Utilities")
        .await
        .expect("choose the creditor");
    click_label(&browser, "kind").await;
    type_into(&browser, "percent", "10").await;
    click_label(&browser, "deadline_kind").await;
    let deadline = Utc::now().date_naive() + Days::new(14);
    type_into(
        &browser,
        "deadline-day",
        &deadline.format("%-d").to_string(),
    )
    .await;
    type_into(
        &browser,
        "deadline-month",
        &deadline.format("%-m").to_string(),
    )
    .await;
    type_into(
        &browser,
        "deadline-year",
        &deadline.format("%Y").to_string(),
    )
    .await;
    assert_checked(&browser, "enabled").await;
    press_button(&browser, "Add discount").await;
    wait_for_heading(&browser, "Early-payment discounts").await;
    for expected in ["Winter early payment", "10% off", "Northwind Utilities"] {
        assert_page_shows(&browser, expected).await;
    }
    press_button(&browser, "Sign out").await;
    wait_for_path(&browser, "/staff/signin").await;

    // The demo debtor sees the exact amount, the saving and the last day.
    browser
        .goto(&app.url("/"))
        .await
        .expect("open the sign-in page");
    submit_sign_in_form(&browser, "NW-1001", ("12", "4", "1985")).await;
    wait_for_path(&browser, "/account").await;
    follow_link(&browser, "Make a payment for reference NW-1001").await;
    wait_for_heading(&browser, "Make a payment").await;
    assert_page_shows(&browser, "Everything: £958.50").await;
    assert_page_shows(&browser, "you save £106.50").await;
    assert_page_shows(&browser, &long_date(deadline)).await;
    assert_fits_phone_width(&browser, "the payment page with a discount").await;
    browser.close().await.expect("close the browser");
}

/// Signs in on the staff sign-in page with an email and password.
#[tokio::test]
async fn hardship_to_an_agreed_affordable_plan_with_the_keyboard_only() {
    let app = helpers::spawn_demo_app().await;
    let (_driver, browser) = start_phone_browser().await;
    browser
        .goto(&app.url("/"))
        .await
        .expect("open the sign-in page");
    fill_sign_in_form(&browser, "NW-1001", ("12", "4", "1985")).await;
    press_key(&browser, Key::Enter).await;
    wait_for_path(&browser, "/account").await;

    tab_to(&browser, "I'm having trouble paying").await;
    press_key(&browser, Key::Enter).await;
    wait_for_heading(&browser, "What has changed?").await;
    tab_to(&browser, "#reason").await;
    press_key(&browser, Key::Space).await;
    assert_checked(&browser, "reason").await;
    tab_to(&browser, "Continue").await;
    press_key(&browser, Key::Enter).await;

    wait_for_heading(&browser, "Your money each month").await;
    tab_to(&browser, "#income").await;
    type_with_keys(&browser, "1200").await;
    tab_to(&browser, "#housing").await;
    type_with_keys(&browser, "600").await;
    tab_to(&browser, "Check my figures").await;
    press_key(&browser, Key::Enter).await;

    wait_for_heading(&browser, "Check your figures").await;
    assert_page_shows(&browser, "You have £600.00 left each month").await;
    tab_to(&browser, "Save and see my options").await;
    press_key(&browser, Key::Enter).await;

    wait_for_heading(&browser, "What we can do").await;
    assert_page_shows(&browser, "2 monthly payments of £532.50").await;
    tab_to(&browser, "Check this plan").await;
    press_key(&browser, Key::Enter).await;
    wait_for_heading(&browser, "Check your payment plan").await;
    tab_to(&browser, "Agree and set up plan").await;
    press_key(&browser, Key::Enter).await;
    wait_for_heading(&browser, "Your plan is set up").await;

    browser
        .goto(&app.url("/account"))
        .await
        .expect("open the account page");
    assert_page_shows(&browser, "Your payment plan is on track").await;
    assert_page_shows(&browser, "£532.50").await;
    browser.close().await.expect("close the browser");
}

/// Presses a key on whatever has the keyboard focus.
async fn press_key(browser: &Client, key: Key) {
    let focused = browser.active_element().await.expect("a focused element");
    focused
        .send_keys(&key.to_string())
        .await
        .expect("press the key");
}

/// Types into the focused field, key by key.
async fn type_with_keys(browser: &Client, text: &str) {
    let focused = browser.active_element().await.expect("a focused element");
    focused.send_keys(text).await.expect("type");
}

/// Presses Tab until the focus is on `target`: `#id` for a field, otherwise the visible
/// text of a link or button. Fails if the page's Tab order never reaches it.
async fn tab_to(browser: &Client, target: &str) {
    for _ in 0..80 {
        press_key(browser, Key::Tab).await;
        let focused = browser.active_element().await.expect("a focused element");
        let reached = match target.strip_prefix('#') {
            Some(id) => focused.attr("id").await.ok().flatten().as_deref() == Some(id),
            None => focused.text().await.ok().as_deref().map(str::trim) == Some(target),
        };
        if reached {
            return;
        }
    }
    panic!(
        "Tab never reached {target:?}:\n{}",
        page_text(browser).await
    );
}

async fn sign_in_as_staff(browser: &Client, email: &str, password: &str) {
    for (label, value) in [("Email", email), ("Password", password)] {
        let field = field_labelled(browser, label).await;
        field.clear().await.expect("clear the field");
        field.send_keys(value).await.expect("type into the field");
    }
    press_button(browser, "Sign in").await;
}

/// Alex agrees 5 monthly payments of £213.00 through the plan service.
async fn agree_five_monthly_payments(app: &TestApp) {
    use goodterms::domain::schedule::{Frequency, PlanSize};
    use goodterms::services::plans::choose::{self, Agreement, InstallmentChoice};
    let debtor = 1;
    let account = 1;
    let choice = InstallmentChoice {
        frequency: Frequency::Monthly,
        size: PlanSize::NumberOfPayments(5),
        first_due: Utc::now().date_naive() + Days::new(3),
    };
    let found = choose::account_for_plan(&app.db, debtor, account)
        .await
        .expect("read account")
        .expect("Alex's account");
    let shown = choose::preview(&found, &choice, Utc::now().date_naive()).expect("a plan");
    let who = Agreement {
        debtor_id: debtor,
        account_id: account,
        shown_fingerprint: &shown.consent_fingerprint(),
        session_marker: "browser-test",
    };
    choose::agree_installments(&app.db, &app.settings.base_url, who, &choice, Utc::now())
        .await
        .expect("plan agreed");
}

/// The app with the demo data, sending its email to `sink`.
async fn spawn_demo_app_sending_mail_to(sink: &SmtpSink) -> TestApp {
    let app = helpers::spawn_app_with(|s| s.smtp_url = Some(sink.url().into())).await;
    goodterms::services::demo::load(&app.db, &app.hasher, Utc::now())
        .await
        .expect("demo data");
    app
}

/// A chromedriver and a phone-sized Chromium session on it. Keep the driver alive for as
/// long as the browser is used: dropping it stops both.
async fn start_phone_browser() -> (ChromeDriver, Client) {
    let driver = ChromeDriver::start().await;
    let browser = connect_phone_browser(&driver).await;
    (driver, browser)
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

/// Fills in the sign-in form and presses Continue.
async fn submit_sign_in_form(browser: &Client, reference: &str, dob: (&str, &str, &str)) {
    fill_sign_in_form(browser, reference, dob).await;
    press_button(browser, "Continue").await;
}

/// Replaces what is in the input with this id by `value`, typed.
async fn type_into(browser: &Client, id: &str, value: &str) {
    let field = browser
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("no field #{id}: {e}"));
    field.clear().await.expect("clear the field");
    field.send_keys(value).await.expect("type into the field");
}

/// Clicks the visible label of a radio or checkbox, as a person taps the words beside it.
async fn click_label(browser: &Client, input_id: &str) {
    let label = browser
        .find(Locator::Css(&format!("label[for='{input_id}']")))
        .await
        .unwrap_or_else(|e| panic!("no label for #{input_id}: {e}"));
    assert!(
        label.is_displayed().await.expect("label visibility"),
        "the label for #{input_id} is hidden"
    );
    label
        .click()
        .await
        .unwrap_or_else(|e| panic!("click the label for #{input_id}: {e}"));
}

async fn assert_checked(browser: &Client, id: &str) {
    let input = browser
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("no input #{id}: {e}"));
    assert!(
        input.is_selected().await.expect("checked state"),
        "#{id} is not chosen"
    );
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

async fn follow_link(browser: &Client, text: &str) {
    browser
        .find(Locator::LinkText(text))
        .await
        .unwrap_or_else(|e| panic!("no link {text:?}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("follow {text:?}: {e}"));
}

/// Waits for a page whose main heading is `heading`: a form post can answer with a new page
/// at the same address, so the address alone does not show it has arrived.
async fn wait_for_heading(browser: &Client, heading: &str) {
    let started = Instant::now();
    loop {
        let shown = match browser.find(Locator::Css("h1")).await {
            Ok(h1) => h1.text().await.ok(),
            Err(_) => None,
        };
        if shown.as_deref().map(str::trim) == Some(heading) {
            return;
        }
        assert!(
            started.elapsed() < PATIENCE,
            "expected a page headed {heading:?}, the heading is {shown:?}:\n{}",
            page_text(browser).await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
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

/// The terms and values of the plan summary, in order.
async fn summary_list(browser: &Client) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for row in browser
        .find_all(Locator::Css("dl.summary > div"))
        .await
        .expect("the plan summary")
    {
        let term = row.find(Locator::Css("dt")).await.expect("a term");
        let value = row.find(Locator::Css("dd")).await.expect("a value");
        pairs.push((
            term.text().await.expect("term text").trim().to_string(),
            value.text().await.expect("value text").trim().to_string(),
        ));
    }
    pairs
}

fn summary_value<'a>(summary: &'a [(String, String)], term: &str) -> &'a str {
    summary
        .iter()
        .find(|(t, _)| t == term)
        .map(|(_, value)| value.as_str())
        .unwrap_or_else(|| panic!("the summary has no {term:?}: {summary:?}"))
}

/// The amount of every payment in the schedule table, in order.
async fn schedule_amounts(browser: &Client) -> Vec<String> {
    let mut amounts = Vec::new();
    for cell in browser
        .find_all(Locator::Css("table.ledger tbody td.num"))
        .await
        .expect("the payments table")
    {
        amounts.push(cell.text().await.expect("amount text").trim().to_string());
    }
    amounts
}

/// A date as the service writes it, e.g. "Friday 12 December 2026".
fn long_date(date: NaiveDate) -> String {
    date.format("%A %-d %B %Y").to_string()
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
