//! Running the web and the scheduled work as separate processes, and stopping them cleanly:
//! `goodterms worker [--once]`, `goodterms serve --no-jobs`, and SIGTERM.
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use goodterms::domain::outbox::OutboxStatus;
use goodterms::email::EmailContent;
use goodterms::email::outbox;
use goodterms::entities::outbox_message;
use sea_orm::{DatabaseConnection, EntityTrait};

use crate::cli::{goodterms, temp_database};
use crate::smtp::SmtpSink;

const PERSON: &str = "sam.lee@example.com";
/// The outbox pass runs at once when jobs start; this is time to be sure it did not.
const QUIET_SPELL: Duration = Duration::from_millis(1500);
/// "Exits within a few seconds" of SIGTERM.
const STOP_WITHIN: Duration = Duration::from_secs(5);

/// A migrated database holding one queued email to `PERSON`.
pub(crate) async fn database_with_a_queued_email() -> PathBuf {
    database_with_emails_to(&[PERSON]).await
}

/// A migrated database holding one queued email to each address.
async fn database_with_emails_to(addresses: &[&str]) -> PathBuf {
    let path = temp_database();
    let conn = open(&path).await;
    goodterms::db::migrate(&conn).await.unwrap();
    for address in addresses {
        let content = EmailContent {
            template: "test_note",
            subject: "A note".to_string(),
            text: "Hello".to_string(),
            html: "<p>Hello</p>".to_string(),
        };
        outbox::enqueue(&conn, address, content, Utc::now())
            .await
            .unwrap();
    }
    conn.close().await.unwrap();
    path
}

async fn open(path: &Path) -> DatabaseConnection {
    goodterms::db::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .unwrap()
}

async fn outbox_rows(path: &Path) -> Vec<outbox_message::Model> {
    let conn = open(path).await;
    let rows = outbox_message::Entity::find().all(&conn).await.unwrap();
    conn.close().await.unwrap();
    rows
}

pub(crate) fn remove_database(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub(crate) fn start(mut command: Command) -> Child {
    command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("goodterms starts")
}

/// Waits until the server at `port` answers /healthz; panics after 30 s (start-up migrates).
pub(crate) async fn wait_until_healthy(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let url = format!("http://127.0.0.1:{port}/healthz");
    while Instant::now() < deadline {
        if let Ok(response) = reqwest::get(&url).await
            && response.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server never answered /healthz");
}

/// Sends SIGTERM and returns how the process ended; panics if it is still running after
/// `STOP_WITHIN`.
pub(crate) async fn terminate(mut child: Child) -> ExitStatus {
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let deadline = Instant::now() + STOP_WITHIN;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    panic!("still running {STOP_WITHIN:?} after SIGTERM");
}

#[tokio::test]
async fn worker_once_sends_the_queued_email_and_exits_cleanly() {
    let sink = SmtpSink::start().await;
    let database = database_with_a_queued_email().await;
    let mut command = goodterms(&database);
    command
        .env("SMTP_URL", sink.url())
        .args(["worker", "--once"]);
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();

    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let messages = sink.messages();
    assert_eq!(messages.len(), 1, "the email went out once");
    assert_eq!(messages[0].envelope_to, vec![PERSON.to_string()]);
    remove_database(&database);
}

#[tokio::test]
async fn worker_once_exits_non_zero_when_a_job_cannot_reach_the_database() {
    let database = temp_database();
    let mut command = goodterms(&database);
    // A folder where the database file should be: the worker cannot open it.
    std::fs::create_dir_all(&database).unwrap();
    command.args(["worker", "--once"]);
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    assert!(!output.status.success());
    let _ = std::fs::remove_dir(&database);
}

#[tokio::test]
async fn serve_without_jobs_answers_but_leaves_the_email_to_a_worker() {
    let sink = SmtpSink::start().await;
    let database = database_with_a_queued_email().await;
    let port = free_port();
    let mut command = goodterms(&database);
    command.env("SMTP_URL", sink.url()).args([
        "serve",
        "--no-jobs",
        "--bind",
        &format!("127.0.0.1:{port}"),
    ]);
    let server = start(command);

    wait_until_healthy(port).await;
    tokio::time::sleep(QUIET_SPELL).await;
    assert!(sink.messages().is_empty(), "serve --no-jobs sent email");

    assert!(terminate(server).await.success());
    remove_database(&database);
}

#[tokio::test]
async fn serve_with_jobs_stops_cleanly_on_sigterm() {
    let sink = SmtpSink::start().await;
    let database = database_with_a_queued_email().await;
    let port = free_port();
    let mut command = goodterms(&database);
    command
        .env("SMTP_URL", sink.url())
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")]);
    let server = start(command);

    wait_until_healthy(port).await;
    // Its jobs run too, as before: the queued email goes out.
    sink.wait_for_messages(1, Duration::from_secs(10)).await;
    assert!(terminate(server).await.success());
    remove_database(&database);
}

#[tokio::test]
async fn a_running_worker_stops_cleanly_on_sigterm() {
    let sink = SmtpSink::start().await;
    let database = database_with_a_queued_email().await;
    let mut command = goodterms(&database);
    command.env("SMTP_URL", sink.url()).arg("worker");
    let worker = start(command);

    sink.wait_for_messages(1, Duration::from_secs(30)).await;
    assert!(terminate(worker).await.success());
    assert_eq!(sink.messages().len(), 1);
    remove_database(&database);
}

#[tokio::test]
async fn a_worker_stopped_mid_batch_sends_what_it_started_and_leaves_the_rest_free() {
    let sink = SmtpSink::start_slow(Duration::from_millis(1500)).await;
    let database =
        database_with_emails_to(&["a@example.com", "b@example.com", "c@example.com"]).await;
    let mut command = goodterms(&database);
    command.env("SMTP_URL", sink.url()).arg("worker");
    let worker = start(command);

    // Wait until the first email is being sent.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !outbox_rows(&database)
        .await
        .iter()
        .any(|row| row.claimed_until.is_some())
    {
        assert!(
            Instant::now() < deadline,
            "the worker never started sending"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(terminate(worker).await.success());

    assert_eq!(sink.messages().len(), 1, "the email in flight was finished");
    let rows = outbox_rows(&database).await;
    let sent = rows.iter().filter(|row| row.status == OutboxStatus::Sent);
    assert_eq!(sent.count(), 1);
    let left: Vec<_> = rows
        .iter()
        .filter(|row| row.status == OutboxStatus::Pending)
        .collect();
    assert_eq!(left.len(), 2);
    assert!(
        left.iter()
            .all(|row| row.claimed_until.is_none() && row.attempts == 0),
        "the rest are free for another worker at once: {left:?}"
    );
    remove_database(&database);
}
