//! The one error type every answer of the JSON APIs is made of: a stable machine-readable
//! `code`, its HTTP status and a message a person can read, as `{code, message, errors?}`.
//!
//! Each code, its status and its default message are defined once, in [`ErrorCode::parts`];
//! handlers name a code (and may say more in its message), and each capability's own error enum
//! maps to codes with a `From` impl in the web layer. Internal detail goes to the log, never to
//! the client.

use std::time::Duration;

use app::{cargo::filter::FieldError, i18n::Lang};
use axum::{
    Json,
    extract::Request,
    http::{
        HeaderValue, StatusCode,
        header::{ACCEPT_LANGUAGE, RETRY_AFTER},
    },
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde::Serialize;

/// Every refusal the APIs give. The Mini App's messages are Russian, and English for a client
/// that asks for it (`accept-language: en`, see [`in_asked_language`]); the dashboard's are
/// English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    Internal,
    /// The database cannot be reached (down, restarting): said within a second, never a hang.
    DatabaseUnavailable,
    InvalidBody,
    BodyTooLarge,
    InvalidQuery,
    InvalidId,
    InitDataMissing,
    InitDataMalformed,
    InitDataBadSignature,
    InitDataExpired,
    InvalidLaunchData,
    LaunchDataReused,
    PromoUnknown,
    PromoNotYetValid,
    PromoExpired,
    PromoUsedUp,
    PromoAlreadyUsed,
    InvalidEmail,
    WeakPassword,
    AdminExists,
    AdminNotFound,
    CannotChangeYourself,
    InvalidDate(Fault),
    InvalidPage,
    InvalidPageSize,
    LoginThrottled,
    LoginBusy,
    SecondFactorRequired,
    LoginFailed,
    CargotechAccountUnknown,
    CargotechNotConfigured,
    SmsCodeNotPending,
    SmsCodeWrong,
    SmsCodeExpired,
    SmsCodeTooManyAttempts,
    ExchangeUnavailable,
    NotASandbox,
    SandboxKnobInvalid,
    DriverNotFound,
    InvalidState,
    InvalidSort,
    InvalidDays,
    InvalidShare,
    InvalidText,
    BotUnreachable,
    FlagNotFound,
    InvalidFilter(Fault),
    PaymentNotFound,
    InvalidValue,
    PlanNotFound,
    InvalidKind,
    InvalidPeriod,
    InvalidCampaign,
    InvalidCode,
    DuplicateCode,
    PromoNotFound,
    InvalidCount,
    /// `401` at login, `422` on the dashboard.
    SecondFactorCodeWrong {
        at_login: bool,
    },
    SecondFactorEnabled,
    SecondFactorNotPending,
    SecondFactorNotFound,
    ServiceTokenNameInvalid,
    ServiceTokenExpiryInvalid,
    ServiceTokenNotFound,
    SettingNotFound,
    SettingInvalid,
    DemoLoginDisabled,
    DriverBanned,
    UpstreamBusy,
    /// A card waited in line for the exchange as long as a driver may.
    DetailNotFetched,
    /// The driver has spent their fair share of the exchange's budget (with `Retry-After`).
    TooManyRequests,
    UpstreamLoginPending,
    UpstreamUnavailable,
    CargoNotAvailable,
    CitiesNotLoaded,
    /// A city the gazetteer holds no coordinates for, where a search by place needs them.
    PlaceNotLocated,
    /// Coordinates or a radius outside what a search by place takes.
    InvalidPlace,
    CitiesRefreshRunning,
    ResponseNotFound,
    InvalidInn,
    ShipperNotFound,
    ShipperReportNotFound,
    ShipperReportNotPending,
    InvalidName,
    TooManyFilters,
    FilterNotFound,
    FilterNameTaken,
    InvalidProfile,
    TrialUsed,
    TrialDisabled,
    PaymentsDisabled,
    PromoInvalid,
    PromoNeedsPurchase,
    PromoFreeDays,
    RefundNotPossible,
    RefundAmountInvalid,
    PlanNotForStars,
    AutopayNeedsCard,
    AutopayNotForStars,
    PaymentsUnavailable,
    PaymentRefused,
    NotificationForbidden,
    SessionMissing,
    SessionExpired,
    SubscriptionRequired,
    ServiceTokenRequired,
    ServiceTokenInvalid,
    AdminOnly,
    AdminSessionMissing,
    CsrfInvalid,
    RoleInsufficient,
    PassMissing,
    /// Forged, expired or revoked: the cabinet is closed to it.
    PassInvalid,
    PassNotFound,
    PassNotActive,
    LinkInvalid,
    CabinetUnavailable,
    CabinetPathDenied,
    InvalidPolicyRule,
    DuplicatePolicyRule,
    PolicyRuleNotFound,
}

