//! YooKassa's JSON, both ways. Answers are read defensively: unknown fields are ignored and
//! optional ones may be missing, but a payment without its id, status or amount is unreadable,
//! because Hauler would otherwise grant or refuse access on a guess.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{NewPayment, Payment, Refund, format_amount, parse_amount};

/// Hauler charges in roubles only.
const CURRENCY: &str = "RUB";

fn money(kopecks: u64) -> Value {
    json!({"value": format_amount(kopecks), "currency": CURRENCY})
}

pub(super) fn new_payment(payment: &NewPayment) -> Value {
    let mut body = json!({
        "amount": money(payment.amount_kopecks),
        "capture": true,
        "confirmation": {"type": "redirect", "return_url": payment.return_url},
        "description": payment.description,
        "metadata": payment.metadata,
    });
    if let Some(receipt) = &payment.receipt {
        body["receipt"] = json!({
            "customer": {"email": receipt.customer_email},
            "items": [{
                "description": receipt.item_description,
                "quantity": "1.00",
                "amount": money(payment.amount_kopecks),
                "vat_code": receipt.vat_code,
                "payment_mode": receipt.payment_mode,
                "payment_subject": receipt.payment_subject,
            }],
        });
    }
    body
}

pub(super) fn new_refund(payment_id: &str, amount_kopecks: u64) -> Value {
    json!({"payment_id": payment_id, "amount": money(amount_kopecks)})
}

pub(super) fn payment(body: &Value) -> Result<Payment, String> {
    let (amount_kopecks, currency) = amount(body.get("amount")).ok_or("no readable amount")?;
    let refunded_kopecks = match body.get("refunded_amount") {
        None | Some(Value::Null) => 0,
        Some(refunded) => {
            amount(Some(refunded))
                .ok_or("an unreadable refunded_amount")?
                .0
        }
    };
    Ok(Payment {
        id: text(body, "id").ok_or("a payment without an id")?,
        status: text(body, "status").ok_or("a payment without a status")?,
        paid: body.get("paid").and_then(Value::as_bool).unwrap_or(false),
        amount_kopecks,
        currency,
        confirmation_url: body
            .get("confirmation")
            .and_then(|confirmation| text(confirmation, "confirmation_url")),
        metadata: body
            .get("metadata")
            .and_then(Value::as_object)
            .map(metadata)
            .unwrap_or_default(),
        refunded_kopecks,
        cancellation_reason: body
            .get("cancellation_details")
            .and_then(|details| text(details, "reason")),
    })
}

pub(super) fn refund(body: &Value) -> Result<Refund, String> {
    Ok(Refund {
        id: text(body, "id").ok_or("a refund without an id")?,
        payment_id: text(body, "payment_id").ok_or("a refund without a payment_id")?,
        status: text(body, "status").ok_or("a refund without a status")?,
        amount_kopecks: amount(body.get("amount")).ok_or("no readable amount")?.0,
    })
}

/// YooKassa's error body: its `code` and `description`, when the body is one.
pub(super) fn refusal(bytes: &[u8]) -> Option<(String, String)> {
    let body: Value = serde_json::from_slice(bytes).ok()?;
    let code = text(&body, "code")?;
    let description = text(&body, "description").unwrap_or_default();
    Some((code, description))
}

/// `{"value": "1990.00", "currency": "RUB"}` in kopecks and its currency.
fn amount(money: Option<&Value>) -> Option<(u64, String)> {
    let money = money?;
    let kopecks = parse_amount(money.get("value")?.as_str()?)?;
    Some((kopecks, text(money, "currency")?))
}

fn text(object: &Value, field: &str) -> Option<String> {
    object
        .get(field)
        .and_then(Value::as_str)
        .filter(|value| !value.is_empty())
        .map(str::to_owned)
}

/// Metadata values are strings in YooKassa; a number or a flag someone put there is kept as text.
fn metadata(object: &Map<String, Value>) -> BTreeMap<String, String> {
    object
        .iter()
        .filter_map(|(key, value)| {
            let value = match value {
                Value::String(text) => text.clone(),
                Value::Number(_) | Value::Bool(_) => value.to_string(),
                _ => return None,
            };
            Some((key.clone(), value))
        })
        .collect()
}
