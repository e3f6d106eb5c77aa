//! The services one instance runs, each built from its configuration section and the platform:
//! the CargoTech gateway, the bot, billing, the live feed of new loads, machine clients' tokens,
//! and in sandbox mode the stand-ins for the outside world that this server hosts itself.

use std::{net::SocketAddr, sync::Arc};

use domain::{Platform, store::SharedStore};
use tokio_util::sync::CancellationToken;

use crate::{
    bot::{self, BotApi, BotOutlet, BotToken, Chatter, Doorbell, queue::DatabaseQueue},
    cabinet::{self, Cabinet, CabinetParts, CookieTerms},
    cargotech::{self, Gateway},
    cities::Cities,
    config::{Config, Mode, SANDBOX_YOOKASSA_SECRET_KEY, SANDBOX_YOOKASSA_SHOP_ID, UpdatesMode},
    machines::ServiceTokens,
    new_loads::{LiveFeed, LiveHub},
    payments::{self, Billing, ReceiptSettings, ReturnLink},
    sandbox::{cargotech::Exchange, telegram::SandboxTelegram, yookassa::SandboxYooKassa},
    shippers::{ShipperBook, Sightings},
    telegram::card_link::CardLinks,
    web::{self, internal::Internal},
};

/// Where this instance reaches the outside world: the configured addresses, or in sandbox mode
/// the stand-ins mounted on this very server.
pub(super) struct Urls {
    /// The address this server listens on.
    pub own: SocketAddr,
    /// The address drivers open the Mini App at.
    pub public: String,
    pub cargotech: String,
    pub telegram: String,
    pub yookassa: String,
    /// The exchange's web cabinet: the configured one, the sandbox exchange's, or none.
    pub cabinet: Option<String>,
}

impl Urls {
    pub(super) fn new(config: &Config, own: SocketAddr) -> Self {
        let or_here = |configured: &Option<String>, path: &str| {
            configured
                .clone()
                .unwrap_or_else(|| format!("http://{own}{path}"))
        };
        Self {
            own,
            public: or_here(&config.http.public_url, ""),
            cargotech: or_here(&config.cargotech.base_url, "/sandbox/cargotech"),
            telegram: or_here(&config.telegram.api_base_url, "/sandbox/telegram"),
            yookassa: or_here(&config.payments.yookassa.base_url, "/sandbox/yookassa"),
            cabinet: config.cabinet.upstream_url.clone().or_else(|| {
                (config.mode == Mode::Sandbox).then(|| {
                    format!(
                        "{}/cabinet",
                        or_here(&config.cargotech.base_url, "/sandbox/cargotech")
                    )
                })
            }),
        }
    }
}

/// Everything an instance is made of, before the router and the workers take their shares.
pub(super) struct Parts {
    pub gateway: Arc<Gateway>,
    /// City search from the exchange's points dictionary held locally.
    pub cities: Arc<Cities>,
    pub bot: Bot,
    pub billing: Billing,
    pub chatter: Chatter,
    pub intake: Intake,
    pub machines: ServiceTokens,
    /// Long-lived requests (live new loads), ended at shutdown.
    pub live: LiveHub,
    pub feed: LiveFeed,
    pub stand_ins: StandIns,
    /// Shippers' marks and pages.
    pub shippers: ShipperBook,
    pub cabinet: Cabinet,
}

impl Parts {
    pub(super) fn build(
        config: &Config,
        urls: &Urls,
        platform: &Platform,
        sightings: Sightings,
    ) -> Self {
        let bot = Bot::new(config, urls, platform);
        let billing = billing(config, urls, platform, &bot);
        let chatter = bot.chatter(platform, billing.clone());
        let live = LiveHub::default();
        let gateway = cargotech::gateway(config, &urls.cargotech, platform, sightings);
        let cabinet = cabinet(config, urls, platform, &gateway);
        Self {
            cabinet,
            cities: Cities::new(
                platform.db.clone(),
                Arc::clone(&gateway),
                config.cargotech.cities_refresh_every,
            ),
            gateway,
            intake: Intake::new(config, urls, chatter.clone(), platform),
            machines: ServiceTokens {
                db: platform.db.clone(),
                configured: Arc::new(config.machines.token_hashes.clone()),
            },
            feed: live_feed(config, platform, live.clone()),
            live,
            stand_ins: StandIns::new(config, urls),
            shippers: ShipperBook::new(platform.db.clone()),
            bot,
            billing,
            chatter,
        }
    }

