//! What a pass may spend: its own requests a minute (`CABINET_REQUESTS_PER_MINUTE`, counted in
//! the shared store so it holds across instances), and for each request a slot of the account's
//! upstream budget at background priority — the lowest, which may fill at most 80 % of the
//! window — so the cabinet can never starve the Mini App's lists and cards.

use std::time::Duration;

use crate::cargotech::budget::Priority;

use super::{Cabinet, CabinetError, Visitor};

const MINUTE: Duration = Duration::from_secs(60);

impl Cabinet {
    pub(super) async fn spend(&self, visitor: &Visitor) -> Result<(), CabinetError> {
        let count = self
            .inner
            .store
            .hit(&format!("cabinet-rate:{}", visitor.pass.pass_id), MINUTE)
            .await;
        if count.hits > u64::from(self.inner.per_minute) {
            return Err(CabinetError::TooManyRequests {
                retry_after: count.resets_in.max(Duration::from_secs(1)),
            });
        }
        let budget = &self.inner.gateway.accounts().primary().budget;
        if budget.try_acquire(Priority::Background).await {
            Ok(())
        } else {
            Err(CabinetError::UpstreamBusy)
        }
    }
}
