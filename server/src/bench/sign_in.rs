//! Simulated drivers arrive as real ones do: launch data signed as Telegram signs it (with the
//! sandbox bot token), exchanged for a session, then the free trial, so the cargo routes let them
//! in. All of it happens before the measured period and counts in none of the figures. Each
//! driver comes from an address of its own, named in `X-Forwarded-For` as a proxy in front of
//! Hauler would (the bench's Hauler trusts loopback as its proxy), so that the limits per address
//! see thousands of phones, not one machine.

use std::time::{Duration, Instant};

use futures_util::{StreamExt, stream};
use serde_json::{Value, json};
use server::{config::SANDBOX_BOT_TOKEN, telegram::init_data::signed_init_data};

/// Sign-ins in flight at once: each writes to SQLite, and thousands at a time would time out.
const CONCURRENT_SIGN_INS: usize = 50;

const ATTEMPTS: u32 = 3;

/// Simulated drivers' Telegram ids start here, far from the sandbox demo driver's.
const FIRST_TELEGRAM_ID: i64 = 8_000_000_000;

/// A simulated driver with a session and access to loads.
pub struct SignedIn {
    pub telegram_id: i64,
    /// Hauler's own id for the driver, as its ledger of upstream calls names them.
    pub driver_id: i64,
    /// Sent as `Authorization: Bearer` with every cargo request.
    pub token: String,
}

/// Signs in `drivers` drivers, each with a Telegram id of their own; the n-th is driver n.
pub async fn sign_in_all(base: &str, drivers: usize) -> Vec<SignedIn> {
    let started = Instant::now();
    let http = reqwest::Client::new();
    let signed_in: Vec<SignedIn> = stream::iter(0..drivers)
        .map(|driver| sign_in(&http, base, driver))
        .buffered(CONCURRENT_SIGN_INS)
        .collect()
        .await;
    println!(
        "bench: {drivers} drivers signed in and began the trial in {:.1} s (not measured)",
        started.elapsed().as_secs_f64()
    );
    signed_in
}

async fn sign_in(http: &reqwest::Client, base: &str, driver: usize) -> SignedIn {
    let telegram_id = FIRST_TELEGRAM_ID + driver as i64;
    let user = json!({
        "id": telegram_id,
        "first_name": format!("Водитель {}", driver + 1),
        "language_code": "ru",
    });
    let mut problem = String::new();
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(500) * attempt).await;
        }
        match try_sign_in(http, base, &user, &address(driver)).await {
            Ok((token, driver_id)) => {
                return SignedIn {
                    telegram_id,
                    driver_id,
                    token,
                };
            }
            Err(failed) => problem = failed,
        }
    }
    // Drivers without access would only measure the paywall: better no figures than wrong ones.
    panic!("simulated driver {telegram_id} cannot sign in after {ATTEMPTS} attempts: {problem}");
}

/// The n-th driver's address: one of 10.0.0.0/8's sixteen million.
pub fn address(driver: usize) -> String {
    let [_, a, b, c] = (driver as u32).to_be_bytes();
    format!("10.{a}.{b}.{c}")
}

/// Signing in and starting the trial again is harmless: the trial is granted once per driver.
async fn try_sign_in(
    http: &reqwest::Client,
    base: &str,
    user: &Value,
    address: &str,
) -> Result<(String, i64), String> {
    let init_data = signed_init_data(user, chrono::Utc::now().timestamp(), SANDBOX_BOT_TOKEN);
    let request = http
        .post(format!("{base}/api/v1/auth/telegram"))
        .header("x-forwarded-for", address)
        .json(&json!({ "init_data": init_data }));
    let (status, body) = answer(request).await?;
    if status != 200 {
        return Err(format!("signing in: {status} {body}"));
    }
    let token = body["token"]
        .as_str()
        .ok_or_else(|| format!("signing in: no token in {body}"))?
        .to_owned();
    let driver_id = body["driver"]["id"]
        .as_i64()
        .ok_or_else(|| format!("signing in: no driver id in {body}"))?;

    let request = http
        .post(format!("{base}/api/v1/subscription/trial"))
        .header("x-forwarded-for", address)
        .bearer_auth(&token);
    let (status, body) = answer(request).await?;
    if status == 201 || (status == 409 && body["code"] == "trial_used") {
        Ok((token, driver_id))
    } else {
        Err(format!("starting the trial: {status} {body}"))
    }
}

async fn answer(request: reqwest::RequestBuilder) -> Result<(u16, Value), String> {
    let response = request.send().await.map_err(|error| error.to_string())?;
    let status = response.status().as_u16();
    Ok((status, response.json().await.unwrap_or(Value::Null)))
}
