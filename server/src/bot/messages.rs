//! What the bot writes. Russian, or English when the driver's Telegram language is English; HTML
//! formatting with everything from the exchange escaped.

use app::{
    cargo::{
        card::{
            CargoCard, CargoDetail, format_quantity, format_rub, format_rub_per_km, format_when,
        },
        dictionary::{load_types, name_of, truck_types},
    },
    i18n::Lang,
};
use serde_json::{Value, json};

use crate::telegram::card_link::CardLinks;

/// Where the bot's buttons lead: the Mini App's public address; links to a load carry a token
/// that keeps them opening it.
#[derive(Debug, Clone)]
pub struct MiniAppLink {
    pub base_url: String,
    pub cards: CardLinks,
}

impl MiniAppLink {
    pub fn home(&self) -> String {
        format!("{}/", self.base_url.trim_end_matches('/'))
    }

    pub fn subscription(&self) -> String {
        format!("{}/subscription", self.base_url.trim_end_matches('/'))
    }

    pub fn profile(&self) -> String {
        format!("{}/profile", self.base_url.trim_end_matches('/'))
    }

    pub fn cargo(&self, id: u64) -> String {
        format!(
            "{}/cargo/{id}?link={}",
            self.base_url.trim_end_matches('/'),
            self.cards.token(id)
        )
    }
}

/// Whether Telegram says the driver speaks English (everything else is answered in Russian).
pub fn english(language_code: Option<&str>) -> bool {
    language_code.is_some_and(|code| code == "en" || code.starts_with("en-"))
}

