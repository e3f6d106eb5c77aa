//! The production smoke test: Hauler as an operator runs it, against services shaped like the
//! real ones, driven by a browser.
//!
//! 1. The dist tarball is unpacked (made from the debug binary `cargo test` built: see `dist`;
//!    `cargo xtask smoke --release` takes the release binary `cargo xtask dist` built).
//! 2. A certificate authority is made with `openssl`, and a certificate for 127.0.0.1 from it.
//! 3. PostgreSQL of its own (not the CI's) with `ssl=on`, refusing plain connections; two Redis
//!    of its own on a `--tls-port` only, as the README advises: one for sessions and counters
//!    (`noeviction`), one for the exchange's cached answers (`allkeys-lru`).
//! 4. `hauler sandbox`: CargoTech, Telegram and YooKassa as a separate process.
//! 5. `hauler migrate`, `hauler admin create`, then `hauler` with `HAULER_MODE=production`,
//!    `DATABASE_URL=…?sslmode=verify-full`, `REDIS_URL=rediss://…`, `REDIS_CACHE_URL` and the CA in
//!    `DATABASE_CA_FILE`/`REDIS_CA_FILE`; the bot in webhook mode.
//! 6. nginx in front, terminating TLS and adding `X-Forwarded-For` (Hauler trusts it), the
//!    https `PUBLIC_URL`; Telegram's webhooks and YooKassa's notifications arrive through it.
//! 7. Playwright (`end2end/production.config.ts`) tells the story and prints each step.
//! 8. The exchange's answers the story cached are in the cache's Redis, and none in the other.
//!
//! Every process is its own, on free ports, and is stopped when the test ends.

use std::{
    fs,
    io::Write,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::Instant,
};

use crate::{
    Result, dist, root, sh,
    test::{RunningServer, free_port, throwaway_key, wait_until_alive},
};

const PGBIN: &str = "/usr/lib/postgresql/15/bin";
const BOT_TOKEN: &str = "7000000042:smoke-test-bot-token";
const WEBHOOK_SECRET: &str = "smoke-webhook-secret";
const SHOP_ID: &str = "smoke-shop";
const SHOP_SECRET: &str = "smoke-yookassa-secret";
const CARGOTECH_PHONE: &str = "+7 922 333 44 55";
const CARGOTECH_PASSWORD: &str = "smoke-cargotech-password";
const ADMIN_EMAIL: &str = "operator@hauler.test";
const ADMIN_PASSWORD: &str = "smoke-operator-password-42";
/// YooKassa's notifications leave from here, and Hauler accepts them only from here.
const YOOKASSA_ADDRESS: &str = "127.0.0.2";

/// What the smoke test needs from the machine: PostgreSQL's and Redis's binaries (CI installs
/// both); nginx and openssl are installed when missing.
pub fn available() -> bool {
    Path::new(PGBIN).join("initdb").is_file() && crate::setup::on_path("redis-server")
}

/// The outcome: the browser's steps passed or not, and how long it all took.
pub struct Smoke {
    pub passed: u64,
    pub failed: u64,
    pub seconds: u64,
}

/// `cargo xtask smoke [--release]`: the test alone, on what is built already.
pub fn alone(args: &[String]) -> Result {
    let profile = match args {
        [] => dist::Profile::Debug,
        [flag] if flag == "--release" => dist::Profile::Release,
        _ => return Err("usage: cargo xtask smoke [--release]".into()),
    };
    if !available() {
        return Err("PostgreSQL 15's and Redis's binaries are needed".into());
    }
    let smoke = smoke(profile)?;
    println!("smoke: {} passed, {} failed", smoke.passed, smoke.failed);
    if smoke.failed == 0 && smoke.passed > 0 {
        Ok(())
    } else {
        Err("the production smoke test failed".into())
    }
}

