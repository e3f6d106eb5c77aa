//! The memory allocator `hauler` runs with (and the benchmark's server process, so that it is
//! measured as deployed).
//!
//! mimalloc gives memory back to the system as connections close; glibc's allocator kept
//! hundreds of megabytes of freed buffers after 20,000 drivers' requests (measured: 1,341 MB
//! resident, 807 MB once `malloc_trim` was called by hand). But mimalloc 3 gives it back only
//! after a delay (a second), and only when the process next allocates or frees: a server gone
//! quiet after a burst kept what the burst used (measured: 10,000 connections each asking once,
//! then closing, left 348 MB resident against 84 MB before them, for good). With no delay, the
//! same burst leaves 145 MB, and a second one 132 MB.

/// The allocator, for `#[global_allocator]`.
pub use mimalloc::MiMalloc as Allocator;

/// mimalloc's `mi_option_purge_delay` (`mimalloc.h`); `libmimalloc-sys` names no constant for it.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Freed memory goes back to the system at once instead of after a delay that only a later
/// allocation would end. Call first thing in `main`.
pub fn give_back_freed_memory_at_once() {
    // SAFETY: sets one of mimalloc's options, which it reads on every purge; setting it is
    // allowed at any time, from any thread.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_option_set_is_the_purge_delay() {
        // Were mimalloc's options renumbered, this number would name another option; its default
        // of a second says it is still the purge delay.
        // SAFETY: reads an option.
        assert_eq!(unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) }, 1000);
    }
}
