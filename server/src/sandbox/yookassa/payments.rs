//! Payments: `POST /v3/payments` makes one from what a shop may send, checked as YooKassa checks
//! it: `pending` with a redirect confirmation (and `save_payment_method` to keep the card once
//! paid), or, naming a saved method by `payment_method_id`, charged at once without the driver
//! (`succeeded`, or `canceled` when the bank declines). `GET /v3/payments/{id}` shows it as the
//! API does.

use axum::{
    Json,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, HeaderValue},
};
use serde_json::{Map, Value, json};

use super::{
    CARD_FIRST6, CARD_LAST4, PaymentMethod, SandboxYooKassa, Shop, Status, StoredPayment,
    admission::{Answer, Refusal, json_body, requested_amount},
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
                let (party, reason) = payment
                    .cancellation
                    .unwrap_or(("yoo_money", "general_decline"));
                object["cancellation_details"] = json!({"party": party, "reason": reason});
            }
        }
        if let Some(method) = &payment.method {
            object["payment_method"] = json!({
                "type": "bank_card",
                "id": method.id,
                "saved": method.saved,
                "title": format!("Bank card *{CARD_LAST4}"),
                "card": {
                    "first6": CARD_FIRST6,
                    "last4": CARD_LAST4,
                    "expiry_month": "12",
                    "expiry_year": "2030",
                    "card_type": "MasterCard",
                },
            });
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
    how: How,
    metadata: Map<String, Value>,
    has_receipt: bool,
}

/// How the payment is to be paid.
enum How {
    /// On the checkout page, keeping the card for later when `save` is asked.
    Redirect { return_url: String, save: bool },
    /// By a method saved before, at once.
    SavedMethod(String),
}

fn how_to_pay(body: &Value) -> Result<How, Refusal> {
    let save = match &body["save_payment_method"] {
        Value::Null => false,
        Value::Bool(save) => *save,
        _ => {
            return Err(Refusal::invalid(
                "save_payment_method",
                "save_payment_method is true or false",
            ));
        }
    };
    match &body["payment_method_id"] {
        Value::Null => {}
        Value::String(id) if !id.is_empty() => {
            if !body["confirmation"].is_null() {
                return Err(Refusal::invalid(
                    "confirmation",
                    "The sandbox charges a saved payment method at once: leave confirmation out",
                ));
            }
            return Ok(How::SavedMethod(id.clone()));
        }
        _ => {
            return Err(Refusal::invalid(
                "payment_method_id",
                "payment_method_id is the id of a saved payment method",
            ));
        }
    }
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
    Ok(How::Redirect {
        return_url: return_url.to_owned(),
        save,
    })
}

fn payment_request(body: &Value) -> Result<PaymentRequest, Refusal> {
    let amount_kopecks = requested_amount(&body["amount"], "amount")?;
    let how = how_to_pay(body)?;
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
        how,
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
        let mut payment = StoredPayment {
            id: new_id(),
            status: Status::Pending,
            amount_kopecks: request.amount_kopecks,
            description: request.description,
            return_url: String::new(),
            save_method: false,
            method: None,
            cancellation: None,
            metadata: request.metadata,
            has_receipt: request.has_receipt,
            created_at: now(),
            captured_at: None,
            refunded_kopecks: 0,
        };
        match request.how {
            How::Redirect { return_url, save } => {
                payment.return_url = return_url;
                payment.save_method = save;
            }
            How::SavedMethod(id) => charge(shop, &mut payment, id)?,
        }
        let answer = sandbox.payment_json(&payment);
        shop.payments.push(payment);
        Ok(answer)
    })?;
    // A charge settled at once is notified as YooKassa does (a repeat was notified before).
    if let Answer::First(payment) = &answer
        && let Some(event) = match payment["status"].as_str() {
            Some("succeeded") => Some("payment.succeeded"),
            Some("canceled") => Some("payment.canceled"),
            _ => None,
        }
    {
        sandbox.notify(event, payment.clone());
    }
    Ok(answer.into_json())
}

/// Charges a saved method at once: only one saved by a paid payment that asked to save it. The
/// bank declines it when the sandbox was told to.
fn charge(shop: &mut Shop, payment: &mut StoredPayment, method_id: String) -> Result<(), Refusal> {
    if !shop.saved_methods.contains(&method_id) {
        return Err(Refusal::invalid(
            "payment_method_id",
            "Payment method doesn't exist, isn't saved or access denied",
        ));
    }
    payment.method = Some(PaymentMethod {
        id: method_id,
        saved: true,
    });
    if shop.decline_next > 0 {
        shop.decline_next -= 1;
        payment.status = Status::Canceled;
        payment.cancellation = Some(("payment_network", "insufficient_funds"));
    } else {
        payment.status = Status::Succeeded;
        payment.captured_at = Some(now());
    }
    Ok(())
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
