//! What a driver sees of a load: the card in the list, the detail behind it, and the page of
//! cards with its totals. Built by the server from the exchange's answers (which may lack any
//! field), rendered by the browser; formatting lives here so both render alike.

use serde::{Deserialize, Serialize};

/// A body or loading type from the exchange's dictionary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Pill {
    pub id: u32,
    pub name: String,
    pub short_name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CargoCard {
    pub id: u64,
    pub from_city: Option<String>,
    pub to_city: Option<String>,
    /// The loading city's id in the exchange's points dictionary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_city_id: Option<u32>,
    /// The unloading city's id in the exchange's points dictionary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_city_id: Option<u32>,
    /// As the exchange gives them (ISO-8601); shown with the clock time as given.
    pub loading_at: Option<String>,
    pub unloading_at: Option<String>,
    pub weight_t: Option<f64>,
    pub volume_m3: Option<f64>,
    pub distance_km: Option<u32>,
    /// What the carrier is paid, in kopecks (`price_carrier`, else `price`).
    pub price_kopecks: Option<u64>,
    pub truck_types: Vec<Pill>,
    pub load_types: Vec<Pill>,
    /// When the load was posted on the exchange, as it gives it (ISO-8601).
    pub posted_at: Option<String>,
    /// How long ago the load was posted, in seconds, by the exchange's own timestamp
    /// (`posted_at`), as of this answer (laid over per request, never cached with the load);
    /// absent when the exchange gave no readable timestamp.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_seconds: Option<u64>,
    pub payment: Option<PaymentTerms>,
    /// The exchange's item could not be read in full: only what was readable is shown.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub incomplete: bool,
    /// This driver has already responded to the load (set per driver, never cached).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub responded: bool,
    /// The shipper's mark, once a card of the load named its shipper (laid over per request,
    /// never cached with the load).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipper: Option<super::shipper::ShipperMark>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PaymentTerms {
    pub with_vat: Option<bool>,
    pub cash: bool,
    pub prepayment: bool,
    /// Days until payment after unloading, when the shipper says.
    pub delay_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Phone {
    /// As written by the shipper.
    pub display: String,
    /// `+7XXXXXXXXXX` for a `tel:` link, when the number is Russian and complete.
    pub tel: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Contact {
    /// "broker", "company", … as the exchange says.
    pub kind: String,
    pub name: Option<String>,
    pub phones: Vec<Phone>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CargoDetail {
    pub card: CargoCard,
    pub from_address: Option<String>,
    pub to_address: Option<String>,
    pub cargo_type: Option<String>,
    pub shipper_name: Option<String>,
    pub shipper_inn: Option<String>,
    pub company_name: Option<String>,
    /// The shipper's free-text conditions, line breaks kept; only when present.
    pub note: Option<String>,
    pub contacts: Vec<Contact>,
    pub round_trip: bool,
    pub partial_load: bool,
    pub source_url: Option<String>,
}

/// A card whose detail waits in line for the exchange (`202`): what the list showed of the load
/// now, the detail when it comes (ask again after `ask_again_seconds`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PendingDetail {
    /// The load as the last list showed it; `null` when no list did lately (a bot's link).
    pub card: Option<CargoCard>,
    /// Its place among the cards waiting for the exchange: 1 is next.
    pub position: u32,
    /// About how many seconds until it is fetched.
    pub estimated_seconds: u32,
    /// When to ask again, in seconds (the `Retry-After` header says the same): soon enough to
    /// keep the place in line, not so often that waiting costs a request a second.
    pub ask_again_seconds: u32,
}

/// A page of loads still on its way (`202`): every call the exchange allows is taken for now, and
/// the question waits for one (the fetch goes on without the driver). Ask again after
/// `ask_again_seconds`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PendingPage {
    /// About how many seconds until the exchange has a call for it.
    pub estimated_seconds: u32,
    /// When to ask again, in seconds (the `Retry-After` header says the same).
    pub ask_again_seconds: u32,
}

/// How old the data is when the exchange could not be asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Staleness {
    pub age_seconds: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CargoPage {
    pub cards: Vec<CargoCard>,
    /// All loads matching the filter on the exchange.
    pub total: u64,
    pub offset: u32,
    pub limit: u32,
    /// Set when this is cached data served because the exchange is unavailable.
    pub stale: Option<Staleness>,
    /// Sorted other than newest first, the loads are ordered over the whole result, gathered
    /// up to its first 1,000 (the exchange's order): set when the exchange had more, which are
    /// then left out (`total` is then 1,000).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub capped: bool,
    /// On a first page: loads this driver saw on the first page of the same search last time
    /// that the exchange no longer lists (taken or withdrawn since), newest first, at most 20.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gone: Vec<GoneLoad>,
}

/// A load a driver saw that the exchange no longer lists: enough to recognise it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GoneLoad {
    pub id: u64,
    pub from_city: Option<String>,
    pub to_city: Option<String>,
    pub price_kopecks: Option<u64>,
}

impl GoneLoad {
    pub fn of(card: &CargoCard) -> Self {
        Self {
            id: card.id,
            from_city: card.from_city.clone(),
            to_city: card.to_city.clone(),
            price_kopecks: card.price_kopecks,
        }
    }

    pub fn route(&self) -> String {
        let city = |name: &Option<String>| name.clone().unwrap_or_else(|| "—".into());
        format!("{} → {}", city(&self.from_city), city(&self.to_city))
    }
}

