//! The database unavailable for a while: SQLite locked by another connection holding its
//! write lock, or PostgreSQL cut off (a TCP proxy between the app and the shared server is
//! cut, so the server itself is never stopped). While it lasts, what cannot be done answers
//! 503 with Retry-After and applies nothing; once it is back, the app recovers by itself.
use chrono::Utc;
use goodterms::entities::payment_attempt;
use reqwest::Response;
use sea_orm::{
    Database, DatabaseConnection, DatabaseTransaction, EntityTrait, PaginatorTrait,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

use crate::helpers::{TestApp, spawn_app_with};
use crate::payments::account_id;
use crate::tcp_proxy::TcpProxy;

/// Requests sent together while the database is away.
const PEOPLE_AT_ONCE: usize = 6;

/// How the database is taken away for this run of the suite.
enum Outage {
    /// A second connection to the SQLite file, and its exclusive transaction while it lasts.
    SqliteLock {
        holder: DatabaseConnection,
        lock: Option<DatabaseTransaction>,
    },
    /// The proxy the app reaches PostgreSQL through.
    PostgresCut(TcpProxy),
}

impl Outage {
    async fn begin(&mut self) {
        match self {
            Self::SqliteLock { holder, lock } => {
                let exclusive = TransactionOptions {
                    sqlite_transaction_mode: Some(SqliteTransactionMode::Exclusive),
                    ..Default::default()
                };
                *lock = Some(holder.begin_with_options(exclusive).await.expect("lock"));
            }
            Self::PostgresCut(proxy) => proxy.cut(),
        }
    }

    async fn end(&mut self) {
        match self {
            Self::SqliteLock { lock, .. } => {
                if let Some(lock) = lock.take() {
                    lock.rollback().await.expect("unlock");
                }
            }
            Self::PostgresCut(proxy) => proxy.restore(),
        }
    }

    /// Reads go on while SQLite is locked for writing (WAL); nothing goes through a cut.
    fn reads_still_work(&self) -> bool {
        matches!(self, Self::SqliteLock { .. })
    }
}

/// The demo app, on PostgreSQL through a proxy when `TEST_DATABASE_URL` is set, with Alex
/// signed in.
async fn demo_app_and_outage() -> (TestApp, Outage) {
    let postgres = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty());
    let (app, outage) = match postgres {
        Some(server) => {
            let server: reqwest::Url = server.parse().expect("TEST_DATABASE_URL is a URL");
            let upstream = format!(
                "{}:{}",
                server.host_str().unwrap_or("127.0.0.1"),
                server.port().unwrap_or(5432)
            );
            let proxy = TcpProxy::start(upstream).await;
            let port = proxy.port();
            let app = spawn_app_with(|settings| {
                settings.database_url = through_proxy(&settings.database_url, port).into();
            })
            .await;
            (app, Outage::PostgresCut(proxy))
        }
        None => {
            let app = spawn_app_with(|_| {}).await;
            let url = secrecy::ExposeSecret::expose_secret(&app.settings.database_url).to_string();
            let holder = Database::connect(url).await.expect("second connection");
            let outage = Outage::SqliteLock { holder, lock: None };
            (app, outage)
        }
    };
    goodterms::services::demo::load(&app.db, &app.hasher, Utc::now())
        .await
        .expect("demo data");
    assert_eq!(app.sign_in_alex().await.status().as_u16(), 303);
    (app, outage)
}

/// The same database URL with the proxy's port in place of the server's.
fn through_proxy(database_url: &secrecy::SecretString, port: u16) -> String {
    let mut url: reqwest::Url = secrecy::ExposeSecret::expose_secret(database_url)
        .parse()
        .expect("database URL");
    url.set_port(Some(port)).expect("a URL with a port");
    url.to_string()
}

fn assert_unavailable(response: &Response, what: &str) {
    assert_eq!(response.status().as_u16(), 503, "{what}");
    let retry_after = response.headers().get("retry-after");
    assert!(retry_after.is_some(), "{what}: 503 without Retry-After");
}

async fn attempts(app: &TestApp) -> u64 {
    payment_attempt::Entity::find()
        .count(&app.db)
        .await
        .expect("count attempts")
}

#[tokio::test]
async fn a_post_while_the_database_is_unavailable_gets_503_applies_nothing_and_works_after() {
    let (app, mut outage) = demo_app_and_outage().await;
    let pay = format!("/account/{}/pay", account_id(&app, "NW-1001").await);
    let before = attempts(&app).await;

    outage.begin().await;
    let response = app.post_form(&pay, &[("choice", "full")]).await;
    assert_unavailable(&response, "starting a payment");
    let page = response.text().await.expect("body");
    assert!(
        page.contains("Please wait a few seconds and try again"),
        "{page}"
    );
    outage.end().await;

    assert_eq!(attempts(&app).await, before, "nothing half-applied");
    let again = app.post_form(&pay, &[("choice", "full")]).await;
    assert_eq!(again.status().as_u16(), 303, "recovered by itself");
    assert_eq!(attempts(&app).await, before + 1);
}

#[tokio::test]
async fn pages_and_readiness_say_503_while_the_database_is_unreachable_and_recover() {
    let (app, mut outage) = demo_app_and_outage().await;

    outage.begin().await;
    // Several people at once, as under load.
    let people = (0..PEOPLE_AT_ONCE).map(|_| app.get("/account"));
    let pages = futures_util::future::join_all(people).await;
    let ready = app.get("/readyz").await;
    for page in &pages {
        if outage.reads_still_work() {
            assert_eq!(
                page.status().as_u16(),
                200,
                "reads go on under a write lock"
            );
        } else {
            assert_unavailable(page, "the balance page");
        }
    }
    if outage.reads_still_work() {
        assert_eq!(ready.status().as_u16(), 200);
    } else {
        assert_unavailable(&ready, "/readyz");
    }
    // As a load balancer asks: without the person's session cookie.
    let alive = reqwest::get(app.url("/healthz"))
        .await
        .expect("GET /healthz");
    assert_eq!(alive.status().as_u16(), 200, "still alive");
    outage.end().await;

    assert_eq!(app.get("/account").await.status().as_u16(), 200);
    assert_eq!(app.get("/readyz").await.status().as_u16(), 200);
}
