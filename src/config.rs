//! Typed settings from the environment (and CLI flags). A missing or malformed setting stops
//! start-up with one line naming it; secrets are wrapped so they never reach a log by accident.
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use secrecy::{ExposeSecret, SecretString};

#[derive(Debug, thiserror::Error)]
#[error("setting {name}: {problem}")]
pub struct SettingError {
    pub name: &'static str,
    pub problem: String,
}

impl SettingError {
    fn new(name: &'static str, problem: impl Into<String>) -> Self {
        Self {
            name,
            problem: problem.into(),
        }
    }
}

/// Everything the application needs to start. Tests build one directly.
#[derive(Clone, Debug)]
pub struct Settings {
    pub bind: String,
    pub database_url: SecretString,
    /// Connections this process keeps to the database (`DATABASE_POOL_SIZE`); unset means 8
    /// on SQLite, 16 on PostgreSQL. Several instances share PostgreSQL's connection limit.
    pub database_pool_size: Option<u32>,
    pub redis_url: Option<SecretString>,
    /// Key prefix for Redis sessions, so several deployments (or tests) can share one server.
    pub redis_prefix: String,
    pub smtp_url: Option<SecretString>,
    /// Where emails are written as .eml files when no SMTP server is configured.
    pub mail_dir: PathBuf,
    pub mail_from: String,
    /// Absolute links in email are built from this, never from the Host header.
    pub base_url: String,
    pub session_key: SecretString,
    /// Stripe, when configured. Without it, card payments are offered only when
    /// `test_payments` is on, and then through the offline test checkout.
    pub stripe_secret_key: Option<SecretString>,
    pub stripe_webhook_secret: Option<SecretString>,
    /// Tests point this at a fake Stripe server on loopback.
    pub stripe_api_base: Option<String>,
    /// The offline test checkout ("Succeed" / "Decline", no money moves): only when asked for,
    /// by `GOODTERMS_TEST_PAYMENTS=1` or `serve --demo`, so a production instance started
    /// without a Stripe key never books pretend card payments.
    pub test_payments: bool,
    /// Run the outbox worker and other scheduled work inside `serve`.
    pub run_jobs: bool,
    /// The folder the stylesheet, script and icons are served from.
    pub static_dir: PathBuf,
    /// Proxies (load balancers) whose X-Forwarded-For is believed; empty: none is.
    pub trusted_proxies: Vec<IpNet>,
    /// Where `/metrics` is served (`--metrics-bind`, env `METRICS_BIND`); None: nowhere. A
    /// private address: the figures tell an outsider how busy the portal is.
    pub metrics_bind: Option<String>,
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://goodterms.db?mode=rwc";
const KEY_FILE: &str = "goodterms-secret.key";
const MIN_SESSION_KEY_LEN: usize = 64;

impl Settings {
    /// Reads the environment. `bind` comes from the CLI (which itself reads `GOODTERMS_BIND`).
    pub fn from_env(bind: String) -> Result<Self, SettingError> {
        let database_url = env_or("DATABASE_URL", DEFAULT_DATABASE_URL);
        check_database_url(&database_url)?;
        let redis_url = optional_env("REDIS_URL");
        if let Some(url) = &redis_url {
            check_scheme("REDIS_URL", url, &["redis://", "rediss://"])?;
        }
        let smtp_url = optional_env("SMTP_URL");
        if let Some(url) = &smtp_url {
            check_scheme("SMTP_URL", url, &["smtp://", "smtps://"])?;
        }
        let base_url = env_or("GOODTERMS_BASE_URL", &format!("http://{bind}"));
        check_scheme("GOODTERMS_BASE_URL", &base_url, &["http://", "https://"])?;
        Ok(Self {
            bind,
            database_url: database_url.into(),
            database_pool_size: optional_env("DATABASE_POOL_SIZE")
                .map(|v| pool_size(&v))
                .transpose()?,
            redis_url: redis_url.map(Into::into),
            redis_prefix: env_or("GOODTERMS_REDIS_PREFIX", "goodterms:session:"),
            smtp_url: smtp_url.map(Into::into),
            mail_dir: PathBuf::from(env_or("GOODTERMS_MAIL_DIR", "goodterms-mail")),
            mail_from: env_or(
                "GOODTERMS_MAIL_FROM",
                "Good Terms <no-reply@goodterms.example>",
            ),
            base_url: base_url.trim_end_matches('/').to_string(),
            session_key: session_key()?,
            stripe_secret_key: optional_env("STRIPE_SECRET_KEY").map(Into::into),
            stripe_webhook_secret: optional_env("STRIPE_WEBHOOK_SECRET").map(Into::into),
            stripe_api_base: stripe_api_base()?,
            test_payments: test_payments()?,
            run_jobs: true,
            static_dir: static_dir()?,
            trusted_proxies: trusted_proxies(&env_or("GOODTERMS_TRUSTED_PROXIES", ""))?,
            // Like `bind`, from the CLI (which reads `METRICS_BIND`).
            metrics_bind: None,
        })
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.expose_secret().starts_with("sqlite:")
    }

