//! YooKassa's JSON, both ways. Answers are read defensively: unknown fields are ignored and
//! optional ones may be missing, but a payment without its id, status or amount is unreadable,
//! because Hauler would otherwise grant or refuse access on a guess.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{NewPayment, PayBy, Payment, PaymentMethod, Refund, format_amount, parse_amount};

/// Hauler charges in roubles only.
const CURRENCY: &str = "RUB";

fn money(kopecks: u64) -> Value {
    json!({"value": format_amount(kopecks), "currency": CURRENCY})
}

pub(super) fn new_payment(payment: &NewPayment) -> Value {
    let mut body = json!({
        "amount": money(payment.amount_kopecks),
        "capture": true,
        "description": payment.description,
        "metadata": payment.metadata,
    });
    match &payment.pay_by {
        PayBy::Page {
            return_url,
            save_method,
        } => {
            body["confirmation"] = json!({"type": "redirect", "return_url": return_url});
            if *save_method {
                body["save_payment_method"] = json!(true);
            }
        }
        PayBy::SavedMethod(id) => body["payment_method_id"] = json!(id),
    }
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
        payment_method: body.get("payment_method").and_then(|method| {
            Some(PaymentMethod {
                id: text(method, "id")?,
                saved: method
                    .get("saved")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                title: text(method, "title"),
            })
        }),
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

#[cfg(test)]
mod generated {
    //! YooKassa's answers, generated: reading never panics, a payment or refund missing what
    //! Hauler decides on is refused (and becomes `YooKassaError::Malformed`), and money strings
    //! read back exactly what was written.

    use proptest::prelude::*;

    use super::*;
    use crate::outside_input::{any_json, object_with};

    const PAYMENT_FIELDS: &[&str] = &[
        "id",
        "status",
        "paid",
        "amount",
        "refunded_amount",
        "confirmation",
        "metadata",
        "cancellation_details",
        "payment_id",
        "payment_method",
    ];

    fn money_like() -> impl Strategy<Value = Value> {
        (
            prop_oneof!["[0-9]{1,22}(\\.[0-9]{0,3})?", ".{0,8}"],
            prop_oneof![Just("RUB".to_owned()), ".{0,4}"],
        )
            .prop_map(|(value, currency)| json!({"value": value, "currency": currency}))
    }

    fn any_answer() -> impl Strategy<Value = Value> {
        prop_oneof![
            any_json(),
            object_with(PAYMENT_FIELDS),
            (
                object_with(PAYMENT_FIELDS),
                money_like(),
                ".{0,12}",
                ".{0,12}"
            )
                .prop_map(|(mut body, amount, id, status)| {
                    body["amount"] = amount;
                    body["id"] = Value::from(id);
                    body["status"] = Value::from(status);
                    body
                }),
        ]
    }

    proptest! {
        #[test]
        fn any_payment_or_refund_is_read_whole_or_refused(body in any_answer()) {
            if let Ok(payment) = payment(&body) {
                prop_assert!(!payment.id.is_empty() && !payment.status.is_empty());
                prop_assert_eq!(Some(payment.amount_kopecks), body["amount"]["value"].as_str().and_then(parse_amount));
            }
            if let Ok(refund) = refund(&body) {
                prop_assert!(!refund.id.is_empty() && !refund.payment_id.is_empty());
            }
        }

        #[test]
        fn any_error_body_is_a_code_or_nothing(bytes in proptest::collection::vec(any::<u8>(), 0..48)) {
            if let Some((code, _)) = refusal(&bytes) {
                prop_assert!(!code.is_empty());
            }
        }

        #[test]
        fn money_is_read_back_exactly_as_written(kopecks in any::<u64>()) {
            prop_assert_eq!(parse_amount(&format_amount(kopecks)), Some(kopecks));
        }

        #[test]
        fn any_money_string_is_kopecks_or_refused(text in "[0-9.,+-]{0,24}") {
            if let Some(kopecks) = parse_amount(&text) {
                let (rubles, fraction) = text.split_once('.').unwrap_or((&text, ""));
                prop_assert!(fraction.len() <= 2 && !rubles.is_empty());
                prop_assert_eq!(kopecks / 100, rubles.parse::<u64>().unwrap());
            }
        }
    }
}
