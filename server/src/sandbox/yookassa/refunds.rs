//! Refunds: `POST /v3/refunds` returns part or all of a succeeded payment, never more than is
//! left of it, and notifies Hauler with `refund.succeeded`; `GET /v3/refunds/{id}` shows one.

use axum::{
    Json,
    body::Bytes,
    extract::{Path, State},
    http::HeaderMap,
};
use serde_json::{Value, json};

use super::{
    SandboxYooKassa, Shop, Status,
    admission::{Answer, Refusal, json_body, requested_amount},
    money, new_id, now,
};

pub(super) async fn create_refund(
    State(sandbox): State<SandboxYooKassa>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, Refusal> {
    let answer = sandbox.answer_once("refunds", &headers, |shop| refund(shop, &body))?;
    // A repeated request was notified about the first time.
    if let Answer::First(refund) = &answer {
        sandbox.notify("refund.succeeded", refund.clone());
    }
    Ok(answer.into_json())
}

pub(super) async fn refund_by_id(
    State(sandbox): State<SandboxYooKassa>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, Refusal> {
    sandbox.admit(&headers)?;
    let shop = sandbox.lock();
    match shop
        .refunds
        .iter()
        .find(|refund| refund["id"] == id.as_str())
    {
        Some(refund) => Ok(Json(refund.clone())),
        None => Err(Refusal::not_found(
            "refund_id",
            "Refund doesn't exist or access denied",
        )),
    }
}

/// Takes the refund off its payment and answers it.
fn refund(shop: &mut Shop, body: &Bytes) -> Result<Value, Refusal> {
    let body = json_body(body)?;
    let amount_kopecks = requested_amount(&body["amount"], "amount")?;
    let payment_id = body["payment_id"].as_str().unwrap_or_default();
    let Some(payment) = shop.payments.iter_mut().find(|p| p.id == payment_id) else {
        return Err(Refusal::invalid(
            "payment_id",
            "Payment doesn't exist or access denied",
        ));
    };
    if payment.status != Status::Succeeded {
        return Err(Refusal::invalid(
            "payment_id",
            "Only a succeeded payment can be refunded",
        ));
    }
    if amount_kopecks > payment.amount_kopecks - payment.refunded_kopecks {
        return Err(Refusal::invalid(
            "amount.value",
            "The refund is more than what is left of the payment",
        ));
    }
    payment.refunded_kopecks += amount_kopecks;
    let mut refund = json!({
        "id": new_id(),
        "payment_id": payment.id,
        "status": "succeeded",
        "created_at": now(),
        "amount": money(amount_kopecks),
    });
    if let Some(description) = body["description"].as_str() {
        refund["description"] = json!(description);
    }
    shop.refunds.push(refund.clone());
    Ok(refund)
}
