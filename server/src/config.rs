//! Configuration from environment variables (and an optional `.env` file), validated at start.
//! Every problem is reported at once, one line per variable, so an operator fixes them in one go.
//! `.env.example` documents each variable.

use std::{collections::HashMap, fmt, net::SocketAddr, path::PathBuf, time::Duration};

use base64::{Engine, engine::general_purpose::STANDARD};
use domain::sealing::SealingKey;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Built-in sandbox upstreams and demo data; needs no accounts.
    Sandbox,
    /// Real CargoTech, Telegram and YooKassa; refuses to start without their credentials.
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// A value that must never be printed: `Debug` shows only that it is set.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[derive(Debug)]
pub struct Config {
    pub mode: Mode,
    pub listen_addr: SocketAddr,
    pub data_dir: PathBuf,
    /// `None`: a SQLite file under `data_dir`.
    pub database_url: Option<Secret>,
    /// `None`: the in-process cache and session store.
    pub redis_url: Option<Secret>,
    /// Every Redis key starts with it (deployments sharing one Redis keep apart).
    pub redis_key_prefix: String,
    /// Where the built site (`pkg/`, static files) lives.
    pub site_root: PathBuf,
    pub telegram_web_app_js_url: String,
    pub log_format: LogFormat,
    pub log_filter: String,
    /// `None` only in sandbox mode: a key is then generated once and kept under `data_dir`.
    pub encryption_key: Option<SealingKey>,
    pub previous_encryption_keys: Vec<SealingKey>,
    pub telegram_bot_token: Option<Secret>,
    /// The Bot API's base URL. `None` in sandbox mode: the built-in stand-in served by this
    /// process.
    pub telegram_api_base_url: Option<String>,
    /// How the bot hears from Telegram.
    pub telegram_updates: UpdatesMode,
    /// Telegram sends it with every webhook call (`X-Telegram-Bot-Api-Secret-Token`).
    pub telegram_webhook_secret: Option<Secret>,
    /// The address drivers open the Mini App at (the bot's buttons lead there). `None` in sandbox
    /// mode: this server's own address.
    pub public_url: Option<String>,
    /// `None` in sandbox mode: the built-in exchange served by this process.
    pub cargotech_base_url: Option<String>,
    pub cargotech_phone: Option<Secret>,
    pub cargotech_password: Option<Secret>,
    /// More accounts on the same exchange, each with its own budget: capacity grows by one
    /// account's budget per account.
    pub cargotech_extra_accounts: Vec<ExtraAccount>,
    /// How long in-flight requests may take to finish after SIGTERM.
    pub shutdown_grace: Duration,
    /// Launch data older than this is refused (300–3600 s).
    pub init_data_max_age_seconds: i64,
    pub init_data_check: InitDataCheck,
    /// Upstream calls per minute for the whole account, shared by every instance.
    pub cargotech_budget_per_minute: u32,
    /// Driver requests that may wait for an upstream slot at once; more are refused at once.
    pub cargotech_queue_limit: usize,
    pub cache_ttl_list: Duration,
    pub cache_ttl_detail: Duration,
    pub cache_ttl_dictionary: Duration,
    /// How long a driver's request may wait for an upstream slot before `upstream_busy`.
    pub cargotech_slot_wait: Duration,
    /// The built-in exchange's answer time (sandbox mode).
    pub sandbox_latency: Duration,
    /// How often loads appear on and leave the built-in exchange; `None`: it stands still.
    pub sandbox_clock: Option<Duration>,
    /// The Telegram chat where operators get alerts; `None`: alerts go to the logs only.
    pub operator_chat_id: Option<i64>,
    /// How often the operators' watch looks at the exchange connection and the budget.
    pub operator_check_every: Duration,
    /// For `hauler bot`: the server's address and the bot's service token.
    pub server_url: Option<String>,
    pub service_token: Option<Secret>,
    /// Machine clients' token hashes from `SERVICE_TOKEN_<NAME>_HASH`: (name, SHA-256 hex).
    pub service_token_hashes: Vec<(String, String)>,
    /// How often the detector of new loads takes a fresh look at watched filters.
    pub new_loads_every: Duration,
    /// New-load alerts a driver gets at most in an hour.
    pub alerts_per_hour: u32,
    /// Days of the free trial each driver may start once; 0: no trial.
    pub trial_days: u32,
    /// How often access reminders are sent and pending payments re-read from YooKassa.
    pub payments_check_every: Duration,
    /// YooKassa's API. `None` in sandbox mode: the built-in stand-in served by this process.
    pub yookassa_base_url: Option<String>,
    pub yookassa_shop_id: Option<String>,
    pub yookassa_secret_key: Option<Secret>,
    /// Who may deliver payment notifications; `None`: YooKassa's published ranges (and loopback
    /// in sandbox mode, for the stand-in).
    pub yookassa_allowed_ips: Option<Vec<ipnet::IpNet>>,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The 54-FZ receipt; `None` (no `YOOKASSA_RECEIPT_EMAIL`): payments carry no receipt.
    pub yookassa_receipt: Option<crate::payments::ReceiptSettings>,
    /// The first owner, created on start when there is no admin yet.
    pub admin_bootstrap_email: Option<String>,
    pub admin_bootstrap_password: Option<Secret>,
    /// Telegram platforms (`ios`, `android`, …) whose drivers pay in Telegram Stars.
    pub stars_platforms: Vec<String>,
    /// `https://t.me/<bot>/<app>`: where YooKassa returns a driver after paying.
    pub telegram_mini_app_url: Option<String>,
}

