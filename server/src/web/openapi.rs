//! What every OpenAPI document the server publishes says alike, added once here rather than on
//! each route: any route that reads a JSON body may answer `400 invalid_body` (not JSON, not sent
//! as JSON, or not the shape its schema describes) and `413 body_too_large`, and any route that
//! reads a query string may answer `400 invalid_query`. Each refusal is the API's
//! `{code, message}` body. And an unsigned number is written with its real range.

use serde_json::{Map, Value, json};

/// The document as it is served: generated from the handlers, with the shared refusals added.
pub fn published(document: utoipa::openapi::OpenApi, error_schema: &str) -> Value {
    let mut document = serde_json::to_value(document).expect("an OpenAPI document is JSON");
    unsigned_64_with_their_range(&mut document);
    unsigned_with_their_range(&mut document);
    let error = refusal_content(error_schema);
    for (_, operation) in operations_mut(&mut document) {
        let reads_body = operation.contains_key("requestBody");
        let reads_query = operation
            .get("parameters")
            .and_then(Value::as_array)
            .is_some_and(|parameters| parameters.iter().any(|p| p["in"] == "query"));
        let responses = operation
            .entry("responses")
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("responses are an object");
        if reads_body {
            refuses(
                responses,
                "400",
                "`invalid_body`: not JSON, not sent as `application/json`, or not the shape of the body's schema",
                &error,
            );
            refuses(
                responses,
                "413",
                "`body_too_large`: the body is over 2 MB",
                &error,
            );
        }
        if reads_query {
            refuses(
                responses,
                "400",
                "`invalid_query`: a parameter that cannot be read as its schema says",
                &error,
            );
        }
    }
    document
}

/// A refusal's content: the API's error body, by its schema's name.
pub fn refusal_content(error_schema: &str) -> Value {
    json!({
        "application/json": {"schema": {"$ref": format!("#/components/schemas/{error_schema}")}}
    })
}

/// Every operation of the document, with its path.
pub fn operations_mut(
    document: &mut Value,
) -> impl Iterator<Item = (&String, &mut Map<String, Value>)> {
    document
        .get_mut("paths")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|paths| paths.iter_mut())
        .filter_map(|(path, item)| Some((path, item.as_object_mut()?)))
        .flat_map(|(path, item)| {
            item.values_mut()
                .filter_map(Value::as_object_mut)
                .map(move |operation| (path, operation))
        })
}

/// Adds `why` to the status's description, or the status itself when the route had none.
pub fn refuses(responses: &mut Map<String, Value>, status: &str, why: &str, error: &Value) {
    match responses.get_mut(status) {
        Some(response) => {
            let description = response["description"].as_str().unwrap_or_default();
            if !description.contains(why) {
                response["description"] = Value::from(format!("{description}; {why}"));
            }
        }
        None => {
            responses.insert(
                status.to_owned(),
                json!({"description": why, "content": error}),
            );
        }
    }
}

/// utoipa writes a `u64` as `int64` from 0, and tools read `int64` as signed: they would take
/// 9223372036854775808 as out of range, and the server reads it. Such a number, unless the field
/// says its own maximum, is written as what it is: a whole number from 0 to 18446744073709551615.
/// (A signed id from 1 is not one: its minimum is not 0.)
fn unsigned_64_with_their_range(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            let unsigned = fields.get("format").is_some_and(|f| f == "int64")
                && fields
                    .get("minimum")
                    .is_some_and(|m| m.as_f64() == Some(0.0))
                && !fields.contains_key("maximum");
            if unsigned {
                fields.remove("format");
                fields.insert("maximum".to_owned(), Value::from(u64::MAX));
            }
            fields.values_mut().for_each(unsigned_64_with_their_range);
        }
        Value::Array(items) => items.iter_mut().for_each(unsigned_64_with_their_range),
        _ => {}
    }
}

/// utoipa writes a `u32` (and `u8`, `u16`) as `int32` from 0, and tools read `int32` as signed:
/// they would take 2147483648 as out of range, and the server reads it. Such a number is written
/// as what it is, 0 to 4294967295 unless the field says less.
fn unsigned_with_their_range(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            let unsigned = fields.get("format").is_some_and(|f| f == "int32")
                && fields
                    .get("minimum")
                    .and_then(Value::as_f64)
                    .is_some_and(|m| m >= 0.0);
            if unsigned {
                fields.insert("format".to_owned(), Value::from("int64"));
                fields
                    .entry("maximum")
                    .or_insert_with(|| Value::from(u32::MAX));
            }
            fields.values_mut().for_each(unsigned_with_their_range);
        }
        Value::Array(items) => items.iter_mut().for_each(unsigned_with_their_range),
        _ => {}
    }
}
