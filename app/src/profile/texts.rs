//! The profile page's words, in Russian and English. They live with the page, in its own chunk,
//! so the loads list downloads none of them.

use super::ProfileProblem;
use crate::i18n::{Lang, use_texts};

pub struct ProfileTexts {
    pub title: &'static str,
    pub language: &'static str,
    pub language_telegram: &'static str,
    pub home_city: &'static str,
    pub truck: &'static str,
    pub body_type: &'static str,
    pub any_body: &'static str,
    pub capacity: &'static str,
    pub any_capacity: &'static str,
    pub alerts: &'static str,
    pub notifications: &'static str,
    pub quiet_hours: &'static str,
    pub quiet_from: &'static str,
    pub quiet_until: &'static str,
    pub quiet_hint: &'static str,
    pub time_zone: &'static str,
    pub time_zone_short: &'static str,
    pub save: &'static str,
    pub saved: &'static str,
    pub invalid: &'static str,
    pub autopay: &'static str,
    pub autopay_on: &'static str,
    pub autopay_off: &'static str,
    pub autopay_none: &'static str,
    pub autopay_stars: &'static str,
    pub autopay_switch_off: &'static str,
    pub autopay_switch_on: &'static str,
    pub autopay_switched_off: &'static str,
    pub autopay_switched_on: &'static str,
    pub autopay_pay: &'static str,
    pub hidden: &'static str,
    pub no_hidden: &'static str,
    pub load_no: &'static str,
    pub hidden_on: &'static str,
    pub bring_back: &'static str,
    pub brought_back: &'static str,
    pub log_out: &'static str,
    pub log_out_hint: &'static str,
}

const RU: ProfileTexts = ProfileTexts {
    title: "Профиль",
    language: "Язык",
    language_telegram: "Как в Telegram",
    home_city: "Домашний город",
    truck: "Машина",
    body_type: "Тип кузова",
    any_body: "Не указан",
    capacity: "Грузоподъёмность",
    any_capacity: "Не указана",
    alerts: "Уведомления",
    notifications: "Присылать новые грузы по сохранённым фильтрам",
    quiet_hours: "Тихие часы",
    quiet_from: "с",
    quiet_until: "до",
    quiet_hint: "В тихие часы бот молчит, а новые грузы приходят, когда они закончатся",
    time_zone: "Часовой пояс телефона: {zone}",
    time_zone_short: "часовой пояс",
    save: "Сохранить",
    saved: "Профиль сохранён",
    invalid: "Проверьте профиль: {field}",
    autopay: "Автоплатёж",
    autopay_on: "Включён: {date} спишем {price} с карты {card}. Бот предупредит за день",
    autopay_off: "Выключен: подписку продлеваете вы сами. Карта {card} сохранена — включить снова можно одним касанием",
    autopay_none: "Выключен: подписку продлеваете вы сами. Автоплатёж включается при оплате картой",
    autopay_stars: "При оплате звёздами Telegram автоплатежа нет: звёзды не списываются сами",
    autopay_switch_off: "Отключить автоплатёж",
    autopay_switch_on: "Включить автоплатёж",
    autopay_switched_off: "Автоплатёж отключён: больше ничего не спишем",
    autopay_switched_on: "Автоплатёж включён",
    autopay_pay: "Оплатить с автоплатежом",
    hidden: "Скрытые грузы",
    no_hidden: "Вы не скрывали грузы",
    load_no: "Груз №{id}",
    hidden_on: "скрыт {date}",
    bring_back: "Вернуть",
    brought_back: "Груз снова в списке",
    log_out: "Выйти",
    log_out_hint: "Чтобы войти снова, откройте Hauler из бота",
};

const EN: ProfileTexts = ProfileTexts {
    title: "Profile",
    language: "Language",
    language_telegram: "As in Telegram",
    home_city: "Home city",
    truck: "Truck",
    body_type: "Body type",
    any_body: "Not set",
    capacity: "Capacity",
    any_capacity: "Not set",
    alerts: "Alerts",
    notifications: "Send new loads for my saved filters",
    quiet_hours: "Quiet hours",
    quiet_from: "from",
    quiet_until: "to",
    quiet_hint: "During quiet hours the bot stays silent; new loads arrive when they end",
    time_zone: "Your phone's time zone: {zone}",
    time_zone_short: "time zone",
    save: "Save",
    saved: "Profile saved",
    invalid: "Check the profile: {field}",
    autopay: "Autopay",
    autopay_on: "On: on {date} we charge {price} to card {card}. The bot warns you a day ahead",
    autopay_off: "Off: you renew by hand. Card {card} is kept — switch autopay on again with one tap",
    autopay_none: "Off: you renew by hand. Autopay starts with a card payment",
    autopay_stars: "Paying in Telegram Stars has no autopay: Stars cannot be charged by themselves",
    autopay_switch_off: "Switch autopay off",
    autopay_switch_on: "Switch autopay on",
    autopay_switched_off: "Autopay is off: nothing more will be charged",
    autopay_switched_on: "Autopay is on",
    autopay_pay: "Pay with autopay",
    hidden: "Hidden loads",
    no_hidden: "You have not hidden any loads",
    load_no: "Load #{id}",
    hidden_on: "hidden {date}",
    bring_back: "Bring back",
    brought_back: "The load is back in the list",
    log_out: "Log out",
    log_out_hint: "To sign in again, open Hauler from the bot",
};

/// The page's texts in the language the rest of the app speaks.
pub fn use_profile_texts() -> &'static ProfileTexts {
    if std::ptr::eq(use_texts(), Lang::En.texts()) {
        &EN
    } else {
        &RU
    }
}

impl ProfileTexts {
    /// What is wrong with the profile, in the driver's words (the server checks the same).
    pub fn problem(&self, problem: ProfileProblem) -> String {
        let field = match problem {
            ProfileProblem::Language => self.language,
            ProfileProblem::HomeCity => self.home_city,
            ProfileProblem::TruckType => self.body_type,
            ProfileProblem::QuietHours => self.quiet_hours,
            ProfileProblem::UtcOffset => self.time_zone_short,
        };
        self.invalid.replace("{field}", field)
    }
}
