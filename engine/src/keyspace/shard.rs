//! One shard of a database: its keys, its expiry set and its random source. A shard is only
//! ever touched under its lock (see `locks.rs`), so everything here is plain `&mut self`.
//!
//! Expiry invariant: a key whose deadline has passed is never returned. Every lookup checks
//! the deadline and deletes the key when it has passed (lazy expiry), and `active_expire`
//! reclaims keys nobody asks for (sampling the expiry set, like Valkey's active cycle).

use super::dict::Dict;
use super::locks::BeforeUnlock;
use crate::blocking::Queues;
use crate::notify::{self, class};
use crate::value::Value;
use crate::watch::{Presence, Watches};

/// A key's value and deadline.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The value.
    pub value: Value,
    /// Absolute deadline in Unix milliseconds; 0 means no TTL.
    pub expire_at: u64,
    /// Last access, Unix seconds (OBJECT IDLETIME); stamped by the shard on insert and lookup.
    pub atime: u32,
}

impl Entry {
    /// An entry without a TTL.
    pub fn new(value: Value) -> Self {
        Self::with_expire(value, 0)
    }

    /// An entry with a deadline (Unix milliseconds, 0 for none).
    pub fn with_expire(value: Value, expire_at: u64) -> Self {
        Self {
            value,
            expire_at,
            atime: 0,
        }
    }

    fn expired(&self, now_ms: u64) -> bool {
        self.expire_at != 0 && self.expire_at <= now_ms
    }
}

