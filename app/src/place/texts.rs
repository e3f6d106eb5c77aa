//! The words of the searches by place, in Russian and English; the pages' live in their own
//! chunk, the links to them (a few words) go with the list and the card.

use crate::i18n::{Lang, use_texts};

pub struct PlaceTexts {
    pub near_title: &'static str,
    pub radius: &'static str,
    pub find_near: &'static str,
    pub locating: &'static str,
    pub refused: &'static str,
    pub unavailable: &'static str,
    pub choose_city: &'static str,
    pub city: &'static str,
    pub searched_in: &'static str,
    pub from_you: &'static str,
    pub along_title: &'static str,
    pub route_from: &'static str,
    pub route_to: &'static str,
    pub corridor: &'static str,
    pub find_along: &'static str,
    pub detour: &'static str,
    pub on_the_way: &'static str,
    pub back_title: &'static str,
    pub toward: &'static str,
    pub from_unloading: &'static str,
    pub nothing: &'static str,
    pub pick_both: &'static str,
    pub near_link: &'static str,
    pub along_link: &'static str,
}

const RU: PlaceTexts = PlaceTexts {
    near_title: "Грузы рядом",
    radius: "Радиус",
    find_near: "Найти грузы рядом со мной",
    locating: "Определяем, где вы…",
    refused: "Вы не поделились местоположением — ничего страшного. Выберите город, рядом с которым искать:",
    unavailable: "Не удалось определить, где вы. Выберите город, рядом с которым искать:",
    choose_city: "Искать рядом с городом",
    city: "Город",
    searched_in: "Ищем в городах",
    from_you: "км от вас",
    along_title: "Грузы по пути",
    route_from: "Откуда еду",
    route_to: "Куда еду",
    corridor: "Не дальше от дороги",
    find_along: "Найти грузы по пути",
    detour: "км крюк",
    on_the_way: "без крюка",
    back_title: "Обратный груз",
    toward: "В сторону",
    from_unloading: "км от выгрузки",
    nothing: "Подходящих грузов нет. Попробуйте радиус побольше.",
    pick_both: "Выберите оба города из подсказок",
    near_link: "📍 Рядом",
    along_link: "🛣 По пути",
};

const EN: PlaceTexts = PlaceTexts {
    near_title: "Loads near me",
    radius: "Radius",
    find_near: "Find loads near me",
    locating: "Finding where you are…",
    refused: "You chose not to share your location — that's fine. Choose a city to search near:",
    unavailable: "We could not tell where you are. Choose a city to search near:",
    choose_city: "Search near a city",
    city: "City",
    searched_in: "Searching in",
    from_you: "km from you",
    along_title: "Loads on the way",
    route_from: "From",
    route_to: "To",
    corridor: "At most off the road",
    find_along: "Find loads on the way",
    detour: "km detour",
    on_the_way: "no detour",
    back_title: "Return load",
    toward: "Towards",
    from_unloading: "km from unloading",
    nothing: "No suitable loads. Try a larger radius.",
    pick_both: "Pick both cities from the suggestions",
    near_link: "📍 Near me",
    along_link: "🛣 On the way",
};

pub fn use_place_texts() -> &'static PlaceTexts {
    match use_texts().lang {
        Lang::Ru => &RU,
        Lang::En => &EN,
    }
}
