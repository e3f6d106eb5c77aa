//! Telegram: the bot's token and the Bot API it talks to, how updates reach the bot, and how
//! the Mini App's launch data is checked.

use super::{Mode, Secret, reader::Reader};

/// The sandbox's stand-in bot token: the sandbox Telegram and the browser tests sign with it.
/// It opens nothing real.
pub const SANDBOX_BOT_TOKEN: &str = "7000000001:sandbox-bot-token-for-tests";

#[derive(Debug)]
pub struct TelegramConfig {
    pub bot_token: Option<Secret>,
    /// The Bot API's base URL. `None` in sandbox mode: the built-in stand-in served by this
    /// process.
    pub api_base_url: Option<String>,
    /// How the bot hears from Telegram.
    pub updates: UpdatesMode,
    /// Telegram sends it with every webhook call (`X-Telegram-Bot-Api-Secret-Token`).
    pub webhook_secret: Option<Secret>,
    /// Launch data older than this is refused (300–3600 s).
    pub init_data_max_age_seconds: i64,
    pub init_data_check: InitDataCheck,
    /// Telegram's `telegram-web-app.js`, which the Mini App's pages load.
    pub web_app_js_url: String,
    /// `https://t.me/<bot>/<app>`: where YooKassa returns a driver after paying.
    pub mini_app_url: Option<String>,
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

impl TelegramConfig {
    pub(super) fn read(reader: &mut Reader, mode: Mode) -> Self {
        let bot_token = reader.secret("TELEGRAM_BOT_TOKEN");
        reader.require_in_production(
            mode,
            "TELEGRAM_BOT_TOKEN",
            bot_token.is_none(),
            "the bot's token from @BotFather",
        );
        let updates = updates_mode(reader, mode);
        let webhook_secret = reader.secret("TELEGRAM_WEBHOOK_SECRET");
        if updates == UpdatesMode::Webhook
            && webhook_secret.is_none()
            && !reader.reported("TELEGRAM_WEBHOOK_SECRET")
        {
            reader.problem(
                "TELEGRAM_WEBHOOK_SECRET",
                "is required when TELEGRAM_UPDATES is `webhook` (Telegram sends it with every update)",
            );
        }
        Self {
            bot_token,
            api_base_url: reader.upstream(
                "TELEGRAM_API_BASE_URL",
                mode,
                "https://api.telegram.org",
            ),
            updates,
            webhook_secret,
            init_data_max_age_seconds: init_data_max_age(reader),
            init_data_check: init_data_check(reader),
            web_app_js_url: reader.text("TELEGRAM_WEB_APP_JS_URL").unwrap_or_else(|| {
                match mode {
                    // The sandbox has no internet: the official script is served from the site.
                    Mode::Sandbox => "/telegram-web-app.js".into(),
                    Mode::Production => "https://telegram.org/js/telegram-web-app.js".into(),
                }
            }),
            mini_app_url: reader.address("TELEGRAM_MINI_APP_URL", &["https://"]),
        }
    }

    /// The bot token launch data is signed with: the configured one, or the sandbox's.
    pub fn bot_token(&self) -> &str {
        self.bot_token
            .as_ref()
            .map_or(SANDBOX_BOT_TOKEN, Secret::expose)
    }
}

fn updates_mode(reader: &mut Reader, mode: Mode) -> UpdatesMode {
    match reader.text("TELEGRAM_UPDATES").as_deref() {
        None => match mode {
            Mode::Sandbox => UpdatesMode::Polling,
            Mode::Production => UpdatesMode::Webhook,
        },
        Some("webhook") => UpdatesMode::Webhook,
        Some("polling") => UpdatesMode::Polling,
        Some("off") => UpdatesMode::Off,
        Some(other) => {
            reader.problem(
                "TELEGRAM_UPDATES",
                format!("must be `webhook`, `polling` or `off`, not `{other}`"),
            );
            UpdatesMode::Polling
        }
    }
}

fn init_data_max_age(reader: &mut Reader) -> i64 {
    let seconds: i64 = reader
        .parsed(
            "INIT_DATA_MAX_AGE_SECONDS",
            "a whole number of seconds from 300 to 3600",
        )
        .unwrap_or(300);
    if !(300..=3600).contains(&seconds) {
        reader.problem(
            "INIT_DATA_MAX_AGE_SECONDS",
            "must be from 300 to 3600 seconds",
        );
        return 300;
    }
    seconds
}

fn init_data_check(reader: &mut Reader) -> InitDataCheck {
    match reader.text("TELEGRAM_INIT_DATA_CHECK").as_deref() {
        None | Some("bot_token") => InitDataCheck::BotToken,
        Some("third_party") => {
            let from_token = reader
                .text("TELEGRAM_BOT_TOKEN")
                .and_then(|token| token.split(':').next()?.parse().ok());
            let bot_id = reader
                .parsed::<u64>("TELEGRAM_BOT_ID", "the bot's numeric id")
                .or(from_token);
            let test_key = match reader.text("TELEGRAM_PUBLIC_KEY").as_deref() {
                None | Some("production") => false,
                Some("test") => true,
                Some(_) => {
                    reader.problem("TELEGRAM_PUBLIC_KEY", "must be `production` or `test`");
                    false
                }
            };
            match bot_id {
                Some(bot_id) => InitDataCheck::ThirdParty { bot_id, test_key },
                None => {
                    reader.problem(
                        "TELEGRAM_BOT_ID",
                        "is required for third-party checking (or set TELEGRAM_BOT_TOKEN)",
                    );
                    InitDataCheck::BotToken
                }
            }
        }
        Some(other) => {
            reader.problem(
                "TELEGRAM_INIT_DATA_CHECK",
                format!("must be `bot_token` or `third_party`, not `{other}`"),
            );
            InitDataCheck::BotToken
        }
    }
}
