//! The OpenAPI schemas of the filter's ranges: either end may be `null` (open), and each end has
//! the field's own bounds, so a client building a filter from the document alone sends one the
//! server takes. That the low end is not above the high end no schema can say: the server
//! answers `422 invalid_filter` (`min_above_max`) for that.

use utoipa::{
    Number,
    openapi::{
        Object, ObjectBuilder,
        schema::{SchemaType, Type},
    },
};

use super::{MAX_DISTANCE_KM, MAX_PRICE_PER_KM_RUB, MAX_PRICE_RUB};

fn range(kind: Type, max: Number, unit: &str) -> Object {
    let end = |which: &str| {
        ObjectBuilder::new()
            .schema_type(SchemaType::from_iter([kind.clone(), Type::Null]))
            .minimum(Some(0))
            .maximum(Some(max.clone()))
            .description(Some(format!(
                "The {which} end, in {unit}; `null` leaves it open"
            )))
            .build()
    };
    ObjectBuilder::new()
        .description(Some(
            "An inclusive range; either end may be open, and `min` is not above `max`",
        ))
        .property("min", end("low"))
        .property("max", end("high"))
        .build()
}

pub fn distance_km() -> Object {
    range(Type::Integer, MAX_DISTANCE_KM.into(), "kilometres")
}

pub fn price_rub() -> Object {
    range(Type::Integer, MAX_PRICE_RUB.into(), "roubles")
}

pub fn price_per_km_rub() -> Object {
    range(
        Type::Number,
        MAX_PRICE_PER_KM_RUB.into(),
        "roubles a kilometre",
    )
}