/// How the bot receives updates from Telegram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdatesMode {
    /// Telegram calls `PUBLIC_URL/telegram/webhook` (registered at start).
    Webhook,
    /// The server asks Telegram (`getUpdates`), for local use.
    Polling,
    /// Another process (the separate bot service) handles updates.
    Off,
}

/// How the Mini App's launch data is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitDataCheck {
    /// HMAC with the bot token (first-party).
    BotToken,
    /// Ed25519 with Telegram's public key; `test_key` picks the test environment's key.
    ThirdParty { bot_id: u64, test_key: bool },
}

/// The account `CARGOTECH_PHONE` and `CARGOTECH_PASSWORD` describe.
pub const PRIMARY_ACCOUNT: &str = "main";

/// A CargoTech account beyond the primary one.
#[derive(Debug, Clone)]
pub struct ExtraAccount {
    /// Lower-case, from the variables' `<NAME>`; it keys the account's token and budget.
    pub name: String,
    pub phone: Secret,
    pub password: Secret,
}

/// The sandbox exchange's account, used when no CargoTech credentials are configured in sandbox
/// mode. It opens nothing real.
pub const SANDBOX_CARGOTECH_PHONE: &str = "+7 911 111 11 11";
pub const SANDBOX_CARGOTECH_PASSWORD: &str = "sandbox-password";

/// The sandbox's stand-in bot token: the sandbox Telegram and the browser tests sign with it.
/// It opens nothing real.
pub const SANDBOX_BOT_TOKEN: &str = "7000000001:sandbox-bot-token-for-tests";

/// The sandbox YooKassa's test shop, used in sandbox mode when no shop is configured. It opens
/// nothing real.
pub const SANDBOX_YOOKASSA_SHOP_ID: &str = "sandbox-shop";
pub const SANDBOX_YOOKASSA_SECRET_KEY: &str = "sandbox-yookassa-secret-key";

impl Config {
    /// The bot token launch data is signed with: the configured one, or the sandbox's.
    pub fn bot_token(&self) -> &str {
        self.telegram_bot_token
            .as_ref()
            .map_or(SANDBOX_BOT_TOKEN, Secret::expose)
    }
}

/// Everything wrong with the environment, one line per variable.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigProblems(pub Vec<String>);

