//! What the simulated people got back, counted across all of them.
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Every answer the people got, by status, and what they did.
#[derive(Default)]
pub struct Tally {
    statuses: Mutex<BTreeMap<u16, u64>>,
    /// Answers a working site does not give at that step (the status is counted too).
    unexpected: Mutex<Vec<String>>,
    transport_errors: AtomicU64,
    payments: AtomicU64,
    plans: AtomicU64,
}

impl Tally {
    pub fn payment_made(&self) {
        self.payments.fetch_add(1, Ordering::Relaxed);
    }

    pub fn plan_agreed(&self) {
        self.plans.fetch_add(1, Ordering::Relaxed);
    }

    pub fn record(&self, status: u16) {
        if let Ok(mut statuses) = self.statuses.lock() {
            *statuses.entry(status).or_default() += 1;
        }
    }

    pub fn unexpected(&self, what: String) {
        if let Ok(mut list) = self.unexpected.lock() {
            list.push(what);
        }
    }

    pub fn server_errors(&self) -> u64 {
        self.statuses
            .lock()
            .map(|s| s.range(500..).map(|(_, n)| n).sum())
            .unwrap_or(u64::MAX)
    }

    pub fn unexpected_answers(&self) -> Vec<String> {
        self.unexpected
            .lock()
            .map(|l| l.clone())
            .unwrap_or_default()
    }

    pub fn transport_errors(&self) -> u64 {
        self.transport_errors.load(Ordering::Relaxed)
    }

    pub fn payments(&self) -> u64 {
        self.payments.load(Ordering::Relaxed)
    }

    pub fn summary(&self) -> String {
        let statuses = self.statuses.lock().map(|s| s.clone()).unwrap_or_default();
        let requests: u64 = statuses.values().sum();
        format!(
            "load hold: {requests} requests, by status {statuses:?}; {} payments, {} plans agreed; {} transport errors; {} unexpected answers",
            self.payments(),
            self.plans.load(Ordering::Relaxed),
            self.transport_errors(),
            self.unexpected_answers().len(),
        )
    }
}

impl Tally {
    /// Counts the answer's status, or a request that got no answer.
    pub fn count(&self, response: &reqwest::Result<reqwest::Response>) {
        match response {
            Ok(r) => self.record(r.status().as_u16()),
            Err(_) => {
                self.transport_errors.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}
