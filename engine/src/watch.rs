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

/// What a key is on one side of a whole-database change (FLUSHDB, SWAPDB).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    /// Not there.
    Absent,
    /// There, but past its deadline (not yet reclaimed).
    Stale,
    /// There and live.
    Live,
}

/// One client watching one key.
#[derive(Debug)]
struct Watcher {
    dirty: DirtyFlag,
    /// The key was already expired when watched (Valkey's `expired` mark): reclaiming it is
    /// no change, and EXEC does not fail for finding it expired.
    stale: bool,
}

/// The watchers of one shard's keys.
#[derive(Debug, Default)]
pub struct Watches {
    by_key: HashMap<Box<[u8]>, SmallVec<[Watcher; 1]>>,
}

impl Watches {
    /// Registers `flag` on `key` (once per client and key); `stale` when the key is there but
    /// already expired.
    pub fn add(&mut self, key: &[u8], flag: &DirtyFlag, stale: bool) {
        let list = self.by_key.entry(key.into()).or_default();
        if !list.iter().any(|w| Arc::ptr_eq(&w.dirty, flag)) {
            list.push(Watcher {
                dirty: flag.clone(),
                stale,
            });
        }
    }

    /// Forgets `flag` on `key`.
    pub fn remove(&mut self, key: &[u8], flag: &DirtyFlag) {
        if let Some(list) = self.by_key.get_mut(key) {
            list.retain(|w| !Arc::ptr_eq(&w.dirty, flag));
            if list.is_empty() {
                self.by_key.remove(key);
            }
        }
    }

    /// True when the client with `flag` watched `key` while it was already expired, and it
    /// has not been reclaimed or replaced since.
    pub fn stale(&self, key: &[u8], flag: &DirtyFlag) -> bool {
        self.by_key
            .get(key)
            .and_then(|l| l.iter().find(|w| Arc::ptr_eq(&w.dirty, flag)))
            .is_some_and(|w| w.stale)
    }

    /// `key` was written (`present`: whether it is live afterwards, asked only when someone
    /// watches it): every transaction watching it fails, except that reclaiming a key that
    /// was already expired when watched is no change (as in Valkey; later writes count again).
    pub fn touch(&mut self, key: &[u8], present: impl FnOnce() -> bool) {
        if self.by_key.is_empty() {
            return;
        }
        if let Some(list) = self.by_key.get_mut(key) {
            let present = present();
            for w in list {
                if w.stale && !present {
                    w.stale = false;
                } else {
                    w.dirty.store(true, Ordering::Release);
                }
            }
        }
    }

    /// A whole database was emptied (`after` always Absent: FLUSHDB) or replaced (SWAPDB):
    /// Valkey's rules per watched key, from what it was (`before`) and is now (`after`). A key
    /// absent on both sides is untouched; an expired key reclaimed or replaced by another
    /// expired one is no change; a missing key replaced by an expired one becomes stale.
    pub fn touch_replaced(
        &mut self,
        before: impl Fn(&[u8]) -> Presence,
        after: impl Fn(&[u8]) -> Presence,
    ) {
        for (key, list) in &mut self.by_key {
            let (was, is) = (before(key), after(key));
            if was == Presence::Absent && is == Presence::Absent {
                continue;
            }
            for w in list.iter_mut() {
                if w.stale {
                    match is {
                        Presence::Absent => {
                            w.stale = false;
                            continue;
                        }
                        Presence::Stale => continue,
                        Presence::Live => {}
                    }
                } else if was == Presence::Absent && is == Presence::Stale {
                    w.stale = true;
                    continue;
                }
                w.dirty.store(true, Ordering::Release);
            }
        }
    }

    /// Number of watched keys in this shard (INFO watching_clients & co.).
    pub fn keys(&self) -> usize {
        self.by_key.len()
    }
}

/// What one client watches: `(db, key)` pairs and its dirty mark.
#[derive(Debug, Default)]
pub struct ClientWatches {
    /// Set by any write to a watched key.
    pub dirty: DirtyFlag,
    /// The watched keys: `(db, key)`.
    pub keys: Vec<(usize, Vec<u8>)>,
}

impl ClientWatches {
    /// True when the client watches `key` in `db`.
    pub fn watches(&self, db: usize, key: &[u8]) -> bool {
        self.keys.iter().any(|(d, k)| *d == db && k == key)
    }
}

/// Forgets every key `watches` holds, locking each key's shard with `lock(db, key)`; the
/// mark is cleared once no shard refers to it any more (nothing can set it again).
pub fn unwatch_all<'s>(
    watches: &mut ClientWatches,
    mut lock: impl FnMut(usize, &[u8]) -> Option<ShardGuard<'s, Shard>>,
) {
    for (db, key) in std::mem::take(&mut watches.keys) {
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
        w.add(b"k", &a, false);
        w.add(b"k", &a, false);
        w.add(b"j", &b, false);
        w.touch(b"other", || true);
        assert!(!a.load(Ordering::Acquire) && !b.load(Ordering::Acquire));
        w.touch(b"k", || true);
        assert!(a.load(Ordering::Acquire) && !b.load(Ordering::Acquire));
        w.remove(b"j", &b);
        w.touch(b"j", || false);
        assert!(!b.load(Ordering::Acquire));
        assert_eq!(w.keys(), 1);
    }

    /// Valkey 9.1.2's unit/multi "stale keys" cases: a key watched while already expired.
    #[test]
    fn reclaiming_a_key_expired_when_watched_is_no_change() {
        let a: DirtyFlag = Arc::default();
        let mut w = Watches::default();
        w.add(b"x", &a, true);
        assert!(w.stale(b"x", &a));
        w.touch(b"x", || false); // lazily reclaimed, or DEL of the expired key
        assert!(!a.load(Ordering::Acquire) && !w.stale(b"x", &a));
        w.touch(b"x", || true); // written again afterwards: a change
        assert!(a.load(Ordering::Acquire));
    }

    #[test]
    fn flush_and_swap_follow_valkeys_rules() {
        use Presence::*;
        let cases = [
            // (stale when watched, before, after, dirty, stale afterwards)
            (true, Stale, Absent, false, false), // FLUSHDB over a stale key
            (true, Stale, Stale, false, true),   // SWAPDB: stale replaced by stale
            (true, Stale, Live, true, true),
            (false, Absent, Stale, false, true), // SWAPDB: missing replaced by stale
            (false, Absent, Absent, false, false),
            (false, Live, Absent, true, false),
            (false, Absent, Live, true, false),
        ];
        for (stale, before, after, dirty, stale_after) in cases {
            let a: DirtyFlag = Arc::default();
            let mut w = Watches::default();
            w.add(b"x", &a, stale);
            w.touch_replaced(|_| before, |_| after);
            let case = (stale, before, after);
            assert_eq!(a.load(Ordering::Acquire), dirty, "{case:?}");
            assert_eq!(w.stale(b"x", &a), stale_after, "{case:?}");
        }
    }
}
