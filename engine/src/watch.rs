//! WATCH: optimistic locking for MULTI/EXEC. Each shard keeps, next to its blocked clients,
//! the clients watching its keys; any write to a watched key (commands, expiry, FLUSHDB,
//! SWAPDB) marks their transactions dirty under the shard lock. EXEC locks the watched
//! keys' shards together with the ones its commands need and checks the mark while holding
//! them, so a write either landed before the check (EXEC answers null) or waits until the
//! transaction is done.

use std::collections::HashMap;

use smallvec::SmallVec;

use crate::keyspace::{Shard, ShardGuard};
use crate::sync::{Arc, AtomicBool, Ordering};

/// One client's "a watched key changed" mark, shared with the shards it watches.
pub type DirtyFlag = Arc<AtomicBool>;

/// The watchers of one shard's keys.
#[derive(Debug, Default)]
pub struct Watches {
    by_key: HashMap<Box<[u8]>, SmallVec<[DirtyFlag; 1]>>,
}

impl Watches {
    /// Registers `flag` on `key` (once per client and key).
    pub fn add(&mut self, key: &[u8], flag: &DirtyFlag) {
        let list = self.by_key.entry(key.into()).or_default();
        if !list.iter().any(|f| Arc::ptr_eq(f, flag)) {
            list.push(flag.clone());
        }
    }

    /// Forgets `flag` on `key`.
    pub fn remove(&mut self, key: &[u8], flag: &DirtyFlag) {
        if let Some(list) = self.by_key.get_mut(key) {
            list.retain(|f| !Arc::ptr_eq(f, flag));
            if list.is_empty() {
                self.by_key.remove(key);
            }
        }
    }

    /// `key` was written: every transaction watching it fails.
    pub fn touch(&mut self, key: &[u8]) {
        if self.by_key.is_empty() {
            return;
        }
        if let Some(list) = self.by_key.get(key) {
            for f in list {
                f.store(true, Ordering::Release);
            }
        }
    }

    /// Touches every watched key for which `exists` is true (FLUSHDB, SWAPDB: only keys
    /// that were there, or are there now, count as changed, as in Valkey).
    pub fn touch_where(&mut self, mut exists: impl FnMut(&[u8]) -> bool) {
        for (key, list) in &self.by_key {
            if exists(key) {
                for f in list {
                    f.store(true, Ordering::Release);
                }
            }
        }
    }

    /// Number of watched keys in this shard (INFO watching_clients & co.).
    pub fn keys(&self) -> usize {
        self.by_key.len()
    }
}

/// What one client watches: `(db, key, expired at WATCH time)` and its dirty mark.
#[derive(Debug, Default)]
pub struct ClientWatches {
    /// Set by any write to a watched key.
    pub dirty: DirtyFlag,
    /// The watched keys: `(db, key, already expired when watched)`.
    pub keys: Vec<(usize, Vec<u8>, bool)>,
}

impl ClientWatches {
    /// True when the client watches `key` in `db`.
    pub fn watches(&self, db: usize, key: &[u8]) -> bool {
        self.keys.iter().any(|(d, k, _)| *d == db && k == key)
    }
}

/// Forgets every key `watches` holds, locking each key's shard with `lock(db, key)`; the
/// mark is cleared once no shard refers to it any more (nothing can set it again).
pub fn unwatch_all<'s>(
    watches: &mut ClientWatches,
    mut lock: impl FnMut(usize, &[u8]) -> Option<ShardGuard<'s, Shard>>,
) {
    for (db, key, _) in std::mem::take(&mut watches.keys) {
        if let Some(mut shard) = lock(db, &key) {
            shard.watches_mut().remove(&key, &watches.dirty);
        }
    }
    watches.dirty.store(false, Ordering::Release);
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn touch_marks_only_watchers_of_that_key() {
        let (a, b): (DirtyFlag, DirtyFlag) = (Arc::default(), Arc::default());
        let mut w = Watches::default();
        w.add(b"k", &a);
        w.add(b"k", &a);
        w.add(b"j", &b);
        w.touch(b"other");
        assert!(!a.load(Ordering::Acquire) && !b.load(Ordering::Acquire));
        w.touch(b"k");
        assert!(a.load(Ordering::Acquire) && !b.load(Ordering::Acquire));
        w.remove(b"j", &b);
        w.touch(b"j");
        assert!(!b.load(Ordering::Acquire));
        assert_eq!(w.keys(), 1);
        w.touch_where(|k| k == b"k");
    }
}