    /// What the router serves; `draining` is cancelled once the instance begins to stop.
    pub(super) fn into_services(
        self,
        platform: &Platform,
        draining: CancellationToken,
    ) -> web::Services {
        web::Services {
            draining,
            gateway: self.gateway,
            cities: self.cities,
            bot: self.bot.outlet,
            live: self.feed,
            bot_token: self.bot.token,
            bot_webhook: self.intake.route(),
            internal: Internal {
                chatter: self.chatter,
                queue: DatabaseQueue {
                    db: platform.db.clone(),
                    store: platform.store.clone(),
                },
                tokens: self.machines.clone(),
            },
            machines: self.machines,
            metrics: crate::telemetry::metrics::install_recorder(),
            exchange: self.stand_ins.exchange,
            telegram: self.stand_ins.telegram,
            billing: self.billing,
            yookassa: self.stand_ins.yookassa,
            shippers: self.shippers,
            cabinet: self.cabinet,
        }
    }
}

/// The bot as this instance uses it: its token (the dashboard may change it), the Bot API, and
/// the outlet other parts queue messages through.
pub(super) struct Bot {
    pub token: BotToken,
    pub api: BotApi,
    /// Wakes the delivery of queued messages.
    pub doorbell: Doorbell,
    pub outlet: BotOutlet,
}

impl Bot {
    fn new(config: &Config, urls: &Urls, platform: &Platform) -> Self {
        let token = BotToken::live(
            config.telegram.bot_token(),
            platform.db.clone(),
            platform.sealer.clone(),
        );
        let doorbell = Doorbell::default();
        Self {
            api: BotApi::new(&urls.telegram, token.clone()),
            outlet: BotOutlet {
                link: bot::messages::MiniAppLink {
                    base_url: urls.public.clone(),
                    cards: CardLinks::new(Arc::clone(&platform.sealer)),
                },
                doorbell: doorbell.clone(),
            },
            token,
            doorbell,
        }
    }

    /// Who answers drivers' messages.
    fn chatter(&self, platform: &Platform, billing: Billing) -> Chatter {
        Chatter {
            db: platform.db.clone(),
            api: self.api.clone(),
            link: self.outlet.link.clone(),
            doorbell: self.doorbell.clone(),
            billing,
        }
    }
}

/// The sandbox's stand-ins for CargoTech, Telegram and YooKassa, each hosted by this server in
/// sandbox mode when no real one is configured.
pub(super) struct StandIns {
    pub exchange: Option<Exchange>,
    pub telegram: Option<SandboxTelegram>,
    pub yookassa: Option<SandboxYooKassa>,
}

impl StandIns {
    fn new(config: &Config, urls: &Urls) -> Self {
        let sandbox = config.mode == Mode::Sandbox;
        Self {
            exchange: (sandbox && config.cargotech.base_url.is_none())
                .then(|| Exchange::configured(config)),
            telegram: (sandbox && config.telegram.api_base_url.is_none())
                .then(|| SandboxTelegram::new(config.telegram.bot_token())),
            yookassa: (sandbox && config.payments.yookassa.base_url.is_none()).then(|| {
                SandboxYooKassa::new(
                    SANDBOX_YOOKASSA_SHOP_ID,
                    SANDBOX_YOOKASSA_SECRET_KEY,
                    &format!("{}/sandbox/yookassa", urls.public),
                    &format!("http://{}/api/v1/payments/yookassa/notifications", urls.own),
                )
            }),
        }
    }
}

fn billing(config: &Config, urls: &Urls, platform: &Platform, bot: &Bot) -> Billing {
    let sandbox = config.mode == Mode::Sandbox;
    let yookassa = &config.payments.yookassa;
    let credentials = match (&yookassa.shop_id, &yookassa.secret_key) {
        (Some(shop), Some(secret)) => Some((shop.clone(), secret.expose().to_owned())),
        // The built-in stand-in's own test shop.
        _ if sandbox && yookassa.base_url.is_none() => Some((
            SANDBOX_YOOKASSA_SHOP_ID.to_owned(),
            SANDBOX_YOOKASSA_SECRET_KEY.to_owned(),
        )),
        _ => None,
    };
    let shop = payments::shop::Shop::new(
        &urls.yookassa,
        credentials,
        platform.db.clone(),
        Arc::clone(&platform.sealer),
    );
    let allowed = yookassa.allowed_ips.clone().unwrap_or_else(|| {
        let mut ranges: Vec<&str> = payments::gate::YOOKASSA_RANGES.to_vec();
        if sandbox {
            ranges.extend(payments::gate::LOOPBACK);
        }
        payments::gate::parse_ranges(&ranges.join(",")).expect("the built-in ranges parse")
    });
    Billing {
        db: platform.db.clone(),
        store: platform.store.clone(),
        shop,
        return_link: match &config.telegram.mini_app_url {
            Some(link) => ReturnLink::MiniApp(link.clone()),
            None => ReturnLink::Web(urls.public.clone()),
        },
        receipt: yookassa.receipt.as_ref().map(|receipt| ReceiptSettings {
            customer_email: receipt.customer_email.clone(),
            vat_code: receipt.vat_code,
            payment_mode: receipt.payment_mode.clone(),
            payment_subject: receipt.payment_subject.clone(),
        }),
        trial_days: config.payments.trial_days,
        gate: payments::gate::NotificationGate { allowed },
        bot: bot.outlet.clone(),
        stars_platforms: config.payments.stars_platforms.clone(),
        telegram: bot.api.clone(),
        charge_before_end: chrono::Duration::from_std(config.payments.autopay.charge_before_end)
            .unwrap_or(chrono::Duration::hours(12)),
    }
}

