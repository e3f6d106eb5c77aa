//! The dashboard in Russian.

mod cabinet;
mod connection;
mod drivers;
mod payments;
mod promo;

use super::{Lang, texts::*};

/// The form of a word that agrees with `n`: день, дня, дней.
fn form(n: u64, forms: Noun) -> &'static str {
    forms[Lang::Ru.plural(n)]
}

const DAY: Noun = ["день", "дня", "дней"];

pub const TEXTS: Texts = Texts {
    lang: Lang::Ru,
    common: Common {
        brand: "Hauler · управление",
        language: "Язык",
        loading: "Загрузка…",
        cancel: "Отмена",
        save: "Сохранить",
        apply: "Применить",
        any: "Все",
        never: "никогда",
        from: "С",
        to: "По",
        when: "Когда",
        when_utc: "Когда (UTC)",
        created_utc: "Создан (UTC)",
        export_csv: "Выгрузить CSV",
        email: "Эл. почта",
        role: "Роль",
        status: "Статус",
        state: "Состояние",
        amount: "Сумма",
        refunded: "Возвращено",
        plan: "Тариф",
        provider: "Способ оплаты",
        promo_code: "Промокод",
        campaign: "Кампания",
        days: "Дни",
        driver: "Водитель",
        how_many: "Сколько",
        previous: "← Назад",
        next: "Далее →",
        page_of: |page, pages| format!("Страница {page} из {pages}"),
        not_found: "Страница не найдена",
        back_to_overview: "Вернуться к обзору",
        log_out: "Выйти",
        log_out_everywhere: "Выйти на всех устройствах",
        role_support: "поддержка",
        role_admin: "администратор",
        role_owner: "владелец",
    },
    nouns: Nouns {
        day: DAY,
        driver: ["водитель", "водителя", "водителей"],
        entry: ["запись", "записи", "записей"],
        payment: ["платёж", "платежа", "платежей"],
        code: ["код", "кода", "кодов"],
    },
    nav: Nav {
        overview: "Обзор",
        drivers: "Водители",
        payments: "Платежи и подписки",
        promo: "Промокоды и тарифы",
        flags: "Флаги функций",
        settings: "Настройки и секреты",
        connection: "Подключение к CargoTech",
        service_tokens: "Сервисные токены",
        audit: "Журнал действий",
        admins: "Администраторы",
        security: "Вход с кодом",
        shipper_reports: "Отзывы о грузоотправителях",
        cabinet: "Пропуска в кабинет",
    },
    login: Login {
        password: "Пароль",
        submit: "Войти",
        code: "Код из приложения",
    },
    overview: Overview {
        as_of: |at| format!("Данные на {at} UTC · обновляются каждые 10 с"),
        drivers_and_money: "Водители и деньги",
        drivers: "Водители",
        new_this_week: |n| format!("{n} {} за неделю", form(n, ["новый", "новых", "новых"])),
        active_today: "Активны сегодня",
        active_hint: "входили или откликались с 00:00 по Москве",
        paying: "Платят сейчас",
        on_trial: |n| format!("{n} на пробном периоде"),
        revenue_today: "Выручка сегодня",
        stars_today: |stars| format!("{stars} ★ в Stars"),
        revenue_30: "Выручка за 30 дней",
        stars_30: |stars| format!("{stars} ★ в Stars, за вычетом возвратов"),
        upstream_and_delivery: "CargoTech и доставка сообщений",
        budget: "Лимит запросов к бирже за минуту",
        paused: |seconds| format!("биржа приостановила запросы на {seconds} с"),
        used: |percent| format!("использовано {percent:.0} %"),
        cache: "Попадания в кэш",
        queue: "Ждут своей очереди",
        breaker: "Предохранитель",
        breaker_closed: "закрыт",
        breaker_open: "открыт",
        breaker_half_open: "полуоткрыт",
        connection: "Подключение",
        outbox: "Сообщения бота в очереди",
        chart_revenue: "Выручка по дням, ₽ (30 дней)",
        chart_drivers: "Новые водители по дням (30 дней)",
        peak: |top| format!(" · максимум {top}"),
        upstream_use: "Запросы к бирже за последний час",
        lists: "Списки",
        details: "Карточки грузов",
        cities: "Поиск городов",
        login: "Вход и проверки связи",
        background: "Фоновые",
        top_drivers: "Водители, вызвавшие больше всего запросов за час",
        no_driver_calls: "За последний час водители не вызвали ни одного запроса.",
        driver: "Водитель",
        calls: "Запросов",
        share: "Доля",
        cut_to: |cap| format!("урезана до {cap}/мин"),
        fair: "справедливая",
        banned: "заблокирован",
    },
    drivers: drivers::DRIVERS,
    payments: payments::PAYMENTS,
    promo: promo::PROMO,
    flags: Flags {
        description: |name| match name {
            "trial" => Some("Новые водители могут начать бесплатный пробный период"),
            "payments" => Some(
                "Водители могут покупать тарифы; если выключено, экран оплаты объясняет, что продажа приостановлена",
            ),
            "stars" => Some("Водители на платформах со Stars платят звёздами Telegram"),
            "alerts" => Some("Бот сообщает водителям о новых грузах по их сохранённым фильтрам"),
            "demo_login" => {
                Some("Только в песочнице: демо-водитель может войти из обычного браузера")
            }
            _ => None,
        },
    },
    settings: Settings {
        intro: "Секреты хранятся в зашифрованном виде и после сохранения больше не показываются. Каждое изменение попадает в журнал действий, секреты — только как «задан» / «не задан».",
        saved: |label| format!("Сохранено: {label}"),
        setting: "Параметр",
        now: "Сейчас",
        change: "Изменить",
        not_set: "не задано",
        secret: "секрет",
        new_value: "новое значение",
        new_secret: "новое значение (не отображается)",
        clear: "Очистить",
        known: |key| match key {
            "yookassa.shop_id" => Some((
                "Идентификатор магазина ЮKassa",
                "Применяется к следующему платежу вместе с секретным ключом ниже; эти значения важнее YOOKASSA_SHOP_ID и YOOKASSA_SECRET_KEY из окружения. Очистите их, чтобы вернуться к окружению.",
            )),
            "yookassa.secret_key" => Some((
                "Секретный ключ ЮKassa",
                "Применяется к следующему платежу вместе с идентификатором магазина выше.",
            )),
            "cargotech.phone" => Some((
                "Телефон CargoTech",
                "Применяется при следующем входе («Войти сейчас» на странице подключения) вместе с паролем ниже; эти значения важнее CARGOTECH_PHONE и CARGOTECH_PASSWORD из окружения.",
            )),
            "cargotech.password" => Some((
                "Пароль CargoTech",
                "Применяется при следующем входе вместе с телефоном выше.",
            )),
            "telegram.bot_token" => Some((
                "Токен Telegram-бота",
                "Через секунду применяется ко всем сообщениям, проверке входа и вебхуку; важнее TELEGRAM_BOT_TOKEN из окружения. Бот, запущенный отдельным процессом, использует свой токен.",
            )),
            "telegram.operator_chat_id" => Some((
                "ID чата операторов",
                "Сюда уйдёт следующее оповещение; важнее TELEGRAM_OPERATOR_CHAT_ID из окружения.",
            )),
            _ => None,
        },
    },
    connection: connection::CONNECTION,
    tokens: Tokens {
        intro_before: "Машинные клиенты (отдельный процесс бота, мониторинг) передают токен в заголовке ",
        intro_after: ". Заведите отдельный токен для каждого клиента; хранится только его хеш.",
        client_name: "Имя клиента",
        expires_in: "Срок действия, дней (пусто — бессрочно)",
        create: "Создать токен",
        issued: |name| {
            format!("Токен для «{name}»: скопируйте его сейчас, он показывается только один раз.")
        },
        copied: "Я скопировал токен",
        none_yet: "Токенов пока нет",
        client: "Клиент",
        expires: "Истекает",
        last_used: "Последнее использование",
        revoke: "Отозвать",
        state_live: "действует",
        state_expired: "истёк",
        state_revoked: "отозван",
    },
    audit: Audit {
        actor_contains: "Кто (содержит)",
        action_starts: "Действие начинается с",
        object: "Объект",
        none_match: "Нет записей по этим фильтрам.",
        actor: "Кто",
        action: "Действие",
        details: "Подробности",
        source_address: "Откуда",
    },
    admins: Admins {
        invited: |email| {
            format!("{email} уже может войти с выбранным вами паролем; передайте пароль лично")
        },
        last_login: "Последний вход",
        invited_by: "Пригласил",
        switch_on: "Включить",
        switch_off: "Отключить",
        invite_heading: "Пригласить администратора",
        first_password: "Первый пароль (не короче 12 символов)",
        invite: "Пригласить",
        second_factor: "Вход с кодом",
        reset_second_factor: "Сбросить код",
    },
    security: Security {
        intro: "Второй шаг входа: после пароля — шестизначный код из приложения-аутентификатора (Google Authenticator, Яндекс Ключ, 1Password…). Если телефон потерян, код сбросит владелец.",
        on: "Включён: при входе спрашивается код",
        off: "Выключен: для входа достаточно пароля",
        set_up: "Настроить",
        scan: "Отсканируйте QR-код в приложении",
        or_type: "или введите ключ вручную:",
        code: "Код из приложения",
        confirm: "Подтвердить и включить",
        turn_off: "Выключить",
        turn_off_hint: "Введите текущий код, чтобы выключить",
    },
    shippers: Shippers {
        intro: "Что ответили водители, когда бот спросил через день после отклика, как всё прошло с грузоотправителем. Отзыв входит в оценку отправителя только после одобрения здесь; каждое решение попадает в журнал аудита.",
        state: |state| match state {
            "pending" => "Ждут проверки",
            "approved" => "Одобрены",
            "rejected" => "Отклонены",
            "asked" => "Спросили, ответа нет",
            _ => "—",
        },
        outcome: |outcome| match outcome {
            "agreed" => "Договорились",
            "no_answer" => "Не ответили",
            "already_gone" => "Груз уже ушёл",
            "not_paid" => "Не заплатили",
            _ => "—",
        },
        answered: "Ответ (UTC)",
        shipper: "Грузоотправитель",
        load: "Груз",
        report: "Отзыв",
        approve: "Одобрить",
        reject: "Отклонить",
        none: "Здесь отзывов нет",
        moderated_by: "Решил",
    },
    cabinet: cabinet::CABINET,
    errors: Errors {
        transport: "Нет связи с сервером",
        try_again_in: |seconds| {
            format!("Слишком много неудачных попыток: повторите через {seconds} с")
        },
        by_code: |code| {
            Some(match code {
                "login_failed" => "Неверная почта или пароль",
                "cities_refresh_running" => "Справочник городов уже обновляется",
                "second_factor_required" => "Введите код из приложения-аутентификатора",
                "second_factor_code_wrong" => {
                    "Это не текущий код приложения (или он уже использован)"
                }
                "second_factor_enabled" => {
                    "Вход с кодом уже включён: выключите его, чтобы перенести в другое приложение"
                }
                "second_factor_not_pending" => "Сначала нажмите «Настроить»",
                "second_factor_not_found" => "У этого администратора вход с кодом не включён",
                "login_throttled" => "Слишком много неудачных попыток: повторите позже",
                "login_busy" => {
                    "Сейчас проверяется слишком много входов: повторите через несколько секунд"
                }
                "admin_session_missing" => "Войдите в панель управления",
                "admin_only" => "Это панель управления: сеанс водителя здесь не действует",
                "csrf_invalid" => "Запрос без CSRF-токена этого сеанса: обновите страницу",
                "role_insufficient" => "Ваша роль не позволяет это сделать",
                "cannot_change_yourself" => "Ваш аккаунт может изменить только другой владелец",
                "invalid_email" => "Нужен адрес электронной почты",
                "weak_password" => "Пароль должен быть не короче 12 символов",
                "admin_exists" => "Администратор с такой почтой уже есть",
                "admin_not_found" => "Администратор не найден",
                "driver_not_found" => "Водитель не найден",
                "pass_not_found" => "Такого пропуска нет",
                "invalid_policy_rule" => {
                    "Путь начинается с / (не длиннее 200 символов), причина — от 1 до 200 символов"
                }
                "duplicate_policy_rule" => "Этот путь уже закрыт",
                "policy_rule_not_found" => "Такого закрытого пути нет",
                "payment_not_found" => "Платёж не найден",
                "plan_not_found" => "Тариф не найден",
                "promo_not_found" => "Промокод не найден",
                "flag_not_found" => "Флаг не найден",
                "setting_not_found" => "Такого параметра нет",
                "service_token_not_found" => "Токен не найден",
                "bot_unreachable" => "Водитель заблокировал бота: сообщение до него не дойдёт",
                "invalid_days" => "Подарить можно от 1 до 365 дней",
                "invalid_share" => "Урезать долю можно до 0–1000 запросов в минуту",
                "invalid_text" => "Сообщение должно быть от 1 до 2000 символов",
                "invalid_page" | "invalid_page_size" => "Некорректный номер или размер страницы",
                "invalid_sort" => "Некорректная сортировка",
                "invalid_state" => "Некорректное состояние подписки",
                "invalid_filter" => "Некорректный фильтр",
                "invalid_date" => "Даты записываются как ГГГГ-ММ-ДД",
                "invalid_period" => "Начало периода позже его конца",
                "invalid_kind" => "Неизвестный тип промокода",
                "invalid_value" => "Недопустимое значение",
                "invalid_code" => "Некорректный промокод: латинские буквы, цифры и дефис",
                "invalid_campaign" => "Партия кодов должна относиться к кампании",
                "invalid_count" => "Недопустимое количество кодов",
                "invalid_amount" => "Некорректная сумма",
                "duplicate_code" => "Такой промокод уже есть",
                "setting_invalid" => "Недопустимое значение для этого параметра",
                "refund_not_possible" => "Вернуть можно только успешный платёж через ЮKassa",
                "cargotech_not_configured" => {
                    "Аккаунт CargoTech не настроен (CARGOTECH_PHONE и CARGOTECH_PASSWORD)"
                }
                "sms_code_not_pending" => "Сейчас код из SMS не ожидается: сначала выполните вход",
                "sms_code_wrong" => "Неверный код: проверьте SMS и попробуйте ещё раз",
                "sms_code_expired" => "Код устарел: войдите снова, чтобы получить новый",
                "sms_code_too_many_attempts" => {
                    "Слишком много неверных кодов: войдите снова, чтобы получить новый"
                }
                "exchange_unavailable" => "Биржа не ответила: попробуйте чуть позже",
                "not_a_sandbox" => "Подключена настоящая биржа: у неё нет параметров песочницы",
                "sandbox_knob_invalid" => "Недопустимое значение параметра песочницы",
                "service_token_name_invalid" => "Недопустимое имя клиента",
                "service_token_expiry_invalid" => "Недопустимый срок действия",
                "internal" => "На сервере что-то пошло не так, мы уже разбираемся",
                "unavailable" => "Сервис временно недоступен, попробуйте чуть позже",
                "invalid_body" => "Некорректное тело запроса: ожидается JSON",
                "body_too_large" => "Тело запроса больше 2 МБ",
                "invalid_query" => "Некорректные параметры запроса",
                _ => return None,
            })
        },
    },
};
