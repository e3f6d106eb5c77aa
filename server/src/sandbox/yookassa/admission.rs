//! What every `/v3/*` call passes before it is answered: an injected failure, then the shop's
//! credentials (HTTP Basic, shop id and secret key); a POST also needs an `Idempotence-Key`, and
//! a repeated key gets the first answer again. A refused call is answered with YooKassa's error
//! body.

use axum::{
    Json,
    body::Bytes,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use base64::Engine as _;
use serde_json::{Value, json};

use super::{SandboxYooKassa, Shop, new_id};
use crate::payments::yookassa::parse_amount;

/// YooKassa's limit on an `Idempotence-Key`.
const MAX_IDEMPOTENCE_KEY: usize = 64;

/// An error answered the way YooKassa answers one.
pub(super) struct Refusal {
    status: StatusCode,
    code: &'static str,
    description: &'static str,
    parameter: Option<String>,
}

impl Refusal {
    fn new(status: StatusCode, code: &'static str, description: &'static str) -> Self {
        Self {
            status,
            code,
            description,
            parameter: None,
        }
    }

    /// A `400 invalid_request` naming the parameter at fault.
    pub(super) fn invalid(parameter: impl Into<String>, description: &'static str) -> Self {
        Self {
            parameter: Some(parameter.into()),
            ..Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
        }
    }

    /// A `404 not_found` naming the parameter that points at nothing.
    pub(super) fn not_found(parameter: impl Into<String>, description: &'static str) -> Self {
        Self {
            parameter: Some(parameter.into()),
            ..Self::new(StatusCode::NOT_FOUND, "not_found", description)
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut body = json!({
            "type": "error",
            "id": new_id(),
            "code": self.code,
            "description": self.description,
        });
        if let Some(parameter) = self.parameter {
            body["parameter"] = json!(parameter);
        }
        (self.status, Json(body)).into_response()
    }
}

/// What a POST got for its `Idempotence-Key`: an answer made now, or the one made before.
pub(super) enum Answer {
    First(Value),
    Again(Value),
}

impl Answer {
    pub(super) fn into_json(self) -> Json<Value> {
        match self {
            Self::First(answer) | Self::Again(answer) => Json(answer),
        }
    }
}

impl SandboxYooKassa {
    /// What every `/v3/*` call goes through: an injected failure, then the shop's credentials.
    pub(super) fn admit(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        {
            let mut shop = self.lock();
            if shop.fail_next > 0 {
                shop.fail_next -= 1;
                return Err(Refusal::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_server_error",
                    "Internal server error (injected by the sandbox)",
                ));
            }
        }
        let credentials = headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Basic "))
            .and_then(|encoded| {
                base64::engine::general_purpose::STANDARD
                    .decode(encoded.trim())
                    .ok()
            })
            .and_then(|decoded| String::from_utf8(decoded).ok());
        let expected = format!("{}:{}", self.shop_id, self.secret_key);
        if credentials.as_deref() != Some(expected.as_str()) {
            return Err(Refusal::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "Login and password are incorrect: check the shop id and the secret key",
            ));
        }
        Ok(())
    }

    /// A POST to `endpoint`, answered once per `Idempotence-Key` as YooKassa does: `make`
    /// answers it with the shop locked, and a repeat of the key gets that answer again without
    /// `make` being called.
    pub(super) fn answer_once(
        &self,
        endpoint: &'static str,
        headers: &HeaderMap,
        make: impl FnOnce(&mut Shop) -> Result<Value, Refusal>,
    ) -> Result<Answer, Refusal> {
        self.admit(headers)?;
        let key = idempotence_key(headers)?;
        let mut shop = self.lock();
        if let Some(answer) = shop.answered.get(&(endpoint, key.clone())) {
            return Ok(Answer::Again(answer.clone()));
        }
        let answer = make(&mut shop)?;
        shop.answered.insert((endpoint, key), answer.clone());
        Ok(Answer::First(answer))
    }
}

fn idempotence_key(headers: &HeaderMap) -> Result<String, Refusal> {
    let key = headers
        .get("idempotence-key")
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .unwrap_or_default();
    if key.is_empty() || key.len() > MAX_IDEMPOTENCE_KEY {
        return Err(Refusal::invalid(
            "Idempotence-Key",
            "Idempotence-Key header is required: up to 64 characters",
        ));
    }
    Ok(key.to_owned())
}

pub(super) fn json_body(body: &Bytes) -> Result<Value, Refusal> {
    match serde_json::from_slice::<Value>(body) {
        Ok(value) if value.is_object() => Ok(value),
        _ => Err(Refusal::invalid(
            "body",
            "The request body must be a JSON object",
        )),
    }
}

/// `{"value": "1990.00", "currency": "RUB"}`: exactly two decimals, more than zero, roubles.
pub(super) fn requested_amount(money: &Value, parameter: &str) -> Result<u64, Refusal> {
    let value = money
        .get("value")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let two_decimals = value
        .split_once('.')
        .is_some_and(|(_, fraction)| fraction.len() == 2);
    let kopecks = parse_amount(value).filter(|&kopecks| two_decimals && kopecks > 0);
    let Some(kopecks) = kopecks else {
        return Err(Refusal::invalid(
            format!("{parameter}.value"),
            "The amount must be more than zero, with two decimals, like \"1990.00\"",
        ));
    };
    if money.get("currency").and_then(Value::as_str) != Some("RUB") {
        return Err(Refusal::invalid(
            format!("{parameter}.currency"),
            "The shop accepts RUB only",
        ));
    }
    Ok(kopecks)
}
