//! The driver UI speaks Russian, and English when Telegram says the driver's language is English.

use leptos::prelude::*;

use crate::{
    cargo::{filter::WeightCategory, shipper::TrustLevel},
    session::{ApiErrorBody, SignIn},
    telegram,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ru,
    En,
}

/// Russian until the browser learns the driver's language: the one chosen in the profile, else
/// Telegram's. Changed only when it differs, since a change draws the pages again. The app starts
/// in the language it knows when it renders, so a driver who reads English sees the pages drawn
/// once, in English (the server's page, drawn before anyone signed in, is Russian).
pub fn provide_lang(sign_in: RwSignal<SignIn>) -> Signal<Lang> {
    let wanted = move || {
        let chosen = sign_in.with(|state| match state {
            SignIn::Done(signed_in) => signed_in.profile.language.clone(),
            _ => None,
        });
        let code = chosen.or_else(telegram::language);
        if code.is_some_and(|code| code == "en" || code.starts_with("en-")) {
            Lang::En
        } else {
            Lang::Ru
        }
    };
    let lang = RwSignal::new(untrack(wanted));
    Effect::new(move |_| {
        let wanted = wanted();
        if lang.get_untracked() != wanted {
            lang.set(wanted);
        }
    });
    // The API words its refusals in the same language.
    Effect::new(move |_| api_client::speak(lang.get().tag()));
    let lang = Signal::from(lang);
    provide_context(lang);
    lang
}

