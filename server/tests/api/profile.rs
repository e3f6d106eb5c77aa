//! The gaps a driver hits: a session that survives a reload after the launch data has grown old,
//! a profile (language, home city, truck, alerts, quiet hours), hidden loads brought back, saved
//! filters changed and paused, and logging out.

use reqwest::Method;
use serde_json::{Value, json};
use server::telegram::init_data::signed_init_data;

use crate::support::{TestApp, app_with_exchange, backends, spawn_app};

const TOKEN: &str = server::config::SANDBOX_BOT_TOKEN;

async fn exchange_launch(app: &TestApp, user: &Value, age_seconds: i64) -> (u16, Value) {
    let init_data = signed_init_data(user, chrono::Utc::now().timestamp() - age_seconds, TOKEN);
    let response = app
        .client
        .post(app.url("/api/v1/auth/telegram"))
        .json(&json!({ "init_data": init_data }))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn renew(app: &TestApp, token: Option<&str>) -> (u16, Value) {
    let mut request = app.client.post(app.url("/api/v1/auth/renew"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn a_reloaded_app_keeps_its_driver_signed_in_after_the_launch_data_grew_old() {
    for backend in backends() {
        let mut app = spawn_app("profile_session_renewal", backend).await;
        let anna = json!({"id": 940_001, "first_name": "Анна", "language_code": "ru"});
        let (status, first) = exchange_launch(&app, &anna, 5).await;
        assert_eq!(status, 200, "{first}");
        let kept = first["token"].as_str().unwrap().to_owned();

        // Ten minutes later the app is reloaded: its launch data is refused as before…
        let (status, refused) = exchange_launch(&app, &anna, 600).await;
        assert_eq!(
            (status, refused["code"].as_str()),
            (401, Some("init_data_expired"))
        );
        // …and the session it kept is renewed instead.
        let (status, renewed) = renew(&app, Some(&kept)).await;
        assert_eq!(status, 200, "{backend:?} {renewed}");
        assert_eq!(renewed["driver"]["telegram_id"], 940_001);
        assert_eq!(renewed["profile"]["notifications"], true);
        let token = renewed["token"].as_str().unwrap().to_owned();
        assert_ne!(token, kept);
        app.bearer = Some(token.clone());
        assert_eq!(app.call(Method::GET, "/api/v1/me", None).await.0, 200);

        // The old token cannot be renewed again; for a short while it still answers, so another
        // window of the app holding it (the way back from the payment page) is not signed out.
        let mut other_window = app.bearer.replace(kept.clone());
        assert_eq!(app.call(Method::GET, "/api/v1/me", None).await.0, 200);
        std::mem::swap(&mut app.bearer, &mut other_window);
        let (status, old) = renew(&app, Some(&kept)).await;
        assert_eq!(
            (status, old["code"].as_str()),
            (401, Some("session_expired"))
        );
        let (status, none) = renew(&app, None).await;
        assert_eq!(
            (status, none["code"].as_str()),
            (401, Some("session_missing"))
        );

        // Logging out ends the session: it can be neither used nor renewed.
        assert_eq!(
            app.call(Method::POST, "/api/v1/auth/logout", None).await.0,
            204
        );
        let (status, body) = app.call(Method::GET, "/api/v1/me", None).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (401, Some("session_expired"))
        );
        let (status, body) = renew(&app, Some(&token)).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (401, Some("session_expired"))
        );
    }
}

#[tokio::test]
async fn a_driver_keeps_a_profile_and_signs_in_to_its_language() {
    for backend in backends() {
        let mut app = spawn_app("profile_read_write", backend).await;
        let oleg = json!({"id": 940_002, "first_name": "Олег", "language_code": "ru"});
        app.sign_in_without_access(oleg.clone()).await;

        let (status, defaults) = app.call(Method::GET, "/api/v1/me/profile", None).await;
        assert_eq!(status, 200);
        assert_eq!(
            defaults,
            json!({"language": null, "home_city": null, "truck_type": null, "capacity": null,
                "notifications": true, "quiet_hours": {"from": "22:00", "until": "07:00"},
                "utc_offset_minutes": 180})
        );

        let mine = json!({"language": "en", "home_city": {"city_id": 3, "name": "Казань"},
            "truck_type": 2, "capacity": "five_to_ten", "notifications": false,
            "quiet_hours": {"from": "23:00", "until": "06:30"}, "utc_offset_minutes": 300});
        let (status, kept) = app
            .call(Method::PUT, "/api/v1/me/profile", Some(mine.clone()))
            .await;
        assert_eq!((status, &kept), (200, &mine), "{backend:?}");
        assert_eq!(
            app.call(Method::GET, "/api/v1/me/profile", None).await.1,
            mine
        );

        // The next open brings the profile, so the app speaks English at once.
        let signed_in = exchange_launch(&app, &oleg, 1).await.1;
        assert_eq!(signed_in["profile"]["language"], "en");

        for (change, field) in [
            (json!({"language": "de"}), "language"),
            (json!({"truck_type": 99}), "truck_type"),
            (
                json!({"quiet_hours": {"from": "25:00", "until": "07:00"}}),
                "quiet_hours",
            ),
            (
                json!({"quiet_hours": {"from": "07:00", "until": "07:00"}}),
                "quiet_hours",
            ),
            (json!({"utc_offset_minutes": 900}), "utc_offset_minutes"),
            (
                json!({"home_city": {"city_id": 3, "name": " "}}),
                "home_city",
            ),
        ] {
            let mut bad = mine.clone();
            bad.as_object_mut()
                .unwrap()
                .extend(change.as_object().unwrap().clone());
            let (status, refusal) = app.call(Method::PUT, "/api/v1/me/profile", Some(bad)).await;
            assert_eq!(
                (status, refusal["code"].as_str()),
                (422, Some("invalid_profile")),
                "{change}"
            );
            assert!(
                refusal["message"].as_str().unwrap().contains(field),
                "{refusal}"
            );
        }
        assert_eq!(
            app.call(Method::GET, "/api/v1/me/profile", None).await.1,
            mine,
            "a refused profile changes nothing"
        );

        app.bearer = None;
        let (status, body) = app.call(Method::GET, "/api/v1/me/profile", None).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (401, Some("session_missing"))
        );
    }
}

async fn first_page_ids(app: &TestApp) -> Vec<u64> {
    let (status, page) = app.call(Method::GET, "/api/v1/cargos", None).await;
    assert_eq!(status, 200, "{page}");
    page["cards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|card| card["id"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_hidden_load_is_listed_in_the_profile_and_brought_back() {
    for backend in backends() {
        let (_exchange, mut app) = app_with_exchange("profile_unhide", backend, &[]).await;
        app.sign_in_as(json!({"id": 940_003, "first_name": "Пётр"}))
            .await;
        let (status, none) = app.call(Method::GET, "/api/v1/me/hidden", None).await;
        assert_eq!((status, none), (200, json!([])));

        let before = first_page_ids(&app).await;
        let (first, second) = (before[1], before[3]);
        for id in [first, second] {
            let path = format!("/api/v1/cargos/{id}/hidden");
            assert_eq!(app.call(Method::PUT, &path, None).await.0, 204);
        }
        let (_, hidden) = app.call(Method::GET, "/api/v1/me/hidden", None).await;
        let listed: Vec<u64> = hidden
            .as_array()
            .unwrap()
            .iter()
            .map(|load| load["cargo_id"].as_u64().unwrap())
            .collect();
        assert_eq!(listed.len(), 2, "{backend:?} {hidden}");
        assert!(listed.contains(&first) && listed.contains(&second));
        assert!(hidden[0]["hidden_at"].as_str().unwrap().starts_with("20"));
        assert!(!first_page_ids(&app).await.contains(&first));

        let path = format!("/api/v1/cargos/{first}/hidden");
        assert_eq!(app.call(Method::DELETE, &path, None).await.0, 204);
        assert!(
            first_page_ids(&app).await.contains(&first),
            "back in the list"
        );
        let (_, hidden) = app.call(Method::GET, "/api/v1/me/hidden", None).await;
        assert_eq!(hidden.as_array().unwrap().len(), 1);
        assert_eq!(hidden[0]["cargo_id"], second);
    }
}

#[tokio::test]
async fn a_saved_filter_is_renamed_changed_and_paused() {
    for backend in backends() {
        let (_exchange, mut app) = app_with_exchange("profile_saved_filters", backend, &[]).await;
        app.sign_in_as(json!({"id": 940_004, "first_name": "Вера"}))
            .await;
        let save = |name: &str| json!({"name": name, "filter": {}, "notify": true});
        let (status, kazan) = app
            .call(Method::POST, "/api/v1/me/filters", Some(save("Казань")))
            .await;
        assert_eq!(status, 201);
        assert_eq!(kazan["paused"], false);
        app.call(Method::POST, "/api/v1/me/filters", Some(save("Самара")))
            .await;

        let path = format!("/api/v1/me/filters/{}", kazan["id"]);
        let changed = json!({"name": "Москва — Казань", "notify": true, "paused": true,
            "filter": {"from": {"city_id": 1, "point_type": 2, "city_name": "Москва"}}});
        let (status, body) = app.call(Method::PUT, &path, Some(changed)).await;
        assert_eq!(status, 200, "{backend:?} {body}");
        assert_eq!(
            (
                &body["id"],
                &body["name"],
                &body["paused"],
                &body["filter"]["from"]["city_name"]
            ),
            (
                &kazan["id"],
                &json!("Москва — Казань"),
                &json!(true),
                &json!("Москва")
            )
        );
        let (_, list) = app.call(Method::GET, "/api/v1/me/filters", None).await;
        let names: Vec<(&str, bool)> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|saved| {
                (
                    saved["name"].as_str().unwrap(),
                    saved["paused"].as_bool().unwrap(),
                )
            })
            .collect();
        assert_eq!(names, [("Москва — Казань", true), ("Самара", false)]);

        let taken = json!({"name": "Самара", "filter": {}, "notify": true});
        let (status, body) = app.call(Method::PUT, &path, Some(taken)).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (409, Some("filter_name_taken"))
        );
        let (status, body) = app
            .call(Method::PUT, &path, Some(json!({"name": " ", "filter": {}})))
            .await;
        assert_eq!((status, body["code"].as_str()), (422, Some("invalid_name")));
        let (status, body) = app
            .call(Method::PUT, "/api/v1/me/filters/999999", Some(save("Нет")))
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("filter_not_found"))
        );

        // Another driver cannot touch it.
        app.sign_in_as(json!({"id": 940_005, "first_name": "Чужой"}))
            .await;
        let (status, body) = app.call(Method::PUT, &path, Some(save("Моё"))).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("filter_not_found"))
        );
    }
}
