//! The shipper page's words, in Russian and English, with the page in its own chunk.

use crate::i18n::{Lang, use_texts};

pub struct ShipperTexts {
    pub title: &'static str,
    pub inn: &'static str,
    pub seen: &'static str,
    seen_days: &'static str,
    pub loads: &'static str,
    pub reposted: &'static str,
    pub repriced: &'static str,
    pub rate: &'static str,
    pub too_few_to_compare: &'static str,
    pub reports: &'static str,
    pub agreed: &'static str,
    pub no_answer: &'static str,
    pub already_gone: &'static str,
    pub not_paid: &'static str,
    waiting: &'static str,
    pub not_seen: &'static str,
    /// How the score is made, in one sentence (the server's `domain::shippers::score`).
    pub formula: &'static str,
}

const RU: ShipperTexts = ShipperTexts {
    title: "Грузоотправитель",
    inn: "ИНН",
    seen: "На бирже",
    seen_days: "{n} дн., с {date}",
    loads: "Грузов",
    reposted: "Перевыставлены",
    repriced: "Меняли цену",
    rate: "₽/км к медиане маршрута",
    too_few_to_compare: "мало грузов для сравнения",
    reports: "Отзывы водителей Hauler",
    agreed: "Договорились",
    no_answer: "Не ответили",
    already_gone: "Груз уже ушёл",
    not_paid: "Не заплатили",
    waiting: "Ещё {n} ждут проверки модератором",
    not_seen: "Hauler ещё не видел грузов этого отправителя",
    formula: "Оценка — это 50 баллов, плюс 1 за каждую неделю на бирже (до 20), минус 20 × доля перевыставленных или переоценённых грузов, плюс 20 × превышение ставки ₽/км над медианой маршрута (в пределах ±10), плюс 5 за каждое «договорились», минус 5 за каждое «не ответили» или «груз уже ушёл» и минус 20 за каждое «не заплатили» — считаются только отзывы, проверенные модератором.",
};

const EN: ShipperTexts = ShipperTexts {
    title: "Shipper",
    inn: "INN",
    seen: "On the exchange",
    seen_days: "{n} days, since {date}",
    loads: "Loads",
    reposted: "Re-posted",
    repriced: "Re-priced",
    rate: "₽/km against the route's median",
    too_few_to_compare: "too few loads to compare",
    reports: "Hauler drivers' reports",
    agreed: "We agreed",
    no_answer: "No answer",
    already_gone: "Load already gone",
    not_paid: "Not paid",
    waiting: "{n} more wait for a moderator",
    not_seen: "Hauler has not seen a load of this shipper yet",
    formula: "The score is 50 points, plus 1 for each week on the exchange (up to 20), minus 20 × the share of loads re-posted or re-priced, plus 20 × how far its ₽/km is above the route's median (within ±10), plus 5 for each “we agreed”, minus 5 for each “no answer” or “load already gone” and minus 20 for each “not paid” — only reports a moderator approved count.",
};

/// The page's texts in the language the rest of the app speaks.
pub fn use_shipper_texts() -> &'static ShipperTexts {
    if std::ptr::eq(use_texts(), Lang::En.texts()) {
        &EN
    } else {
        &RU
    }
}

impl ShipperTexts {
    /// "12 дн., с 24.11.2026" from the days and the first sighting (RFC 3339).
    pub fn seen_for(&self, days: u32, first_seen_at: &str) -> String {
        let date = first_seen_at.get(..10).map_or_else(String::new, |day| {
            let mut parts = day.split('-');
            match (parts.next(), parts.next(), parts.next()) {
                (Some(year), Some(month), Some(day)) => format!("{day}.{month}.{year}"),
                _ => day.to_owned(),
            }
        });
        self.seen_days
            .replace("{n}", &days.to_string())
            .replace("{date}", &date)
    }

    pub fn pending(&self, count: u32) -> String {
        self.waiting.replace("{n}", &count.to_string())
    }
}