/// The load card and its contacts, sent to the driver who responded: phone numbers written as
/// `+7…` so Telegram makes them tap-to-call, a button back to the load and one to hide it.
pub fn response_card(
    chat_id: i64,
    detail: &CargoDetail,
    language_code: Option<&str>,
    link: &MiniAppLink,
) -> Value {
    let en = english(language_code);
    let lang = if en { Lang::En } else { Lang::Ru };
    let text = lang.texts();
    let card = &detail.card;
    let mut lines = vec![format!("🚚 <b>{}</b>", escape(&card.route()))];

    let mut dates = Vec::new();
    if let Some(at) = &card.loading_at {
        dates.push(format!(
            "{} {}",
            if en { "Loading" } else { "Погрузка" },
            format_when(at)
        ));
    }
    if let Some(at) = &card.unloading_at {
        dates.push(format!(
            "{} {}",
            if en { "unloading" } else { "выгрузка" },
            format_when(at)
        ));
    }
    if !dates.is_empty() {
        lines.push(escape(&dates.join(" · ")));
    }

    let size: Vec<String> = [
        card.weight_t.map(|t| format_quantity(t, text.tonnes)),
        card.volume_m3
            .map(|m| format_quantity(m, text.cubic_metres)),
        card.distance_km.map(|km| format!("{km}\u{a0}{}", text.km)),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !size.is_empty() {
        lines.push(escape(&size.join(" · ")));
    }
    if let Some(price) = card.price_kopecks {
        let per_km = card
            .price_per_km_kopecks()
            .map(|k| format!(" · {}", format_rub_per_km(k, text.km)))
            .unwrap_or_default();
        lines.push(format!(
            "💰 <b>{}</b>{}",
            format_rub(price),
            escape(&per_km)
        ));
    }
    // Named in the driver's language where the dictionary knows the id, as the exchange does
    // otherwise.
    let truck = card
        .truck_types
        .iter()
        .map(|pill| (truck_types(lang), pill));
    let loading = card.load_types.iter().map(|pill| (load_types(lang), pill));
    let kinds: Vec<&str> = truck
        .chain(loading)
        .map(|(dictionary, pill)| name_of(dictionary, pill.id).unwrap_or(&pill.name))
        .collect();
    if !kinds.is_empty() {
        lines.push(escape(&kinds.join(", ")));
    }
    if let Some(note) = &detail.note {
        lines.push(String::new());
        lines.push(format!(
            "{}:",
            if en {
                "Shipper's note"
            } else {
                "Примечание"
            }
        ));
        lines.push(format!("<pre>{}</pre>", escape(note)));
    }
    lines.push(String::new());
    lines.push(format!(
        "<b>{}</b>",
        if en { "Contacts" } else { "Контакты" }
    ));
    if detail.contacts.is_empty() {
        lines.push(
            if en {
                "The shipper left no phone: open the load in the app"
            } else {
                "Телефон не указан: откройте груз в приложении"
            }
            .into(),
        );
    }
    for contact in &detail.contacts {
        let phones: Vec<&str> = contact
            .phones
            .iter()
            .map(|phone| phone.tel.as_deref().unwrap_or(&phone.display))
            .collect();
        let name = contact.name.as_deref().unwrap_or("—");
        lines.push(escape(&format!("{name}: {}", phones.join(", "))));
    }

    json!({
        "chat_id": chat_id,
        "text": lines.join("\n"),
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": true},
        "reply_markup": {"inline_keyboard": [[
            {
                "text": if en { "Open the load" } else { "Открыть груз" },
                "web_app": {"url": link.cargo(card.id)},
            },
            {
                "text": if en { "Hide" } else { "Скрыть" },
                "callback_data": format!("hide:{}", card.id),
            },
        ]]},
    })
}

/// A new load on a filter the driver asked to be told about.
pub fn new_load_alert(
    chat_id: i64,
    card: &CargoCard,
    filter_name: &str,
    language_code: Option<&str>,
    link: &MiniAppLink,
) -> Value {
    let en = english(language_code);
    let text = if en { Lang::En } else { Lang::Ru }.texts();
    let mut lines = vec![
        format!(
            "🔔 {} «{}»",
            if en {
                "New load for"
            } else {
                "Новый груз по фильтру"
            },
            escape(filter_name)
        ),
        format!("🚚 <b>{}</b>", escape(&card.route())),
    ];
    if let Some(at) = &card.loading_at {
        let word = if en { "Loading" } else { "Погрузка" };
        lines.push(escape(&format!("{word} {}", format_when(at))));
    }
    let size: Vec<String> = [
        card.weight_t.map(|t| format_quantity(t, text.tonnes)),
        card.volume_m3
            .map(|m| format_quantity(m, text.cubic_metres)),
        card.distance_km.map(|km| format!("{km}\u{a0}{}", text.km)),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !size.is_empty() {
        lines.push(escape(&size.join(" · ")));
    }
    if let Some(price) = card.price_kopecks {
        lines.push(format!("💰 <b>{}</b>", format_rub(price)));
    }
    json!({
        "chat_id": chat_id,
        "text": lines.join("\n"),
        "parse_mode": "HTML",
        "reply_markup": {"inline_keyboard": [[{
            "text": if en { "Open the load" } else { "Открыть груз" },
            "web_app": {"url": link.cargo(card.id)},
        }]]},
    })
}

/// New access: a trial begun, a plan paid, a promo code redeemed, a gift.
pub fn access_granted(
    chat_id: i64,
    source: domain::access::GrantSource,
    ends_at: chrono::DateTime<chrono::Utc>,
    language_code: Option<&str>,
    link: &MiniAppLink,
) -> Value {
    use domain::access::GrantSource;
    let en = english(language_code);
    let until = moscow_date(ends_at);
    let headline = match (source, en) {
        (GrantSource::Trial, false) => "🎁 Бесплатный период начался",
        (GrantSource::Trial, true) => "🎁 Your free trial has begun",
        (GrantSource::Payment, false) => "✅ Оплата получена, спасибо!",
        (GrantSource::Payment, true) => "✅ Payment received, thank you!",
        (GrantSource::Promo, false) => "🎟 Промокод применён",
        (GrantSource::Promo, true) => "🎟 Promo code applied",
        (GrantSource::Gift, false) => "🎁 Вам подарили дни доступа",
        (GrantSource::Gift, true) => "🎁 You have been given days of access",
        (GrantSource::Refund, false) => "↩️ Деньги возвращены, доступ сокращён",
        (GrantSource::Refund, true) => "↩️ Your money has been refunded and access shortened",
    };
    let line = if en {
        format!("Loads are open to you until {until} (Moscow time).")
    } else {
        format!("Доступ к грузам открыт до {until} (мск).")
    };
    json!({
        "chat_id": chat_id,
        "text": format!("{headline}\n{line}"),
        "reply_markup": {"inline_keyboard": [[{
            "text": if en { "Open loads" } else { "Открыть грузы" },
            "web_app": {"url": link.home()},
        }]]},
    })
}

/// A payment that did not go through (canceled at YooKassa, declined by the bank).
pub fn payment_failed(chat_id: i64, language_code: Option<&str>, link: &MiniAppLink) -> Value {
    let en = english(language_code);
    json!({
        "chat_id": chat_id,
        "text": if en {
            "❌ The payment did not go through, and no money was taken. You can try again in the app."
        } else {
            "❌ Платёж не прошёл, деньги не списаны. Попробуйте ещё раз в приложении."
        },
        "reply_markup": {"inline_keyboard": [[{
            "text": if en { "Try again" } else { "Попробовать снова" },
            "web_app": {"url": link.subscription()},
        }]]},
    })
}

/// What a renewal charges: the amount, the days it gives, the card.
pub struct Renewal<'a> {
    pub charge_at: chrono::DateTime<chrono::Utc>,
    pub price_kopecks: u64,
    pub days: u32,
    pub card: Option<&'a str>,
}

/// The word a day before autopay charges the card, with the way to stop it.
pub fn autopay_warning(
    chat_id: i64,
    renewal: &Renewal<'_>,
    language_code: Option<&str>,
    link: &MiniAppLink,
) -> Value {
    let en = english(language_code);
    let when = moscow_date(renewal.charge_at);
    let price = format_rub(renewal.price_kopecks);
    let card = renewal.card.map(escape_card).unwrap_or_default();
    let text = if en {
        format!(
            "🔄 Autopay: on {when} (Moscow time) we will charge {price}{card} for {days} of access. To cancel, switch autopay off in your profile — one tap.",
            card = if card.is_empty() {
                card
            } else {
                format!(" to {card}")
            },
            days = if renewal.days == 1 {
                "1 more day".to_owned()
            } else {
                format!("{} more days", renewal.days)
            },
        )
    } else {
        format!(
            "🔄 Автоплатёж: {when} (мск) спишем {price}{card} и продлим доступ на {days} дн. Не нужно — отключите автоплатёж в профиле одним касанием.",
            card = if card.is_empty() {
                card
            } else {
                format!(" с карты {card}")
            },
            days = renewal.days,
        )
    };
    json!({
        "chat_id": chat_id,
        "text": text,
        "reply_markup": {"inline_keyboard": [[{
            "text": if en { "Profile" } else { "Профиль" },
            "web_app": {"url": link.profile()},
        }]]},
    })
}

/// A renewal the bank declined: nothing was taken, the days paid stay, and paying by hand is
/// one tap away.
pub fn autopay_failed(
    chat_id: i64,
    ends_at: Option<chrono::DateTime<chrono::Utc>>,
    language_code: Option<&str>,
    link: &MiniAppLink,
) -> Value {
    let en = english(language_code);
    let until = ends_at
        .filter(|ends_at| *ends_at > chrono::Utc::now())
        .map(moscow_date);
    let text = match (until, en) {
        (Some(until), false) => format!(
            "😔 Не получилось продлить подписку автоматически: банк не провёл списание, деньги не списаны. Оплаченные дни остаются за вами — доступ открыт до {until} (мск). Продлите вручную, когда будет удобно; автоплатёж мы выключили."
        ),
        (None, false) => "😔 Не получилось продлить подписку автоматически: банк не провёл списание, деньги не списаны. Продлите вручную, когда будет удобно; автоплатёж мы выключили.".to_owned(),
        (Some(until), true) => format!(
            "😔 We could not renew your subscription automatically: the bank did not take the charge, and no money was taken. The days you paid for stay yours — access is open until {until} (Moscow time). Renew by hand whenever it suits you; we have switched autopay off."
        ),
        (None, true) => "😔 We could not renew your subscription automatically: the bank did not take the charge, and no money was taken. Renew by hand whenever it suits you; we have switched autopay off.".to_owned(),
    };
    json!({
        "chat_id": chat_id,
        "text": text,
        "reply_markup": {"inline_keyboard": [[{
            "text": if en { "Renew" } else { "Продлить" },
            "web_app": {"url": link.subscription()},
        }]]},
    })
}

/// YooKassa's card title (`Bank card *4444`) as the driver reads it: `•••• 4444`.
fn escape_card(title: &str) -> String {
    match title.rsplit_once('*') {
        Some((_, last4)) if !last4.is_empty() => format!("•••• {last4}"),
        _ => title.to_owned(),
    }
}

/// A word before access ends, or once it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reminder {
    ThreeDays,
    OneDay,
    Ended,
}

