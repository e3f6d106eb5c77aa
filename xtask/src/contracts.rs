//! The APIs' contracts, checked from outside: Schemathesis (from PyPI, in a virtualenv under
//! `target/`, installed once and skipped when present) generates requests from each published
//! OpenAPI document and runs every check on the answers (no server error, status codes and
//! bodies as documented, valid requests accepted, invalid ones refused, authentication not
//! ignored). It runs against a server of its own, on a data dir of its own, so what it changes
//! (saved filters, responses, payments, admins) is seen by no other test.

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use crate::{
    Result, root, site,
    test::{RunningServer, free_port, wait_until_alive},
};

/// Pinned, so a CI run tomorrow checks what it checked today.
const SCHEMATHESIS: &str = "schemathesis==4.32.5";

/// Fixed, so a failure seen in CI is the same one seen at a desk (`--seed` in the log).
const SEED: &str = "22";

/// The dashboard's owner on the contracts' own server.
const ADMIN_EMAIL: &str = "contracts-owner@hauler.test";
const ADMIN_PASSWORD: &str = "contracts-owner-password-42";

/// The machine client the internal API is checked as; the server knows it by its hash
/// (`SERVICE_TOKEN_CONTRACTS_HASH`), as an operator would configure one.
const SERVICE_TOKEN: &str = "contracts-service-token-for-the-internal-api";

