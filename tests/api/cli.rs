//! The `goodterms` command as an operator uses it.
use std::process::Command;

use goodterms::crypto::random_token;

pub(crate) fn goodterms(database: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_goodterms"));
    command
        .env(
            "DATABASE_URL",
            format!("sqlite://{}?mode=rwc", database.display()),
        )
        .env("SESSION_KEY", random_token() + &random_token())
        .env("RUST_LOG", "warn")
        .env_remove("SMTP_URL")
        .env_remove("REDIS_URL");
    command
}

pub(crate) fn temp_database() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("goodterms-cli-{}.db", &random_token()[..12]))
}

#[test]
fn a_malformed_setting_stops_start_up_with_one_line_naming_it() {
    let output = goodterms(&temp_database())
        .env("DATABASE_URL", "mysql://nope")
        .args(["serve", "--bind", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("DATABASE_URL"), "{stderr}");
}

#[test]
fn staff_users_are_created_from_the_command_line_and_short_passwords_refused() {
    let database = temp_database();
    let demo = goodterms(&database)
        .args(["demo", "--accounts", "3"])
        .output()
        .unwrap();
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    assert!(String::from_utf8_lossy(&demo.stdout).contains("3 synthetic accounts added"));

    let created = goodterms(&database)
        .env("GOODTERMS_STAFF_PASSWORD", "a-long-enough-password")
        .args([
            "create-staff",
            "--email",
            "Kim@Northwind.example",
            "--role",
            "creditor",
        ])
        .args(["--creditor", "Northwind Utilities"])
        .output()
        .unwrap();
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );

    let again = goodterms(&database)
        .env("GOODTERMS_STAFF_PASSWORD", "a-long-enough-password")
        .args([
            "create-staff",
            "--email",
            "kim@northwind.example",
            "--role",
            "creditor",
        ])
        .args(["--creditor", "Northwind Utilities"])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    let short = goodterms(&database)
        .env("GOODTERMS_STAFF_PASSWORD", "short")
        .args([
            "create-staff",
            "--email",
            "lee@goodterms.example",
            "--role",
            "admin",
        ])
        .output()
        .unwrap();
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 12 characters"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", database.display()));
    }
}

#[test]
fn the_demo_command_adds_more_synthetic_accounts_each_time_it_runs() {
    let database = temp_database();
    for _ in 0..2 {
        let demo = goodterms(&database)
            .args(["demo", "--accounts", "25"])
            .output()
            .unwrap();
        assert!(
            demo.status.success(),
            "{}",
            String::from_utf8_lossy(&demo.stderr)
        );
        assert!(String::from_utf8_lossy(&demo.stdout).contains("25 synthetic accounts added"));
    }
}
