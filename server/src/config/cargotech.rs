//! CargoTech: the exchange's address, the accounts the server logs in with, the upstream budget
//! they share, each driver's fair share of it, how long answers stay fresh in the cache and
//! listed loads are remembered, and how often the points dictionary is refreshed.

use std::time::Duration;

use super::{Mode, Secret, reader::Reader};

/// The account `CARGOTECH_PHONE` and `CARGOTECH_PASSWORD` describe.
pub const PRIMARY_ACCOUNT: &str = "main";

/// The sandbox exchange's account, used when no CargoTech credentials are configured in sandbox
/// mode. It opens nothing real.
pub const SANDBOX_CARGOTECH_PHONE: &str = "+7 911 111 11 11";
pub const SANDBOX_CARGOTECH_PASSWORD: &str = "sandbox-password";

#[derive(Debug)]
pub struct CargoTechConfig {
    /// `None` in sandbox mode: the built-in exchange served by this process.
    pub base_url: Option<String>,
    pub phone: Option<Secret>,
    pub password: Option<Secret>,
    /// More accounts on the same exchange, each with its own budget: capacity grows by one
    /// account's budget per account.
    pub extra_accounts: Vec<ExtraAccount>,
    /// Upstream calls per minute for each account, shared by every instance.
    pub budget_per_minute: u32,
    /// Driver requests that may wait for an upstream slot at once; more are refused at once.
    pub queue_limit: usize,
    /// How long a driver's request may wait for an upstream slot before `upstream_busy`.
    pub slot_wait: Duration,
    /// The window the exchange counts each account's calls in (a minute for CargoTech).
    pub budget_window: Duration,
    /// Cards waiting in line for the exchange (see `cargotech::card_queue`).
    pub card_queue: CardQueueConfig,
    /// How much of the budget one driver may cause (see `cargotech::fair_share`).
    pub fair_share: FairShareConfig,
    pub cache_ttl_list: Duration,
    pub cache_ttl_detail: Duration,
    /// A held detail younger than this is served without asking whether the load is taken.
    pub detail_confirm_after: Duration,
    /// How long a load seen in any list keeps its card open to drivers; other ids are answered
    /// "not available" without asking the exchange (unless the bot linked them).
    pub listed_memory: Duration,
    /// How old the points dictionary (city search) may grow before it is refreshed.
    pub cities_refresh_every: Duration,
}

/// The fair share's terms: `percent` of the budget goes round the active drivers, each getting
/// between `floor` and `ceiling` calls a minute; a driver is active for `active_for` after a call.
#[derive(Debug, Clone)]
pub struct FairShareConfig {
    pub percent: u32,
    pub floor_per_minute: u32,
    pub ceiling_per_minute: u32,
    pub active_for: Duration,
}

impl FairShareConfig {
    fn read(reader: &mut Reader) -> Self {
        let percent = reader.positive("FAIR_SHARE_PERCENT", 50);
        if percent > 100 {
            reader.problem("FAIR_SHARE_PERCENT", "is a share of the budget: 1 to 100");
        }
        let floor_per_minute = reader.positive("FAIR_SHARE_FLOOR_PER_MINUTE", 6);
        let ceiling_per_minute = reader.positive("FAIR_SHARE_CEILING_PER_MINUTE", 60);
        if floor_per_minute > ceiling_per_minute {
            reader.problem(
                "FAIR_SHARE_FLOOR_PER_MINUTE",
                "must not be above FAIR_SHARE_CEILING_PER_MINUTE",
            );
        }
        Self {
            percent: percent.min(100),
            floor_per_minute,
            ceiling_per_minute,
            active_for: reader.seconds("FAIR_SHARE_ACTIVE_SECONDS", 300),
        }
    }
}

/// The line of cards waiting for the exchange: `limit` cards at most (a bound on memory, never a
/// refusal), `per_driver` places each, and a driver's claim outlives their last ask by
/// `max_wait`.
#[derive(Debug, Clone)]
pub struct CardQueueConfig {
    pub limit: usize,
    pub per_driver: usize,
    pub max_wait: Duration,
}