/// Whether a refused input could not be read at all (`400`) or was read and is not allowed
/// (`422`): the same code answers both on different routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Unreadable,
    Unacceptable,
}

impl Fault {
    fn status(self) -> StatusCode {
        match self {
            Self::Unreadable => StatusCode::BAD_REQUEST,
            Self::Unacceptable => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}

impl ErrorCode {
    /// The status, the stable code and the default message: a table, one code a line.
    #[rustfmt::skip]
    fn parts(self) -> (StatusCode, &'static str, &'static str) {
        use StatusCode as S;
        const WRONG_CODE: &str = "That code is not the app's current one (or was used already)";
        match self {
            Self::Internal => (S::INTERNAL_SERVER_ERROR, "internal", "Что-то пошло не так, мы уже разбираемся"),
            Self::DatabaseUnavailable => (S::SERVICE_UNAVAILABLE, "database_unavailable", "База данных временно недоступна, повторите через несколько секунд"),
            Self::InvalidBody => (S::BAD_REQUEST, "invalid_body", "Некорректное тело запроса: ожидается JSON"),
            Self::BodyTooLarge => (S::PAYLOAD_TOO_LARGE, "body_too_large", "Запрос слишком большой: отправьте меньше данных"),
            Self::InvalidQuery => (S::BAD_REQUEST, "invalid_query", "Некорректные параметры запроса"),
            Self::InvalidId => (S::BAD_REQUEST, "invalid_id", "Некорректный номер в адресе: ожидается целое число больше нуля"),
            Self::InitDataMissing => (S::UNAUTHORIZED, "init_data_missing", "Откройте Hauler из Telegram: бот не передал данные входа"),
            Self::InitDataMalformed => (S::UNAUTHORIZED, "init_data_malformed", "Данные входа повреждены. Закройте и снова откройте приложение из бота"),
            Self::InitDataBadSignature => (S::UNAUTHORIZED, "init_data_bad_signature", "Не удалось подтвердить вход через Telegram"),
            Self::InitDataExpired => (S::UNAUTHORIZED, "init_data_expired", "Сеанс входа устарел. Закройте и снова откройте приложение из бота"),
            Self::InvalidLaunchData => (S::UNAUTHORIZED, "invalid_launch_data", "Telegram передал данные входа, которые Hauler не принимает"),
            Self::LaunchDataReused => (S::UNAUTHORIZED, "launch_data_reused", "Этот вход уже завершён. Закройте и снова откройте приложение из бота"),
            Self::PromoUnknown => (S::UNPROCESSABLE_ENTITY, "promo_unknown", "Такого промокода нет: проверьте, как он написан"),
            Self::PromoNotYetValid => (S::UNPROCESSABLE_ENTITY, "promo_not_yet_valid", "Этот промокод ещё не начал действовать"),
            Self::PromoExpired => (S::UNPROCESSABLE_ENTITY, "promo_expired", "Срок действия промокода закончился"),
            Self::PromoUsedUp => (S::UNPROCESSABLE_ENTITY, "promo_used_up", "Промокод уже использовали максимальное число раз"),
            Self::PromoAlreadyUsed => (S::UNPROCESSABLE_ENTITY, "promo_already_used", "Вы уже использовали этот промокод"),
            Self::InvalidEmail => (S::UNPROCESSABLE_ENTITY, "invalid_email", "That is not an email address"),
            Self::WeakPassword => (S::UNPROCESSABLE_ENTITY, "weak_password", "The password is too weak"),
            Self::AdminExists => (S::CONFLICT, "admin_exists", "An admin with this email exists already"),
            Self::AdminNotFound => (S::NOT_FOUND, "admin_not_found", "No such admin"),
            Self::CannotChangeYourself => (S::CONFLICT, "cannot_change_yourself", "Another owner must change your own account"),
            Self::InvalidDate(fault) => (fault.status(), "invalid_date", "Dates are YYYY-MM-DD or an RFC 3339 instant"),
            Self::InvalidPage => (S::BAD_REQUEST, "invalid_page", "The page is a number from 1"),
            Self::InvalidPageSize => (S::BAD_REQUEST, "invalid_page_size", "A page holds 1 to 100 entries"),
            Self::LoginThrottled => (S::TOO_MANY_REQUESTS, "login_throttled", "Too many failed attempts: try again later"),
            Self::LoginBusy => (S::SERVICE_UNAVAILABLE, "login_busy", "Too many logins are being checked right now: try again in a few seconds"),
            Self::SecondFactorRequired => (S::UNAUTHORIZED, "second_factor_required", "Enter the code from your authenticator app"),
            Self::LoginFailed => (S::UNAUTHORIZED, "login_failed", "Wrong email or password"),
            Self::CargotechAccountUnknown => (S::NOT_FOUND, "cargotech_account_unknown", "No CargoTech account has this name"),
            Self::CargotechNotConfigured => (S::CONFLICT, "cargotech_not_configured", "No CargoTech account is configured (CARGOTECH_PHONE and CARGOTECH_PASSWORD)"),
            Self::SmsCodeNotPending => (S::CONFLICT, "sms_code_not_pending", "No login is waiting for an SMS code: log in first"),
            Self::SmsCodeWrong => (S::UNPROCESSABLE_ENTITY, "sms_code_wrong", "The code is wrong: check the SMS and try again"),
            Self::SmsCodeExpired => (S::UNPROCESSABLE_ENTITY, "sms_code_expired", "The code has expired: log in again to get a new one"),
            Self::SmsCodeTooManyAttempts => (S::UNPROCESSABLE_ENTITY, "sms_code_too_many_attempts", "Too many wrong codes: log in again to get a new one"),
            Self::ExchangeUnavailable => (S::BAD_GATEWAY, "exchange_unavailable", "The exchange did not answer: try again in a moment"),
            Self::NotASandbox => (S::NOT_FOUND, "not_a_sandbox", "The exchange is not the sandbox: it has no knobs"),
            Self::SandboxKnobInvalid => (S::UNPROCESSABLE_ENTITY, "sandbox_knob_invalid", "That is not a valid value for this knob"),
            Self::DriverNotFound => (S::NOT_FOUND, "driver_not_found", "No such driver"),
            Self::InvalidState => (S::BAD_REQUEST, "invalid_state", "The state is one of active, trial, expired, never, banned"),
            Self::InvalidSort => (S::BAD_REQUEST, "invalid_sort", "The order is newest, name or access_ends"),
            Self::InvalidDays => (S::UNPROCESSABLE_ENTITY, "invalid_days", "Too many days"),
            Self::InvalidShare => (S::UNPROCESSABLE_ENTITY, "invalid_share", "A driver's share is cut to 0 to 1000 calls a minute"),
            Self::InvalidText => (S::UNPROCESSABLE_ENTITY, "invalid_text", "The message is empty or too long"),
            Self::BotUnreachable => (S::CONFLICT, "bot_unreachable", "This driver has blocked the bot: no message can reach them"),
            Self::FlagNotFound => (S::NOT_FOUND, "flag_not_found", "No such feature flag"),
            Self::InvalidFilter(fault) => (fault.status(), "invalid_filter", "Проверьте фильтр: некоторые значения не подходят"),
            Self::PaymentNotFound => (S::NOT_FOUND, "payment_not_found", "No such payment"),
            Self::InvalidValue => (S::UNPROCESSABLE_ENTITY, "invalid_value", "A plan lasts from 1 to 3650 days"),
            Self::PlanNotFound => (S::NOT_FOUND, "plan_not_found", "No such plan"),
            Self::InvalidKind => (S::UNPROCESSABLE_ENTITY, "invalid_kind", "The kind is extra_days, percent_off, amount_off or free_days"),
            Self::InvalidPeriod => (S::UNPROCESSABLE_ENTITY, "invalid_period", "A code must stop being valid after it starts"),
            Self::InvalidCampaign => (S::UNPROCESSABLE_ENTITY, "invalid_campaign", "A campaign's name is at most 60 characters"),
            Self::InvalidCode => (S::UNPROCESSABLE_ENTITY, "invalid_code", "A promo code holds 3 to 32 letters, digits, - or _"),
            Self::DuplicateCode => (S::CONFLICT, "duplicate_code", "That promo code exists already"),
            Self::PromoNotFound => (S::NOT_FOUND, "promo_not_found", "No such promo code"),
            Self::InvalidCount => (S::UNPROCESSABLE_ENTITY, "invalid_count", "A batch holds too many or too few codes"),
            Self::SecondFactorCodeWrong { at_login: true } => (S::UNAUTHORIZED, "second_factor_code_wrong", WRONG_CODE),
            Self::SecondFactorCodeWrong { at_login: false } => (S::UNPROCESSABLE_ENTITY, "second_factor_code_wrong", WRONG_CODE),
            Self::SecondFactorEnabled => (S::CONFLICT, "second_factor_enabled", "The second factor is on already: turn it off first to move it to another app"),
            Self::SecondFactorNotPending => (S::CONFLICT, "second_factor_not_pending", "Set the second factor up first"),
            Self::SecondFactorNotFound => (S::NOT_FOUND, "second_factor_not_found", "This admin has no second factor"),
            Self::ServiceTokenNameInvalid => (S::UNPROCESSABLE_ENTITY, "service_token_name_invalid", "Name the client in 1-40 letters, digits, `-` or `_` (e.g. `bot`, `monitoring`)"),
            Self::ServiceTokenExpiryInvalid => (S::UNPROCESSABLE_ENTITY, "service_token_expiry_invalid", "A token expires in 1 to 3650 days, or never"),
            Self::ServiceTokenNotFound => (S::NOT_FOUND, "service_token_not_found", "No live service token with that id"),
            Self::SettingNotFound => (S::NOT_FOUND, "setting_not_found", "No such setting"),
            Self::SettingInvalid => (S::UNPROCESSABLE_ENTITY, "setting_invalid", "That is not a valid value for this setting"),
            Self::DemoLoginDisabled => (S::FORBIDDEN, "demo_login_disabled", "Демо-вход выключен"),
            Self::DriverBanned => (S::FORBIDDEN, "driver_banned", "Доступ к Hauler для этого аккаунта закрыт"),
            Self::UpstreamBusy => (S::SERVICE_UNAVAILABLE, "upstream_busy", "Биржа сейчас перегружена запросами, повторите через несколько секунд"),
            Self::DetailNotFetched => (S::SERVICE_UNAVAILABLE, "detail_not_fetched", "Подробности груза не успели загрузиться: биржа перегружена. Повторите через минуту"),
            Self::TooManyRequests => (S::TOO_MANY_REQUESTS, "too_many_requests", "Слишком много запросов к бирже с вашего аккаунта. Подождите немного и повторите"),
            Self::UpstreamLoginPending => (S::SERVICE_UNAVAILABLE, "upstream_login_pending", "Свежие данные задерживаются: идёт вход на биржу, попробуйте позже"),
            Self::UpstreamUnavailable => (S::SERVICE_UNAVAILABLE, "upstream_unavailable", "Биржа грузов сейчас недоступна, попробуйте чуть позже"),
            Self::CargoNotAvailable => (S::NOT_FOUND, "cargo_not_available", "Этот груз уже недоступен: его забрали или сняли с биржи"),
            Self::CitiesNotLoaded => (S::SERVICE_UNAVAILABLE, "cities_not_loaded", "Справочник городов ещё загружается с биржи, попробуйте через минуту"),
            Self::PlaceNotLocated => (S::UNPROCESSABLE_ENTITY, "place_not_located", "Мы не знаем, где этот город: выберите соседний крупный город"),
            Self::InvalidPlace => (S::UNPROCESSABLE_ENTITY, "invalid_place", "Координаты или радиус вне допустимого: широта от -90 до 90, долгота от -180 до 180, радиус от 10 до 500 км"),
            Self::CitiesRefreshRunning => (S::CONFLICT, "cities_refresh_running", "The points dictionary is being refreshed already"),
            Self::ResponseNotFound => (S::NOT_FOUND, "response_not_found", "Вы ещё не откликались на этот груз"),
            Self::InvalidInn => (S::BAD_REQUEST, "invalid_inn", "ИНН — 10 или 12 цифр"),
            Self::ShipperNotFound => (S::NOT_FOUND, "shipper_not_found", "Грузы этого грузоотправителя Hauler ещё не видел"),
            Self::ShipperReportNotFound => (S::NOT_FOUND, "shipper_report_not_found", "No such report"),
            Self::ShipperReportNotPending => (S::CONFLICT, "shipper_report_not_pending", "This report is not waiting for a moderator: it is unanswered or settled already"),
            Self::InvalidName => (S::UNPROCESSABLE_ENTITY, "invalid_name", "Название фильтра — от 1 до 60 символов"),
            Self::TooManyFilters => (S::CONFLICT, "too_many_filters", "Сохранённых фильтров слишком много: удалите ненужный"),
            Self::FilterNotFound => (S::NOT_FOUND, "filter_not_found", "Такого сохранённого фильтра нет"),
            Self::FilterNameTaken => (S::CONFLICT, "filter_name_taken", "Фильтр с таким названием уже есть: выберите другое"),
            Self::InvalidProfile => (S::UNPROCESSABLE_ENTITY, "invalid_profile", "Проверьте профиль: некоторые значения не подходят"),
            Self::TrialUsed => (S::CONFLICT, "trial_used", "Бесплатный период уже был использован"),
            Self::TrialDisabled => (S::FORBIDDEN, "trial_disabled", "Бесплатный период сейчас не предоставляется"),
            Self::PaymentsDisabled => (S::FORBIDDEN, "payments_disabled", "Оплата временно недоступна. Попробуйте позже или напишите в поддержку"),
            Self::PromoInvalid => (S::UNPROCESSABLE_ENTITY, "promo_invalid", "Промокод — от 3 до 32 букв и цифр"),
            Self::PromoNeedsPurchase => (S::UNPROCESSABLE_ENTITY, "promo_needs_purchase", "Этот промокод даёт скидку: выберите тариф и оплатите его с промокодом"),
            Self::PromoFreeDays => (S::UNPROCESSABLE_ENTITY, "promo_free_days", "Этот промокод даёт бесплатные дни: активируйте его без покупки тарифа"),
            Self::RefundNotPossible => (S::CONFLICT, "refund_not_possible", "Only a succeeded YooKassa payment can be refunded"),
            Self::RefundAmountInvalid => (S::UNPROCESSABLE_ENTITY, "refund_amount_invalid", "A refund must be above zero and at most what is left"),
            Self::PlanNotForStars => (S::CONFLICT, "plan_not_for_stars", "Этот тариф нельзя оплатить звёздами Telegram"),
            Self::AutopayNeedsCard => (S::CONFLICT, "autopay_needs_card", "Автоплатёж включается при оплате картой: оплатите подписку с галочкой «Продлевать автоматически»"),
            Self::AutopayNotForStars => (S::UNPROCESSABLE_ENTITY, "autopay_not_for_stars", "Звёзды Telegram не списываются автоматически: автоплатёж доступен только при оплате картой"),
            Self::PaymentsUnavailable => (S::SERVICE_UNAVAILABLE, "payments_unavailable", "Оплата сейчас недоступна, попробуйте чуть позже"),
            Self::PaymentRefused => (S::BAD_GATEWAY, "payment_refused", "Платёжная система отклонила платёж, попробуйте ещё раз"),
            Self::NotificationForbidden => (S::FORBIDDEN, "notification_forbidden", "Notifications are accepted from YooKassa's addresses only"),
            Self::SessionMissing => (S::UNAUTHORIZED, "session_missing", "Войдите через Telegram: откройте приложение из бота"),
            Self::SessionExpired => (S::UNAUTHORIZED, "session_expired", "Сеанс завершён. Откройте приложение из бота ещё раз"),
            Self::SubscriptionRequired => (S::PAYMENT_REQUIRED, "subscription_required", "Грузы доступны по подписке: оформите её в приложении"),
            Self::ServiceTokenRequired => (S::FORBIDDEN, "service_token_required", "This endpoint is for machine clients: send X-Service-Token"),
            Self::ServiceTokenInvalid => (S::FORBIDDEN, "service_token_invalid", "The service token is wrong, expired or revoked"),
            Self::AdminOnly => (S::FORBIDDEN, "admin_only", "This is the admin dashboard: a driver's session cannot use it"),
            Self::AdminSessionMissing => (S::UNAUTHORIZED, "admin_session_missing", "Log in to the admin dashboard"),
            Self::CsrfInvalid => (S::FORBIDDEN, "csrf_invalid", "The request lacks this session's CSRF token: reload the page"),
            Self::RoleInsufficient => (S::FORBIDDEN, "role_insufficient", "Your role does not allow this"),
            Self::PassMissing => (S::UNAUTHORIZED, "pass_missing", "Откройте кабинет по пропуску: ссылка из приложения или код пропуска"),
            Self::PassInvalid => (S::UNAUTHORIZED, "pass_invalid", "Пропуск недействителен: он истёк, отозван или введён с ошибкой"),
            Self::PassNotFound => (S::NOT_FOUND, "pass_not_found", "Такого пропуска нет"),
            Self::PassNotActive => (S::CONFLICT, "pass_not_active", "Пропуск не действует: он ещё не оплачен, истёк или отозван"),
            Self::LinkInvalid => (S::UNAUTHORIZED, "link_invalid", "Ссылка для входа уже использована или устарела: получите новую в приложении"),
            Self::CabinetUnavailable => (S::SERVICE_UNAVAILABLE, "cabinet_unavailable", "Кабинет биржи сейчас недоступен, попробуйте позже"),
            Self::CabinetPathDenied => (S::FORBIDDEN, "cabinet_path_denied", "Эта страница кабинета закрыта: она меняет общий аккаунт"),
            Self::InvalidPolicyRule => (S::UNPROCESSABLE_ENTITY, "invalid_policy_rule", "A rule is a path from / (at most 200 characters) and a reason of 1 to 200 characters"),
            Self::DuplicatePolicyRule => (S::CONFLICT, "duplicate_policy_rule", "That path is closed already"),
            Self::PolicyRuleNotFound => (S::NOT_FOUND, "policy_rule_not_found", "No such rule"),
        }
    }

    /// The English words of a refusal whose default message is Russian.
    #[rustfmt::skip]
    fn english(self) -> Option<&'static str> {
        Some(match self {
            Self::Internal => "Something went wrong; we are on it",
            Self::DatabaseUnavailable => "The database is briefly unavailable: try again in a few seconds",
            Self::InvalidBody => "The request's body is not the JSON expected",
            Self::BodyTooLarge => "The request is too large: send less data",
            Self::InvalidQuery => "The request's parameters are not valid",
            Self::InvalidId => "The number in the address is not valid: a whole number above zero is expected",
            Self::InitDataMissing => "Open Hauler from Telegram: the bot passed no sign-in data",
            Self::InitDataMalformed => "The sign-in data is damaged. Close the app and open it again from the bot",
            Self::InitDataBadSignature => "Telegram's sign-in could not be confirmed",
            Self::InitDataExpired => "The sign-in is out of date. Close the app and open it again from the bot",
            Self::InvalidLaunchData => "Telegram passed sign-in data that Hauler does not accept",
            Self::LaunchDataReused => "That sign-in is over. Close the app and open it again from the bot",
            Self::PromoUnknown => "There is no such promo code: check how it is spelled",
            Self::PromoNotYetValid => "This promo code is not valid yet",
            Self::PromoExpired => "This promo code has expired",
            Self::PromoUsedUp => "This promo code has been used the most times it may be",
            Self::PromoAlreadyUsed => "You have used this promo code already",
            Self::InvalidFilter(_) => "Check the filter: some values do not fit",
            Self::DemoLoginDisabled => "The demo sign-in is switched off",
            Self::DriverBanned => "Access to Hauler is closed for this account",
            Self::UpstreamBusy => "The exchange is busy with requests: try again in a few seconds",
            Self::TooManyRequests => "Too many requests to the exchange from your account. Wait a little and try again",
            Self::UpstreamLoginPending => "Fresh data is delayed while Hauler signs in to the exchange: try again later",
            Self::UpstreamUnavailable => "The freight exchange is unavailable right now: try again a little later",
            Self::CargoNotAvailable => "This load is no longer available: it was taken or withdrawn",
            Self::CitiesNotLoaded => "The list of cities is still loading from the exchange: try again in a minute",
            Self::PlaceNotLocated => "We do not know where this city is: choose a larger city nearby",
            Self::InvalidPlace => "Coordinates or radius out of range: latitude -90 to 90, longitude -180 to 180, radius 10 to 500 km",
            Self::ResponseNotFound => "You have not responded to this load",
            Self::InvalidInn => "An INN is 10 or 12 digits",
            Self::ShipperNotFound => "Hauler has not seen a load of this shipper yet",
            Self::InvalidName => "A filter's name is 1 to 60 characters",
            Self::TooManyFilters => "Too many saved filters: delete one you do not need",
            Self::FilterNotFound => "There is no such saved filter",
            Self::TrialUsed => "The free trial has been used already",
            Self::TrialDisabled => "The free trial is not offered right now",
            Self::PaymentsDisabled => "Payments are unavailable for now. Try later or write to support",
            Self::PromoInvalid => "A promo code is 3 to 32 letters and digits",
            Self::PromoNeedsPurchase => "This promo code gives a discount: choose a plan and pay for it with the code",
            Self::PromoFreeDays => "This promo code gives free days: apply it without buying a plan",
            Self::PlanNotForStars => "This plan cannot be paid for with Telegram Stars",
            Self::AutopayNeedsCard => "Autopay starts with a card payment: pay for a plan with \"Renew automatically\" ticked",
            Self::AutopayNotForStars => "Telegram Stars cannot be charged automatically: autopay works with card payments only",
            Self::PaymentsUnavailable => "Payments are unavailable right now: try again a little later",
            Self::PaymentRefused => "The payment system refused the payment: try again",
            Self::SessionMissing => "Sign in through Telegram: open the app from the bot",
            Self::SessionExpired => "The session has ended. Open the app from the bot again",
            Self::SubscriptionRequired => "Loads come with a subscription: take one in the app",
            Self::FilterNameTaken => "A filter has this name already: choose another",
            Self::DetailNotFetched => "The load's details did not arrive in time: the exchange is busy. Try again in a minute",
            Self::InvalidProfile => "Check the profile: some values do not fit",
            Self::PassMissing => "Open the cabinet with a pass: the link from the app or the pass's code",
            Self::PassInvalid => "The pass is not valid: it expired, was revoked or was mistyped",
            Self::PassNotFound => "There is no such pass",
            Self::PassNotActive => "The pass is not in force: not paid yet, expired or revoked",
            Self::LinkInvalid => "The sign-in link was used already or has expired: get a new one in the app",
            Self::CabinetUnavailable => "The exchange's cabinet is unavailable right now: try again later",
            Self::CabinetPathDenied => "This page of the cabinet is closed: it changes the shared account",
            _ => return None,
        })
    }

    pub fn status(self) -> StatusCode {
        self.parts().0
    }

    /// The stable string clients match on.
    pub fn as_str(self) -> &'static str {
        self.parts().1
    }

