//! Every assumption about the shape of CargoTech's JSON lives here (see
//! `shared/cargotech-api.md`). Reading is defensive: any field may be missing, null or of an
//! unexpected type, and then only that field is lost, never the card or the page.

use app::cargo::{
    card::{CargoCard, CargoDetail, Contact, PaymentTerms, Phone, Pill, normalize_phone},
    dictionary::City,
};
use serde_json::Value;

mod query;

pub use query::UpstreamQuery;

/// The moment a load was posted, from the `created_at` the exchange gives it: ISO-8601 with
/// `Z` or an offset; without either it is taken as Moscow time (the exchange's own clock).
pub fn posted_instant(created_at: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(created_at) {
        return Some(at.to_utc());
    }
    let naive = chrono::NaiveDateTime::parse_from_str(created_at, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(created_at, "%Y-%m-%d %H:%M:%S"))
        .ok()?;
    let moscow = chrono::FixedOffset::east_opt(3 * 3600)?;
    naive
        .and_local_timezone(moscow)
        .single()
        .map(|at| at.to_utc())
}

/// One list item. `None` only when the item has no usable id (it could not be opened anyway).
pub fn card(item: &Value) -> Option<CargoCard> {
    let id = integer(item.get("id")?)?;
    let mut incomplete = false;
    let mut text = |path: &str| match item.pointer(path) {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text.clone()),
        Some(_) => {
            incomplete = true;
            None
        }
    };
    let from_city = text("/points/start/city/name");
    let to_city = text("/points/finish/city/name");
    let loading_at = text("/points/start/first_date");
    let unloading_at = text("/points/finish/first_date");
    let posted_at = text("/created_at");
    // A field that is there but cannot be read (not merely missing or null) marks the card.
    let unreadable = |name: &str, read: bool| item.get(name).is_some_and(|v| !v.is_null() && !read);
    let weight_kg = number(item.get("weight"));
    let volume_m3 = number(item.get("volume"));
    let distance = item
        .get("distance")
        .and_then(integer)
        .and_then(|km| u32::try_from(km).ok());
    let price = item
        .get("price_carrier")
        .and_then(integer)
        .filter(|&p| p > 0)
        .or_else(|| item.get("price").and_then(integer));
    incomplete |= unreadable("weight", weight_kg.is_some())
        || unreadable("volume", volume_m3.is_some())
        || unreadable("distance", distance.is_some())
        || unreadable("price", price.is_some())
        || item.get("points").is_some_and(|points| !points.is_object());
    Some(CargoCard {
        id,
        from_city,
        to_city,
        from_city_id: item
            .pointer("/points/start/city/id")
            .and_then(integer)
            .and_then(|id| u32::try_from(id).ok()),
        to_city_id: item
            .pointer("/points/finish/city/id")
            .and_then(integer)
            .and_then(|id| u32::try_from(id).ok()),
        loading_at,
        unloading_at,
        weight_t: weight_kg.map(|kg| kg / 1000.0),
        volume_m3: number(item.get("volume")),
        distance_km: item
            .get("distance")
            .and_then(integer)
            .and_then(|km| u32::try_from(km).ok()),
        price_kopecks: price,
        truck_types: pills(item.get("truck_types")),
        load_types: pills(item.get("load_types")),
        posted_at,
        age_seconds: None,
        payment: payment(item),
        incomplete,
        responded: false,
        shipper: None,
    })
}