impl CardQueueConfig {
    fn read(reader: &mut Reader) -> Self {
        Self {
            limit: reader.positive("CARGOTECH_CARD_QUEUE_LIMIT", 20_000) as usize,
            per_driver: reader.positive("CARGOTECH_CARD_QUEUE_PER_DRIVER", 3) as usize,
            max_wait: Duration::from_secs(
                reader.positive("CARGOTECH_CARD_WAIT_SECONDS", 30).into(),
            ),
        }
    }
}

/// A CargoTech account beyond the primary one.
#[derive(Debug, Clone)]
pub struct ExtraAccount {
    /// Lower-case, from the variables' `<NAME>`; it keys the account's token and budget.
    pub name: String,
    pub phone: Secret,
    pub password: Secret,
}

impl CargoTechConfig {
    pub(super) fn read(reader: &mut Reader, mode: Mode) -> Self {
        let phone = reader.secret("CARGOTECH_PHONE");
        let password = reader.secret("CARGOTECH_PASSWORD");
        reader.require_in_production(
            mode,
            "CARGOTECH_PHONE",
            phone.is_none(),
            "the CargoTech account's phone",
        );
        reader.require_in_production(
            mode,
            "CARGOTECH_PASSWORD",
            password.is_none(),
            "the CargoTech account's password",
        );
        Self {
            base_url: reader.upstream("CARGOTECH_BASE_URL", mode, "https://api.cargotech.pro"),
            phone,
            password,
            extra_accounts: extra_accounts(reader),
            budget_per_minute: reader.positive("CARGOTECH_BUDGET_PER_MINUTE", 600),
            queue_limit: reader.positive("CARGOTECH_QUEUE_LIMIT", 1000) as usize,
            slot_wait: Duration::from_millis(
                reader.positive("CARGOTECH_SLOT_WAIT_MS", 8000).into(),
            ),
            budget_window: Duration::from_secs(
                reader
                    .positive("CARGOTECH_BUDGET_WINDOW_SECONDS", 60)
                    .into(),
            ),
            card_queue: CardQueueConfig::read(reader),
            fair_share: FairShareConfig::read(reader),
            cache_ttl_list: reader.seconds("CACHE_TTL_LIST_SECONDS", 300),
            cache_ttl_detail: reader.seconds("CACHE_TTL_DETAIL_SECONDS", 21600),
            detail_confirm_after: reader.seconds_or_none("CACHE_DETAIL_CONFIRM_AFTER_SECONDS", 15),
            listed_memory: hours(reader.positive("CARGO_LISTED_HOURS", 24)),
            cities_refresh_every: hours(reader.positive("CITIES_REFRESH_HOURS", 24)),
        }
    }
}

fn hours(hours: u32) -> Duration {
    Duration::from_secs(u64::from(hours) * 3600)
}

/// `CARGOTECH_ACCOUNT_<NAME>_PHONE` and `CARGOTECH_ACCOUNT_<NAME>_PASSWORD`, in name order.
fn extra_accounts(reader: &mut Reader) -> Vec<ExtraAccount> {
    let mut accounts = Vec::new();
    for name in reader.names("CARGOTECH_ACCOUNT_", &["_PHONE", "_PASSWORD"]) {
        let phone = format!("CARGOTECH_ACCOUNT_{name}_PHONE");
        let password = format!("CARGOTECH_ACCOUNT_{name}_PASSWORD");
        let account = name.to_lowercase();
        if account == PRIMARY_ACCOUNT
            || !account
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            reader.problem(
                &phone,
                format!(
                    "names an account `{account}`: use letters, digits and `_`, and not `{PRIMARY_ACCOUNT}` (that is CARGOTECH_PHONE's)"
                ),
            );
            continue;
        }
        match (reader.secret(&phone), reader.secret(&password)) {
            (Some(phone), Some(password)) => accounts.push(ExtraAccount {
                name: account,
                phone,
                password,
            }),
            (None, _) => reader.problem(&phone, format!("is required with {password}")),
            (_, None) => reader.problem(&password, format!("is required with {phone}")),
        }
    }
    accounts
}
