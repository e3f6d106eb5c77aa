//! The cabinet page's words, in Russian and English, in the page's own chunk.

use crate::i18n::{Lang, use_texts};

pub struct CabinetTexts {
    pub title: &'static str,
    pub intro: &'static str,
    pub my_passes: &'static str,
    pub no_passes: &'static str,
    pub pending: &'static str,
    pub active_until: &'static str,
    pub expired: &'static str,
    pub revoked: &'static str,
    pub hours: &'static str,
    pub buy: &'static str,
    pub plans: &'static str,
    pub paying: &'static str,
    pub token_once: &'static str,
    pub open_here: &'static str,
    pub open_elsewhere: &'static str,
    pub link_hint: &'static str,
}

const RU: CabinetTexts = CabinetTexts {
    title: "Кабинет биржи",
    intro: "Полный веб-кабинет биржи — карты, документы, ставки, чат с грузовладельцами — на \
            компьютере или в браузере, по пропуску на время.",
    my_passes: "Мои пропуска",
    no_passes: "Пропусков пока нет",
    pending: "ждёт оплаты",
    active_until: "действует до {time}",
    expired: "истёк",
    revoked: "отозван",
    hours: "{n} ч",
    buy: "Купить",
    plans: "Купить пропуск",
    paying: "Оплатите пропуск на открывшейся странице: он начнёт действовать сразу после оплаты.",
    token_once: "Код пропуска (показан один раз):",
    open_here: "Открыть",
    open_elsewhere: "Открыть на компьютере",
    link_hint: "Откройте эту ссылку на компьютере. Она сработает один раз до {time}.",
};

const EN: CabinetTexts = CabinetTexts {
    title: "Exchange cabinet",
    intro: "The exchange's full web cabinet — maps, documents, bids, chat with shippers — on a \
            computer or in a browser, with a pass for a set time.",
    my_passes: "My passes",
    no_passes: "No passes yet",
    pending: "awaiting payment",
    active_until: "valid until {time}",
    expired: "expired",
    revoked: "revoked",
    hours: "{n} h",
    buy: "Buy",
    plans: "Buy a pass",
    paying: "Pay for the pass on the page that opened: it starts as soon as it is paid.",
    token_once: "The pass's code (shown once):",
    open_here: "Open",
    open_elsewhere: "Open on a computer",
    link_hint: "Open this link on a computer. It works once, until {time}.",
};

/// The page's texts in the language the rest of the app speaks.
pub fn use_cabinet_texts() -> &'static CabinetTexts {
    if std::ptr::eq(use_texts(), Lang::En.texts()) {
        &EN
    } else {
        &RU
    }
}
