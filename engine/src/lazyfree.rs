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
//! Not lazy yet: values replaced by a write (`lazyfree-lazy-server-del`) and expired keys
//! (`lazyfree-lazy-expire`) are still freed under the lock, and not counted.

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
