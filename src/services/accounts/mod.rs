//! A debtor's accounts: the append-only ledger and the explained statements built from it.
pub mod debtors;
pub mod ledger;
pub mod people;
pub mod statements;
