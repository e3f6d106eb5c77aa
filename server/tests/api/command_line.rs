//! The `hauler` binary as an operator runs it.

use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use crate::support::{Db, Store, record, site_root};

fn hauler() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hauler"));
    // Only what the test sets: no .env file, no inherited configuration.
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    command.current_dir(std::env::temp_dir());
    command
}

#[test]
fn production_mode_refuses_to_start_and_names_each_missing_credential() {
    let output = hauler()
        .env("HAULER_MODE", "production")
        .arg("serve")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8_lossy(&output.stderr);
    for name in [
        "ENCRYPTION_KEY",
        "TELEGRAM_BOT_TOKEN",
        "CARGOTECH_PHONE",
        "CARGOTECH_PASSWORD",
    ] {
        assert!(message.contains(name), "{name} not named in:\n{message}");
    }
}

#[test]
fn a_bad_variable_is_explained_without_starting() {
    let output = hauler()
        .env("ENCRYPTION_KEY", "dG9vIHNob3J0")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("ENCRYPTION_KEY must be 32 bytes of base64, got 9 bytes"),
        "{message}"
    );
}

#[test]
fn migrate_creates_the_sqlite_database_and_exits() {
    record("cli_migrate", Db::Sqlite, Store::InProcess);
    let data = tempfile::tempdir().unwrap();
    let status = hauler()
        .env("DATA_DIR", data.path())
        .arg("migrate")
        .status()
        .unwrap();
    assert!(status.success());
    assert!(data.path().join("hauler.sqlite").exists());
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    record("cli_sigterm", Db::Sqlite, Store::InProcess);
    let data = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = hauler()
        .env("DATA_DIR", data.path())
        .env("SITE_ROOT", site_root())
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());

    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(exit) = server.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "the server ignored SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "{exit}");
    let output = server.wait_with_output().unwrap();
    let logs = String::from_utf8_lossy(&output.stdout);
    assert!(logs.contains("shutting down"), "{logs}");
    // Production-style logs are JSON, one object a line.
    for line in logs.lines() {
        assert!(
            serde_json::from_str::<serde_json::Value>(line).is_ok(),
            "not JSON: {line}"
        );
    }
}
