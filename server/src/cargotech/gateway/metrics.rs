//! The gateway's figures as `/metrics` writes them: each account's calls and budget, the
//! breaker, each cache's lookups and the card line. Read from atomics and snapshots at each
//! scrape; nothing here is on a driver's path.

use std::sync::atomic::{AtomicU64, Ordering};

use super::Gateway;
use crate::{
    cargotech::{
        breaker::BreakerState,
        budget::{BudgetSnapshot, Priority},
        cache::CacheStats,
    },
    telemetry::metrics::{Exposition, Family, families as f},
};

const BREAKER_STATES: [(BreakerState, &str); 3] = [
    (BreakerState::Closed, "closed"),
    (BreakerState::HalfOpen, "half_open"),
    (BreakerState::Open, "open"),
];

/// One figure of an account's budget.
type BudgetFigure = fn(&BudgetSnapshot) -> u64;
/// One counter of a cache's lookups.
type CacheCounter = fn(&CacheStats) -> &AtomicU64;

impl Gateway {
    pub async fn write_metrics(&self, out: &mut Exposition) {
        let accounts = self.accounts.all();
        let mut budgets = Vec::with_capacity(accounts.len());
        for account in accounts {
            budgets.push((
                account.connection.account(),
                account.budget.snapshot().await,
            ));
        }

        out.family(&f::UPSTREAM_CALLS);
        for account in accounts {
            let name = account.connection.account();
            for (kind, outcome, calls) in account.connection.calls().each() {
                out.sample(
                    &f::UPSTREAM_CALLS,
                    &[("account", name), ("kind", kind), ("outcome", outcome)],
                    calls,
                );
            }
        }
        let figures: [(&Family, BudgetFigure); 3] = [
            (&f::BUDGET_PER_MINUTE, |b| u64::from(b.limit)),
            (&f::BUDGET_USED, |b| u64::from(b.used_in_window)),
            (&f::BUDGET_WAITING, |b| b.queue_depth as u64),
        ];
        for (family, value) in figures {
            out.family(family);
            for (name, budget) in &budgets {
                out.sample(family, &[("account", *name)], value(budget));
            }
        }
        out.family(&f::BUDGET_PAUSED);
        for (name, budget) in &budgets {
            out.sample(
                &f::BUDGET_PAUSED,
                &[("account", *name)],
                budget.paused_for_ms as f64 / 1000.0,
            );
        }
        out.family(&f::BUDGET_SLOTS);
        for (name, budget) in &budgets {
            for (n, priority) in Priority::ALL.into_iter().enumerate() {
                for (result, count) in [
                    ("granted", budget.granted[n]),
                    ("refused", budget.refused[n]),
                ] {
                    out.sample(
                        &f::BUDGET_SLOTS,
                        &[
                            ("account", *name),
                            ("priority", priority.label()),
                            ("result", result),
                        ],
                        count,
                    );
                }
            }
        }

        let breaker = self.breaker.state();
        out.family(&f::BREAKER_STATE);
        for (state, name) in BREAKER_STATES {
            out.sample(
                &f::BREAKER_STATE,
                &[("state", name)],
                u8::from(state == breaker),
            );
        }

        let caches = self.cache_stats();
        out.family(&f::CACHE_LOOKUPS);
        for (cache, stats) in caches {
            for (result, count) in [
                ("hit", &stats.hits),
                ("revalidating", &stats.revalidations),
                ("miss", &stats.misses),
            ] {
                out.sample(
                    &f::CACHE_LOOKUPS,
                    &[("cache", cache), ("result", result)],
                    count.load(Ordering::Relaxed),
                );
            }
        }
        let counters: [(&Family, CacheCounter); 2] = [
            (&f::CACHE_STALE_SERVED, |s| &s.stale_served),
            (&f::CACHE_COALESCED, |s| &s.coalesced),
        ];
        for (family, counter) in counters {
            out.family(family);
            for (cache, stats) in caches {
                out.sample(
                    family,
                    &[("cache", cache)],
                    counter(stats).load(Ordering::Relaxed),
                );
            }
        }
        out.family(&f::CACHE_NARROWED).sample(
            &f::CACHE_NARROWED,
            &[],
            self.list_stats.narrowed.load(Ordering::Relaxed),
        );

        let (drivers, prefetches) = self.queue.lengths();
        out.family(&f::CARD_QUEUE_LENGTH);
        out.sample(&f::CARD_QUEUE_LENGTH, &[("lane", "driver")], drivers);
        out.sample(&f::CARD_QUEUE_LENGTH, &[("lane", "prefetch")], prefetches);
        let figures = &self.queue.figures;
        out.family(&f::CARD_QUEUE_WAIT)
            .histogram(&f::CARD_QUEUE_WAIT, &[], &figures.waits);
        for (family, count) in [
            (&f::CARD_QUEUE_OUTSIDE, &figures.outside),
            (&f::CARD_QUEUE_EXPIRED, &figures.expired),
        ] {
            out.family(family)
                .sample(family, &[], count.load(Ordering::Relaxed));
        }
    }
}
