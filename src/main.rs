//! The `goodterms` command: serve the portal, run the scheduled work, migrate, load demo
//! data, manage staff.
use std::io::Read;

use anyhow::Context;
use chrono::Utc;
use clap::{Args, Parser, Subcommand, ValueEnum};
use goodterms::config::Settings;
use goodterms::domain::staff::StaffRole;
use goodterms::services::admin::create_staff::{self, NewStaff};
use goodterms::startup::{self, Application};
use goodterms::web::metrics::MetricsListener;
use goodterms::{crypto::KeyedHasher, db, services, telemetry};
use secrecy::ExposeSecret;

/// jemalloc serves a busy page's many small allocations with less contention between worker
/// threads than glibc's malloc (measured in README, "Performance").
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Parser)]
#[command(
    name = "goodterms",
    about = "Good Terms: a kind, self-service debtor portal"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web portal (and its scheduled jobs) until SIGTERM or Ctrl-C.
    Serve {
        #[arg(long, env = "GOODTERMS_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
        /// Load the demo creditor, debtors and staff (safe to repeat).
        #[arg(long)]
        demo: bool,
        /// Serve the web only; a separate `goodterms worker` runs the scheduled jobs.
        #[arg(long)]
        no_jobs: bool,
        #[command(flatten)]
        metrics: MetricsBind,
    },
    /// Run only the scheduled jobs (email, payments, plan lifecycle), with no web listener,
    /// until SIGTERM or Ctrl-C.
    Worker {
        /// Run every job that is due now once, then exit (non-zero if one failed).
        #[arg(long)]
        once: bool,
        #[command(flatten)]
        metrics: MetricsBind,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Add realistic accounts with months of history (plans in every state) to the demo creditor.
    Demo {
        #[arg(long, default_value_t = 0)]
        accounts: u64,
    },
    /// Create a staff user. The password is read from GOODTERMS_STAFF_PASSWORD or stdin.
    CreateStaff {
        #[arg(long)]
        email: String,
        #[arg(long, value_enum)]
        role: Role,
        /// The creditor's name, for creditor staff.
        #[arg(long)]
        creditor: Option<String>,
    },
}

#[derive(Args)]
struct MetricsBind {
    /// Serve Prometheus metrics at /metrics on this ADDR:PORT. Keep it private (loopback or an
    /// internal network): unset, no metrics listener is opened.
    #[arg(long, env = "METRICS_BIND", value_name = "ADDR:PORT")]
    metrics_bind: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Role {
    Admin,
    Creditor,
}

#[tokio::main]
async fn main() {
    let _crash_points = goodterms::faults::crash_points_from_env();
    if let Err(error) = run(Cli::parse()).await {
        eprintln!("goodterms: {error:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    telemetry::init();
    let bind = match &cli.command {
        Command::Serve { bind, .. } => bind.clone(),
        _ => "127.0.0.1:8080".to_string(),
    };
    let mut settings = Settings::from_env(bind)?;
    match cli.command {
        Command::Serve {
            demo,
            no_jobs,
            metrics,
            ..
        } => {
            settings.run_jobs = !no_jobs;
            settings.metrics_bind = metrics.metrics_bind;
            let app = Application::build(settings, demo).await?;
            tracing::info!(port = app.port(), "Good Terms is listening");
            app.run_until(startup::shutdown_signal()).await?;
        }
        Command::Worker { once, metrics } => {
            settings.metrics_bind = metrics.metrics_bind;
            let jobs = startup::worker(&settings).await?;
            let metrics = startup::metrics_listener(&settings)?.map(MetricsListener::spawn);
            let ran = if once {
                jobs.run_once(Utc::now()).await
            } else {
                tracing::info!("Good Terms worker is running");
                let running = jobs.start();
                startup::shutdown_signal().await;
                tracing::info!("shutting down");
                running.stop().await;
                true
            };
            if let Some(metrics) = metrics {
                metrics.stop(true).await;
            }
            anyhow::ensure!(ran, "a scheduled job failed");
        }
        Command::Migrate => {
            let conn = db::connect(settings.database_url.expose_secret()).await?;
            db::migrate(&conn).await?;
            println!("migrations applied");
        }
        Command::Demo { accounts } => {
            let conn = db::connect(settings.database_url.expose_secret()).await?;
            db::migrate(&conn).await?;
            let hasher = KeyedHasher::derive(settings.session_key.expose_secret());
            services::demo::load(&conn, &hasher, Utc::now()).await?;
            let added = services::demo::add_synthetic(&conn, &hasher, accounts, Utc::now()).await?;
            println!("demo data loaded; {added} synthetic accounts added");
        }
        Command::CreateStaff {
            email,
            role,
            creditor,
        } => {
            let conn = db::connect(settings.database_url.expose_secret()).await?;
            db::migrate(&conn).await?;
            let password = read_password()?;
            let role = match role {
                Role::Admin => StaffRole::Admin,
                Role::Creditor => StaffRole::Creditor,
            };
            let new = NewStaff {
                email: &email,
                password: &password,
                role,
                creditor_name: creditor.as_deref(),
            };
            let id = create_staff::create(&conn, new, Utc::now()).await?;
            println!("staff user {id} created");
        }
    }
    Ok(())
}

fn read_password() -> anyhow::Result<String> {
    if let Ok(password) = std::env::var("GOODTERMS_STAFF_PASSWORD") {
        return Ok(password);
    }
    let mut password = String::new();
    std::io::stdin()
        .read_to_string(&mut password)
        .context("reading the password from stdin")?;
    Ok(password.trim_end_matches(['\r', '\n']).to_string())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
