//! The exchange's web cabinet, as the sandbox serves it under `/cabinet`: just enough of a real
//! one to prove every rewrite in a browser. Pages link each other by absolute addresses on the
//! exchange's own origin; a stylesheet has `url()`s; a script calls the exchange's absolute API
//! address and opens its WebSocket live feed; a form posts a bid and is redirected; cookies are
//! set for the exchange's domain and path; a password-change page and a 5 MB page exist.
//!
//! Strict as the real one: every request needs the account's bearer token (401 otherwise). It
//! notes anything of Hauler's that reaches it — the pass's cookie, an `X-Access-Token`, a
//! `token` parameter — and every visit to the password page, and `/cabinet/echo` tells.

use axum::{
    Json, Router,
    body::{Body, Bytes},
    extract::{
        FromRequestParts, OriginalUri, Path, Request, State,
        ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade},
    },
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use futures_util::{StreamExt, stream};
use serde_json::{Value, json};

use super::{Exchange, Refusal, bearer, catalog::CITIES};

/// What the cabinet noticed.
#[derive(Debug, Default)]
pub(super) struct CabinetBook {
    /// Requests that carried something of Hauler's: its pass cookie, token header or parameter.
    leaks: u64,
    password_page_visits: u64,
    /// Bids posted: load, price in roubles.
    bids: Vec<(u64, u64)>,
}

/// The 5 MB page.
const BIG_PAGE_BYTES: usize = 5 * 1024 * 1024;

pub(super) fn routes() -> Router<Exchange> {
    Router::new()
        .route("/cabinet/", get(home))
        .route("/cabinet/loads", get(loads))
        .route("/cabinet/loads/{id}", get(load))
        .route("/cabinet/bids", post(bid))
        .route("/cabinet/bids/{n}", get(bid_page))
        .route("/cabinet/documents", get(documents))
        .route(
            "/cabinet/profile/password",
            get(password_page).post(password_page),
        )
        .route("/cabinet/settings", get(password_page))
        .route("/cabinet/big", get(big))
        .route("/cabinet/upload", post(upload))
        .route("/cabinet/echo", get(echo).post(echo))
        .route("/cabinet/api/feed", get(feed))
        .route("/cabinet/static/cabinet.css", get(stylesheet))
        .route("/cabinet/static/cabinet.js", get(script))
        .route("/cabinet/static/truck.svg", get(picture))
        .route("/cabinet/live", get(live))
}

/// Where this cabinet is, as the request reached it: `http://host[/prefix]/cabinet`.
struct Origin {
    http: String,
    ws: String,
    /// The path part, for cookies.
    path: String,
}

impl Origin {
    fn of(headers: &HeaderMap, original: &OriginalUri, inner_path: &str) -> Self {
        let host = headers
            .get(header::HOST)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("127.0.0.1");
        let full = original.path();
        let prefix = full.strip_suffix(inner_path).unwrap_or("");
        let path = format!("{prefix}/cabinet");
        Self {
            http: format!("http://{host}{path}"),
            ws: format!("ws://{host}{path}"),
            path,
        }
    }
}

/// Admits a request with the account's token, noting anything of Hauler's it carries.
fn admit(exchange: &Exchange, headers: &HeaderMap, query: Option<&str>) -> Result<(), Refusal> {
    let cookies = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect::<Vec<_>>()
        .join(";");
    let leaked = cookies.contains("hauler_cabinet")
        || headers.contains_key("x-access-token")
        || query.is_some_and(|query| query.split('&').any(|pair| pair.starts_with("token=")));
    let mut book = exchange.book();
    if leaked {
        book.cabinet.leaks += 1;
    }
    match bearer(headers) {
        Some(token) if book.tokens.contains_key(token) => Ok(()),
        _ => Err(Refusal::new((
            StatusCode::UNAUTHORIZED,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            page("Вход", "<p>Войдите в кабинет биржи.</p>", ""),
        ))),
    }
}

fn page(title: &str, body: &str, origin: &str) -> String {
    format!(
        "<!doctype html><html lang=\"ru\"><head><meta charset=\"utf-8\"><title>{title} — CargoTech</title>\
         <link rel=\"stylesheet\" href=\"{origin}/static/cabinet.css\"></head><body>\
         <nav><a id=\"nav-home\" href=\"{origin}/\">Главная</a> · <a id=\"nav-loads\" href=\"{origin}/loads\">Грузы</a> · \
         <a id=\"nav-documents\" href=\"{origin}/documents\">Документы</a> · \
         <a id=\"nav-password\" href=\"{origin}/profile/password\">Сменить пароль</a></nav>\
         <h1>{title}</h1>{body}\
         <p id=\"live\" data-tick=\"0\">Ожидаем обновления…</p><p id=\"feed-api\"></p>\
         <script src=\"{origin}/static/cabinet.js\"></script></body></html>"
    )
}

