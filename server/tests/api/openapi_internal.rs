//! The internal API's OpenAPI document: it lists every route machine clients call, each one
//! needs a service token and refuses a caller without one in JSON, and what the server sends a
//! client with a token has the shape the document promises.

use domain::service_tokens;
use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    openapi::fits,
    support::{Options, backends, spawn_app_with},
};

const TOKEN: &str = "the-bot-process-token";

const ROUTES: [(&str, &str); 5] = [
    ("post", "/internal/v1/bot/updates"),
    ("post", "/internal/v1/outbox/claim"),
    ("post", "/internal/v1/outbox/{id}/settle"),
    ("post", "/internal/v1/outbox/release"),
    ("post", "/internal/v1/payments/{id}/refunds"),
];

#[tokio::test]
async fn the_internal_document_lists_every_route_and_matches_what_the_server_sends() {
    let app = spawn_app_with(
        "openapi_internal",
        backends()[0],
        Options {
            extra_vars: vec![("SERVICE_TOKEN_BOT_HASH", service_tokens::hash(TOKEN))],
        },
    )
    .await;
    let (status, document) = app
        .call(Method::GET, "/internal/v1/openapi.json", None)
        .await;
    assert_eq!(status, 200);
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
    let scheme = &document["components"]["securitySchemes"]["service_token"];
    assert_eq!(
        (&scheme["in"], &scheme["name"]),
        (&json!("header"), &json!("X-Service-Token"))
    );

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

    for (method, path) in ROUTES {
        let operation = &document["paths"][path][method];
        assert!(
            operation["security"][0].get("service_token").is_some(),
            "{path}"
        );
        let refusal = |status: &str| {
            operation["responses"][status]["description"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        };
        assert!(refusal("403").contains("service_token_required"), "{path}");
        assert!(refusal("400").contains("invalid_body"), "{path}");
        if path.contains("{id}") {
            assert!(refusal("400").contains("invalid_id"), "{path}");
        }
        // Served, and a caller without a token is refused in JSON.
        let response = app
            .client
            .post(app.url(&path.replace("{id}", "1")))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "service_token_required", "{path}");
    }

    let call = |path: &'static str, body: Value| {
        let request = app
            .client
            .post(app.url(path))
            .header("x-service-token", TOKEN)
            .json(&body);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (status, claimed) = call("/internal/v1/outbox/claim", json!({"limit": 5})).await;
    assert_eq!(status, 200, "{claimed}");
    for pending in claimed.as_array().unwrap() {
        fits(&document, "Pending", pending);
    }
    let (status, _) = call("/internal/v1/outbox/release", json!({"ids": []})).await;
    assert_eq!(status, 204);
    let (status, refused) = call("/internal/v1/payments/424242/refunds", json!({})).await;
    assert_eq!(status, 404, "{refused}");
    fits(&document, "ApiErrorBody", &refused);
    assert_eq!(refused["code"], "payment_not_found");
    // A number past what the schema allows is refused as the document says, not read modulo.
    let (status, refused) = call(
        "/internal/v1/outbox/claim",
        json!({"limit": 4_294_967_296u64}),
    )
    .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (400, Some("invalid_body"))
    );
}
