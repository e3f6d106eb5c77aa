//! The sandbox exchange's data: real Russian cities, the body and loading dictionaries, and a
//! deterministic set of loads made from a seed (the same seed always gives the same loads).

pub use app::cargo::dictionary::{LOAD_TYPES, TRUCK_TYPES};
use serde_json::{Value, json};

/// Name, latitude, longitude.
pub const CITIES: [(&str, f64, f64); 48] = [
    ("Москва", 55.7558, 37.6173),
    ("Санкт-Петербург", 59.9343, 30.3351),
    ("Казань", 55.7963, 49.1088),
    ("Нижний Новгород", 56.2965, 43.9361),
    ("Екатеринбург", 56.8389, 60.6057),
    ("Новосибирск", 55.0084, 82.9357),
    ("Самара", 53.1959, 50.1002),
    ("Ростов-на-Дону", 47.2357, 39.7015),
    ("Краснодар", 45.0355, 38.9753),
    ("Воронеж", 51.6720, 39.1843),
    ("Пермь", 58.0105, 56.2502),
    ("Уфа", 54.7388, 55.9721),
    ("Челябинск", 55.1644, 61.4368),
    ("Омск", 54.9885, 73.3242),
    ("Волгоград", 48.7080, 44.5133),
    ("Саратов", 51.5331, 46.0342),
    ("Тюмень", 57.1530, 65.5343),
    ("Ярославль", 57.6261, 39.8845),
    ("Тверь", 56.8587, 35.9176),
    ("Тула", 54.1931, 37.6173),
    ("Рязань", 54.6269, 39.6916),
    ("Калуга", 54.5293, 36.2754),
    ("Смоленск", 54.7826, 32.0453),
    ("Брянск", 53.2521, 34.3717),
    ("Курск", 51.7304, 36.1926),
    ("Белгород", 50.5997, 36.5983),
    ("Липецк", 52.6031, 39.5708),
    ("Пенза", 53.1959, 45.0183),
    ("Ульяновск", 54.3142, 48.4031),
    ("Оренбург", 51.7682, 55.0969),
    ("Набережные Челны", 55.7436, 52.3958),
    ("Ижевск", 56.8526, 53.2045),
    ("Киров", 58.6036, 49.6680),
    ("Вологда", 59.2181, 39.8886),
    ("Архангельск", 64.5393, 40.5170),
    ("Мурманск", 68.9585, 33.0827),
    ("Псков", 57.8136, 28.3496),
    ("Великий Новгород", 58.5215, 31.2755),
    ("Калининград", 54.7104, 20.4522),
    ("Ставрополь", 45.0428, 41.9734),
    ("Новороссийск", 44.7239, 37.7688),
    ("Астрахань", 46.3479, 48.0336),
    ("Красноярск", 56.0153, 92.8932),
    ("Иркутск", 52.2870, 104.3050),
    ("Владимир", 56.1291, 40.4066),
    ("Иваново", 57.0000, 40.9739),
    ("Кострома", 57.7677, 40.9264),
    ("Чебоксары", 56.1439, 47.2489),
];

/// The points dictionary's type for a city.
pub const CITY_POINT_TYPE: u8 = 2;

/// (id, name, short name): shared with the real server as its built-in dictionary.
const NOTES: [&str; 6] = [
    "Погрузка с 8:00 до 17:00.\nДокументы у кладовщика, пропуск заказываем заранее.",
    "Груз на паллетах, 33 места.\nРастентовка не нужна.\nОплата по оригиналам ТТН.",
    "Температурный режим +2…+6.\nТермописец обязателен.",
    "Выгрузка в ТЦ, въезд с ул. Складской.\nЗвонить за час до приезда.",
    "Ремни 6 шт., углы.\nМожно догруз до 5 т по пути.",
    "Срочно!\nПодача машины сегодня до 14:00.",
];

