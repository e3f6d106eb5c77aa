//! The HTTP surface: health endpoints, the Leptos app (pages and server functions), static files,
//! and the layers every response passes through.

mod api;
mod health;
mod layers;

use std::net::SocketAddr;

use app::{App, platform::AppState, shell};
use axum::{Router, routing::get};
use leptos_axum::{LeptosRoutes, file_and_error_handler, generate_route_list};

use crate::{
    config::{Config, InitDataCheck, Mode},
    telegram::init_data::{self, Validation},
};

pub fn router(state: AppState, config: &Config, address: SocketAddr) -> Router {
    let routes = generate_route_list(App);
    let telegram_script = config.telegram_web_app_js_url.clone();
    let page = move |options| shell(options, &telegram_script);
    let page_for_routes = page.clone();
    let options = state.leptos_options.clone();

    let upstream = health::UpstreamProbe::new(cargotech_base_url(config, address));

    let router = Router::new()
        .route("/healthz", get(health::alive))
        .route(
            "/readyz",
            get(health::ready).with_state((state.clone(), upstream)),
        )
        .leptos_routes(&state, routes, move || page_for_routes(options.clone()))
        .fallback(file_and_error_handler::<AppState, _>(page))
        .with_state(state.clone())
        .merge(api::auth_routes(auth_state(&state, config)));
    layers::apply(router, config.mode == Mode::Production)
}

/// The exchange this server talks to: the configured one, or in sandbox mode the built-in
/// simulator mounted on this very server.
fn cargotech_base_url(config: &Config, address: SocketAddr) -> String {
    config
        .cargotech_base_url
        .clone()
        .unwrap_or_else(|| format!("http://{address}/sandbox/cargotech"))
}

fn auth_state(state: &AppState, config: &Config) -> api::AuthState {
    let validation = match config.init_data_check {
        InitDataCheck::BotToken => Validation::BotToken(config.bot_token().to_owned()),
        InitDataCheck::ThirdParty { bot_id, test_key } => {
            let key = if test_key {
                init_data::TEST_PUBLIC_KEY
            } else {
                init_data::PRODUCTION_PUBLIC_KEY
            };
            Validation::ThirdParty {
                bot_id,
                public_key: init_data::public_key(key).expect("Telegram's published key parses"),
            }
        }
    };
    api::AuthState {
        db: state.db.clone(),
        store: state.store.clone(),
        validation,
        max_age_seconds: config.init_data_max_age_seconds,
        failures: Default::default(),
    }
}