pub fn smoke(profile: dist::Profile) -> Result<Smoke> {
    let started = Instant::now();
    crate::setup::for_smoke()?;
    let work = root().join("target/smoke");
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;

    step(
        1,
        &format!("unpacking the dist tarball ({} binary)", profile.name()),
    );
    let tarball = dist::pack(profile)?;
    sh(Command::new("tar")
        .arg("--extract")
        .arg("--file")
        .arg(&tarball)
        .arg("--directory")
        .arg(&work))?;
    let hauler = work.join("hauler/bin/hauler");

    step(
        2,
        "making a certificate authority and a certificate for 127.0.0.1 (openssl)",
    );
    let tls = Certificates::make(&work.join("tls"))?;

    // The databases live under /tmp: PostgreSQL runs as its own user, who may not reach target/.
    let scratch = std::env::temp_dir().join(format!("hauler-smoke-{}", std::process::id()));
    let _ = fs::remove_dir_all(&scratch);
    fs::create_dir_all(&scratch)
        .map_err(|e| format!("cannot create {}: {e}", scratch.display()))?;
    let _scratch = Scratch(scratch.clone());

    let pg_port = free_port()?;
    step(
        3,
        &format!("PostgreSQL 15 with ssl=on, TLS only, on 127.0.0.1:{pg_port}"),
    );
    let _postgres = Postgres::start(&scratch, pg_port, &tls)?;

    let (redis_port, cache_port) = (free_port()?, free_port()?);
    step(
        4,
        &format!(
            "Redis with --tls-port {redis_port} only (noeviction), and the cache's on {cache_port} (allkeys-lru)"
        ),
    );
    let _redis = start_redis(&work, redis_port, &tls, "redis.log", "noeviction")?;
    let _cache = start_redis(&work, cache_port, &tls, "redis-cache.log", "allkeys-lru")?;

    let sandbox_port = free_port()?;
    let app_port = free_port()?;
    let public_port = free_port()?;
    let public_url = format!("https://127.0.0.1:{public_port}");
    let sandbox_url = format!("http://127.0.0.1:{sandbox_port}");
    step(
        5,
        &format!("hauler sandbox on {sandbox_url} (CargoTech, Telegram, YooKassa)"),
    );
    let _sandbox = start_sandbox(&work, &hauler, sandbox_port, &public_url, &tls)?;
    wait_for_port(sandbox_port)?;

    let hauler_env = HaulerEnv {
        work: work.clone(),
        app_port,
        public_url: public_url.clone(),
        sandbox_url: sandbox_url.clone(),
        database_url: format!("postgres://postgres@127.0.0.1:{pg_port}/hauler?sslmode=verify-full"),
        redis_url: format!("rediss://127.0.0.1:{redis_port}"),
        redis_cache_url: format!("rediss://127.0.0.1:{cache_port}"),
        ca: tls.ca.clone(),
        key: throwaway_key()?,
    };
    step(6, "hauler migrate, over TLS to PostgreSQL");
    sh(hauler_env.command(&hauler, "migrate.log")?.arg("migrate"))?;
    step(7, "hauler admin create (the password from standard input)");
    create_admin(&hauler_env, &hauler)?;
    step(
        8,
        &format!("hauler in production mode on 127.0.0.1:{app_port}, bot in webhook mode"),
    );
    let server = hauler_env
        .command(&hauler, "hauler.log")?
        .spawn()
        .map_err(|e| format!("cannot start hauler: {e}"))?;
    let _server = RunningServer(server);
    wait_until_alive(&format!("http://127.0.0.1:{app_port}"))?;

    step(9, &format!("nginx terminating TLS at {public_url}"));
    let _nginx = start_nginx(&work, public_port, app_port, &tls)?;

    step(10, "Playwright: the story in the browser");
    let results = work.join("results.json");
    let status = Command::new("npx")
        .args(["playwright", "test", "--config", "production.config.ts"])
        .current_dir(root().join("end2end"))
        .env("BASE_URL", &public_url)
        .env("SANDBOX_URL", &sandbox_url)
        .env("TELEGRAM_BOT_TOKEN", BOT_TOKEN)
        .env("YOOKASSA_ADDRESS", YOOKASSA_ADDRESS)
        .env("ADMIN_EMAIL", ADMIN_EMAIL)
        .env("ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("SCREENSHOT_DIR", work.join("screenshots"))
        .env("PLAYWRIGHT_JSON_OUTPUT_NAME", &results)
        .status()
        .map_err(|e| format!("cannot start Playwright: {e}"))?;
    let stats = fs::read_to_string(&results)
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .map(|json| json["stats"].clone())
        .ok_or_else(|| {
            format!(
                "Playwright wrote no results ({status}); logs in {}",
                work.display()
            )
        })?;
    let count = |key: &str| stats[key].as_u64().unwrap_or(0);
    step(
        11,
        "the exchange's answers are in the cache's Redis, none in the sessions' one",
    );
    let apart = match cached_answers_kept_apart(&tls, redis_port, cache_port) {
        Ok(held) => {
            println!("smoke:     {held} cached answers in the cache's Redis, none in the other");
            true
        }
        Err(problem) => {
            println!("smoke:     FAILED: {problem}");
            false
        }
    };
    let smoke = Smoke {
        passed: count("expected") + count("flaky") + u64::from(apart),
        failed: count("unexpected")
            + u64::from(!status.success() && count("unexpected") == 0)
            + u64::from(!apart),
        seconds: started.elapsed().as_secs(),
    };
    println!(
        "smoke: done in {} s; logs of every process in {}",
        smoke.seconds,
        work.display()
    );
    Ok(smoke)
}

fn step(number: u32, what: &str) {
    println!("smoke: {number:>2}. {what}");
}

/// The test's certificate authority, and a certificate it signed for 127.0.0.1 and localhost.
struct Certificates {
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

impl Certificates {
    fn make(dir: &Path) -> Result<Self> {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let openssl = |args: &[&str]| {
            let mut command = Command::new("openssl");
            command.args(args).current_dir(dir).stderr(Stdio::null());
            sh(&mut command)
        };
        let ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
        let authority = format!(
            "req -x509 {ec} -keyout ca.key -out ca.pem -days 2 -subj /CN=Hauler-smoke-test-CA \
             -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign"
        );
        openssl(&authority.split_whitespace().collect::<Vec<_>>())?;
        let request = format!("req {ec} -keyout server.key -out server.csr -subj /CN=localhost");
        openssl(&request.split_whitespace().collect::<Vec<_>>())?;
        fs::write(
            dir.join("server.ext"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
             keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
        )
        .map_err(|e| e.to_string())?;
        let sign = "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
                    -out server.pem -days 2 -extfile server.ext";
        openssl(&sign.split_whitespace().collect::<Vec<_>>())?;
        Ok(Self {
            ca: dir.join("ca.pem"),
            cert: dir.join("server.pem"),
            key: dir.join("server.key"),
        })
    }
}

/// Removes the databases' folder when the test ends.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// A shell command as PostgreSQL's own user (initdb refuses root), or as us when we are not root.
fn as_postgres(script: &str) -> Command {
    let mut command = if running_as_root() {
        let mut su = Command::new("su");
        su.args(["postgres", "-s", "/bin/sh", "-c"]);
        su
    } else {
        let mut shell = Command::new("sh");
        shell.arg("-c");
        shell
    };
    command.arg(script);
    command
}

/// A PostgreSQL cluster of the test's own, stopped when dropped.
struct Postgres {
    data: PathBuf,
}

impl Postgres {
    fn start(scratch: &Path, port: u16, tls: &Certificates) -> Result<Self> {
        let data = scratch.join("pg");
        let log = scratch.join("pg.log");
        if running_as_root() {
            sh(Command::new("chown").arg("postgres:postgres").arg(scratch))?;
        }
        sh(&mut as_postgres(&format!(
            "{PGBIN}/initdb -D {} -A trust -U postgres --no-sync >/dev/null",
            data.display()
        )))?;
        // PostgreSQL's own TLS with the test's certificate; plain TCP connections are refused.
        for (from, name) in [(&tls.cert, "server.crt"), (&tls.key, "server.key")] {
            fs::copy(from, data.join(name)).map_err(|e| e.to_string())?;
        }
        fs::write(
            data.join("pg_hba.conf"),
            "local all all trust\nhostssl all all 127.0.0.1/32 trust\n\
             hostnossl all all 127.0.0.1/32 reject\n",
        )
        .map_err(|e| e.to_string())?;
        if running_as_root() {
            sh(Command::new("chown")
                .arg("-R")
                .arg("postgres:postgres")
                .arg(&data))?;
        }
        sh(Command::new("chmod")
            .arg("600")
            .arg(data.join("server.key")))?;
        let postgres = Self { data };
        sh(&mut as_postgres(&format!(
            "{PGBIN}/pg_ctl -D {} -l {} -o '-c listen_addresses=127.0.0.1 -p {port} -k {} \
             -c ssl=on -c fsync=off' -w start >/dev/null",
            postgres.data.display(),
            log.display(),
            scratch.display()
        )))?;
        sh(Command::new(format!("{PGBIN}/psql"))
            .args(["-q", "-h"])
            .arg(scratch)
            .args(["-p", &port.to_string(), "-U", "postgres"])
            .args(["-c", "CREATE DATABASE hauler"]))?;
        Ok(postgres)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = as_postgres(&format!(
            "{PGBIN}/pg_ctl -D {} -m fast -w stop >/dev/null",
            self.data.display()
        ))
        .status();
    }
}

fn log_file(work: &Path, name: &str) -> Result<(fs::File, fs::File)> {
    let file = fs::File::create(work.join(name)).map_err(|e| e.to_string())?;
    Ok((file.try_clone().map_err(|e| e.to_string())?, file))
}

/// A Redis on a TLS port only, evicting by `policy` once it holds 64 MB.
fn start_redis(
    work: &Path,
    port: u16,
    tls: &Certificates,
    log: &str,
    policy: &str,
) -> Result<RunningServer> {
    let (out, err) = log_file(work, log)?;
    let child = Command::new("redis-server")
        .args(["--port", "0", "--tls-port", &port.to_string()])
        .args(["--maxmemory", "64mb", "--maxmemory-policy", policy])
        .arg("--tls-cert-file")
        .arg(&tls.cert)
        .arg("--tls-key-file")
        .arg(&tls.key)
        .arg("--tls-ca-cert-file")
        .arg(&tls.ca)
        .args(["--tls-auth-clients", "no", "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot start redis-server: {e}"))?;
    Ok(RunningServer(child))
}

/// How many cached answers the cache's Redis holds; an error when it holds none, or when the
/// sessions' Redis holds any.
fn cached_answers_kept_apart(tls: &Certificates, redis: u16, cache: u16) -> Result<usize> {
    let cached = |port: u16| -> Result<usize> {
        let output = Command::new("redis-cli")
            .arg("--tls")
            .arg("--cacert")
            .arg(&tls.ca)
            .args(["-h", "127.0.0.1", "-p", &port.to_string()])
            .args(["--scan", "--pattern", "hauler:cache:*"])
            .output()
            .map_err(|e| format!("cannot run redis-cli: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "redis-cli failed: {}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        Ok(String::from_utf8_lossy(&output.stdout).lines().count())
    };
    match (cached(redis)?, cached(cache)?) {
        (0, 0) => Err("the cache's Redis holds no cached answer".into()),
        (0, held) => Ok(held),
        (strays, _) => Err(format!("the sessions' Redis holds {strays} cached answers")),
    }
}

fn start_sandbox(
    work: &Path,
    hauler: &Path,
    port: u16,
    public_url: &str,
    tls: &Certificates,
) -> Result<RunningServer> {
    let (out, err) = log_file(work, "sandbox.log")?;
    let child = Command::new(hauler)
        .current_dir(work)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        // Webhooks and notifications go to the https address, whose certificate the test's CA
        // signed (the Bot API and YooKassa trust the public authorities; this one, the test's).
        .env("SSL_CERT_FILE", &tls.ca)
        .env("TELEGRAM_BOT_TOKEN", BOT_TOKEN)
        .env("YOOKASSA_SHOP_ID", SHOP_ID)
        .env("YOOKASSA_SECRET_KEY", SHOP_SECRET)
        .env("CARGOTECH_PHONE", CARGOTECH_PHONE)
        .env("CARGOTECH_PASSWORD", CARGOTECH_PASSWORD)
        .env("SANDBOX_LATENCY_MS", "100")
        .env("SANDBOX_CLOCK_SECONDS", "0")
        .args(["sandbox", "--port", &port.to_string()])
        .arg("--notify-url")
        .arg(format!(
            "{public_url}/api/v1/payments/yookassa/notifications"
        ))
        .args(["--notify-from", YOOKASSA_ADDRESS])
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot start hauler sandbox: {e}"))?;
    Ok(RunningServer(child))
}

/// Hauler's environment in production mode, as an operator would write it.
struct HaulerEnv {
    work: PathBuf,
    app_port: u16,
    public_url: String,
    sandbox_url: String,
    database_url: String,
    redis_url: String,
    redis_cache_url: String,
    ca: PathBuf,
    key: String,
}

impl HaulerEnv {
    fn command(&self, hauler: &Path, log: &str) -> Result<Command> {
        let (out, err) = log_file(&self.work, log)?;
        let sandbox = &self.sandbox_url;
        let mut command = Command::new(hauler);
        command
            .current_dir(&self.work)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HAULER_MODE", "production")
            .env("LISTEN_ADDR", format!("127.0.0.1:{}", self.app_port))
            .env("PUBLIC_URL", &self.public_url)
            .env("TRUSTED_PROXIES", "127.0.0.1")
            .env("SITE_ROOT", self.work.join("hauler/site"))
            .env("DATA_DIR", self.work.join("data"))
            .env("DATABASE_URL", &self.database_url)
            .env("DATABASE_CA_FILE", &self.ca)
            .env("REDIS_URL", &self.redis_url)
            .env("REDIS_CACHE_URL", &self.redis_cache_url)
            .env("REDIS_CA_FILE", &self.ca)
            .env("ENCRYPTION_KEY", &self.key)
            .env("TELEGRAM_BOT_TOKEN", BOT_TOKEN)
            .env("TELEGRAM_API_BASE_URL", format!("{sandbox}/telegram"))
            .env("TELEGRAM_WEBHOOK_SECRET", WEBHOOK_SECRET)
            // No internet here: Telegram's script comes from the site, as in the sandbox.
            .env("TELEGRAM_WEB_APP_JS_URL", "/telegram-web-app.js")
            .env("CARGOTECH_BASE_URL", format!("{sandbox}/cargotech"))
            .env("CARGOTECH_PHONE", CARGOTECH_PHONE)
            .env("CARGOTECH_PASSWORD", CARGOTECH_PASSWORD)
            .env("YOOKASSA_BASE_URL", format!("{sandbox}/yookassa"))
            .env("YOOKASSA_SHOP_ID", SHOP_ID)
            .env("YOOKASSA_SECRET_KEY", SHOP_SECRET)
            .env("YOOKASSA_ALLOWED_IPS", YOOKASSA_ADDRESS)
            .env("STARS_PLATFORMS", "ios")
            .stdout(out)
            .stderr(err);
        Ok(command)
    }
}

fn create_admin(env: &HaulerEnv, hauler: &Path) -> Result {
    let mut child = env
        .command(hauler, "admin.log")?
        .args(["admin", "create", "--email", ADMIN_EMAIL])
        .stdin(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start hauler admin create: {e}"))?;
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(format!("{ADMIN_PASSWORD}\n").as_bytes())
        .map_err(|e| e.to_string())?;
    let status = child.wait().map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "hauler admin create failed ({status}); see target/smoke/admin.log"
        ))
    }
}

/// nginx as the balancer: TLS on the public port, Hauler behind it, the client's address in
/// `X-Forwarded-For` (the README's example configuration, on the test's ports).
fn start_nginx(
    work: &Path,
    public_port: u16,
    app_port: u16,
    tls: &Certificates,
) -> Result<RunningServer> {
    let dir = work.join("nginx");
    fs::create_dir_all(dir.join("temp")).map_err(|e| e.to_string())?;
    let conf = dir.join("nginx.conf");
    fs::write(
        &conf,
        format!(
            "daemon off;\nmaster_process off;\nerror_log {dir}/error.log warn;\npid {dir}/nginx.pid;\n\
             events {{ worker_connections 256; }}\n\
             http {{\n  access_log {dir}/access.log;\n\
             client_body_temp_path {dir}/temp/body;\n  proxy_temp_path {dir}/temp/proxy;\n\
             fastcgi_temp_path {dir}/temp/fastcgi;\n  uwsgi_temp_path {dir}/temp/uwsgi;\n\
             scgi_temp_path {dir}/temp/scgi;\n\
             upstream hauler {{ server 127.0.0.1:{app_port}; keepalive 1024; }}\n\
             server {{\n    listen 127.0.0.1:{public_port} ssl;\n\
             ssl_certificate {cert};\n    ssl_certificate_key {key};\n\
             location / {{\n      proxy_pass http://hauler;\n      proxy_http_version 1.1;\n\
             proxy_set_header Connection \"\";\n      proxy_set_header Host $host;\n\
             proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n\
             proxy_set_header X-Forwarded-Proto https;\n      proxy_buffering off;\n\
             proxy_read_timeout 60s;\n    }}\n  }}\n}}\n",
            dir = dir.display(),
            cert = tls.cert.display(),
            key = tls.key.display(),
        ),
    )
    .map_err(|e| e.to_string())?;
    let (out, err) = log_file(work, "nginx.log")?;
    let child = Command::new("nginx")
        .arg("-p")
        .arg(&dir)
        .arg("-c")
        .arg(&conf)
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot start nginx: {e}"))?;
    let nginx = RunningServer(child);
    wait_for_port(public_port)?;
    Ok(nginx)
}

fn wait_for_port(port: u16) -> Result {
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    Err(format!("nothing listens on 127.0.0.1:{port} after 10 s"))
}