impl CargoCard {
    pub fn route(&self) -> String {
        let city = |name: &Option<String>| name.clone().unwrap_or_else(|| "—".into());
        format!("{} → {}", city(&self.from_city), city(&self.to_city))
    }

    pub fn price_per_km_kopecks(&self) -> Option<u64> {
        match (self.price_kopecks, self.distance_km) {
            (Some(price), Some(km)) if km > 0 => Some(price / u64::from(km)),
            _ => None,
        }
    }
}

/// `35250000` kopecks → `352 500 ₽` (no-break spaces, so it never wraps).
pub fn format_rub(kopecks: u64) -> String {
    format!("{}\u{a0}₽", group_thousands((kopecks + 50) / 100))
}

/// Kopecks per km → `45,5 ₽/км` (one decimal, dropped when zero), with `km` as the driver's
/// language writes it.
pub fn format_rub_per_km(kopecks: u64, km: &str) -> String {
    let tenths = (kopecks + 5) / 10;
    let (whole, tenth) = (tenths / 10, tenths % 10);
    if tenth == 0 {
        format!("{}\u{a0}₽/{km}", group_thousands(whole))
    } else {
        format!("{},{tenth}\u{a0}₽/{km}", group_thousands(whole))
    }
}

/// `20.5` → `20,5 т`; `1` → `1 т`.
pub fn format_quantity(value: f64, unit: &str) -> String {
    let text = format!("{value:.2}");
    let text = text
        .trim_end_matches('0')
        .trim_end_matches('.')
        .replace('.', ",");
    format!("{text}\u{a0}{unit}")
}

fn group_thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push('\u{a0}');
        }
        grouped.push(digit);
    }
    grouped
}

/// An exchange timestamp (`2026-11-24T09:00:00+03:00`, or a bare date) → `24.11, 09:00`, the
/// clock time as the shipper gave it; a time of midnight is taken as "no time given".
pub fn format_when(iso: &str) -> String {
    let (date, time) = iso.split_once('T').unwrap_or((iso, ""));
    let mut parts = date.splitn(3, '-');
    let (Some(_year), Some(month), Some(day)) = (parts.next(), parts.next(), parts.next()) else {
        return iso.to_owned();
    };
    let day_month = format!("{}.{month}", &day[..day.len().min(2)]);
    match time.get(..5) {
        Some(clock) if clock != "00:00" => format!("{day_month}, {clock}"),
        _ => day_month,
    }
}

/// A Russian number in any common writing → `+7XXXXXXXXXX`; `None` when it is not one.
pub fn normalize_phone(raw: &str) -> Option<String> {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    let national = match digits.len() {
        10 => digits.as_str(),
        11 if digits.starts_with('7') || digits.starts_with('8') => &digits[1..],
        _ => return None,
    };
    Some(format!("+7{national}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_read_as_drivers_write_them() {
        assert_eq!(format_rub(35_250_000), "352\u{a0}500\u{a0}₽");
        assert_eq!(format_rub(99_900), "999\u{a0}₽");
        assert_eq!(format_rub(10_000_000_000), "100\u{a0}000\u{a0}000\u{a0}₽");
        assert_eq!(format_rub(0), "0\u{a0}₽");
        assert_eq!(format_rub_per_km(4_550, "км"), "45,5\u{a0}₽/км");
        assert_eq!(format_rub_per_km(4_000, "км"), "40\u{a0}₽/км");
        assert_eq!(format_rub_per_km(123_456, "km"), "1\u{a0}234,6\u{a0}₽/km");
    }

    #[test]
    fn weights_and_volumes_drop_needless_zeros() {
        assert_eq!(format_quantity(20.0, "т"), "20\u{a0}т");
        assert_eq!(format_quantity(1.5, "т"), "1,5\u{a0}т");
        assert_eq!(format_quantity(82.25, "м³"), "82,25\u{a0}м³");
    }

    #[test]
    fn dates_read_day_first_with_the_shippers_clock_time() {
        assert_eq!(format_when("2026-11-24T09:30:00+03:00"), "24.11, 09:30");
        assert_eq!(format_when("2026-11-24T00:00:00+03:00"), "24.11");
        assert_eq!(format_when("2026-01-05"), "05.01");
        assert_eq!(format_when("завтра"), "завтра");
    }

    #[test]
    fn phones_become_tap_to_call_numbers() {
        for raw in [
            "8 (911) 111-11-11",
            "+7 911 111 11 11",
            "79111111111",
            "911 111 11 11",
        ] {
            assert_eq!(
                normalize_phone(raw).as_deref(),
                Some("+79111111111"),
                "{raw}"
            );
        }
        for raw in ["112", "+380 44 123 4567", "", "доб. 123"] {
            assert_eq!(normalize_phone(raw), None, "{raw}");
        }
    }

    #[test]
    fn a_card_shows_its_route_and_price_per_km() {
        let card = CargoCard {
            from_city: Some("Москва".into()),
            to_city: Some("Казань".into()),
            price_kopecks: Some(8_200_000),
            distance_km: Some(820),
            ..Default::default()
        };
        assert_eq!(card.route(), "Москва → Казань");
        assert_eq!(card.price_per_km_kopecks(), Some(10_000));
        assert_eq!(CargoCard::default().route(), "— → —");
        assert_eq!(CargoCard::default().price_per_km_kopecks(), None);
    }
}
