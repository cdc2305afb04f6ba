//! The figures, and each budget from issue 12 marked met or missed.
use crate::Settings;
use crate::wrk::Measure;

#[derive(Default)]
pub struct Report {
    pub anchor: Option<Measure>,
    pub balance: Measure,
    pub balance_queries: Option<f64>,
    pub preview: Measure,
    pub preview_queries: Option<f64>,
    pub healthz: Measure,
    pub seed_seconds: f64,
    pub idle_rss_mb: Option<f64>,
    pub loaded_rss_mb: Option<f64>,
}

const BALANCE_TO_REFERENCE: f64 = 0.8;
const BALANCE_TO_HEALTHZ: f64 = 0.15;
const P99_MS: f64 = 25.0;
const QUERIES: f64 = 4.0;
const IDLE_MB: f64 = 100.0;

impl Report {
    pub fn print(&self, settings: &Settings) {
        println!();
        println!(
            "Good Terms pages: {} accounts on SQLite, wrk -t1 -c{} -d{}s, one run",
            settings.accounts, settings.connections, settings.seconds
        );
        println!(
            "{:<34} {:>10} {:>9} {:>9} {:>12} {:>8}",
            "measure", "req/s", "p50 ms", "p99 ms", "queries/req", "non-2xx"
        );
        if let Some(anchor) = &self.anchor {
            row("reference page (perfanchor)", anchor, Some(2.0));
        }
        row(
            "balance page  GET /account",
            &self.balance,
            self.balance_queries,
        );
        row(
            "plan preview  POST …/installments",
            &self.preview,
            self.preview_queries,
        );
        row("GET /healthz", &self.healthz, Some(0.0));
        println!();
        println!("budgets:");
        for (name, measure, queries) in [
            ("balance page", &self.balance, self.balance_queries),
            ("plan preview", &self.preview, self.preview_queries),
        ] {
            self.budgets(name, measure, queries);
        }
        if let Some(idle) = self.idle_rss_mb {
            budget(
                &format!("idle memory {idle:.0} MB"),
                "< 100 MB",
                idle < IDLE_MB,
            );
        }
        if let Some(loaded) = self.loaded_rss_mb {
            println!("  memory after the load: {loaded:.0} MB");
        }
        println!(
            "  seeding {} accounts took {:.1} s",
            settings.accounts, self.seed_seconds
        );
    }

    fn budgets(&self, name: &str, measure: &Measure, queries: Option<f64>) {
        if let Some(anchor) = &self.anchor {
            let ratio = measure.per_second / anchor.per_second;
            budget(
                &format!("{name}: {ratio:.2} of the reference page"),
                ">= 0.80",
                ratio >= BALANCE_TO_REFERENCE,
            );
        }
        let ratio = measure.per_second / self.healthz.per_second;
        budget(
            &format!("{name}: {ratio:.2} of /healthz"),
            ">= 0.15",
            ratio >= BALANCE_TO_HEALTHZ,
        );
        budget(
            &format!("{name}: p99 {:.1} ms", measure.p99_ms),
            "< 25 ms",
            measure.p99_ms < P99_MS,
        );
        if let Some(queries) = queries {
            budget(
                &format!("{name}: {queries:.2} queries a request"),
                "<= 4",
                queries <= QUERIES,
            );
        }
        budget(
            &format!("{name}: {} answers not 2xx/3xx", measure.failed),
            "0",
            measure.failed == 0,
        );
    }
}

fn row(name: &str, m: &Measure, queries: Option<f64>) {
    let queries = queries.map_or_else(|| "n/a".to_string(), |q| format!("{q:.2}"));
    println!(
        "{:<34} {:>10.0} {:>9.2} {:>9.2} {:>12} {:>8}",
        name, m.per_second, m.p50_ms, m.p99_ms, queries, m.failed
    );
}

fn budget(what: &str, limit: &str, met: bool) {
    let verdict = if met { "met" } else { "MISSED" };
    println!("  {what:<52} (budget {limit:>8}): {verdict}");
}
