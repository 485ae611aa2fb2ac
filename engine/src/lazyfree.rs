//! Lazy freeing: UNLINK, FLUSHDB/FLUSHALL ASYNC and the `lazyfree-lazy-user-*` parameters,
//! with Valkey's INFO counters (`lazyfree_pending_objects`, `lazyfreed_objects`).
//!
//! Valkey hands a large value to a background thread so that its one event loop does not
//! stop while thousands of allocations are released. The engine spawns no thread (the
//! runtimes own threads), and what would stall other clients here is freeing while a shard
//! lock is held: every client of that shard waits on it. So a value that is lazily freed is
//! unlinked under the lock and dropped after the command has released it, on the command's
//! own thread, which other clients never wait on. The counters say what Valkey's would: one
//! object per large value, one per key of a flushed database. Nothing is ever left pending
//! once the command returns, so `lazyfree_pending_objects` reads 0 between commands.
//!
//! Values a write replaces (`lazyfree-lazy-server-del`) and expired keys
//! (`lazyfree-lazy-expire`) are reclaimed deep inside the shard, which cannot see the
//! configuration: the shard hands a large one to [`defer`] (a reference-counted clone, so
//! dropping the shard's copy frees nothing) and [`release`] frees them, counted as the
//! configuration says, once the command or the expiry cycle has let go of its locks.

use std::cell::RefCell;

use crate::sync::{AtomicU64, Ordering};
use crate::value::Value;

/// A value whose free effort is above this is freed lazily (Valkey's `LAZYFREE_THRESHOLD`).
pub const THRESHOLD: usize = 64;

/// True when deleting `value` is worth freeing lazily: freeing it takes more than
/// [`THRESHOLD`] allocations.
pub fn worth_it(value: &Value) -> bool {
    value.free_effort() > THRESHOLD
}

/// The lazy-free counters (INFO memory).
#[derive(Debug, Default)]
pub struct LazyFree {
    pending: AtomicU64,
    freed: AtomicU64,
}

impl LazyFree {
    /// Frees `garbage`, counted as `objects` lazily freed objects. Call it with no shard
    /// lock held: that is what makes the freeing lazy (see the module's comment).
    pub fn free<T>(&self, garbage: T, objects: u64) {
        self.pending.fetch_add(objects, Ordering::Relaxed);
        drop(garbage);
        self.pending.fetch_sub(objects, Ordering::Relaxed);
        self.freed.fetch_add(objects, Ordering::Relaxed);
    }

    /// Objects handed over and not freed yet (INFO lazyfree_pending_objects).
    pub fn pending(&self) -> u64 {
        self.pending.load(Ordering::Relaxed)
    }

    /// Objects lazily freed since start or CONFIG RESETSTAT (INFO lazyfreed_objects).
    pub fn freed(&self) -> u64 {
        self.freed.load(Ordering::Relaxed)
    }

    /// CONFIG RESETSTAT.
    pub fn reset(&self) {
        self.freed.store(0, Ordering::Relaxed);
    }
}

/// Why the shard let go of a deferred value: which parameter decides whether it counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Replaced by a write (`lazyfree-lazy-server-del`).
    Replaced,
    /// Expired (`lazyfree-lazy-expire`).
    Expired,
}

std::thread_local! {
    /// Large values the shards on this thread let go of, waiting for [`release`]. Commands
    /// run synchronously on their thread, so what a command defers is released by it.
    static DEFERRED: RefCell<Vec<(Value, Reason)>> = const { RefCell::new(Vec::new()) };
}

/// Keeps `value` alive until [`release`] when it is worth freeing lazily; the caller may
/// then drop its own copy under the lock at no cost.
pub fn defer(value: &Value, reason: Reason) {
    if worth_it(value) {
        DEFERRED.with(|d| d.borrow_mut().push((value.clone(), reason)));
    }
}

/// Frees what this thread deferred; call it holding no shard lock. Counted as lazily freed
/// when the parameter of its [`Reason`] says so, as Valkey counts what it hands to its
/// background thread.
pub fn release(server: &crate::Server) {
    let deferred = DEFERRED.with(|d| {
        let mut d = d.borrow_mut();
        if d.is_empty() {
            None
        } else {
            Some(std::mem::take(&mut *d))
        }
    });
    let Some(deferred) = deferred else {
        return;
    };
    let config = server.config();
    let (server_del, expire) = (
        config.passive_bool("lazyfree-lazy-server-del"),
        config.passive_bool("lazyfree-lazy-expire"),
    );
    let counted = deferred
        .iter()
        .filter(|(_, r)| match r {
            Reason::Replaced => server_del,
            Reason::Expired => expire,
        })
        .count() as u64;
    server.lazyfree.free(deferred, counted);
}
