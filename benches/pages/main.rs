//! The page-speed benchmark (`cargo bench --bench pages`): builds the release server, loads
//! 100,000 demo accounts into a fresh SQLite file, signs in as the demo debtor and drives the
//! balance page, the plan preview and `/healthz` with `wrk` (Debian's `wrk`) at 64
//! connections, then prints requests a second, p50/p99, queries per request and the budgets'
//! ratios. When the reference page (`../shared/perfanchor`, built as its README says) is
//! found, it is measured in the same run first, so the ratio compares like with like.
//!
//! Settings (environment): `BENCH_ACCOUNTS` (100000), `BENCH_SECONDS` per measure (8),
//! `PERFANCHOR_BIN` (default `$HOME/.cache/perfanchor-target/release/perfanchor`).
mod anchor;
mod portal;
mod report;
mod wrk;

use std::path::PathBuf;

use report::Report;

fn main() -> anyhow::Result<()> {
    // `cargo bench` passes `--bench`; a filter or other flags are not used here.
    wrk::check_installed()?;
    let settings = Settings::from_env();
    let scratch = scratch_dir()?;
    let mut report = Report {
        anchor: anchor::measure(&settings, &scratch)?,
        ..Report::default()
    };
    portal::measure(&settings, &scratch, &mut report)?;
    report.print(&settings);
    std::fs::remove_dir_all(&scratch).ok();
    Ok(())
}

#[derive(Clone, Copy)]
pub struct Settings {
    pub accounts: u64,
    pub seconds: u32,
    pub connections: u32,
}

impl Settings {
    fn from_env() -> Self {
        let number = |name: &str, default: u64| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        Self {
            accounts: number("BENCH_ACCOUNTS", 100_000),
            seconds: u32::try_from(number("BENCH_SECONDS", 8)).unwrap_or(8),
            connections: 64,
        }
    }
}

fn scratch_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("goodterms-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