pub struct Texts {
    pub lang: Lang,
    pub hello: &'static str,
    pub loads: &'static str,
    pub filters: &'static str,
    pub my_responses: &'static str,
    /// The link to the exchange's web cabinet (passes).
    pub cabinet: &'static str,
    pub shown_of: &'static str,
    pub nothing_found: &'static str,
    pub widen_filters: &'static str,
    pub reset_all: &'static str,
    pub retry: &'static str,
    pub stale_data: &'static str,
    /// The first page waits for a busy exchange: `{seconds}` is the estimate.
    pub list_later: &'static str,
    pub minutes_ago: &'static str,
    /// A card's age: `{age}` is "5 мин", "3 ч", "2 дн".
    pub posted_ago: &'static str,
    pub just_now: &'static str,
    pub hours_short: &'static str,
    /// Days, in a card's age.
    pub days_ago_short: &'static str,
    /// The loads the driver saw last time that the exchange no longer lists.
    pub gone_since: &'static str,
    /// A sorted list cut at its first 1,000 loads.
    pub capped_sorted: &'static str,
    pub load_more: &'static str,
    pub pull_to_refresh: &'static str,
    pub responded: &'static str,
    pub new_load: &'static str,
    pub respond: &'static str,
    pub responded_sent: &'static str,
    pub hide_load: &'static str,
    pub load_taken: &'static str,
    /// The card's detail waits in line for the exchange.
    pub details_coming: &'static str,
    pub back: &'static str,
    pub note: &'static str,
    pub contacts: &'static str,
    pub no_contacts: &'static str,
    pub loading: &'static str,
    pub unloading: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub city_placeholder: &'static str,
    /// City search cannot answer yet: the exchange's dictionary has not been loaded.
    pub cities_not_loaded: &'static str,
    pub radius: &'static str,
    pub loading_date: &'static str,
    pub weight_volume: &'static str,
    pub any_weight: &'static str,
    /// The labels of `WeightCategory::ALL`, in its order.
    pub weight_categories: [&'static str; 6],
    pub custom: &'static str,
    pub tonnes: &'static str,
    pub km: &'static str,
    pub cubic_metres: &'static str,
    pub truck_types: &'static str,
    pub load_types: &'static str,
    pub distance_km: &'static str,
    pub price_rub: &'static str,
    pub price_per_km: &'static str,
    pub min: &'static str,
    pub max: &'static str,
    pub shipper_inn: &'static str,
    pub sort: &'static str,
    pub sort_newest: &'static str,
    pub sort_price: &'static str,
    pub sort_price_per_km: &'static str,
    pub sort_distance: &'static str,
    pub sort_loading_date: &'static str,
    pub show_loads: &'static str,
    pub fix_filter: &'static str,
    pub not_a_number: &'static str,
    pub saved_filters: &'static str,
    pub save_as: &'static str,
    pub filter_name: &'static str,
    pub notify_new: &'static str,
    pub save: &'static str,
    pub delete: &'static str,
    pub no_responses: &'static str,
    pub status_sent: &'static str,
    pub status_viewed: &'static str,
    pub status_contacted: &'static str,
    pub demo_login: &'static str,
    pub demo_hint: &'static str,
    pub cargo_type: &'static str,
    pub shipper: &'static str,
    /// The words of a shipper's mark, by level: new, good, fair, poor.
    pub trust_levels: [&'static str; 4],
    /// The link from a card to its shipper's page.
    pub about_shipper: &'static str,
    pub payment: &'static str,
    pub with_vat: &'static str,
    pub without_vat: &'static str,
    pub cash: &'static str,
    pub prepayment: &'static str,
    pub delay_days: &'static str,
    pub round_trip: &'static str,
    pub partial_load: &'static str,
    pub open_from_telegram: &'static str,
    pub signed_out: &'static str,
    pub profile: &'static str,
    pub edit: &'static str,
    pub save_changes: &'static str,
    pub cancel: &'static str,
    pub pause_alerts: &'static str,
    pub resume_alerts: &'static str,
    pub paused: &'static str,
    pub expired: &'static str,
    pub not_confirmed: &'static str,
    pub damaged: &'static str,
    pub banned: &'static str,
    pub no_connection: &'static str,
    /// The driver has spent their share of the exchange's calls; `{wait}` is when it frees.
    pub slow_down: &'static str,
    /// The same, when the server did not say when.
    pub slow_down_shortly: &'static str,
    pub seconds_short: &'static str,
    pub subscription: &'static str,
    pub paywall_title: &'static str,
    pub paywall_pitch: &'static str,
    pub trial_title: &'static str,
    pub trial_hint: &'static str,
    pub start_trial: &'static str,
    pub plans: &'static str,
    pub extend: &'static str,
    pub per_day: &'static str,
    pub promo_code: &'static str,
    pub promo_apply: &'static str,
    pub promo_percent: &'static str,
    pub promo_amount: &'static str,
    pub promo_extra_days: &'static str,
    pub promo_free_days: &'static str,
    pub promo_redeem: &'static str,
    pub pay: &'static str,
    pub get_free: &'static str,
    pub payment_waiting: &'static str,
    pub payment_waiting_hint: &'static str,
    pub open_payment_page: &'static str,
    pub choose_another: &'static str,
    pub paid_until: &'static str,
    pub promo_until: &'static str,
    pub trial_until: &'static str,
    pub payment_canceled: &'static str,
    pub payment_timed_out: &'static str,
    pub to_loads: &'static str,
    pub payments_off: &'static str,
    pub autopay_choice: &'static str,
    pub autopay_choice_hint: &'static str,
    pub autopay_no_stars: &'static str,
    pub autopay_on: &'static str,
    pub autopay_failed: &'static str,
    pub autopay_manage: &'static str,
    pub access_until: &'static str,
    pub no_subscription: &'static str,
    pub days_short: &'static str,
    /// "день", "дня", "дней": the forms [`Texts::days`] picks from.
    pub day_forms: [&'static str; 3],
    pub plural: fn(u64) -> usize,
}

const RU: Texts = Texts {
    lang: Lang::Ru,
    hello: "Здравствуйте",
    open_from_telegram: "Откройте Hauler из Telegram: через кнопку в боте вход произойдёт сам",
    signed_out: "Вы вышли из Hauler. Чтобы войти снова, откройте приложение из бота",
    profile: "Профиль",
    edit: "Изменить",
    save_changes: "Сохранить изменения",
    cancel: "Отмена",
    pause_alerts: "Приостановить уведомления",
    resume_alerts: "Возобновить уведомления",
    paused: "на паузе",
    expired: "Сеанс входа устарел. Закройте приложение и откройте его снова из бота",
    not_confirmed: "Не удалось подтвердить вход через Telegram. Откройте приложение из бота",
    damaged: "Данные входа повреждены. Закройте приложение и откройте его снова из бота",
    banned: "Доступ к Hauler для этого аккаунта закрыт",
    no_connection: "Нет связи с сервером. Проверьте интернет и попробуйте ещё раз",
    slow_down: "Слишком много запросов к бирже подряд. Показанные грузы остаются с вами, новые можно будет загрузить через {wait}",
    slow_down_shortly: "Слишком много запросов к бирже подряд. Показанные грузы остаются с вами, новые можно будет загрузить через минуту",
    seconds_short: "с",
    loads: "Грузы",
    filters: "Фильтры",
    my_responses: "Мои отклики",
    cabinet: "Кабинет",
    shown_of: "Показано {n} из {m}",
    nothing_found: "По этому фильтру грузов нет",
    widen_filters: "Попробуйте расширить фильтр: увеличить радиус, убрать дату или тип кузова",
    reset_all: "Сбросить всё",
    retry: "Повторить",
    stale_data: "Биржа не отвечает, показаны данные {age} назад",
    list_later: "Биржа сейчас занята: грузы придут примерно через {seconds}\u{a0}с",
    minutes_ago: "мин",
    posted_ago: "{age} назад",
    just_now: "только что",
    hours_short: "ч",
    days_ago_short: "дн",
    gone_since: "Забрали, пока вас не было",
    capped_sorted: "Отсортированы первые 1000 грузов; сузьте фильтр, чтобы увидеть все",
    load_more: "Показать ещё",
    pull_to_refresh: "Отпустите, чтобы обновить",
    responded: "Вы откликнулись",
    new_load: "Новый",
    respond: "Откликнуться",
    responded_sent: "Вы откликнулись: карточка и контакты — в чате с ботом",
    hide_load: "Скрыть груз",
    load_taken: "Этот груз уже забрали или сняли с биржи",
    details_coming: "Загружаем подробности…",
    back: "Назад",
    note: "Примечание",
    contacts: "Контакты",
    no_contacts: "Контакты не указаны",
    loading: "Погрузка",
    unloading: "Выгрузка",
    from: "Откуда",
    to: "Куда",
    city_placeholder: "Город",
    cities_not_loaded: "Список городов ещё загружается с биржи, попробуйте через минуту",
    radius: "Радиус",
    loading_date: "Дата погрузки",
    weight_volume: "Вес и объём",
    any_weight: "Любой",
    weight_categories: [
        "1–3 т / до 15 м³",
        "3–5 т / 15–25 м³",
        "5–10 т / 25–40 м³",
        "10–15 т / 40–60 м³",
        "15–20 т / 60–82 м³",
        "20+ т / 82+ м³",
    ],
    custom: "Свой",
    tonnes: "т",
    km: "км",
    cubic_metres: "м³",
    truck_types: "Тип кузова",
    load_types: "Загрузка",
    distance_km: "Расстояние, км",
    price_rub: "Ставка, ₽",
    price_per_km: "₽ за км",
    min: "от",
    max: "до",
    shipper_inn: "ИНН грузоотправителя",
    sort: "Сортировка",
    sort_newest: "Сначала новые",
    sort_price: "По ставке",
    sort_price_per_km: "По ставке за км",
    sort_distance: "По расстоянию",
    sort_loading_date: "По дате погрузки",
    show_loads: "Показать грузы",
    fix_filter: "Исправьте отмеченные поля",
    not_a_number: "Введите число",
    saved_filters: "Сохранённые фильтры",
    save_as: "Сохранить этот фильтр",
    filter_name: "Название, например «Москва — Казань»",
    notify_new: "Присылать новые грузы в бот",
    save: "Сохранить",
    delete: "Удалить",
    no_responses: "Вы ещё не откликались на грузы",
    status_sent: "Отправлено в чат",
    status_viewed: "Просмотрено",
    status_contacted: "Созвонились",
    demo_login: "Войти как демо-водитель",
    demo_hint: "Песочница: демо-вход без Telegram, данные биржи ненастоящие",
    cargo_type: "Груз",
    shipper: "Грузоотправитель",
    trust_levels: ["мало данных", "надёжный", "обычный", "осторожно"],
    about_shipper: "Об отправителе",
    payment: "Оплата",
    with_vat: "с НДС",
    without_vat: "без НДС",
    cash: "наличные",
    prepayment: "предоплата",
    delay_days: "отсрочка {n} дн.",
    round_trip: "Круговой рейс",
    partial_load: "Догруз",
    subscription: "Подписка",
    paywall_title: "Все грузы биржи — по подписке",
    paywall_pitch: "Все грузы CargoTech, контакты грузоотправителей, отклики через бота и уведомления о новых грузах на ваших маршрутах",
    trial_title: "{days} бесплатно",
    trial_hint: "Полный доступ без оплаты и без карты",
    start_trial: "Начать бесплатно",
    plans: "Тарифы",
    extend: "Продлить доступ",
    per_day: "{price} в день",
    promo_code: "Промокод",
    promo_apply: "Применить",
    promo_percent: "{code}: скидка {n}\u{a0}% на любой тариф",
    promo_amount: "{code}: скидка {sum} на любой тариф",
    promo_extra_days: "{code}: +{days} к любому тарифу",
    promo_free_days: "{code}: {days} доступа бесплатно",
    promo_redeem: "Активировать",
    pay: "Оплатить {price}",
    get_free: "Получить бесплатно",
    payment_waiting: "Ожидаем оплату…",
    payment_waiting_hint: "Оплатите на странице ЮKassa и вернитесь сюда — доступ откроется сам",
    open_payment_page: "Открыть страницу оплаты",
    choose_another: "Выбрать другой тариф",
    paid_until: "Оплачено: доступ до {date}",
    promo_until: "Промокод активирован: доступ до {date}",
    trial_until: "Бесплатный доступ до {date}",
    payment_canceled: "Платёж отменён, деньги не списаны. Можно попробовать ещё раз",
    payment_timed_out: "Оплата так и не пришла. Если деньги списались, доступ откроется сам — загляните сюда позже",
    to_loads: "Смотреть грузы",
    payments_off: "Оплата временно недоступна. Попробуйте позже или напишите в поддержку",
    autopay_choice: "Продлевать автоматически",
    autopay_choice_hint: "Карта сохранится в ЮKassa: ту же сумму спишем незадолго до конца доступа, бот предупредит за день. Отключить — в профиле одним касанием",
    autopay_no_stars: "Звёзды Telegram не списываются сами: автоплатёж работает только при оплате картой",
    autopay_on: "Автоплатёж включён: {date} спишем {price} с карты {card}",
    autopay_failed: "Не получилось продлить подписку автоматически: банк не провёл списание, деньги не списаны. Оплаченные дни остаются за вами — продлите вручную, когда будет удобно",
    autopay_manage: "Автоплатёж в профиле",
    access_until: "Доступ до {date}, осталось {left}",
    no_subscription: "Подписки нет",
    days_short: "{n}\u{a0}дн.",
    day_forms: ["день", "дня", "дней"],
    plural: russian_plural,
};

const EN: Texts = Texts {
    lang: Lang::En,
    hello: "Hello",
    open_from_telegram: "Open Hauler from Telegram: the bot's button signs you in",
    signed_out: "You have logged out of Hauler. To sign in again, open the app from the bot",
    profile: "Profile",
    edit: "Edit",
    save_changes: "Save changes",
    cancel: "Cancel",
    pause_alerts: "Pause alerts",
    resume_alerts: "Resume alerts",
    paused: "paused",
    expired: "Your sign-in has expired. Close the app and open it again from the bot",
    not_confirmed: "Telegram sign-in could not be confirmed. Open the app from the bot",
    damaged: "The sign-in data is damaged. Close the app and open it again from the bot",
    banned: "Access to Hauler is closed for this account",
    no_connection: "No connection to the server. Check the internet and try again",
    slow_down: "Too many requests to the exchange in a row. The loads you see stay; new ones can be loaded in {wait}",
    slow_down_shortly: "Too many requests to the exchange in a row. The loads you see stay; new ones can be loaded in a minute",
    seconds_short: "s",
    loads: "Loads",
    filters: "Filters",
    my_responses: "My responses",
    cabinet: "Cabinet",
    shown_of: "Showing {n} of {m}",
    nothing_found: "No loads match this filter",
    widen_filters: "Try a wider filter: a bigger radius, no date or no body type",
    reset_all: "Reset all",
    retry: "Retry",
    stale_data: "The exchange is not answering; data from {age} ago",
    list_later: "The exchange is busy: your loads will arrive in about {seconds}\u{a0}s",
    minutes_ago: "min",
    posted_ago: "{age} ago",
    just_now: "just now",
    hours_short: "h",
    days_ago_short: "d",
    gone_since: "Taken since you last looked",
    capped_sorted: "The first 1,000 loads are sorted; narrow the filter to see them all",
    load_more: "Show more",
    pull_to_refresh: "Release to refresh",
    responded: "You responded",
    new_load: "New",
    respond: "Respond",
    responded_sent: "You responded: the card and contacts are in your chat with the bot",
    hide_load: "Hide this load",
    load_taken: "This load has been taken or removed from the exchange",
    details_coming: "Loading the details…",
    back: "Back",
    note: "Shipper's note",
    contacts: "Contacts",
    no_contacts: "No contacts given",
    loading: "Loading",
    unloading: "Unloading",
    from: "From",
    to: "To",
    city_placeholder: "City",
    cities_not_loaded: "The list of cities is still loading from the exchange: try again in a minute",
    radius: "Radius",
    loading_date: "Loading date",
    weight_volume: "Weight and volume",
    any_weight: "Any",
    weight_categories: [
        "1–3 t / up to 15 m³",
        "3–5 t / 15–25 m³",
        "5–10 t / 25–40 m³",
        "10–15 t / 40–60 m³",
        "15–20 t / 60–82 m³",
        "20+ t / 82+ m³",
    ],
    custom: "Custom",
    tonnes: "t",
    km: "km",
    cubic_metres: "m³",
    truck_types: "Body type",
    load_types: "Loading",
    distance_km: "Distance, km",
    price_rub: "Rate, ₽",
    price_per_km: "₽ per km",
    min: "from",
    max: "to",
    shipper_inn: "Shipper's INN",
    sort: "Sort",
    sort_newest: "Newest first",
    sort_price: "By rate",
    sort_price_per_km: "By rate per km",
    sort_distance: "By distance",
    sort_loading_date: "By loading date",
    show_loads: "Show loads",
    fix_filter: "Fix the marked fields",
    not_a_number: "Enter a number",
    saved_filters: "Saved filters",
    save_as: "Save this filter",
    filter_name: "A name, e.g. “Moscow — Kazan”",
    notify_new: "Send new loads to the bot",
    save: "Save",
    delete: "Delete",
    no_responses: "You have not responded to any load yet",
    status_sent: "Sent to the chat",
    status_viewed: "Viewed",
    status_contacted: "Called",
    demo_login: "Sign in as a demo driver",
    demo_hint: "Sandbox: a demo sign-in without Telegram, the exchange data is not real",
    cargo_type: "Cargo",
    shipper: "Shipper",
    trust_levels: ["little known", "reliable", "average", "careful"],
    about_shipper: "About the shipper",
    payment: "Payment",
    with_vat: "with VAT",
    without_vat: "without VAT",
    cash: "cash",
    prepayment: "prepayment",
    delay_days: "{n}-day delay",
    round_trip: "Round trip",
    partial_load: "Part load",
    subscription: "Subscription",
    paywall_title: "Every load on the exchange, by subscription",
    paywall_pitch: "All CargoTech loads, shippers' contacts, responses through the bot and alerts for new loads on your routes",
    trial_title: "{days} free",
    trial_hint: "Full access, no payment, no card",
    start_trial: "Start free",
    plans: "Plans",
    extend: "Extend access",
    per_day: "{price} a day",
    promo_code: "Promo code",
    promo_apply: "Apply",
    promo_percent: "{code}: {n}% off any plan",
    promo_amount: "{code}: {sum} off any plan",
    promo_extra_days: "{code}: +{days} on any plan",
    promo_free_days: "{code}: {days} of access free",
    promo_redeem: "Activate",
    pay: "Pay {price}",
    get_free: "Get it free",
    payment_waiting: "Waiting for the payment…",
    payment_waiting_hint: "Pay on the YooKassa page and come back: access opens by itself",
    open_payment_page: "Open the payment page",
    choose_another: "Choose another plan",
    paid_until: "Paid: access until {date}",
    promo_until: "Promo code activated: access until {date}",
    trial_until: "Free access until {date}",
    payment_canceled: "The payment was canceled and nothing was charged. You can try again",
    payment_timed_out: "The payment has not arrived. If you were charged, access opens by itself: look in later",
    to_loads: "See loads",
    payments_off: "Payments are unavailable for now. Try later or write to support",
    autopay_choice: "Renew automatically",
    autopay_choice_hint: "YooKassa keeps the card: we charge the same amount shortly before access ends, and the bot warns you a day ahead. Switch it off in your profile with one tap",
    autopay_no_stars: "Telegram Stars cannot be charged by themselves: autopay works with card payments only",
    autopay_on: "Autopay is on: on {date} we charge {price} to card {card}",
    autopay_failed: "We could not renew your subscription automatically: the bank did not take the charge, and no money was taken. The days you paid for stay yours — renew by hand whenever it suits you",
    autopay_manage: "Autopay in your profile",
    access_until: "Access until {date}, {left} left",
    no_subscription: "No subscription",
    days_short: "{n}\u{a0}d",
    day_forms: ["day", "days", "days"],
    plural: english_plural,
};

impl Lang {
    /// The language's tag, as `accept-language` carries it.
    pub fn tag(self) -> &'static str {
        match self {
            Self::Ru => "ru",
            Self::En => "en",
        }
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Self::Ru => &RU,
            Self::En => &EN,
        }
    }
}

/// The texts in the driver's language. The app's pages are rendered once per language (see
/// `App`), so within a page the texts are plain values, not signals: most pages never change
/// language, and a page full of reactive labels would cost the browser bundle dearly.
pub fn use_texts() -> &'static Texts {
    use_context::<&'static Texts>().unwrap_or(Lang::Ru.texts())
}

