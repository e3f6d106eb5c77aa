use std::{collections::HashMap, path::PathBuf};

use super::*;

fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The variables the problems name, in the order they were reported (each problem starts with its
/// variable's name).
fn named(problems: &ConfigProblems) -> Vec<&str> {
    problems
        .0
        .iter()
        .map(|problem| problem.split(' ').next().unwrap())
        .collect()
}

const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="; // 32 bytes

#[test]
fn an_empty_environment_gives_the_embedded_sandbox_default() {
    let config = Config::from_vars(HashMap::new()).unwrap();
    assert_eq!(config.mode, Mode::Sandbox);
    assert_eq!(config.http.listen_addr.to_string(), "127.0.0.1:3000");
    assert!(config.database.url.is_none() && config.store.redis_url.is_none());
    assert_eq!(
        config.database.sqlite_path(),
        PathBuf::from("data/hauler.sqlite")
    );
    assert_eq!(config.telegram.web_app_js_url, "/telegram-web-app.js");
    assert_eq!(config.logging.format, LogFormat::Pretty);
}

#[test]
fn the_shutdown_grace_outlasts_the_longest_request() {
    let config = Config::from_vars(HashMap::new()).unwrap();
    assert_eq!(
        config.http.request_timeout,
        std::time::Duration::from_secs(30)
    );
    assert_eq!(config.http.drain_delay, std::time::Duration::from_secs(5));
    assert_eq!(
        config.http.shutdown_grace,
        std::time::Duration::from_secs(40)
    );

    let longer = Config::from_vars(vars(&[("SHUTDOWN_GRACE_SECONDS", "60")])).unwrap();
    assert_eq!(
        longer.http.shutdown_grace,
        std::time::Duration::from_secs(60)
    );

    // The old default: a request still running when it ended was cut without an answer.
    let problems = Config::from_vars(vars(&[("SHUTDOWN_GRACE_SECONDS", "20")])).unwrap_err();
    assert_eq!(problems.0.len(), 1, "{problems}");
    assert!(
        problems.0[0].starts_with("SHUTDOWN_GRACE_SECONDS must be at least 40"),
        "{problems}"
    );

    // The drain delay counts within the grace: a longer one needs a longer grace.
    let drained = Config::from_vars(vars(&[("SHUTDOWN_DRAIN_DELAY_SECONDS", "0")])).unwrap();
    assert_eq!(
        drained.http.shutdown_grace,
        std::time::Duration::from_secs(35)
    );
    let problems = Config::from_vars(vars(&[
        ("SHUTDOWN_DRAIN_DELAY_SECONDS", "15"),
        ("SHUTDOWN_GRACE_SECONDS", "40"),
    ]))
    .unwrap_err();
    assert!(
        problems.0[0].starts_with("SHUTDOWN_GRACE_SECONDS must be at least 50"),
        "{problems}"
    );
}

#[test]
fn retention_keeps_payment_evidence_five_years_and_the_audit_log_for_good_by_default() {
    let day = std::time::Duration::from_secs(24 * 3600);
    let config = Config::from_vars(HashMap::new()).unwrap();
    assert_eq!(config.retention.sent_messages, day * 30);
    assert_eq!(config.retention.payment_notifications, day * 1827);
    assert_eq!(config.retention.audit_entries, None);

    let audited = Config::from_vars(vars(&[("RETENTION_AUDIT_DAYS", "2000")])).unwrap();
    assert_eq!(audited.retention.audit_entries, Some(day * 2000));

    let problems = Config::from_vars(vars(&[
        ("RETENTION_PAYMENT_NOTIFICATIONS_DAYS", "365"),
        ("RETENTION_AUDIT_DAYS", "90"),
    ]))
    .unwrap_err();
    assert_eq!(problems.0.len(), 2, "{problems}");
    for (problem, name) in problems.0.iter().zip([
        "RETENTION_PAYMENT_NOTIFICATIONS_DAYS",
        "RETENTION_AUDIT_DAYS",
    ]) {
        assert!(
            problem.starts_with(&format!("{name} must be at least 1827 days")),
            "{problem}"
        );
    }
}

#[test]
fn production_names_every_missing_credential() {
    let problems = Config::from_vars(vars(&[("HAULER_MODE", "production")])).unwrap_err();
    let text = problems.to_string();
    for name in [
        "ENCRYPTION_KEY",
        "TELEGRAM_BOT_TOKEN",
        "PUBLIC_URL",
        "CARGOTECH_PHONE",
        "CARGOTECH_PASSWORD",
        "TELEGRAM_WEBHOOK_SECRET",
    ] {
        assert!(text.contains(name), "{name} not named in:\n{text}");
    }
    assert_eq!(problems.0.len(), 6);
}

#[test]
fn production_with_its_credentials_starts_with_json_logs() {
    let config = Config::from_vars(vars(&[
        ("HAULER_MODE", "production"),
        ("ENCRYPTION_KEY", KEY),
        ("TELEGRAM_BOT_TOKEN", "123:abc"),
        ("PUBLIC_URL", "https://hauler.example/"),
        ("TELEGRAM_WEBHOOK_SECRET", "a-long-random-secret"),
        ("CARGOTECH_PHONE", "+7 911 111 11 11"),
        ("CARGOTECH_PASSWORD", "hunter2"),
    ]))
    .unwrap();
    assert_eq!(config.logging.format, LogFormat::Json);
    assert_eq!(
        config.http.public_url.as_deref(),
        Some("https://hauler.example")
    );
    assert_eq!(
        config.telegram.api_base_url.as_deref(),
        Some("https://api.telegram.org")
    );
    assert_eq!(
        config.telegram.web_app_js_url,
        "https://telegram.org/js/telegram-web-app.js"
    );
}

#[test]
fn production_takes_only_an_https_public_address() {
    let production = |public_url| {
        Config::from_vars(vars(&[
            ("HAULER_MODE", "production"),
            ("ENCRYPTION_KEY", KEY),
            ("TELEGRAM_BOT_TOKEN", "123:abc"),
            ("PUBLIC_URL", public_url),
            ("TELEGRAM_WEBHOOK_SECRET", "a-long-random-secret"),
            ("CARGOTECH_PHONE", "+7 911 111 11 11"),
            ("CARGOTECH_PASSWORD", "hunter2"),
        ]))
    };
    let problems = production("http://hauler.example").unwrap_err();
    assert_eq!(
        problems.0,
        vec!["PUBLIC_URL must start with one of https://".to_owned()]
    );
    assert!(production("https://hauler.example").is_ok());
    let sandbox = Config::from_vars(vars(&[("PUBLIC_URL", "http://127.0.0.1:3000")])).unwrap();
    assert_eq!(
        sandbox.http.public_url.as_deref(),
        Some("http://127.0.0.1:3000")
    );
}

#[test]
fn database_and_redis_certificate_authorities_must_be_files() {
    let problems = Config::from_vars(vars(&[
        ("DATABASE_CA_FILE", "/no/such/ca.pem"),
        ("REDIS_CA_FILE", "/no/such/ca.pem"),
    ]))
    .unwrap_err();
    assert_eq!(problems.0.len(), 2, "{problems}");
    assert!(problems.0[0].starts_with("DATABASE_CA_FILE names no readable file"));
    let ca = tempfile::NamedTempFile::new().unwrap();
    let path = ca.path().to_str().unwrap();
    let config =
        Config::from_vars(vars(&[("DATABASE_CA_FILE", path), ("REDIS_CA_FILE", path)])).unwrap();
    assert_eq!(config.database.ca_file.as_deref(), Some(ca.path()));
    assert_eq!(config.store.ca_file.as_deref(), Some(ca.path()));
}

#[test]
fn an_encryption_key_that_is_not_32_bytes_of_base64_is_refused_clearly() {
    let short = Config::from_vars(vars(&[("ENCRYPTION_KEY", "c2hvcnQ=")])).unwrap_err();
    assert_eq!(
        short.0,
        vec!["ENCRYPTION_KEY must be 32 bytes of base64, got 5 bytes"]
    );
    let garbage = Config::from_vars(vars(&[("ENCRYPTION_KEY", "not base64!")])).unwrap_err();
    assert!(garbage.0[0].starts_with("ENCRYPTION_KEY must be base64"));
}

#[test]
fn every_bad_variable_is_reported_at_once() {
    let problems = Config::from_vars(vars(&[
        ("HAULER_MODE", "staging"),
        ("LISTEN_ADDR", "localhost"),
        ("DATABASE_URL", "mysql://x"),
        ("REDIS_URL", "http://x"),
        ("LOG_FORMAT", "xml"),
        ("ENCRYPTION_PREVIOUS_KEYS", "nocolon"),
    ]))
    .unwrap_err();
    assert_eq!(
        named(&problems),
        [
            "HAULER_MODE",
            "LISTEN_ADDR",
            "LOG_FORMAT",
            "DATABASE_URL",
            "REDIS_URL",
            "ENCRYPTION_PREVIOUS_KEYS"
        ]
    );
}

#[test]
fn the_cache_gets_a_redis_of_its_own_only_beside_the_shared_one() {
    let alone = Config::from_vars(vars(&[(
        "REDIS_CACHE_URL",
        "redis://:cache-password@cache.example.ru:6379",
    )]))
    .unwrap_err();
    assert_eq!(alone.0.len(), 1, "{:?}", alone.0);
    assert!(
        alone.0[0].starts_with("REDIS_CACHE_URL needs REDIS_URL"),
        "{:?}",
        alone.0
    );
    assert!(
        !alone.0[0].contains("cache-password"),
        "the password was echoed"
    );

    let wrong = Config::from_vars(vars(&[
        ("REDIS_URL", "redis://127.0.0.1:6379"),
        ("REDIS_CACHE_URL", "http://127.0.0.1:6380"),
    ]))
    .unwrap_err();
    assert!(wrong.0[0].starts_with("REDIS_CACHE_URL"), "{:?}", wrong.0);

    let both = Config::from_vars(vars(&[
        ("ENCRYPTION_KEY", KEY),
        ("REDIS_URL", "redis://127.0.0.1:6379"),
        ("REDIS_CACHE_URL", "rediss://cache.example.ru:6380"),
    ]))
    .unwrap();
    assert_eq!(
        both.store.cache_url.as_ref().map(|url| url.expose()),
        Some("rediss://cache.example.ru:6380")
    );
}

#[test]
fn secrets_never_show_in_debug_output_or_problems() {
    let config = Config::from_vars(vars(&[
        ("ENCRYPTION_KEY", KEY),
        ("TELEGRAM_BOT_TOKEN", "123:very-secret-token"),
        (
            "DATABASE_URL",
            "postgres://hauler:db-password@localhost/hauler",
        ),
    ]))
    .unwrap();
    let printed = format!("{config:?}");
    for secret in ["very-secret-token", "db-password", KEY] {
        assert!(!printed.contains(secret), "{secret} leaked");
    }
    let problems =
        Config::from_vars(vars(&[("DATABASE_URL", "mysql://root:pw-in-url@x")])).unwrap_err();
    assert!(!problems.to_string().contains("pw-in-url"));
}

#[test]
fn previous_keys_are_read_for_rotation() {
    let config = Config::from_vars(vars(&[
        ("ENCRYPTION_KEY", KEY),
        ("ENCRYPTION_KEY_ID", "k2"),
        ("ENCRYPTION_PREVIOUS_KEYS", &format!("k1:{KEY}")),
    ]))
    .unwrap();
    assert_eq!(config.secrets.previous_keys.len(), 1);
}

#[test]
fn launch_data_freshness_is_bounded_and_third_party_checking_needs_a_bot_id() {
    assert_eq!(
        Config::from_vars(HashMap::new())
            .unwrap()
            .telegram
            .init_data_max_age_seconds,
        300
    );
    let long = Config::from_vars(vars(&[("INIT_DATA_MAX_AGE_SECONDS", "3600")])).unwrap();
    assert_eq!(long.telegram.init_data_max_age_seconds, 3600);
    for bad in ["299", "3601", "soon"] {
        let problems = Config::from_vars(vars(&[("INIT_DATA_MAX_AGE_SECONDS", bad)])).unwrap_err();
        assert!(
            problems.0[0].starts_with("INIT_DATA_MAX_AGE_SECONDS"),
            "{bad}"
        );
    }
    let third_party = Config::from_vars(vars(&[
        ("TELEGRAM_INIT_DATA_CHECK", "third_party"),
        ("TELEGRAM_BOT_TOKEN", "123456:secret"),
        ("TELEGRAM_PUBLIC_KEY", "test"),
    ]))
    .unwrap();
    assert_eq!(
        third_party.telegram.init_data_check,
        InitDataCheck::ThirdParty {
            bot_id: 123456,
            test_key: true
        }
    );
    let no_id =
        Config::from_vars(vars(&[("TELEGRAM_INIT_DATA_CHECK", "third_party")])).unwrap_err();
    assert!(no_id.0[0].starts_with("TELEGRAM_BOT_ID"));
}

#[test]
fn every_variable_the_server_reads_is_documented_in_env_example() {
    let example = include_str!("../../../.env.example");
    // Every section's module, so that a new one is checked without being listed here.
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/config");
    let sections: Vec<String> = std::fs::read_dir(folder)
        .expect("the config folder")
        .map(|entry| entry.expect("a config module").path())
        .filter(|path| path.file_name().is_some_and(|name| name != "tests.rs"))
        .map(|path| std::fs::read_to_string(path).expect("a readable module"))
        .collect();
    assert!(sections.len() > 10, "{} modules", sections.len());
    let mut read = Vec::new();
    for call in [
        "text(\"",
        "parsed(\"",
        "parsed::<u64>(\"",
        "url(\"",
        "address(\"",
        "secret(\"",
        "positive(\"",
        "seconds(\"",
        "upstream(\"",
        "ranges(\"",
        "file(\"",
    ] {
        for piece in sections
            .iter()
            .flat_map(|source| source.split(call).skip(1))
        {
            if let Some(name) = piece.split('"').next() {
                read.push(name.to_owned());
            }
        }
    }
    read.sort();
    read.dedup();
    assert!(read.len() > 30, "{read:?}");
    let undocumented: Vec<&String> = read
        .iter()
        .filter(|name| !example.contains(&format!("\n{name}=")))
        .collect();
    assert!(
        undocumented.is_empty(),
        "not in .env.example: {undocumented:?}"
    );
}

#[test]
fn more_cargotech_accounts_are_named_by_their_variables() {
    let config = Config::from_vars(vars(&[
        ("CARGOTECH_ACCOUNT_NORTH_PHONE", "+7 911 222 22 22"),
        ("CARGOTECH_ACCOUNT_NORTH_PASSWORD", "north-password"),
        ("CARGOTECH_ACCOUNT_B2_PHONE", "+7 911 333 33 33"),
        ("CARGOTECH_ACCOUNT_B2_PASSWORD", "b2-password"),
    ]))
    .unwrap();
    let names: Vec<&str> = config
        .cargotech
        .extra_accounts
        .iter()
        .map(|account| account.name.as_str())
        .collect();
    assert_eq!(names, ["b2", "north"]);
    assert_eq!(
        config.cargotech.extra_accounts[1].password.expose(),
        "north-password"
    );
}

#[test]
fn an_extra_account_needs_both_its_phone_and_password_and_a_name_of_its_own() {
    let problems = Config::from_vars(vars(&[
        ("CARGOTECH_ACCOUNT_NORTH_PHONE", "+7 911 222 22 22"),
        ("CARGOTECH_ACCOUNT_MAIN_PHONE", "+7 911 333 33 33"),
        ("CARGOTECH_ACCOUNT_MAIN_PASSWORD", "x"),
    ]))
    .unwrap_err();
    let text = problems.to_string();
    assert!(
        text.contains("CARGOTECH_ACCOUNT_NORTH_PASSWORD is required"),
        "{text}"
    );
    assert!(text.contains("names an account `main`"), "{text}");
    assert_eq!(problems.0.len(), 2);
}

#[test]
fn door_limits_read_per_driver_and_per_address() {
    let config =
        Config::from_vars(vars(&[("LIMIT_PROMO", "3, 9"), ("LIMIT_SIGN_IN", "4")])).unwrap();
    assert_eq!(config.doors.promo.per_driver, Some(3));
    assert_eq!(config.doors.promo.per_address, 9);
    assert_eq!(config.doors.sign_in.per_address, 4);
    let problems =
        Config::from_vars(vars(&[("LIMIT_TRIAL", "10"), ("LIMIT_RESPOND", "0,5")])).unwrap_err();
    assert_eq!(problems.0.len(), 2, "{problems}");
    assert!(
        problems.0[0].starts_with("LIMIT_TRIAL must be two whole numbers"),
        "{problems}"
    );
}

#[test]
fn connections_are_limited_by_count_and_idle_time_and_bad_limits_are_refused_by_name() {
    let config = Config::from_vars(HashMap::new()).unwrap();
    assert_eq!(
        config.http.max_connections, None,
        "as many as the open files allow"
    );
    assert_eq!(
        config.http.idle_connection,
        std::time::Duration::from_secs(75)
    );

    let config = Config::from_vars(vars(&[
        ("MAX_CONNECTIONS", "5000"),
        ("IDLE_CONNECTION_SECONDS", "30"),
    ]))
    .unwrap();
    assert_eq!(config.http.max_connections, Some(5000));
    assert_eq!(
        config.http.idle_connection,
        std::time::Duration::from_secs(30)
    );

    for (max, idle) in [("0", "0"), ("many", "soon")] {
        let problems = Config::from_vars(vars(&[
            ("MAX_CONNECTIONS", max),
            ("IDLE_CONNECTION_SECONDS", idle),
        ]))
        .unwrap_err();
        assert_eq!(
            named(&problems),
            ["MAX_CONNECTIONS", "IDLE_CONNECTION_SECONDS"],
            "{problems:?}"
        );
    }
}
