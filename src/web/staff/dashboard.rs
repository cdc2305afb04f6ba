//! The creditor's dashboard: the figures, two small server-drawn SVG charts, and the same
//! figures in tables for screen readers and for anyone who prefers numbers.
use actix_web::{get, web};
use askama::Template;
use chrono::Utc;
use sea_orm::DatabaseConnection;

use crate::domain::{Currency, Money};
use crate::services::admin::creditor_list;
use crate::services::care::overview;
use crate::services::staff::dashboard;
use crate::web::auth::SignedInStaff;
use crate::web::csrf::CsrfToken;
use crate::web::errors::{AppError, PageResult};
use crate::web::pages::{self, Chrome};

/// One bar of a chart, already placed in the SVG's coordinates.
pub struct Bar {
    pub label: String,
    pub value: String,
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

const CHART_HEIGHT: u32 = 160;
const CHART_BASE: u32 = 180;

/// Vertical bars scaled to the largest value (a chart of zeros stays flat).
fn vertical_bars(values: &[(String, i64, String)], slot: u32) -> Vec<Bar> {
    let max = values.iter().map(|(_, v, _)| *v).max().unwrap_or(0).max(1);
    values
        .iter()
        .enumerate()
        .map(|(i, (label, v, shown))| {
            let height = u32::try_from(v.max(&0) * i64::from(CHART_HEIGHT) / max).unwrap_or(0);
            Bar {
                label: label.clone(),
                value: shown.clone(),
                x: u32::try_from(i).unwrap_or(0) * slot + 4,
                y: CHART_BASE - height,
                width: slot - 8,
                height,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "staff/dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    creditor: String,
    figures: dashboard::Dashboard,
    care: overview::CareFigures,
    weekly_bars: Vec<Bar>,
    status_bars: Vec<Bar>,
}

impl DashboardPage {
    fn rate(value: &Option<u32>) -> String {
        value.map_or("No data yet".to_string(), |v| format!("{v}%"))
    }

    /// "(oldest 3 days)" beside a count, or nothing when there is none.
    fn oldest(days: &Option<i64>) -> String {
        match days {
            Some(1) => " (oldest 1 day)".to_string(),
            Some(d) => format!(" (oldest {d} days)"),
            None => String::new(),
        }
    }
}

#[get("/dashboard")]
pub async fn show(
    who: SignedInStaff,
    csrf: CsrfToken,
    db: web::Data<DatabaseConnection>,
) -> PageResult {
    let creditor_id = who.creditor_id()?;
    let creditor = creditor_list::find(db.get_ref(), creditor_id)
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)?;
    let currency = Currency::parse(&creditor.currency).map_err(AppError::internal)?;
    let figures = dashboard::for_creditor(db.get_ref(), creditor_id, currency, Utc::now())
        .await
        .map_err(AppError::internal)?;
    let care = overview::figures(db.get_ref(), creditor_id, Utc::now())
        .await
        .map_err(AppError::internal)?;
    let minor = |m: &Money| m.to_minor().unwrap_or(0);
    let weekly: Vec<(String, i64, String)> = figures
        .weekly
        .iter()
        .map(|(start, m)| (start.format("%-d %b").to_string(), minor(m), m.to_string()))
        .collect();
    let statuses: Vec<(String, i64, String)> = figures
        .plans_by_status
        .iter()
        .map(|(s, n)| (s.to_string(), i64::try_from(*n).unwrap_or(0), n.to_string()))
        .collect();
    Ok(pages::ok(&DashboardPage {
        chrome: Chrome::staff(&csrf.0, false),
        creditor: creditor.display_name,
        weekly_bars: vertical_bars(&weekly, 50),
        status_bars: vertical_bars(&statuses, 75),
        figures,
        care,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_value_and_sit_on_the_baseline() {
        let values = vec![
            ("a".to_string(), 50, "£0.50".to_string()),
            ("b".to_string(), 100, "£1.00".to_string()),
            ("c".to_string(), 0, "£0.00".to_string()),
        ];
        let bars = vertical_bars(&values, 50);
        assert_eq!(bars[1].height, CHART_HEIGHT);
        assert_eq!(bars[0].height, CHART_HEIGHT / 2);
        assert_eq!(bars[2].height, 0);
        assert!(bars.iter().all(|b| b.y + b.height == CHART_BASE));
        assert_eq!(bars[2].x, 104);
    }
}
