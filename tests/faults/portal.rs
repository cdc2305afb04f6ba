//! The portal as a separate process: `goodterms serve --no-jobs` on a free port, on a given
//! database, pointed at the fake Stripe, optionally with a crash point set.
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use goodterms::providers::stripe::sign_for_tests;

use crate::stripe_fake::{SECRET_KEY, WEBHOOK_SECRET};

/// Generous: a debug build starting and migrating on a busy CI machine.
const START_TIMEOUT: Duration = Duration::from_secs(60);
const POLL: Duration = Duration::from_millis(100);

/// What every start of the portal shares: the database, the session key, the fake Stripe.
pub struct PortalConfig {
    pub database_url: String,
    pub session_key: String,
    pub stripe_api_base: String,
    /// The working directory (mail folder, any core file), removed by the test's guard.
    pub workdir: PathBuf,
}

pub struct Portal {
    child: Child,
    address: String,
    client: reqwest::Client,
}

impl Portal {
    /// Starts the binary and waits until `/healthz` answers. With `crash_point`, the process
    /// aborts when it reaches that point.
    pub async fn start(config: &PortalConfig, crash_point: Option<&str>) -> Self {
        let port = free_port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_goodterms"));
        command
            .args(["serve", "--no-jobs", "--bind", &format!("127.0.0.1:{port}")])
            .current_dir(&config.workdir)
            .env("DATABASE_URL", &config.database_url)
            .env("SESSION_KEY", &config.session_key)
            .env("STRIPE_SECRET_KEY", SECRET_KEY)
            .env("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
            .env("STRIPE_API_BASE", &config.stripe_api_base)
            .env_remove("FAILPOINTS")
            .env_remove("SMTP_URL")
            .env_remove("REDIS_URL")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(name) = crash_point {
            command.env("FAILPOINTS", format!("{name}=return"));
        }
        let child = command.spawn().expect("the goodterms binary starts");
        let mut portal = Self {
            child,
            address: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::new(),
        };
        portal.wait_until_healthy().await;
        portal
    }

    async fn wait_until_healthy(&mut self) {
        let url = format!("{}/healthz", self.address);
        let deadline = tokio::time::Instant::now() + START_TIMEOUT;
        while tokio::time::Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("child status") {
                panic!("the portal exited while starting: {status}");
            }
            if let Ok(response) = self.client.get(&url).send().await
                && response.status().is_success()
            {
                return;
            }
            tokio::time::sleep(POLL).await;
        }
        panic!("the portal did not answer /healthz within {START_TIMEOUT:?}");
    }

    /// Posts a Stripe event signed now, as Stripe does; Err when no answer came back.
    pub async fn deliver(&self, event: &str) -> Result<u16, reqwest::Error> {
        let signature = sign_for_tests(event, WEBHOOK_SECRET, chrono::Utc::now().timestamp());
        let response = self
            .client
            .post(format!("{}/webhooks/stripe", self.address))
            .header("Stripe-Signature", signature)
            .header("content-type", "application/json")
            .body(event.to_string())
            .send()
            .await?;
        Ok(response.status().as_u16())
    }

    /// Waits for the process to end by itself (at its crash point) and returns how it ended.
    pub async fn exit_status(&mut self) -> ExitStatus {
        let deadline = tokio::time::Instant::now() + START_TIMEOUT;
        while tokio::time::Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("child status") {
                return status;
            }
            tokio::time::sleep(POLL).await;
        }
        panic!("the portal was expected to die at its crash point, but it is still running");
    }
}

impl Drop for Portal {
    /// `kill -9`: whatever the test's outcome, no portal outlives it.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nobody listens on right now, for `--bind`.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}
