//! Every text the dashboard shows, a field each, so a language missing one does not compile.
//! Texts with numbers or names in them are functions; counted nouns carry their plural forms.

use super::Lang;
use crate::{
    pages::Page,
    wire::{
        ErrorBody, Role, connection::LinkState, connection::SandboxStats, drivers::DriverSort,
        drivers::DriverState,
    },
};

/// A counted noun's forms: one, few (Russian 2–4) and many.
pub type Noun = [&'static str; 3];

pub struct Texts {
    pub lang: Lang,
    pub common: Common,
    pub nouns: Nouns,
    pub nav: Nav,
    pub login: Login,
    pub overview: Overview,
    pub drivers: Drivers,
    pub payments: Payments,
    pub promo: Promo,
    pub flags: Flags,
    pub settings: Settings,
    pub connection: Connection,
    pub tokens: Tokens,
    pub audit: Audit,
    pub admins: Admins,
    pub security: Security,
    pub errors: Errors,
}

pub struct Common {
    /// The document's title and the sidebar's brand.
    pub brand: &'static str,
    pub language: &'static str,
    pub loading: &'static str,
    pub cancel: &'static str,
    pub save: &'static str,
    pub apply: &'static str,
    pub any: &'static str,
    pub never: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub when: &'static str,
    pub when_utc: &'static str,
    pub created_utc: &'static str,
    pub export_csv: &'static str,
    pub email: &'static str,
    pub role: &'static str,
    pub status: &'static str,
    pub state: &'static str,
    pub amount: &'static str,
    pub refunded: &'static str,
    pub plan: &'static str,
    pub provider: &'static str,
    pub promo_code: &'static str,
    pub campaign: &'static str,
    pub days: &'static str,
    pub driver: &'static str,
    pub how_many: &'static str,
    pub previous: &'static str,
    pub next: &'static str,
    pub page_of: fn(u64, u64) -> String,
    pub not_found: &'static str,
    pub back_to_overview: &'static str,
    pub log_out: &'static str,
    pub log_out_everywhere: &'static str,
    pub role_support: &'static str,
    pub role_admin: &'static str,
    pub role_owner: &'static str,
}

pub struct Nouns {
    pub day: Noun,
    pub driver: Noun,
    pub entry: Noun,
    pub payment: Noun,
    pub code: Noun,
}

pub struct Nav {
    pub overview: &'static str,
    pub drivers: &'static str,
    pub payments: &'static str,
    pub promo: &'static str,
    pub flags: &'static str,
    pub settings: &'static str,
    pub connection: &'static str,
    pub service_tokens: &'static str,
    pub audit: &'static str,
    pub admins: &'static str,
    pub security: &'static str,
}

pub struct Login {
    pub password: &'static str,
    pub submit: &'static str,
    /// The authenticator app's code, asked after the password when the second factor is on.
    pub code: &'static str,
}

pub struct Overview {
    pub as_of: fn(&str) -> String,
    pub drivers_and_money: &'static str,
    pub drivers: &'static str,
    pub new_this_week: fn(u64) -> String,
    pub active_today: &'static str,
    pub active_hint: &'static str,
    pub paying: &'static str,
    pub on_trial: fn(u64) -> String,
    pub revenue_today: &'static str,
    pub stars_today: fn(&str) -> String,
    pub revenue_30: &'static str,
    pub stars_30: fn(&str) -> String,
    pub upstream_and_delivery: &'static str,
    pub budget: &'static str,
    pub paused: fn(u64) -> String,
    pub used: fn(f64) -> String,
    pub cache: &'static str,
    pub queue: &'static str,
    pub breaker: &'static str,
    pub breaker_closed: &'static str,
    pub breaker_open: &'static str,
    pub breaker_half_open: &'static str,
    pub connection: &'static str,
    pub outbox: &'static str,
    pub chart_revenue: &'static str,
    pub chart_drivers: &'static str,
    pub peak: fn(&str) -> String,
}

pub struct Drivers {
    pub search: &'static str,
    pub search_placeholder: &'static str,
    pub subscription: &'static str,
    pub order: &'static str,
    pub state_active: &'static str,
    pub state_trial: &'static str,
    pub state_expired: &'static str,
    pub state_never: &'static str,
    pub state_banned: &'static str,
    pub sort_newest: &'static str,
    pub sort_name: &'static str,
    pub sort_access_ends: &'static str,
    pub none_match: &'static str,
    pub name: &'static str,
    pub username: &'static str,
    pub telegram_id: &'static str,
    pub access_ends: &'static str,
    pub joined: &'static str,
    pub all_drivers: &'static str,
    pub actions: &'static str,
    pub ban_and_messages: &'static str,
    pub needs_admin: &'static str,
    pub never_had_access: &'static str,
    pub days_left: fn(u64) -> String,
    pub no_access_now: &'static str,
    pub no_username: &'static str,
    pub the_bot: &'static str,
    pub bot_reaches: &'static str,
    pub bot_blocked: &'static str,
    pub joined_on: fn(&str) -> String,
    pub banned: &'static str,
    pub signed_out: &'static str,
    pub history: &'static str,
    pub no_grants: &'static str,
    pub source: &'static str,
    pub before: &'static str,
    pub after: &'static str,
    pub by: &'static str,
    pub source_trial: &'static str,
    pub source_payment: &'static str,
    pub source_promo: &'static str,
    pub source_gift: &'static str,
    pub source_refund: &'static str,
    pub payments: &'static str,
    pub no_payments: &'static str,
    pub responses: &'static str,
    pub no_responses: &'static str,
    pub load: &'static str,
    pub route: &'static str,
    pub response_sent: &'static str,
    pub response_viewed: &'static str,
    pub response_contacted: &'static str,
    pub gift_days: &'static str,
    pub gift_range: &'static str,
    pub gift: &'static str,
    pub gifted: fn(u64, &str) -> String,
    pub gift_problem: &'static str,
    pub ban: &'static str,
    pub unban: &'static str,
    pub ban_note: &'static str,
    pub banned_note: &'static str,
    pub ban_button: &'static str,
    pub unban_button: &'static str,
    pub confirm_ban: &'static str,
    pub confirm_unban: &'static str,
    pub yes_ban: &'static str,
    pub yes_unban: &'static str,
    pub ban_done: &'static str,
    pub unban_done: &'static str,
    pub message: &'static str,
    pub message_length: fn(usize, usize) -> String,
    pub send: &'static str,
    pub sent: &'static str,
    pub message_empty: &'static str,
    pub message_too_long: &'static str,
}

pub struct Payments {
    pub any_status: &'static str,
    pub filter_succeeded: &'static str,
    pub filter_pending: &'static str,
    pub filter_canceled: &'static str,
    pub filter_refunded: &'static str,
    pub status_succeeded: &'static str,
    pub status_pending: &'static str,
    pub status_canceled: &'static str,
    pub badge_refunded: &'static str,
    pub badge_partly_refunded: &'static str,
    pub amount_from: &'static str,
    pub amount_to: &'static str,
    pub provider_yookassa: &'static str,
    pub provider_stars: &'static str,
    pub provider_free: &'static str,
    pub reset: &'static str,
    pub min_amount_format: &'static str,
    pub max_amount_format: &'static str,
    pub no_totals: &'static str,
    pub refunded_total: fn(&str) -> String,
    pub none_match: &'static str,
    pub driver_number: fn(i64) -> String,
    pub newer: &'static str,
    pub older: &'static str,
    pub refund_format: &'static str,
    pub refund_done: fn(&str, &str, &str) -> String,
    pub refund_done_plain: &'static str,
    pub all_payments: &'static str,
    pub payment_title: fn(i64) -> String,
    pub plan_of: fn(&str, i64) -> String,
    pub driver_gone: &'static str,
    pub access_until: fn(&str, &str) -> String,
    pub no_access: &'static str,
    pub access: &'static str,
    pub refund: &'static str,
    pub nothing_refundable: &'static str,
    pub only_admins_refund: &'static str,
    pub refund_amount: fn(&str) -> String,
    pub refund_start: &'static str,
    pub refund_question: fn(&str, i64) -> String,
    pub confirm_refund: &'static str,
    pub history: &'static str,
    pub no_history: &'static str,
    pub event: &'static str,
    pub source_address: &'static str,
    pub detail: &'static str,
    pub suspicious: &'static str,
}

pub struct Promo {
    pub new_code: &'static str,
    pub only_admins: &'static str,
    pub plans: &'static str,
    pub no_plans: &'static str,
    pub price: &'static str,
    pub stars: &'static str,
    pub on_sale: &'static str,
    pub off: &'static str,
    pub edit: &'static str,
    pub take_off_sale: &'static str,
    pub put_on_sale: &'static str,
    pub price_rub: &'static str,
    pub stars_optional: &'static str,
    pub add_plan: &'static str,
    pub days_whole: &'static str,
    pub price_format: &'static str,
    pub stars_whole: &'static str,
    pub amount_format: &'static str,
    pub value_whole: &'static str,
    pub uses_whole: &'static str,
    pub count_whole: &'static str,
    pub kind: &'static str,
    pub kind_free_days: &'static str,
    pub kind_extra_days: &'static str,
    pub kind_percent_off: &'static str,
    pub kind_amount_off: &'static str,
    pub value_free_days: &'static str,
    pub value_extra_days: &'static str,
    pub value_percent_off: &'static str,
    pub value_amount_off: &'static str,
    pub gives_free_days: fn(u64) -> String,
    pub gives_extra_days: fn(u64) -> String,
    pub gives_percent_off: fn(i64) -> String,
    pub gives_amount_off: fn(&str) -> String,
    pub one_code: &'static str,
    pub code: &'static str,
    pub valid_from: &'static str,
    pub valid_until: &'static str,
    pub total_uses: &'static str,
    pub create_code: &'static str,
    pub created: &'static str,
    pub created_code: fn(&str, &str) -> String,
    pub batch: &'static str,
    pub prefix: &'static str,
    pub uses_each: &'static str,
    pub codes_made: fn(&str) -> String,
    pub generate: &'static str,
    pub codes: &'static str,
    pub code_contains: &'static str,
    pub show: &'static str,
    pub none_match: &'static str,
    pub gives: &'static str,
    pub valid_utc: &'static str,
    pub uses: &'static str,
    pub made_by: &'static str,
    pub always: &'static str,
    pub active: &'static str,
    pub deactivate: &'static str,
    pub activate: &'static str,
}

pub struct Flags {
    /// What a flag does, by its name; `None` keeps the server's English description.
    pub description: fn(&str) -> Option<&'static str>,
}

pub struct Settings {
    pub intro: &'static str,
    pub saved: fn(&str) -> String,
    pub setting: &'static str,
    pub now: &'static str,
    pub change: &'static str,
    pub not_set: &'static str,
    pub secret: &'static str,
    pub new_value: &'static str,
    pub new_secret: &'static str,
    pub clear: &'static str,
    /// A setting's label and note, by its key; `None` keeps the server's English ones.
    pub known: fn(&str) -> Option<(&'static str, &'static str)>,
}

pub struct Connection {
    pub not_connected: &'static str,
    pub logging_in: &'static str,
    pub connected: &'static str,
    pub sms_required: &'static str,
    pub wrong_credentials: &'static str,
    pub exchange_down: &'static str,
    pub account: fn(&str) -> String,
    pub token_age: &'static str,
    pub no_token: &'static str,
    pub last_check: &'static str,
    pub not_yet: &'static str,
    pub last_error: &'static str,
    pub no_error: &'static str,
    pub logins: &'static str,
    pub logins_line: fn(u64, u64, u32) -> String,
    /// An account's use of its budget: (calls in the last minute, calls a minute).
    pub budget_line: fn(u32, u32) -> String,
    pub accounts: &'static str,
    /// Seconds, minutes, hours and days, shortened.
    pub units: [&'static str; 4],
    pub log_in_now: &'static str,
    pub logged_in: &'static str,
    pub drop_token: &'static str,
    pub token_dropped: &'static str,
    pub code_sent: &'static str,
    pub sms_prompt: &'static str,
    pub enter_code: &'static str,
    pub login_history: &'static str,
    pub what: &'static str,
    pub who: &'static str,
    pub nothing_yet: &'static str,
    pub sandbox: &'static str,
    pub sandbox_stats: fn(&SandboxStats) -> String,
    pub knobs_for_admins: &'static str,
    pub latency: &'static str,
    pub rate_limit: &'static str,
    pub fail_next: &'static str,
    pub failure_server_error: &'static str,
    pub failure_timeout: &'static str,
    pub failure_malformed_json: &'static str,
    pub failure_malformed_item: &'static str,
    pub fail_them: &'static str,
    pub demand_sms: &'static str,
    pub stop_sms: &'static str,
    pub revoke_tokens: &'static str,
}

pub struct Tokens {
    pub intro_before: &'static str,
    pub intro_after: &'static str,
    pub client_name: &'static str,
    pub expires_in: &'static str,
    pub create: &'static str,
    pub issued: fn(&str) -> String,
    pub copied: &'static str,
    pub none_yet: &'static str,
    pub client: &'static str,
    pub expires: &'static str,
    pub last_used: &'static str,
    pub revoke: &'static str,
    pub state_live: &'static str,
    pub state_expired: &'static str,
    pub state_revoked: &'static str,
}

pub struct Audit {
    pub actor_contains: &'static str,
    pub action_starts: &'static str,
    pub object: &'static str,
    pub none_match: &'static str,
    pub actor: &'static str,
    pub action: &'static str,
    pub details: &'static str,
    pub source_address: &'static str,
}

pub struct Admins {
    pub invited: fn(&str) -> String,
    pub last_login: &'static str,
    pub invited_by: &'static str,
    pub switch_on: &'static str,
    pub switch_off: &'static str,
    pub invite_heading: &'static str,
    pub first_password: &'static str,
    pub invite: &'static str,
    pub second_factor: &'static str,
    pub reset_second_factor: &'static str,
}

/// The signed-in admin's own second factor.
pub struct Security {
    pub intro: &'static str,
    pub on: &'static str,
    pub off: &'static str,
    pub set_up: &'static str,
    pub scan: &'static str,
    pub or_type: &'static str,
    pub code: &'static str,
    pub confirm: &'static str,
    pub turn_off: &'static str,
    pub turn_off_hint: &'static str,
}

pub struct Errors {
    pub transport: &'static str,
    pub try_again_in: fn(u64) -> String,
    /// The message for an API refusal's stable code; `None` keeps the server's message.
    pub by_code: fn(&str) -> Option<&'static str>,
}

impl Texts {
    /// "5 дней", "1 day".
    pub fn count(&self, n: u64, noun: Noun) -> String {
        format!("{n} {}", noun[self.lang.plural(n)])
    }

    pub fn page_title(&self, page: Page) -> &'static str {
        let nav = &self.nav;
        match page {
            Page::Overview => nav.overview,
            Page::Drivers => nav.drivers,
            Page::Payments => nav.payments,
            Page::Promo => nav.promo,
            Page::Flags => nav.flags,
            Page::Settings => nav.settings,
            Page::Connection => nav.connection,
            Page::ServiceTokens => nav.service_tokens,
            Page::Audit => nav.audit,
            Page::Admins => nav.admins,
            Page::Security => nav.security,
        }
    }

    pub fn role(&self, role: Role) -> &'static str {
        match role {
            Role::Support => self.common.role_support,
            Role::Admin => self.common.role_admin,
            Role::Owner => self.common.role_owner,
        }
    }

    pub fn driver_state(&self, state: DriverState) -> &'static str {
        let d = &self.drivers;
        match state {
            DriverState::Active => d.state_active,
            DriverState::Trial => d.state_trial,
            DriverState::Expired => d.state_expired,
            DriverState::Never => d.state_never,
            DriverState::Banned => d.state_banned,
        }
    }

    pub fn driver_sort(&self, sort: DriverSort) -> &'static str {
        match sort {
            DriverSort::Newest => self.drivers.sort_newest,
            DriverSort::Name => self.drivers.sort_name,
            DriverSort::AccessEnds => self.drivers.sort_access_ends,
        }
    }

    pub fn link_state(&self, state: LinkState) -> &'static str {
        let c = &self.connection;
        match state {
            LinkState::NotConnected => c.not_connected,
            LinkState::LoggingIn => c.logging_in,
            LinkState::Connected => c.connected,
            LinkState::SmsRequired => c.sms_required,
            LinkState::WrongCredentials => c.wrong_credentials,
            LinkState::ExchangeDown => c.exchange_down,
        }
    }

    /// A value the server names in its own words (a status, a source, a state), in this
    /// language; one it does not know is shown as it came.
    pub fn value<'a>(&self, value: &'a str) -> &'a str {
        let (d, p, t, o) = (&self.drivers, &self.payments, &self.tokens, &self.overview);
        match value {
            "trial" => d.source_trial,
            "payment" => d.source_payment,
            "promo" => d.source_promo,
            "gift" => d.source_gift,
            "refund" => d.source_refund,
            "sent" => d.response_sent,
            "viewed" => d.response_viewed,
            "contacted" => d.response_contacted,
            "succeeded" => p.status_succeeded,
            "pending" => p.status_pending,
            "canceled" => p.status_canceled,
            "yookassa" => p.provider_yookassa,
            "stars" => p.provider_stars,
            "free" => p.provider_free,
            "live" => t.state_live,
            "expired" => t.state_expired,
            "revoked" => t.state_revoked,
            "closed" => o.breaker_closed,
            "open" => o.breaker_open,
            "half_open" => o.breaker_half_open,
            other => other,
        }
    }

    /// What a promo code gives: "5 free days", "скидка 20 %".
    pub fn benefit(&self, kind: &str, value: i64) -> String {
        let p = &self.promo;
        let days = value.max(0) as u64;
        match kind {
            "free_days" => (p.gives_free_days)(days),
            "extra_days" => (p.gives_extra_days)(days),
            "percent_off" => (p.gives_percent_off)(value),
            "amount_off" => (p.gives_amount_off)(&crate::wire::payments::roubles(value)),
            other => format!("{other} {value}"),
        }
    }

    /// The kinds of promo code with their names, for a select.
    pub fn promo_kinds(&self) -> [(&'static str, &'static str); 4] {
        let p = &self.promo;
        [
            ("free_days", p.kind_free_days),
            ("extra_days", p.kind_extra_days),
            ("percent_off", p.kind_percent_off),
            ("amount_off", p.kind_amount_off),
        ]
    }

    /// What the value field of a promo code of `kind` holds.
    pub fn promo_value_label(&self, kind: &str) -> &'static str {
        let p = &self.promo;
        match kind {
            "percent_off" => p.value_percent_off,
            "amount_off" => p.value_amount_off,
            "extra_days" => p.value_extra_days,
            _ => p.value_free_days,
        }
    }

    /// "12 s", "5 min", "3 h 20 min", "2 d 4 h".
    pub fn age(&self, seconds: u64) -> String {
        let [s, m, h, d] = self.connection.units;
        match seconds {
            0..60 => format!("{seconds} {s}"),
            60..3600 => format!("{} {m}", seconds / 60),
            3600..86_400 => format!("{} {h} {} {m}", seconds / 3600, seconds % 3600 / 60),
            _ => format!("{} {d} {} {h}", seconds / 86_400, seconds % 86_400 / 3600),
        }
    }

    /// The dashboard's own refusal (a form checked before sending), in this language.
    pub fn refusal(&self, code: &str, message: &str) -> ErrorBody {
        ErrorBody {
            code: code.into(),
            message: message.into(),
        }
    }

    pub fn transport(&self) -> ErrorBody {
        self.refusal("transport", self.errors.transport)
    }

    /// An API refusal put into this language by its code; the server's own message where this
    /// language has none for it. `retry_after` is the wait a throttled login was told.
    pub fn api_refusal(&self, error: ErrorBody, retry_after: Option<u64>) -> ErrorBody {
        let message = match (error.code.as_str(), retry_after) {
            ("transport", _) => self.errors.transport.to_owned(),
            ("login_throttled", Some(seconds)) => (self.errors.try_again_in)(seconds),
            (code, _) => (self.errors.by_code)(code).map_or(error.message, str::to_owned),
        };
        ErrorBody {
            code: error.code,
            message,
        }
    }
}
