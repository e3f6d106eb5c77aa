//! Payments: `POST /v3/payments` makes one (`pending`, with a redirect confirmation) from what a
//! shop may send, checked as YooKassa checks it; `GET /v3/payments/{id}` shows it as the API does.

use axum::{
    Json,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, HeaderValue},
};
use serde_json::{Map, Value, json};

use super::{
    SandboxYooKassa, Status, StoredPayment,
    admission::{Refusal, json_body, requested_amount},
    money, new_id, now,
};

/// YooKassa's limit on a payment's description.
const MAX_DESCRIPTION: usize = 128;

impl SandboxYooKassa {
    pub(super) fn payment_json(&self, payment: &StoredPayment) -> Value {
        let succeeded = payment.status == Status::Succeeded;
        let mut object = json!({
            "id": payment.id,
            "status": payment.status.as_str(),
            "paid": succeeded,
            "amount": money(payment.amount_kopecks),
            "recipient": {"account_id": self.shop_id, "gateway_id": "sandbox"},
            "created_at": payment.created_at,
            "test": true,
            "refundable": succeeded && payment.refunded_kopecks < payment.amount_kopecks,
            "metadata": payment.metadata,
        });
        if let Some(description) = &payment.description {
            object["description"] = json!(description);
        }
        match payment.status {
            Status::Pending => {
                object["confirmation"] = json!({
                    "type": "redirect",
                    "confirmation_url": format!("{}/checkout/{}", self.public_base, payment.id),
                    "return_url": payment.return_url,
                });
            }
            Status::Succeeded => {
                object["captured_at"] = json!(payment.captured_at);
            }
            Status::Canceled => {
                object["cancellation_details"] =
                    json!({"party": "yoo_money", "reason": "general_decline"});
            }
        }
        if payment.has_receipt {
            object["receipt_registration"] = json!(if succeeded { "succeeded" } else { "pending" });
        }
        if payment.refunded_kopecks > 0 {
            object["refunded_amount"] = money(payment.refunded_kopecks);
        }
        object
    }
}

/// The parts of a `POST /v3/payments` the stand-in keeps.
struct PaymentRequest {
    amount_kopecks: u64,
    description: Option<String>,
    return_url: String,
    metadata: Map<String, Value>,
    has_receipt: bool,
}

fn payment_request(body: &Value) -> Result<PaymentRequest, Refusal> {
    let amount_kopecks = requested_amount(&body["amount"], "amount")?;
    let confirmation = &body["confirmation"];
    if confirmation["type"].as_str() != Some("redirect") {
        return Err(Refusal::invalid(
            "confirmation.type",
            "The sandbox supports the redirect confirmation only",
        ));
    }
    let return_url = confirmation["return_url"].as_str().unwrap_or_default();
    if return_url.is_empty() || HeaderValue::from_str(return_url).is_err() {
        return Err(Refusal::invalid(
            "confirmation.return_url",
            "return_url is required and must be a URL",
        ));
    }
    let description = match &body["description"] {
        Value::Null => None,
        Value::String(text) if text.chars().count() <= MAX_DESCRIPTION => Some(text.clone()),
        _ => {
            return Err(Refusal::invalid(
                "description",
                "The description is a string of up to 128 characters",
            ));
        }
    };
    let metadata = match &body["metadata"] {
        Value::Null => Map::new(),
        Value::Object(metadata) => metadata.clone(),
        _ => return Err(Refusal::invalid("metadata", "metadata must be an object")),
    };
    let has_receipt = match &body["receipt"] {
        Value::Null => false,
        receipt => {
            let customer = &receipt["customer"];
            let has_contact = customer["email"].is_string() || customer["phone"].is_string();
            let has_items = receipt["items"]
                .as_array()
                .is_some_and(|items| !items.is_empty());
            if !has_contact || !has_items {
                return Err(Refusal::invalid(
                    "receipt",
                    "A receipt needs the customer's email or phone and at least one item",
                ));
            }
            true
        }
    };
    Ok(PaymentRequest {
        amount_kopecks,
        description,
        return_url: return_url.to_owned(),
        metadata,
        has_receipt,
    })
}

pub(super) async fn create_payment(
    State(sandbox): State<SandboxYooKassa>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, Refusal> {
    let answer = sandbox.answer_once("payments", &headers, |shop| {
        let request = payment_request(&json_body(&body)?)?;
        let payment = StoredPayment {
            id: new_id(),
            status: Status::Pending,
            amount_kopecks: request.amount_kopecks,
            description: request.description,
            return_url: request.return_url,
            metadata: request.metadata,
            has_receipt: request.has_receipt,
            created_at: now(),
            captured_at: None,
            refunded_kopecks: 0,
        };
        let answer = sandbox.payment_json(&payment);
        shop.payments.push(payment);
        Ok(answer)
    })?;
    Ok(answer.into_json())
}

pub(super) async fn payment(
    State(sandbox): State<SandboxYooKassa>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, Refusal> {
    sandbox.admit(&headers)?;
    let shop = sandbox.lock();
    match shop.payments.iter().find(|p| p.id == id) {
        Some(payment) => Ok(Json(sandbox.payment_json(payment))),
        None => Err(Refusal::not_found(
            "payment_id",
            "Payment doesn't exist or access denied",
        )),
    }
}
