//! Shippers a driver can trust: the mark a card carries and the shipper's page, as the server
//! works them out from what Hauler saw on the exchange and what drivers reported after
//! responding (counted once a moderator approved them). The formula lives in the server's domain;
//! its one sentence for drivers is in the texts.

use serde::{Deserialize, Serialize};

/// How far a driver may trust a shipper, from its score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TrustLevel {
    /// Too little seen yet to say (fewer than three loads and no reports).
    New,
    /// 70 and above.
    Good,
    /// 40 to 69.
    Fair,
    /// Below 40.
    Poor,
}

impl TrustLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Good => "good",
            Self::Fair => "fair",
            Self::Poor => "poor",
        }
    }
}

/// The shipper's mark on a card: its INN (the page's address), score and level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ShipperMark {
    pub inn: String,
    /// 0 to 100.
    pub score: u8,
    pub level: TrustLevel,
}

/// What a driver said happened after responding to a load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportOutcome {
    /// «Договорились».
    Agreed,
    /// «Не ответили».
    NoAnswer,
    /// «Груз уже ушёл».
    AlreadyGone,
    /// «Не заплатили».
    NotPaid,
}

impl ReportOutcome {
    pub const ALL: [ReportOutcome; 4] = [
        Self::Agreed,
        Self::NoAnswer,
        Self::AlreadyGone,
        Self::NotPaid,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Agreed => "agreed",
            Self::NoAnswer => "no_answer",
            Self::AlreadyGone => "already_gone",
            Self::NotPaid => "not_paid",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|outcome| outcome.as_str() == text)
    }
}

/// Reports that count (approved by a moderator), by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReportCounts {
    pub agreed: u32,
    pub no_answer: u32,
    pub already_gone: u32,
    pub not_paid: u32,
}

impl ReportCounts {
    pub fn add(&mut self, outcome: ReportOutcome, count: u32) {
        let slot = match outcome {
            ReportOutcome::Agreed => &mut self.agreed,
            ReportOutcome::NoAnswer => &mut self.no_answer,
            ReportOutcome::AlreadyGone => &mut self.already_gone,
            ReportOutcome::NotPaid => &mut self.not_paid,
        };
        *slot += count;
    }

    pub fn total(&self) -> u32 {
        self.agreed + self.no_answer + self.already_gone + self.not_paid
    }
}

/// `GET /api/v1/shippers/{inn}`: the shipper's page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ShipperProfile {
    pub inn: String,
    /// As the exchange's cards name it, when one did.
    pub name: Option<String>,
    pub score: u8,
    pub level: TrustLevel,
    /// When Hauler first saw one of its loads (RFC 3339).
    pub first_seen_at: String,
    /// Whole days since then.
    pub days_seen: u32,
    /// Its loads Hauler saw.
    pub loads: u32,
    /// Of them, posted again under a new number (same route, loading date and weight).
    pub reposted: u32,
    /// Of them, whose price changed while listed.
    pub repriced: u32,
    /// Its ₽/km against the median of the same routes, in percent (+10 pays 10 % more); `null`
    /// while no route of its has enough loads to compare.
    pub rate_vs_median_percent: Option<i32>,
    /// Drivers' reports a moderator approved.
    pub reports: ReportCounts,
    /// Reports waiting for a moderator (not counted yet).
    pub pending_reports: u32,
}
