//! The exchange's HTTP surface: the routes of `shared/cargotech-api.md` that Hauler calls, and
//! the `/__sandbox/` ones tests steer it with.

use std::{collections::HashMap, time::Instant};

use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    Exchange, Failure, Load, Refusal, catalog,
    knobs::{control, stats},
    laravel_error,
    list_filter::ListFilter,
    stats::{DETAILS, LISTS, LOGINS, ME, POINTS},
};

pub fn router(exchange: Exchange) -> Router {
    Router::new()
        .route("/v1/auth/login", post(login))
        .route("/v1/auth/login/confirm", post(confirm))
        .route("/v1/me", get(me))
        .route("/v2/cargos/views", get(list))
        .route("/v1/carrier/cargos/{id}", get(detail))
        .route("/v1/dictionaries/points", get(points))
        .route("/__sandbox/stats", get(stats))
        .route("/__sandbox/control", post(control))
        .merge(super::cabinet::routes())
        .with_state(exchange)
}

#[derive(Deserialize)]
struct LoginBody {
    phone: Option<String>,
    password: Option<String>,
}

async fn login(
    State(exchange): State<Exchange>,
    body: Option<Json<LoginBody>>,
) -> Result<Json<Value>, Refusal> {
    let phone = body.as_ref().and_then(|Json(body)| body.phone.clone());
    let password = body.as_ref().and_then(|Json(body)| body.password.clone());
    let known_phone = phone
        .as_deref()
        .is_some_and(|phone| exchange.phone_is_known(phone));
    let account = exchange.account_with(
        phone.as_deref().unwrap_or_default(),
        password.as_deref().unwrap_or_default(),
    );
    exchange.gate(LOGINS, account.unwrap_or(0)).await?;
    if phone.is_none() {
        return Err(laravel_error("phone", "The phone field is required."));
    }
    if !known_phone {
        return Err(Refusal::new((
            StatusCode::UNAUTHORIZED,
            Json(json!({"message": "Неверный логин или пароль"})),
        )));
    }
    let Some(account) = account else {
        return Err(laravel_error("phone", "Неверный логин или пароль"));
    };
    let mut book = exchange.book();
    if book.demand_sms {
        let request_id = format!("sms-{}", book.random.next());
        book.sms
            .insert(request_id.clone(), (Instant::now(), 0, account));
        return Ok(Json(
            json!({"data": {"sms_required": true, "request_id": request_id}}),
        ));
    }
    drop(book);
    Ok(Json(exchange.issue_token(account)))
}

#[derive(Deserialize)]
struct ConfirmBody {
    request_id: String,
    code: String,
}

async fn confirm(
    State(exchange): State<Exchange>,
    Json(body): Json<ConfirmBody>,
) -> Result<Json<Value>, Refusal> {
    let pending = exchange.book().sms.get(&body.request_id).copied();
    let account = pending.map_or(0, |(_, _, account)| account);
    exchange.gate(LOGINS, account).await?;
    let mut book = exchange.book();
    let Some((asked_at, attempts, _)) = book.sms.get(&body.request_id).copied() else {
        return Err(laravel_error("request_id", "Код устарел, запросите новый"));
    };
    if asked_at.elapsed() > exchange.inner.config.sms_ttl {
        book.sms.remove(&body.request_id);
        return Err(laravel_error("request_id", "Код устарел, запросите новый"));
    }
    if attempts >= 5 {
        book.sms.remove(&body.request_id);
        return Err(laravel_error("attempts", "Слишком много попыток"));
    }
    if body.code != exchange.inner.config.sms_code {
        book.sms
            .insert(body.request_id, (asked_at, attempts + 1, account));
        return Err(laravel_error("code", "Неверный код"));
    }
    book.sms.remove(&body.request_id);
    book.demand_sms = false;
    drop(book);
    Ok(Json(exchange.issue_token(account)))
}