impl Reminder {
    /// The reminder due at `now` for access ending at `ends_at` and last changed at
    /// `changed_at`. A driver who has just bought or begun access is not reminded of its end.
    pub fn due(
        ends_at: chrono::DateTime<chrono::Utc>,
        changed_at: chrono::DateTime<chrono::Utc>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<Self> {
        let left = ends_at - now;
        if left <= chrono::Duration::zero() {
            Some(Self::Ended)
        } else if now - changed_at < chrono::Duration::hours(12) {
            None
        } else if left <= chrono::Duration::days(1) {
            Some(Self::OneDay)
        } else if left <= chrono::Duration::days(3) {
            Some(Self::ThreeDays)
        } else {
            None
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Self::ThreeDays => "3d",
            Self::OneDay => "1d",
            Self::Ended => "ended",
        }
    }
}

pub fn access_reminder(
    chat_id: i64,
    reminder: Reminder,
    ends_at: chrono::DateTime<chrono::Utc>,
    language_code: Option<&str>,
    link: &MiniAppLink,
) -> Value {
    let en = english(language_code);
    let until = moscow_date(ends_at);
    let text = match (reminder, en) {
        (Reminder::ThreeDays, false) => format!(
            "⏳ Доступ к грузам закончится через 3 дня, {until} (мск). Продлите заранее, чтобы не потерять грузы."
        ),
        (Reminder::ThreeDays, true) => format!(
            "⏳ Your access to loads ends in 3 days, {until} (Moscow time). Renew early to keep it."
        ),
        (Reminder::OneDay, false) => {
            format!("⏳ Доступ к грузам закончится завтра, {until} (мск).")
        }
        (Reminder::OneDay, true) => {
            format!("⏳ Your access to loads ends tomorrow, {until} (Moscow time).")
        }
        (Reminder::Ended, false) => {
            "🔒 Доступ к грузам закончился. Продлите подписку, чтобы снова видеть грузы и контакты."
                .to_owned()
        }
        (Reminder::Ended, true) => {
            "🔒 Your access to loads has ended. Renew to see loads and contacts again.".to_owned()
        }
    };
    json!({
        "chat_id": chat_id,
        "text": text,
        "reply_markup": {"inline_keyboard": [[{
            "text": if en { "Renew" } else { "Продлить" },
            "web_app": {"url": link.subscription()},
        }]]},
    })
}

/// `23.12.2026 14:05` in Moscow time, where drivers' days are counted.
pub fn moscow_date(at: chrono::DateTime<chrono::Utc>) -> String {
    let moscow = chrono::FixedOffset::east_opt(3 * 3600).expect("a valid offset");
    at.with_timezone(&moscow)
        .format("%d.%m.%Y %H:%M")
        .to_string()
}

/// Telegram's HTML mode needs only these three escaped.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use app::cargo::card::{Contact, Phone};

