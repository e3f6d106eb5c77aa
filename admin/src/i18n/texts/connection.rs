//! The CargoTech connection page's texts: the link's state, logging in, the points dictionary,
//! the sandbox's knobs.

use super::Texts;
use crate::wire::connection::{LinkState, SandboxStats};

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
    /// Above the facts when the instances' `ENCRYPTION_KEY`s differ.
    pub key_mismatch: &'static str,
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
    /// The points dictionary city search answers from.
    pub cities: &'static str,
    /// (points, when read, by whom).
    pub cities_line: fn(u64, &str, &str) -> String,
    pub cities_never: &'static str,
    pub cities_refreshing: &'static str,
    pub cities_failed: fn(&str) -> String,
    pub refresh_cities: &'static str,
    pub cities_look_again: &'static str,
}

impl Texts {
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
}
