//! Every metric family `/metrics` exports, with its type and what it means: the one list the
//! endpoint writes its help lines from, the README's table follows and the Grafana dashboard's
//! queries are checked against. Families `hauler_*` are read from the instance's own state at
//! each scrape; the others are counted as things happen (the `metrics` recorder).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
    Summary,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Counter => "counter",
            Self::Gauge => "gauge",
            Self::Histogram => "histogram",
            Self::Summary => "summary",
        }
    }
}

/// Where a family's values come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Read from the instance's state when `/metrics` is read.
    Scrape,
    /// Counted by the `metrics` recorder as things happen; `labelled` families appear once
    /// something was counted, the others are exported as 0 from the start.
    Recorder { labelled: bool },
}

#[derive(Debug, Clone, Copy)]
pub struct Family {
    pub name: &'static str,
    pub kind: Kind,
    pub help: &'static str,
    pub source: Source,
}

const fn scraped(name: &'static str, kind: Kind, help: &'static str) -> Family {
    Family {
        name,
        kind,
        help,
        source: Source::Scrape,
    }
}

const fn recorded(name: &'static str, kind: Kind, labelled: bool, help: &'static str) -> Family {
    Family {
        name,
        kind,
        help,
        source: Source::Recorder { labelled },
    }
}

use Kind::{Counter, Gauge, Histogram, Summary};

pub const HTTP_REQUESTS: Family = scraped(
    "hauler_http_requests_total",
    Counter,
    "Requests answered, by method, route template and status class.",
);
pub const HTTP_REQUEST_DURATION: Family = scraped(
    "hauler_http_request_duration_seconds",
    Histogram,
    "Time from a request's arrival to its answer's head, by method and route template.",
);
pub const HTTP_IN_FLIGHT: Family = scraped(
    "hauler_http_requests_in_flight",
    Gauge,
    "Requests being handled now.",
);
pub const UPSTREAM_CALLS: Family = scraped(
    "hauler_upstream_calls_total",
    Counter,
    "Calls to the CargoTech exchange, by account, kind (list, detail, cities, login) and outcome (ok, throttled, unauthorized, failed).",
);
pub const BUDGET_PER_MINUTE: Family = scraped(
    "hauler_upstream_budget_per_minute",
    Gauge,
    "Calls an account may make to the exchange a minute.",
);
pub const BUDGET_USED: Family = scraped(
    "hauler_upstream_budget_used",
    Gauge,
    "Calls this instance made through an account in the budget's last window (a minute).",
);
pub const BUDGET_WAITING: Family = scraped(
    "hauler_upstream_budget_waiting",
    Gauge,
    "Calls waiting for a slot of an account's budget.",
);
pub const BUDGET_PAUSED: Family = scraped(
    "hauler_upstream_budget_paused_seconds",
    Gauge,
    "How much longer an account's calls wait because the exchange asked to slow down.",
);
pub const BUDGET_SLOTS: Family = scraped(
    "hauler_upstream_budget_slots_total",
    Counter,
    "Budget slots asked for, by account, priority (detail, list, background) and result (granted, refused).",
);
pub const BREAKER_STATE: Family = scraped(
    "hauler_upstream_breaker_state",
    Gauge,
    "The exchange's circuit breaker: 1 for the state it is in (closed, half_open, open), 0 for the others.",
);
pub const CACHE_LOOKUPS: Family = scraped(
    "hauler_cache_lookups_total",
    Counter,
    "Answers looked up in the shared cache, by cache (list, detail) and result (hit, revalidating: served while refreshed, miss).",
);
pub const CACHE_STALE_SERVED: Family = scraped(
    "hauler_cache_stale_served_total",
    Counter,
    "Answers served stale because the exchange failed, by cache.",
);
pub const CACHE_COALESCED: Family = scraped(
    "hauler_cache_coalesced_total",
    Counter,
    "Requests that joined an identical fetch already in flight instead of calling, by cache.",
);
pub const CACHE_NARROWED: Family = scraped(
    "hauler_cache_narrowed_total",
    Counter,
    "Narrow lists answered from a broader one held in full, without a call of their own.",
);
pub const CARD_QUEUE_LENGTH: Family = scraped(
    "hauler_card_queue_length",
    Gauge,
    "Cards waiting in line for the exchange, by lane (driver, prefetch).",
);
pub const CARD_QUEUE_WAIT: Family = scraped(
    "hauler_card_queue_wait_seconds",
    Histogram,
    "How long a driver's card waited in line, from joining it to its outcome.",
);
pub const CARD_QUEUE_OUTSIDE: Family = scraped(
    "hauler_card_queue_outside_total",
    Counter,
    "Asks for a card that found the line full of cards drivers still ask for and waited outside it (202).",
);
pub const CARD_QUEUE_EXPIRED: Family = scraped(
    "hauler_card_queue_expired_total",
    Counter,
    "Drivers' cards whose drivers all stopped asking before they were fetched.",
);
pub const LIVE_CONNECTIONS: Family = scraped(
    "hauler_live_connections",
    Gauge,
    "Live feeds (/api/v1/live) open on this instance.",
);
pub const OUTBOX_PENDING: Family = scraped(
    "hauler_outbox_pending",
    Gauge,
    "Bot messages not yet sent, those held for quiet hours included.",
);
pub const OUTBOX_DUE: Family = scraped(
    "hauler_outbox_due",
    Gauge,
    "Bot messages due to be sent now.",
);
pub const OUTBOX_LAG: Family = scraped(
    "hauler_outbox_lag_seconds",
    Gauge,
    "How long the oldest due bot message has been due (0 when none is).",
);
pub const PAYMENTS: Family = scraped(
    "hauler_payments",
    Gauge,
    "Payments recorded, by provider (yookassa, stars, free) and state.",
);
pub const PAYMENTS_PENDING_OVER_HOUR: Family = scraped(
    "hauler_payments_pending_over_hour",
    Gauge,
    "Payments still pending an hour after they were made, by provider.",
);

