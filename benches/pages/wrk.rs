//! Runs Debian's `wrk` and reads its summary: the load generator is wrk, never our own.
use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};

use crate::Settings;

pub fn check_installed() -> anyhow::Result<()> {
    match Command::new("wrk").arg("--version").output() {
        Ok(_) => Ok(()),
        Err(_) => bail!("wrk is not installed: apt-get install -y wrk"),
    }
}

/// What one wrk run measured.
#[derive(Clone, Debug, Default)]
pub struct Measure {
    pub requests: u64,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Answers other than 2xx or 3xx: a measure with any is not trusted.
    pub failed: u64,
}

/// One measure of `url` with `headers`, or with a Lua script that builds each request.
pub fn run(
    settings: &Settings,
    url: &str,
    headers: &[String],
    script: Option<&Path>,
) -> anyhow::Result<Measure> {
    let mut command = Command::new("wrk");
    command
        .arg("-t1")
        .arg(format!("-c{}", settings.connections))
        .arg(format!("-d{}s", settings.seconds))
        .arg("--latency");
    for header in headers {
        command.arg("-H").arg(header);
    }
    if let Some(script) = script {
        command.arg("-s").arg(script);
    }
    let output = command.arg(url).output().context("running wrk")?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!("wrk failed: {text}");
    }
    parse(&text).with_context(|| format!("reading wrk's output:\n{text}"))
}

fn parse(text: &str) -> Option<Measure> {
    let mut measure = Measure::default();
    for line in text.lines().map(str::trim) {
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("Requests/sec:"), Some(rate)) => measure.per_second = rate.parse().ok()?,
            (Some("50.000%" | "50%"), Some(time)) => measure.p50_ms = millis(time)?,
            (Some("99.000%" | "99%"), Some(time)) => measure.p99_ms = millis(time)?,
            (Some("Non-2xx"), _) => measure.failed = line.rsplit(' ').next()?.parse().ok()?,
            (Some(count), Some("requests")) => measure.requests = count.parse().ok()?,
            _ => {}
        }
    }
    (measure.per_second > 0.0).then_some(measure)
}

/// wrk prints times as `812.00us`, `4.52ms` or `1.20s`.
fn millis(time: &str) -> Option<f64> {
    let split = time.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = time.split_at(split);
    let number: f64 = number.parse().ok()?;
    match unit {
        "us" => Some(number / 1000.0),
        "ms" => Some(number),
        "s" => Some(number * 1000.0),
        "m" => Some(number * 60_000.0),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_wrk_summary() {
        let text = "Running 8s test @ http://127.0.0.1:18081/account\n  Latency Distribution\n     50%    4.52ms\n     99%    1.20s\n  95000 requests in 8.00s, 1.00GB read\n  Non-2xx or 3xx responses: 3\nRequests/sec:  11875.50\n";
        let m = super::parse(text).unwrap();
        assert_eq!(m.requests, 95000);
        assert_eq!(m.failed, 3);
        assert!((m.p50_ms - 4.52).abs() < 1e-9 && (m.p99_ms - 1200.0).abs() < 1e-9);
    }
}