/// The exchange's web cabinet through Hauler, against the configured (or sandbox) cabinet.
fn cabinet(config: &Config, urls: &Urls, platform: &Platform, gateway: &Arc<Gateway>) -> Cabinet {
    let upstream = urls.cabinet.as_deref().and_then(|url| {
        let parsed = cabinet::Upstream::parse(url);
        if parsed.is_none() {
            tracing::warn!(
                url,
                "the cabinet's address is not an http(s) address: no cabinet"
            );
        }
        parsed
    });
    Cabinet::new(CabinetParts {
        db: platform.db.clone(),
        store: platform.store.clone(),
        gateway: Arc::clone(gateway),
        upstream,
        cookie: CookieTerms {
            secure: config.cabinet.cookie_secure,
            same_site: config.cabinet.cookie_same_site,
        },
        per_minute: config.cabinet.requests_per_minute,
        link_ttl: config.cabinet.link_ttl,
        public_url: urls.public.clone(),
    })
}

/// Live new loads travel between instances through Redis when there is one.
fn live_feed(config: &Config, platform: &Platform, hub: LiveHub) -> LiveFeed {
    let (Some(url), Some(redis)) = (&config.store.redis_url, platform.store.redis()) else {
        return LiveFeed::in_process(hub);
    };
    match domain::store::redis_client(url.expose(), config.store.ca_file.as_deref()) {
        Ok(client) => LiveFeed::redis(hub, client, redis, &config.store.key_prefix),
        Err(error) => {
            tracing::warn!(%error, "live new loads stay on this instance");
            LiveFeed::in_process(hub)
        }
    }
}

/// How the bot hears from Telegram (`TELEGRAM_UPDATES`).
#[derive(Clone)]
pub(super) enum Intake {
    /// Another process (`hauler bot`) talks to Telegram.
    Off,
    /// This server asks Telegram, one instance at a time.
    Polling {
        chatter: Chatter,
        store: SharedStore,
    },
    /// Telegram calls `url`, sending `secret` with every update.
    Webhook {
        chatter: Chatter,
        url: String,
        secret: String,
    },
}

impl Intake {
    pub(super) fn new(config: &Config, urls: &Urls, chatter: Chatter, platform: &Platform) -> Self {
        match config.telegram.updates {
            UpdatesMode::Off => Self::Off,
            UpdatesMode::Polling => Self::Polling {
                chatter,
                store: platform.store.clone(),
            },
            UpdatesMode::Webhook => Self::Webhook {
                chatter,
                url: format!("{}/telegram/webhook", urls.public),
                secret: config
                    .telegram
                    .webhook_secret
                    .as_ref()
                    .map(|secret| secret.expose().to_owned())
                    .unwrap_or_default(),
            },
        }
    }

    /// What the webhook route needs: who answers updates, and the secret Telegram sends.
    pub(super) fn route(&self) -> Option<(Chatter, String)> {
        match self {
            Self::Webhook {
                chatter, secret, ..
            } => Some((chatter.clone(), secret.clone())),
            Self::Off | Self::Polling { .. } => None,
        }
    }

    /// Hears from Telegram until `stop` is cancelled.
    pub(super) async fn run(self, stop: CancellationToken) {
        match self {
            Self::Off => {}
            Self::Polling { chatter, store } => bot::intake::poll(chatter, store, stop).await,
            Self::Webhook {
                chatter,
                url,
                secret,
            } => bot::intake::keep_webhook(chatter, url, secret, stop).await,
        }
    }
}
