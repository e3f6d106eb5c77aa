//! Limits on the public doors, as a script (or a neighbour behind the same address) meets them:
//! past a door's limit a driver is refused `429 too_many_requests` with `Retry-After` while others
//! are still served; client addresses are read through trusted proxies only; promo codes cannot be
//! guessed, and the guessing is counted where admins see it.

use admin::wire::Role;
use reqwest::Method;
use serde_json::{Value, json};
use server::{config::SANDBOX_BOT_TOKEN, telegram::init_data::signed_init_data};

use crate::{
    admin::{log_in, make_admin},
    subscriptions::plan,
    support::{Options, TestApp, app_with_exchange, backends, spawn_app_with},
};

/// An answer as a client sees it: the status, `Retry-After` in seconds, the body.
struct Answer {
    status: u16,
    retry_after: Option<u64>,
    body: Value,
}

impl Answer {
    /// A refusal at the door: `429 too_many_requests`, when to come back, and why in words.
    fn assert_refused(&self, what: &str) {
        assert_eq!(self.status, 429, "{what}: {}", self.body);
        assert_eq!(self.body["code"], "too_many_requests", "{what}");
        let seconds = self.retry_after.expect("Retry-After");
        assert!(seconds >= 1, "{what}: Retry-After {seconds}");
        let message = self.body["message"].as_str().unwrap();
        assert!(message.contains(&seconds.to_string()), "{what}: {message}");
    }

    fn assert_served(&self, what: &str) {
        assert_ne!(self.status, 429, "{what}: {}", self.body);
    }
}

async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|value| value.to_str().ok()?.parse().ok());
    let body = response.json().await.unwrap_or(Value::Null);
    Answer {
        status,
        retry_after,
        body,
    }
}