/// 1 день, 3 дня, 5 дней, 11 дней, 21 день.
fn russian_plural(n: u64) -> usize {
    match (n % 10, n % 100) {
        (1, rem) if rem != 11 => 0,
        (2..=4, rem) if !(12..=14).contains(&rem) => 1,
        _ => 2,
    }
}

fn english_plural(n: u64) -> usize {
    if n == 1 { 0 } else { 1 }
}

impl Texts {
    /// "30 дней", "3 дня", "1 day".
    pub fn days(&self, n: u32) -> String {
        let form = self.day_forms[(self.plural)(n.into())];
        format!("{n}\u{a0}{form}")
    }

    /// A card's age: "только что", "5 мин назад", "3 ч назад", "2 дн назад" ("5 min ago"…).
    pub fn age(&self, seconds: u64) -> String {
        let (n, unit) = match seconds {
            0..60 => return self.just_now.to_owned(),
            60..3600 => (seconds / 60, self.minutes_ago),
            3600..86_400 => (seconds / 3600, self.hours_short),
            _ => (seconds / 86_400, self.days_ago_short),
        };
        self.posted_ago
            .replace("{age}", &format!("{n}\u{a0}{unit}"))
    }

    /// "3 дн.": days left, where space is short.
    pub fn days_left(&self, n: u32) -> String {
        self.days_short.replace("{n}", &n.to_string())
    }

