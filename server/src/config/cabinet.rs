//! The exchange's web cabinet through Hauler: where the cabinet is, how the pass cookie is set,
//! how many requests a pass may send a minute, and how long a one-time login link lasts.

use std::time::Duration;

use super::{Mode, reader::Reader};

#[derive(Debug, Clone)]
pub struct CabinetConfig {
    /// The cabinet's own origin (and path, if any). `None`: the sandbox's cabinet in sandbox mode,
    /// no cabinet in production.
    pub upstream_url: Option<String>,
    pub cookie_secure: bool,
    pub cookie_same_site: SameSite,
    /// Requests one pass may send through the proxy a minute (pages, files, API calls alike).
    pub requests_per_minute: u32,
    /// How long a one-time login link from the Mini App stays usable.
    pub link_ttl: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameSite {
    Strict,
    Lax,
    None,
}

impl SameSite {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Strict => "Strict",
            Self::Lax => "Lax",
            Self::None => "None",
        }
    }
}

impl CabinetConfig {
    pub(super) fn read(reader: &mut Reader, mode: Mode) -> Self {
        let cookie_secure = reader
            .parsed::<bool>("CABINET_COOKIE_SECURE", "true or false")
            .unwrap_or(mode == Mode::Production);
        let cookie_same_site = match reader.text("CABINET_COOKIE_SAMESITE").as_deref() {
            None | Some("lax") => SameSite::Lax,
            Some("strict") => SameSite::Strict,
            Some("none") => {
                if !cookie_secure {
                    reader.problem(
                        "CABINET_COOKIE_SAMESITE",
                        "`none` needs CABINET_COOKIE_SECURE=true (browsers drop it otherwise)",
                    );
                }
                SameSite::None
            }
            Some(other) => {
                reader.problem(
                    "CABINET_COOKIE_SAMESITE",
                    format!("must be `lax`, `strict` or `none`, not `{other}`"),
                );
                SameSite::Lax
            }
        };
        Self {
            upstream_url: reader.address("CABINET_UPSTREAM_URL", &["http://", "https://"]),
            cookie_secure,
            cookie_same_site,
            requests_per_minute: reader.positive("CABINET_REQUESTS_PER_MINUTE", 120),
            link_ttl: reader.seconds("CABINET_LINK_SECONDS", 300),
        }
    }
}
