//! The dashboard's OpenAPI document: it lists every route of the admin API, says how each one
//! refuses a caller without a session, a driver, a role too low and a change without the CSRF
//! token, every route answers, and what the server really sends has the shape it promises.

use admin::wire::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    admin::{log_in, make_admin},
    openapi::fits,
    support::{backends, spawn_app},
};

/// The admin API, as the dashboard's pages call it.
const ROUTES: [(&str, &str); 64] = [
    ("post", "/admin/api/login"),
    ("get", "/admin/api/session"),
    ("post", "/admin/api/logout"),
    ("post", "/admin/api/logout-everywhere"),
    ("get", "/admin/api/overview"),
    ("get", "/admin/api/drivers"),
    ("get", "/admin/api/drivers/{id}"),
    ("post", "/admin/api/drivers/{id}/ban"),
    ("post", "/admin/api/drivers/{id}/unban"),
    ("post", "/admin/api/drivers/{id}/gift"),
    ("post", "/admin/api/drivers/{id}/message"),
    ("get", "/admin/api/drivers/{id}/upstream-share"),
    ("put", "/admin/api/drivers/{id}/upstream-share"),
    ("get", "/admin/api/payments"),
    ("get", "/admin/api/payments.csv"),
    ("get", "/admin/api/payments/{id}"),
    ("post", "/admin/api/payments/{id}/refunds"),
    ("get", "/admin/api/plans"),
    ("post", "/admin/api/plans"),
    ("put", "/admin/api/plans/{id}"),
    ("get", "/admin/api/promo"),
    ("post", "/admin/api/promo"),
    ("post", "/admin/api/promo/batch"),
    ("get", "/admin/api/promo/guesses"),
    ("put", "/admin/api/promo/{code}"),
    ("get", "/admin/api/flags"),
    ("put", "/admin/api/flags/{name}"),
    ("get", "/admin/api/settings"),
    ("put", "/admin/api/settings/{key}"),
    ("delete", "/admin/api/settings/{key}"),
    ("get", "/admin/api/connection"),
    ("post", "/admin/api/connection/login"),
    ("post", "/admin/api/connection/sms-code"),
    ("post", "/admin/api/connection/drop-token"),
    ("get", "/admin/api/connection/sandbox"),
    ("post", "/admin/api/connection/sandbox"),
    ("get", "/admin/api/cities"),
    ("post", "/admin/api/cities/refresh"),
    ("get", "/admin/api/service-tokens"),
    ("post", "/admin/api/service-tokens"),
    ("delete", "/admin/api/service-tokens/{id}"),
    ("get", "/admin/api/audit"),
    ("get", "/admin/api/audit.csv"),
    ("get", "/admin/api/admins"),
    ("post", "/admin/api/admins"),
    ("put", "/admin/api/admins/{id}"),
    ("get", "/admin/api/second-factor"),
    ("post", "/admin/api/second-factor/setup"),
    ("post", "/admin/api/second-factor/confirm"),
    ("post", "/admin/api/second-factor/disable"),
    ("delete", "/admin/api/admins/{id}/second-factor"),
    ("get", "/admin/api/shipper-reports"),
    ("post", "/admin/api/shipper-reports/{id}/approve"),
    ("post", "/admin/api/shipper-reports/{id}/reject"),
    ("get", "/admin/api/passes"),
    ("post", "/admin/api/passes"),
    ("post", "/admin/api/passes/{id}/revoke"),
    ("get", "/admin/api/pass-plans"),
    ("post", "/admin/api/pass-plans"),
    ("put", "/admin/api/pass-plans/{id}"),
    ("get", "/admin/api/cabinet/sessions"),
    ("get", "/admin/api/cabinet/policy"),
    ("post", "/admin/api/cabinet/policy"),
    ("delete", "/admin/api/cabinet/policy/{id}"),
];

fn operations(document: &Value) -> Vec<(String, String)> {
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
    documented
}

