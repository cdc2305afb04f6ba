//! The books after the hold: each balance is its ledger's sum and what the person paid took
//! off exactly, at most one open plan per account, and each Checkout Session booked once.
use std::collections::HashSet;
use std::time::Duration;

use goodterms::domain::EntryKind;
use goodterms::domain::outbox::OutboxStatus;
use goodterms::domain::payments::PaymentStatus;
use goodterms::domain::plans::PlanStatus;
use goodterms::entities::{
    ledger_entry, outbox_message, payment_allocation, payment_attempt, plan,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::TestApp;
use crate::journey::Outcome;
use crate::smtp::SmtpSink;

/// Several outbox passes (every 5 s): enough for the last receipts to go.
const OUTBOX_DRAINS_WITHIN: Duration = Duration::from_secs(60);

pub async fn check(app: &TestApp, outcomes: &[Outcome]) {
    let mut sessions = HashSet::new();
    for outcome in outcomes {
        let reference = &outcome.person.reference;
        let id = outcome
            .account_id
            .unwrap_or_else(|| panic!("{reference} never saw their balance"));
        ledger_matches_payments(app, id, outcome).await;
        one_open_plan_at_most(app, id, reference).await;
        for session in &outcome.sessions {
            assert!(sessions.insert(session.clone()), "{session} paid twice");
        }
    }
    each_payment_allocated_within_its_amount(app).await;
}

async fn ledger_matches_payments(app: &TestApp, account: i32, outcome: &Outcome) {
    let reference = &outcome.person.reference;
    let entries = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::AccountId.eq(account))
        .all(&app.db)
        .await
        .expect("ledger");
    let balance: i64 = entries.iter().map(|e| e.amount_minor.0).sum();
    assert_eq!(
        balance,
        outcome.person.owed_minor - outcome.paid_minor,
        "{reference}: the ledger's sum is what was owed less what was paid"
    );
    let payments: Vec<i64> = entries
        .iter()
        .filter(|e| e.kind == EntryKind::Payment)
        .map(|e| -e.amount_minor.0)
        .collect();
    let succeeded = payment_attempt::Entity::find()
        .filter(payment_attempt::Column::AccountId.eq(account))
        .filter(payment_attempt::Column::Status.eq(PaymentStatus::Succeeded))
        .all(&app.db)
        .await
        .expect("attempts");
    assert_eq!(
        payments.len(),
        outcome.sessions.len(),
        "{reference}: one ledger payment per Checkout Session paid"
    );
    assert_eq!(succeeded.len(), outcome.sessions.len(), "{reference}");
    assert_eq!(
        payments.iter().sum::<i64>(),
        outcome.paid_minor,
        "{reference}"
    );
    let mut booked: Vec<&str> = succeeded
        .iter()
        .filter_map(|a| a.provider_ref.as_deref())
        .collect();
    let mut paid: Vec<&str> = outcome.sessions.iter().map(String::as_str).collect();
    booked.sort_unstable();
    paid.sort_unstable();
    assert_eq!(
        booked, paid,
        "{reference}: the sessions paid are the ones booked"
    );
}

async fn one_open_plan_at_most(app: &TestApp, account: i32, reference: &str) {
    let open = plan::Entity::find()
        .filter(plan::Column::AccountId.eq(account))
        .filter(plan::Column::Status.is_in(PlanStatus::OPEN))
        .all(&app.db)
        .await
        .expect("plans");
    assert!(open.len() <= 1, "{reference} has {} open plans", open.len());
}

/// A payment pays installments with at most its own amount.
async fn each_payment_allocated_within_its_amount(app: &TestApp) {
    let attempts = payment_attempt::Entity::find()
        .all(&app.db)
        .await
        .expect("attempts");
    let allocations = payment_allocation::Entity::find()
        .all(&app.db)
        .await
        .expect("allocations");
    for attempt in attempts {
        let allocated: i64 = allocations
            .iter()
            .filter(|a| a.attempt_id == attempt.id)
            .map(|a| a.amount_minor)
            .sum();
        assert!(
            allocated <= attempt.amount_minor,
            "attempt {} allocated {allocated} of {}",
            attempt.id,
            attempt.amount_minor
        );
        if attempt.status != PaymentStatus::Succeeded {
            assert_eq!(allocated, 0, "attempt {} is not paid", attempt.id);
        }
    }
}

async fn outbox(app: &TestApp) -> Vec<outbox_message::Model> {
    outbox_message::Entity::find()
        .all(&app.db)
        .await
        .expect("outbox")
}

/// Once the outbox is drained: one receipt per payment, and every queued email reached the
/// mail server exactly once.
pub async fn each_email_sent_once(app: &TestApp, sink: &SmtpSink, payments: u64) {
    let drained = tokio::time::timeout(OUTBOX_DRAINS_WITHIN, async {
        while outbox(app)
            .await
            .iter()
            .any(|row| row.status == OutboxStatus::Pending)
        {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    });
    drained.await.expect("the outbox drains after the load");
    let rows = outbox(app).await;
    let receipts = rows
        .iter()
        .filter(|row| row.template == "payment_receipt")
        .count();
    assert_eq!(receipts as u64, payments, "one receipt per payment");
    assert!(
        rows.iter()
            .all(|row| row.status == OutboxStatus::Sent && row.attempts == 1),
        "every email sent at the first attempt"
    );
    assert_eq!(sink.messages().len(), rows.len(), "each email arrived once");
}
