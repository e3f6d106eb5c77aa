//! Which card ids reach the exchange: a load some list showed lately, a load the driver responded
//! to, and a load the bot linked; any other id is "not available" at once, without a call.

use std::sync::Arc;

use domain::sealing::{Sealer, SealingKey};
use reqwest::Method;
use serde_json::{Value, json};
use server::{sandbox::cargotech::Exchange, telegram::card_link::CardLinks};

use crate::support::{TestApp, app_with_exchange, backends, chat_with};

/// The server's secrets key (as `ENCRYPTION_KEY` in base64): bytes 0 to 31.
const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

fn fyodor() -> Value {
    json!({"id": 720_001, "first_name": "Фёдор", "language_code": "ru"})
}

async fn app(
    test: &str,
    backend: (crate::support::Db, crate::support::Store),
) -> (Exchange, TestApp) {
    let (exchange, mut app) = app_with_exchange(test, backend, &[("ENCRYPTION_KEY", KEY)]).await;
    app.sign_in_as(fyodor()).await;
    (exchange, app)
}

/// The status and code of opening a card.
async fn open(app: &TestApp, path: &str) -> (u16, Option<String>) {
    let (status, body) = app.call(Method::GET, path, None).await;
    (status, body["code"].as_str().map(str::to_owned))
}

/// A load on the exchange far down its list, which no driver's page has shown.
fn never_listed(exchange: &Exchange) -> u64 {
    exchange.open_load_ids()[2500]
}

#[tokio::test]
async fn an_id_no_list_showed_is_not_available_and_costs_the_exchange_nothing() {
    for backend in backends() {
        let (exchange, app) = app("cards_unknown", backend).await;
        exchange.reset_stats();
        for id in [never_listed(&exchange), 1, 424_242, 9_000_000_000] {
            assert_eq!(
                open(&app, &format!("/api/v1/cargos/{id}")).await,
                (404, Some("cargo_not_available".into())),
                "{id}"
            );
            let (status, _) = app
                .call(Method::POST, &format!("/api/v1/cargos/{id}/response"), None)
                .await;
            assert_eq!(status, 404, "{id}");
        }
        assert_eq!(exchange.stats().details, 0, "{backend:?}");
    }
}

#[tokio::test]
async fn a_card_from_the_list_opens() {
    for backend in backends() {
        let (exchange, app) = app("cards_listed", backend).await;
        let (_, page) = app.call(Method::GET, "/api/v1/cargos?limit=20", None).await;
        let id = page["cards"][7]["id"].as_u64().unwrap();
        let (status, detail) = app
            .call(Method::GET, &format!("/api/v1/cargos/{id}"), None)
            .await;
        assert_eq!(
            (status, detail["card"]["id"].as_u64()),
            (200, Some(id)),
            "{detail}"
        );
        assert!(exchange.stats().details >= 1);
    }
}

#[tokio::test]
async fn a_link_the_bot_sent_opens_its_load_even_when_no_list_shows_it() {
    for backend in backends() {
        let (exchange, app) = app("cards_bot_link", backend).await;
        // The bot's link under a response's card carries its token.
        let (_, page) = app.call(Method::GET, "/api/v1/cargos?limit=20", None).await;
        let responded = page["cards"][2]["id"].as_u64().unwrap();
        app.call(
            Method::POST,
            &format!("/api/v1/cargos/{responded}/response"),
            None,
        )
        .await;
        let message = &chat_with(&app, 720_001, 1).await[0];
        let url = message["reply_markup"]["inline_keyboard"][0][0]["web_app"]["url"]
            .as_str()
            .unwrap()
            .to_owned();
        let (path, token) = url.split_once("?link=").expect("a link with a token");
        assert!(path.ends_with(&format!("/cargo/{responded}")), "{url}");
        assert_eq!(
            open(&app, &format!("/api/v1/cargos/{responded}?link={token}")).await,
            (200, None)
        );

        // The same kind of link to a load no list shows lately (an alert sent days ago).
        let id = never_listed(&exchange);
        let key = <[u8; 32]>::try_from((0..32).collect::<Vec<u8>>()).unwrap();
        let links = CardLinks::new(Arc::new(Sealer::new(
            SealingKey::new("k1", key).unwrap(),
            [],
        )));
        exchange.reset_stats();
        assert_eq!(
            open(
                &app,
                &format!("/api/v1/cargos/{id}?link={}", links.token(id))
            )
            .await,
            (200, None),
            "{backend:?}"
        );
        assert_eq!(exchange.stats().details, 1);
    }
}

#[tokio::test]
async fn a_forged_or_borrowed_link_opens_nothing_new() {
    for backend in backends() {
        let (exchange, app) = app("cards_forged_link", backend).await;
        let id = never_listed(&exchange);
        let other = exchange.open_load_ids()[2600];
        let key = <[u8; 32]>::try_from((0..32).collect::<Vec<u8>>()).unwrap();
        let genuine = CardLinks::new(Arc::new(Sealer::new(
            SealingKey::new("k1", key).unwrap(),
            [],
        )));
        let foreign = CardLinks::new(Arc::new(Sealer::new(
            SealingKey::new("k1", [9; 32]).unwrap(),
            [],
        )));
        exchange.reset_stats();
        for token in [
            genuine.token(other),
            foreign.token(id),
            format!("{id}"),
            "v1:k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into(),
        ] {
            assert_eq!(
                open(&app, &format!("/api/v1/cargos/{id}?link={token}")).await,
                (404, Some("cargo_not_available".into())),
                "{token}"
            );
        }
        assert_eq!(exchange.stats().details, 0, "{backend:?}");
    }
}