    /// This refusal, with a message that says more than the default one.
    pub fn with_message(self, message: impl Into<String>) -> ApiError {
        ApiError {
            code: self,
            message: message.into(),
            errors: Vec::new(),
            retry_after: None,
        }
    }
}

#[derive(Debug)]
pub struct ApiError {
    code: ErrorCode,
    message: String,
    errors: Vec<FieldError>,
    /// When the client may try again, as `Retry-After` (a `503` says 5 s unless told).
    retry_after: Option<Duration>,
}

impl From<ErrorCode> for ApiError {
    fn from(code: ErrorCode) -> Self {
        code.with_message(code.parts().2)
    }
}

impl ApiError {
    pub fn bad_body(detail: impl std::fmt::Display) -> Self {
        tracing::debug!(%detail, "a request's body was refused");
        ErrorCode::InvalidBody.into()
    }

    pub fn bad_query(detail: impl std::fmt::Display) -> Self {
        tracing::debug!(%detail, "a request's query was refused");
        ErrorCode::InvalidQuery.into()
    }

    pub fn internal() -> Self {
        ErrorCode::Internal.into()
    }

    /// The stable code this refusal answers with.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    pub fn with_field_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    /// `429 too_many_requests`: the client asked too often and may ask again after `retry_after`,
    /// told so in the driver's language.
    pub fn too_many_requests(retry_after: Duration, english: bool) -> Self {
        let seconds = whole_seconds(retry_after);
        let message = if english {
            format!("Too many requests in a row: wait {seconds} s and try again")
        } else {
            format!("Слишком много запросов подряд: подождите {seconds} с и попробуйте снова")
        };
        ErrorCode::TooManyRequests
            .with_message(message)
            .with_retry_after(retry_after)
    }

