//! What the property tests of the parsers of outside input (the exchange's JSON, YooKassa's,
//! Telegram's updates, the API's queries and bodies) generate: any JSON at all, and JSON shaped
//! like what each sender really sends with every value free to be wrong. Kept cheap, so the
//! 10,000 cases of each test in CI (`PROPTEST_CASES`, set by `cargo xtask test`) take seconds.

use proptest::prelude::*;
use serde_json::{Map, Value};

/// A scalar JSON value of any kind, numbers and strings of awkward sizes included.
pub fn any_scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
        "[0-9 .,-]{0,12}".prop_map(Value::from),
    ]
}

/// Any JSON value, two levels deep (deeper costs time and finds nothing more: the readers
/// look a few fields down at most).
pub fn any_json() -> impl Strategy<Value = Value> {
    any_scalar().prop_recursive(2, 12, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

/// A field's value: mostly a scalar, sometimes anything (cheap, for objects of many fields).
fn any_field() -> impl Strategy<Value = Value> {
    prop_oneof![3 => any_scalar(), 1 => any_json()]
}

/// An object with (some of) these fields, each any JSON value, and maybe a stranger field.
pub fn object_with(fields: &'static [&'static str]) -> impl Strategy<Value = Value> {
    (
        proptest::collection::vec(proptest::option::of(any_field()), fields.len()),
        proptest::option::of(any_json()),
    )
        .prop_map(move |(values, stranger)| {
            let mut object = Map::new();
            for (name, value) in fields.iter().zip(values) {
                if let Some(value) = value {
                    object.insert((*name).to_owned(), value);
                }
            }
            if let Some(stranger) = stranger {
                object.insert("unexpected".to_owned(), stranger);
            }
            Value::Object(object)
        })
}
