//! The driver UI speaks Russian, and English when Telegram says the driver's language is English.

use leptos::prelude::*;

use crate::telegram;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ru,
    En,
}

/// Russian until the browser learns the driver's Telegram language.
pub fn provide_lang() -> Signal<Lang> {
    let lang = RwSignal::new(Lang::Ru);
    Effect::new(move |_| {
        if telegram::language().is_some_and(|code| code == "en" || code.starts_with("en-")) {
            lang.set(Lang::En);
        }
    });
    let lang = Signal::from(lang);
    provide_context(lang);
    lang
}

pub struct Texts {
    pub hello: &'static str,
    pub open_from_telegram: &'static str,
    pub expired: &'static str,
    pub not_confirmed: &'static str,
    pub damaged: &'static str,
    pub banned: &'static str,
    pub no_connection: &'static str,
}

const RU: Texts = Texts {
    hello: "Здравствуйте",
    open_from_telegram: "Откройте Hauler из Telegram: через кнопку в боте вход произойдёт сам",
    expired: "Сеанс входа устарел. Закройте приложение и откройте его снова из бота",
    not_confirmed: "Не удалось подтвердить вход через Telegram. Откройте приложение из бота",
    damaged: "Данные входа повреждены. Закройте приложение и откройте его снова из бота",
    banned: "Доступ к Hauler для этого аккаунта закрыт",
    no_connection: "Нет связи с сервером. Проверьте интернет и попробуйте ещё раз",
};

const EN: Texts = Texts {
    hello: "Hello",
    open_from_telegram: "Open Hauler from Telegram: the bot's button signs you in",
    expired: "Your sign-in has expired. Close the app and open it again from the bot",
    not_confirmed: "Telegram sign-in could not be confirmed. Open the app from the bot",
    damaged: "The sign-in data is damaged. Close the app and open it again from the bot",
    banned: "Access to Hauler is closed for this account",
    no_connection: "No connection to the server. Check the internet and try again",
};

impl Lang {
    pub fn texts(self) -> &'static Texts {
        match self {
            Self::Ru => &RU,
            Self::En => &EN,
        }
    }
}

impl Texts {
    /// What to tell a driver whose sign-in was refused with `code`.
    pub fn refusal(&self, code: &str) -> &'static str {
        match code {
            "init_data_expired" => self.expired,
            "init_data_bad_signature" => self.not_confirmed,
            "init_data_missing" => self.open_from_telegram,
            "init_data_malformed" => self.damaged,
            "driver_banned" => self.banned,
            _ => self.no_connection,
        }
    }
}
