//! Several CargoTech accounts, over HTTP against a sandbox exchange that knows them: each account
//! logs in with its own phone and spends its own budget, drivers' calls take turns between them,
//! and an account the exchange refuses is set aside while the others go on serving drivers.

use reqwest::Method;
use serde_json::{Value, json};
use server::sandbox::cargotech::{Exchange, ExchangeConfig};

use crate::{
    admin::{AdminBrowser, log_in, make_admin},
    support::{
        Db, Options, Store, TestApp, backends, instant_exchange, serve_exchange, spawn_app_with,
    },
};

const NORTH_PHONE: &str = "+7 911 222 22 22";
const NORTH_PASSWORD: &str = "north-password";

/// The app on an exchange that has a second account, "north"; the app knows it by `password`.
async fn app_with_north(test: &str, backend: (Db, Store), password: &str) -> (Exchange, TestApp) {
    let (url, exchange) = serve_exchange(ExchangeConfig {
        extra_accounts: vec![(NORTH_PHONE.into(), NORTH_PASSWORD.into())],
        ..instant_exchange()
    })
    .await;
    let mut app = spawn_app_with(
        test,
        backend,
        Options {
            extra_vars: vec![
                ("CARGOTECH_BASE_URL", url),
                ("CARGOTECH_ACCOUNT_NORTH_PHONE", NORTH_PHONE.into()),
                ("CARGOTECH_ACCOUNT_NORTH_PASSWORD", password.into()),
            ],
        },
    )
    .await;
    app.sign_in_as(json!({"id": 4242, "first_name": "Ильдар", "language_code": "ru"}))
        .await;
    (exchange, app)
}

/// A driver opens `count` different cards from the list, each a fresh question for the exchange.
async fn open_cards(app: &TestApp, exchange: &Exchange, count: usize) {
    let list = app.get("/api/v1/cargos?limit=100").await;
    assert_eq!(list.status(), 200, "the list");
    for id in exchange.open_load_ids().into_iter().take(count) {
        let response = app.get(&format!("/api/v1/cargos/{id}")).await;
        assert_eq!(response.status(), 200, "card {id}");
    }
}

async fn connection_page(owner: &AdminBrowser<'_>, query: &str) -> (u16, Value) {
    owner
        .call(Method::GET, &format!("/admin/api/connection{query}"), None)
        .await
}

async fn owner(app: &TestApp) -> AdminBrowser<'_> {
    make_admin(app, "owner@hauler.test", admin::wire::Role::Owner).await;
    log_in(app, "owner@hauler.test").await
}

#[tokio::test]
async fn two_accounts_take_turns_so_each_spends_its_own_budget() {
    for backend in backends() {
        let (exchange, app) = app_with_north("accounts_take_turns", backend, NORTH_PASSWORD).await;
        open_cards(&app, &exchange, 30).await;

        let by_account = exchange.stats().requests_by_account;
        assert!(
            by_account[0] >= 12 && by_account[1] >= 12,
            "30 cards should be shared about evenly between the two accounts: {by_account:?}"
        );

        let owner = owner(&app).await;
        let (status, page) = connection_page(&owner, "").await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["account"], "main");
        let accounts = page["accounts"].as_array().unwrap();
        assert_eq!(accounts.len(), 2, "{page}");
        for (line, name) in accounts.iter().zip(["main", "north"]) {
            assert_eq!(line["account"], name);
            assert_eq!(line["state"], "connected", "{page}");
            assert_eq!(line["budget_per_minute"], 600);
            assert!(line["used_last_minute"].as_u64().unwrap() >= 12, "{page}");
        }
        let (status, north) = connection_page(&owner, "?account=north").await;
        assert_eq!((status, north["account"].as_str()), (200, Some("north")));
        let (status, nobody) = connection_page(&owner, "?account=south").await;
        assert_eq!(
            (status, nobody["code"].as_str()),
            (404, Some("cargotech_account_unknown"))
        );
        let (status, twice) = connection_page(&owner, "?account=main&account=north").await;
        assert_eq!(
            (status, twice["code"].as_str()),
            (400, Some("invalid_query")),
            "a query naming two accounts is refused in JSON: {twice}"
        );
    }
}

#[tokio::test]
async fn an_account_the_exchange_refuses_is_set_aside_and_drivers_never_notice() {
    for backend in backends() {
        let (exchange, app) =
            app_with_north("accounts_refused_one", backend, "a-wrong-password").await;
        // Some of the first cards may be tried on "north" before its login has failed: those
        // move on to "main" and the driver still gets the card.
        open_cards(&app, &exchange, 20).await;
        assert_eq!(
            exchange.stats().requests_by_account[1],
            0,
            "the exchange never let the refused account make a call"
        );

        let readiness: Value = app.get("/readyz").await.json().await.unwrap();
        let cargotech = &readiness["checks"]["cargotech"];
        assert_eq!(cargotech["state"], "up", "{readiness}");
        assert!(
            cargotech["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("account north: wrong_credentials"),
            "{readiness}"
        );
        let owner = owner(&app).await;
        let (_, page) = connection_page(&owner, "").await;
        assert_eq!(page["accounts"][1]["state"], "wrong_credentials", "{page}");

        // Each account's history is its own: the refusals are north's, main only logged in.
        let (_, north) = connection_page(&owner, "?account=north").await;
        assert!(
            actions(&north).contains(&"cargotech.login_failed".to_owned()),
            "{north}"
        );
        let main = actions(&page);
        assert!(
            main.contains(&"cargotech.login_succeeded".to_owned()),
            "{main:?}"
        );
        assert!(
            !main.contains(&"cargotech.login_failed".to_owned()),
            "north's refusals are not main's: {main:?}"
        );
    }
}

/// The actions in a connection page's history, newest first.
fn actions(page: &Value) -> Vec<String> {
    page["history"]
        .as_array()
        .expect("a history")
        .iter()
        .map(|event| event["action"].as_str().unwrap_or_default().to_owned())
        .collect()
}
