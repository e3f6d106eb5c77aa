//! Pages of loads as they were last answered, already written out as JSON: the same question
//! (the list's query string, byte for byte) asked again within [`SERVED_FOR`] is answered with
//! the same bytes (gzipped once, for clients that take it), without cutting the windows again or
//! serialising twenty cards anew. The
//! driver's own marks are laid over them per request: a page with none of the driver's marks
//! among its loads (nearly every page) goes out as it is.
//!
//! Only pages cut from fresh windows are held, and for as long as this instance reuses a window
//! it has just decoded (two seconds), so a page held here is never older than the cache would
//! serve it; a page served stale (the exchange failing) is written out anew each time.

use std::{
    collections::HashMap,
    io::Write,
    sync::{Arc, OnceLock, RwLock},
    time::{Duration, Instant},
};

use app::cargo::card::CargoPage;
use axum::body::Bytes;

/// How long a page is answered again as it was written.
pub const SERVED_FOR: Duration = Duration::from_secs(2);

/// Past this many pages held, holding another first sweeps out the lapsed ones.
const SWEEP_ABOVE: usize = 4_096;

/// What the pages held may weigh, counted as their JSON: past it, lapsed pages are swept out, and
/// a page that still does not fit is answered without being held (by count alone, the long tail
/// of questions asked once among 20,000 drivers could fill all 4,096 places).
const HELD_JSON_BYTES: usize = 16 * 1024 * 1024;

/// A page and its JSON (gzipped too, once a client asks for that).
pub struct ServedPage {
    pub page: CargoPage,
    pub json: Bytes,
    gzipped: OnceLock<Bytes>,
}

impl ServedPage {
    pub fn of(page: CargoPage) -> Self {
        let json = serde_json::to_vec(&page).unwrap_or_default().into();
        Self {
            page,
            json,
            gzipped: OnceLock::new(),
        }
    }

    /// The JSON gzipped, made once for every driver the page is answered to.
    pub fn gzipped(&self) -> Bytes {
        self.gzipped
            .get_or_init(|| {
                let mut gz =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                let written = gz.write_all(&self.json).and_then(|()| gz.finish());
                written.unwrap_or_default().into()
            })
            .clone()
    }
}

/// A page, and when it was answered.
type Held = (Arc<ServedPage>, Instant);

#[derive(Clone)]
pub struct ServedPages {
    held: Arc<RwLock<Holding>>,
}

impl Default for ServedPages {
    fn default() -> Self {
        Self::holding_at_most(HELD_JSON_BYTES)
    }
}

struct Holding {
    by_query: HashMap<Box<str>, Held>,
    /// The JSON bytes of the pages in `by_query`.
    json_bytes: usize,
    limit: usize,
}

impl Holding {
    fn sweep(&mut self, now: Instant) {
        let mut swept = 0;
        self.by_query.retain(|_, (page, at)| {
            let keep = now.duration_since(*at) < SERVED_FOR;
            if !keep {
                swept += page.json.len();
            }
            keep
        });
        self.json_bytes -= swept;
    }
}

impl ServedPages {
    fn holding_at_most(json_bytes: usize) -> Self {
        Self {
            held: Arc::new(RwLock::new(Holding {
                by_query: HashMap::new(),
                json_bytes: 0,
                limit: json_bytes,
            })),
        }
    }

    /// The page last answered to this query string, if it was a moment ago.
    pub fn recall(&self, query: &str) -> Option<Arc<ServedPage>> {
        let held = self.held.read().unwrap_or_else(|p| p.into_inner());
        let (page, at) = held.by_query.get(query)?;
        (at.elapsed() < SERVED_FOR).then(|| Arc::clone(page))
    }

    /// Holds a page answered to this query string, when it was cut from fresh windows.
    pub fn hold(&self, query: &str, page: &Arc<ServedPage>) {
        if page.page.stale.is_some() {
            return;
        }
        let now = Instant::now();
        let mut held = self.held.write().unwrap_or_else(|p| p.into_inner());
        // The page this query held before gives its place to the new one.
        let weight_after = |held: &Holding| {
            let replaced = held
                .by_query
                .get(query)
                .map_or(0, |(old, _)| old.json.len());
            held.json_bytes - replaced + page.json.len()
        };
        if held.by_query.len() >= SWEEP_ABOVE || weight_after(&held) > held.limit {
            held.sweep(now);
        }
        if weight_after(&held) > held.limit {
            return;
        }
        held.json_bytes = weight_after(&held);
        held.by_query.insert(query.into(), (Arc::clone(page), now));
    }
}

#[cfg(test)]
mod tests {
    use app::cargo::card::Staleness;

    use super::*;

    fn page(stale: Option<u64>) -> Arc<ServedPage> {
        Arc::new(ServedPage::of(CargoPage {
            cards: Vec::new(),
            total: 7,
            offset: 0,
            limit: 20,
            stale: stale.map(|age_seconds| Staleness { age_seconds }),
            ..CargoPage::default()
        }))
    }

    #[test]
    fn a_fresh_page_is_answered_again_with_the_same_bytes_and_a_stale_one_never() {
        let pages = ServedPages::default();
        let fresh = page(None);
        pages.hold("limit=20", &fresh);
        pages.hold("limit=20&offset=20", &page(Some(90)));
        let again = pages.recall("limit=20").expect("held");
        assert_eq!(again.json, fresh.json);
        let mut unzipped = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::GzDecoder::new(&again.gzipped()[..]),
            &mut unzipped,
        )
        .unwrap();
        assert_eq!(unzipped.as_bytes(), &fresh.json[..]);
        assert!(pages.recall("limit=20&offset=20").is_none());
        assert!(pages.recall("limit=21").is_none());
    }

    #[test]
    fn pages_past_the_weight_limit_are_answered_without_being_held_until_others_lapse() {
        let one = page(None).json.len();
        let pages = ServedPages::holding_at_most(2 * one);
        pages.hold("limit=20", &page(None));
        pages.hold("limit=20&offset=20", &page(None));
        pages.hold("limit=20&offset=40", &page(None));
        assert!(pages.recall("limit=20").is_some());
        assert!(pages.recall("limit=20&offset=20").is_some());
        assert!(pages.recall("limit=20&offset=40").is_none(), "no room");

        // The same question answered again takes its own place, not another's.
        let newer = page(None);
        pages.hold("limit=20", &newer);
        assert!(Arc::ptr_eq(&pages.recall("limit=20").unwrap(), &newer));
        assert!(pages.recall("limit=20&offset=20").is_some());

        // Once the held pages have lapsed, they make room.
        std::thread::sleep(SERVED_FOR);
        pages.hold("limit=20&offset=40", &page(None));
        assert!(pages.recall("limit=20&offset=40").is_some());
        assert!(pages.recall("limit=20").is_none());
    }
}
