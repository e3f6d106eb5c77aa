//! CargoTech's loading and body type dictionaries (id, name, short name), built in: the filter
//! form offers them, and the sandbox exchange uses the same ids. Cities come from the exchange's
//! points dictionary (`GET /api/v1/cities?q=…`).

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

/// A city from the exchange's points dictionary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct City {
    pub id: u32,
    pub name: String,
    /// The point `type` to send back with the id.
    pub point_type: u8,
}

/// The points dictionary's types that name one settlement (a city, a town), not a region.
pub const SETTLEMENT_POINT_TYPES: [u8; 2] = [1, 2];

pub const LOAD_TYPES: [(u32, &str, &str); 5] = [
    (1, "Задняя", "зад."),
    (2, "Боковая", "бок."),
    (3, "Верхняя", "верх."),
    (4, "Полная растентовка", "раст."),
    (5, "Гидроборт", "гидроб."),
];

pub const TRUCK_TYPES: [(u32, &str, &str); 8] = [
    (1, "Тент", "тент"),
    (2, "Рефрижератор", "реф."),
    (3, "Изотерм", "изот."),
    (4, "Бортовой", "борт"),
    (5, "Контейнер", "конт."),
    (6, "Цельнометаллический фургон", "цмф"),
    (7, "Трал", "трал"),
    (8, "Самосвал", "самосв."),
];

const LOAD_TYPES_EN: [(u32, &str, &str); 5] = [
    (1, "Rear", "rear"),
    (2, "Side", "side"),
    (3, "Top", "top"),
    (4, "Curtains fully open", "curtains"),
    (5, "Tail lift", "tail lift"),
];

const TRUCK_TYPES_EN: [(u32, &str, &str); 8] = [
    (1, "Curtainsider", "curtain"),
    (2, "Refrigerated", "reefer"),
    (3, "Insulated", "insulated"),
    (4, "Flatbed", "flatbed"),
    (5, "Container", "container"),
    (6, "Box van", "box van"),
    (7, "Lowboy", "lowboy"),
    (8, "Dump truck", "dump"),
];

/// The loading types, named in `lang` (the exchange's own names are the Russian ones).
pub fn load_types(lang: Lang) -> &'static [(u32, &'static str, &'static str)] {
    match lang {
        Lang::Ru => &LOAD_TYPES,
        Lang::En => &LOAD_TYPES_EN,
    }
}

/// The body types, named in `lang`.
pub fn truck_types(lang: Lang) -> &'static [(u32, &'static str, &'static str)] {
    match lang {
        Lang::Ru => &TRUCK_TYPES,
        Lang::En => &TRUCK_TYPES_EN,
    }
}

/// The short name of a dictionary id, if it is known.
pub fn short_name_of(
    dictionary: &'static [(u32, &'static str, &'static str)],
    id: u32,
) -> Option<&'static str> {
    dictionary
        .iter()
        .find(|(known, _, _)| *known == id)
        .map(|(_, _, short)| *short)
}

/// The name of a dictionary id, if it is known.
pub fn name_of(
    dictionary: &'static [(u32, &'static str, &'static str)],
    id: u32,
) -> Option<&'static str> {
    dictionary
        .iter()
        .find(|(known, _, _)| *known == id)
        .map(|(_, name, _)| *name)
}
