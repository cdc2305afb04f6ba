//! The creditor's collections team: the dashboard, the portfolio of accounts, each account's
//! workspace (timeline, notes, holds) and CSV imports.
pub mod dashboard;
pub mod imports;
pub mod portfolio;
pub mod workspace;
