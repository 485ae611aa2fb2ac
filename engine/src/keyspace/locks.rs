//! The one lock manager. Every command that touches several shards takes their locks here,
//! in ascending shard order, so two such commands can never wait on each other in a cycle.
//!
//! Lock order invariant: a thread holding shard `i` only ever waits for shards `j > i`.

use crate::sync::{lock, Mutex, MutexGuard};

/// A fixed set of shards, each guarded by its own mutex.
#[derive(Debug)]
pub struct ShardLocks<T> {
    shards: Box<[Mutex<T>]>,
}

/// The locks of several shards, held together; released when dropped.
#[derive(Debug)]
pub struct ShardGuards<'a, T> {
    /// `(shard index, guard)`, ascending by index, no duplicates.
    held: Vec<(usize, MutexGuard<'a, T>)>,
}

impl<T> ShardLocks<T> {
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
    pub fn lock_one(&self, shard: usize) -> MutexGuard<'_, T> {
        lock(&self.shards[shard])
    }

    /// Locks every shard in `shards` (any order, duplicates allowed) in ascending order.
    pub fn lock_many(&self, shards: &[usize]) -> ShardGuards<'_, T> {
        let mut order: Vec<usize> = shards.to_vec();
        order.sort_unstable();
        order.dedup();
        ShardGuards {
            held: order
                .into_iter()
                .map(|i| (i, lock(&self.shards[i])))
                .collect(),
        }
    }

    /// Locks all shards in ascending order (whole-database commands).
    pub fn lock_all(&self) -> ShardGuards<'_, T> {
        ShardGuards {
            held: self
                .shards
                .iter()
                .enumerate()
                .map(|(i, m)| (i, lock(m)))
                .collect(),
        }
    }
}

impl<T> ShardGuards<'_, T> {
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
        let locks = ShardLocks::new(4, |i| i * 10);
        let mut g = locks.lock_many(&[3, 1, 3]);
        assert_eq!(g.shards().collect::<Vec<_>>(), vec![1, 3]);
        *g.get_mut(3) += 1;
        drop(g);
        assert_eq!(*locks.lock_one(3), 31);
        assert_eq!(locks.lock_all().shards().count(), 4);
    }
}