async fn me(State(exchange): State<Exchange>, headers: HeaderMap) -> Result<Json<Value>, Refusal> {
    let (account, _) = exchange.admit_signed_in(ME, &headers).await?;
    let config = &exchange.inner.config;
    let phone = match account {
        0 => &config.phone,
        n => &config.extra_accounts[n - 1].0,
    };
    Ok(Json(
        json!({"data": {"id": 77 + account, "name": "ООО «Хаулер» (песочница)", "phone": phone}}),
    ))
}

async fn list(
    State(exchange): State<Exchange>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, Refusal> {
    let (_, failure) = exchange.admit_signed_in(LISTS, &headers).await?;
    let filter = ListFilter::parse(&query)?;
    let book = exchange.book();
    let mut matching: Vec<&Load> = book
        .loads
        .iter()
        .filter(|l| !book.taken.contains(&l.id) && filter.matches(l, exchange.inner.epoch))
        .collect();
    matching.sort_by_key(|load| std::cmp::Reverse((load.posted_at_seconds, load.id)));
    let mut data: Vec<Value> = matching
        .iter()
        .skip(filter.offset)
        .take(filter.limit)
        .map(|load| catalog::list_item(load, exchange.inner.epoch))
        .collect();
    if failure == Some(Failure::MalformedItem)
        && let Some(first) = data.first_mut()
    {
        *first = json!({"id": first["id"], "points": "garbage", "weight": {"tonnes": "?"}, "price": [1, 2]});
    }
    Ok(Json(
        json!({"data": data, "meta": {"limit": filter.limit, "offset": filter.offset, "size": matching.len()}}),
    ))
}

async fn detail(
    State(exchange): State<Exchange>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, Refusal> {
    exchange.admit_signed_in(DETAILS, &headers).await?;
    let mut book = exchange.book();
    let id = id.parse::<u64>().ok();
    if let Some(id) = id {
        *book.details_by_load.entry(id).or_default() += 1;
    }
    let load = id.and_then(|id| {
        book.loads
            .iter()
            .find(|l| l.id == id && !book.taken.contains(&id))
    });
    match load {
        Some(load) => Ok(Json(
            json!({"data": catalog::detail(load, exchange.inner.epoch)}),
        )),
        None => Err(Refusal::new((
            StatusCode::NOT_FOUND,
            Json(json!({"message": "Груз не найден"})),
        ))),
    }
}

/// The points dictionary, paged as the real one: `limit` (20 by default, at most 100), `offset`,
/// and `meta.size` the whole count; `filter[name]` keeps the points whose name starts with it.
async fn points(
    State(exchange): State<Exchange>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, Refusal> {
    exchange.admit_signed_in(POINTS, &headers).await?;
    let (limit, offset) = page_of(&query)?;
    let prefix = query
        .get("filter[name]")
        .map(|name| name.trim().to_lowercase())
        .unwrap_or_default();
    let book = exchange.book();
    let matching: Vec<Value> = book
        .points
        .iter()
        .enumerate()
        .filter(|(_, (name, _))| name.to_lowercase().starts_with(&prefix))
        .map(|(index, (name, point_type))| json!({"id": index + 1, "name": name, "type": point_type}))
        .collect();
    let size = matching.len();
    let data: Vec<Value> = matching.into_iter().skip(offset).take(limit).collect();
    Ok(Json(
        json!({"data": data, "meta": {"limit": limit, "offset": offset, "size": size}}),
    ))
}

/// `limit` and `offset` as the exchange reads them: 422 beyond its largest page, as Laravel says it.
fn page_of(query: &HashMap<String, String>) -> Result<(usize, usize), Refusal> {
    let number = |name: &str, default: usize| match query.get(name) {
        None => Ok(default),
        Some(value) => value
            .parse::<usize>()
            .map_err(|_| laravel_error(name, "The value must be a number.")),
    };
    let limit = number("limit", 20)?;
    if !(1..=100).contains(&limit) {
        return Err(laravel_error(
            "limit",
            "The limit may not be greater than 100.",
        ));
    }
    Ok((limit, number("offset", 0)?))
}