const SHIPPERS: [(&str, &str); 6] = [
    ("ООО «Северный Путь»", "7707083893"),
    ("ООО «ТрансЛогистик»", "7736050003"),
    ("АО «Агрокомплекс»", "2310031475"),
    ("ООО «Волга-Маркет»", "1655065554"),
    ("ИП Смирнов А. В.", "500100732259"),
    ("ООО «Уральская сталь»", "6661004661"),
];

/// One load on the sandbox exchange.
#[derive(Debug, Clone)]
pub struct Load {
    pub id: u64,
    pub from: usize,
    pub to: usize,
    pub distance_km: u32,
    pub weight_kg: u32,
    pub volume_m3: Option<f64>,
    pub price_kopecks: u64,
    pub carrier_price_kopecks: Option<u64>,
    pub load_types: Vec<u32>,
    pub truck_types: Vec<u32>,
    /// Minutes after the catalog's epoch.
    pub loading_at_minutes: u32,
    /// When the shipper posted it, seconds after the catalog's epoch (before it: negative). The
    /// seed's loads were posted over the two days before the epoch; loads posted while the
    /// exchange runs carry the moment they were posted.
    pub posted_at_seconds: i64,
    pub note: Option<usize>,
    pub shipper: usize,
    pub with_vat: bool,
    pub prepayment: bool,
    pub round_trip: bool,
    pub partial_load: bool,
    /// Some items come back with fields missing, as the real exchange's do.
    pub sparse: bool,
}

impl Load {
    /// The price a driver sees: the carrier's, unless the item leaves it out.
    pub fn shown_price_kopecks(&self) -> u64 {
        match self.carrier_price_kopecks {
            Some(carrier) if !self.sparse => carrier,
            _ => self.price_kopecks,
        }
    }
}

/// A small, fast, deterministic generator (SplitMix64): data must not depend on a crate's RNG.
pub struct Seeded(u64);

impl Seeded {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Great-circle distance in km.
pub fn distance_km(a: usize, b: usize) -> f64 {
    let (_, lat1, lon1) = CITIES[a];
    let (_, lat2, lon2) = CITIES[b];
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    6371.0 * 2.0 * h.sqrt().asin()
}

/// The posting moment, seconds after the epoch, of a seeded load posted `minutes_ago` whole
/// minutes before it: within the minute, a later id was posted later (the exchange lists the
/// newest first, a later id first among loads of one minute).
fn seconds_posted(minutes_ago: u64, id: u64) -> i64 {
    let within = (id.saturating_sub(100_000) * 60 / 3_001).min(59);
    -60 * minutes_ago as i64 - 59 + within as i64
}

/// Whole minutes before the epoch a seeded load was posted.
fn minutes_ago(load: &Load) -> u64 {
    u64::try_from(-load.posted_at_seconds).unwrap_or(0) / 60
}

/// A load made from the generator, with id `id`. Popular cities (the first ten) come up most.
pub fn make_load(id: u64, random: &mut Seeded) -> Load {
    let city = |random: &mut Seeded| {
        if random.below(100) < 60 {
            random.below(10) as usize
        } else {
            random.below(CITIES.len() as u64) as usize
        }
    };
    let from = city(random);
    let mut to = city(random);
    if to == from {
        to = (from + 1 + random.below(CITIES.len() as u64 - 1) as usize) % CITIES.len();
    }
    let distance_km = (distance_km(from, to) * 1.2).round().max(30.0) as u32;
    let weight_kg = 500 + 500 * random.below(40) as u32;
    let rub_per_km = 35 + random.below(56);
    let price_kopecks = (u64::from(distance_km) * rub_per_km / 100 * 100 + 1000) * 100;
    let types = |random: &mut Seeded, of: &[(u32, &str, &str)]| {
        let first = of[random.below(of.len() as u64) as usize].0;
        let mut ids = vec![first];
        if random.below(3) == 0 {
            let second = of[random.below(of.len() as u64) as usize].0;
            if second != first {
                ids.push(second);
            }
        }
        ids
    };
    Load {
        id,
        from,
        to,
        distance_km,
        weight_kg,
        volume_m3: (random.below(10) != 0).then(|| 3.0 + random.below(90) as f64),
        price_kopecks,
        carrier_price_kopecks: (random.below(5) != 0).then(|| price_kopecks * 95 / 100),
        load_types: types(random, &LOAD_TYPES),
        truck_types: if random.below(12) == 0 {
            Vec::new()
        } else {
            types(random, &TRUCK_TYPES)
        },
        loading_at_minutes: 60 * (8 + random.below(24 * 10) as u32),
        posted_at_seconds: seconds_posted(random.below(60 * 48), id),
        note: (random.below(4) == 0).then(|| random.below(NOTES.len() as u64) as usize),
        shipper: random.below(SHIPPERS.len() as u64) as usize,
        with_vat: random.below(2) == 0,
        prepayment: random.below(5) == 0,
        round_trip: random.below(8) == 0,
        partial_load: random.below(6) == 0,
        sparse: random.below(15) == 0,
    }
}

pub fn shipper_inn(load: &Load) -> &'static str {
    SHIPPERS[load.shipper].1
}

