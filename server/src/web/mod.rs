//! The web layer, at the edge: the one error type answers are made of, the extractors that say
//! who a request comes from, every HTTP handler (one module per capability), and the router that
//! composes them with the Leptos app, static files and the layers every response passes through.
//!
//! It calls the capabilities (`payments`, `bot`, `admin`, `machines`, …) with plain ids and
//! values and maps their errors to answers; none of them imports it.

mod admin;
pub(crate) mod api;
mod app_state;
pub(crate) mod assets;
mod cabinet;
mod doors;
mod error;
pub mod extract;
mod health;
pub mod internal;
mod layers;
mod metrics;
mod openapi;
mod rendering;
mod sandbox_time;
mod site_files;
mod telegram_webhook;

use std::sync::Arc;

use app::{
    App, Document,
    error::AppError,
    shell,
    status::{ServiceStatus, StatusSource},
};
use axum::{Extension, Router, routing::get};
use domain::{
    Platform,
    database::{self, Outages},
};
use leptos::prelude::{provide_context, use_context};
use leptos_axum::{LeptosRoutes, ResponseOptions, file_and_error_handler, generate_route_list};

pub use app_state::AppState;
pub use doors::DoorKeeper;
pub use error::{ApiError, ErrorCode, Fault, asks_for_english};
pub use site_files::accepts_encoding;

use crate::{
    admin::login_gate::LoginGate,
    bot::{BotOutlet, BotToken},
    cargotech::Gateway,
    config::{Config, InitDataCheck, Mode},
    doors::{Doors, LiveConnections, Pace, TrustedProxies},
    sandbox::{self, cargotech::Exchange, telegram::SandboxTelegram},
    telegram::{
        init_data::{self, Validation},
        launch_sessions::LaunchSessions,
    },
};

/// What the routes talk to beyond the app's own state.
pub struct Services {
    /// Cancelled once the instance begins to stop: `/readyz` then answers `503 draining`.
    pub draining: tokio_util::sync::CancellationToken,
    pub gateway: Arc<Gateway>,
    pub cities: Arc<crate::cities::Cities>,
    pub bot: BotOutlet,
    /// New loads for open Mini Apps, shared by every instance.
    pub live: crate::new_loads::LiveFeed,
    /// The bot's token, which Telegram signs launch data with.
    pub bot_token: crate::bot::BotToken,
    /// In webhook mode: who answers updates, and the secret Telegram sends.
    pub bot_webhook: Option<(crate::bot::Chatter, String)>,
    /// Machine clients' tokens, and the metrics they may read.
    pub machines: crate::machines::ServiceTokens,
    /// The internal API a separate bot process uses.
    pub internal: internal::Internal,
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
    /// The built-in stand-ins this server hosts in sandbox mode.
    pub exchange: Option<Exchange>,
    pub telegram: Option<SandboxTelegram>,
    /// Subscriptions and payments.
    pub billing: crate::payments::Billing,
    pub yookassa: Option<crate::sandbox::yookassa::SandboxYooKassa>,
    /// Shippers' marks and pages.
    pub shippers: crate::shippers::ShipperBook,
    /// The exchange's web cabinet through Hauler.
    pub cabinet: crate::cabinet::Cabinet,
}