/// SHA-256 hex, as the server keeps a service token.
fn token_hash(token: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// One API's run: how many requests Schemathesis generated and how many distinct failures it
/// found (any server error, any check failed).
pub struct ContractRun {
    pub api: &'static str,
    pub generated: u64,
    pub failures: u64,
    pub passed: bool,
    pub log: PathBuf,
}

fn venv() -> PathBuf {
    root().join("target/schemathesis-venv")
}

fn schemathesis() -> PathBuf {
    venv().join("bin/schemathesis")
}

/// Installs Schemathesis into its virtualenv, unless it is there already.
pub fn install() -> Result {
    let installed = Command::new(schemathesis())
        .arg("--version")
        .output()
        .is_ok_and(|out| {
            out.status.success()
                && String::from_utf8_lossy(&out.stdout)
                    .contains(SCHEMATHESIS.rsplit("==").next().expect("a pinned version"))
        });
    if installed {
        return Ok(());
    }
    println!("setup: installing {SCHEMATHESIS} into {}", venv().display());
    crate::sh(Command::new("python3").arg("-m").arg("venv").arg(venv()))?;
    crate::sh(
        Command::new(venv().join("bin/pip"))
            .args(["install", "--quiet", SCHEMATHESIS])
            .env("PIP_DISABLE_PIP_VERSION_CHECK", "1"),
    )
}

/// `cargo xtask contracts`: the checks alone, with their summary.
pub fn alone() -> Result {
    let runs = check(&crate::test::server_binary()?)?;
    for run in &runs {
        println!("{}", run.summary());
    }
    match runs.iter().filter(|run| !run.passed).count() {
        0 => Ok(()),
        failed => Err(format!("{failed} API(s) failed their contract")),
    }
}

impl ContractRun {
    /// The summary's line for this API.
    pub fn summary(&self) -> String {
        format!(
            "Schemathesis, {}: {} requests generated, {} failures ({}; log in {})",
            self.api,
            self.generated,
            self.failures,
            if self.passed { "passed" } else { "FAILED" },
            self.log.display()
        )
    }
}

/// Starts the contracts' server, then runs Schemathesis on each API.
pub fn check(server_binary: &Path) -> Result<Vec<ContractRun>> {
    install()?;
    let dir = root().join("target/contracts");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let port = free_port()?;
    let base_url = format!("http://127.0.0.1:{port}");
    let log = std::fs::File::create(dir.join("server.log")).map_err(|e| e.to_string())?;
    let server = Command::new(server_binary)
        .current_dir(root())
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .env("HAULER_MODE", "sandbox")
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("DATA_DIR", dir.join("data"))
        .env("SITE_ROOT", site::root_dir())
        .env("SANDBOX_CLOCK_SECONDS", "0")
        // Thousands of requests from one driver and one address: the doors' limits and the fair
        // share would answer most of them 429 and leave the handlers behind them unchecked.
        .env("FAIR_SHARE_FLOOR_PER_MINUTE", "1000000")
        .env("FAIR_SHARE_CEILING_PER_MINUTE", "1000000")
        .env("LIMIT_SIGN_IN", "1000000")
        .env("LIMIT_TRIAL", "1000000,1000000")
        .env("LIMIT_PROMO", "1000000,1000000")
        .env("LIMIT_PROMO_WRONG", "1000000,1000000")
        .env("LIMIT_PAYMENT", "1000000,1000000")
        .env("LIMIT_RESPOND", "1000000,1000000")
        .env("LIMIT_FILTERS", "1000000,1000000")
        .env("LIMIT_CABINET_LINKS", "1000000,1000000")
        .env("LIMIT_PACE", "1000000,1000000")
        .env("ADMIN_BOOTSTRAP_EMAIL", ADMIN_EMAIL)
        .env("ADMIN_BOOTSTRAP_PASSWORD", ADMIN_PASSWORD)
        .env("SERVICE_TOKEN_CONTRACTS_HASH", token_hash(SERVICE_TOKEN))
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        .spawn()
        .map_err(|e| format!("cannot start the contracts' server: {e}"))?;
    let _server = RunningServer(server);
    wait_until_alive(&base_url)?;

    let driver = signed_in_driver_with_access(&base_url)?;
    let mut runs = vec![
        run(
            "driver API",
            &base_url,
            "/api/v1/openapi.json",
            &dir,
            &[("SESSION", driver.as_str())],
            "driver.toml",
        )?,
        run(
            "internal API",
            &base_url,
            "/internal/v1/openapi.json",
            &dir,
            &[("SERVICE_TOKEN", SERVICE_TOKEN)],
            "internal.toml",
        )?,
    ];
    let admin = signed_in_owner(&base_url, &dir)?;
    runs.push(run(
        "admin API",
        &base_url,
        "/admin/api/openapi.json",
        &dir,
        &[
            ("ADMIN_SESSION", admin.session.as_str()),
            ("CSRF", admin.csrf.as_str()),
        ],
        "admin.toml",
    )?);
    Ok(runs)
}

/// The dashboard's owner, logged in: the session cookie's value and the CSRF token every change
/// sends.
struct SignedInAdmin {
    session: String,
    csrf: String,
}

/// Logs the bootstrapped owner in, as the dashboard does, and keeps what the answer gives.
fn signed_in_owner(base_url: &str, dir: &Path) -> Result<SignedInAdmin> {
    let headers = dir.join("admin-login.headers");
    let body = serde_json::json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD});
    let out = Command::new("curl")
        .args(["--silent", "--show-error", "--max-time", "30", "-X", "POST"])
        .args(["-H", "Content-Type: application/json", "--data-binary"])
        .arg(body.to_string())
        .arg("--dump-header")
        .arg(&headers)
        .arg(format!("{base_url}/admin/api/login"))
        .output()
        .map_err(|e| format!("curl is needed: {e}"))?;
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "the owner's login answered no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })?;
    let csrf = answer["csrf"]
        .as_str()
        .ok_or_else(|| format!("the owner's login gave no CSRF token: {answer}"))?
        .to_owned();
    let headers = std::fs::read_to_string(&headers).map_err(|e| e.to_string())?;
    let session = headers
        .lines()
        .filter_map(|line| line.split_once(':'))
        .filter(|(name, _)| name.eq_ignore_ascii_case("set-cookie"))
        .find_map(|(_, value)| value.trim().strip_prefix("hauler_admin="))
        .and_then(|value| value.split(';').next())
        .filter(|value| !value.is_empty())
        .ok_or("the owner's login set no session cookie")?
        .to_owned();
    Ok(SignedInAdmin { session, csrf })
}

/// The sandbox's demo driver, signed in, with the free trial begun (every cargo route needs
/// access).
fn signed_in_driver_with_access(base_url: &str) -> Result<String> {
    let signed_in = http(base_url, "POST", "/api/v1/auth/demo", &[], None)?;
    let token = signed_in["token"]
        .as_str()
        .ok_or_else(|| format!("the demo sign-in gave no token: {signed_in}"))?
        .to_owned();
    let bearer = format!("Bearer {token}");
    let access = http(
        base_url,
        "POST",
        "/api/v1/subscription/trial",
        &[("Authorization", &bearer)],
        None,
    )?;
    if access["active"] != true {
        return Err(format!("the demo driver got no access: {access}"));
    }
    wait_for_the_points_dictionary(base_url, &bearer)?;
    Ok(token)
}

