//! Signing in with Telegram: `POST /api/v1/auth/telegram`.

use domain::{DriverId, sessions, store::SharedStore};
use reqwest::Method;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use server::telegram::init_data::signed_init_data;

use crate::support::{
    Options, Store, TestApp, app_with_exchange, backends, spawn_app, spawn_app_with,
};

/// The sandbox bot token (`server::config::SANDBOX_BOT_TOKEN`) the sandbox signs with.
const TOKEN: &str = server::config::SANDBOX_BOT_TOKEN;

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn ivan() -> Value {
    json!({"id": 100500, "first_name": "Иван", "last_name": "Петров", "username": "ivan_driver", "language_code": "ru"})
}

async fn sign_in(app: &TestApp, body: Value) -> (u16, Value) {
    let response = app
        .client
        .post(app.url("/api/v1/auth/telegram"))
        .json(&body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn a_driver_opening_the_app_from_telegram_gets_a_session_and_a_profile() {
    for backend in backends() {
        let app = spawn_app("auth_sign_in", backend).await;
        let (status, body) = sign_in(
            &app,
            json!({"init_data": signed_init_data(&ivan(), now() - 5, TOKEN)}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body["token"].as_str().unwrap().len(),
            43,
            "256 random bits, base64url"
        );
        assert!(body["expires_at"].as_str().unwrap() > chrono::Utc::now().to_rfc3339().as_str());
        assert_eq!(body["driver"]["telegram_id"], 100500);
        assert_eq!(body["driver"]["first_name"], "Иван");
        assert_eq!(body["driver"]["username"], "ivan_driver");

        // Signing in again with a changed Telegram profile updates the same driver.
        let renamed = json!({"id": 100500, "first_name": "Ваня", "language_code": "en"});
        let (_, again) = sign_in(
            &app,
            json!({"init_data": signed_init_data(&renamed, now(), TOKEN)}),
        )
        .await;
        assert_eq!(again["driver"]["id"], body["driver"]["id"]);
        assert_eq!(again["driver"]["first_name"], "Ваня");
        assert_eq!(again["driver"]["language_code"], "en");
        assert_ne!(again["token"], body["token"]);
    }
}

#[tokio::test]
async fn bad_launch_data_is_refused_with_its_own_code_and_a_russian_message() {
    let app = spawn_app("auth_refusals", backends()[0]).await;
    let forged = signed_init_data(&ivan(), now(), "9999:someone-elses-token");
    let tampered = signed_init_data(&ivan(), now(), TOKEN).replace("100500", "100501");
    let stale = signed_init_data(&ivan(), now() - 3600, TOKEN);
    let cases = [
        (json!({"init_data": ""}), "init_data_missing"),
        (json!({}), "init_data_missing"),
        (
            json!({"init_data": "user=%7B&hash=abc"}),
            "init_data_malformed",
        ),
        (json!({"init_data": forged}), "init_data_bad_signature"),
        (json!({"init_data": tampered}), "init_data_bad_signature"),
        (json!({"init_data": stale}), "init_data_expired"),
    ];
    for (body, code) in cases {
        let (status, answer) = sign_in(&app, body.clone()).await;
        assert_eq!(
            (status, answer["code"].as_str().unwrap()),
            (401, code),
            "{body}"
        );
        assert!(
            answer["message"]
                .as_str()
                .unwrap()
                .chars()
                .any(|c| ('а'..='я').contains(&c))
        );
    }
    // None of them created a driver.
    let row = app
        .database()
        .await
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "SELECT COUNT(*) FROM drivers",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get_by_index::<i64>(0).unwrap(), 0);
}

#[tokio::test]
async fn a_body_that_is_not_json_gets_a_clear_error() {
    let app = spawn_app("auth_bad_body", backends()[0]).await;
    let response = app
        .client
        .post(app.url("/api/v1/auth/telegram"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.json::<Value>().await.unwrap()["code"],
        "invalid_body"
    );

    let no_body = app
        .client
        .post(app.url("/api/v1/auth/telegram"))
        .send()
        .await
        .unwrap();
    assert_eq!(no_body.status(), 401);
    assert_eq!(
        no_body.json::<Value>().await.unwrap()["code"],
        "init_data_missing"
    );
}

#[tokio::test]
async fn a_banned_driver_cannot_sign_in() {
    let app = spawn_app("auth_banned", backends()[0]).await;
    let (status, _) = sign_in(
        &app,
        json!({"init_data": signed_init_data(&ivan(), now(), TOKEN)}),
    )
    .await;
    assert_eq!(status, 200);
    app.database()
        .await
        .execute_unprepared(
            "UPDATE drivers SET banned_at = '2026-11-22T10:00:00Z' WHERE telegram_id = 100500",
        )
        .await
        .unwrap();
    let (status, body) = sign_in(
        &app,
        json!({"init_data": signed_init_data(&ivan(), now(), TOKEN)}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str().unwrap()),
        (403, "driver_banned")
    );
}

#[tokio::test]
async fn sessions_end_one_by_one_or_all_at_once() {
    let store = SharedStore::in_process();
    let (driver, other) = (DriverId::from(7), DriverId::from(8));
    let first = sessions::issue(&store, driver, 100500).await;
    let second = sessions::issue(&store, driver, 100500).await;
    let other_driver = sessions::issue(&store, other, 100600).await;
    assert_eq!(
        sessions::find(&store, &first.token)
            .await
            .unwrap()
            .driver_id,
        driver
    );
    assert!(sessions::find(&store, "not-a-token").await.is_none());

    sessions::end(&store, &first.token).await;
    assert!(
        sessions::find(&store, &first.token).await.is_none(),
        "logged out"
    );
    assert!(sessions::find(&store, &second.token).await.is_some());

    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    sessions::end_all(&store, driver).await;
    assert!(
        sessions::find(&store, &second.token).await.is_none(),
        "a ban ends every session"
    );
    assert!(
        sessions::find(&store, &other_driver.token).await.is_some(),
        "other drivers are untouched"
    );
    let after = sessions::issue(&store, driver, 100500).await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    assert!(
        sessions::find(&store, &after.token).await.is_some(),
        "a later sign-in works again"
    );
}

#[tokio::test]
async fn a_signed_user_beyond_telegrams_limits_is_refused_and_told_what() {
    let app = spawn_app("auth_unacceptable_user", backends()[0]).await;
    let cases = [
        (json!({"id": 0, "first_name": "Иван"}), "номер пользователя"),
        (
            json!({"id": -100500, "first_name": "Иван"}),
            "номер пользователя",
        ),
        (
            json!({"id": 100500, "first_name": "Я".repeat(100_000)}),
            "имя — от 1 до 64 символов",
        ),
        (
            json!({"id": 100500, "first_name": "Иван", "username": "not a username"}),
            "имя пользователя",
        ),
    ];
    for (user, what) in cases {
        let init_data = signed_init_data(&user, now(), TOKEN);
        let (status, body) = sign_in(&app, json!({ "init_data": init_data })).await;
        assert_eq!(
            (status, body["code"].as_str().unwrap()),
            (401, "invalid_launch_data")
        );
        assert!(body["message"].as_str().unwrap().contains(what), "{body}");
    }
    let drivers =
        crate::support::scalar(&app.database().await, "SELECT COUNT(*) FROM drivers").await;
    assert_eq!(drivers, 0, "none of them became a driver");
}

#[tokio::test]
async fn the_same_launch_data_again_gets_the_same_session_and_none_once_it_has_ended() {
    for backend in backends() {
        let app = spawn_app("auth_launch_reused", backend).await;
        let launch = json!({"init_data": signed_init_data(&ivan(), now(), TOKEN)});
        let (status, first) = sign_in(&app, launch.clone()).await;
        assert_eq!(status, 200, "{first}");

        // Telegram reloads the Mini App with the same launch data: the app signs in again.
        let (status, reload) = sign_in(&app, launch.clone()).await;
        assert_eq!(status, 200, "{backend:?}: {reload}");
        assert_eq!(reload["token"], first["token"], "{backend:?}: one session");
        assert_eq!(reload["driver"], first["driver"]);
        let me = app
            .client
            .get(app.url("/api/v1/me"))
            .bearer_auth(reload["token"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), 200, "{backend:?}: the session works");

        let logout = app
            .client
            .post(app.url("/api/v1/auth/logout"))
            .bearer_auth(first["token"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(logout.status(), 204);
        let (status, replay) = sign_in(&app, launch).await;
        assert_eq!(
            (status, replay["code"].as_str().unwrap()),
            (401, "launch_data_reused"),
            "{backend:?}: spent launch data opens no new session"
        );

        // Opening the app from the bot again is a new launch.
        let reopened = json!({"init_data": signed_init_data(&ivan(), now(), TOKEN)});
        let (status, again) = sign_in(&app, reopened).await;
        assert_eq!(status, 200, "{backend:?}: {again}");
        assert_ne!(again["token"], first["token"]);
    }
}

#[tokio::test]
async fn launch_data_exchanged_on_one_instance_gets_the_same_session_on_another() {
    // Instances share sessions through Redis only; in-process, each is a deployment of its own.
    for backend in backends()
        .into_iter()
        .filter(|(_, store)| *store == Store::Redis)
    {
        let shared = vec![
            (
                "REDIS_KEY_PREFIX",
                format!("test-launch-{:08x}", rand::random::<u32>()),
            ),
            // One deployment seals with one key.
            (
                "ENCRYPTION_KEY",
                "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=".to_owned(),
            ),
        ];
        let first = spawn_app_with(
            "auth_launch_first",
            backend,
            Options {
                extra_vars: shared.clone(),
            },
        )
        .await;
        let mut vars = shared;
        vars.push(("DATABASE_URL", first.database_url.clone()));
        let second =
            spawn_app_with("auth_launch_second", backend, Options { extra_vars: vars }).await;
        let launch = json!({"init_data": signed_init_data(&ivan(), now(), TOKEN)});
        let (status, on_first) = sign_in(&first, launch.clone()).await;
        assert_eq!(status, 200, "{on_first}");
        let (status, on_second) = sign_in(&second, launch).await;
        assert_eq!(status, 200, "{on_second}");
        assert_eq!(on_second["token"], on_first["token"], "{backend:?}");
    }
}

/// A phone opening the app for the first time asks for its first page of loads along with the
/// session: one round trip instead of two. The page is the one the list itself answers for the
/// driver's last filter, with what is the driver's own (a hidden load) laid over it; a driver
/// without access, or a client that did not ask, gets the session alone.
#[tokio::test]
async fn a_first_opening_brings_the_first_page_of_the_last_filter_along_with_the_session() {
    for backend in backends() {
        let (_exchange, mut app) = app_with_exchange("auth_first_page", backend, &[]).await;
        let anna = json!({"id": 100_777, "first_name": "Анна", "language_code": "ru"});
        let launch = |first_page: bool| json!({"init_data": signed_init_data(&anna, now(), TOKEN), "first_page": first_page});

        // Without access there are no loads to bring.
        let (status, paywalled) = sign_in(&app, launch(true)).await;
        assert_eq!(status, 200, "{paywalled}");
        assert_eq!(paywalled["access"]["active"], false);
        assert!(paywalled.get("first_page").is_none(), "{paywalled}");

        app.sign_in_as(anna.clone()).await;
        let from_moscow = json!({"filter": {"from": {"city_id": 1, "point_type": 2, "city_name": "Москва", "radius_km": 0}}});
        let (saved, _) = app
            .call(Method::PUT, "/api/v1/me/filter", Some(from_moscow))
            .await;
        assert_eq!(saved, 204);
        let (status, listed) = app
            .call(
                Method::GET,
                "/api/v1/cargos?from_city_id=1&from_point_type=2&limit=20",
                None,
            )
            .await;
        assert_eq!(status, 200, "{listed}");
        let hidden = listed["cards"][0]["id"].as_u64().unwrap();
        let (status, _) = app
            .call(
                Method::PUT,
                &format!("/api/v1/cargos/{hidden}/hidden"),
                None,
            )
            .await;
        assert_eq!(status, 204);

        // The next opening, on a new phone: the session and the page in one answer.
        let (status, opened) = sign_in(&app, launch(true)).await;
        assert_eq!(status, 200, "{opened}");
        assert_eq!(opened["last_filter"]["from"]["city_id"], 1);
        let page = &opened["first_page"];
        let ids = |page: &Value| -> Vec<u64> {
            let cards = page["cards"].as_array().expect("cards");
            cards
                .iter()
                .map(|card| card["id"].as_u64().unwrap())
                .collect()
        };
        assert!(!ids(page).is_empty(), "{opened}");
        assert!(!ids(page).contains(&hidden), "the hidden load stays hidden");
        assert_eq!(ids(page)[..], ids(&listed)[1..], "the list's own page");
        assert_eq!(page["total"], listed["total"]);
        assert!(
            page["cards"]
                .as_array()
                .unwrap()
                .iter()
                .all(|card| card["from_city"] == "Москва"),
            "{page}"
        );
        // The session that came with it is the driver's.
        app.bearer = Some(opened["token"].as_str().unwrap().to_owned());
        let (status, again) = app
            .call(
                Method::GET,
                "/api/v1/cargos?from_city_id=1&from_point_type=2&limit=20",
                None,
            )
            .await;
        assert_eq!((status, ids(&again)), (200, ids(page)));

        // A client that does not ask gets the session alone, as before.
        let (status, alone) = sign_in(&app, launch(false)).await;
        assert_eq!(status, 200, "{alone}");
        assert!(alone.get("first_page").is_none(), "{alone}");
    }
}
