//! The load board: what a driver sees in the Mini App. The list with its filter, a load's
//! detail, the filter form, and the history of responses. The board's state lives above the
//! router, so going into a card and back keeps the list, its scroll position and its filter.

mod card;
mod chips;
mod city_input;
mod detail;
mod draft;
mod filters;
mod history;
mod list;
mod live;
mod saved_filters;

pub use card::CardView;
pub use card::ShipperBadge;
pub use city_input::{CityInput, FieldError};
pub use detail::CargoPage;
pub use filters::FiltersPage;
pub use history::ResponsesPage;
pub use list::LoadsPage;

use std::{collections::HashMap, time::Duration};

use leptos::{prelude::*, task::spawn_local};

use crate::{
    api::{Answer, Api, Method, pause, query_string},
    cargo::{
        card::{CargoCard, CargoPage as Page, GoneLoad, PendingPage, Staleness},
        filter::CargoFilter,
    },
    paywall::DriverAccess,
    session::{ApiErrorBody, LastFilter, SignIn},
};

pub const PAGE_SIZE: u32 = 20;

/// A question the driver asked, to be sent with the driver's client.
type Asking = Box<dyn FnOnce(Api)>;

/// The list as the driver sees it now.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Listing {
    pub cards: Vec<CargoCard>,
    /// Every load matching the filter on the exchange.
    pub total: u64,
    pub next_offset: u32,
    /// A page is on its way.
    pub loading: bool,
    /// The first page has arrived (until then the list shows skeletons).
    pub loaded: bool,
    pub error: Option<ApiErrorBody>,
    pub stale: Option<Staleness>,
    /// Loads the driver saw last time that the exchange no longer lists (from the first page).
    pub gone: Vec<GoneLoad>,
    /// Sorted, the result was cut at its first 1,000 loads.
    pub capped: bool,
    /// The exchange is busy: the page is on its way, asked again when the server said.
    pub later: Option<PendingPage>,
    /// Answers to an older question (before the filter changed) are dropped.
    generation: u32,
}

impl Listing {
    /// The list showing its first page.
    fn first(page: Page) -> Self {
        Self {
            total: page.total,
            next_offset: page.offset + page.limit,
            loaded: true,
            stale: page.stale,
            gone: page.gone,
            capped: page.capped,
            cards: page.cards,
            ..Self::default()
        }
    }

    pub fn has_more(&self) -> bool {
        u64::from(self.next_offset) < self.total
    }
}

#[derive(Clone, Copy)]
pub struct Board {
    pub filter: RwSignal<CargoFilter>,
    pub listing: RwSignal<Listing>,
    /// Every card seen, so a detail opens at once with what the list knew.
    pub known: RwSignal<HashMap<u64, CargoCard>>,
    /// Where the list was scrolled to when the driver opened a card.
    pub scroll_y: StoredValue<f64>,
    /// Loads that arrived live while the list was open (shown as new).
    pub fresh: RwSignal<Vec<u64>>,
    pub access: DriverAccess,
    /// The driver's client while they have access; `None` asks nothing.
    api: Memo<Option<Api>>,
    /// What the driver asked for before the app had finished signing in (see [`Board::with_api`]).
    waiting: StoredValue<Vec<Asking>, LocalStorage>,
}

/// Sets up the board once the driver is signed in with access: restores their last filter, then
/// loads. Without access it asks nothing (the paywall stands in its place) until access begins.
pub fn provide_board(sign_in: RwSignal<SignIn>, access: DriverAccess) -> Board {
    let api = Memo::new(move |_| access.api.get().filter(|_| access.active()));
    let last_filter = Memo::new(move |_| match sign_in.get() {
        SignIn::Done(signed_in) => signed_in.last_filter,
        _ => None,
    });
    // The first page the inline script got ([`crate::boot`]): the list starts with it, and asks
    // nothing until the driver does.
    let first_page = crate::boot::take_first_page();
    let booted = first_page.is_some();
    let known = first_page.iter().flat_map(known_cards).collect();
    let board = Board {
        filter: RwSignal::new(if booted {
            last_filter.get_untracked().unwrap_or_default()
        } else {
            CargoFilter::default()
        }),
        listing: RwSignal::new(first_page.map(Listing::first).unwrap_or_default()),
        known: RwSignal::new(known),
        scroll_y: StoredValue::new(0.0),
        fresh: RwSignal::new(Vec::new()),
        access,
        api,
        waiting: StoredValue::new_local(Vec::new()),
    };
    provide_context(board);
    live::follow_new_loads(board, api);
    // Once: when access begins again later, the driver's current filter stays.
    let restored = StoredValue::new(booted);
    let fetched = StoredValue::new(booted);
    Effect::new(move |_| {
        if let Some(client) = api.get() {
            for ask in board
                .waiting
                .try_update_value(std::mem::take)
                .unwrap_or_default()
            {
                ask(client.clone());
            }
            if !restored.get_value()
                && let Some(filter) = last_filter.get_untracked()
            {
                board.filter.set(filter);
            }
            restored.set_value(true);
            if fetched.get_value() {
                fetched.set_value(false);
            } else if let Some(page) = crate::boot::take_first_page() {
                board.show_first(page);
            } else {
                board.reload(false);
            }
        }
    });
    board
}

/// A page's cards by id, for [`Board::known`].
fn known_cards(page: &Page) -> impl Iterator<Item = (u64, CargoCard)> + '_ {
    page.cards.iter().map(|card| (card.id, card.clone()))
}

pub fn use_board() -> Board {
    expect_context::<Board>()
}