    /// "5–10 т / 25–40 м³": a weight/volume category as the form and its chip name it.
    /// A shipper's level in words.
    pub fn trust(&self, level: TrustLevel) -> &'static str {
        let [new, good, fair, poor] = self.trust_levels;
        match level {
            TrustLevel::New => new,
            TrustLevel::Good => good,
            TrustLevel::Fair => fair,
            TrustLevel::Poor => poor,
        }
    }

    pub fn weight_category(&self, category: WeightCategory) -> &'static str {
        // The variants are declared in the order of `WeightCategory::ALL`.
        self.weight_categories[category as usize]
    }

    /// What to tell a driver about a refused request: the server's own words, said kindly with
    /// when to try again when their share of the exchange's calls is spent, or the lost connection.
    pub fn problem(&self, error: &ApiErrorBody) -> String {
        match (error.code.as_str(), error.retry_after) {
            ("too_many_requests", Some(seconds)) => self
                .slow_down
                .replace("{wait}", &format!("{seconds}\u{a0}{}", self.seconds_short)),
            ("too_many_requests", None) => self.slow_down_shortly.to_owned(),
            _ if error.message.is_empty() => self.no_connection.to_owned(),
            _ => error.message.clone(),
        }
    }

    /// What to tell a driver whose sign-in was refused with `code`.
    pub fn refusal(&self, code: &str) -> &'static str {
        match code {
            "init_data_expired" | "launch_data_reused" => self.expired,
            "init_data_bad_signature" => self.not_confirmed,
            "init_data_missing" => self.open_from_telegram,
            "init_data_malformed" | "invalid_launch_data" => self.damaged,
            "driver_banned" => self.banned,
            _ => self.no_connection,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_take_the_right_form() {
        let ru = Lang::Ru.texts();
        assert_eq!(ru.days(1), "1\u{a0}день");
        assert_eq!(ru.days(3), "3\u{a0}дня");
        assert_eq!(ru.days(7), "7\u{a0}дней");
        assert_eq!(ru.days(11), "11\u{a0}дней");
        assert_eq!(ru.days(21), "21\u{a0}день");
        assert_eq!(ru.days(90), "90\u{a0}дней");
        assert_eq!(Lang::En.texts().days(1), "1\u{a0}day");
        assert_eq!(Lang::En.texts().days(30), "30\u{a0}days");
    }

    #[test]
    fn a_driver_over_their_share_is_told_when_to_try_again_in_their_language() {
        let refusal = ApiErrorBody {
            code: "too_many_requests".into(),
            message: "Слишком много запросов".into(),
            errors: Vec::new(),
            retry_after: Some(42),
        };
        assert!(
            Lang::Ru
                .texts()
                .problem(&refusal)
                .ends_with("через 42\u{a0}с")
        );
        assert!(Lang::En.texts().problem(&refusal).ends_with("in 42\u{a0}s"));
        let unsaid = ApiErrorBody {
            retry_after: None,
            ..refusal
        };
        assert!(Lang::En.texts().problem(&unsaid).ends_with("in a minute"));
        assert_eq!(
            Lang::En.texts().problem(&ApiErrorBody::transport()),
            Lang::En.texts().no_connection
        );
    }

    #[test]
    fn a_cards_age_reads_in_the_drivers_language() {
        let (ru, en) = (Lang::Ru.texts(), Lang::En.texts());
        assert_eq!(ru.age(59), "только что");
        assert_eq!(ru.age(300), "5\u{a0}мин назад");
        assert_eq!(en.age(300), "5\u{a0}min ago");
        assert_eq!(ru.age(3 * 3600 + 59), "3\u{a0}ч назад");
        assert_eq!(en.age(2 * 86_400), "2\u{a0}d ago");
    }

    #[test]
    fn each_weight_category_has_its_label() {
        let five_to_ten = WeightCategory::ALL[2];
        assert_eq!(
            Lang::Ru.texts().weight_category(five_to_ten),
            "5–10 т / 25–40 м³"
        );
        assert_eq!(
            Lang::En.texts().weight_category(five_to_ten),
            "5–10 t / 25–40 m³"
        );
        for (index, category) in WeightCategory::ALL.into_iter().enumerate() {
            assert_eq!(category as usize, index);
        }
    }
}