/// The shipper with this INN, by its place in the catalog.
pub fn shipper_with_inn(inn: &str) -> Option<usize> {
    SHIPPERS.iter().position(|(_, known)| *known == inn)
}

pub fn city_named(name: &str) -> Option<usize> {
    CITIES.iter().position(|(known, _, _)| *known == name)
}

/// Every `REPOST_EVERY`th load of a catalog is a shipper posting an earlier load of theirs again
/// (same route, loading date and weight) at a slightly different price, later, under a new number.
const REPOST_EVERY: usize = 40;

/// Makes some loads re-posts of earlier ones, as shippers on the real exchange do.
pub fn with_reposts(mut loads: Vec<Load>) -> Vec<Load> {
    for at in (REPOST_EVERY - 1..loads.len()).step_by(REPOST_EVERY) {
        let original = loads[at - 5].clone();
        let copy = &mut loads[at];
        *copy = Load {
            id: copy.id,
            price_kopecks: original.price_kopecks * 97 / 100 / 100 * 100,
            carrier_price_kopecks: original
                .carrier_price_kopecks
                .map(|price| price * 97 / 100 / 100 * 100),
            posted_at_seconds: seconds_posted(minutes_ago(&original) / 2, copy.id),
            note: copy.note,
            ..original
        };
    }
    loads
}

pub fn loading_at(
    load: &Load,
    epoch: chrono::DateTime<chrono::Utc>,
) -> chrono::DateTime<chrono::Utc> {
    epoch + chrono::Duration::minutes(load.loading_at_minutes.into())
}

fn iso(epoch: chrono::DateTime<chrono::Utc>, minutes: i64, zulu: bool) -> String {
    let at = epoch + chrono::Duration::minutes(minutes);
    if zulu {
        at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        at.format("%Y-%m-%dT%H:%M:%S").to_string()
    }
}

/// When the load was posted, as the exchange writes it: in UTC (`Z`) or in Moscow time with its
/// offset (`+03:00`), both seen in its traffic.
fn posted_at(load: &Load, epoch: chrono::DateTime<chrono::Utc>) -> String {
    let at = epoch + chrono::Duration::seconds(load.posted_at_seconds);
    if load.id.is_multiple_of(2) {
        at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        let moscow = chrono::FixedOffset::east_opt(3 * 3600).expect("a valid offset");
        at.with_timezone(&moscow)
            .format("%Y-%m-%dT%H:%M:%S%:z")
            .to_string()
    }
}

/// Seconds from `epoch` to now: the posting moment of a load posted now.
pub fn seconds_since(epoch: chrono::DateTime<chrono::Utc>) -> i64 {
    (chrono::Utc::now() - epoch).num_seconds()
}