    use super::*;

    fn detail(note: Option<&str>) -> CargoDetail {
        CargoDetail {
            card: CargoCard {
                id: 42,
                from_city: Some("Москва".into()),
                to_city: Some("Казань".into()),
                loading_at: Some("2026-11-24T09:00:00+03:00".into()),
                weight_t: Some(20.0),
                price_kopecks: Some(8_200_000),
                distance_km: Some(820),
                ..Default::default()
            },
            note: note.map(str::to_owned),
            contacts: vec![Contact {
                kind: "broker".into(),
                name: Some("Ольга <ТК>".into()),
                phones: vec![Phone {
                    display: "8 (916) 123-45-67".into(),
                    tel: Some("+79161234567".into()),
                }],
            }],
            ..Default::default()
        }
    }

    fn link() -> MiniAppLink {
        let key = domain::sealing::SealingKey::new("k1", [7; 32]).unwrap();
        MiniAppLink {
            base_url: "https://hauler.example/".into(),
            cards: CardLinks::new(std::sync::Arc::new(domain::sealing::Sealer::new(key, []))),
        }
    }

    #[test]
    fn the_response_card_carries_the_route_price_note_and_a_tap_to_call_number() {
        let message = response_card(
            7,
            &detail(Some("Оплата 50/50\nБез перегруза")),
            Some("ru"),
            &link(),
        );
        let text = message["text"].as_str().unwrap();
        assert!(text.starts_with("🚚 <b>Москва → Казань</b>"), "{text}");
        assert!(text.contains("Погрузка 24.11, 09:00"), "{text}");
        assert!(text.contains("82\u{a0}000\u{a0}₽"), "{text}");
        assert!(
            text.contains("<pre>Оплата 50/50\nБез перегруза</pre>"),
            "{text}"
        );
        assert!(text.contains("Ольга &lt;ТК&gt;: +79161234567"), "{text}");
        assert_eq!(message["chat_id"], 7);
        let buttons = &message["reply_markup"]["inline_keyboard"][0];
        let url = buttons[0]["web_app"]["url"].as_str().unwrap();
        let token = url
            .strip_prefix("https://hauler.example/cargo/42?link=")
            .unwrap();
        assert!(link().cards.vouches_for(42, token), "{url}");
        assert_eq!(buttons[1]["callback_data"], "hide:42");
    }