    /// Cookies get the Secure flag when the site is served over https.
    pub fn secure_cookies(&self) -> bool {
        self.base_url.starts_with("https://")
    }
}

/// `GOODTERMS_STATIC_DIR`, else `static` in the working directory, else the `static` folder
/// of the source tree the binary was built from (so `cargo run` works from any folder). A
/// folder without the stylesheet stops start-up rather than serving unstyled pages.
fn static_dir() -> Result<PathBuf, SettingError> {
    let dir = match optional_env("GOODTERMS_STATIC_DIR") {
        Some(dir) => PathBuf::from(dir),
        None if Path::new("static").is_dir() => PathBuf::from("static"),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/static")),
    };
    if dir.join("site.css").is_file() {
        Ok(dir)
    } else {
        Err(SettingError::new(
            "GOODTERMS_STATIC_DIR",
            format!("{} has no site.css", dir.display()),
        ))
    }
}

/// `GOODTERMS_TEST_PAYMENTS`: `1` turns the offline test checkout on, `0` or unset leaves it
/// off; anything else is a mistake worth stopping for.
fn test_payments() -> Result<bool, SettingError> {
    match optional_env("GOODTERMS_TEST_PAYMENTS")
        .as_deref()
        .map(str::trim)
    {
        None | Some("0") => Ok(false),
        Some("1") => Ok(true),
        Some(_) => Err(SettingError::new(
            "GOODTERMS_TEST_PAYMENTS",
            "must be 1 (test payments on) or 0",
        )),
    }
}

/// `GOODTERMS_TRUSTED_PROXIES`: comma-separated CIDRs ("10.0.0.0/8, 192.0.2.7"); a bare
/// address means just that address.
pub fn trusted_proxies(value: &str) -> Result<Vec<IpNet>, SettingError> {
    value
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.parse::<IpNet>()
                .or_else(|_| part.parse::<std::net::IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    SettingError::new(
                        "GOODTERMS_TRUSTED_PROXIES",
                        format!("{part} is not an address or CIDR range"),
                    )
                })
        })
        .collect()
}

/// The most connections one process may keep open.
const MAX_POOL_SIZE: u32 = 500;

/// `DATABASE_POOL_SIZE`: a whole number from 1 to 500.
pub fn pool_size(value: &str) -> Result<u32, SettingError> {
    value
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=MAX_POOL_SIZE).contains(n))
        .ok_or_else(|| {
            SettingError::new(
                "DATABASE_POOL_SIZE",
                format!("{value} is not a whole number from 1 to {MAX_POOL_SIZE}"),
            )
        })
}

fn stripe_api_base() -> Result<Option<String>, SettingError> {
    let base = optional_env("STRIPE_API_BASE");
    if let Some(url) = &base {
        check_scheme("STRIPE_API_BASE", url, &["http://", "https://"])?;
    }
    Ok(base)
}

fn optional_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn env_or(name: &str, default: &str) -> String {
    optional_env(name).unwrap_or_else(|| default.to_string())
}

fn check_scheme(name: &'static str, value: &str, schemes: &[&str]) -> Result<(), SettingError> {
    if schemes.iter().any(|s| value.starts_with(s)) {
        Ok(())
    } else {
        Err(SettingError::new(
            name,
            format!("must start with {}", schemes.join(" or ")),
        ))
    }
}

fn check_database_url(url: &str) -> Result<(), SettingError> {
    check_scheme(
        "DATABASE_URL",
        url,
        &["sqlite:", "postgres://", "postgresql://"],
    )
}

/// `SESSION_KEY` from the environment; on the embedded default a random key is kept in a file
/// in the working directory so that sessions and date-of-birth hashes survive restarts.
fn session_key() -> Result<SecretString, SettingError> {
    if let Some(key) = optional_env("SESSION_KEY") {
        return validate_session_key(key);
    }
    match std::fs::read_to_string(KEY_FILE) {
        Ok(key) => validate_session_key(key.trim().to_string()),
        Err(_) => {
            let key = crate::crypto::random_token() + &crate::crypto::random_token();
            write_private_file(KEY_FILE, &key)
                .map_err(|e| SettingError::new("SESSION_KEY", format!("not set, and {e}")))?;
            Ok(key.into())
        }
    }
}

fn validate_session_key(key: String) -> Result<SecretString, SettingError> {
    if key.len() < MIN_SESSION_KEY_LEN {
        return Err(SettingError::new(
            "SESSION_KEY",
            format!("must be at least {MIN_SESSION_KEY_LEN} characters"),
        ));
    }
    Ok(key.into())
}

fn write_private_file(path: &str, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    options.open(path)?.write_all(contents.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trusted_proxies_read_ranges_and_single_addresses() {
        let nets = trusted_proxies(" 10.0.0.0/8, 192.0.2.7 ,::1").unwrap();
        assert_eq!(nets.len(), 3);
        assert!(nets[1].contains(&"192.0.2.7".parse::<std::net::IpAddr>().unwrap()));
        assert!(trusted_proxies("").unwrap().is_empty());
        let error = trusted_proxies("10.0.0.0/33").unwrap_err();
        assert_eq!(error.name, "GOODTERMS_TRUSTED_PROXIES");
    }

    #[test]
    fn a_pool_size_is_a_whole_number_from_one_to_five_hundred() {
        assert_eq!(pool_size(" 4 ").unwrap(), 4);
        assert_eq!(pool_size("500").unwrap(), 500);
        for bad in ["0", "501", "-1", "four", "2.5"] {
            assert_eq!(pool_size(bad).unwrap_err().name, "DATABASE_POOL_SIZE");
        }
    }
}