/// Every family, scraped and recorded.
pub const ALL: &[Family] = &[
    HTTP_REQUESTS,
    HTTP_REQUEST_DURATION,
    HTTP_IN_FLIGHT,
    UPSTREAM_CALLS,
    BUDGET_PER_MINUTE,
    BUDGET_USED,
    BUDGET_WAITING,
    BUDGET_PAUSED,
    BUDGET_SLOTS,
    BREAKER_STATE,
    CACHE_LOOKUPS,
    CACHE_STALE_SERVED,
    CACHE_COALESCED,
    CACHE_NARROWED,
    CARD_QUEUE_LENGTH,
    CARD_QUEUE_WAIT,
    CARD_QUEUE_OUTSIDE,
    CARD_QUEUE_EXPIRED,
    LIVE_CONNECTIONS,
    OUTBOX_PENDING,
    OUTBOX_DUE,
    OUTBOX_LAG,
    PAYMENTS,
    PAYMENTS_PENDING_OVER_HOUR,
    recorded(
        "hauler_store_writes_refused_total",
        Counter,
        true,
        "Writes a full Redis refused (maxmemory under noeviction), kept in the instance's memory \
         instead, by Redis (shared, cache).",
    ),
    recorded(
        "http_connections_closed_for_room_total",
        Counter,
        false,
        "Idle connections closed to make room for new ones, the instance holding MAX_CONNECTIONS.",
    ),
    recorded(
        "bot_messages_sent_total",
        Counter,
        false,
        "Bot messages Telegram took.",
    ),
    recorded(
        "bot_messages_undeliverable_total",
        Counter,
        false,
        "Bot messages Telegram refused for good (blocked bot, chat gone).",
    ),
    recorded(
        "bot_webhook_refused_total",
        Counter,
        false,
        "Webhook calls refused for a wrong secret token.",
    ),
    recorded(
        "auth_init_data_refused_total",
        Counter,
        true,
        "Telegram launch data refused, by code.",
    ),
    recorded(
        "auth_init_data_alerts_total",
        Counter,
        false,
        "Minutes with more refused sign-ins than the alert threshold.",
    ),
    recorded(
        "service_token_refused_total",
        Counter,
        false,
        "Service tokens refused (wrong, expired or revoked).",
    ),
    recorded(
        "cargotech_login_attempts_total",
        Counter,
        false,
        "Logins to the exchange tried.",
    ),
    recorded(
        "cargotech_login_successes_total",
        Counter,
        false,
        "Logins to the exchange that gave a token.",
    ),
    recorded(
        "cargotech_login_alerts_total",
        Counter,
        false,
        "Runs of consecutive failed logins long enough to alert on.",
    ),
    recorded(
        "cargotech_login_duration_seconds",
        Summary,
        true,
        "How long logins to the exchange took.",
    ),
    recorded(
        "cargotech_relogins_total",
        Counter,
        false,
        "New logins after the exchange refused a token (401).",
    ),
    recorded(
        "cargotech_health_check_failures_total",
        Counter,
        false,
        "Failed health checks of an exchange account.",
    ),
    recorded(
        "driver_requests_over_pace_total",
        Counter,
        false,
        "Drivers' requests refused for asking faster than their pace (LIMIT_PACE).",
    ),
    recorded(
        "cargo_unknown_ids_total",
        Counter,
        false,
        "Cards asked for by ids no list showed lately (answered 404 without a call).",
    ),
    recorded(
        "shipper_sightings_dropped_total",
        Counter,
        false,
        "Batches of loads seen on the exchange not noted for shippers' scores (the writer was behind).",
    ),
    recorded(
        "new_loads_live_total",
        Counter,
        false,
        "New loads found and sent to open live feeds.",
    ),
    recorded(
        "new_load_alerts_total",
        Counter,
        false,
        "New-load alerts queued for drivers' saved filters.",
    ),
    recorded(
        "retention_deleted_total",
        Counter,
        true,
        "Old rows deleted by the retention job, by what they were.",
    ),
];

/// The family a sample's name belongs to (`…_bucket`, `…_sum`, `…_count` belong to their
/// histogram or summary).
pub fn of_sample(name: &str) -> Option<&'static Family> {
    ALL.iter().find(|family| {
        family.name == name
            || (matches!(family.kind, Kind::Histogram | Kind::Summary)
                && ["_bucket", "_sum", "_count"]
                    .iter()
                    .any(|suffix| name.strip_suffix(suffix) == Some(family.name)))
    })
}