    /// Tells the client when to try again (whole seconds, rounded up).
    pub fn with_retry_after(mut self, wait: Duration) -> Self {
        self.retry_after = Some(wait);
        self
    }
}

/// A lost connection is a `503 database_unavailable` the client may retry; anything else is the
/// server's fault.
impl From<sea_orm::DbErr> for ApiError {
    fn from(error: sea_orm::DbErr) -> Self {
        if domain::database::is_outage(&error) {
            tracing::warn!(%error, "the database is unavailable");
            ErrorCode::DatabaseUnavailable.into()
        } else {
            tracing::error!(%error, "database error");
            Self::internal()
        }
    }
}

/// The body every refusal has.
#[derive(Serialize)]
struct Body<'a> {
    code: &'static str,
    message: &'a str,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    errors: &'a [FieldError],
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.code.status();
        let (message, errors) = match (asks_for_english(), self.code.english()) {
            // Only the default words are replaced: a message said on purpose stays as it is.
            (true, Some(words)) if self.message == self.code.parts().2 => (
                words.to_owned(),
                self.errors
                    .into_iter()
                    .map(|error| error.worded(Lang::En))
                    .collect(),
            ),
            _ => (self.message, self.errors),
        };
        let body = Body {
            code: self.code.as_str(),
            message: &message,
            errors: &errors,
        };
        let mut response = (status, Json(body)).into_response();
        let retry_after = match self.retry_after {
            Some(wait) => Some(HeaderValue::from(whole_seconds(wait))),
            None if status == StatusCode::SERVICE_UNAVAILABLE => {
                Some(HeaderValue::from_static("5"))
            }
            None => None,
        };
        if let Some(retry_after) = retry_after {
            response.headers_mut().insert(RETRY_AFTER, retry_after);
        }
        // Layers that care which refusal it was (the promo door counts wrong codes) read it here.
        response.extensions_mut().insert(self.code);
        response
    }
}

tokio::task_local! {
    /// Whether the request being answered asked for English.
    static ENGLISH: bool;
}

/// Whether the request being answered asked for English: for a refusal whose message is made on
/// the spot.
pub fn asks_for_english() -> bool {
    ENGLISH.try_with(|english| *english).unwrap_or(false)
}

/// Answers each request with its refusals in the language it asks for: English when the first
/// language of `accept-language` is English (the Mini App sends its own, Telegram's), Russian
/// otherwise.
pub async fn in_asked_language(request: Request, next: Next) -> Response {
    let english = request
        .headers()
        .get(ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split([',', ';', '-']).next())
        .is_some_and(|first| first.trim().eq_ignore_ascii_case("en"));
    ENGLISH.scope(english, next.run(request)).await
}

/// `Retry-After` counts whole seconds: a wait is rounded up, and is at least one.
fn whole_seconds(wait: Duration) -> u64 {
    (wait.as_millis().div_ceil(1000) as u64).max(1)
}