fn html(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

macro_rules! admitted {
    ($exchange:expr, $request:expr) => {
        if let Err(refusal) = admit(&$exchange, $request.headers(), $request.uri().query()) {
            return refusal.into_response();
        }
    };
}

async fn home(
    State(exchange): State<Exchange>,
    original: OriginalUri,
    request: Request,
) -> Response {
    admitted!(exchange, request);
    let origin = Origin::of(request.headers(), &original, request.uri().path());
    let body = format!(
        "<p>Компания «Хаулер» (песочница).</p><img id=\"truck\" src=\"{o}/static/truck.svg\" alt=\"\">\
         <p><a id=\"big\" href=\"{o}/big\">Большой отчёт</a></p>",
        o = origin.http
    );
    let mut response = html(page("Кабинет перевозчика", &body, &origin.http));
    let cookie = format!(
        "ct_session=sandbox-session; Domain={}; Path={}; HttpOnly; SameSite=Lax",
        request
            .headers()
            .get(header::HOST)
            .and_then(|value| value.to_str().ok())
            .and_then(|host| host.split(':').next())
            .unwrap_or("127.0.0.1"),
        origin.path
    );
    if let Ok(value) = cookie.parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

async fn loads(
    State(exchange): State<Exchange>,
    original: OriginalUri,
    request: Request,
) -> Response {
    admitted!(exchange, request);
    let origin = Origin::of(request.headers(), &original, request.uri().path());
    let rows: String = {
        let book = exchange.book();
        book.loads
            .iter()
            .take(10)
            .map(|load| {
                format!(
                    "<li><a class=\"load\" href=\"{o}/loads/{id}\">{from} → {to}, {t} т</a></li>",
                    o = origin.http,
                    id = load.id,
                    from = CITIES[load.from % CITIES.len()].0,
                    to = CITIES[load.to % CITIES.len()].0,
                    t = load.weight_kg / 1000,
                )
            })
            .collect()
    };
    html(page(
        "Грузы",
        &format!("<ul id=\"loads\">{rows}</ul>"),
        &origin.http,
    ))
}

async fn load(
    State(exchange): State<Exchange>,
    original: OriginalUri,
    Path(id): Path<u64>,
    request: Request,
) -> Response {
    admitted!(exchange, request);
    let origin = Origin::of(request.headers(), &original, request.uri().path());
    let body = format!(
        "<p>Груз №{id}</p><form id=\"bid\" method=\"post\" action=\"{o}/bids\">\
         <input type=\"hidden\" name=\"load\" value=\"{id}\">\
         <label>Ваша цена, ₽ <input name=\"price\" value=\"85000\"></label>\
         <button type=\"submit\">Предложить цену</button></form>",
        o = origin.http
    );
    html(page(&format!("Груз {id}"), &body, &origin.http))
}

async fn bid(
    State(exchange): State<Exchange>,
    original: OriginalUri,
    request: Request,
) -> Response {
    admitted!(exchange, request);
    let origin = Origin::of(request.headers(), &original, request.uri().path());
    let Ok(body) = axum::body::to_bytes(request.into_body(), 64 * 1024).await else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let fields: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| {
        fields
            .iter()
            .find(|(key, _)| key == name)
            .and_then(|(_, value)| value.trim().parse::<u64>().ok())
    };
    let (Some(load), Some(price)) = (field("load"), field("price")) else {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            "load and price are required",
        )
            .into_response();
    };
    let number = {
        let mut book = exchange.book();
        book.cabinet.bids.push((load, price));
        book.cabinet.bids.len()
    };
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, format!("{}/bids/{number}", origin.http)),
            (
                header::SET_COOKIE,
                format!("ct_last_bid={number}; Path={}/bids; HttpOnly", origin.path),
            ),
        ],
    )
        .into_response()
}

