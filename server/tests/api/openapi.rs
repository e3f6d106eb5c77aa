//! The OpenAPI document other clients build on: it lists every route of the drivers' API, each
//! one answers, and what the server really sends has the shape the document promises.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{backends, spawn_app};

/// The drivers' API, as the Mini App and the README know it.
const ROUTES: [(&str, &str); 41] = [
    ("post", "/api/v1/auth/telegram"),
    ("post", "/api/v1/auth/logout"),
    ("post", "/api/v1/auth/renew"),
    ("get", "/api/v1/cargos"),
    ("get", "/api/v1/cargos/{id}"),
    ("post", "/api/v1/cargos/{id}/response"),
    ("put", "/api/v1/cargos/{id}/response"),
    ("put", "/api/v1/cargos/{id}/hidden"),
    ("delete", "/api/v1/cargos/{id}/hidden"),
    ("get", "/api/v1/shippers/{inn}"),
    ("get", "/api/v1/cargos/near"),
    ("get", "/api/v1/cargos/back-home"),
    ("get", "/api/v1/cargos/along"),
    ("get", "/api/v1/live"),
    ("get", "/api/v1/cities"),
    ("get", "/api/v1/dictionaries"),
    ("get", "/api/v1/me"),
    ("get", "/api/v1/me/filter"),
    ("put", "/api/v1/me/filter"),
    ("get", "/api/v1/me/filters"),
    ("post", "/api/v1/me/filters"),
    ("put", "/api/v1/me/filters/{id}"),
    ("delete", "/api/v1/me/filters/{id}"),
    ("get", "/api/v1/me/profile"),
    ("put", "/api/v1/me/profile"),
    ("get", "/api/v1/me/hidden"),
    ("get", "/api/v1/me/responses"),
    ("get", "/api/v1/subscription"),
    ("post", "/api/v1/subscription/trial"),
    ("post", "/api/v1/promo/check"),
    ("post", "/api/v1/promo/redeem"),
    ("post", "/api/v1/payments"),
    ("get", "/api/v1/payments/{id}"),
    ("get", "/api/v1/me/autopay"),
    ("put", "/api/v1/me/autopay"),
    ("get", "/api/v1/passes"),
    ("post", "/api/v1/passes"),
    ("post", "/api/v1/passes/{id}/link"),
    ("post", "/api/v1/cabinet/authenticate"),
    ("get", "/api/v1/cabinet/status"),
    ("delete", "/api/v1/cabinet/logout"),
];

/// Every property of `value` is one the schema names, and every required one is there.
pub fn fits(document: &Value, schema: &str, value: &Value) {
    let schema = &document["components"]["schemas"][schema];
    let properties = schema["properties"].as_object().expect("an object schema");
    for key in value.as_object().unwrap().keys() {
        assert!(properties.contains_key(key), "{key} is not in the schema");
    }
    for required in schema["required"].as_array().into_iter().flatten() {
        assert!(
            value.get(required.as_str().unwrap()).is_some(),
            "{required} is missing"
        );
    }
}

