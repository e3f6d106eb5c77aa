//! The exchange's web cabinet through Hauler, over HTTP and WebSocket: passes bought and given,
//! every way in (the cookie a sign-in sets, `X-Access-Token`, `?token=` on a WebSocket),
//! forged, revoked and expired passes refused, the path policy, addresses rewritten in headers,
//! cookies and bodies, a 5 MB page streamed, the pass never reaching the exchange, and each
//! session audited.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::{Method, header};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{
    Message, client::IntoClientRequest, protocol::frame::coding::CloseCode,
};

use crate::{
    subscriptions::{pay_on_checkout_page, settled},
    support::{Options, TestApp, backends, cabinet::CabinetStory},
};

async fn get_with(app: &TestApp, path: &str, cookie: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header(header::COOKIE, cookie)
        .send()
        .await
        .unwrap()
}

/// The status of a page that an admin's change is about to close, once it is no longer `200`
/// (four seconds at most: the change reaches every instance within a second).
async fn refused_soon(app: &TestApp, path: &str, cookie: &str) -> u16 {
    let mut status = 200;
    for _ in 0..40 {
        status = get_with(app, path, cookie).await.status().as_u16();
        if status != 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    status
}

/// What the sandbox cabinet saw of a request and noticed so far.
async fn echo(app: &TestApp, cookie: &str) -> Value {
    get_with(app, "/cabinet/echo", cookie)
        .await
        .json()
        .await
        .unwrap()
}

fn ws_url(app: &TestApp, path: &str) -> String {
    app.url(path).replacen("http://", "ws://", 1)
}

/// Waits for the next text frame (ten seconds at most: a hang is a failure, not a wait).
async fn next_text<S>(socket: &mut S) -> Value
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a frame within ten seconds")
            .expect("the socket is open")
            .expect("a frame");
        if let Message::Text(text) = frame {
            return serde_json::from_str(text.as_str()).unwrap();
        }
    }
}