fn dictionary(ids: &[u32], of: &[(u32, &str, &str)]) -> Value {
    ids.iter()
        .filter_map(|id| of.iter().find(|(known, _, _)| known == id))
        .map(|(id, name, short)| json!({"id": id, "name": name, "short_name": short}))
        .collect()
}

/// The list item, as `/v2/cargos/views` writes it.
pub fn list_item(load: &Load, epoch: chrono::DateTime<chrono::Utc>) -> Value {
    // A truck covers about 600 km a day.
    let unloading =
        i64::from(load.loading_at_minutes) + i64::from(load.distance_km) * 24 * 60 / 600 + 8 * 60;
    let mut item = json!({
        "id": load.id,
        "distance": load.distance_km,
        "weight": load.weight_kg,
        "volume": load.volume_m3,
        "price": load.price_kopecks,
        "price_carrier": load.carrier_price_kopecks,
        "created_at": posted_at(load, epoch),
        "points": {
            "start": {"city": {"id": load.from + 1, "name": CITIES[load.from].0}, "first_date": iso(epoch, load.loading_at_minutes.into(), false)},
            "finish": {"city": {"id": load.to + 1, "name": CITIES[load.to].0}, "first_date": iso(epoch, unloading, true)}
        },
        "load_types": dictionary(&load.load_types, &LOAD_TYPES),
        "truck_types": dictionary(&load.truck_types, &TRUCK_TYPES),
        "payment": {"vat": load.with_vat, "cash": !load.with_vat && load.id.is_multiple_of(3), "prepayment": load.prepayment, "delay_days": if load.prepayment { 0 } else { 5 + load.id % 10 }},
    });
    if load.sparse {
        // What the real exchange does now and then: null and missing fields.
        item["volume"] = Value::Null;
        item["points"]["finish"]
            .as_object_mut()
            .map(|finish| finish.remove("first_date"));
        item.as_object_mut()
            .map(|object| object.remove("price_carrier"));
    }
    item
}

/// The detail, as `/v1/carrier/cargos/{id}` writes it.
pub fn detail(load: &Load, epoch: chrono::DateTime<chrono::Utc>) -> Value {
    let mut data = list_item(load, epoch);
    let (shipper, inn) = SHIPPERS[load.shipper];
    data["points"]["start"]["address"] = json!(format!(
        "{}, ул. Складская, {}",
        CITIES[load.from].0,
        1 + load.id % 40
    ));
    data["points"]["finish"]["address"] = json!(format!(
        "{}, промзона, стр. {}",
        CITIES[load.to].0,
        1 + load.id % 17
    ));
    data["shipper"] = json!({"name": shipper, "inn": inn});
    data["company"] = json!({"name": shipper});
    let cargo_types = [
        "Продукты питания",
        "Стройматериалы",
        "Оборудование",
        "ТНП",
        "Металл",
    ];
    data["cargo_type"] = json!({"name": cargo_types[(load.id % 5) as usize]});
    data["contacts"] = json!([
        {"type": "broker", "name": "Анна, логист", "phones": [format!("8 (9{:02}) {:03}-{:02}-{:02}", load.id % 100, load.id % 1000, load.id % 97, load.id % 89)]},
        {"type": "company", "name": shipper, "phone": "+7 495 123-45-67"}
    ]);
    data["extra"] = json!({
        "note": load.note.map(|index| NOTES[index]),
        "note_valid": load.note.is_some(),
        "krugoreis": load.round_trip,
        "partial_load": load.partial_load,
        "custom_cargo_type": if load.id.is_multiple_of(11) { Value::from("Замороженная рыба") } else { Value::Null },
        "external_inn": inn,
        "integrate": false,
        "integrate_contacts": false,
        "is_delete_from_archive": false,
        "url": format!("https://cargotech.pro/cargo/{}", load.id)
    });
    data
}
