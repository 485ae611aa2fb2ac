//! The one lock manager. Every command that touches several shards takes their locks here,
//! in ascending shard order, so two such commands can never wait on each other in a cycle.
//!
//! Lock order invariant: a thread holding shard `i` only ever waits for shards `j > i`.

use std::cell::RefMut;
use std::ops::{Deref, DerefMut};

use crate::sync::{lock, Mutex, MutexGuard};

/// Work a shard does while still locked, just before its lock is released: serving the
/// clients blocked on keys the command just wrote, so no other command can come between the
/// write and the waiters it satisfies.
pub trait BeforeUnlock {
    /// Called with the lock held, once per release.
    fn before_unlock(&mut self);
}

/// Plain counters (the lock manager's own tests and loom models) have nothing to do.
impl BeforeUnlock for u32 {
    fn before_unlock(&mut self) {}
}

/// A fixed set of shards, each guarded by its own mutex.
#[derive(Debug)]
pub struct ShardLocks<T> {
    shards: Box<[Mutex<T>]>,
}

/// One locked shard; runs [`BeforeUnlock`] when released.
#[derive(Debug)]
pub struct ShardGuard<'a, T: BeforeUnlock> {
    guard: Held<'a, T>,
}

/// How a guard holds its shard.
#[derive(Debug)]
enum Held<'a, T> {
    /// Its own lock.
    Locked(MutexGuard<'a, T>),
    /// Borrowed from a lock someone up the stack holds for longer (a transaction running its
    /// queued commands): releasing it releases nothing, the holder's release does the work.
    Lent(RefMut<'a, T>),
}

impl<'a, T: BeforeUnlock> ShardGuard<'a, T> {
    /// A guard over a shard whose lock `held` (a longer-lived guard) keeps.
    pub fn lent(held: RefMut<'a, T>) -> Self {
        Self {
            guard: Held::Lent(held),
        }
    }
}

impl<T: BeforeUnlock> Deref for ShardGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        match &self.guard {
            Held::Locked(g) => g,
            Held::Lent(r) => r,
        }
    }
}

impl<T: BeforeUnlock> DerefMut for ShardGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        match &mut self.guard {
            Held::Locked(g) => g,
            Held::Lent(r) => r,
        }
    }
}

impl<T: BeforeUnlock> Drop for ShardGuard<'_, T> {
    fn drop(&mut self) {
        if let Held::Locked(g) = &mut self.guard {
            g.before_unlock();
        }
    }
}

/// The locks of several shards, held together; released when dropped.
#[derive(Debug)]
pub struct ShardGuards<'a, T: BeforeUnlock> {
    /// `(shard index, guard)`, ascending by index, no duplicates.
    held: Vec<(usize, ShardGuard<'a, T>)>,
}

impl<T: BeforeUnlock> ShardLocks<T> {
    /// `n` shards, each initialised by `init(index)`.
    pub fn new(n: usize, mut init: impl FnMut(usize) -> T) -> Self {
        Self {
            shards: (0..n).map(|i| Mutex::new(init(i))).collect(),
        }
    }

    /// Number of shards.
    pub fn len(&self) -> usize {
        self.shards.len()
    }

    /// True when there are no shards.
    pub fn is_empty(&self) -> bool {
        self.shards.is_empty()
    }

    /// Locks one shard.
    pub fn lock_one(&self, shard: usize) -> ShardGuard<'_, T> {
        ShardGuard {
            guard: Held::Locked(lock(&self.shards[shard])),
        }
    }

    /// Locks every shard in `shards` (any order, duplicates allowed) in ascending order.
    pub fn lock_many(&self, shards: &[usize]) -> ShardGuards<'_, T> {
        let mut order: Vec<usize> = shards.to_vec();
        order.sort_unstable();
        order.dedup();
        ShardGuards {
            held: order.into_iter().map(|i| (i, self.lock_one(i))).collect(),
        }
    }

    /// Locks all shards in ascending order (whole-database commands).
    pub fn lock_all(&self) -> ShardGuards<'_, T> {
        ShardGuards {
            held: self
                .shards
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    (
                        i,
                        ShardGuard {
                            guard: Held::Locked(lock(m)),
                        },
                    )
                })
                .collect(),
        }
    }
}

impl<'a, T: BeforeUnlock> ShardGuards<'a, T> {
    /// Guards already taken (ascending by index, no duplicates), held together.
    pub fn from_guards(held: Vec<(usize, ShardGuard<'a, T>)>) -> Self {
        debug_assert!(held.windows(2).all(|w| w[0].0 < w[1].0));
        Self { held }
    }

    /// The locked shard `shard`; panics if it was not part of the request (a caller bug).
    pub fn get_mut(&mut self, shard: usize) -> &mut T {
        let at = self
            .held
            .binary_search_by_key(&shard, |(i, _)| *i)
            .expect("shard was locked");
        &mut self.held[at].1
    }

    /// Two different locked shards at once (COPY between shards); panics if `a == b` or
    /// either was not locked.
    pub fn get_two_mut(&mut self, a: usize, b: usize) -> (&mut T, &mut T) {
        assert_ne!(a, b, "two distinct shards");
        let ia = self
            .held
            .binary_search_by_key(&a, |(i, _)| *i)
            .expect("shard was locked");
        let ib = self
            .held
            .binary_search_by_key(&b, |(i, _)| *i)
            .expect("shard was locked");
        if ia < ib {
            let (lo, hi) = self.held.split_at_mut(ib);
            (&mut lo[ia].1, &mut hi[0].1)
        } else {
            let (lo, hi) = self.held.split_at_mut(ia);
            (&mut hi[0].1, &mut lo[ib].1)
        }
    }

    /// Calls `f` on every held shard, in ascending order.
    pub fn for_each(&mut self, mut f: impl FnMut(&mut T)) {
        for (_, guard) in &mut self.held {
            f(guard);
        }
    }

    /// Indices of the held shards, ascending.
    pub fn shards(&self) -> impl Iterator<Item = usize> + '_ {
        self.held.iter().map(|(i, _)| *i)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn lock_many_sorts_and_dedups() {
        let locks = ShardLocks::new(4, |i| i as u32 * 10);
        let mut g = locks.lock_many(&[3, 1, 3]);
        assert_eq!(g.shards().collect::<Vec<_>>(), vec![1, 3]);
        *g.get_mut(3) += 1;
        drop(g);
        assert_eq!(*locks.lock_one(3), 31);
        assert_eq!(locks.lock_all().shards().count(), 4);
    }
}
