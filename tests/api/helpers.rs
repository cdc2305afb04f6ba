//! Test harness: `spawn_app()` starts the real application on a free port with its own
//! database, and a client that keeps cookies and does not follow redirects.
#![allow(dead_code)]

use std::sync::Arc;

use chrono::{DateTime, Utc};
use goodterms::config::Settings;
use goodterms::crypto::{KeyedHasher, random_token};
use goodterms::email::mailer::Mailer;
use goodterms::email::outbox::{self, DeliveryReport};
use goodterms::startup::Application;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::{Response, Url};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

pub const MAIL_FROM: &str = "Good Terms <no-reply@goodterms.example>";

/// Where the test's database lives, and how to clean it up afterwards (on drop).
pub enum TestDatabase {
    SqliteFile(std::path::PathBuf),
    Postgres { server: String, name: String },
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match self {
            TestDatabase::SqliteFile(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            TestDatabase::Postgres { server, name } => {
                let (server, name) = (server.clone(), name.clone());
                // Drop runs outside async; use a short-lived runtime on its own thread.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("runtime");
                    rt.block_on(async {
                        if let Ok(admin) = Database::connect(format!("{server}/postgres")).await {
                            let _ = admin
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                                ))
                                .await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// A new empty database: a SQLite file, or a PostgreSQL database when `TEST_DATABASE_URL`
/// is set. Returns its URL and the guard that removes it.
pub async fn fresh_database() -> (String, TestDatabase) {
    let suffix = &random_token()[..16];
    match std::env::var("TEST_DATABASE_URL") {
        Ok(server) if !server.trim().is_empty() => {
            let server = server.trim_end_matches('/').to_string();
            let name = format!("gt_test_{suffix}");
            let admin = Database::connect(format!("{server}/postgres"))
                .await
                .expect("TEST_DATABASE_URL must point at a PostgreSQL server");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            let url = format!("{server}/{name}");
            (url, TestDatabase::Postgres { server, name })
        }
        _ => {
            let path = std::env::temp_dir().join(format!("goodterms-test-{suffix}.db"));
            let url = format!("sqlite://{}?mode=rwc", path.display());
            (url, TestDatabase::SqliteFile(path))
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub db: DatabaseConnection,
    pub mailer: Mailer,
    pub hasher: KeyedHasher,
    pub provider: goodterms::providers::PaymentProvider,
    /// The app's clock: `app.clock.advance(..)` moves the time sessions are judged by.
    pub clock: goodterms::clock::Clock,
    /// Statements the app's pool has run: `queries.total()` before and after a request.
    pub queries: goodterms::db::QueryCounter,
    /// Where `/metrics` is served, when the test set `metrics_bind`.
    pub metrics_port: Option<u16>,
    pub settings: Settings,
    pub jar: Arc<Jar>,
    pub client: reqwest::Client,
    /// Shared by every instance started on the database; dropped with the last of them.
    _database: Arc<TestDatabase>,
}

pub fn test_settings(database_url: String) -> Settings {
    Settings {
        bind: "127.0.0.1:0".to_string(),
        database_url: database_url.into(),
        database_pool_size: None,
        redis_url: None,
        redis_prefix: format!("goodterms-test:{}:", &random_token()[..12]),
        smtp_url: None,
        mail_dir: std::env::temp_dir().join(format!("goodterms-mail-{}", &random_token()[..12])),
        mail_from: MAIL_FROM.to_string(),
        base_url: "http://127.0.0.1".to_string(),
        session_key: (random_token() + &random_token()).into(),
        stripe_secret_key: None,
        stripe_webhook_secret: None,
        stripe_api_base: None,
        // Tests pay through the offline test checkout unless they turn it off.
        test_payments: true,
        run_jobs: false,
        static_dir: concat!(env!("CARGO_MANIFEST_DIR"), "/static").into(),
        trusted_proxies: Vec::new(),
        metrics_bind: None,
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the app with the demo data loaded.
pub async fn spawn_demo_app() -> TestApp {
    let app = spawn_app().await;
    goodterms::services::demo::load(&app.db, &app.hasher, Utc::now())
        .await
        .expect("demo data");
    app
}

pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (database_url, database) = fresh_database().await;
    let mut settings = test_settings(database_url);
    configure(&mut settings);
    start(settings, Arc::new(database), Arc::new(Jar::default())).await
}

/// Runs an app with these settings on `database`, with a client keeping cookies in `jar`.
async fn start(settings: Settings, database: Arc<TestDatabase>, jar: Arc<Jar>) -> TestApp {
    let app = Application::build(settings.clone(), false)
        .await
        .expect("application starts");
    let port = app.port();
    let (db, mailer, hasher) = (app.db.clone(), app.mailer.clone(), app.hasher.clone());
    let provider = app.provider.clone();
    let clock = app.clock.clone();
    let queries = app.queries.clone();
    let metrics_port = app.metrics_port();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        db,
        mailer,
        hasher,
        provider,
        clock,
        queries,
        metrics_port,
        settings,
        client: client_with(jar.clone()),
        jar,
        _database: database,
    }
}

/// The value of a cookie `jar` would send to `address`.
pub fn cookie_in(jar: &Jar, address: &str, name: &str) -> Option<String> {
    let url: Url = address.parse().ok()?;
    let header = jar.cookies(&url)?;
    header.to_str().ok()?.split("; ").find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

/// How long a test client keeps an idle connection: well under the server's 5 s keep-alive,
/// as browsers and proxies do, so a request never goes out on a connection the server is
/// closing at that moment (which fails with "connection closed before message completed").
pub const CLIENT_IDLE: std::time::Duration = std::time::Duration::from_secs(2);

pub fn client_with(jar: Arc<Jar>) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(CLIENT_IDLE)
        .cookie_provider(jar)
        .build()
        .expect("client")
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn get_html(&self, path: &str) -> String {
        self.get(path).await.text().await.expect("body")
    }

    /// The value of a cookie the client holds for this app.
    pub fn cookie(&self, name: &str) -> Option<String> {
        cookie_in(&self.jar, &self.address, name)
    }

    /// The CSRF token a browser would have: fetched from a page first if need be.
    pub async fn csrf_token(&self) -> String {
        if let Some(token) = self.cookie("gt_csrf") {
            return token;
        }
        self.get("/").await;
        self.cookie("gt_csrf")
            .expect("the sign-in page sets a CSRF cookie")
    }

    /// POSTs a form the way a browser would, with the CSRF token included.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let token = self.csrf_token().await;
        let mut body: Vec<(&str, &str)> = fields.to_vec();
        body.push(("csrf_token", &token));
        self.post_raw(path, &body).await
    }

    /// POSTs exactly these fields: no CSRF token is added.
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let body = serde_urlencoded::to_string(fields).expect("form encodes");
        self.client
            .post(self.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("POST")
    }

    pub async fn sign_in_debtor(&self, reference: &str, dob: (&str, &str, &str)) -> Response {
        self.post_form(
            "/signin",
            &[
                ("reference", reference),
                ("dob_day", dob.0),
                ("dob_month", dob.1),
                ("dob_year", dob.2),
            ],
        )
        .await
    }

    pub async fn sign_in_alex(&self) -> Response {
        self.sign_in_debtor("NW-1001", ("12", "4", "1985")).await
    }

    pub async fn sign_in_staff(&self, email: &str, password: &str) -> Response {
        self.post_form("/staff/signin", &[("email", email), ("password", password)])
            .await
    }

    pub async fn deliver_outbox(&self, now: DateTime<Utc>) -> DeliveryReport {
        outbox::deliver_due(&self.db, &self.mailer, MAIL_FROM, now, 100)
            .await
            .expect("outbox pass")
    }

    /// Another instance of this app on its own port: the same database, settings (session
    /// key, Redis prefix) and browser (the cookie jar), as behind a load balancer.
    pub async fn another_instance(&self, configure: impl FnOnce(&mut Settings)) -> TestApp {
        let mut settings = self.settings.clone();
        configure(&mut settings);
        start(settings, self._database.clone(), self.jar.clone()).await
    }

    /// A second browser against the same app, with its own cookies.
    pub fn second_browser(&self) -> (Arc<Jar>, reqwest::Client) {
        let jar = Arc::new(Jar::default());
        (jar.clone(), client_with(jar))
    }
}

pub fn assert_redirect(response: &Response, location: &str) {
    assert_eq!(response.status().as_u16(), 303, "expected a 303 redirect");
    assert_eq!(
        response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some(location)
    );
}

/// The second creditor many tests use: Contoso Water, with one staff member
/// (staff@contoso.example / contoso-password-1). Returns the creditor's id.
pub const CONTOSO_STAFF: (&str, &str) = ("staff@contoso.example", "contoso-password-1");

pub async fn add_contoso(app: &TestApp) -> i32 {
    use goodterms::domain::staff::StaffRole;
    use goodterms::entities::creditor;
    use goodterms::services::admin::create_staff::{self, NewStaff};
    use sea_orm::{ActiveModelTrait, Set};
    let contoso = creditor::ActiveModel {
        name: Set("Contoso Water".to_string()),
        display_name: Set("Contoso Water".to_string()),
        currency: Set("GBP".to_string()),
        time_zone: Set("Europe/London".to_string()),
        contact_email: Set("help@contoso.example".to_string()),
        contact_phone: Set("0300 000 0000".to_string()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("creditor");
    let staff = NewStaff {
        email: CONTOSO_STAFF.0,
        password: CONTOSO_STAFF.1,
        role: StaffRole::Creditor,
        creditor_name: Some("Contoso Water"),
    };
    create_staff::create(&app.db, staff, Utc::now())
        .await
        .expect("staff user");
    contoso.id
}