#[tokio::test]
async fn the_openapi_document_lists_every_route_and_matches_what_the_server_sends() {
    let mut app = spawn_app("openapi", backends()[0]).await;
    let (status, document) = app.call(Method::GET, "/api/v1/openapi.json", None).await;
    assert_eq!(status, 200);
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));

    let mut documented: Vec<(String, String)> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| (method.clone(), path.clone()))
        })
        .collect();
    documented.sort();
    let mut expected: Vec<(String, String)> = ROUTES
        .iter()
        .map(|(method, path)| (method.to_string(), path.to_string()))
        .collect();
    expected.sort();
    assert_eq!(documented, expected);

    // A route that names an id says it refuses one that is not a positive `bigint`.
    for (method, path) in ROUTES.iter().filter(|(_, path)| path.contains("{id}")) {
        let operation = &document["paths"][path][method];
        assert!(
            operation["responses"]["400"]["description"]
                .as_str()
                .is_some_and(|text| text.contains("invalid_id")),
            "{method} {path}"
        );
        let id = &operation["parameters"][0];
        assert_eq!(id["name"], "id", "{method} {path}");
        assert_eq!(id["schema"]["minimum"], 1, "{method} {path}");
        assert_eq!(id["schema"]["format"], "int64", "{method} {path}");
    }

    // A route that reads a body or a query says how it refuses one it cannot read.
    for (method, path) in ROUTES {
        let operation = &document["paths"][path][method];
        let refusal = |status: &str| {
            operation["responses"][status]["description"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        };
        if operation.get("requestBody").is_some() {
            assert!(refusal("400").contains("invalid_body"), "{method} {path}");
            assert!(refusal("413").contains("body_too_large"), "{method} {path}");
        }
        let reads_query = operation["parameters"]
            .as_array()
            .is_some_and(|parameters| parameters.iter().any(|p| p["in"] == "query"));
        if reads_query {
            assert!(refusal("400").contains("invalid_query"), "{method} {path}");
        }
    }
    // Every call with a session keeps the driver's pace, and says so; signing in has its own limits.
    for (method, path) in ROUTES {
        let operation = &document["paths"][path][method];
        let carries_session = operation["security"]
            .as_array()
            .is_some_and(|schemes| schemes.iter().any(|scheme| scheme.get("session").is_some()));
        if carries_session && !path.starts_with("/api/v1/auth/") {
            assert!(
                operation["responses"]["429"]["description"]
                    .as_str()
                    .is_some_and(|text| text.contains("pace")),
                "{method} {path}"
            );
        }
    }
    // Either end of a filter's range may be open, as the server sends it.
    let distance = &document["components"]["schemas"]["CargoFilter"]["properties"]["distance_km"];
    assert_eq!(
        distance["properties"]["min"]["type"],
        json!(["integer", "null"])
    );

    // A browser signed in to the cabinet carries its cookie, which the cabinet's status reads.
    let cabinet = &document["components"]["securitySchemes"]["cabinet_session"];
    assert_eq!(cabinet["in"], "cookie");
    assert_eq!(cabinet["name"], "hauler_cabinet");
    let status = &document["paths"]["/api/v1/cabinet/status"]["get"];
    assert_eq!(status["security"][0], json!({"cabinet_session": []}));
    assert!(
        status["responses"]["401"]["description"]
            .as_str()
            .is_some_and(|text| text.contains("pass_missing"))
    );

    // Each documented route is served: anonymous callers are refused, not lost.
    for (method, path) in ROUTES {
        let url = app.url(&path.replace("{id}", "1"));
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let status = app
            .client
            .request(method.clone(), url)
            .json(&json!({}))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        assert!(![404, 405].contains(&status), "{method} {path}: {status}");
    }

    app.sign_in_as(json!({"id": 940_001, "first_name": "Пётр"}))
        .await;
    let (status, page) = app.call(Method::GET, "/api/v1/cargos?limit=5", None).await;
    assert_eq!(status, 200, "{page}");
    fits(&document, "CargoPage", &page);
    fits(&document, "CargoCard", &page["cards"][0]);
    let id = page["cards"][0]["id"].as_u64().unwrap();
    let (status, detail) = app
        .call(Method::GET, &format!("/api/v1/cargos/{id}"), None)
        .await;
    assert_eq!(status, 200, "{detail}");
    fits(&document, "CargoDetail", &detail);
    let (_, dictionaries) = app.call(Method::GET, "/api/v1/dictionaries", None).await;
    fits(&document, "Dictionaries", &dictionaries);
    assert_eq!(dictionaries["truck_types"][0]["name"], "Тент");
    let (_, view) = app.call(Method::GET, "/api/v1/subscription", None).await;
    fits(&document, "SubscriptionView", &view);
    let (_, profile) = app.call(Method::GET, "/api/v1/me/profile", None).await;
    fits(&document, "Profile", &profile);
    fits(&document, "QuietHours", &profile["quiet_hours"]);
    let (status, passes) = app.call(Method::GET, "/api/v1/passes", None).await;
    assert_eq!(status, 200, "{passes}");
    fits(&document, "PassesView", &passes);
    let (status, refused) = app.call(Method::GET, "/api/v1/cabinet/status", None).await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (401, Some("pass_missing"))
    );
    fits(&document, "ApiErrorBody", &refused);
}