pub fn detail(data: &Value) -> Option<CargoDetail> {
    let text = |path: &str| {
        data.pointer(path)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let flag = |path: &str| data.pointer(path).is_some_and(truthy);
    let cargo_type = text("/extra/custom_cargo_type")
        .filter(|name| !name.trim().is_empty())
        .or_else(|| text("/cargo_type/name"));
    Some(CargoDetail {
        card: card(data)?,
        from_address: text("/points/start/address"),
        to_address: text("/points/finish/address"),
        cargo_type,
        shipper_name: text("/shipper/name"),
        shipper_inn: data.pointer("/shipper/inn").and_then(scalar_text),
        company_name: text("/company/name"),
        note: text("/extra/note").filter(|note| !note.trim().is_empty()),
        contacts: data
            .get("contacts")
            .and_then(Value::as_array)
            .map(|contacts| contacts.iter().filter_map(contact).collect())
            .unwrap_or_default(),
        round_trip: flag("/extra/krugoreis"),
        partial_load: flag("/extra/partial_load"),
        source_url: text("/extra/url")
            .filter(|url| url.starts_with("https://") || url.starts_with("http://")),
    })
}

/// A point of the dictionary (a city, a region…): id, name, type.
pub fn point(item: &Value) -> Option<City> {
    let id = u32::try_from(integer(item.get("id")?)?).ok()?;
    let name = item.get("name")?.as_str()?.trim();
    if name.is_empty() {
        return None;
    }
    let point_type = item
        .get("type")
        .and_then(integer)
        .and_then(|t| u8::try_from(t).ok())
        .unwrap_or(2);
    Some(City {
        id,
        name: name.to_owned(),
        point_type,
    })
}

fn contact(value: &Value) -> Option<Contact> {
    let mut raw: Vec<String> = value
        .get("phones")
        .and_then(Value::as_array)
        .map(|phones| phones.iter().filter_map(scalar_text).collect())
        .unwrap_or_default();
    if let Some(phone) = value.get("phone").and_then(scalar_text) {
        raw.push(phone);
    }
    let phones: Vec<Phone> = raw
        .into_iter()
        .filter(|display| !display.trim().is_empty())
        .map(|display| Phone {
            tel: normalize_phone(&display),
            display,
        })
        .collect();
    let name = value.get("name").and_then(Value::as_str).map(str::to_owned);
    if phones.is_empty() && name.is_none() {
        return None;
    }
    Some(Contact {
        kind: value
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("contact")
            .to_owned(),
        name,
        phones,
    })
}

fn payment(item: &Value) -> Option<PaymentTerms> {
    let payment = item.get("payment")?;
    let flag = |name: &str| payment.get(name).is_some_and(truthy);
    Some(PaymentTerms {
        with_vat: payment.get("vat").filter(|v| !v.is_null()).map(truthy),
        cash: flag("cash"),
        prepayment: flag("prepayment"),
        delay_days: payment
            .get("delay_days")
            .and_then(integer)
            .and_then(|d| u32::try_from(d).ok()),
    })
}

fn pills(value: Option<&Value>) -> Vec<Pill> {
    let Some(items) = value.and_then(Value::as_array) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| {
            let id = u32::try_from(integer(item.get("id")?)?).ok()?;
            let name = item
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let short_name = item
                .get("short_name")
                .and_then(Value::as_str)
                .filter(|short| !short.is_empty())
                .map_or_else(|| name.clone(), str::to_owned);
            Some(Pill {
                id,
                name,
                short_name,
            })
        })
        .collect()
}

/// A whole number written as a number or as a string of digits.
fn integer(value: &Value) -> Option<u64> {
    match value {
        Value::Number(number) => number.as_u64().or_else(|| {
            number
                .as_f64()
                .filter(|f| *f >= 0.0)
                .map(|f| f.round() as u64)
        }),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

fn number(value: Option<&Value>) -> Option<f64> {
    match value? {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => text.trim().replace(',', ".").parse().ok(),
        _ => None,
    }
    .filter(|value: &f64| value.is_finite() && *value >= 0.0)
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

fn truthy(value: &Value) -> bool {
    match value {
        Value::Bool(flag) => *flag,
        Value::Number(number) => number.as_f64().is_some_and(|n| n != 0.0),
        Value::String(text) => matches!(text.as_str(), "1" | "true" | "yes"),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