std::thread_local! {
    /// Set while a `CLIENT NO-TOUCH ON` client's command runs: its lookups leave access times
    /// alone. Commands run synchronously inside `Connection::receive`, so thread-locals
    /// scoped by [`CommandScope`] cannot leak into another client's command.
    static NO_TOUCH: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Expired keys read as missing but stay in place (CLIENT PAUSE): nothing is deleted.
    static KEEP_EXPIRED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// The running command's time in Unix seconds: stamps entries that are inserted without a
    /// lookup first (MSET, SETEX, RENAME's destination).
    static NOW_S: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    /// The running command's time in Unix milliseconds: blocked clients served when a shard
    /// is released are served at this time.
    static NOW_MS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Per-command context for the shard code on this thread; restored when dropped.
#[derive(Debug)]
pub struct CommandScope {
    no_touch: bool,
    keep_expired: bool,
    now_s: u32,
    now_ms: u64,
}

impl CommandScope {
    /// Starts a command at `now_ms`; `no_touch` suppresses access-time updates;
    /// `keep_expired` leaves expired keys in place (they still read as missing).
    pub fn new(no_touch: bool, keep_expired: bool, now_ms: u64) -> Self {
        Self {
            no_touch: NO_TOUCH.replace(no_touch),
            keep_expired: KEEP_EXPIRED.replace(keep_expired),
            now_s: NOW_S.replace((now_ms / 1000) as u32),
            now_ms: NOW_MS.replace(now_ms),
        }
    }
}

impl Drop for CommandScope {
    fn drop(&mut self) {
        NO_TOUCH.set(self.no_touch);
        KEEP_EXPIRED.set(self.keep_expired);
        NOW_S.set(self.now_s);
        NOW_MS.set(self.now_ms);
    }
}

/// Whether `key` is in `dict`, and live at `now_ms` (WATCH's view of FLUSHDB and SWAPDB).
fn presence(dict: &Dict<Entry>, key: &[u8], now_ms: u64) -> Presence {
    match dict.peek(key) {
        None => Presence::Absent,
        Some(e) if e.expired(now_ms) => Presence::Stale,
        Some(_) => Presence::Live,
    }
}

/// Keys sampled per round of the active cycle (Valkey's `ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP`).
const KEYS_PER_LOOP: usize = 20;
/// Another round follows while more than this percentage of the sample had expired.
const ACCEPTABLE_STALE_PERCENT: usize = 10;

/// The keys of one shard.
#[derive(Debug, Default)]
pub struct Shard {
    dict: Dict<Entry>,
    /// Keys that have a TTL (the deadline itself lives in the entry).
    volatile: Dict<()>,
    /// SCAN cursor of the active expiry cycle over `volatile`.
    expire_cursor: u64,
    rng: u64,
    /// Keys deleted because their deadline passed.
    pub expired_keys: u64,
    /// Keys deleted to stay under `maxmemory` (INFO evicted_keys).
    pub evicted_keys: u64,
    /// The latest time a lookup passed in, Unix seconds: stamps inserted entries.
    clock_s: u32,
    /// Read lookups that found / did not find their key (INFO keyspace_hits / _misses).
    pub hits: u64,
    /// See `hits`.
    pub misses: u64,
    /// Estimated average remaining TTL of volatile keys, milliseconds (INFO keyspace).
    pub avg_ttl: u64,
    /// Clients blocked on keys of this shard.
    waiters: Queues,
    /// Transactions watching keys of this shard.
    watches: Watches,
    /// The database this shard belongs to (keyspace events name it).
    db: usize,
}

impl BeforeUnlock for Shard {
    /// Serves the clients blocked on keys written under this lock.
    fn before_unlock(&mut self) {
        if self.waiters.has_ready() {
            crate::blocking::serve_ready(self, NOW_MS.get());
        }
    }
}

impl Shard {
    /// An empty shard whose random choices start from `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            rng: seed | 1,
            ..Self::default()
        }
    }

    /// The same shard, as part of database `db`.
    pub fn in_db(self, db: usize) -> Self {
        Self { db, ..self }
    }

    /// Number of keys, expired-but-not-yet-reclaimed ones included (as Valkey's DBSIZE).
    pub fn len(&self) -> usize {
        self.dict.len()
    }

    /// True when the shard holds no keys.
    pub fn is_empty(&self) -> bool {
        self.dict.is_empty()
    }

    /// Bytes the key table and the expiry table cost beyond the keys and values themselves
    /// (MEMORY STATS overhead.hashtable.main and .expires).
    pub fn overhead(&self) -> (usize, usize) {
        (self.dict.overhead(), self.volatile.overhead())
    }

    /// The key table's and the expiry table's figures (DEBUG HTSTATS).
    pub fn table_stats(&self) -> [super::dict::DictStats; 2] {
        [self.dict.stats(), self.volatile.stats()]
    }

    /// Number of keys with a TTL.
    pub fn volatile_len(&self) -> usize {
        self.volatile.len()
    }

    /// Deletes `key` if its deadline has passed (unless the command keeps expired keys);
    /// true if it has passed.
    fn expire_if_needed(&mut self, key: &[u8], now_ms: u64) -> bool {
        let expired = matches!(self.dict.get(key), Some(e) if e.expired(now_ms));
        if expired && !KEEP_EXPIRED.get() {
            if let Some(old) = self.remove(key) {
                crate::lazyfree::defer(&old.value, crate::lazyfree::Reason::Expired);
            }
            self.expired_keys += 1;
            notify::shard_event(class::EXPIRED, "expired", self.db, key);
        }
        expired
    }

    /// The live entry for `key`.
    pub fn get(&mut self, key: &[u8], now_ms: u64) -> Option<&Entry> {
        // Not a write by itself: watchers and waiters hear of the write that may follow.
        self.lookup(key, now_ms, true, false).map(|e| &*e)
    }

    /// The live entry for `key`, mutable. Changing `expire_at` through it is not allowed; use
    /// [`Shard::set_expire`] so the expiry set stays in step.
    pub fn get_mut(&mut self, key: &[u8], now_ms: u64) -> Option<&mut Entry> {
        self.waiters.touched(key);
        let dict = &self.dict;
        self.watches
            .touch(key, || dict.peek(key).is_some_and(|e| !e.expired(now_ms)));
        self.lookup(key, now_ms, true, false)
    }

    /// The transactions watching this shard's keys, to add or remove one.
    pub fn watches_mut(&mut self) -> &mut Watches {
        &mut self.watches
    }

    /// True when `key` is present but its deadline has passed (not deleted, not counted):
    /// EXEC fails for a watched key that expired after WATCH, reclaimed or not.
    pub fn is_expired(&self, key: &[u8], now_ms: u64) -> bool {
        self.dict.peek(key).is_some_and(|e| e.expired(now_ms))
    }

    /// Swaps this shard's keys with `other`'s (SWAPDB). Blocked and watching clients stay
    /// with their database: watchers of a key present on either side fail, and waiters are
    /// served if their key now has something.
    pub fn swap_data(&mut self, other: &mut Shard) {
        let (mine, theirs, now_ms) = (&self.dict, &other.dict, NOW_MS.get());
        self.watches.touch_replaced(
            |k| presence(mine, k, now_ms),
            |k| presence(theirs, k, now_ms),
        );
        other.watches.touch_replaced(
            |k| presence(theirs, k, now_ms),
            |k| presence(mine, k, now_ms),
        );
        std::mem::swap(&mut self.dict, &mut other.dict);
        std::mem::swap(&mut self.volatile, &mut other.volatile);
        std::mem::swap(&mut self.expire_cursor, &mut other.expire_cursor);
        std::mem::swap(&mut self.avg_ttl, &mut other.avg_ttl);
        self.waiters.touch_all();
        other.waiters.touch_all();
    }

    /// See [`Dict::prefetch`].
    pub fn prefetch(&self, key: &[u8], stage: u8) {
        self.dict.prefetch(key, stage);
    }

    /// The clients blocked on this shard's keys.
    pub fn waiters(&self) -> &Queues {
        &self.waiters
    }

    /// The clients blocked on this shard's keys, to add or remove one.
    pub fn waiters_mut(&mut self) -> &mut Queues {
        &mut self.waiters
    }

    /// A read lookup (Valkey's `lookupKeyRead`): like [`Shard::get`], and counted as a
    /// keyspace hit or miss.
    pub fn read(&mut self, key: &[u8], now_ms: u64) -> Option<&Entry> {
        self.lookup(key, now_ms, true, true).map(|e| &*e)
    }

    /// A read lookup that is not an access (TYPE, TTL, EXISTS, OBJECT): counted as a hit or
    /// miss, access time untouched.
    pub fn read_peek(&mut self, key: &[u8], now_ms: u64) -> Option<&Entry> {
        self.lookup(key, now_ms, false, true).map(|e| &*e)
    }

    /// The one lookup path: lazy expiry, then optionally an access-time update and a
    /// hit/miss count.
    fn lookup(&mut self, key: &[u8], now_ms: u64, touch: bool, count: bool) -> Option<&mut Entry> {
        self.clock_s = self.clock_s.max((now_ms / 1000) as u32);
        let live = !self.expire_if_needed(key, now_ms);
        let entry = if live { self.dict.get_mut(key) } else { None };
        if count {
            if entry.is_some() {
                self.hits += 1;
            } else {
                self.misses += 1;
                notify::shard_event(class::KEY_MISS, "keymiss", self.db, key);
            }
        }
        let entry = entry?;
        if touch && !NO_TOUCH.get() {
            entry.atime = (now_ms / 1000) as u32;
        }
        Some(entry)
    }

    /// The live entry for `key`, not counted as an access nor as a hit or miss.
    pub fn peek(&mut self, key: &[u8], now_ms: u64) -> Option<&Entry> {
        self.peek_mut(key, now_ms).map(|e| &*e)
    }

    fn peek_mut(&mut self, key: &[u8], now_ms: u64) -> Option<&mut Entry> {
        self.lookup(key, now_ms, false, false)
    }

    /// True when `key` is live (not an access).
    pub fn contains(&mut self, key: &[u8], now_ms: u64) -> bool {
        self.peek(key, now_ms).is_some()
    }

    /// Stores `entry` under `key`, replacing any previous value and TTL.
    pub fn insert(&mut self, key: &[u8], mut entry: Entry) -> Option<Entry> {
        self.waiters.touched(key);
        self.watches.touch(key, || true);
        entry.atime = self.clock_s.max(NOW_S.get());
        let volatile = entry.expire_at != 0;
        let old = self.dict.insert(key, entry);
        match &old {
            None => notify::shard_event(class::NEW, "new", self.db, key),
            Some(o) => crate::lazyfree::defer(&o.value, crate::lazyfree::Reason::Replaced),
        }
        match (old.as_ref().is_some_and(|o| o.expire_at != 0), volatile) {
            (false, true) => {
                self.volatile.insert(key, ());
            }
            (true, false) => {
                self.volatile.remove(key);
            }
            _ => {}
        }
        old
    }

    /// [`Shard::insert`] of the value `make` builds from the one `key` holds now (live or
    /// expired; None when absent), so the new value can reuse the old one's allocation (a SET
    /// over a string of the same length allocates nothing).
    pub fn insert_from(
        &mut self,
        key: &[u8],
        expire_at: u64,
        make: impl FnOnce(Option<Value>) -> Value,
    ) -> Option<Entry> {
        // The placeholder (no allocation) stands in only while `make` runs, which cannot
        // reach the shard; the insert replaces it.
        let placeholder = Value::Str(crate::value::Str::Int(0));
        let old = self.dict.get_mut(key);
        let old = old.map(|e| std::mem::replace(&mut e.value, placeholder));
        if let Some(old) = &old {
            // `make` drops what it does not reuse, under the lock.
            crate::lazyfree::defer(old, crate::lazyfree::Reason::Replaced);
        }
        self.insert(key, Entry::with_expire(make(old), expire_at))
    }

    /// Removes `key` (live or not); returns its entry.
    pub fn remove(&mut self, key: &[u8]) -> Option<Entry> {
        let old = self.dict.remove(key)?;
        self.watches.touch(key, || false);
        if old.expire_at != 0 {
            self.volatile.remove(key);
        }
        Some(old)
    }

    /// Sets or clears (`at == 0`) the deadline of a live key; false if there is no such key.
    pub fn set_expire(&mut self, key: &[u8], at: u64, now_ms: u64) -> bool {
        if self.peek_mut(key, now_ms).is_none() {
            return false;
        }
        let entry = self.dict.get_mut(key).expect("live key");
        let before = std::mem::replace(&mut entry.expire_at, at);
        // Clearing a deadline that was not there (PERSIST) changes nothing.
        if before != 0 || at != 0 {
            self.watches.touch(key, || true);
        }
        match (before != 0, at != 0) {
            (false, true) => {
                self.volatile.insert(key, ());
            }
            (true, false) => {
                self.volatile.remove(key);
            }
            _ => {}
        }
        true
    }

    /// Removes every key.
    pub fn clear(&mut self) {
        let (dict, now_ms) = (&self.dict, NOW_MS.get());
        self.watches
            .touch_replaced(|k| presence(dict, k, now_ms), |_| Presence::Absent);
        self.dict.clear();
        self.volatile.clear();
        self.expire_cursor = 0;
        // FLUSHDB/FLUSHALL forget the TTL estimate too (INFO keyspace avg_ttl=0, as Valkey).
        self.avg_ttl = 0;
    }

    /// One random number from the shard's generator (xorshift*).
    fn next_random(&mut self) -> u64 {
        let mut rng = self.rng;
        rng ^= rng >> 12;
        rng ^= rng << 25;
        rng ^= rng >> 27;
        self.rng = rng;
        rng.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Up to `n` random keys as eviction candidates, `(key, access time in Unix seconds,
    /// deadline)`, only keys with a TTL when `volatile` (Valkey's sampling for its pool).
    pub fn eviction_samples(&mut self, n: usize, volatile: bool) -> Vec<(Vec<u8>, u32, u64)> {
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let r = (self.next_random(), self.next_random());
            let mut two = [r.0, r.1].into_iter().cycle();
            let key = if volatile {
                self.volatile
                    .sample(|| two.next().unwrap_or(0))
                    .map(|(k, ())| k.to_vec())
            } else {
                self.dict
                    .sample(|| two.next().unwrap_or(0))
                    .map(|(k, _)| k.to_vec())
            };
            let Some(key) = key else { break };
            if out.iter().any(|(k, _, _)| *k == key) {
                continue;
            }
            if let Some(e) = self.dict.peek(&key) {
                out.push((key, e.atime, e.expire_at));
            }
        }
        out
    }

    /// Deletes `key` to make room (counted, announced as `evicted`); its entry, if present.
    pub fn evict(&mut self, key: &[u8]) -> Option<Entry> {
        let old = self.remove(key)?;
        self.evicted_keys += 1;
        notify::shard_event(class::EVICTED, "evicted", self.db, key);
        Some(old)
    }

    /// A random live key (RANDOMKEY); expired keys met on the way are reclaimed.
    pub fn random_key(&mut self, now_ms: u64) -> Option<Vec<u8>> {
        // Bounded like Valkey: give up after many expired picks rather than loop forever.
        for _ in 0..100 {
            let mut rng = self.rng;
            let picked = self
                .dict
                .random(|| {
                    rng ^= rng >> 12;
                    rng ^= rng << 25;
                    rng ^= rng >> 27;
                    rng.wrapping_mul(0x2545_F491_4F6C_DD1D)
                })
                .map(|(k, e)| (k.to_vec(), e.expired(now_ms)));
            self.rng = rng;
            match picked {
                None => return None,
                Some((key, false)) => return Some(key),
                Some((key, true)) => {
                    self.expire_if_needed(&key, now_ms);
                }
            }
        }
        None
    }

    /// One SCAN step over this shard: asks `wanted` of every key in the visited bucket(s),
    /// calls `f` for the live ones it wants, reclaims the expired ones it wants (others are
    /// left alone, as Valkey's SCAN with MATCH or TYPE does) and returns the next cursor (0
    /// when done).
    pub fn scan(
        &mut self,
        cursor: u64,
        now_ms: u64,
        mut wanted: impl FnMut(&[u8], &Entry) -> bool,
        mut f: impl FnMut(&[u8], &Entry),
    ) -> u64 {
        let mut stale = Vec::new();
        let next = self.dict.scan(cursor, |k, e| {
            if !wanted(k, e) {
                return;
            }
            if e.expired(now_ms) {
                stale.push(k.to_vec());
            } else {
                f(k, e);
            }
        });
        for key in stale {
            self.expire_if_needed(&key, now_ms);
        }
        next
    }

    /// Visits every live key (KEYS); expired ones are skipped, not reclaimed.
    pub fn for_each_live(&self, now_ms: u64, mut f: impl FnMut(&[u8], &Entry)) {
        self.dict.for_each(|k, e| {
            if !e.expired(now_ms) {
                f(k, e);
            }
        });
    }

    /// One pass of the active expiry cycle: samples keys with a TTL in rounds of 20 and
    /// deletes the expired ones, going on while more than 10% of a round had expired and
    /// `budget` rounds remain. Returns `(sampled, expired)`.
    pub fn active_expire(&mut self, now_ms: u64, mut budget: usize) -> (usize, usize) {
        let (mut sampled, mut expired) = (0, 0);
        while budget > 0 && !self.volatile.is_empty() {
            budget -= 1;
            let mut round = Vec::with_capacity(KEYS_PER_LOOP);
            let mut visited = 0;
            let mut cursor = self.expire_cursor;
            // Visit buckets until a round's worth of keys was seen (or the set wrapped).
            loop {
                cursor = self.volatile.scan(cursor, |k, ()| {
                    visited += 1;
                    round.push(k.to_vec());
                });
                if visited >= KEYS_PER_LOOP || cursor == 0 {
                    break;
                }
            }
            self.expire_cursor = cursor;
            let mut round_expired = 0;
            // u128: deadlines can be near i64::MAX milliseconds.
            let (mut ttl_sum, mut ttl_count) = (0u128, 0u128);
            for key in &round {
                if self.expire_if_needed(key, now_ms) {
                    round_expired += 1;
                } else if let Some(e) = self.dict.get(key) {
                    ttl_sum += u128::from(e.expire_at.saturating_sub(now_ms));
                    ttl_count += 1;
                }
            }
            if let Some(round_avg) = ttl_sum.checked_div(ttl_count).map(|a| a as u64) {
                // Valkey's smoothed estimate: each round moves the average 2% of the way.
                self.avg_ttl = if self.avg_ttl == 0 {
                    round_avg
                } else {
                    self.avg_ttl / 50 * 49 + round_avg / 50
                };
            }
            sampled += round.len();
            expired += round_expired;
            if round_expired * 100 <= round.len() * ACCEPTABLE_STALE_PERCENT {
                break;
            }
        }
        (sampled, expired)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Str;

    fn val(s: &str) -> Value {
        Value::Str(Str::from_bytes(s.as_bytes()))
    }

    #[test]
    fn expired_keys_are_never_returned() {
        let mut s = Shard::new(1);
        s.insert(b"a", Entry::with_expire(val("1"), 1000));
        s.insert(b"b", Entry::new(val("2")));
        assert!(s.get(b"a", 999).is_some());
        assert!(s.get(b"a", 1000).is_none());
        assert_eq!(s.len(), 1);
        assert_eq!(s.volatile_len(), 0);
        assert_eq!(s.expired_keys, 1);
    }

    #[test]
    fn active_cycle_reclaims_untouched_keys() {
        let mut s = Shard::new(7);
        for i in 0..1000 {
            let key = format!("k{i}");
            let expire_at = if i % 2 == 0 { 500 } else { 0 };
            s.insert(key.as_bytes(), Entry::with_expire(val("x"), expire_at));
        }
        assert_eq!(s.volatile_len(), 500);
        let mut rounds = 0;
        while s.volatile_len() > 0 && rounds < 1000 {
            s.active_expire(600, 16);
            rounds += 1;
        }
        assert_eq!(s.len(), 500);
        assert_eq!(s.expired_keys, 500);
        // Nothing live was touched.
        assert!(s.get(b"k1", 600).is_some());
    }

    #[test]
    fn ttl_bookkeeping_follows_set_and_persist() {
        let mut s = Shard::new(3);
        s.insert(b"k", Entry::new(val("v")));
        assert!(s.set_expire(b"k", 100, 0));
        assert_eq!(s.volatile_len(), 1);
        assert!(s.set_expire(b"k", 0, 0));
        assert_eq!(s.volatile_len(), 0);
        assert!(!s.set_expire(b"missing", 100, 0));
        s.set_expire(b"k", 100, 0);
        s.insert(b"k", Entry::new(val("w")));
        assert_eq!(s.volatile_len(), 0);
    }

    #[test]
    fn random_key_skips_expired() {
        let mut s = Shard::new(9);
        s.insert(b"dead", Entry::with_expire(val("x"), 10));
        s.insert(b"live", Entry::new(val("y")));
        for _ in 0..20 {
            assert_eq!(s.random_key(20).as_deref(), Some(&b"live"[..]));
        }
    }
}
