//! The driver's filters, kept server-side: the last one comes back on the next open, named ones
//! can be kept and picked, and a bad one is refused with every field's problem and loses nothing.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{app_with_exchange, backends};

fn moscow_to_kazan() -> Value {
    json!({
        "from": {"city_id": 1, "point_type": 2, "city_name": "Москва", "radius_km": 50},
        "to": {"city_id": 3, "point_type": 2, "city_name": "Казань"},
        "weight_volume": {"kind": "preset", "preset": "semi"},
        "truck_types": [1, 3],
        "price_rub": {"min": 50000, "max": null},
        "sort": "price_per_km"
    })
}

#[tokio::test]
async fn the_last_filter_comes_back_on_the_next_open() {
    for backend in backends() {
        let (_exchange, mut app) = app_with_exchange("filters_last", backend, &[]).await;
        app.sign_in_as(json!({"id": 710_001, "first_name": "Иван"}))
            .await;
        let (status, empty) = app.call(Method::GET, "/api/v1/me/filter", None).await;
        assert_eq!((status, &empty["filter"]), (200, &Value::Null));

        let body = json!({"filter": moscow_to_kazan()});
        assert_eq!(
            app.call(Method::PUT, "/api/v1/me/filter", Some(body))
                .await
                .0,
            204
        );

        // The next open: a new session, the same driver.
        app.sign_in_as(json!({"id": 710_001, "first_name": "Иван"}))
            .await;
        let (_, kept) = app.call(Method::GET, "/api/v1/me/filter", None).await;
        assert_eq!(kept["filter"]["from"]["city_name"], "Москва");
        assert_eq!(kept["filter"]["truck_types"], json!([1, 3]));
        assert_eq!(kept["filter"]["sort"], "price_per_km");

        let bad = json!({"filter": {"shipper_inn": "1234567890", "distance_km": {"min": 900, "max": 100}}});
        let (status, refusal) = app.call(Method::PUT, "/api/v1/me/filter", Some(bad)).await;
        assert_eq!(
            (status, refusal["code"].as_str()),
            (422, Some("invalid_filter"))
        );
        let fields: Vec<&str> = refusal["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|error| error["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["distance_km", "shipper_inn"]);
        let (_, still) = app.call(Method::GET, "/api/v1/me/filter", None).await;
        assert_eq!(still, kept, "a refused filter loses nothing");
        // A truck preset saved before categories existed still loads, and a category is kept.
        assert_eq!(
            kept["filter"]["weight_volume"],
            json!({"kind": "preset", "preset": "semi"})
        );
        let category = json!({"kind": "category", "category": "five_to_ten"});
        let body = json!({"filter": {"weight_volume": category}});
        let (status, _) = app.call(Method::PUT, "/api/v1/me/filter", Some(body)).await;
        assert_eq!(status, 204);
        let (_, kept) = app.call(Method::GET, "/api/v1/me/filter", None).await;
        assert_eq!(kept["filter"]["weight_volume"], category);
    }
}

#[tokio::test]
async fn named_filters_are_kept_replaced_by_name_and_forgotten() {
    let (_exchange, mut app) = app_with_exchange("filters_saved", backends()[0], &[]).await;
    app.sign_in_as(json!({"id": 710_002, "first_name": "Анна"}))
        .await;
    let save = |name: &str, notify: bool| {
        Some(json!({"name": name, "filter": moscow_to_kazan(), "notify": notify}))
    };
    let (status, first) = app
        .call(
            Method::POST,
            "/api/v1/me/filters",
            save("  Москва — Казань ", false),
        )
        .await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["name"], "Москва — Казань");
    let (_, replaced) = app
        .call(
            Method::POST,
            "/api/v1/me/filters",
            save("Москва — Казань", true),
        )
        .await;
    assert_eq!(replaced["id"], first["id"], "the same name replaces");
    assert_eq!(replaced["notify"], true);
    app.call(Method::POST, "/api/v1/me/filters", save("Домой", false))
        .await;
    let (_, all) = app.call(Method::GET, "/api/v1/me/filters", None).await;
    let names: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|saved| saved["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Домой", "Москва — Казань"]);

    let (status, refusal) = app
        .call(Method::POST, "/api/v1/me/filters", save("   ", false))
        .await;
    assert_eq!(
        (status, refusal["code"].as_str()),
        (422, Some("invalid_name"))
    );

    // Someone else cannot forget Anna's filter.
    let mut other = app.same_server();
    other
        .sign_in_as(json!({"id": 710_003, "first_name": "Олег"}))
        .await;
    let path = format!("/api/v1/me/filters/{}", first["id"]);
    assert_eq!(other.call(Method::DELETE, &path, None).await.0, 404);
    assert_eq!(
        other.call(Method::GET, "/api/v1/me/filters", None).await.1,
        json!([])
    );

    assert_eq!(app.call(Method::DELETE, &path, None).await.0, 204);
    let (status, gone) = app.call(Method::DELETE, &path, None).await;
    assert_eq!(
        (status, gone["code"].as_str()),
        (404, Some("filter_not_found"))
    );
}

