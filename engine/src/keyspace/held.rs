//! What a transaction holds while EXEC runs its queued commands: the shards they need,
//! locked once through the lock manager (lower database first, ascending shards within one,
//! the order every other command uses) and lent to each command's lookups, so no other
//! client sees a half-applied transaction and no queued command ever waits on a lock.

use std::cell::RefCell;

use super::{Db, Shard, ShardGuard, ShardGuards, SHARDS};

/// The shards a transaction needs: one bit per shard, per database.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LockPlan {
    masks: Vec<u64>,
}

// One bit per shard in a `u64`.
const _: () = assert!(SHARDS == 64);

impl LockPlan {
    /// Nothing to lock yet, over `dbs` databases.
    pub fn new(dbs: usize) -> Self {
        Self {
            masks: vec![0; dbs],
        }
    }

    /// The shard owning `key` in database `db`.
    pub fn add_key(&mut self, db: usize, key: &[u8]) {
        self.masks[db] |= 1 << Db::shard_of(key);
    }

    /// Every shard of database `db` (whole-database commands).
    pub fn add_db(&mut self, db: usize) {
        self.masks[db] = u64::MAX;
    }

    /// Every shard of every database (commands that may touch any of them).
    pub fn add_all(&mut self) {
        self.masks.fill(u64::MAX);
    }

    /// `(db, shard)` pairs in lock order.
    fn pairs(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.masks.iter().enumerate().flat_map(|(db, &mask)| {
            (0..SHARDS)
                .filter(move |s| mask & (1 << s) != 0)
                .map(move |s| (db, s))
        })
    }
}

/// Lends the shards a transaction holds to the commands it runs.
pub trait Lend {
    /// Shard `shard` of database `db`. Panics when the transaction did not lock it or a
    /// guard lent earlier is still alive: both are bugs in the lock plan.
    fn lend(&self, db: usize, shard: usize) -> ShardGuard<'_, Shard>;
}

/// Shards locked for the length of a transaction; released together when dropped (serving
/// the clients blocked on keys it wrote, as any release does).
#[derive(Debug)]
pub struct HeldShards<'a> {
    /// `((db, shard), guard)`, in lock order.
    held: Vec<((usize, usize), Lendable<'a>)>,
}

/// A held shard, borrowed by one command at a time.
type Lendable<'a> = RefCell<ShardGuard<'a, Shard>>;

impl<'a> HeldShards<'a> {
    /// Locks what `plan` names, in lock order.
    pub fn lock(dbs: &'a [Db], plan: &LockPlan) -> Self {
        Self {
            held: plan
                .pairs()
                .map(|(db, s)| ((db, s), RefCell::new(dbs[db].shards().lock_one(s))))
                .collect(),
        }
    }

    /// The held shard, for checks made before the commands run (WATCH).
    pub fn with<R>(&self, db: usize, shard: usize, f: impl FnOnce(&mut Shard) -> R) -> R {
        f(&mut self.lend(db, shard))
    }
}

impl Lend for HeldShards<'_> {
    fn lend(&self, db: usize, shard: usize) -> ShardGuard<'_, Shard> {
        let at = self
            .held
            .binary_search_by_key(&(db, shard), |(k, _)| *k)
            .unwrap_or_else(|_| panic!("transaction did not lock shard {shard} of db {db}"));
        let guard = self.held[at]
            .1
            .try_borrow_mut()
            .unwrap_or_else(|_| panic!("shard {shard} of db {db} lent twice"));
        ShardGuard::lent(std::cell::RefMut::map(guard, |g| &mut **g))
    }
}

/// A database as one command sees it: its shards are locked on demand, or lent by the
/// transaction the command runs in. Every command reaches the keyspace through this.
#[derive(Clone, Copy)]
pub struct DbRef<'a> {
    db: &'a Db,
    index: usize,
    held: Option<&'a (dyn Lend + 'a)>,
}

impl std::fmt::Debug for DbRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbRef")
            .field("index", &self.index)
            .field("lent", &self.held.is_some())
            .finish()
    }
}

impl<'a> DbRef<'a> {
    /// Database `index`, locking on demand, or through `held` inside a transaction.
    pub fn new(db: &'a Db, index: usize, held: Option<&'a (dyn Lend + 'a)>) -> Self {
        Self { db, index, held }
    }

    /// The database's number.
    pub fn index(&self) -> usize {
        self.index
    }

    /// Shard `shard`.
    pub fn lock_one(&self, shard: usize) -> ShardGuard<'a, Shard> {
        match self.held {
            Some(held) => held.lend(self.index, shard),
            None => self.db.shards().lock_one(shard),
        }
    }

    /// The shard that owns `key`.
    pub fn lock_key(&self, key: &[u8]) -> ShardGuard<'a, Shard> {
        self.lock_one(Db::shard_of(key))
    }

    /// The shards owning all `keys`, in ascending order.
    pub fn lock_keys<'k>(
        &self,
        keys: impl IntoIterator<Item = &'k [u8]>,
    ) -> ShardGuards<'a, Shard> {
        match self.held {
            None => self.db.lock_keys(keys),
            Some(_) => {
                let mut idx: smallvec::SmallVec<[usize; 8]> =
                    keys.into_iter().map(Db::shard_of).collect();
                idx.sort_unstable();
                idx.dedup();
                self.lend_many(idx)
            }
        }
    }

    /// Every shard, in ascending order (whole-database commands).
    pub fn lock_all(&self) -> ShardGuards<'a, Shard> {
        match self.held {
            None => self.db.shards().lock_all(),
            Some(_) => self.lend_many(0..SHARDS),
        }
    }

    fn lend_many(&self, shards: impl IntoIterator<Item = usize>) -> ShardGuards<'a, Shard> {
        ShardGuards::from_guards(shards.into_iter().map(|s| (s, self.lock_one(s))).collect())
    }

    /// Number of keys (one shard at a time).
    pub fn len(&self) -> usize {
        (0..SHARDS).map(|i| self.lock_one(i).len()).sum()
    }

    /// True when no shard holds a key.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
