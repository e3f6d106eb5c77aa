//! The dashboard speaks English or Russian. The server renders the language the `admin_lang`
//! cookie names, else the one `Accept-Language` prefers (Russian only when it ranks Russian above
//! English), and writes it into `<html lang>`, where the browser picks it up before hydrating.
//! Switching re-renders the pages at once and keeps the choice in the cookie for a year.

mod en;
mod ru;
mod texts;

use leptos::prelude::*;

pub use texts::*;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    En,
    Ru,
}

/// The cookie that keeps the chosen language, readable by the page's script.
pub const COOKIE: &str = "admin_lang";

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ru];

    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Ru => "ru",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|lang| lang.code() == code)
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Self::En => &en::TEXTS,
            Self::Ru => &ru::TEXTS,
        }
    }

    /// What a request asks for: its `Cookie` and `Accept-Language` headers.
    pub fn of_request(cookie: Option<&str>, accept_language: Option<&str>) -> Self {
        cookie
            .and_then(Self::from_cookie)
            .or_else(|| accept_language.and_then(Self::from_accept_language))
            .unwrap_or_default()
    }

    /// The language a `Cookie` header chose, if any.
    fn from_cookie(header: &str) -> Option<Self> {
        header
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == COOKIE)
            .and_then(|(_, value)| Self::parse(value.trim()))
    }

    /// The language of the highest-ranked entry we speak (the first one on a tie).
    fn from_accept_language(header: &str) -> Option<Self> {
        let mut best: Option<(Self, f32)> = None;
        for entry in header.split(',') {
            let mut parts = entry.split(';');
            let tag = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let weight = parts
                .find_map(|part| part.trim().strip_prefix("q="))
                .map_or(1.0, |q| q.trim().parse().unwrap_or(0.0));
            let primary = tag.split('-').next().unwrap_or_default();
            let Some(lang) = Self::parse(primary) else {
                continue;
            };
            if weight > 0.0 && best.is_none_or(|(_, top)| weight > top) {
                best = Some((lang, weight));
            }
        }
        best.map(|(lang, _)| lang)
    }

    /// Which of a counted noun's forms `n` takes: 0 one, 1 few, 2 many.
    pub fn plural(self, n: u64) -> usize {
        match self {
            Self::En if n == 1 => 0,
            Self::En => 2,
            // 1 день, 21 день; 2 дня, 24 дня; 5 дней, 11 дней, 12 дней.
            Self::Ru => match (n % 10, n % 100) {
                (1, rest) if rest != 11 => 0,
                (2..=4, rest) if !(12..=14).contains(&rest) => 1,
                _ => 2,
            },
        }
    }
}

/// The language the page was first rendered in: on the server, what the request asked for (the
/// page handler provides it); in the browser, what the server wrote into `<html lang>`, so
/// hydration meets the very same texts.
pub fn first_lang() -> Lang {
    #[cfg(feature = "hydrate")]
    {
        document()
            .document_element()
            .and_then(|html| html.get_attribute("lang"))
            .and_then(|code| Lang::parse(&code))
            .unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        use_context::<Lang>().unwrap_or_default()
    }
}

/// Keeps the choice for the next page the server renders, and tells the document.
pub fn remember(lang: Lang) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;

        let document = document();
        if let Some(html) = document.document_element() {
            let _ = html.set_attribute("lang", lang.code());
        }
        if let Ok(document) = document.dyn_into::<web_sys::HtmlDocument>() {
            let _ = document.set_cookie(&format!(
                "{COOKIE}={}; Path=/admin; Max-Age=31536000; SameSite=Strict",
                lang.code()
            ));
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = lang;
}

/// The texts of the page being rendered; pages are rendered again when the language changes.
pub fn use_texts() -> &'static Texts {
    use_context::<&'static Texts>().unwrap_or(Lang::En.texts())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_wins_over_the_browser() {
        assert_eq!(
            Lang::of_request(Some("hauler_admin=x; admin_lang=ru"), Some("en-US")),
            Lang::Ru
        );
        assert_eq!(
            Lang::of_request(Some("admin_lang=en"), Some("ru-RU,ru;q=0.9")),
            Lang::En
        );
    }

    #[test]
    fn without_a_cookie_a_browser_preferring_russian_gets_russian() {
        assert_eq!(
            Lang::of_request(None, Some("ru-RU,ru;q=0.9,en;q=0.8")),
            Lang::Ru
        );
        assert_eq!(
            Lang::of_request(None, Some("de-DE,ru;q=0.8,en;q=0.5")),
            Lang::Ru
        );
        assert_eq!(Lang::of_request(Some("other=1"), Some("RU")), Lang::Ru);
    }

    #[test]
    fn everyone_else_gets_english() {
        assert_eq!(Lang::of_request(None, None), Lang::En);
        assert_eq!(
            Lang::of_request(None, Some("en-US,en;q=0.9,ru;q=0.8")),
            Lang::En
        );
        assert_eq!(Lang::of_request(None, Some("de-DE,fr;q=0.9")), Lang::En);
        assert_eq!(Lang::of_request(None, Some("ru;q=0")), Lang::En);
        assert_eq!(Lang::of_request(Some("admin_lang=de"), Some("*")), Lang::En);
        assert_eq!(Lang::of_request(None, Some("rus,ru-x;q=oops")), Lang::En);
    }

    #[test]
    fn counts_take_the_right_form() {
        let ru = Lang::Ru.texts();
        assert_eq!(ru.count(1, ru.nouns.day), "1 день");
        assert_eq!(ru.count(2, ru.nouns.day), "2 дня");
        assert_eq!(ru.count(5, ru.nouns.day), "5 дней");
        assert_eq!(ru.count(11, ru.nouns.day), "11 дней");
        assert_eq!(ru.count(14, ru.nouns.day), "14 дней");
        assert_eq!(ru.count(21, ru.nouns.day), "21 день");
        assert_eq!(ru.count(23, ru.nouns.day), "23 дня");
        assert_eq!(ru.count(111, ru.nouns.day), "111 дней");
        let en = Lang::En.texts();
        assert_eq!(en.count(1, en.nouns.day), "1 day");
        assert_eq!(en.count(2, en.nouns.day), "2 days");
        assert_eq!(en.count(0, en.nouns.entry), "0 entries");
    }
}
