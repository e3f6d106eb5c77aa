//! A driver's list on a busy exchange. While lists wait for the budget's slots (a cold start, a
//! crowd arriving at once), a driver's request is held a moment only, hardly at all when the lists
//! ahead will take longer than that: past that, or when no slot came in time, the driver is told
//! when to ask again, and the fetch goes on without them. So a crowd waiting for the exchange
//! holds no connections open (each held request costs the server tens of kilobytes), and no
//! driver is refused because the exchange is busy. Asking again joins the fetch still on its way,
//! or reads its answer from the cache.
//!
//! A request on a calm budget waits as long as its fetch takes, however slow the exchange: only
//! waiting for a slot behind other lists is cut short.

use std::{sync::Arc, time::Duration};

use app::cargo::{
    card::{CargoPage, PendingPage},
    filter::CargoFilter,
};
use tokio::time::Instant;

use super::{Gateway, GatewayError, whole_seconds};
use crate::cargotech::{
    budget::Priority,
    cache::{note_waited, noting_waits},
    fair_share::Payer,
};

/// How long a driver's list is held while other lists wait for slots too.
const HOLD_WHILE_BUSY: Duration = Duration::from_millis(1500);
/// How often a held request looks whether the budget has become busy.
const LOOK_EVERY: Duration = Duration::from_millis(250);

/// A driver's list: the page, or when to ask again for it.
#[derive(Debug)]
pub enum Listed {
    Page(CargoPage),
    Later(PendingPage),
}

impl Gateway {
    /// [`Gateway::list`] for a driver waiting on the other end: held while the budget is calm,
    /// answered `Later` once held [`HOLD_WHILE_BUSY`] while lists wait for slots, or when no slot
    /// came in time (`Busy`), the fetch going on meanwhile.
    pub async fn list_or_later(
        self: &Arc<Self>,
        payer: Payer,
        filter: CargoFilter,
        offset: u32,
        limit: u32,
    ) -> Result<Listed, GatewayError> {
        let gateway = Arc::clone(self);
        let mut listing =
            Box::pin(
                async move { noting_waits(gateway.list(payer, &filter, offset, limit)).await },
            );
        let held = Instant::now();
        loop {
            match tokio::time::timeout(LOOK_EVERY, &mut listing).await {
                Ok((answer, waited)) => {
                    if waited {
                        note_waited();
                    }
                    return match answer {
                        Ok(page) => Ok(Listed::Page(page)),
                        Err(GatewayError::Busy) => Ok(self.later()),
                        Err(error) => Err(error),
                    };
                }
                Err(_) if self.let_go(held.elapsed()) => {
                    note_waited();
                    // Let go, the fetch carries on: the driver's next ask finds it.
                    tokio::spawn(listing);
                    return Ok(self.later());
                }
                Err(_) => {}
            }
        }
    }

    /// Whether a list held `held` is let go, never while no list waits for a slot: once held
    /// [`HOLD_WHILE_BUSY`], or sooner when its answer is already known to be "later": its fetch
    /// would wait for a slot past the hold (a fetch that gives up sooner may bring the last page,
    /// marked stale), and the lists ahead of it take the budget longer than the hold has left. A
    /// crowd arriving at once is then answered at once instead of held to no end.
    fn let_go(&self, held: Duration) -> bool {
        let waiting = self.lists_waiting();
        if waiting == 0 {
            return false;
        }
        if held >= HOLD_WHILE_BUSY {
            return true;
        }
        let ahead = u32::try_from(waiting - 1).unwrap_or(u32::MAX);
        self.wait_for_slot > HOLD_WHILE_BUSY && self.queue.time_for(ahead) > HOLD_WHILE_BUSY - held
    }

    /// Lists waiting for the budget's slots now.
    fn lists_waiting(&self) -> usize {
        self.accounts.waiting_at(Priority::List)
    }

    /// When a driver whose list waits behind the others is to ask again: once the exchange takes
    /// calls again (when it asked Hauler to slow down) and the lists now waiting have had theirs
    /// (at the budget's rate, as the card line reckons), within the card line's bounds of a pause.
    fn later(&self) -> Listed {
        let waiting = u32::try_from(self.lists_waiting()).unwrap_or(u32::MAX);
        let estimate = self.accounts.paused_for() + self.queue.estimate(waiting);
        Listed::Later(PendingPage {
            estimated_seconds: whole_seconds(estimate),
            ask_again_seconds: whole_seconds(self.queue.ask_again_after(estimate)),
        })
    }
}
