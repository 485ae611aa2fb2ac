//! The keyspace: databases split into shards by hash slot, each shard behind its own lock.
//!
//! Lock order: shards of one database are locked in ascending index through [`ShardLocks`];
//! a command never holds shards of two databases at once except MOVE/COPY/SWAPDB, which lock
//! the lower-numbered database first.

mod dict;
mod held;
mod locks;
mod shard;
pub mod slot;

pub use dict::{Dict, DictStats, TableStats};
pub use held::{DbRef, HeldShards, Lend, LockPlan};
pub use locks::{BeforeUnlock, ShardGuard, ShardGuards, ShardLocks};
pub use shard::{CommandScope, Entry, Shard};

/// Shards per database. A power of two dividing 16384, so a shard owns a contiguous range of
/// hash slots.
pub const SHARDS: usize = 64;

/// One logical database (`SELECT n`).
#[derive(Debug)]
pub struct Db {
    shards: ShardLocks<Shard>,
}

impl Db {
    /// Empty database number `index`; `seed` varies the shards' random sampling.
    pub fn new(index: usize, seed: u64) -> Self {
        Self {
            shards: ShardLocks::new(SHARDS, |i| {
                Shard::new(seed ^ (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)).in_db(index)
            }),
        }
    }

    /// The shard that owns `key`.
    pub fn shard_of(key: &[u8]) -> usize {
        usize::from(slot::key_slot(key)) / (usize::from(slot::SLOTS) / SHARDS)
    }

    /// The shard locks.
    pub fn shards(&self) -> &ShardLocks<Shard> {
        &self.shards
    }

    /// Locks the shard that owns `key`.
    pub fn lock_key(&self, key: &[u8]) -> ShardGuard<'_, Shard> {
        self.shards.lock_one(Self::shard_of(key))
    }

    /// Locks the shards owning all `keys`, in ascending order.
    pub fn lock_keys<'k>(
        &self,
        keys: impl IntoIterator<Item = &'k [u8]>,
    ) -> ShardGuards<'_, Shard> {
        let idx: smallvec::SmallVec<[usize; 8]> = keys.into_iter().map(Self::shard_of).collect();
        self.shards.lock_many(&idx)
    }

    /// Number of keys (walks the shards one at a time).
    pub fn len(&self) -> usize {
        (0..SHARDS).map(|i| self.shards.lock_one(i).len()).sum()
    }

    /// True when no shard holds a key.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
