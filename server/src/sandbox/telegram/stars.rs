//! Telegram Stars in the stand-in: invoice links (`createInvoiceLink`), the payment a driver makes
//! in Telegram's own sheet (`POST /__sandbox/invoices/{slug}/pay`: a `pre_checkout_query` the bot
//! must answer within ten seconds, then a `successful_payment` message), and refunds
//! (`refundStarPayment`). Knob: `deliver_twice` sends the `successful_payment` twice, as Telegram
//! may.

use std::{collections::HashMap, time::Duration};

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{SandboxTelegram, ok, refusal};

#[derive(Default)]
pub(super) struct Ledger {
    invoices: HashMap<String, Invoice>,
    /// Pre-checkout query id → the bot's answer, once given.
    answers: HashMap<String, Option<Answer>>,
    charges: HashMap<String, Charge>,
}

#[derive(Debug, Clone, Serialize)]
struct Invoice {
    slug: String,
    title: String,
    payload: String,
    currency: String,
    total_amount: u64,
}

#[derive(Debug, Clone)]
struct Answer {
    ok: bool,
    error_message: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
struct Charge {
    user_id: i64,
    refunded: bool,
}

fn random_id() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// `createInvoiceLink`: only Stars (`XTR`) with one price, as digital goods in Mini Apps are sold.
pub(super) fn create_invoice_link(ledger: &mut Ledger, params: &Value) -> Response {
    if params["currency"].as_str() != Some("XTR") {
        return refusal(StatusCode::BAD_REQUEST, "Bad Request: CURRENCY_INVALID");
    }
    let (Some(title), Some(payload)) = (params["title"].as_str(), params["payload"].as_str())
    else {
        return refusal(
            StatusCode::BAD_REQUEST,
            "Bad Request: title and payload are required",
        );
    };
    let amounts: Vec<u64> = params["prices"]
        .as_array()
        .map(|prices| prices.iter().filter_map(|p| p["amount"].as_u64()).collect())
        .unwrap_or_default();
    let [total_amount] = amounts[..] else {
        return refusal(
            StatusCode::BAD_REQUEST,
            "Bad Request: STARS_INVOICE_INVALID (one price)",
        );
    };
    if total_amount == 0 {
        return refusal(
            StatusCode::BAD_REQUEST,
            "Bad Request: STARS_INVOICE_INVALID",
        );
    }
    let slug = random_id();
    ledger.invoices.insert(
        slug.clone(),
        Invoice {
            slug: slug.clone(),
            title: title.to_owned(),
            payload: payload.to_owned(),
            currency: "XTR".into(),
            total_amount,
        },
    );
    // The shape Telegram's own links have, which `openInvoice` in telegram-web-app.js accepts.
    ok(json!(format!("https://t.me/${slug}")))
}

pub(super) fn answer_pre_checkout(ledger: &mut Ledger, params: &Value) -> Response {
    let Some(id) = params["pre_checkout_query_id"].as_str() else {
        return refusal(StatusCode::BAD_REQUEST, "Bad Request: QUERY_ID_INVALID");
    };
    let Some(slot) = ledger.answers.get_mut(id) else {
        return refusal(StatusCode::BAD_REQUEST, "Bad Request: QUERY_ID_INVALID");
    };
    *slot = Some(Answer {
        ok: params["ok"].as_bool().unwrap_or(false),
        error_message: params["error_message"].as_str().map(str::to_owned),
    });
    ok(json!(true))
}

pub(super) fn refund(ledger: &mut Ledger, params: &Value) -> Response {
    let (Some(user_id), Some(charge_id)) = (
        params["user_id"].as_i64(),
        params["telegram_payment_charge_id"].as_str(),
    ) else {
        return refusal(StatusCode::BAD_REQUEST, "Bad Request: CHARGE_ID_EMPTY");
    };
    match ledger.charges.get_mut(charge_id) {
        Some(charge) if charge.user_id == user_id && !charge.refunded => {
            charge.refunded = true;
            ok(json!(true))
        }
        Some(charge) if charge.refunded => refusal(
            StatusCode::BAD_REQUEST,
            "Bad Request: CHARGE_ALREADY_REFUNDED",
        ),
        _ => refusal(StatusCode::BAD_REQUEST, "Bad Request: CHARGE_NOT_FOUND"),
    }
}

#[derive(Deserialize)]
pub(super) struct Payer {
    user_id: i64,
    #[serde(default)]
    deliver_twice: bool,
}

/// The driver confirms the payment in Telegram's sheet.
pub(super) async fn pay(
    State(telegram): State<SandboxTelegram>,
    Path(slug): Path<String>,
    Json(payer): Json<Payer>,
) -> Response {
    let query_id = random_id();
    let invoice = {
        let mut chats = telegram.chats();
        let Some(invoice) = chats.stars.invoices.get(&slug).cloned() else {
            return refusal(StatusCode::NOT_FOUND, "no such invoice");
        };
        chats.stars.answers.insert(query_id.clone(), None);
        invoice
    };
    let from = json!({"id": payer.user_id, "is_bot": false, "first_name": "Driver"});
    let asked = telegram
        .deliver(json!({"pre_checkout_query": {
            "id": query_id,
            "from": from,
            "currency": invoice.currency,
            "total_amount": invoice.total_amount,
            "invoice_payload": invoice.payload,
        }}))
        .await;
    if let Err(error) = asked {
        return refusal(StatusCode::BAD_GATEWAY, &error);
    }
    let Some(answer) = wait_for_answer(&telegram, &query_id).await else {
        return Json(
            json!({"status": "failed", "error_message": "the bot did not answer in 10 s"}),
        )
        .into_response();
    };
    if !answer.ok {
        return Json(json!({"status": "failed", "error_message": answer.error_message}))
            .into_response();
    }
    let charge_id = format!("stxsandbox{}", random_id());
    telegram.chats().stars.charges.insert(
        charge_id.clone(),
        Charge {
            user_id: payer.user_id,
            refunded: false,
        },
    );
    let paid = json!({"message": {
        "message_id": 1,
        "date": chrono::Utc::now().timestamp(),
        "chat": {"id": payer.user_id, "type": "private"},
        "from": from,
        "successful_payment": {
            "currency": invoice.currency,
            "total_amount": invoice.total_amount,
            "invoice_payload": invoice.payload,
            "telegram_payment_charge_id": charge_id,
            "provider_payment_charge_id": "",
        },
    }});
    for _ in 0..if payer.deliver_twice { 2 } else { 1 } {
        if let Err(error) = telegram.deliver(paid.clone()).await {
            return refusal(StatusCode::BAD_GATEWAY, &error);
        }
    }
    Json(json!({"status": "paid", "telegram_payment_charge_id": charge_id})).into_response()
}

async fn wait_for_answer(telegram: &SandboxTelegram, query_id: &str) -> Option<Answer> {
    for _ in 0..200 {
        let answer = telegram
            .chats()
            .stars
            .answers
            .get(query_id)
            .cloned()
            .flatten();
        if answer.is_some() {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

/// Every invoice made and every charge taken, for tests and a person trying the sandbox.
pub(super) async fn invoices(State(telegram): State<SandboxTelegram>) -> Json<Value> {
    let chats = telegram.chats();
    let invoices: Vec<&Invoice> = chats.stars.invoices.values().collect();
    Json(json!({"invoices": invoices, "charges": chats.stars.charges}))
}