impl Board {
    pub fn api(&self) -> Option<Api> {
        self.api.get_untracked()
    }

    pub fn signed_in(&self) -> bool {
        self.api.get().is_some()
    }

    /// Asks with the driver's client: now when signed in, else as soon as the app has signed in.
    /// A driver quick on a slow first load (the app drawn while its sign-in is still on the way)
    /// is answered, not ignored. Without access it waits until access begins.
    pub fn with_api(&self, ask: impl FnOnce(Api) + 'static) {
        match self.api() {
            Some(api) => ask(api),
            None => self
                .waiting
                .update_value(|waiting| waiting.push(Box::new(ask))),
        }
    }

    /// A new filter: remembered on the server for the next open, and the list from the top.
    pub fn apply(&self, filter: CargoFilter) {
        self.filter.set(filter.clone());
        if let Some(api) = self.api() {
            spawn_local(async move {
                let body = LastFilter {
                    filter: Some(filter),
                };
                let _ = api
                    .send::<()>(Method::Put, "/api/v1/me/filter", Some(&body))
                    .await;
            });
        }
        self.reload(false);
    }

    /// The list from the top. `keep_cards` (pull-to-refresh) leaves the old cards in place until
    /// the new ones arrive, so nothing jumps.
    pub fn reload(&self, keep_cards: bool) {
        self.fresh.set(Vec::new());
        self.listing.update(|listing| {
            listing.generation += 1;
            listing.next_offset = 0;
            listing.loading = false;
            listing.error = None;
            listing.later = None;
            if !keep_cards {
                listing.cards.clear();
                listing.total = 0;
                listing.loaded = false;
                listing.stale = None;
            }
        });
        self.fetch(0, true);
    }

    /// The first page the inline script got, shown as if the board had asked for it.
    fn show_first(&self, page: Page) {
        self.known.update(|known| known.extend(known_cards(&page)));
        let generation = self.listing.with_untracked(|listing| listing.generation);
        self.listing.set(Listing {
            generation: generation + 1,
            ..Listing::first(page)
        });
    }

    /// The next page, unless one is already coming or there is none.
    pub fn load_more(&self) {
        let (offset, go) = self.listing.with_untracked(|listing| {
            (
                listing.next_offset,
                !listing.loading && listing.loaded && listing.has_more(),
            )
        });
        if go {
            self.fetch(offset, false);
        }
    }

    fn fetch(&self, offset: u32, first: bool) {
        let Some(api) = self.api() else { return };
        let generation = self.listing.with_untracked(|listing| listing.generation);
        self.listing.update(|listing| {
            listing.loading = true;
            listing.error = None;
        });
        let query = query_string(&self.filter.get_untracked().api_query(offset, PAGE_SIZE));
        let board = *self;
        spawn_local(async move {
            let path = format!("/api/v1/cargos?{query}");
            // Another question was asked meanwhile: this one's answer is nobody's.
            let moved_on = move || {
                board
                    .listing
                    .try_with_untracked(|listing| listing.generation != generation)
                    .unwrap_or(true)
            };
            let answer = loop {
                match api.get_or_later::<Page, PendingPage>(&path).await {
                    Ok(Answer::Later(later)) => {
                        let again = Duration::from_secs(later.ask_again_seconds.into());
                        board.listing.update(|listing| {
                            if listing.generation == generation {
                                listing.later = Some(later);
                            }
                        });
                        pause(again).await;
                        if moved_on() {
                            return;
                        }
                    }
                    Ok(Answer::Ready(page)) => break Ok(page),
                    Err(error) => break Err(error),
                }
            };
            if let Err(error) = &answer {
                // Access ran out while the app was open: the paywall takes over.
                board.access.ran_out(error);
            }
            if let Ok(page) = &answer {
                board.known.update(|known| {
                    for card in &page.cards {
                        known.insert(card.id, card.clone());
                    }
                });
            }
            board.listing.update(|listing| {
                if listing.generation != generation {
                    return;
                }
                listing.loading = false;
                listing.later = None;
                match answer {
                    Ok(page) => {
                        if first {
                            listing.cards.clear();
                            listing.gone = page.gone;
                        }
                        listing.capped = page.capped;
                        listing.loaded = true;
                        listing.total = page.total;
                        listing.next_offset = page.offset + page.limit;
                        listing.stale = page.stale;
                        listing.cards.extend(page.cards);
                    }
                    Err(error) => listing.error = Some(error),
                }
            });
        });
    }

    /// The driver responded: the list and the detail both say so.
    pub fn mark_responded(&self, id: u64) {
        self.listing.update(|listing| {
            for card in listing.cards.iter_mut().filter(|card| card.id == id) {
                card.responded = true;
            }
        });
        self.known.update(|known| {
            if let Some(card) = known.get_mut(&id) {
                card.responded = true;
            }
        });
    }

    /// A new load on the driver's filter, pushed by the server: on top of the list, marked new.
    pub fn welcome(&self, card: CargoCard) {
        let id = card.id;
        let mut added = false;
        self.listing.update(|listing| {
            if listing.loaded && !listing.cards.iter().any(|known| known.id == id) {
                listing.cards.insert(0, card.clone());
                listing.total += 1;
                added = true;
            }
        });
        if added {
            self.fresh.update(|fresh| fresh.push(id));
            self.known.update(|known| {
                known.insert(id, card);
            });
        }
    }

    /// The driver hid a load: it leaves the list at once.
    pub fn forget(&self, id: u64) {
        self.listing
            .update(|listing| listing.cards.retain(|card| card.id != id));
    }
}