/// Waits for the close frame (ten seconds at most).
async fn close_code<S>(socket: &mut S) -> u16
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        match tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a close within ten seconds")
        {
            Some(Ok(Message::Close(Some(frame)))) => return u16::from(frame.code),
            Some(Ok(Message::Close(None))) | None | Some(Err(_)) => return 1005,
            Some(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn a_driver_buys_an_hour_and_the_pass_opens_the_cabinet_once_paid() {
    for backend in backends() {
        let story = CabinetStory::start("cabinet_buy", backend, 7_001).await;
        let app = &story.app;
        let driver_id = story.driver_id;
        let admin = story.admin();

        let (status, offer) = app.call(Method::GET, "/api/v1/passes", None).await;
        assert_eq!(status, 200, "{offer}");
        let hours: Vec<u64> = offer["plans"]
            .as_array()
            .unwrap()
            .iter()
            .map(|plan| plan["hours"].as_u64().unwrap())
            .collect();
        assert_eq!(hours, [1, 12, 24, 168, 720]);
        assert_eq!(offer["passes"], json!([]));

        // An admin prices the hour; the driver sees the new price.
        let hour = offer["plans"][0]["id"].as_i64().unwrap();
        let (status, _) = admin
            .call(
                Method::PUT,
                &format!("/admin/api/pass-plans/{hour}"),
                Some(json!({"hours": 1, "price_kopecks": 12_300, "stars_price": 60})),
            )
            .await;
        assert_eq!(status, 200);
        let (_, offer) = app.call(Method::GET, "/api/v1/passes", None).await;
        assert_eq!(offer["plans"][0]["price_kopecks"], 12_300);

        let (status, bought) = app
            .call(
                Method::POST,
                "/api/v1/passes",
                Some(json!({"plan_id": hour})),
            )
            .await;
        assert_eq!(status, 201, "{bought}");
        assert_eq!(bought["pass"]["state"], "pending");
        assert_eq!(bought["payment"]["amount_kopecks"], 12_300);
        let token = bought["token"].as_str().unwrap().to_owned();
        let refused = app
            .client
            .post(app.url("/api/v1/cabinet/authenticate"))
            .json(&json!({"token": token}))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 401, "an unpaid pass opens nothing");

        pay_on_checkout_page(app, &bought["payment"]).await;
        assert_eq!(
            settled(app, &bought["payment"]["id"]).await["status"],
            "succeeded"
        );
        let (_, mine) = app
            .call(Method::GET, "/api/v1/passes?active_only=true", None)
            .await;
        let passes = mine["passes"].as_array().unwrap();
        assert_eq!(passes.len(), 1, "{mine}");
        assert_eq!(passes[0]["state"], "active");
        assert_eq!(passes[0]["hours"], 1);
        // Buying a pass bought no days of loads.
        let (_, subscription) = app.call(Method::GET, "/api/v1/subscription", None).await;
        assert_eq!(subscription["access"]["active"], false);

        let (cookie, signed) = story.sign_in(&token).await;
        assert_eq!(signed["driver_id"], driver_id);
        assert_eq!(signed["pass_id"], passes[0]["id"]);
        assert_eq!(signed["expires_at"], passes[0]["expires_at"]);

        let status = get_with(app, "/api/v1/cabinet/status", &cookie).await;
        assert_eq!(status.status(), 200);
        let home = get_with(app, "/cabinet/", &cookie).await;
        assert_eq!(home.status(), 200);
        let html = home.text().await.unwrap();
        assert!(html.contains("Кабинет перевозчика"), "{html}");
        assert!(html.contains("href=\"/cabinet/loads\""), "{html}");
        assert!(!html.contains("/sandbox/cargotech"), "{html}");

        let out = app
            .client
            .delete(app.url("/api/v1/cabinet/logout"))
            .header(header::COOKIE, &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(out.status(), 204);
        assert!(
            out.headers()[header::SET_COOKIE]
                .to_str()
                .unwrap()
                .contains("Max-Age=0")
        );
        let after = get_with(app, "/api/v1/cabinet/status", &cookie).await;
        assert_eq!(after.status(), 401);
        let body: Value = after.json().await.unwrap();
        assert_eq!(body["code"], "pass_invalid");
    }
}

#[tokio::test]
async fn every_way_in_is_checked_and_forged_or_missing_passes_are_refused() {
    for backend in backends() {
        let story = CabinetStory::start("cabinet_ways_in", backend, 7_002).await;
        let app = &story.app;
        let pass = story.grant(24).await;
        let token = pass.token;

        let by_header = app
            .client
            .get(app.url("/cabinet/loads"))
            .header("x-access-token", &token)
            .send()
            .await
            .unwrap();
        assert_eq!(by_header.status(), 200);
        assert!(
            by_header
                .text()
                .await
                .unwrap()
                .contains("class=\"load\" href=\"/cabinet/loads/")
        );

        let forged: String = token.chars().rev().collect();
        for (credential, code) in [
            (Some(forged.as_str()), "pass_invalid"),
            (Some("short"), "pass_invalid"),
            (None, "pass_missing"),
        ] {
            let mut request = app.client.get(app.url("/cabinet/loads"));
            if let Some(credential) = credential {
                request = request.header("x-access-token", credential);
            }
            let refused = request.send().await.unwrap();
            assert_eq!(refused.status(), 401);
            let body: Value = refused.json().await.unwrap();
            assert_eq!(body["code"], code);
        }
        // A person's browser gets a page that says what to do.
        let page = app
            .client
            .get(app.url("/cabinet/loads"))
            .header(header::ACCEPT, "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 401);
        assert!(
            page.text()
                .await
                .unwrap()
                .contains("Нужен действующий пропуск")
        );
        // A forged cookie is no better.
        let cookie_forged = get_with(app, "/cabinet/loads", "hauler_cabinet=forged").await;
        assert_eq!(cookie_forged.status(), 401);

        // A WebSocket: `?token=`, or the cookie; refused before the upgrade without either.
        let (mut socket, _) =
            tokio_tungstenite::connect_async(ws_url(app, &format!("/cabinet/live?token={token}")))
                .await
                .expect("the pass in the query opens the live feed");
        let tick = next_text(&mut socket).await;
        assert!(tick["tick"].as_u64().is_some(), "{tick}");
        let url = tick["url"].as_str().unwrap();
        assert!(
            url.starts_with("/cabinet/loads/"),
            "the frame is rewritten: {url}"
        );
        socket.close(None).await.unwrap();

        let (cookie, _) = story.sign_in(&token).await;
        let mut request = ws_url(app, "/cabinet/live").into_client_request().unwrap();
        request
            .headers_mut()
            .insert("cookie", cookie.parse().unwrap());
        let (mut socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("the cookie opens the live feed");
        assert!(next_text(&mut socket).await["tick"].is_u64());
        socket.close(None).await.unwrap();

        for path in [
            "/cabinet/live".to_owned(),
            format!("/cabinet/live?token={forged}"),
        ] {
            match tokio_tungstenite::connect_async(ws_url(app, &path)).await {
                Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                    assert_eq!(response.status(), 401, "{path}");
                }
                other => panic!(
                    "{path} was not refused before the upgrade: {:?}",
                    other.is_ok()
                ),
            }
        }
        // The pass's token in the query of a plain request is not a way in.
        let plain = app
            .client
            .get(app.url(&format!("/cabinet/loads?token={token}")))
            .send()
            .await
            .unwrap();
        assert_eq!(plain.status(), 401);
    }
}

#[tokio::test]
async fn a_revoked_or_expired_pass_is_cut_off_everywhere_including_live_sockets() {
    for backend in backends() {
        let story = CabinetStory::start("cabinet_revoke", backend, 7_003).await;
        let app = &story.app;
        let driver_id = story.driver_id;
        let admin = story.admin();
        let (pass, cookie) = story.signed_in_with_pass(1).await;
        let pass_id = pass.id;
        let token = pass.token;
        assert_eq!(get_with(app, "/cabinet/loads", &cookie).await.status(), 200);
        let (mut socket, _) =
            tokio_tungstenite::connect_async(ws_url(app, &format!("/cabinet/live?token={token}")))
                .await
                .unwrap();
        next_text(&mut socket).await;

        let (status, revoked) = admin
            .call(
                Method::POST,
                &format!("/admin/api/passes/{pass_id}/revoke"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{revoked}");
        assert_eq!(revoked["state"], "revoked");
        assert_eq!(
            close_code(&mut socket).await,
            4401,
            "the live socket is closed"
        );
        assert_eq!(get_with(app, "/cabinet/loads", &cookie).await.status(), 401);
        let by_header = app
            .client
            .get(app.url("/cabinet/loads"))
            .header("x-access-token", &token)
            .send()
            .await
            .unwrap();
        assert_eq!(by_header.status(), 401);
        let (_, listed) = admin
            .call(
                Method::GET,
                &format!("/admin/api/passes?driver_id={driver_id}&state=revoked"),
                None,
            )
            .await;
        assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");

        // A pass whose hour is over stops working too.
        let (pass, cookie) = story.signed_in_with_pass(1).await;
        let pass_id = pass.id;
        assert_eq!(get_with(app, "/cabinet/loads", &cookie).await.status(), 200);
        let db = app.database().await;
        use sea_orm::ConnectionTrait;
        db.execute_unprepared(&format!(
            "UPDATE cabinet_passes SET expires_at = '2020-01-01T00:00:00+00:00' WHERE id = {pass_id}"
        ))
        .await
        .unwrap();
        let status = refused_soon(app, "/cabinet/loads", &cookie).await;
        assert_eq!(
            status, 401,
            "the expired pass is refused once the store forgets it"
        );
    }
}

#[tokio::test]
async fn account_pages_are_refused_with_a_page_and_admins_close_more() {
    for backend in backends() {
        let story = CabinetStory::start("cabinet_policy", backend, 7_004).await;
        let app = &story.app;
        let admin = story.admin();
        let (_, cookie) = story.signed_in_with_pass(12).await;

        for path in [
            "/cabinet/profile/password",
            "/cabinet/Profile/Password/",
            "/cabinet//profile//password",
            "/cabinet/loads/../profile/password",
            "/cabinet/profile/%70assword",
            "/cabinet/settings",
            "/cabinet/logout",
        ] {
            let refused = get_with(app, path, &cookie).await;
            assert_eq!(refused.status(), 403, "{path}");
            assert_eq!(refused.headers()["x-hauler-refusal"], "cabinet_path_denied");
            let page = refused.text().await.unwrap();
            assert!(page.contains("Эта страница закрыта"), "{path}: {page}");
        }
        let posted = app
            .client
            .post(app.url("/cabinet/profile/password"))
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body("password=stolen")
            .send()
            .await
            .unwrap();
        assert_eq!(posted.status(), 403);
        assert_eq!(echo(app, &cookie).await["password_page_visits"], 0);

        let (_, rules) = admin
            .call(Method::GET, "/admin/api/cabinet/policy", None)
            .await;
        assert!(
            rules
                .as_array()
                .unwrap()
                .iter()
                .any(|rule| rule["prefix"] == "/profile/password")
        );
        assert_eq!(
            get_with(app, "/cabinet/documents", &cookie).await.status(),
            200
        );
        let (status, rule) = admin
            .call(
                Method::POST,
                "/admin/api/cabinet/policy",
                Some(json!({"prefix": "/Documents/", "reason": "документы компании"})),
            )
            .await;
        assert_eq!(status, 201, "{rule}");
        assert_eq!(rule["prefix"], "/documents");
        let (status, again) = admin
            .call(
                Method::POST,
                "/admin/api/cabinet/policy",
                Some(json!({"prefix": "/documents", "reason": "ещё раз"})),
            )
            .await;
        assert_eq!(
            (status, again["code"].clone()),
            (409, json!("duplicate_policy_rule"))
        );
        let status = refused_soon(app, "/cabinet/documents", &cookie).await;
        assert_eq!(status, 403, "the admin's rule holds within moments");
        let (status, _) = admin
            .call(
                Method::DELETE,
                &format!("/admin/api/cabinet/policy/{}", rule["id"]),
                None,
            )
            .await;
        assert_eq!(status, 204);
    }
}

#[tokio::test]
async fn redirects_cookies_and_bodies_are_rewritten_and_the_pass_never_reaches_the_exchange() {
    for backend in backends() {
        let story = CabinetStory::start("cabinet_rewrite", backend, 7_005).await;
        let app = &story.app;
        let (pass, cookie) = story.signed_in_with_pass(12).await;
        let token = pass.token;

        let home = get_with(app, "/cabinet/", &cookie).await;
        let exchange_cookie = home.headers()[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            exchange_cookie.starts_with("ct_session=sandbox-session"),
            "{exchange_cookie}"
        );
        assert!(
            exchange_cookie.contains("Path=/cabinet"),
            "{exchange_cookie}"
        );
        assert!(
            !exchange_cookie.to_lowercase().contains("domain"),
            "{exchange_cookie}"
        );
        let jar = format!("{cookie}; ct_session=sandbox-session");

        let posted = app
            .client
            .post(app.url("/cabinet/bids"))
            .header(header::COOKIE, &jar)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body("load=100001&price=91000")
            .send()
            .await
            .unwrap();
        assert_eq!(posted.status(), 303);
        let location = posted.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(location.starts_with("/cabinet/bids/"), "{location}");
        let bid_cookie = posted.headers()[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(bid_cookie.contains("Path=/cabinet/bids"), "{bid_cookie}");
        let bid_pair = bid_cookie.split(';').next().unwrap();
        let page = get_with(app, &location, &format!("{jar}; {bid_pair}")).await;
        let page = page.text().await.unwrap();
        assert!(page.contains("принята: 91000 ₽"), "{page}");
        assert!(page.contains("Сессия биржи: есть"), "{page}");
        assert!(page.contains("Ставка запомнена: да"), "{page}");

        let css = get_with(app, "/cabinet/static/cabinet.css", &cookie)
            .await
            .text()
            .await
            .unwrap();
        assert!(css.contains("url(\"/cabinet/static/truck.svg\")"), "{css}");
        assert!(css.contains("url('/cabinet/static/truck.svg')"), "{css}");
        let host = app.address.trim_start_matches("http://");
        let js = get_with(app, "/cabinet/static/cabinet.js", &cookie)
            .await
            .text()
            .await
            .unwrap();
        assert!(js.contains("\"/cabinet/api/feed\""), "{js}");
        assert!(
            js.contains(&format!("\"ws://{host}/cabinet/live\"")),
            "{js}"
        );
        let feed: Value = get_with(app, "/cabinet/api/feed", &cookie)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(feed["next"], "/cabinet/api/feed?page=2");
        assert!(
            feed["items"][0]["url"]
                .as_str()
                .unwrap()
                .starts_with("/cabinet/loads/")
        );
        let documents = get_with(app, "/cabinet/documents", &cookie)
            .await
            .text()
            .await
            .unwrap();
        assert!(
            documents.contains("href=\"/cabinet/documents/act.pdf\""),
            "{documents}"
        );

        // The pass's cookie and token never reach the exchange; the account's token does.
        let seen: Value = app
            .client
            .get(app.url("/cabinet/echo?x=1"))
            .header(header::COOKIE, &jar)
            .header("x-access-token", &token)
            .header("origin", &app.address)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(seen["authorized"], true, "{seen}");
        assert_eq!(seen["cookies"], json!(["ct_session"]), "{seen}");
        assert_eq!(seen["query"], "x=1");
        let headers = seen["headers"].as_array().unwrap();
        assert!(!headers.contains(&json!("x-access-token")), "{seen}");
        assert!(headers.contains(&json!("authorization")), "{seen}");
        assert!(
            seen["origin"]
                .as_str()
                .unwrap()
                .starts_with("http://127.0.0.1"),
            "{seen}"
        );
        assert_eq!(seen["leaks"], 0, "{seen}");
    }
}

#[tokio::test]
async fn a_five_megabyte_page_and_a_large_upload_stream_through() {
    let backend = backends()[0];
    let story = CabinetStory::start("cabinet_stream", backend, 7_006).await;
    let app = &story.app;
    let (_, cookie) = story.signed_in_with_pass(12).await;

    let response = get_with(app, "/cabinet/big", &cookie).await;
    assert_eq!(response.status(), 200);
    assert!(
        response.content_length().is_none(),
        "streamed, not measured first"
    );
    let mut body = response.bytes_stream();
    let (mut total, mut chunks, mut largest) = (0usize, 0usize, 0usize);
    let mut tail = Vec::new();
    let mut leaked = false;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.unwrap();
        total += chunk.len();
        chunks += 1;
        largest = largest.max(chunk.len());
        leaked |= chunk.windows(18).any(|w| w == b"/sandbox/cargotech");
        tail = chunk.to_vec();
    }
    // The exchange sent 5 MB; each row's address is shorter once it is Hauler's.
    assert!(total >= 3 * 1024 * 1024, "{total} bytes");
    assert!(
        chunks > 10 && largest < 1024 * 1024,
        "{chunks} chunks, the largest {largest} bytes"
    );
    assert!(!leaked, "every row's link is rewritten");
    assert!(String::from_utf8_lossy(&tail).contains("Конец"));

    // Three megabytes up, sent in pieces: more than any other route takes.
    let pieces =
        futures_util::stream::iter((0..48).map(|_| Ok::<_, std::io::Error>(vec![b'x'; 64 * 1024])));
    let uploaded: Value = app
        .client
        .post(app.url("/cabinet/upload"))
        .header(header::COOKIE, &cookie)
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(reqwest::Body::wrap_stream(pieces))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(uploaded["bytes"], 48 * 64 * 1024);
}

#[tokio::test]
async fn websocket_frames_pings_and_close_codes_cross_both_ways() {
    let backend = backends()[0];
    let story = CabinetStory::start("cabinet_ws", backend, 7_007).await;
    let app = &story.app;
    let pass = story.grant(12).await;
    let token = pass.token;
    let (mut socket, _) =
        tokio_tungstenite::connect_async(ws_url(app, &format!("/cabinet/live?token={token}")))
            .await
            .unwrap();
    socket.send(Message::Text("привет".into())).await.unwrap();
    loop {
        let frame = next_text(&mut socket).await;
        if frame.get("echo").is_some() {
            assert_eq!(frame["echo"], "привет");
            break;
        }
    }
    socket
        .send(Message::Ping(b"are you there".to_vec().into()))
        .await
        .unwrap();
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        if let Message::Pong(payload) = frame {
            assert_eq!(&payload[..], b"are you there");
            break;
        }
    }
    // The exchange closes with its own code; the browser gets it.
    socket
        .send(Message::Text("close:4000".into()))
        .await
        .unwrap();
    assert_eq!(close_code(&mut socket).await, 4000);

    // The browser closes with its code; the exchange answers with the same.
    let (mut socket, _) =
        tokio_tungstenite::connect_async(ws_url(app, &format!("/cabinet/live?token={token}")))
            .await
            .unwrap();
    socket
        .send(Message::Close(Some(
            tokio_tungstenite::tungstenite::protocol::CloseFrame {
                code: CloseCode::from(4002),
                reason: "done".into(),
            },
        )))
        .await
        .unwrap();
    assert_eq!(close_code(&mut socket).await, 4002);
}

#[tokio::test]
async fn a_one_time_link_signs_another_browser_in_once() {
    let backend = backends()[0];
    let story = CabinetStory::start("cabinet_link", backend, 7_008).await;
    let app = &story.app;
    let pass = story.grant(24).await;
    let pass_id = pass.id;

    let (status, link) = app
        .call(
            Method::POST,
            &format!("/api/v1/passes/{pass_id}/link"),
            None,
        )
        .await;
    assert_eq!(status, 201, "{link}");
    let url = link["url"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with(&format!("{}/cabinet-login/", app.address)),
        "{url}"
    );

    let computer = app.client.get(&url).send().await.unwrap();
    assert_eq!(computer.status(), 303);
    assert_eq!(computer.headers()[header::LOCATION], "/cabinet/");
    let cookie = computer.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let status: Value = get_with(app, "/api/v1/cabinet/status", &cookie)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["pass_id"], pass_id);

    let again = app.client.get(&url).send().await.unwrap();
    assert_eq!(again.status(), 401, "the link works once");
    assert!(
        again
            .text()
            .await
            .unwrap()
            .contains("Нужен действующий пропуск")
    );

    // Another driver cannot make a link for this pass.
    let mut other = app.same_server();
    other
        .sign_in_without_access(json!({"id": 7_009, "first_name": "Пётр", "language_code": "ru"}))
        .await;
    let (status, refused) = other
        .call(
            Method::POST,
            &format!("/api/v1/passes/{pass_id}/link"),
            None,
        )
        .await;
    assert_eq!(
        (status, refused["code"].clone()),
        (404, json!("pass_not_found"))
    );
}

#[tokio::test]
async fn a_pass_has_its_own_rate_and_every_session_is_audited() {
    let backend = backends()[0];
    let story = CabinetStory::start_with(
        "cabinet_rate",
        backend,
        7_010,
        Options {
            extra_vars: vec![("CABINET_REQUESTS_PER_MINUTE", "4".into())],
        },
    )
    .await;
    let app = &story.app;
    let driver_id = story.driver_id;
    let admin = story.admin();
    let (pass, cookie) = story.signed_in_with_pass(12).await;
    let pass_id = pass.id;
    for path in ["/cabinet/", "/cabinet/loads", "/cabinet/documents"] {
        assert_eq!(get_with(app, path, &cookie).await.status(), 200, "{path}");
    }
    assert_eq!(
        get_with(app, "/cabinet/settings", &cookie).await.status(),
        403
    );
    assert_eq!(get_with(app, "/cabinet/echo", &cookie).await.status(), 200);
    let limited = get_with(app, "/cabinet/loads", &cookie).await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key(header::RETRY_AFTER));

    let mut sessions = Value::Null;
    for _ in 0..50 {
        let (status, listed) = admin
            .call(
                Method::GET,
                &format!("/admin/api/cabinet/sessions?pass_id={pass_id}"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{listed}");
        sessions = listed;
        if sessions[0]["requests"].as_i64() >= Some(4) && sessions[0]["refused"].as_i64() >= Some(2)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let session = &sessions[0];
    assert_eq!(session["driver_id"], driver_id, "{sessions}");
    assert_eq!(session["via"], "cookie");
    assert_eq!(session["pages"], 3, "{sessions}");
    assert_eq!(session["requests"], 4, "{sessions}");
    assert_eq!(session["refused"], 2, "{sessions}");
    assert!(session["bytes_down"].as_i64().unwrap() > 1000, "{sessions}");
    assert_eq!(session["client_addr"], "127.0.0.1");
}