impl fmt::Display for ConfigProblems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "hauler cannot start: the configuration has {} problem(s):",
            self.0.len()
        )?;
        for problem in &self.0 {
            writeln!(f, "  - {problem}")?;
        }
        write!(
            f,
            "See .env.example for every variable, its default and an example."
        )
    }
}

impl std::error::Error for ConfigProblems {}

impl Config {
    /// Reads the process environment, after loading `.env` if there is one (real environment
    /// variables win over the file).
    pub fn from_env() -> Result<Self, ConfigProblems> {
        let _ = dotenvy::dotenv();
        Self::from_vars(std::env::vars().collect())
    }

    pub fn from_vars(vars: HashMap<String, String>) -> Result<Self, ConfigProblems> {
        let mut reader = Reader {
            vars,
            problems: Vec::new(),
        };
        let config = reader.read();
        if reader.problems.is_empty() {
            Ok(config)
        } else {
            Err(ConfigProblems(reader.problems))
        }
    }

    pub fn sqlite_path(&self) -> PathBuf {
        self.data_dir.join("hauler.sqlite")
    }
}

struct Reader {
    vars: HashMap<String, String>,
    problems: Vec<String>,
}

impl Reader {
    fn read(&mut self) -> Config {
        let mode = match self.text("HAULER_MODE").as_deref() {
            None | Some("sandbox") => Mode::Sandbox,
            Some("production") => Mode::Production,
            Some(other) => {
                self.problem(
                    "HAULER_MODE",
                    format!("must be `sandbox` or `production`, not `{other}`"),
                );
                Mode::Sandbox
            }
        };
        let listen_addr = self
            .parsed("LISTEN_ADDR", "an address like 127.0.0.1:3000")
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 3000)));
        let log_format = match self.text("LOG_FORMAT").as_deref() {
            None if mode == Mode::Production => LogFormat::Json,
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                self.problem(
                    "LOG_FORMAT",
                    format!("must be `pretty` or `json`, not `{other}`"),
                );
                LogFormat::Pretty
            }
        };
        let shutdown_seconds: u64 = self
            .parsed("SHUTDOWN_GRACE_SECONDS", "a whole number of seconds")
            .unwrap_or(20);

        let config = Config {
            mode,
            listen_addr,
            data_dir: self
                .text("DATA_DIR")
                .unwrap_or_else(|| "data".into())
                .into(),
            database_url: self.database_url(),
            redis_url: self.url("REDIS_URL", &["redis://", "rediss://"]),
            redis_key_prefix: self
                .text("REDIS_KEY_PREFIX")
                .unwrap_or_else(|| "hauler".into()),
            site_root: self
                .text("SITE_ROOT")
                .unwrap_or_else(|| "target/site".into())
                .into(),
            telegram_web_app_js_url: self.text("TELEGRAM_WEB_APP_JS_URL").unwrap_or_else(|| {
                match mode {
                    // The sandbox has no internet: the official script is served from the site.
                    Mode::Sandbox => "/telegram-web-app.js".into(),
                    Mode::Production => "https://telegram.org/js/telegram-web-app.js".into(),
                }
            }),
            log_format,
            log_filter: self
                .text("RUST_LOG")
                .unwrap_or_else(|| "info,sqlx=warn".into()),
            encryption_key: self.encryption_key(),
            previous_encryption_keys: self.previous_encryption_keys(),
            telegram_bot_token: self.secret("TELEGRAM_BOT_TOKEN"),
            telegram_api_base_url: self
                .url("TELEGRAM_API_BASE_URL", &["http://", "https://"])
                .map(|url| url.0.trim_end_matches('/').to_owned())
                .or_else(|| (mode == Mode::Production).then(|| "https://api.telegram.org".into())),
            public_url: self
                .url("PUBLIC_URL", &["http://", "https://"])
                .map(|url| url.0.trim_end_matches('/').to_owned()),
            telegram_updates: match self.text("TELEGRAM_UPDATES").as_deref() {
                None => match mode {
                    Mode::Sandbox => UpdatesMode::Polling,
                    Mode::Production => UpdatesMode::Webhook,
                },
                Some("webhook") => UpdatesMode::Webhook,
                Some("polling") => UpdatesMode::Polling,
                Some("off") => UpdatesMode::Off,
                Some(other) => {
                    self.problem(
                        "TELEGRAM_UPDATES",
                        format!("must be `webhook`, `polling` or `off`, not `{other}`"),
                    );
                    UpdatesMode::Polling
                }
            },
            telegram_webhook_secret: self.secret("TELEGRAM_WEBHOOK_SECRET"),
            cargotech_base_url: self
                .url("CARGOTECH_BASE_URL", &["http://", "https://"])
                .map(|url| url.0.trim_end_matches('/').to_owned())
                .or_else(|| (mode == Mode::Production).then(|| "https://api.cargotech.pro".into())),
            cargotech_phone: self.secret("CARGOTECH_PHONE"),
            cargotech_password: self.secret("CARGOTECH_PASSWORD"),
            cargotech_extra_accounts: self.extra_accounts(),
            shutdown_grace: Duration::from_secs(shutdown_seconds),
            init_data_max_age_seconds: self.init_data_max_age(),
            init_data_check: self.init_data_check(),
            cargotech_budget_per_minute: self.positive("CARGOTECH_BUDGET_PER_MINUTE", 600),
            cargotech_queue_limit: self.positive("CARGOTECH_QUEUE_LIMIT", 1000) as usize,
            cache_ttl_list: Duration::from_secs(
                self.positive("CACHE_TTL_LIST_SECONDS", 300).into(),
            ),
            cache_ttl_detail: Duration::from_secs(
                self.positive("CACHE_TTL_DETAIL_SECONDS", 900).into(),
            ),
            cache_ttl_dictionary: Duration::from_secs(
                self.positive("CACHE_TTL_DICTIONARY_SECONDS", 86_400).into(),
            ),
            cargotech_slot_wait: Duration::from_millis(
                self.positive("CARGOTECH_SLOT_WAIT_MS", 8000).into(),
            ),
            sandbox_latency: Duration::from_millis(
                self.parsed("SANDBOX_LATENCY_MS", "a whole number of milliseconds")
                    .unwrap_or(700),
            ),
            sandbox_clock: match self
                .parsed::<u64>("SANDBOX_CLOCK_SECONDS", "a whole number of seconds")
            {
                Some(0) => None,
                Some(seconds) => Some(Duration::from_secs(seconds)),
                None => Some(Duration::from_secs(60)),
            },
            service_token_hashes: self.service_token_hashes(),
            server_url: self
                .url("HAULER_SERVER_URL", &["http://", "https://"])
                .map(|url| url.0.trim_end_matches('/').to_owned()),
            service_token: self.secret("HAULER_SERVICE_TOKEN"),
            operator_chat_id: self.parsed("TELEGRAM_OPERATOR_CHAT_ID", "a Telegram chat id"),
            operator_check_every: Duration::from_secs(
                self.positive("OPERATOR_ALERTS_CHECK_SECONDS", 30).into(),
            ),
            new_loads_every: Duration::from_secs(
                self.positive("NEW_LOADS_CHECK_SECONDS", 30).into(),
            ),
            alerts_per_hour: self.positive("ALERTS_PER_HOUR", 10),
            trial_days: self
                .parsed("TRIAL_DAYS", "a whole number of days (0: no trial)")
                .unwrap_or(3),
            payments_check_every: Duration::from_secs(
                self.positive("PAYMENTS_CHECK_SECONDS", 300).into(),
            ),
            yookassa_base_url: self
                .url("YOOKASSA_BASE_URL", &["http://", "https://"])
                .map(|url| url.0.trim_end_matches('/').to_owned())
                .or_else(|| (mode == Mode::Production).then(|| "https://api.yookassa.ru".into())),
            yookassa_shop_id: self.text("YOOKASSA_SHOP_ID"),
            yookassa_secret_key: self.secret("YOOKASSA_SECRET_KEY"),
            yookassa_allowed_ips: self.ranges("YOOKASSA_ALLOWED_IPS"),
            trusted_proxies: self.ranges("TRUSTED_PROXIES").unwrap_or_default(),
            yookassa_receipt: self.receipt(),
            admin_bootstrap_email: self.text("ADMIN_BOOTSTRAP_EMAIL"),
            admin_bootstrap_password: self.secret("ADMIN_BOOTSTRAP_PASSWORD"),
            stars_platforms: self
                .text("STARS_PLATFORMS")
                .map(|list| {
                    list.split(',')
                        .map(|platform| platform.trim().to_lowercase())
                        .filter(|platform| !platform.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            telegram_mini_app_url: self
                .url("TELEGRAM_MINI_APP_URL", &["https://"])
                .map(|url| url.0.trim_end_matches('/').to_owned()),
        };
        if mode == Mode::Production {
            self.require_production_credentials(&config);
        }
        if config.telegram_updates == UpdatesMode::Webhook
            && config.telegram_webhook_secret.is_none()
            && !self
                .problems
                .iter()
                .any(|p| p.starts_with("TELEGRAM_WEBHOOK_SECRET"))
        {
            self.problem(
                "TELEGRAM_WEBHOOK_SECRET",
                "is required when TELEGRAM_UPDATES is `webhook` (Telegram sends it with every update)",
            );
        }
        config
    }

    fn require_production_credentials(&mut self, config: &Config) {
        let missing = [
            (
                "ENCRYPTION_KEY",
                config.encryption_key.is_none(),
                "the key that seals secrets at rest",
            ),
            (
                "TELEGRAM_BOT_TOKEN",
                config.telegram_bot_token.is_none(),
                "the bot's token from @BotFather",
            ),
            (
                "PUBLIC_URL",
                config.public_url.is_none(),
                "the https address drivers open the Mini App at",
            ),
            (
                "CARGOTECH_PHONE",
                config.cargotech_phone.is_none(),
                "the CargoTech account's phone",
            ),
            (
                "CARGOTECH_PASSWORD",
                config.cargotech_password.is_none(),
                "the CargoTech account's password",
            ),
        ];
        for (name, is_missing, what) in missing {
            if is_missing && !self.problems.iter().any(|p| p.starts_with(name)) {
                self.problem(name, format!("is required in production mode ({what})"));
            }
        }
    }

    /// `SERVICE_TOKEN_<NAME>_HASH=<sha256 hex>[,<sha256 hex>…]` (two during a rotation).
    fn service_token_hashes(&mut self) -> Vec<(String, String)> {
        let mut names: Vec<String> = self
            .vars
            .keys()
            .filter_map(|key| {
                key.strip_prefix("SERVICE_TOKEN_")?
                    .strip_suffix("_HASH")
                    .map(str::to_owned)
            })
            .filter(|name| !name.is_empty())
            .collect();
        names.sort();
        let mut hashes = Vec::new();
        for name in names {
            let variable = format!("SERVICE_TOKEN_{name}_HASH");
            let Some(list) = self.text(&variable) else {
                continue;
            };
            for hash in list.split(',').map(str::trim).filter(|h| !h.is_empty()) {
                if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                    hashes.push((name.to_lowercase(), hash.to_lowercase()));
                } else {
                    self.problem(
                        &variable,
                        "must be SHA-256 hashes in hex (64 characters each), comma-separated",
                    );
                }
            }
        }
        hashes
    }

    /// `CARGOTECH_ACCOUNT_<NAME>_PHONE` and `CARGOTECH_ACCOUNT_<NAME>_PASSWORD`, in name order.
    fn extra_accounts(&mut self) -> Vec<ExtraAccount> {
        let mut names: Vec<String> = self
            .vars
            .keys()
            .filter_map(|key| {
                let rest = key.strip_prefix("CARGOTECH_ACCOUNT_")?;
                rest.strip_suffix("_PHONE")
                    .or_else(|| rest.strip_suffix("_PASSWORD"))
                    .map(str::to_owned)
            })
            .filter(|name| !name.is_empty())
            .collect();
        names.sort();
        names.dedup();
        let mut accounts = Vec::new();
        for name in names {
            let phone = format!("CARGOTECH_ACCOUNT_{name}_PHONE");
            let password = format!("CARGOTECH_ACCOUNT_{name}_PASSWORD");
            let account = name.to_lowercase();
            if account == PRIMARY_ACCOUNT
                || !account
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_')
            {
                self.problem(
                    &phone,
                    format!(
                        "names an account `{account}`: use letters, digits and `_`, and not `{PRIMARY_ACCOUNT}` (that is CARGOTECH_PHONE's)"
                    ),
                );
                continue;
            }
            match (self.secret(&phone), self.secret(&password)) {
                (Some(phone), Some(password)) => accounts.push(ExtraAccount {
                    name: account,
                    phone,
                    password,
                }),
                (None, _) => self.problem(&phone, format!("is required with {password}")),
                (_, None) => self.problem(&password, format!("is required with {phone}")),
            }
        }
        accounts
    }

    /// Comma-separated CIDR ranges (a bare address is one host).
    fn ranges(&mut self, name: &str) -> Option<Vec<ipnet::IpNet>> {
        let list = self.text(name)?;
        match crate::payments::gate::parse_ranges(&list) {
            Ok(ranges) => Some(ranges),
            Err(entry) => {
                self.problem(
                    name,
                    format!("must be comma-separated ranges like 185.71.76.0/27, not `{entry}`"),
                );
                None
            }
        }
    }

    fn receipt(&mut self) -> Option<crate::payments::ReceiptSettings> {
        let customer_email = self.text("YOOKASSA_RECEIPT_EMAIL")?;
        let vat_code: u8 = self
            .parsed("YOOKASSA_VAT_CODE", "YooKassa's VAT code, 1 to 12")
            .unwrap_or(1);
        if !(1..=12).contains(&vat_code) {
            self.problem("YOOKASSA_VAT_CODE", "must be from 1 to 12");
        }
        Some(crate::payments::ReceiptSettings {
            customer_email,
            vat_code,
            payment_mode: self
                .text("YOOKASSA_PAYMENT_MODE")
                .unwrap_or_else(|| "full_payment".into()),
            payment_subject: self
                .text("YOOKASSA_PAYMENT_SUBJECT")
                .unwrap_or_else(|| "service".into()),
        })
    }

    fn positive(&mut self, name: &str, default: u32) -> u32 {
        match self.parsed::<u32>(name, "a whole number above zero") {
            Some(0) => {
                self.problem(name, "must be above zero");
                default
            }
            Some(value) => value,
            None => default,
        }
    }

    fn init_data_max_age(&mut self) -> i64 {
        let seconds: i64 = self
            .parsed(
                "INIT_DATA_MAX_AGE_SECONDS",
                "a whole number of seconds from 300 to 3600",
            )
            .unwrap_or(300);
        if !(300..=3600).contains(&seconds) {
            self.problem(
                "INIT_DATA_MAX_AGE_SECONDS",
                "must be from 300 to 3600 seconds",
            );
            return 300;
        }
        seconds
    }

    fn init_data_check(&mut self) -> InitDataCheck {
        match self.text("TELEGRAM_INIT_DATA_CHECK").as_deref() {
            None | Some("bot_token") => InitDataCheck::BotToken,
            Some("third_party") => {
                let from_token = self
                    .text("TELEGRAM_BOT_TOKEN")
                    .and_then(|token| token.split(':').next()?.parse().ok());
                let bot_id = self
                    .parsed::<u64>("TELEGRAM_BOT_ID", "the bot's numeric id")
                    .or(from_token);
                let test_key = match self.text("TELEGRAM_PUBLIC_KEY").as_deref() {
                    None | Some("production") => false,
                    Some("test") => true,
                    Some(_) => {
                        self.problem("TELEGRAM_PUBLIC_KEY", "must be `production` or `test`");
                        false
                    }
                };
                match bot_id {
                    Some(bot_id) => InitDataCheck::ThirdParty { bot_id, test_key },
                    None => {
                        self.problem(
                            "TELEGRAM_BOT_ID",
                            "is required for third-party checking (or set TELEGRAM_BOT_TOKEN)",
                        );
                        InitDataCheck::BotToken
                    }
                }
            }
            Some(other) => {
                self.problem(
                    "TELEGRAM_INIT_DATA_CHECK",
                    format!("must be `bot_token` or `third_party`, not `{other}`"),
                );
                InitDataCheck::BotToken
            }
        }
    }

    fn database_url(&mut self) -> Option<Secret> {
        self.url("DATABASE_URL", &["sqlite:", "postgres://", "postgresql://"])
    }

    fn encryption_key(&mut self) -> Option<SealingKey> {
        let encoded = self.text("ENCRYPTION_KEY")?;
        let id = self
            .text("ENCRYPTION_KEY_ID")
            .unwrap_or_else(|| "k1".into());
        self.sealing_key("ENCRYPTION_KEY", &id, &encoded)
    }

    /// `ENCRYPTION_PREVIOUS_KEYS=id:base64,id:base64`: keys that still open old values.
    fn previous_encryption_keys(&mut self) -> Vec<SealingKey> {
        let Some(list) = self.text("ENCRYPTION_PREVIOUS_KEYS") else {
            return Vec::new();
        };
        list.split(',')
            .filter(|entry| !entry.trim().is_empty())
            .filter_map(|entry| match entry.trim().split_once(':') {
                Some((id, encoded)) => self.sealing_key("ENCRYPTION_PREVIOUS_KEYS", id, encoded),
                None => {
                    self.problem(
                        "ENCRYPTION_PREVIOUS_KEYS",
                        "each entry must read `<key id>:<base64 key>`",
                    );
                    None
                }
            })
            .collect()
    }

    fn sealing_key(&mut self, name: &str, id: &str, encoded: &str) -> Option<SealingKey> {
        let bytes = match STANDARD.decode(encoded.trim()) {
            Ok(bytes) => bytes,
            Err(_) => {
                self.problem(name, "must be base64 (e.g. from `openssl rand -base64 32`)");
                return None;
            }
        };
        let Ok(key) = <[u8; 32]>::try_from(bytes.as_slice()) else {
            self.problem(
                name,
                format!("must be 32 bytes of base64, got {} bytes", bytes.len()),
            );
            return None;
        };
        SealingKey::new(id, key)
            .map_err(|error| self.problem(name, error.to_string()))
            .ok()
    }

    fn text(&self, name: &str) -> Option<String> {
        self.vars
            .get(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }

    fn secret(&self, name: &str) -> Option<Secret> {
        self.text(name).map(Secret)
    }

    fn url(&mut self, name: &str, schemes: &[&str]) -> Option<Secret> {
        let value = self.text(name)?;
        if schemes.iter().any(|scheme| value.starts_with(scheme)) {
            Some(Secret(value))
        } else {
            self.problem(
                name,
                format!("must start with one of {}", schemes.join(", ")),
            );
            None
        }
    }

    fn parsed<T: std::str::FromStr>(&mut self, name: &str, expected: &str) -> Option<T> {
        let value = self.text(name)?;
        match value.parse() {
            Ok(parsed) => Some(parsed),
            Err(_) => {
                self.problem(name, format!("must be {expected}, not `{value}`"));
                None
            }
        }
    }

    fn problem(&mut self, name: &str, what: impl fmt::Display) {
        // Secret values are never echoed: a misplaced secret must not reach a terminal or a log.
        self.problems.push(format!("{name} {what}"));
    }
}

#[cfg(test)]
mod tests;