fn refusal(operation: &Value, status: &str) -> String {
    operation["responses"][status]["description"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn the_admin_document_lists_every_route_and_matches_what_the_server_sends() {
    let app = spawn_app("openapi_admin", backends()[0]).await;
    let (status, document) = app.call(Method::GET, "/admin/api/openapi.json", None).await;
    assert_eq!(status, 200);
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
    let mut expected: Vec<(String, String)> = ROUTES
        .iter()
        .map(|(method, path)| (method.to_string(), path.to_string()))
        .collect();
    expected.sort();
    assert_eq!(operations(&document), expected);

    let schemes = &document["components"]["securitySchemes"];
    assert_eq!(schemes["admin_session"]["in"], "cookie");
    assert_eq!(schemes["admin_session"]["name"], "hauler_admin");
    assert_eq!(schemes["csrf"]["in"], "header");
    assert_eq!(schemes["csrf"]["name"], "X-CSRF-Token");

    let mut ids = std::collections::HashSet::new();
    for (method, path) in ROUTES {
        let operation = &document["paths"][path][method];
        assert!(
            ids.insert(operation["operationId"].as_str().unwrap().to_owned()),
            "{method} {path}: its operationId is another route's"
        );
        // Every route but logging in needs the session, and a change its CSRF token too.
        if path != "/admin/api/login" {
            let needs = operation["security"][0].as_object().unwrap();
            assert!(needs.contains_key("admin_session"), "{method} {path}");
            assert_eq!(
                needs.contains_key("csrf"),
                method != "get",
                "{method} {path}"
            );
            assert!(refusal(operation, "401").contains("admin_session_missing"));
            let forbidden = refusal(operation, "403");
            assert!(forbidden.contains("role_insufficient"), "{method} {path}");
            assert!(forbidden.contains("admin_only"), "{method} {path}");
            assert_eq!(
                forbidden.contains("csrf_invalid"),
                method != "get",
                "{method} {path}"
            );
        }
        assert!(refusal(operation, "503").contains("database_unavailable"));
        if path.contains("{id}") {
            assert!(
                refusal(operation, "400").contains("invalid_id"),
                "{method} {path}"
            );
            let id = &operation["parameters"][0];
            assert_eq!(id["schema"]["minimum"], 1, "{method} {path}");
            assert_eq!(id["schema"]["format"], "int64", "{method} {path}");
        }
        if operation.get("requestBody").is_some() {
            assert!(
                refusal(operation, "400").contains("invalid_body"),
                "{method} {path}"
            );
            assert!(refusal(operation, "413").contains("body_too_large"));
        }
    }
    for export in ["/admin/api/payments.csv", "/admin/api/audit.csv"] {
        let answer = &document["paths"][export]["get"]["responses"]["200"]["content"];
        assert!(answer.get("text/csv").is_some(), "{export}: {answer}");
    }

    // Each documented route is served, and refuses a caller with no session in JSON.
    for (method, path) in ROUTES {
        let url = app.url(
            &path
                .replace("{id}", "1")
                .replace("{name}", "trial")
                .replace("{key}", "telegram.bot_token")
                .replace("{code}", "LETO"),
        );
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let response = app
            .client
            .request(method.clone(), url)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let expected = if path == "/admin/api/login" {
            (400, "invalid_body")
        } else {
            (401, "admin_session_missing")
        };
        assert_eq!(
            (status, body["code"].as_str().unwrap_or_default()),
            expected,
            "{method} {path}"
        );
    }

    // What an owner is sent has the documented shape.
    make_admin(&app, "owner@hauler.test", Role::Owner).await;
    let owner = log_in(&app, "owner@hauler.test").await;
    let read = |path: &'static str| {
        let owner = &owner;
        async move {
            let (status, body) = owner.call(Method::GET, path, None).await;
            assert_eq!(status, 200, "{path}: {body}");
            body
        }
    };
    fits(
        &document,
        "AdminSessionView",
        &read("/admin/api/session").await,
    );
    let overview = read("/admin/api/overview").await;
    fits(&document, "Overview", &overview);
    fits(&document, "UpstreamFigures", &overview["upstream"]);
    fits(&document, "DayFigures", &overview["days"][0]);
    fits(&document, "DriverPage", &read("/admin/api/drivers").await);
    fits(&document, "PaymentList", &read("/admin/api/payments").await);
    let audit = read("/admin/api/audit").await;
    fits(&document, "AuditPage", &audit);
    fits(&document, "AuditRow", &audit["rows"][0]);
    fits(&document, "FlagView", &read("/admin/api/flags").await[0]);
    fits(
        &document,
        "SettingView",
        &read("/admin/api/settings").await[0],
    );
    fits(
        &document,
        "ConnectionView",
        &read("/admin/api/connection").await,
    );
    fits(&document, "CitiesView", &read("/admin/api/cities").await);
    fits(&document, "AdminView", &read("/admin/api/admins").await[0]);
    fits(&document, "PlanView", &read("/admin/api/plans").await[0]);
    fits(
        &document,
        "PromoGuesses",
        &read("/admin/api/promo/guesses").await,
    );
    fits(
        &document,
        "SecondFactorState",
        &read("/admin/api/second-factor").await,
    );
    let (status, plan) = owner
        .call(
            Method::POST,
            "/admin/api/pass-plans",
            Some(json!({"hours": 24, "price_kopecks": 19_900})),
        )
        .await;
    assert_eq!(status, 201, "{plan}");
    fits(&document, "PassPlanRow", &plan);
    fits(
        &document,
        "PassPlanRow",
        &read("/admin/api/pass-plans").await[0],
    );
    let (status, rule) = owner
        .call(
            Method::POST,
            "/admin/api/cabinet/policy",
            Some(json!({"prefix": "/reports/export", "reason": "not for drivers"})),
        )
        .await;
    assert_eq!(status, 201, "{rule}");
    fits(&document, "PolicyRuleRow", &rule);
    fits(
        &document,
        "PolicyRuleRow",
        &read("/admin/api/cabinet/policy").await[0],
    );
    let opened = format!("/admin/api/cabinet/policy/{}", rule["id"]);
    let removed = &document["paths"]["/admin/api/cabinet/policy/{id}"]["delete"]["responses"];
    assert!(removed.get("204").is_some(), "{removed}");
    assert_eq!(owner.call(Method::DELETE, &opened, None).await.0, 204);
    for (path, code) in [
        ("/admin/api/passes?state=lost", "invalid_state"),
        ("/admin/api/shipper-reports?state=lost", "invalid_state"),
        ("/admin/api/cabinet/sessions?pass_id=x", "invalid_query"),
    ] {
        let (status, body) = owner.call(Method::GET, path, None).await;
        assert_eq!((status, body["code"].as_str()), (400, Some(code)), "{path}");
    }
    let (status, refused) = owner.call(Method::GET, "/admin/api/drivers/1", None).await;
    assert_eq!(status, 404);
    fits(&document, "ErrorBody", &refused);

    // What the document says the filters take is what they take: a page in range, a date that
    // is a date (the dashboard leaves an empty one out), an amount up to the largest u64.
    let min_amount = document["paths"]["/admin/api/payments"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|parameter| parameter["name"] == "min_amount")
        .unwrap();
    assert_eq!(min_amount["schema"]["maximum"], json!(u64::MAX));
    for (path, code) in [
        ("/admin/api/payments?page=0", "invalid_page"),
        ("/admin/api/payments.csv?per_page=201", "invalid_page_size"),
        ("/admin/api/payments?to=", "invalid_filter"),
        ("/admin/api/audit?from=", "invalid_date"),
        ("/admin/api/audit.csv?page=0", "invalid_page"),
    ] {
        let (status, body) = owner.call(Method::GET, path, None).await;
        assert_eq!((status, body["code"].as_str()), (400, Some(code)), "{path}");
    }
    let everything = "/admin/api/payments?min_amount=18446744073709551615";
    assert_eq!(owner.call(Method::GET, everything, None).await.0, 200);
    let (status, body) = owner
        .call(
            Method::POST,
            "/admin/api/promo",
            Some(json!({"code": "NODATE", "kind": "extra_days", "value": 3, "valid_until": ""})),
        )
        .await;
    assert_eq!((status, body["code"].as_str()), (422, Some("invalid_date")));
}
