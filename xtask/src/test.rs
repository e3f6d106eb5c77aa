//! `cargo xtask test`: every test, then a summary of what ran against what. Exit status is the
//! truth: any failure anywhere fails the whole command.

use std::{
    collections::BTreeMap,
    io::{BufRead, BufReader},
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use crate::{Result, build_dir, cargo, contracts, dist, production, root, setup, sh, site};

#[derive(Default)]
struct Counts {
    passed: u64,
    failed: u64,
    skipped: u64,
    /// The failed tests' names, said again at the end so that a CI log is read from its last
    /// screen.
    failures: Vec<String>,
}

pub fn all() -> Result {
    setup::for_tests()?;
    contracts::install()?;
    // The bundles and the tests build at the same time: each build has long stretches that keep
    // one core busy (the bundles' link-time optimisation, a big crate's type checking), which the
    // other build fills.
    let site = std::thread::spawn(site::build);
    let tests = sh(cargo().args(["test", "--workspace", "--no-run"]));
    let bundle = site
        .join()
        .map_err(|_| "the site's build panicked".to_owned())??;
    tests?;
    let report = root().join("target/test-backends.log");
    let _ = std::fs::remove_file(&report);

    println!("\n== Rust: unit and integration tests");
    let rust = rust_tests(&report)?;

    println!("\n== Contracts: Schemathesis against a server of its own");
    let contract_runs = contracts::check(&server_binary()?)?;

    println!("\n== Browser: Playwright in Chromium against the real server");
    let browser = browser_tests()?;

    println!(
        "\n== Production smoke test: the dist artefact in production mode, sandbox services, TLS"
    );
    let smoke = if production::available() {
        Some(production::smoke(dist::Profile::Debug)?)
    } else {
        println!("skipped: PostgreSQL 15's and Redis's binaries are needed (.ci/run has them)");
        None
    };

    println!("\n== Summary");
    println!(
        "Rust unit + integration: {} passed, {} failed, {} ignored",
        rust.passed, rust.failed, rust.skipped
    );
    print_backends(&report);
    println!(
        "Browser end-to-end: {} passed, {} failed, {} skipped (server on {}, store {}); screenshots in {}",
        browser.passed,
        browser.failed,
        browser.skipped,
        if std::env::var("DATABASE_URL").is_ok() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        if std::env::var("REDIS_URL").is_ok() {
            "Redis"
        } else {
            "in-process"
        },
        screenshots_dir().display()
    );
    for run in &contract_runs {
        println!("{}", run.summary());
    }
    let (smoke_passed, smoke_failed) = match &smoke {
        Some(smoke) => {
            println!(
                "Production smoke test: {} passed, {} failed, in {} s (dist tarball, hauler sandbox, PostgreSQL and Redis over TLS, nginx, webhook bot)",
                smoke.passed, smoke.failed, smoke.seconds
            );
            (smoke.passed, smoke.failed)
        }
        None => {
            println!("Production smoke test: skipped (no PostgreSQL 15 or Redis binaries)");
            (0, 0)
        }
    };
    println!(
        "Driver bundle: {:.1} KB gzipped",
        bundle.total_gzipped() as f64 / 1024.0
    );
    let contracts_passed = contract_runs.iter().filter(|run| run.passed).count() as u64;
    let contracts_failed = contract_runs.len() as u64 - contracts_passed;
    let (passed, failed) = (
        rust.passed + browser.passed + contracts_passed + smoke_passed,
        rust.failed + browser.failed + contracts_failed + smoke_failed,
    );
    for failure in rust.failures.iter().chain(&browser.failures) {
        println!("failed: {failure}");
    }
    println!("total: {passed} passed, {failed} failed");
    if failed == 0 && passed > 0 {
        Ok(())
    } else {
        Err(format!("{failed} test(s) failed"))
    }
}

/// `cargo test` for the workspace, echoing its output and adding up its result lines.
fn rust_tests(report: &Path) -> Result<Counts> {
    let mut child = cargo()
        .args(["test", "--workspace", "--no-fail-fast"])
        .env("HAULER_TEST_REPORT", report)
        // The property tests of every parser of outside input try this many cases each (a
        // local `cargo test` tries proptest's default 256).
        .env("PROPTEST_CASES", "10000")
        // Most integration stories wait on timers and other processes, not the CPU: three at a
        // time on two cores take 220 s instead of 300 s (a `RUST_TEST_THREADS` set outside wins).
        .env(
            "RUST_TEST_THREADS",
            std::env::var("RUST_TEST_THREADS").unwrap_or_else(|_| "3".into()),
        )
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start cargo test: {e}"))?;
    let mut counts = Counts::default();
    let mut binary = String::new();
    for line in BufReader::new(child.stdout.take().expect("piped"))
        .lines()
        .map_while(|l| l.ok())
    {
        println!("{line}");
        if let Some(running) = line.trim().strip_prefix("Running ") {
            binary = test_binary(running);
        }
        if let Some(test) = line
            .strip_prefix("test ")
            .and_then(|rest| rest.strip_suffix(" ... FAILED"))
        {
            counts.failures.push(format!("{binary}: {test}"));
        }
        if let Some(result) = line.trim().strip_prefix("test result: ") {
            counts.passed += number_before(result, " passed");
            counts.failed += number_before(result, " failed");
            counts.skipped += number_before(result, " ignored");
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if !status.success() && counts.failed == 0 {
        // It did not get as far as running tests (a compile error, say).
        return Err(format!(
            "cargo test failed before reporting results ({status})"
        ));
    }
    Ok(counts)
}

/// `unittests src/lib.rs (target/debug/deps/server-1a2b…)` → `server unittests src/lib.rs`: which
/// crate's which tests a failed test's name belongs to.
fn test_binary(running: &str) -> String {
    let (what, path) = running.split_once(" (").unwrap_or((running, ""));
    let file = path
        .trim_end_matches(')')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    let krate = file.rsplit_once('-').map_or(file, |(name, _hash)| name);
    format!("{krate} {what}")
}

fn number_before(text: &str, label: &str) -> u64 {
    text.split(';')
        .find_map(|part| {
            part.trim()
                .strip_suffix(label)?
                .rsplit(' ')
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

/// Integration tests write one line per app they start: `database=… store=… test=…`.
fn print_backends(report: &Path) {
    let text = std::fs::read_to_string(report).unwrap_or_default();
    let mut by_backend: BTreeMap<String, u64> = BTreeMap::new();
    for line in text.lines() {
        for field in line
            .split(' ')
            .filter(|f| f.starts_with("database=") || f.starts_with("store="))
        {
            *by_backend.entry(field.to_owned()).or_default() += 1;
        }
    }
    println!("Integration runs by backend (one per server started by a test):");
    for (backend, runs) in &by_backend {
        println!("  {backend:<22} {runs} run(s)");
    }
    for (name, variable, key) in [
        ("PostgreSQL", "DATABASE_URL", "database=PostgreSQL"),
        ("Redis", "REDIS_URL", "store=Redis"),
    ] {
        match (
            std::env::var(variable).is_ok(),
            by_backend.contains_key(key),
        ) {
            (true, true) => println!("{name}: exercised for real ({variable} is set)"),
            (true, false) => println!("{name}: {variable} is set but no test ran against it!"),
            (false, _) => println!("{name}: not configured; set {variable} to run its variants"),
        }
    }
}

fn screenshots_dir() -> PathBuf {
    root().join("target/e2e-screenshots")
}

/// The browser tests' owner of the dashboard (a throwaway account on a throwaway server).
const E2E_ADMIN_EMAIL: &str = "owner@hauler.test";
const E2E_ADMIN_PASSWORD: &str = "e2e-owner-password-42";

/// The server the stories run against: the binary `cargo test` built for the integration tests.
/// A `cargo build` of it would compile every dependency a second time, without the test-only
/// features, and double the disk the build takes.
pub fn server_binary() -> Result<PathBuf> {
    let binary = build_dir("debug/hauler");
    if binary.is_file() {
        Ok(binary)
    } else {
        Err(format!(
            "{} is missing: cargo test did not build it",
            binary.display()
        ))
    }
}

fn browser_tests() -> Result<Counts> {
    let port = free_port()?;
    let data_dir = root().join("target/e2e-data");
    let _ = std::fs::remove_dir_all(&data_dir);
    let _ = std::fs::remove_dir_all(screenshots_dir());
    let log =
        std::fs::File::create(root().join("target/e2e-server.log")).map_err(|e| e.to_string())?;
    let server = Command::new(server_binary()?)
        .current_dir(root())
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("DATA_DIR", &data_dir)
        .env("SITE_ROOT", site::root_dir())
        .env("HAULER_MODE", "sandbox")
        // Loads appear only when a story adds them; new ones are looked for every two seconds.
        .env("SANDBOX_CLOCK_SECONDS", "0")
        // Its own keys in a Redis the integration tests used before it.
        .env("REDIS_KEY_PREFIX", format!("e2e-{port}"))
        .env("NEW_LOADS_CHECK_SECONDS", "2")
        // A story may open a whole page of cards at once: each driver keeps a full minute's share
        // (60 calls) however many stories run side by side.
        .env("FAIR_SHARE_FLOOR_PER_MINUTE", "60")
        // The stories take loads seconds after a list warmed their details: every opening of a
        // held detail is confirmed with the exchange, as it would be a quarter-minute later.
        .env("CACHE_DETAIL_CONFIRM_AFTER_SECONDS", "0")
        // Two CargoTech accounts serve the stories (the built-in exchange knows both).
        .env("CARGOTECH_ACCOUNT_NORTH_PHONE", "+7 911 222 22 22")
        .env("CARGOTECH_ACCOUNT_NORTH_PASSWORD", "north-sandbox-password")
        // Drivers on iOS pay in Telegram Stars (the stories on Android pay through YooKassa).
        .env("STARS_PLATFORMS", "ios")
        // Autopay charges the one-day plan five seconds after it is bought, and the renewal job
        // looks every second: the autopay stories see a renewal without waiting a day.
        .env("AUTOPAY_CHARGE_BEFORE_END_SECONDS", "86395")
        .env("AUTOPAY_CHECK_SECONDS", "1")
        // The dashboard's first owner, whom the admin stories log in as.
        .env("ADMIN_BOOTSTRAP_EMAIL", E2E_ADMIN_EMAIL)
        .env("ADMIN_BOOTSTRAP_PASSWORD", E2E_ADMIN_PASSWORD)
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        .spawn()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    let server = RunningServer(server);
    let base_url = format!("http://127.0.0.1:{port}");
    wait_until_alive(&base_url)?;
    let (production, production_url) = production_server(&base_url)?;

    let results = root().join("target/e2e-results.json");
    let _ = std::fs::remove_file(&results);
    let status = Command::new("npx")
        .args(["playwright", "test"])
        .current_dir(root().join("end2end"))
        .env("BASE_URL", &base_url)
        .env("PRODUCTION_BASE_URL", &production_url)
        .env("ADMIN_EMAIL", E2E_ADMIN_EMAIL)
        .env("ADMIN_PASSWORD", E2E_ADMIN_PASSWORD)
        .env("SCREENSHOT_DIR", screenshots_dir())
        .env("PLAYWRIGHT_JSON_OUTPUT_NAME", &results)
        .status()
        .map_err(|e| format!("cannot start Playwright: {e}"))?;
    drop(server);
    drop(production);

    let json = std::fs::read_to_string(&results)
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .ok_or_else(|| {
            format!("Playwright wrote no results ({status}); see target/e2e-server.log")
        })?;
    let count = |key: &str| json["stats"][key].as_u64().unwrap_or(0);
    let mut failures = Vec::new();
    failed_stories(&json["suites"], &mut failures);
    Ok(Counts {
        passed: count("expected") + count("flaky"),
        failed: count("unexpected"),
        skipped: count("skipped"),
        failures,
    })
}

/// The stories Playwright's JSON report says failed, as `file › title`, suite by suite.
fn failed_stories(suites: &serde_json::Value, failures: &mut Vec<String>) {
    for suite in suites.as_array().into_iter().flatten() {
        for spec in suite["specs"].as_array().into_iter().flatten() {
            if spec["ok"] == false {
                let file = spec["file"].as_str().or(suite["file"].as_str());
                let title = spec["title"].as_str().unwrap_or("?");
                failures.push(format!("{} › {title}", file.unwrap_or("?")));
            }
        }
        failed_stories(&suite["suites"], failures);
    }
}

/// A second server in production mode, for what must differ there (no demo login). Its
/// "outside systems" are the sandbox server's stand-ins, reached by URL as real ones would be.
fn production_server(sandbox_url: &str) -> Result<(RunningServer, String)> {
    let port = free_port()?;
    let data_dir = root().join("target/e2e-data-production");
    let _ = std::fs::remove_dir_all(&data_dir);
    std::fs::create_dir_all(&data_dir).map_err(|e| e.to_string())?;
    let log = std::fs::File::create(root().join("target/e2e-production-server.log"))
        .map_err(|e| e.to_string())?;
    let server = Command::new(server_binary()?)
        .current_dir(root())
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .env("HAULER_MODE", "production")
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("DATA_DIR", &data_dir)
        .env("SITE_ROOT", site::root_dir())
        .env("ENCRYPTION_KEY", throwaway_key()?)
        .env("TELEGRAM_BOT_TOKEN", SANDBOX_BOT_TOKEN)
        .env(
            "TELEGRAM_API_BASE_URL",
            format!("{sandbox_url}/sandbox/telegram"),
        )
        .env("TELEGRAM_WEB_APP_JS_URL", "/telegram-web-app.js")
        // The sandbox server polls the stand-in; this one must not take its updates.
        .env("TELEGRAM_UPDATES", "off")
        // Production takes only an https address; links are all it makes with it here.
        .env("PUBLIC_URL", format!("https://127.0.0.1:{port}"))
        .env(
            "CARGOTECH_BASE_URL",
            format!("{sandbox_url}/sandbox/cargotech"),
        )
        .env("CARGOTECH_PHONE", "+7 911 111 11 11")
        .env("CARGOTECH_PASSWORD", "sandbox-password")
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        .spawn()
        .map_err(|e| format!("cannot start the production-mode server: {e}"))?;
    let server = RunningServer(server);
    let url = format!("http://127.0.0.1:{port}");
    wait_until_alive(&url)?;
    Ok((server, url))
}

/// The sandbox bot's token: the production-mode test server talks to the sandbox Telegram.
const SANDBOX_BOT_TOKEN: &str = "7000000001:sandbox-bot-token-for-tests";

/// A fresh 32-byte key for the test server only, from the kernel's random source.
pub fn throwaway_key() -> Result<String> {
    use std::io::Read;
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut random| random.read_exact(&mut bytes))
        .map_err(|e| e.to_string())?;
    use base64::Engine;
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// Stops the server with SIGTERM (as an operator would) when dropped.
pub struct RunningServer(pub Child);

impl Drop for RunningServer {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.0.kill();
    }
}

pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

pub fn wait_until_alive(base_url: &str) -> Result {
    let deadline = Instant::now() + Duration::from_secs(60);
    let address = base_url.trim_start_matches("http://");
    while Instant::now() < deadline {
        if let Ok(mut stream) = std::net::TcpStream::connect(address) {
            use std::io::{Read, Write};
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let request =
                format!("GET /healthz HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
            let mut answer = String::new();
            if stream.write_all(request.as_bytes()).is_ok()
                && stream.read_to_string(&mut answer).is_ok()
                && answer.starts_with("HTTP/1.1 200")
            {
                return Ok(());
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Err("the server did not come up within 60 s; see target/e2e-server.log".into())
}

#[cfg(test)]
mod tests {
    use super::{failed_stories, test_binary};

    #[test]
    fn a_failed_rust_test_is_named_with_its_crate() {
        assert_eq!(
            test_binary("unittests src/lib.rs (target/debug/deps/server-8f3c2a9d1e)"),
            "server unittests src/lib.rs"
        );
        assert_eq!(
            test_binary("tests/api.rs (/work/target/debug/deps/api-0a1b2c)"),
            "api tests/api.rs"
        );
    }

    #[test]
    fn a_failed_story_is_found_in_nested_suites_and_a_flaky_one_is_not() {
        let report = serde_json::json!([{
            "file": "geo.spec.ts",
            "specs": [{ "title": "finds loads near Tver", "ok": true, "file": "geo.spec.ts" }],
            "suites": [{
                "file": "geo.spec.ts",
                "specs": [
                    { "title": "tapped before the first load", "ok": false, "file": "geo.spec.ts" },
                    { "title": "passed on its retry", "ok": true, "file": "geo.spec.ts" }
                ]
            }]
        }]);
        let mut failures = Vec::new();
        failed_stories(&report, &mut failures);
        assert_eq!(failures, ["geo.spec.ts › tapped before the first load"]);
    }
}