async fn bid_page(
    State(exchange): State<Exchange>,
    original: OriginalUri,
    Path(number): Path<usize>,
    request: Request,
) -> Response {
    admitted!(exchange, request);
    let origin = Origin::of(request.headers(), &original, request.uri().path());
    let Some((load, price)) = exchange
        .book()
        .cabinet
        .bids
        .get(number.wrapping_sub(1))
        .copied()
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let cookies = request
        .headers()
        .get(header::COOKIE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let session = if cookies.contains("ct_session=sandbox-session") {
        "есть"
    } else {
        "нет"
    };
    let remembered = if cookies.contains(&format!("ct_last_bid={number}")) {
        "да"
    } else {
        "нет"
    };
    let body = format!(
        "<p id=\"bid-accepted\">Ставка №{number} на груз {load} принята: {price} ₽</p>\
         <p id=\"exchange-session\">Сессия биржи: {session}</p><p id=\"bid-cookie\">Ставка запомнена: {remembered}</p>"
    );
    html(page("Ставка принята", &body, &origin.http))
}

async fn documents(
    State(exchange): State<Exchange>,
    original: OriginalUri,
    request: Request,
) -> Response {
    admitted!(exchange, request);
    let origin = Origin::of(request.headers(), &original, request.uri().path());
    let body = format!(
        "<ul id=\"documents\"><li><a href=\"{o}/documents/contract.pdf\">Договор</a></li>\
         <li><a href=\"//{host}/cabinet/documents/act.pdf\">Акт</a></li></ul>",
        o = origin.http,
        host = origin
            .http
            .trim_start_matches("http://")
            .trim_end_matches("/cabinet"),
    );
    html(page("Документы", &body, &origin.http))
}

async fn password_page(
    State(exchange): State<Exchange>,
    original: OriginalUri,
    request: Request,
) -> Response {
    admitted!(exchange, request);
    exchange.book().cabinet.password_page_visits += 1;
    let origin = Origin::of(request.headers(), &original, request.uri().path());
    let body = format!(
        "<form method=\"post\" action=\"{o}/profile/password\"><input type=\"password\" name=\"password\">\
         <button>Сменить пароль</button></form>",
        o = origin.http
    );
    html(page("Смена пароля", &body, &origin.http))
}

/// Five megabytes of a page (or `?kb=` kilobytes, up to that), made as it is sent, with an
/// absolute link in every row.
async fn big(
    State(exchange): State<Exchange>,
    original: OriginalUri,
    request: Request,
) -> Response {
    admitted!(exchange, request);
    let origin = Origin::of(request.headers(), &original, request.uri().path());
    let size = request
        .uri()
        .query()
        .and_then(|query| query.strip_prefix("kb="))
        .and_then(|kb| kb.parse::<usize>().ok())
        .map_or(BIG_PAGE_BYTES, |kb| (kb * 1024).min(BIG_PAGE_BYTES));
    let head = "<!doctype html><html><head><meta charset=\"utf-8\"><title>Отчёт</title></head><body><h1>Отчёт</h1>"
        .to_owned();
    let rows = stream::unfold((0usize, head.len()), move |(row, sent)| {
        let http = origin.http.clone();
        async move {
            if sent >= size {
                return None;
            }
            let mut chunk = String::with_capacity(64 * 1024);
            let mut row = row;
            while chunk.len() < 64 * 1024 && sent + chunk.len() < size {
                chunk.push_str(&format!(
                    "<p class=\"row\"><a href=\"{http}/loads/{row}\">Строка {row}</a></p>\n"
                ));
                row += 1;
            }
            let sent = sent + chunk.len();
            Some((Ok::<_, std::io::Error>(Bytes::from(chunk)), (row, sent)))
        }
    });
    let body = stream::once(async move { Ok(Bytes::from(head)) })
        .chain(rows)
        .chain(stream::once(async {
            Ok(Bytes::from_static(
                "<p id=\"end\">Конец</p></body></html>".as_bytes(),
            ))
        }));
    html_stream(Body::from_stream(body))
}

fn html_stream(body: Body) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

/// Counts an upload's bytes as they arrive.
async fn upload(State(exchange): State<Exchange>, request: Request) -> Response {
    admitted!(exchange, request);
    let mut chunks = request.into_body().into_data_stream();
    let mut bytes = 0usize;
    while let Some(chunk) = chunks.next().await {
        match chunk {
            Ok(chunk) => bytes += chunk.len(),
            Err(_) => return StatusCode::BAD_REQUEST.into_response(),
        }
    }
    Json(json!({"bytes": bytes})).into_response()
}

/// What the cabinet saw of this request (names only, never values) and what it noticed so far.
async fn echo(State(exchange): State<Exchange>, request: Request) -> Response {
    let authorized =
        bearer(request.headers()).is_some_and(|token| exchange.book().tokens.contains_key(token));
    let _ = admit(&exchange, request.headers(), request.uri().query());
    let headers: Vec<&str> = request.headers().keys().map(|name| name.as_str()).collect();
    let cookies: Vec<String> = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.split('=').next())
        .map(|name| name.trim().to_owned())
        .collect();
    let book = exchange.book();
    Json(json!({
        "authorized": authorized,
        "method": request.method().as_str(),
        "query": request.uri().query(),
        "headers": headers,
        "cookies": cookies,
        "origin": request.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        "leaks": book.cabinet.leaks,
        "password_page_visits": book.cabinet.password_page_visits,
        "bids": book.cabinet.bids.len(),
    }))
    .into_response()
}

