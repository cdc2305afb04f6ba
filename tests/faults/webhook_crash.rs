//! The process dies while a payment webhook is being processed; Stripe sends the event again
//! to the restarted portal. However it died, the books end the same: one payment, one receipt.
use chrono::Utc;
use goodterms::crypto::{KeyedHasher, random_token};
use goodterms::domain::payments::PaymentStatus;
use goodterms::entities::{account, ledger_entry, outbox_message, payment_attempt};
use goodterms::faults::{WEBHOOK_AFTER_COMMIT, WEBHOOK_BEFORE_COMMIT};
use goodterms::providers::PaymentProvider;
use goodterms::services::payments::checkout::{self, Payer, StartOutcome};
use goodterms::services::payments::options::PayChoice;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::{TestDatabase, fresh_database};
use crate::portal::{Portal, PortalConfig};
use crate::stripe_fake::{FakeStripe, event_json, session_json};

/// Alex Morgan's demo balance, paid in full by the checkout below.
const ALEX_OWES_MINOR: i64 = 106_500;

/// A demo database the portal will run on, and the test's own connection to it.
struct Books {
    db: DatabaseConnection,
    account_id: i32,
    config: PortalConfig,
    _database: TestDatabase,
    _workdir: WorkDir,
}

/// A scratch directory for the child process, removed afterwards.
struct WorkDir(std::path::PathBuf);

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn demo_books(fake: &FakeStripe) -> Books {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (database_url, database) = fresh_database().await;
    let session_key = random_token() + &random_token();
    let db = goodterms::db::connect(&database_url)
        .await
        .expect("connect");
    goodterms::db::migrate(&db).await.expect("migrate");
    let hasher = KeyedHasher::derive(&session_key);
    goodterms::services::demo::load(&db, &hasher, Utc::now())
        .await
        .expect("demo data");
    let account_id = account::Entity::find()
        .filter(account::Column::Reference.eq("NW-1001"))
        .one(&db)
        .await
        .expect("query")
        .expect("Alex's account")
        .id;
    let workdir = std::env::temp_dir().join(format!("goodterms-faults-{}", &random_token()[..12]));
    std::fs::create_dir_all(&workdir).expect("work dir");
    Books {
        db,
        account_id,
        config: PortalConfig {
            database_url,
            session_key,
            stripe_api_base: fake.api_base(),
            workdir: workdir.clone(),
        },
        _database: database,
        _workdir: WorkDir(workdir),
    }
}

impl Books {
    /// Starts paying Alex's balance in full through Stripe Checkout, as the pay page does.
    async fn checkout(&self, fake: &FakeStripe) -> payment_attempt::Model {
        let debtor_id = account::Entity::find_by_id(self.account_id)
            .one(&self.db)
            .await
            .expect("query")
            .expect("account")
            .debtor_id;
        let payer = Payer {
            debtor_id,
            account_id: self.account_id,
        };
        let provider = PaymentProvider::Stripe(fake.provider());
        let base_url = "http://127.0.0.1";
        let outcome = checkout::start(
            &self.db,
            &provider,
            payer,
            PayChoice::Full,
            base_url,
            Utc::now(),
        )
        .await
        .expect("checkout starts");
        let StartOutcome::Redirect { attempt_id, .. } = outcome else {
            panic!("checkout did not start: {outcome:?}");
        };
        self.attempt(attempt_id).await
    }

    async fn attempt(&self, id: i32) -> payment_attempt::Model {
        payment_attempt::Entity::find_by_id(id)
            .one(&self.db)
            .await
            .expect("query")
            .expect("attempt")
    }

    async fn card_payments(&self) -> u64 {
        ledger_entry::Entity::find()
            .filter(ledger_entry::Column::AccountId.eq(self.account_id))
            .filter(ledger_entry::Column::Description.eq("Card payment. Thank you"))
            .count(&self.db)
            .await
            .expect("count")
    }

    async fn balance_minor(&self) -> i64 {
        ledger_entry::Entity::find()
            .filter(ledger_entry::Column::AccountId.eq(self.account_id))
            .all(&self.db)
            .await
            .expect("ledger")
            .iter()
            .map(|e| e.amount_minor.0)
            .sum()
    }

    async fn receipts(&self) -> u64 {
        outbox_message::Entity::find()
            .filter(outbox_message::Column::Template.eq("payment_receipt"))
            .count(&self.db)
            .await
            .expect("count")
    }
}

/// `checkout.session.completed` for the attempt, as Stripe sends it (the same event each time).
fn paid_event(attempt: &payment_attempt::Model) -> String {
    let session_id = attempt.provider_ref.as_deref().expect("a Checkout Session");
    let session = session_json(
        session_id,
        "complete",
        "paid",
        attempt.amount_minor,
        "gbp",
        attempt.id,
    );
    event_json("evt_crash_test", "checkout.session.completed", session)
}

/// Kills the portal at `crash_point` during the webhook, restarts it, and redelivers.
/// Returns the payments booked when the first process died.
async fn crash_and_redeliver(crash_point: &str) -> u64 {
    let fake = FakeStripe::start().await;
    fake.accept_checkouts().await;
    let books = demo_books(&fake).await;
    let attempt = books.checkout(&fake).await;
    assert_eq!(attempt.amount_minor, ALEX_OWES_MINOR);
    let event = paid_event(&attempt);

    let mut dying = Portal::start(&books.config, Some(crash_point)).await;
    assert!(
        dying.deliver(&event).await.is_err(),
        "Stripe got no answer: the process died first"
    );
    assert!(
        !dying.exit_status().await.success(),
        "the process was killed"
    );
    drop(dying);
    let booked_at_crash = books.card_payments().await;

    let portal = Portal::start(&books.config, None).await;
    // Stripe retries an event it got no 2xx for, and may deliver it more than once.
    for _ in 0..2 {
        assert_eq!(portal.deliver(&event).await.ok(), Some(200));
    }
    assert_eq!(books.card_payments().await, 1, "exactly one payment");
    assert_eq!(books.receipts().await, 1, "exactly one receipt queued");
    assert_eq!(books.balance_minor().await, 0, "the balance is paid");
    assert_eq!(
        books.attempt(attempt.id).await.status,
        PaymentStatus::Succeeded
    );
    booked_at_crash
}

#[tokio::test]
async fn killed_before_commit_the_redelivered_webhook_books_the_payment_once() {
    let booked_at_crash = crash_and_redeliver(WEBHOOK_BEFORE_COMMIT).await;
    assert_eq!(
        booked_at_crash, 0,
        "the uncommitted payment died with the process"
    );
}

#[tokio::test]
async fn killed_after_commit_the_redelivered_webhook_changes_nothing() {
    let booked_at_crash = crash_and_redeliver(WEBHOOK_AFTER_COMMIT).await;
    assert_eq!(
        booked_at_crash, 1,
        "the committed payment survived the crash"
    );
}
