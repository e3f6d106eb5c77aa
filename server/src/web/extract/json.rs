//! A request's JSON body, read the way JSON Schema (and so the OpenAPI documents) reads it: a
//! number written with a fraction of zero (`2.0`) is the integer `2`, so a client whose encoder
//! writes every number as a float is not refused for a value the schema allows. Anything that is
//! not JSON (or not sent as `application/json`), or not the shape the handler takes (an object
//! sent as an array of its fields included, which serde alone would take), is
//! `400 invalid_body`; a body over the limit was refused with `413` before (`layers`).

use axum::{
    body::Bytes,
    extract::{FromRequest, Request},
    http::header::CONTENT_TYPE,
};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Number, Value};

use crate::web::error::ApiError;

/// The body, deserialized; its rejection is already the API's error.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Serialize,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .map(|essence| essence.trim().to_ascii_lowercase())
            .is_some_and(|essence| essence == "application/json" || essence.ends_with("+json"));
        if !is_json {
            return Err(ApiError::bad_body("the body is not application/json"));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(ApiError::bad_body)?;
        read(&bytes).map(JsonBody)
    }
}

/// The body as `T`, whole-number floats read as integers.
pub fn read<T: DeserializeOwned + Serialize>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut sent: Value = serde_json::from_slice(bytes).map_err(ApiError::bad_body)?;
    whole_numbers_as_integers(&mut sent);
    let read: T = serde_json::from_value(sent.clone()).map_err(ApiError::bad_body)?;
    let understood = serde_json::to_value(&read).map_err(ApiError::bad_body)?;
    if !objects_where_objects(&sent, &understood) {
        return Err(ApiError::bad_body("an object was sent as an array"));
    }
    Ok(read)
}

/// Serde reads a struct from an array of its fields too (`[1, 2]` as `{"min": 1, "max": 2}`),
/// which no schema allows: wherever what was read is an object, the body must have sent one.
fn objects_where_objects(sent: &Value, read: &Value) -> bool {
    match (sent, read) {
        (Value::Array(_), Value::Object(_)) => false,
        (Value::Object(sent), Value::Object(read)) => read.iter().all(|(key, read)| {
            sent.get(key)
                .is_none_or(|sent| objects_where_objects(sent, read))
        }),
        (Value::Array(sent), Value::Array(read)) => sent
            .iter()
            .zip(read)
            .all(|(sent, read)| objects_where_objects(sent, read)),
        _ => true,
    }
}

/// `2.0` becomes `2` wherever it is (a float field still reads an integer). An integer past
/// `i64::MIN` arrives as a float too, rounded to -2⁶³: that float is left a float, so it is refused
/// where an integer is needed rather than read as `i64::MIN` (only `i64::MIN` itself written as a
/// float is refused with it).
fn whole_numbers_as_integers(value: &mut Value) {
    match value {
        Value::Number(number) if number.is_f64() => {
            let float = number.as_f64().unwrap_or(f64::NAN);
            let integer = if float.fract() != 0.0 || !float.is_finite() {
                None
            } else if float >= 0.0 && float < u64::MAX as f64 {
                Some(Number::from(float as u64))
            } else if float < 0.0 && float > i64::MIN as f64 {
                Some(Number::from(float as i64))
            } else {
                None
            };
            if let Some(integer) = integer {
                *number = integer;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(whole_numbers_as_integers),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct Plan {
        plan_id: i64,
        days: u32,
        price: f64,
    }

    #[test]
    fn a_whole_float_is_the_integer_json_schema_says_it_is() {
        let plan: Plan = read(br#"{"plan_id": -3.0, "days": 30.0, "price": 2.0}"#).unwrap();
        assert_eq!(
            plan,
            Plan {
                plan_id: -3,
                days: 30,
                price: 2.0
            }
        );
    }

    #[test]
    fn a_large_whole_float_is_read_exactly() {
        // Near 2⁵², a float parsed without care lands half a unit off and reads as a fraction.
        let ids: Vec<i64> = read(b"[3950418137768578.0, -12521225.0]").unwrap();
        assert_eq!(ids, [3_950_418_137_768_578, -12_521_225]);
    }

    #[test]
    fn a_fraction_is_still_refused_where_an_integer_is_needed() {
        assert!(read::<Plan>(br#"{"plan_id": 1.5, "days": 30, "price": 2}"#).is_err());
        assert!(read::<Plan>(br#"{"plan_id": 1e300, "days": 30, "price": 2}"#).is_err());
        let past_the_least = br#"{"plan_id": -9223372036854775809, "days": 30, "price": 2}"#;
        assert!(read::<Plan>(past_the_least).is_err());
        assert!(read::<serde_json::Value>(past_the_least).unwrap()["plan_id"].is_f64());
        assert!(read::<Plan>(b"not json").is_err());
    }

    #[test]
    fn an_object_sent_as_an_array_of_its_fields_is_refused() {
        assert!(read::<Plan>(b"[1, 30, 2.5]").is_err());
        assert!(read::<Vec<Plan>>(br#"[{"plan_id": 1, "days": 30, "price": 2}]"#).is_ok());
    }
}