async fn feed(
    State(exchange): State<Exchange>,
    original: OriginalUri,
    request: Request,
) -> Response {
    admitted!(exchange, request);
    let origin = Origin::of(request.headers(), &original, request.uri().path());
    let items: Vec<Value> = exchange
        .book()
        .loads
        .iter()
        .take(5)
        .map(|load| json!({"id": load.id, "url": format!("{}/loads/{}", origin.http, load.id)}))
        .collect();
    Json(json!({"items": items, "next": format!("{}/api/feed?page=2", origin.http)}))
        .into_response()
}

async fn stylesheet(
    State(exchange): State<Exchange>,
    original: OriginalUri,
    request: Request,
) -> Response {
    admitted!(exchange, request);
    let origin = Origin::of(request.headers(), &original, request.uri().path());
    let css = format!(
        "body {{ font-family: sans-serif; background: #f6f7f9 url(\"{o}/static/truck.svg\") no-repeat right top; }}\n\
         nav a {{ margin-right: .5rem; }}\n#truck {{ width: 48px; background-image: url('{o}/static/truck.svg'); }}\n",
        o = origin.http
    );
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], css).into_response()
}

async fn script(
    State(exchange): State<Exchange>,
    original: OriginalUri,
    request: Request,
) -> Response {
    admitted!(exchange, request);
    let origin = Origin::of(request.headers(), &original, request.uri().path());
    let js = format!(
        "(function () {{\n\
         var api = \"{http}/api/feed\";\n\
         var live = \"{ws}/live\";\n\
         fetch(api).then(function (r) {{ return r.json(); }}).then(function (data) {{\n\
           var el = document.getElementById(\"feed-api\");\n\
           if (el) {{ el.textContent = \"API: \" + data.items.length + \" грузов\"; el.dataset.next = data.next; }}\n\
         }});\n\
         var socket = new WebSocket(live);\n\
         socket.onmessage = function (event) {{\n\
           var data = JSON.parse(event.data);\n\
           var el = document.getElementById(\"live\");\n\
           if (el && data.tick) {{ el.textContent = \"Обновление \" + data.tick; el.dataset.tick = data.tick; el.dataset.url = data.url; }}\n\
         }};\n\
         socket.onclose = function (event) {{\n\
           var el = document.getElementById(\"live\");\n\
           if (el) {{ el.dataset.closed = String(event.code); }}\n\
         }};\n\
         }})();\n",
        http = origin.http,
        ws = origin.ws,
    );
    (
        [(
            header::CONTENT_TYPE,
            "application/javascript; charset=utf-8",
        )],
        js,
    )
        .into_response()
}

async fn picture(State(exchange): State<Exchange>, request: Request) -> Response {
    admitted!(exchange, request);
    (
        [(header::CONTENT_TYPE, "image/svg+xml")],
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"48\" height=\"24\"><rect width=\"48\" height=\"24\" fill=\"#2b6\"/></svg>",
    )
        .into_response()
}

/// The live feed: a tick every 200 ms naming a load by its absolute address; a text frame is
/// echoed back; `close:<code>` makes the exchange close with that code; a close is answered
/// with the same code.
async fn live(
    State(exchange): State<Exchange>,
    original: OriginalUri,
    request: Request,
) -> Response {
    admitted!(exchange, request);
    let origin = Origin::of(request.headers(), &original, request.uri().path());
    let (mut parts, _) = request.into_parts();
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    upgrade.on_upgrade(move |socket| feed_live(socket, origin.http))
}

async fn feed_live(mut socket: WebSocket, http: String) {
    let mut ticks = tokio::time::interval(std::time::Duration::from_millis(200));
    let mut tick = 0u64;
    loop {
        tokio::select! {
            _ = ticks.tick() => {
                tick += 1;
                let frame = json!({"tick": tick, "url": format!("{http}/loads/{}", 100_000 + tick)});
                if socket.send(Message::Text(frame.to_string().into())).await.is_err() {
                    return;
                }
            }
            frame = socket.recv() => {
                match frame {
                    Some(Ok(Message::Text(text))) => {
                        if let Some(code) = text.as_str().strip_prefix("close:").and_then(|c| c.parse::<u16>().ok()) {
                            let _ = socket.send(Message::Close(Some(CloseFrame { code, reason: "bye".into() }))).await;
                            return;
                        }
                        let echo = json!({"echo": text.as_str()});
                        if socket.send(Message::Text(echo.to_string().into())).await.is_err() {
                            return;
                        }
                    }
                    Some(Ok(Message::Binary(bytes))) => {
                        if socket.send(Message::Binary(bytes)).await.is_err() {
                            return;
                        }
                    }
                    Some(Ok(Message::Close(frame))) => {
                        let _ = socket.send(Message::Close(frame)).await;
                        return;
                    }
                    Some(Ok(_)) => {}
                    Some(Err(_)) | None => return,
                }
            }
        }
    }
}