    #[test]
    fn reminders_come_three_days_and_one_day_ahead_and_at_the_end_but_not_right_after_buying() {
        use chrono::{Duration, TimeZone, Utc};
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        let long_ago = now - Duration::days(20);
        let due = |left: Duration, changed| Reminder::due(now + left, changed, now);
        assert_eq!(due(Duration::days(4), long_ago), None);
        assert_eq!(
            due(Duration::hours(71), long_ago),
            Some(Reminder::ThreeDays)
        );
        assert_eq!(due(Duration::hours(23), long_ago), Some(Reminder::OneDay));
        assert_eq!(due(Duration::seconds(-5), long_ago), Some(Reminder::Ended));
        assert_eq!(
            due(Duration::hours(71), now - Duration::minutes(1)),
            None,
            "a trial begun a minute ago"
        );
        assert_eq!(due(Duration::seconds(-5), now), Some(Reminder::Ended));
    }

    #[test]
    fn without_a_note_there_is_no_note_section_and_english_drivers_read_english() {
        let message = response_card(7, &detail(None), Some("en"), &link());
        let text = message["text"].as_str().unwrap();
        assert!(!text.contains("<pre>"), "{text}");
        assert!(text.contains("Loading 24.11, 09:00"), "{text}");
        assert!(text.contains("Contacts"), "{text}");
    }

    #[test]
    fn the_autopay_warning_says_when_how_much_which_card_and_how_to_stop_it() {
        use chrono::TimeZone;
        let renewal = Renewal {
            charge_at: chrono::Utc.with_ymd_and_hms(2026, 12, 6, 9, 0, 0).unwrap(),
            price_kopecks: 199_000,
            days: 30,
            card: Some("Bank card *4477"),
        };
        let ru = autopay_warning(1, &renewal, Some("ru"), &link());
        assert_eq!(
            ru["text"],
            "🔄 Автоплатёж: 06.12.2026 12:00 (мск) спишем 1\u{a0}990\u{a0}₽ с карты •••• 4477 и продлим доступ на 30 дн. Не нужно — отключите автоплатёж в профиле одним касанием."
        );
        assert_eq!(
            ru["reply_markup"]["inline_keyboard"][0][0]["web_app"]["url"],
            "https://hauler.example/profile"
        );
        let en = autopay_warning(1, &Renewal { days: 1, ..renewal }, Some("en"), &link());
        assert!(
            en["text"]
                .as_str()
                .unwrap()
                .contains("we will charge 1\u{a0}990\u{a0}₽ to •••• 4477 for 1 more day of access"),
            "{en}"
        );
        let failed = autopay_failed(1, None, Some("en"), &link());
        assert!(
            failed["text"]
                .as_str()
                .unwrap()
                .contains("no money was taken")
        );
        assert_eq!(
            failed["reply_markup"]["inline_keyboard"][0][0]["web_app"]["url"],
            "https://hauler.example/subscription"
        );
    }
}