#[tokio::test]
async fn the_query_the_mini_app_builds_from_a_filter_is_understood_by_the_list() {
    let (_exchange, mut app) = app_with_exchange("filters_query", backends()[0], &[]).await;
    app.sign_in_as(json!({"id": 710_004, "first_name": "Глеб"}))
        .await;
    let filter: app::cargo::filter::CargoFilter =
        serde_json::from_value(moscow_to_kazan()).unwrap();
    let query = filter
        .api_query(0, 10)
        .into_iter()
        .map(|(name, value)| {
            format!(
                "{name}={}",
                form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>()
            )
        })
        .collect::<Vec<_>>()
        .join("&");
    let (status, page) = app
        .call(Method::GET, &format!("/api/v1/cargos?{query}"), None)
        .await;
    assert_eq!(status, 200, "{query}: {page}");
    for card in page["cards"].as_array().unwrap() {
        assert_eq!(card["from_city"], "Москва", "{query}");
        assert!(card["price_kopecks"].as_u64().unwrap() >= 5_000_000);
    }
}

/// What the Mini App of an English-speaking driver is told when a filter is refused, or the
/// session is gone: English words, field by field; the same refusals in Russian otherwise.
#[tokio::test]
async fn a_refusal_speaks_the_language_the_mini_app_asks_for() {
    let (_exchange, mut app) = app_with_exchange("filters_language", backends()[0], &[]).await;
    app.sign_in_as(json!({"id": 710_090, "first_name": "John", "language_code": "en"}))
        .await;
    let bad =
        json!({"filter": {"shipper_inn": "1234567890", "distance_km": {"min": 900, "max": 100}}});
    let refused = |language: &'static str| {
        let bad = bad.clone();
        let app = &app;
        async move {
            let response = app
                .authorize(app.client.put(app.url("/api/v1/me/filter")))
                .header("accept-language", language)
                .json(&bad)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 422);
            response.json::<Value>().await.unwrap()
        }
    };
    let words = |refusal: &Value| -> Vec<String> {
        std::iter::once(&refusal["message"])
            .chain(
                refusal["errors"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| &e["message"]),
            )
            .map(|message| message.as_str().unwrap().to_owned())
            .collect()
    };

    let english = refused("en").await;
    assert_eq!(english["code"], "invalid_filter");
    assert_eq!(
        words(&english),
        [
            "Check the filter: some values do not fit",
            "“From” cannot be more than “to”",
            "An INN is 10 or 12 digits with valid check digits",
        ]
    );
    let russian = refused("ru").await;
    assert_eq!(russian["code"], "invalid_filter");
    assert_eq!(
        words(&russian),
        [
            "Проверьте фильтр: некоторые значения не подходят",
            "«От» не может быть больше «до»",
            "ИНН — 10 или 12 цифр с верной контрольной суммой",
        ]
    );

    let gone = app
        .client
        .get(app.url("/api/v1/cargos"))
        .header("accept-language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 401);
    let gone: Value = gone.json().await.unwrap();
    assert_eq!(
        (gone["code"].as_str(), gone["message"].as_str()),
        (
            Some("session_missing"),
            Some("Sign in through Telegram: open the app from the bot")
        )
    );
}
