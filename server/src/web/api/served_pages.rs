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
//!
//! A page not held is made once however many drivers ask for it at the same moment: the first
//! makes it (the gateway's page, the shippers' marks read from the database, the JSON) and the
//! others wait for what it made, a page or "ask again later". Before, each made its own: 20,000
//! drivers arriving together queued thousands of identical reads of the shippers' marks in the
//! database's pool, each request holding its memory while it waited (95 MB of the server's peak).

use std::{
    collections::HashMap,
    io::Write,
    sync::{Arc, Mutex, OnceLock, PoisonError, RwLock},
    time::{Duration, Instant},
};

use app::cargo::card::{CargoPage, PendingPage};
use axum::body::Bytes;
use domain::lapsing::Lapsing;
use tokio::sync::watch;

/// How long a page is answered again as it was written.
pub const SERVED_FOR: Duration = Duration::from_secs(2);

/// From this many pages held, holding another first sweeps out the lapsed ones (see [`Lapsing`]).
const SWEEP_FROM: usize = 4_096;

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

/// What the driver who made a page made: the page, or word to ask again later.
#[derive(Clone)]
pub enum Made {
    Page(Arc<ServedPage>),
    Later(PendingPage),
}

/// Where those waiting for a page are told what was made.
type Told = watch::Receiver<Option<Made>>;

#[derive(Clone)]
pub struct ServedPages {
    held: Arc<RwLock<Holding>>,
    /// The pages being made now, by query string.
    making: Arc<Mutex<HashMap<Box<str>, Told>>>,
}

/// Whose turn it is to make a page nobody holds.
pub enum Turn {
    /// This request makes it, and says what it made through [`Making::made`].
    Make(Making),
    /// Another request is making it: [`waited`] says what it made.
    Wait(Told),
}

/// The page for a query string, being made by this request. Dropped without
/// [`Making::made`] (the request failed or was dropped), those waiting are told nothing and each
/// makes its own.
pub struct Making {
    making: Arc<Mutex<HashMap<Box<str>, Told>>>,
    query: Box<str>,
    tell: watch::Sender<Option<Made>>,
}

impl Making {
    /// Holds the page made (when it is one) and hands it to those waiting.
    pub fn made(self, pages: &ServedPages, made: &Made) {
        if let Made::Page(page) = made {
            pages.hold(&self.query, page);
        }
        self.tell.send_replace(Some(made.clone()));
    }
}

impl Drop for Making {
    fn drop(&mut self) {
        // Nobody else makes this page while this one lives: the entry is its own.
        let mut making = self.making.lock().unwrap_or_else(PoisonError::into_inner);
        making.remove(&self.query);
    }
}

/// What the request making the page made, or `None` when it made nothing.
pub async fn waited(mut told: Told) -> Option<Made> {
    let made = told.wait_for(Option::is_some).await.ok()?;
    made.clone()
}

impl Default for ServedPages {
    fn default() -> Self {
        Self::holding_at_most(HELD_JSON_BYTES)
    }
}

struct Holding {
    by_query: Lapsing<Box<str>, Held, SWEEP_FROM>,
    /// The JSON bytes of the pages in `by_query`.
    json_bytes: usize,
    limit: usize,
}

impl Holding {
    /// Sweeps out the lapsed pages: at once when the pages held weigh too much, else once there
    /// are enough of them (see [`Lapsing`]).
    fn sweep(&mut self, now: Instant, overweight: bool) {
        let mut swept = 0;
        let alive = |_: &_, (page, at): &mut Held| {
            let keep = now.duration_since(*at) < SERVED_FOR;
            if !keep {
                swept += page.json.len();
            }
            keep
        };
        if overweight {
            self.by_query.sweep_now(alive);
        } else {
            self.by_query.sweep(alive);
        }
        self.json_bytes -= swept;
    }
}

impl ServedPages {
    fn holding_at_most(json_bytes: usize) -> Self {
        Self {
            held: Arc::new(RwLock::new(Holding {
                by_query: Lapsing::default(),
                json_bytes: 0,
                limit: json_bytes,
            })),
            making: Arc::default(),
        }
    }

    /// Who makes the page for this query string: the first to ask; the others wait for it.
    pub fn turn(&self, query: &str) -> Turn {
        let mut making = self.making.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(told) = making.get(query) {
            return Turn::Wait(told.clone());
        }
        let (tell, told) = watch::channel(None);
        making.insert(query.into(), told);
        Turn::Make(Making {
            making: Arc::clone(&self.making),
            query: query.into(),
            tell,
        })
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
        let overweight = weight_after(&held) > held.limit;
        held.sweep(now, overweight);
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

    #[tokio::test]
    async fn a_page_asked_for_while_being_made_is_made_once_and_handed_to_everyone_asking() {
        let pages = ServedPages::default();
        let Turn::Make(making) = pages.turn("limit=20") else {
            panic!("the first to ask makes the page");
        };
        let waiting: Vec<_> = (0..3)
            .map(|_| match pages.turn("limit=20") {
                Turn::Wait(told) => tokio::spawn(waited(told)),
                Turn::Make(_) => panic!("the page is being made"),
            })
            .collect();
        assert!(
            matches!(pages.turn("limit=21"), Turn::Make(_)),
            "another question"
        );

        let made = page(None);
        making.made(&pages, &Made::Page(Arc::clone(&made)));
        for waiter in waiting {
            let Some(Made::Page(page)) = waiter.await.unwrap() else {
                panic!("the page made");
            };
            assert!(Arc::ptr_eq(&page, &made));
        }
        assert!(
            Arc::ptr_eq(&pages.recall("limit=20").unwrap(), &made),
            "and held"
        );
        assert!(
            matches!(pages.turn("limit=20"), Turn::Make(_)),
            "made, no longer making"
        );
    }

    #[tokio::test]
    async fn those_waiting_for_a_page_whose_maker_gave_up_are_told_nothing_and_make_their_own() {
        let pages = ServedPages::default();
        let making = pages.turn("limit=20");
        let Turn::Wait(told) = pages.turn("limit=20") else {
            panic!("the page is being made");
        };
        drop(making);
        assert!(waited(told).await.is_none());
        assert!(matches!(pages.turn("limit=20"), Turn::Make(_)));
    }
}