/// The points dictionary loads from the exchange after start; until it has, searches by place
/// answer `503 cities_not_loaded` (documented), which Schemathesis would count as a server
/// error. The run starts once a city search answers.
fn wait_for_the_points_dictionary(base_url: &str, bearer: &str) -> Result {
    let started = std::time::Instant::now();
    loop {
        let found = http(
            base_url,
            "GET",
            "/api/v1/cities?q=%D0%9C%D0%BE",
            &[("Authorization", bearer)],
            None,
        )?;
        if found.is_array() {
            return Ok(());
        }
        if started.elapsed() > std::time::Duration::from_secs(60) {
            return Err(format!("the points dictionary did not load: {found}"));
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
}

/// One JSON request with curl (there is no HTTP client among xtask's dependencies).
fn http(
    base_url: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&serde_json::Value>,
) -> Result<serde_json::Value> {
    let mut curl = Command::new("curl");
    curl.args(["--silent", "--show-error", "--max-time", "30", "-X", method]);
    for (name, value) in headers {
        curl.arg("-H").arg(format!("{name}: {value}"));
    }
    if let Some(body) = body {
        curl.args(["-H", "Content-Type: application/json", "--data-binary"])
            .arg(body.to_string());
    }
    let out = curl
        .arg(format!("{base_url}{path}"))
        .output()
        .map_err(|e| format!("curl is needed: {e}"))?;
    serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "{method} {path} answered no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// Runs Schemathesis on one document with its settings file (in `xtask/contracts/`), the
/// credentials given as environment variables the file names.
fn run(
    api: &'static str,
    base_url: &str,
    document: &str,
    dir: &Path,
    credentials: &[(&str, &str)],
    settings: &str,
) -> Result<ContractRun> {
    let log = dir.join(format!("{}.log", settings.trim_end_matches(".toml")));
    let output = std::fs::File::create(&log).map_err(|e| e.to_string())?;
    println!(
        "contracts: Schemathesis on the {api} ({document}); log in {}",
        log.display()
    );
    let mut command = Command::new(schemathesis());
    command
        .arg("--config-file")
        .arg(root().join("xtask/contracts").join(settings))
        .args(["run", &format!("{base_url}{document}"), "--url", base_url])
        .args(["--checks", "all", "--seed", SEED, "--no-color"])
        .env("NO_COLOR", "1")
        .stdout(output.try_clone().map_err(|e| e.to_string())?)
        .stderr(output)
        .stdin(Stdio::null());
    for (name, value) in credentials {
        command.env(format!("HAULER_CONTRACTS_{name}"), value);
    }
    let status = command
        .status()
        .map_err(|e| format!("cannot start Schemathesis: {e}"))?;
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let (generated, failures) = summary(&text);
    if !status.success() {
        // The failures, as Schemathesis reports them (the whole log is kept).
        let start = text.find("FAILURES").unwrap_or(0);
        println!("{}", &text[start..]);
    }
    Ok(ContractRun {
        api,
        generated,
        failures,
        passed: status.success() && generated > 0,
        log,
    })
}

/// `Test cases:` then `1284 generated, 15 found 26 unique failures, 34 skipped` (`1 unique
/// failure` when there is one, or `1284 generated, 1284 passed`).
fn summary(text: &str) -> (u64, u64) {
    let line = text
        .lines()
        .skip_while(|line| line.trim() != "Test cases:")
        .nth(1)
        .unwrap_or_default();
    let number_before = |label: &str| {
        line.split(',')
            .flat_map(|part| part.split(" found "))
            .find_map(|part| part.trim().strip_suffix(label)?.trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    let failures = number_before("unique failures").max(number_before("unique failure"));
    (number_before("generated"), failures)
}

#[cfg(test)]
mod tests {
    use super::summary;

    #[test]
    fn the_summary_gives_requests_and_failures() {
        let text = "Test cases:\n  1284 generated, 15 found 26 unique failures, 34 skipped\n";
        assert_eq!(summary(text), (1284, 26));
        let text = "Test cases:\n  3003 generated, 1 found 1 unique failure, 47 skipped\n";
        assert_eq!(summary(text), (3003, 1));
        let text = "Test cases:\n  1284 generated, 1250 passed, 34 skipped\n";
        assert_eq!(summary(text), (1284, 0));
    }
}