pub fn router(state: AppState, config: &Config, services: Services) -> Router {
    let Services {
        draining,
        gateway,
        cities,
        bot,
        live,
        bot_token,
        bot_webhook,
        machines,
        internal,
        metrics,
        exchange,
        telegram,
        billing,
        yookassa,
        shippers,
        cabinet,
    } = services;
    let routes = generate_route_list(App);
    // What the built site holds for the page to inline (absent when the site is not built).
    let site_file = |name: &str| {
        let pkg = config
            .http
            .site_root
            .join(state.leptos_options.site_pkg_dir.as_ref());
        std::fs::read_to_string(pkg.join(name)).ok().map(Into::into)
    };
    let document = Document {
        telegram_script: config.telegram.web_app_js_url.clone(),
        demo_login: config.mode == Mode::Sandbox,
        inline_css: site_file("hauler.css"),
        boot_script: site_file("boot.js"),
    };
    let admin_desk = admin::AdminDesk {
        db: state.platform.db.clone(),
        store: state.platform.store.clone(),
        sealer: Arc::clone(&state.platform.sealer),
        billing: billing.clone(),
        gateway: Arc::clone(&gateway),
        cities: Arc::clone(&cities),
        tokens: machines.clone(),
        login_gate: LoginGate::for_this_machine(),
        shippers: shippers.clone(),
        secure_cookies: config.mode == Mode::Production,
    };
    let keeper = DoorKeeper {
        doors: Doors::new(state.platform.store.clone(), config.doors.clone()),
        store: state.platform.store.clone(),
        db: state.platform.db.clone(),
    };
    let status = status_source(state.platform.clone());
    let live_connections = LiveConnections::new(config.doors.live_per_driver);
    let requests = Arc::new(crate::telemetry::metrics::RequestMetrics::default());
    let watched = metrics::MetricsState {
        handle: metrics,
        tokens: machines,
        requests: Arc::clone(&requests),
        gateway: Arc::clone(&gateway),
        live: live_connections.clone(),
        db: state.platform.db.clone(),
    };
    let doorbell = bot.doorbell.clone();
    let page = move |options| shell(options, &document);
    let page_for_routes = page.clone();
    let options = state.leptos_options.clone();
    let options_for_admin = state.leptos_options.clone();

    let loads = api::ApiState::new(api::ApiParts {
        gateway: Arc::clone(&gateway),
        cities,
        db: state.platform.db.clone(),
        store: state.platform.store.clone(),
        bot,
        live,
        live_connections,
        keeper: keeper.clone(),
        outages: Outages::default(),
        shippers,
        pages: Default::default(),
    });
    // The Mini App's pages, and the 404 page for any path no route takes.
    let pages = Router::new()
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(status.clone()),
            move || page_for_routes(options.clone()),
        )
        .fallback(file_and_error_handler::<AppState, _>(page))
        .with_state(state.clone())
        .layer(axum::middleware::from_fn(rendering::whole_on_one_thread));
    let router = Router::new()
        .route("/healthz", get(health::alive))
        .route(
            "/readyz",
            get(health::ready).with_state((state.clone(), Arc::clone(&gateway), draining)),
        )
        .merge(pages)
        .merge(api::auth_routes(
            auth_state(&state, config, bot_token, loads.clone()),
            config.mode == Mode::Sandbox,
            &keeper,
        ))
        .merge(api::driver_routes(loads));
    let router = if config.mode == Mode::Sandbox {
        router.merge(sandbox_time::routes(state.platform.db.clone(), doorbell))
    } else {
        router
    };
    let router = match exchange {
        Some(exchange) => router.nest("/sandbox/cargotech", sandbox::cargotech::router(exchange)),
        None => router,
    };
    let router = match yookassa {
        Some(yookassa) => router.nest("/sandbox/yookassa", sandbox::yookassa::router(yookassa)),
        None => router,
    };
    let router = router
        .merge(admin::routes(admin_desk, options_for_admin))
        .merge(api::payments::driver_routes(billing.clone(), &keeper))
        .merge(cabinet::routes(
            cabinet::CabinetDesk {
                cabinet,
                billing: billing.clone(),
            },
            &keeper,
        ))
        .merge(api::payments::notification_routes(billing.clone()))
        .merge(internal::routes(internal, billing))
        .merge(metrics::routes(watched));
    let router = match bot_webhook {
        Some((chatter, secret)) => router.merge(telegram_webhook::routes(chatter, secret)),
        None => router,
    };
    let router = match telegram {
        Some(telegram) => router.nest("/sandbox/telegram", sandbox::telegram::router(telegram)),
        None => router,
    };
    let router = router
        // After routing, so each request is counted by its route's template.
        .layer(metrics::CountRequests(requests))
        .layer(axum::middleware::from_fn_with_state(
            site_files::SiteFiles::load(&config.http.site_root),
            site_files::serve,
        ))
        .layer(axum::middleware::from_fn_with_state(
            assets::build_prefix(&state.leptos_options.site_pkg_dir),
            assets::keep_builds_for_good,
        ))
        // Every handler that asks who the client is reads it the same way (`ClientAddress`).
        .layer(Extension(TrustedProxies::new(
            config.http.trusted_proxies.clone(),
        )))
        // Every request a signed-in driver makes keeps to their pace (`SignedInDriver`).
        .layer(Extension(Arc::new(Pace::new(config.doors.pace))));
    layers::apply(
        router,
        config.mode == Mode::Production,
        config.http.request_timeout,
    )
}

fn auth_state(
    state: &AppState,
    config: &Config,
    bot_token: BotToken,
    loads: api::ApiState,
) -> api::AuthState {
    use api::LaunchCheck;
    let check = match config.telegram.init_data_check {
        InitDataCheck::BotToken => LaunchCheck::BotToken(bot_token),
        InitDataCheck::ThirdParty { bot_id, test_key } => {
            let key = if test_key {
                init_data::TEST_PUBLIC_KEY
            } else {
                init_data::PRODUCTION_PUBLIC_KEY
            };
            LaunchCheck::ThirdParty(Validation::ThirdParty {
                bot_id,
                public_key: init_data::public_key(key).expect("Telegram's published key parses"),
            })
        }
    };
    api::AuthState {
        db: state.platform.db.clone(),
        store: state.platform.store.clone(),
        check,
        max_age_seconds: config.telegram.init_data_max_age_seconds,
        launches: LaunchSessions {
            store: state.platform.store.clone(),
            sealer: Arc::clone(&state.platform.sealer),
        },
        failures: Default::default(),
        loads,
    }
}

/// The status card's server function reads the database's facts through this. A database that
/// is away is `503` with the code `unavailable`, as any answer is while it is (not a server fault).
fn status_source(platform: Platform) -> StatusSource {
    StatusSource(Arc::new(move || {
        let platform = platform.clone();
        // Read while the server function's context is current: the answer's status is set here.
        let answer = use_context::<ResponseOptions>();
        Box::pin(async move {
            let facts = database::facts(&platform.db).await.map_err(|error| {
                tracing::error!(%error, "database error");
                if database::is_outage(&error) {
                    if let Some(answer) = &answer {
                        answer.set_status(axum::http::StatusCode::SERVICE_UNAVAILABLE);
                    }
                    AppError::unavailable()
                } else {
                    AppError::internal()
                }
            })?;
            Ok(ServiceStatus {
                database: facts.backend.to_owned(),
                migrations_applied: facts.migrations_applied,
                drivers: facts.drivers,
                sandbox: platform.sandbox,
            })
        })
    }))
}