async fn knock(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> Answer {
    let mut request = app.authorize(app.client.request(method, app.url(path)));
    if let Some(body) = body {
        request = request.json(&body);
    }
    send(request).await
}

fn driver(id: i64, language: &str) -> Value {
    json!({"id": id, "first_name": "Семён", "language_code": language})
}

/// Launch data exchanged for a session, as if from `forwarded` behind a proxy when given.
async fn sign_in_from(app: &TestApp, telegram_id: i64, forwarded: Option<&str>) -> Answer {
    let init_data = signed_init_data(
        &driver(telegram_id, "ru"),
        chrono::Utc::now().timestamp(),
        SANDBOX_BOT_TOKEN,
    );
    let mut request = app
        .client
        .post(app.url("/api/v1/auth/telegram"))
        .json(&json!({ "init_data": init_data }));
    if let Some(forwarded) = forwarded {
        request = request.header("x-forwarded-for", forwarded);
    }
    send(request).await
}

/// Knocks `allowed` times (each served, whatever its answer), then once more: refused.
async fn until_refused(
    app: &TestApp,
    allowed: usize,
    what: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) {
    for n in 0..allowed {
        knock(app, method.clone(), path, body.clone())
            .await
            .assert_served(&format!("{what} #{}", n + 1));
    }
    knock(app, method, path, body).await.assert_refused(what);
}

#[tokio::test]
async fn each_door_refuses_a_driver_past_its_limit_while_another_is_served() {
    for backend in backends() {
        let limits = [
            ("LIMIT_TRIAL", "2,100"),
            ("LIMIT_PROMO", "3,100"),
            ("LIMIT_PAYMENT", "2,100"),
            ("LIMIT_RESPOND", "2,100"),
            ("LIMIT_FILTERS", "2,100"),
            ("LIMIT_CABINET_LINKS", "3,100"),
        ];
        let (_exchange, mut greedy) = app_with_exchange("doors_each", backend, &limits).await;
        let mut other = greedy.same_server();
        greedy.sign_in_as(driver(910_001, "ru")).await;
        other.sign_in_as(driver(910_002, "en")).await;
        let plan_id = plan(&greedy, 30).await["id"].clone();
        let (_, page) = greedy
            .call(Method::GET, "/api/v1/cargos?limit=5", None)
            .await;
        let load = page["cards"][0]["id"].as_u64().expect("a load");
        let response = format!("/api/v1/cargos/{load}/response");
        let filter = json!({"filter": null});
        let saved = json!({"name": "Домой", "filter": {"from": {"city_id": 1, "point_type": 2, "city_name": "Москва"}}});
        let promo = json!({"code": "HAULER20"});
        let payment = json!({"plan_id": plan_id});

        // The trial's first knock was signing in with it.
        let trial = "/api/v1/subscription/trial";
        until_refused(&greedy, 1, "trial", Method::POST, trial, None).await;
        let check = "/api/v1/promo/check";
        until_refused(
            &greedy,
            3,
            "promo",
            Method::POST,
            check,
            Some(promo.clone()),
        )
        .await;
        let redeem = "/api/v1/promo/redeem";
        knock(&greedy, Method::POST, redeem, Some(promo.clone()))
            .await
            .assert_refused("redeeming shares the promo door");
        let pay = "/api/v1/payments";
        until_refused(
            &greedy,
            2,
            "payment",
            Method::POST,
            pay,
            Some(payment.clone()),
        )
        .await;
        knock(
            &greedy,
            Method::POST,
            "/api/v1/passes",
            Some(json!({"plan_id": 1})),
        )
        .await
        .assert_refused("buying a cabinet pass shares the payment door");
        let link = "/api/v1/passes/1/link";
        until_refused(&greedy, 3, "cabinet login links", Method::POST, link, None).await;
        until_refused(&greedy, 2, "respond", Method::POST, &response, None).await;
        let remember = "/api/v1/me/filter";
        until_refused(
            &greedy,
            2,
            "filters",
            Method::PUT,
            remember,
            Some(filter.clone()),
        )
        .await;
        knock(
            &greedy,
            Method::POST,
            "/api/v1/me/filters",
            Some(saved.clone()),
        )
        .await
        .assert_refused("saving shares the filters door");

        let refusal = knock(&greedy, Method::POST, pay, Some(payment.clone())).await;
        let message = refusal.body["message"].as_str().unwrap();
        assert!(
            message.contains("подождите"),
            "Russian for a Russian driver: {message}"
        );
        let (status, _) = greedy.call(Method::GET, "/api/v1/me/filter", None).await;
        assert_eq!(status, 200, "reading is no knock");
        let (status, _) = greedy.call(Method::GET, "/api/v1/subscription", None).await;
        assert_eq!(status, 200, "nothing the driver had is lost");

        for (what, method, path, body) in [
            ("trial", Method::POST, trial, None),
            ("promo", Method::POST, check, Some(promo)),
            ("payment", Method::POST, pay, Some(payment)),
            ("respond", Method::POST, response.as_str(), None),
            ("filters", Method::PUT, remember, Some(filter)),
            ("saving", Method::POST, "/api/v1/me/filters", Some(saved)),
            ("cabinet login links", Method::POST, link, None),
        ] {
            knock(&other, method, path, body).await.assert_served(what);
        }
        let english = knock(&other, Method::PUT, remember, Some(json!({"filter": null}))).await;
        english.assert_refused("the other's filters, past their own limit");
        let message = english.body["message"].as_str().unwrap();
        assert!(
            message.starts_with("Too many requests"),
            "English for an English driver: {message}"
        );
    }
}

/// A server behind a proxy at 127.0.0.1 (`trusted`) or with no proxy trusted, allowing two
/// sign-ins per address and taking YooKassa's notifications from 185.71.76.0/27 only.
async fn behind_proxy(test: &str, trusted: bool) -> Vec<TestApp> {
    let mut apps = Vec::new();
    for backend in backends() {
        let mut extra_vars = vec![
            ("LIMIT_SIGN_IN", "2".to_owned()),
            ("YOOKASSA_ALLOWED_IPS", "185.71.76.0/27".to_owned()),
        ];
        if trusted {
            extra_vars.push(("TRUSTED_PROXIES", "127.0.0.1".to_owned()));
        }
        apps.push(spawn_app_with(test, backend, Options { extra_vars }).await);
    }
    apps
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_is_counted_by_its_own_address() {
    for app in behind_proxy("doors_trusted_proxy", true).await {
        let phone = Some("198.51.100.1");
        sign_in_from(&app, 920_001, phone)
            .await
            .assert_served("first");
        sign_in_from(&app, 920_002, phone)
            .await
            .assert_served("second");
        sign_in_from(&app, 920_003, phone)
            .await
            .assert_refused("a third sign-in from one phone");
        sign_in_from(&app, 920_003, Some("198.51.100.2"))
            .await
            .assert_served("another phone behind the same proxy");
        sign_in_from(&app, 920_003, Some("203.0.113.7, 198.51.100.1"))
            .await
            .assert_refused(
                "what the phone wrote itself, left of the proxy's entry, is not believed",
            );
        let answer = sign_in_from(&app, 920_003, None).await;
        assert_eq!(answer.status, 200, "the proxy itself: {}", answer.body);

        let notify = |forwarded: Option<&str>| {
            let request = app
                .client
                .post(app.url("/api/v1/payments/yookassa/notifications"))
                .json(&json!({"type": "nonsense"}));
            match forwarded {
                Some(address) => request.header("x-forwarded-for", address),
                None => request,
            }
        };
        let from_yookassa = send(notify(Some("185.71.76.10"))).await;
        assert_eq!(
            from_yookassa.status, 400,
            "YooKassa's address, forwarded by the proxy, passes the address check: {}",
            from_yookassa.body
        );
        let from_proxy = send(notify(None)).await;
        assert_eq!(from_proxy.status, 403, "{}", from_proxy.body);
        assert_eq!(from_proxy.body["code"], "notification_forbidden");
    }
}

#[tokio::test]
async fn an_untrusted_peer_cannot_choose_its_address_with_x_forwarded_for() {
    for app in behind_proxy("doors_untrusted_proxy", false).await {
        sign_in_from(&app, 930_001, Some("198.51.100.1"))
            .await
            .assert_served("first");
        sign_in_from(&app, 930_002, Some("198.51.100.2"))
            .await
            .assert_served("second");
        sign_in_from(&app, 930_003, Some("198.51.100.3"))
            .await
            .assert_refused("a third address named by the same peer is still the peer");

        let forged = send(
            app.client
                .post(app.url("/api/v1/payments/yookassa/notifications"))
                .header("x-forwarded-for", "185.71.76.10")
                .json(&json!({"type": "nonsense"})),
        )
        .await;
        assert_eq!(forged.status, 403, "{}", forged.body);
        assert_eq!(forged.body["code"], "notification_forbidden");
    }
}

#[tokio::test]
async fn promo_guessing_is_stopped_counted_and_shown_to_admins() {
    for backend in backends() {
        let app = spawn_app_with(
            "doors_promo_guessing",
            backend,
            Options {
                extra_vars: vec![("LIMIT_PROMO_WRONG", "3,100".to_owned())],
            },
        )
        .await;
        let mut guesser = app.same_server();
        let mut honest = app.same_server();
        let guessing = guesser.sign_in_without_access(driver(940_001, "ru")).await;
        honest.sign_in_without_access(driver(940_002, "ru")).await;

        for code in ["FREE4", "HAULER21", "LETO-AAAAA"] {
            let (status, body) = guesser
                .call(
                    Method::POST,
                    "/api/v1/promo/check",
                    Some(json!({"code": code})),
                )
                .await;
            assert_eq!(
                (status, body["code"].as_str()),
                (422, Some("promo_unknown")),
                "{code}"
            );
        }
        for (path, body) in [
            ("/api/v1/promo/check", json!({"code": "FREE3"})),
            ("/api/v1/promo/redeem", json!({"code": "FREE3"})),
        ] {
            let refusal = knock(&guesser, Method::POST, path, Some(body)).await;
            refusal.assert_refused(path);
            assert!(refusal.retry_after.unwrap() <= 3600, "within the hour");
        }
        let plan_id = plan(&guesser, 30).await["id"].clone();
        knock(
            &guesser,
            Method::POST,
            "/api/v1/payments",
            Some(json!({"plan_id": plan_id, "promo_code": "HAULER20"})),
        )
        .await
        .assert_refused("a payment with a code");
        let (status, payment) = guesser
            .call(
                Method::POST,
                "/api/v1/payments",
                Some(json!({"plan_id": plan_id})),
            )
            .await;
        assert_eq!(status, 201, "paying without a code is no guess: {payment}");

        let (status, redeemed) = honest
            .call(
                Method::POST,
                "/api/v1/promo/redeem",
                Some(json!({"code": "FREE3"})),
            )
            .await;
        assert_eq!(status, 200, "another driver is served: {redeemed}");
        let (status, _) = honest
            .call(
                Method::POST,
                "/api/v1/promo/check",
                Some(json!({"code": "NOPE"})),
            )
            .await;
        assert_eq!(status, 422);

        make_admin(&app, "support@hauler.test", Role::Support).await;
        let support = log_in(&app, "support@hauler.test").await;
        let (status, guesses) = support
            .call(Method::GET, "/admin/api/promo/guesses", None)
            .await;
        assert_eq!(status, 200, "{guesses}");
        assert_eq!(guesses["total"], 4, "{guesses}");
        assert_eq!(guesses["drivers"][0]["driver_id"], guessing["id"]);
        assert_eq!(guesses["drivers"][0]["wrong"], 3);
        assert_eq!(guesses["drivers"][0]["last_code"], "LETO-AAAAA");
        assert_eq!(guesses["drivers"][1]["wrong"], 1);
    }
}

#[tokio::test]
async fn a_generated_code_is_long_enough_not_to_be_guessed_and_redeems() {
    for backend in backends() {
        let app = spawn_app_with(
            "doors_generated_code",
            backend,
            Options {
                extra_vars: Vec::new(),
            },
        )
        .await;
        make_admin(&app, "admin@hauler.test", Role::Admin).await;
        let admin = log_in(&app, "admin@hauler.test").await;
        let (status, batch) = admin
            .call(
                Method::POST,
                "/admin/api/promo/batch",
                Some(json!({"campaign": "Leto", "count": 1, "kind": "free_days", "value": 5})),
            )
            .await;
        assert_eq!(status, 201, "{batch}");
        let code = batch[0]["code"].as_str().unwrap().to_owned();
        let random: String = code["LETO-".len()..].split('-').collect();
        let bits = random.len() as f64 * 31f64.log2();
        assert!(bits >= 60.0, "{code}: {bits} bits");

        let mut driver_app = app.same_server();
        driver_app
            .sign_in_without_access(driver(950_001, "ru"))
            .await;
        let typed = code.to_lowercase();
        let (status, access) = driver_app
            .call(
                Method::POST,
                "/api/v1/promo/redeem",
                Some(json!({"code": typed})),
            )
            .await;
        assert_eq!(status, 200, "{access}");
        assert_eq!(access["active"], true, "{access}");
    }
}

#[tokio::test]
async fn a_driver_holds_so_many_live_feeds_and_one_more_is_refused() {
    for backend in backends() {
        let app = spawn_app_with(
            "doors_live_cap",
            backend,
            Options {
                extra_vars: vec![("LIVE_CONNECTIONS_PER_DRIVER", "2".to_owned())],
            },
        )
        .await;
        let mut greedy = app.same_server();
        let mut other = app.same_server();
        greedy.sign_in_as(driver(960_001, "ru")).await;
        other.sign_in_as(driver(960_002, "ru")).await;
        let live = |app: &TestApp| {
            let token = app.bearer.clone().unwrap();
            app.client
                .get(app.url(&format!("/api/v1/live?access_token={token}")))
        };
        let first = live(&greedy).send().await.unwrap();
        let second = live(&greedy).send().await.unwrap();
        assert_eq!(
            (first.status().as_u16(), second.status().as_u16()),
            (200, 200)
        );
        send(live(&greedy))
            .await
            .assert_refused("a third feed of one driver");
        let others = live(&other).send().await.unwrap();
        assert_eq!(others.status(), 200, "another driver's feed");
        drop((first, second, others));
    }
}

#[tokio::test]
async fn a_script_asking_in_a_loop_is_held_to_its_pace_while_other_drivers_are_served() {
    for backend in backends() {
        let (_exchange, mut greedy) =
            app_with_exchange("doors_pace", backend, &[("LIMIT_PACE", "2,6")]).await;
        let mut other = greedy.same_server();
        greedy.sign_in_as(driver(970_001, "ru")).await;
        other.sign_in_as(driver(970_002, "ru")).await;
        let list = "/api/v1/cargos?limit=5";

        // A script asks for the list as fast as the server answers: a few at once, then a refusal.
        let mut served = 0;
        let refused = loop {
            let answer = knock(&greedy, Method::GET, list, None).await;
            if answer.status == 429 {
                break answer;
            }
            assert_eq!(answer.status, 200, "list #{}: {}", served + 1, answer.body);
            served += 1;
            assert!(served < 20, "still served after {served} lists in a row");
        };
        refused.assert_refused("a list asked faster than the driver's pace");
        assert!(served >= 3, "the driver had a burst to spend: {served}");
        // The pace is the driver's, over every request, not the list's.
        knock(&greedy, Method::GET, "/api/v1/me", None)
            .await
            .assert_refused("the driver's own data, asked within the same second");
        // Another driver is served all the while.
        for _ in 0..3 {
            knock(&other, Method::GET, list, None)
                .await
                .assert_served("another driver's list");
        }

        // Waiting as told, the script is served again.
        let wait = refused.retry_after.expect("Retry-After");
        tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
        let again = knock(&greedy, Method::GET, list, None).await;
        assert_eq!(again.status, 200, "after Retry-After: {}", again.body);
    }
}
