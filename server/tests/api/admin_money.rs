//! The admin dashboard's money pages over HTTP: payments with their history, filters and CSV,
//! refunds, plans that are the paywall's, and promo codes made, used and counted.

use std::{collections::HashSet, time::Duration};

use admin::wire::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::subscriptions::{pay_on_checkout_page, settled, start_buying};
use crate::{
    admin::{AdminBrowser, log_in, make_admin},
    support::{TestApp, backends, scalar, spawn_app},
};

fn driver(id: i64) -> Value {
    json!({"id": id, "first_name": "Степан", "last_name": "Иванов, мл.", "language_code": "ru"})
}

/// Buys the plan of `days` days on the sandbox YooKassa page; returns the payment's id once
/// it has succeeded.
async fn bought(app: &TestApp, days: u64, promo: Option<&str>) -> i64 {
    let payment = start_buying(app, days, promo).await;
    pay_on_checkout_page(app, &payment).await;
    assert_eq!(settled(app, &payment["id"]).await["status"], "succeeded");
    payment["id"].as_i64().unwrap()
}

/// The payment's page, once its history holds an entry of `kind` (five seconds at most).
async fn payment_page_with(admin: &AdminBrowser<'_>, id: i64, kind: &str) -> Value {
    let mut page = Value::Null;
    for _ in 0..50 {
        let (status, body) = admin
            .call(Method::GET, &format!("/admin/api/payments/{id}"), None)
            .await;
        assert_eq!(status, 200, "{body}");
        page = body;
        if page["history"]
            .as_array()
            .unwrap()
            .iter()
            .any(|event| event["kind"] == kind)
        {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no {kind} in the history: {page}");
}

async fn ids(admin: &AdminBrowser<'_>, query: &str) -> Vec<i64> {
    let (status, list) = admin
        .call(Method::GET, &format!("/admin/api/payments?{query}"), None)
        .await;
    assert_eq!(status, 200, "{query}: {list}");
    list["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["id"].as_i64().unwrap())
        .collect()
}

async fn days_left(app: &TestApp) -> u64 {
    let (_, view) = app.call(Method::GET, "/api/v1/subscription", None).await;
    view["access"]["days_left"].as_u64().unwrap()
}

#[tokio::test]
async fn a_paid_payment_appears_with_its_history_and_the_filters_and_csv_find_it() {
    for backend in backends() {
        let server = spawn_app("admin_payments_list", backend).await;
        make_admin(&server, "support@hauler.test", Role::Support).await;
        let support = log_in(&server, "support@hauler.test").await;
        let mut app = server.same_server();
        app.sign_in_without_access(driver(930_001)).await;
        let week = bought(&app, 7, None).await;
        let month = bought(&app, 30, None).await;

        let page = payment_page_with(&support, month, "notification.payment.succeeded").await;
        assert_eq!(page["payment"]["status"], "succeeded");
        assert_eq!(page["payment"]["amount"], 199_000);
        assert_eq!(page["payment"]["driver_telegram_id"], 930_001);
        assert_eq!(page["driver"]["name"], "Степан Иванов, мл.");
        assert_eq!(page["driver"]["access_active"], true);
        assert_eq!(page["refundable"], 199_000);
        let notification = page["history"]
            .as_array()
            .unwrap()
            .iter()
            .find(|event| event["kind"] == "notification.payment.succeeded")
            .unwrap();
        let raw: Value = serde_json::from_str(notification["detail"].as_str().unwrap())
            .expect("the raw body as it came");
        assert_eq!(raw["event"], "payment.succeeded");

        let (status, list) = support.call(Method::GET, "/admin/api/payments", None).await;
        assert_eq!(status, 200, "{list}");
        assert_eq!(list["total"], 2);
        assert_eq!(
            list["totals"],
            json!([{"currency": "RUB", "count": 2, "amount": 268_000, "refunded": 0}])
        );
        assert_eq!(ids(&support, "").await, [month, week], "newest first");
        assert_eq!(ids(&support, "per_page=1&page=2").await, [week]);
        assert_eq!(ids(&support, "status=succeeded").await, [month, week]);
        assert!(ids(&support, "status=pending").await.is_empty());
        assert!(ids(&support, "status=refunded").await.is_empty());
        assert_eq!(ids(&support, "min_amount=100000").await, [month]);
        assert_eq!(ids(&support, "max_amount=69000").await, [week]);
        let plan_id = page["payment"]["plan_id"].as_i64().unwrap();
        assert_eq!(ids(&support, &format!("plan_id={plan_id}")).await, [month]);
        assert_eq!(ids(&support, "provider=yookassa").await.len(), 2);
        assert!(ids(&support, "provider=stars").await.is_empty());
        assert!(ids(&support, "promo=NOSUCHCODE").await.is_empty());
        let today = chrono::Utc::now().date_naive();
        assert_eq!(
            ids(&support, &format!("from={today}&to={today}"))
                .await
                .len(),
            2,
            "{backend:?}"
        );
        let tomorrow = today.succ_opt().unwrap();
        assert!(ids(&support, &format!("from={tomorrow}")).await.is_empty());
        let (status, refused) = support
            .call(Method::GET, "/admin/api/payments?status=lost", None)
            .await;
        assert_eq!(status, 400);
        assert_eq!(refused["code"], "invalid_filter");

        let csv = app
            .client
            .get(app.url("/admin/api/payments.csv?status=succeeded"))
            .header("cookie", &support.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(csv.status(), 200);
        assert!(
            csv.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        let csv = csv.text().await.unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 3, "a header and two payments: {csv}");
        assert!(lines[0].starts_with("id,created_at,driver_id,"), "{csv}");
        assert!(lines[1].starts_with(&format!("{month},")), "{csv}");
        assert!(
            lines[1].contains(",\"Степан Иванов, мл.\","),
            "a comma in a name is quoted: {csv}"
        );
        assert!(lines[1].contains(",succeeded,199000,RUB,0,"), "{csv}");
    }
}

#[tokio::test]
async fn a_partial_refund_from_the_dashboard_shortens_access_and_support_cannot_refund() {
    for backend in backends() {
        let server = spawn_app("admin_refund", backend).await;
        make_admin(&server, "admin@hauler.test", Role::Admin).await;
        make_admin(&server, "support@hauler.test", Role::Support).await;
        let admin = log_in(&server, "admin@hauler.test").await;
        let support = log_in(&server, "support@hauler.test").await;
        let mut app = server.same_server();
        app.sign_in_without_access(driver(930_002)).await;
        let id = bought(&app, 30, None).await;
        assert_eq!(days_left(&app).await, 30);
        let refunds = format!("/admin/api/payments/{id}/refunds");

        let (status, refused) = support
            .call(
                Method::POST,
                &refunds,
                Some(json!({"amount_kopecks": 99_500})),
            )
            .await;
        assert_eq!(status, 403, "{refused}");
        assert_eq!(refused["code"], "role_insufficient");
        assert_eq!(days_left(&app).await, 30, "nothing changed");

        let (status, refund) = admin
            .call(
                Method::POST,
                &refunds,
                Some(json!({"amount_kopecks": 99_500})),
            )
            .await;
        assert_eq!(status, 201, "{refund}");
        assert_eq!(refund["refunded_kopecks"], 99_500);
        assert_eq!(
            days_left(&app).await,
            15,
            "{backend:?}: half the money, half the days"
        );

        let page = payment_page_with(&admin, id, "refund.succeeded").await;
        assert_eq!(page["payment"]["refunded"], 99_500);
        assert_eq!(page["refundable"], 99_500);
        assert_eq!(page["driver"]["days_left"], 15);
        assert_eq!(ids(&admin, "status=refunded").await, [id]);

        let (status, too_much) = admin
            .call(
                Method::POST,
                &refunds,
                Some(json!({"amount_kopecks": 100_000})),
            )
            .await;
        assert_eq!(status, 422);
        assert_eq!(too_much["code"], "refund_amount_invalid");
        let (status, missing) = admin
            .call(
                Method::POST,
                "/admin/api/payments/999999/refunds",
                Some(json!({})),
            )
            .await;
        assert_eq!(status, 404);
        assert_eq!(missing["code"], "payment_not_found");

        let audited = scalar(
            &app.database().await,
            &format!(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'payment.refunded' \
                 AND actor = 'admin:admin@hauler.test' AND object = 'payment:{id}'"
            ),
        )
        .await;
        assert_eq!(audited, 1);
    }
}

#[tokio::test]
async fn a_promo_code_made_in_the_dashboard_is_redeemed_by_a_driver_and_its_use_counted() {
    for backend in backends() {
        let server = spawn_app("admin_promo_use", backend).await;
        make_admin(&server, "admin@hauler.test", Role::Admin).await;
        let admin = log_in(&server, "admin@hauler.test").await;
        let mut app = server.same_server();
        let (status, code) = admin
            .call(
                Method::POST,
                "/admin/api/promo",
                Some(json!({
                    "code": " dalnoboy-5 ", "kind": "free_days", "value": 5,
                    "valid_until": "2099-12-31", "max_uses": 100, "campaign": "Radio"
                })),
            )
            .await;
        assert_eq!(status, 201, "{code}");
        assert_eq!(code["code"], "DALNOBOY-5");
        assert_eq!(code["used_count"], 0);
        assert_eq!(code["created_by"], "admin:admin@hauler.test");
        assert!(
            code["valid_until"]
                .as_str()
                .unwrap()
                .starts_with("2100-01-01T00:00:00")
        );

        app.sign_in_without_access(driver(930_003)).await;
        let (status, access) = app
            .call(
                Method::POST,
                "/api/v1/promo/redeem",
                Some(json!({"code": "dalnoboy-5"})),
            )
            .await;
        assert_eq!(status, 200, "{access}");
        assert_eq!(access["days_left"], 5);

        let (status, list) = admin
            .call(Method::GET, "/admin/api/promo?campaign=Radio", None)
            .await;
        assert_eq!(status, 200, "{list}");
        assert_eq!(list.as_array().unwrap().len(), 1);
        assert_eq!(list[0]["used_count"], 1, "{backend:?}");
        assert_eq!(list[0]["uses"], 1);

        let (status, off) = admin
            .call(
                Method::PUT,
                "/admin/api/promo/dalnoboy-5",
                Some(json!({"active": false})),
            )
            .await;
        assert_eq!(status, 200, "{off}");
        assert_eq!(off["active"], false);
        let mut other = app.same_server();
        other.sign_in_without_access(driver(930_004)).await;
        let (status, refused) = other
            .call(
                Method::POST,
                "/api/v1/promo/redeem",
                Some(json!({"code": "DALNOBOY-5"})),
            )
            .await;
        assert_eq!(status, 422, "a switched-off code gives nothing: {refused}");

        let db = app.database().await;
        let audited = scalar(
            &db,
            "SELECT COUNT(*) FROM audit_log WHERE object = 'promo:DALNOBOY-5' \
             AND actor = 'admin:admin@hauler.test' AND action IN ('promo.created', 'promo.changed') \
             AND details LIKE '%before%' AND client_addr IS NOT NULL",
        )
        .await;
        assert_eq!(audited, 2);
    }
}

#[tokio::test]
async fn a_batch_of_twenty_codes_for_a_campaign_is_unique_and_readable() {
    for backend in backends() {
        let app = spawn_app("admin_promo_batch", backend).await;
        make_admin(&app, "admin@hauler.test", Role::Admin).await;
        let admin = log_in(&app, "admin@hauler.test").await;
        let (status, batch) = admin
            .call(
                Method::POST,
                "/admin/api/promo/batch",
                Some(json!({
                    "campaign": "Leto", "count": 20, "kind": "percent_off", "value": 15,
                    "max_uses": 1
                })),
            )
            .await;
        assert_eq!(status, 201, "{batch}");
        let codes: HashSet<String> = batch
            .as_array()
            .unwrap()
            .iter()
            .map(|code| code["code"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(codes.len(), 20, "{backend:?}: twenty different codes");
        for code in &codes {
            // 13 random characters in three groups: about 64 bits, not to be guessed.
            assert!(code.starts_with("LETO-") && code.len() == 20, "{code}");
            assert!(!code[5..].contains(['0', 'O', '1', 'I', 'L']), "{code}");
        }
        let (_, list) = admin
            .call(Method::GET, "/admin/api/promo?campaign=Leto", None)
            .await;
        assert_eq!(list.as_array().unwrap().len(), 20);
        assert!(list[0]["max_uses"] == 1 && list[0]["kind"] == "percent_off");
        let audited = scalar(
            &app.database().await,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'promo.created' AND object LIKE 'promo:LETO-%'",
        )
        .await;
        assert_eq!(audited, 20);
    }
}

#[tokio::test]
async fn plan_edits_change_what_the_paywall_sells() {
    for backend in backends() {
        let server = spawn_app("admin_plans", backend).await;
        make_admin(&server, "admin@hauler.test", Role::Admin).await;
        make_admin(&server, "support@hauler.test", Role::Support).await;
        let admin = log_in(&server, "admin@hauler.test").await;
        let support = log_in(&server, "support@hauler.test").await;
        let mut app = server.same_server();
        app.sign_in_without_access(driver(930_005)).await;
        let paywall = || async {
            let (_, view) = app.call(Method::GET, "/api/v1/subscription", None).await;
            view["plans"].as_array().unwrap().clone()
        };

        let (status, plans) = support.call(Method::GET, "/admin/api/plans", None).await;
        assert_eq!(status, 200);
        assert_eq!(plans.as_array().unwrap().len(), 4);
        let month = plans
            .as_array()
            .unwrap()
            .iter()
            .find(|plan| plan["days"] == 30)
            .unwrap()
            .clone();
        let path = format!("/admin/api/plans/{}", month["id"]);
        let (status, _) = support
            .call(
                Method::PUT,
                &path,
                Some(json!({"days": 31, "price_kopecks": 150_000})),
            )
            .await;
        assert_eq!(status, 403, "support reads plans only");

        let (status, changed) = admin
            .call(
                Method::PUT,
                &path,
                Some(json!({"days": 31, "price_kopecks": 150_000, "stars_price": 800, "active": true})),
            )
            .await;
        assert_eq!(status, 200, "{changed}");
        let sold = paywall().await;
        let month_now = sold.iter().find(|plan| plan["id"] == month["id"]).unwrap();
        assert_eq!(month_now["days"], 31, "{backend:?}");
        assert_eq!(month_now["price_kopecks"], 150_000);
        assert_eq!(month_now["stars"], 800);

        let (status, _) = admin
            .call(
                Method::PUT,
                &path,
                Some(json!({"days": 31, "price_kopecks": 150_000, "stars_price": 800, "active": false})),
            )
            .await;
        assert_eq!(status, 200);
        assert!(paywall().await.iter().all(|plan| plan["id"] != month["id"]));

        let (status, year) = admin
            .call(
                Method::POST,
                "/admin/api/plans",
                Some(json!({"days": 365, "price_kopecks": 1_499_000})),
            )
            .await;
        assert_eq!(status, 201, "{year}");
        let sold = paywall().await;
        assert_eq!(sold.last().unwrap()["days"], 365, "a new plan comes last");
        assert_eq!(sold.len(), 4);

        let audited = scalar(
            &app.database().await,
            &format!(
                "SELECT COUNT(*) FROM audit_log WHERE object = 'plan:{}' AND action = 'plan.changed' \
                 AND details LIKE '%\"before\":{{%\"days\":30%'",
                month["id"]
            ),
        )
        .await;
        assert_eq!(audited, 1, "the first change: before and after");
    }
}

#[tokio::test]
async fn bad_input_is_refused_with_a_stable_code_and_changes_nothing() {
    let app = spawn_app("admin_money_bad_input", backends()[0]).await;
    make_admin(&app, "admin@hauler.test", Role::Admin).await;
    let admin = log_in(&app, "admin@hauler.test").await;
    // A good code with one thing changed.
    let promo = |change: Value| {
        let mut body = json!({"code": "GOOD-CODE", "kind": "free_days", "value": 3});
        for (name, value) in change.as_object().unwrap() {
            body[name] = value.clone();
        }
        body
    };
    let cases = [
        (json!({"code": "DROP TABLE"}), 422, "invalid_code"),
        (json!({"code": "AB"}), 422, "invalid_code"),
        (json!({"kind": "gift"}), 422, "invalid_kind"),
        (
            json!({"kind": "percent_off", "value": 120}),
            422,
            "invalid_value",
        ),
        (json!({"value": 0}), 422, "invalid_value"),
        (json!({"max_uses": 0}), 422, "invalid_value"),
        (
            json!({"valid_from": "2030-01-02", "valid_until": "2030-01-01"}),
            422,
            "invalid_period",
        ),
        (json!({"valid_until": "tomorrow"}), 422, "invalid_date"),
        (json!({"campaign": "x".repeat(61)}), 422, "invalid_campaign"),
        (json!({"colour": "red"}), 400, "invalid_body"),
    ];
    for (change, expected, code) in cases {
        let (status, body) = admin
            .call(
                Method::POST,
                "/admin/api/promo",
                Some(promo(change.clone())),
            )
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (expected, Some(code)),
            "{change}: {body}"
        );
    }
    let (status, _) = admin
        .call(Method::POST, "/admin/api/promo", Some(promo(json!({}))))
        .await;
    assert_eq!(status, 201);
    let (status, duplicate) = admin
        .call(
            Method::POST,
            "/admin/api/promo",
            Some(promo(json!({"code": "good-code"}))),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(duplicate["code"], "duplicate_code");

    for (batch, code) in [
        (
            json!({"campaign": "Leto", "count": 0, "kind": "free_days", "value": 3}),
            "invalid_count",
        ),
        (
            json!({"campaign": "Leto", "count": 1001, "kind": "free_days", "value": 3}),
            "invalid_count",
        ),
        (
            json!({"campaign": " ", "count": 2, "kind": "free_days", "value": 3}),
            "invalid_campaign",
        ),
        (
            json!({"campaign": "Leto", "prefix": "NO SPACES", "count": 2, "kind": "free_days", "value": 3}),
            "invalid_code",
        ),
    ] {
        let (status, body) = admin
            .call(Method::POST, "/admin/api/promo/batch", Some(batch.clone()))
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (422, Some(code)),
            "{batch}: {body}"
        );
    }
    for (plan, code) in [
        (json!({"days": 0, "price_kopecks": 10_000}), "invalid_value"),
        (json!({"days": 30, "price_kopecks": 50}), "invalid_value"),
        (
            json!({"days": 30, "price_kopecks": 10_000, "stars_price": 0}),
            "invalid_value",
        ),
    ] {
        let (status, body) = admin
            .call(Method::POST, "/admin/api/plans", Some(plan.clone()))
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (422, Some(code)),
            "{plan}: {body}"
        );
    }
    let (status, body) = admin
        .call(
            Method::PUT,
            "/admin/api/plans/999999",
            Some(json!({"days": 3, "price_kopecks": 10_000})),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("plan_not_found"))
    );
    let (status, body) = admin
        .call(
            Method::PUT,
            "/admin/api/promo/NOPE-CODE",
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("promo_not_found"))
    );

    let db = app.database().await;
    let made_here = "SELECT COUNT(*) FROM promo_codes WHERE created_by = 'admin:admin@hauler.test'";
    assert_eq!(scalar(&db, made_here).await, 1);
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM plans").await, 4);
}

#[tokio::test]
async fn the_money_routes_refuse_nobody_with_401_and_a_driver_with_403() {
    let mut app = spawn_app("admin_money_refusals", backends()[0]).await;
    let calls = [
        (Method::GET, "/admin/api/payments"),
        (Method::GET, "/admin/api/payments.csv"),
        (Method::GET, "/admin/api/payments/1"),
        (Method::POST, "/admin/api/payments/1/refunds"),
        (Method::GET, "/admin/api/plans"),
        (Method::POST, "/admin/api/plans"),
        (Method::PUT, "/admin/api/plans/1"),
        (Method::GET, "/admin/api/promo"),
        (Method::POST, "/admin/api/promo"),
        (Method::POST, "/admin/api/promo/batch"),
        (Method::PUT, "/admin/api/promo/LETO"),
    ];
    for (method, path) in &calls {
        let (status, body) = app.call(method.clone(), path, Some(json!({}))).await;
        assert_eq!(status, 401, "{method} {path}: {body}");
        assert_eq!(body["code"], "admin_session_missing");
    }
    app.sign_in_as(json!({"id": 930_009, "first_name": "Водитель"}))
        .await;
    for (method, path) in &calls {
        let (status, body) = app.call(method.clone(), path, Some(json!({}))).await;
        assert_eq!(status, 403, "{method} {path}: {body}");
        assert_eq!(body["code"], "admin_only");
    }
}
