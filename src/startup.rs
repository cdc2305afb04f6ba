//! Builds the application from settings. Binding to port 0 gives a free port, which tests use
//! to run many apps side by side; `port()` reports it.
use std::net::TcpListener;
use std::time::Duration;

use actix_session::SessionMiddleware;
use actix_session::config::{BrowserSession, TtlExtensionPolicy};
use actix_session::storage::RedisSessionStore;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::Server;
use actix_web::middleware::{Condition, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use chrono::Utc;
use sea_orm::DatabaseConnection;
use secrecy::ExposeSecret;
use tracing_actix_web::TracingLogger;

use crate::clock::Clock;
use crate::config::Settings;
use crate::crypto::KeyedHasher;
use crate::email::mailer::Mailer;
use crate::providers::PaymentProvider;
use crate::providers::offline::OfflineProvider;
use crate::providers::stripe::StripeProvider;
use crate::telemetry::RedactedRootSpan;
use crate::web::csrf::CsrfSettings;
use crate::web::flood::PostLimiter;
use crate::web::metrics::MetricsListener;
use crate::web::session_store::AppSessionStore;
use crate::{db, jobs, meters, services, web as routes};

/// Debtors and staff are signed out after this long without a request.
pub const IDLE_TIMEOUT_MINUTES: i64 = 30;
/// How long requests in flight get to finish on shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);
/// A person fills in a form every few seconds at most; this only stops floods.
const POSTS_PER_MINUTE_PER_ADDRESS: u32 = 120;

pub struct Application {
    port: u16,
    server: Server,
    /// The scheduled work, when this instance runs it.
    jobs: Option<jobs::Running>,
    /// The private `/metrics` listener, when METRICS_BIND asks for one.
    metrics: Option<MetricsListener>,
    pub db: DatabaseConnection,
    pub mailer: Mailer,
    pub hasher: KeyedHasher,
    pub provider: PaymentProvider,
    /// The clock sessions are timed by; tests move it forward.
    pub clock: Clock,
    /// Statements this instance's pool has run.
    pub queries: db::QueryCounter,
}

impl Application {
    /// Connects and migrates the database, optionally loads demo data, binds the listener.
    /// `demo` also turns test payments on.
    pub async fn build(mut settings: Settings, demo: bool) -> anyhow::Result<Self> {
        settings.test_payments |= demo;
        let (db, queries) = open_counted_database(&settings).await?;
        let reads = db::ReadDb::open(
            settings.database_url.expose_secret(),
            &db,
            &queries,
            &services::care::holds::COMPUTED_COLUMNS,
        )
        .context("could not open the database for reading (DATABASE_URL)")?;
        let hasher = KeyedHasher::derive(settings.session_key.expose_secret());
        if demo {
            services::demo::load(&db, &hasher, Utc::now())
                .await
                .context("loading demo data failed")?;
            services::demo::add_living_portfolio(&db, &hasher, Utc::now())
                .await
                .context("adding the demo portfolio failed")?;
        }
        let mailer = mailer(&settings)?;
        let sessions = session_store(&settings, &db, &reads).await?;
        let provider = payment_provider(&settings);
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("could not listen on {}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let metrics = metrics_listener(&settings)?;
        let jobs = settings.run_jobs.then(|| {
            scheduled_work(&settings, db.clone(), mailer.clone(), provider.clone()).start()
        });
        let clock = Clock::default();
        let shared = Shared {
            db: db.clone(),
            reads,
            hasher: hasher.clone(),
            provider: provider.clone(),
            sessions,
            clock: clock.clone(),
        };
        let server = run(listener, &settings, shared)?;
        Ok(Self {
            port,
            server,
            jobs,
            metrics,
            db,
            mailer,
            hasher,
            provider,
            clock,
            queries,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port `/metrics` is served on; None when METRICS_BIND is not set.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(MetricsListener::port)
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(std::future::pending()).await
    }

    /// Serves until `shutdown` completes, then stops gracefully: no new connections,
    /// requests in flight get up to `SHUTDOWN_GRACE` to finish, the job passes in progress
    /// finish and unsent outbox claims are released.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
        let handle = self.server.handle();
        let server = tokio::spawn(self.server);
        let metrics = self.metrics.map(MetricsListener::spawn);
        shutdown.await;
        tracing::info!("shutting down");
        handle.stop(true).await;
        if let Some(metrics) = metrics {
            metrics.stop(true).await;
        }
        let served = server.await.map_err(std::io::Error::other)?;
        if let Some(jobs) = self.jobs {
            jobs.stop().await;
        }
        served
    }
}

/// The scheduled work alone, for `goodterms worker`: the database, mailer and payment
/// provider as `serve` would set them up, and no HTTP listener.
pub async fn worker(settings: &Settings) -> anyhow::Result<jobs::Jobs> {
    let db = open_database(settings).await?;
    let mailer = mailer(settings)?;
    let provider = payment_provider(settings);
    Ok(scheduled_work(settings, db, mailer, provider))
}

fn scheduled_work(
    settings: &Settings,
    db: DatabaseConnection,
    mailer: Mailer,
    provider: PaymentProvider,
) -> jobs::Jobs {
    jobs::Jobs {
        db,
        mailer,
        from: settings.mail_from.clone(),
        provider,
        base_url: settings.base_url.clone(),
        hasher: KeyedHasher::derive(settings.session_key.expose_secret()),
    }
}

/// The private `/metrics` listener when METRICS_BIND is set (for `serve` and `worker`),
/// installing the process's metrics recorder on first use.
pub fn metrics_listener(settings: &Settings) -> anyhow::Result<Option<MetricsListener>> {
    let Some(bind) = &settings.metrics_bind else {
        return Ok(None);
    };
    let handle = meters::install()?;
    let listener = TcpListener::bind(bind)
        .with_context(|| format!("could not listen on {bind} (METRICS_BIND)"))?;
    let address = listener.local_addr()?;
    if address.ip().is_loopback() {
        tracing::info!(%address, "metrics are served at /metrics");
    } else {
        tracing::warn!(
            %address,
            "metrics are served at /metrics on a non-loopback address: keep it private (firewall or internal network)"
        );
    }
    Ok(Some(MetricsListener::bind(listener, handle)?))
}

/// Resolves on SIGTERM (what service managers and container runtimes send) or Ctrl-C.
pub async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut terminate) => {
            tokio::select! {
                _ = terminate.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        Err(error) => {
            tracing::warn!(error = %error, "cannot listen for SIGTERM; only Ctrl-C stops");
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

async fn open_database(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    Ok(open_counted_database(settings).await?.0)
}

/// The pool with its statement counter attached before any request runs.
async fn open_counted_database(
    settings: &Settings,
) -> anyhow::Result<(DatabaseConnection, db::QueryCounter)> {
    let mut db = db::connect_pool(
        settings.database_url.expose_secret(),
        settings.database_pool_size,
    )
    .await
    .context("could not open the database (DATABASE_URL)")?;
    db::migrate(&db)
        .await
        .context("database migration failed")?;
    let queries = db::QueryCounter::attach(&mut db);
    Ok((db, queries))
}

fn mailer(settings: &Settings) -> anyhow::Result<Mailer> {
    Ok(match &settings.smtp_url {
        Some(url) => Mailer::smtp(url.expose_secret()).context("SMTP_URL is not valid")?,
        None => Mailer::files(&settings.mail_dir).context("mail folder")?,
    })
}

async fn session_store(
    settings: &Settings,
    db: &DatabaseConnection,
    reads: &db::ReadDb,
) -> anyhow::Result<AppSessionStore> {
    Ok(match &settings.redis_url {
        Some(url) => {
            let prefix = settings.redis_prefix.clone();
            let store = RedisSessionStore::builder(url.expose_secret().to_string())
                .cache_keygen(move |key| format!("{prefix}{key}"))
                .build()
                .await
                .context("could not connect to Redis (REDIS_URL)")?;
            AppSessionStore::redis(store)
        }
        None => AppSessionStore::database(db.clone(), reads.clone()),
    })
}

/// Stripe when a secret key is configured; the offline test provider only when test payments
/// were asked for; otherwise no card payments. The start-up log says which, and why.
fn payment_provider(settings: &Settings) -> PaymentProvider {
    match (&settings.stripe_secret_key, settings.test_payments) {
        (Some(key), test_payments) => {
            if test_payments {
                tracing::warn!(
                    "card payments go to Stripe: STRIPE_SECRET_KEY is set, so test payments stay off"
                );
            } else {
                tracing::info!("card payments go to Stripe");
            }
            PaymentProvider::Stripe(StripeProvider::new(
                key.expose_secret(),
                settings.stripe_api_base.as_deref(),
            ))
        }
        (None, true) => {
            tracing::warn!(
                "test payments are on (--demo or GOODTERMS_TEST_PAYMENTS=1): card payments go to the offline test checkout and no money moves"
            );
            PaymentProvider::Offline(OfflineProvider)
        }
        (None, false) => {
            tracing::warn!(
                "card payments are not offered: STRIPE_SECRET_KEY is not set and test payments are off (GOODTERMS_TEST_PAYMENTS=1 or --demo turns on the offline test checkout)"
            );
            PaymentProvider::NotConfigured
        }
    }
}

/// What every worker shares.
struct Shared {
    db: DatabaseConnection,
    /// The same database for pages that only read (on SQLite, without a thread hand-off).
    reads: db::ReadDb,
    hasher: KeyedHasher,
    provider: PaymentProvider,
    sessions: AppSessionStore,
    clock: Clock,
}

fn run(listener: TcpListener, settings: &Settings, shared: Shared) -> anyhow::Result<Server> {
    let cookie_key = Key::derive_from(settings.session_key.expose_secret().as_bytes());
    let secure = settings.secure_cookies();
    let settings = web::Data::new(settings.clone());
    let db = web::Data::new(shared.db);
    let reads = web::Data::new(shared.reads);
    let hasher = web::Data::new(shared.hasher);
    let provider = web::Data::new(shared.provider);
    let sessions = shared.sessions;
    let clock = web::Data::new(shared.clock);
    let csrf_settings = web::Data::new(CsrfSettings {
        secure,
        exempt_paths: routes::CSRF_EXEMPT_PATHS,
        exempt_prefixes: routes::CSRF_EXEMPT_PREFIXES,
    });
    let post_limiter = web::Data::new(PostLimiter::new(POSTS_PER_MINUTE_PER_ADDRESS));
    let record_requests = settings.metrics_bind.is_some();
    let one_snapshot = reads.shares_a_snapshot_per_request();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(db.clone())
            .app_data(reads.clone())
            .app_data(hasher.clone())
            .app_data(provider.clone())
            .app_data(clock.clone())
            .app_data(settings.clone())
            .app_data(csrf_settings.clone())
            .app_data(post_limiter.clone())
            .configure(routes::assets::routes(settings.static_dir.clone()))
            .configure(routes::routes)
            .wrap(from_fn(routes::csrf::guard))
            .wrap(from_fn(routes::edges::guard_bodies))
            .wrap(from_fn(routes::flood::limit_posts))
            .wrap(from_fn(routes::auth::not_found_way_back))
            .wrap(session_middleware(
                sessions.clone(),
                cookie_key.clone(),
                secure,
            ))
            // Outside the session middleware, so the session is read in the same snapshot.
            .wrap(Condition::new(
                one_snapshot,
                from_fn(db::one_snapshot_per_request),
            ))
            .wrap(from_fn(routes::session_errors::store_unavailable))
            .wrap(from_fn(routes::panics::catch_panics))
            .wrap(TracingLogger::<RedactedRootSpan>::new())
            .wrap(routes::security::headers(secure))
            .wrap(Condition::new(
                record_requests,
                from_fn(routes::metrics::record_requests),
            ))
    })
    // A client must send its request head promptly (the body's deadline is in web::edges),
    // and idle kept-alive connections are closed, so slow clients cannot hold connections.
    .client_request_timeout(Duration::from_secs(5))
    .client_disconnect_timeout(Duration::from_secs(1))
    .keep_alive(Duration::from_secs(5))
    // `run_until` stops the server on SIGTERM itself, after which the jobs are stopped too.
    .disable_signals()
    .shutdown_timeout(SHUTDOWN_GRACE.as_secs())
    .listen(listener)?
    .run();
    Ok(server)
}

fn session_middleware(
    store: AppSessionStore,
    key: Key,
    secure: bool,
) -> SessionMiddleware<AppSessionStore> {
    SessionMiddleware::builder(store, key)
        .cookie_name("gt_session".to_string())
        .cookie_http_only(true)
        // Lax, not Strict: a person who follows a link from their email arrives signed in.
        .cookie_same_site(SameSite::Lax)
        .cookie_secure(secure)
        .session_lifecycle(
            BrowserSession::default()
                .state_ttl(actix_web::cookie::time::Duration::minutes(
                    IDLE_TIMEOUT_MINUTES,
                ))
                // Requests push the idle timeout back (the store writes it at most once a
                // minute per session).
                .state_ttl_extension_policy(TtlExtensionPolicy::OnEveryRequest),
        )
        .build()
}
