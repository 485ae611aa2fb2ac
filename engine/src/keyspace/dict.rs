//! A chained hash table with incremental rehashing, shaped like Valkey's `dict`: growing or
//! shrinking moves one bucket per operation instead of stopping the world (no latency spike
//! on a large shard), a SCAN cursor that never misses an element present for the whole scan
//! (reverse-binary cursor over power-of-two tables), and uniform random sampling by bucket
//! (RANDOMKEY, active expiry).

use std::hash::{BuildHasher, Hasher};

type Link<V> = Option<Box<Node<V>>>;

/// Longest key kept inside the node.
const KEY_INLINE: usize = 22;

/// A node's key: up to `KEY_INLINE` bytes inside the node (one allocation and one cache miss
/// per entry instead of two), longer ones on the heap. 24 bytes, where a `SmallVec` with the
/// same inline room takes 32: the keyspace node is 8 bytes smaller (one malloc size class).
#[derive(Debug, Clone)]
enum Key {
    /// Bytes past `len` are unused.
    Inline {
        len: u8,
        buf: [u8; KEY_INLINE],
    },
    Heap(Box<[u8]>),
}

impl Key {
    fn from_slice(key: &[u8]) -> Self {
        if key.len() <= KEY_INLINE {
            let mut buf = [0; KEY_INLINE];
            buf[..key.len()].copy_from_slice(key);
            Key::Inline {
                len: key.len() as u8,
                buf,
            }
        } else {
            Key::Heap(key.into())
        }
    }
}

impl std::ops::Deref for Key {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Key::Inline { len, buf } => &buf[..usize::from(*len)],
            Key::Heap(b) => b,
        }
    }
}

#[derive(Debug, Clone)]
struct Node<V> {
    key: Key,
    value: V,
    next: Link<V>,
}

#[derive(Debug, Clone)]
struct Table<V> {
    buckets: Vec<Link<V>>,
    used: usize,
}

impl<V> Table<V> {
    fn with_size(size: usize) -> Self {
        Self {
            buckets: (0..size).map(|_| None).collect(),
            used: 0,
        }
    }

    fn mask(&self) -> u64 {
        (self.buckets.len() as u64).wrapping_sub(1)
    }
}

/// A [`Dict`]'s main table and, while rehashing, its target table and the next bucket to
/// move.
pub type DictStats = (TableStats, Option<(TableStats, usize)>);

/// One table of a [`Dict`], as DEBUG HTSTATS reports it.
#[derive(Clone, Debug, Default)]
pub struct TableStats {
    /// Buckets (a power of two, or 0 before the first insert).
    pub buckets: usize,
    /// Entries.
    pub used: usize,
    /// `chains[n]`: buckets holding exactly `n` entries.
    pub chains: Vec<usize>,
}

/// Binary-safe keys to values. All operations take `&mut self` because each one also does a
/// step of pending rehash work; the shard lock already gives exclusive access.
#[derive(Debug, Clone)]
pub struct Dict<V> {
    /// `tables[1]` is non-empty only while rehashing from `tables[0]` into it.
    tables: [Table<V>; 2],
    /// Next bucket of `tables[0]` to move while rehashing.
    rehash_idx: Option<usize>,
    hasher: foldhash::fast::RandomState,
}

const INITIAL_SIZE: usize = 4;
/// Buckets moved per operation while rehashing.
const REHASH_STEP: usize = 1;
/// Empty buckets skipped per step at most, so one step stays O(1).
const EMPTY_VISITS: usize = 10;

impl<V> Default for Dict<V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V> Dict<V> {
    /// An empty dict; allocates nothing until the first insert.
    pub fn new() -> Self {
        Self {
            tables: [Table::with_size(0), Table::with_size(0)],
            rehash_idx: None,
            hasher: foldhash::fast::RandomState::default(),
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.tables[0].used + self.tables[1].used
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn hash(&self, key: &[u8]) -> u64 {
        let mut h = self.hasher.build_hasher();
        h.write(key);
        h.finish()
    }

    fn rehash_step(&mut self) {
        let Some(mut idx) = self.rehash_idx else {
            return;
        };
        let mut moved = 0;
        let mut empty = 0;
        while moved < REHASH_STEP && self.tables[0].used > 0 {
            if self.tables[0].buckets[idx].is_none() {
                idx += 1;
                empty += 1;
                if empty >= EMPTY_VISITS {
                    break;
                }
                continue;
            }
            let mut chain = self.tables[0].buckets[idx].take();
            while let Some(mut node) = chain {
                chain = node.next.take();
                let h = self.hash(&node.key);
                let slot = (h & self.tables[1].mask()) as usize;
                node.next = self.tables[1].buckets[slot].take();
                self.tables[1].buckets[slot] = Some(node);
                self.tables[0].used -= 1;
                self.tables[1].used += 1;
            }
            idx += 1;
            moved += 1;
        }
        if self.tables[0].used == 0 {
            self.tables[0] = std::mem::replace(&mut self.tables[1], Table::with_size(0));
            self.rehash_idx = None;
        } else {
            self.rehash_idx = Some(idx);
        }
    }

    fn start_resize(&mut self, size: usize) {
        if self.rehash_idx.is_some() || size == self.tables[0].buckets.len() {
            return;
        }
        if self.tables[0].used == 0 {
            self.tables[0] = Table::with_size(size);
            return;
        }
        self.tables[1] = Table::with_size(size);
        self.rehash_idx = Some(0);
    }

    fn maybe_grow(&mut self) {
        let size = self.tables[0].buckets.len();
        if size == 0 {
            self.start_resize(INITIAL_SIZE);
        } else if self.rehash_idx.is_none() && self.tables[0].used >= size {
            self.start_resize((self.tables[0].used + 1).next_power_of_two() * 2);
        }
    }

    fn maybe_shrink(&mut self) {
        let size = self.tables[0].buckets.len();
        if self.rehash_idx.is_none() && size > INITIAL_SIZE && self.tables[0].used * 8 < size {
            self.start_resize(self.tables[0].used.next_power_of_two().max(INITIAL_SIZE));
        }
    }

    /// Tables to search, newest last.
    fn live_tables(&self) -> usize {
        if self.rehash_idx.is_some() {
            2
        } else {
            1
        }
    }

    /// Finds the link that holds `key` (or `None`), as `(table, bucket)` plus chain depth.
    fn locate(&self, key: &[u8], h: u64) -> Option<(usize, usize, usize)> {
        for t in 0..self.live_tables() {
            let table = &self.tables[t];
            if table.buckets.is_empty() {
                continue;
            }
            let slot = (h & table.mask()) as usize;
            let mut link = &table.buckets[slot];
            let mut depth = 0;
            while let Some(node) = link {
                if *node.key == *key {
                    return Some((t, slot, depth));
                }
                link = &node.next;
                depth += 1;
            }
        }
        None
    }

    fn node_mut(&mut self, t: usize, slot: usize, depth: usize) -> &mut Node<V> {
        let mut node = self.tables[t].buckets[slot]
            .as_deref_mut()
            .expect("located");
        for _ in 0..depth {
            node = node.next.as_deref_mut().expect("located");
        }
        node
    }

    /// Asks the CPU to start loading what a lookup of `key` will touch, without waiting for
    /// it: `stage` 0 the bucket, 1 the chain's first node (its bucket was fetched by stage
    /// 0). A pipelined batch runs each stage over all its keys before the commands, so their
    /// cache misses overlap instead of stalling one after another (Valkey prefetches the
    /// same way). A third stage for a string's bytes measured slower: another lock pass per
    /// key costs more than the miss it hides.
    pub fn prefetch(&self, key: &[u8], stage: u8) {
        let table = &self.tables[self.live_tables() - 1];
        if table.buckets.is_empty() {
            return;
        }
        let slot = (self.hash(key) & table.mask()) as usize;
        // Stage 0 must not read the bucket (only its address): the read would wait for the
        // very miss being prefetched (measured: 45% of GET's samples stalled there).
        if stage == 0 {
            prefetch_line(table.buckets.as_ptr().wrapping_add(slot).cast());
        } else if let Some(node) = table.buckets[slot].as_deref() {
            // Every line the node spans: a keyspace node (key, entry, inline value) is wider
            // than one.
            let start = std::ptr::from_ref(node).cast::<i8>();
            for offset in (0..std::mem::size_of::<Node<V>>()).step_by(64) {
                prefetch_line(start.wrapping_add(offset));
            }
        }
    }

    /// The value for `key`.
    pub fn get(&mut self, key: &[u8]) -> Option<&V> {
        self.get_mut(key).map(|v| &*v)
    }

    /// The value for `key`, mutable.
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut V> {
        self.rehash_step();
        let h = self.hash(key);
        let (t, slot, depth) = self.locate(key, h)?;
        Some(&mut self.node_mut(t, slot, depth).value)
    }

    /// The value for `key`, read-only: no rehash step, for readers that hold `&self`.
    pub fn peek(&self, key: &[u8]) -> Option<&V> {
        let (t, slot, depth) = self.locate(key, self.hash(key))?;
        let mut node = self.tables[t].buckets[slot].as_deref().expect("located");
        for _ in 0..depth {
            node = node.next.as_deref().expect("located");
        }
        Some(&node.value)
    }

    /// True when `key` is present.
    pub fn contains(&mut self, key: &[u8]) -> bool {
        self.get(key).is_some()
    }

    /// Inserts or replaces; returns the previous value.
    pub fn insert(&mut self, key: &[u8], value: V) -> Option<V> {
        self.rehash_step();
        let h = self.hash(key);
        if let Some((t, slot, depth)) = self.locate(key, h) {
            return Some(std::mem::replace(
                &mut self.node_mut(t, slot, depth).value,
                value,
            ));
        }
        self.maybe_grow();
        let t = if self.rehash_idx.is_some() { 1 } else { 0 };
        let table = &mut self.tables[t];
        let slot = (h & table.mask()) as usize;
        let next = table.buckets[slot].take();
        table.buckets[slot] = Some(Box::new(Node {
            key: Key::from_slice(key),
            value,
            next,
        }));
        table.used += 1;
        None
    }

    /// Removes `key`; returns its value.
    pub fn remove(&mut self, key: &[u8]) -> Option<V> {
        self.rehash_step();
        let h = self.hash(key);
        let (t, slot, depth) = self.locate(key, h)?;
        let table = &mut self.tables[t];
        let mut link = &mut table.buckets[slot];
        for _ in 0..depth {
            link = &mut link.as_mut().expect("located").next;
        }
        let mut node = link.take().expect("located");
        *link = node.next.take();
        table.used -= 1;
        self.maybe_shrink();
        Some(node.value)
    }

    /// Drops every entry and the tables.
    pub fn clear(&mut self) {
        self.tables = [Table::with_size(0), Table::with_size(0)];
        self.rehash_idx = None;
    }

    /// The main table's figures and, while rehashing, the target table's and the next bucket
    /// to move (DEBUG HTSTATS).
    pub fn stats(&self) -> DictStats {
        let of = |t: &Table<V>| {
            let mut chains = Vec::new();
            for bucket in &t.buckets {
                let len = std::iter::successors(bucket.as_deref(), |n| n.next.as_deref()).count();
                if chains.len() <= len {
                    chains.resize(len + 1, 0);
                }
                chains[len] += 1;
            }
            TableStats {
                buckets: t.buckets.len(),
                used: t.used,
                chains,
            }
        };
        let target = self.rehash_idx.map(|i| (of(&self.tables[1]), i));
        (of(&self.tables[0]), target)
    }

    /// Bytes one entry under a `key_len`-byte key takes on the heap, its value's own
    /// allocations aside (MEMORY USAGE): the node, and the key when too long to sit in it.
    pub fn entry_size(key_len: usize) -> usize {
        std::mem::size_of::<Node<V>>() + if key_len > KEY_INLINE { key_len } else { 0 }
    }

    /// Bytes of the bucket arrays and the entry nodes: what the table costs beyond its keys'
    /// and values' own allocations (MEMORY STATS).
    pub fn overhead(&self) -> usize {
        self.bucket_bytes() + self.len() * std::mem::size_of::<Node<V>>()
    }

    fn bucket_bytes(&self) -> usize {
        self.tables
            .iter()
            .map(|t| t.buckets.capacity() * std::mem::size_of::<Link<V>>())
            .sum()
    }

    /// Bytes the table holds on the heap (MEMORY USAGE): both bucket arrays and the entries,
    /// each with what `value_heap` says its value owns. Past `samples` entries the average
    /// of the first `samples` stands for the rest, as Valkey's `objectComputeSize` samples.
    pub fn heap_size(&self, samples: usize, mut value_heap: impl FnMut(&V) -> usize) -> usize {
        let buckets = self.bucket_bytes();
        let (mut seen, mut bytes) = (0usize, 0usize);
        for (key, value) in self.iter().take(samples.max(1)) {
            bytes += Self::entry_size(key.len()) + value_heap(value);
            seen += 1;
        }
        if seen == 0 {
            return buckets;
        }
        buckets + (bytes as u128 * self.len() as u128 / seen as u128) as usize
    }

    /// Every entry (order unspecified), borrowed for as long as the dict.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &V)> + '_ {
        self.tables.iter().flat_map(|t| {
            t.buckets.iter().flat_map(|bucket| {
                std::iter::successors(bucket.as_deref(), |n| n.next.as_deref())
                    .map(|n| (&*n.key, &n.value))
            })
        })
    }

    /// Visits every entry (order unspecified).
    pub fn for_each(&self, mut f: impl FnMut(&[u8], &V)) {
        for table in &self.tables {
            for bucket in &table.buckets {
                let mut link = bucket;
                while let Some(node) = link {
                    f(&node.key, &node.value);
                    link = &node.next;
                }
            }
        }
    }

    /// A random entry, chosen as Valkey's `dictGetFairRandomKey` does (see [`Dict::sample`]);
    /// `rand` supplies random numbers.
    pub fn random(&mut self, rand: impl FnMut() -> u64) -> Option<(&[u8], &V)> {
        self.rehash_step();
        self.sample(rand)
    }

    /// `random` without the rehash step, for readers that hold `&self`.
    pub fn sample(&self, mut rand: impl FnMut() -> u64) -> Option<(&[u8], &V)> {
        if self.is_empty() {
            return None;
        }
        // Valkey's "fair" pick: gather about FAIR_SAMPLE entries from consecutive buckets
        // after a random one and choose uniformly among them. Picking a bucket and then an
        // entry of its chain favours entries in short chains (a 10-member set failed the
        // suite's chi-square test); a small table is sampled whole, so exactly uniform.
        const FAIR_SAMPLE: usize = 20;
        let first = self.rehash_idx.unwrap_or(0);
        let len0 = self.tables[0].buckets.len() - first;
        let total = len0
            + if self.rehash_idx.is_some() {
                self.tables[1].buckets.len()
            } else {
                0
            };
        let bucket = |i: usize| {
            if i < len0 {
                &self.tables[0].buckets[first + i]
            } else {
                &self.tables[1].buckets[i - len0]
            }
        };
        let chain =
            |i: usize| std::iter::successors(bucket(i).as_deref(), |node| node.next.as_deref());
        let start = below(rand(), total);
        let (mut seen, mut visited) = (0, 0);
        while visited < total && seen < FAIR_SAMPLE {
            seen += chain((start + visited) % total).count();
            visited += 1;
        }
        let pick = below(rand(), seen);
        let node = (0..visited)
            .flat_map(|v| chain((start + v) % total))
            .nth(pick)
            .expect("within the entries counted");
        Some((&node.key, &node.value))
    }

    /// One step of a SCAN: visits the entries of the bucket(s) at `cursor` and returns the next
    /// cursor (0 when the scan is complete). Every entry present from the first call to the
    /// last is visited at least once, even across resizes.
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(&[u8], &V)) -> u64 {
        if self.is_empty() {
            return 0;
        }
        let mut v = cursor;
        let visit = |table: &Table<V>, slot: usize, f: &mut dyn FnMut(&[u8], &V)| {
            let mut link = &table.buckets[slot];
            while let Some(node) = link {
                f(&node.key, &node.value);
                link = &node.next;
            }
        };
        if self.rehash_idx.is_none() {
            let t0 = &self.tables[0];
            let m0 = t0.mask();
            visit(t0, (v & m0) as usize, &mut f);
            v |= !m0;
            v = v.reverse_bits().wrapping_add(1).reverse_bits();
        } else {
            let (small, large) = if self.tables[0].buckets.len() <= self.tables[1].buckets.len() {
                (&self.tables[0], &self.tables[1])
            } else {
                (&self.tables[1], &self.tables[0])
            };
            let m0 = small.mask();
            let m1 = large.mask();
            visit(small, (v & m0) as usize, &mut f);
            // Then every bucket of the larger table that expands the smaller one's bucket.
            loop {
                visit(large, (v & m1) as usize, &mut f);
                v |= !m1;
                v = v.reverse_bits().wrapping_add(1).reverse_bits();
                if v & (m0 ^ m1) == 0 {
                    break;
                }
            }
        }
        v
    }

    /// One HSCAN or SSCAN call: [`Dict::scan`] steps from `cursor` until `count` entries are
    /// seen, `10 * count` steps are taken or the scan completes (Valkey's bound on one call);
    /// returns the next cursor.
    pub fn scan_count(&self, cursor: u64, count: usize, mut f: impl FnMut(&[u8], &V)) -> u64 {
        let (mut cursor, mut seen, mut steps) = (cursor, 0usize, count.saturating_mul(10));
        loop {
            cursor = self.scan(cursor, |k, v| {
                seen += 1;
                f(k, v);
            });
            steps -= 1;
            if cursor == 0 || steps == 0 || seen >= count {
                return cursor;
            }
        }
    }
}

/// Maps a random `u64` onto `0..n` using its high bits (multiply-shift), which stay good even
/// when a cheap generator's low bits are correlated from one call to the next.
fn below(r: u64, n: usize) -> usize {
    ((u128::from(r) * n as u128) >> 64) as usize
}

/// A prefetch hint for the cache line at `p`.
#[inline]
#[allow(unsafe_code)]
fn prefetch_line(p: *const i8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint: it never faults and never reads into the program,
    // whatever the address; `sse` is part of the x86_64 baseline.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

#[cfg(test)]
mod tests {

    /// The suite's SRANDMEMBER histogram test: 10 entries, 10,000 picks, chi-square under 40
    /// (df 9; one chance in 100,000 for a fair pick). Bucket-then-chain picking failed it.
    #[test]
    fn sample_is_fair_over_a_small_table() {
        let mut d: Dict<()> = Dict::new();
        for i in 0..10 {
            d.insert(format!("member-{i}").as_bytes(), ());
        }
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut rand = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut counts = std::collections::HashMap::new();
        for _ in 0..10_000 {
            let (k, ()) = d.sample(&mut rand).unwrap();
            *counts.entry(k.to_vec()).or_insert(0u32) += 1;
        }
        assert_eq!(counts.len(), 10);
        let chi: f64 = counts
            .values()
            .map(|&c| (f64::from(c) - 1000.0).powi(2) / 1000.0)
            .sum();
        assert!(chi < 40.0, "chi-square {chi}");
    }

    #[test]
    fn prefetch_is_only_a_hint() {
        let mut d: Dict<u32> = Dict::new();
        d.prefetch(b"k", 0);
        d.prefetch(b"k", 1);
        for i in 0..100u32 {
            d.insert(format!("k{i}").as_bytes(), i);
        }
        for stage in 0..2 {
            d.prefetch(b"k7", stage);
            d.prefetch(b"absent", stage);
        }
        assert_eq!(d.len(), 100);
        assert_eq!(d.get(b"k7"), Some(&7));
    }

    use super::*;
    use std::collections::HashSet;

    fn key(i: u32) -> Vec<u8> {
        format!("key:{i}").into_bytes()
    }

    #[test]
    fn keys_inline_and_on_the_heap_round_trip() {
        let mut d = Dict::new();
        // Both sides of the inline limit, the empty key, and keys that differ only past it.
        let keys: Vec<Vec<u8>> = [0, 1, KEY_INLINE - 1, KEY_INLINE, KEY_INLINE + 1, 100]
            .into_iter()
            .flat_map(|n| [vec![b'a'; n], [vec![b'a'; n], vec![b'b']].concat()])
            .collect();
        for (i, k) in keys.iter().enumerate() {
            assert!(d.insert(k, i).is_none());
        }
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(d.get(k), Some(&i), "{}", k.len());
            assert!(
                d.iter().any(|(key, _)| key == &k[..]),
                "key bytes kept: {}",
                k.len()
            );
        }
        assert_eq!(std::mem::size_of::<Key>(), 24);
    }

    #[test]
    fn insert_get_remove_through_resizes() {
        let mut d = Dict::new();
        for i in 0..5000 {
            assert!(d.insert(&key(i), i).is_none());
        }
        assert_eq!(d.insert(&key(7), 70), Some(7));
        assert_eq!(d.len(), 5000);
        for i in 0..5000 {
            let want = if i == 7 { 70 } else { i };
            assert_eq!(d.get(&key(i)), Some(&want));
        }
        for i in 0..4990 {
            assert!(d.remove(&key(i)).is_some());
        }
        assert_eq!(d.len(), 10);
        assert_eq!(d.get(&key(4995)), Some(&4995));
        assert!(d.get(&key(1)).is_none());
    }

    #[test]
    fn scan_sees_every_stable_entry_while_the_table_changes() {
        let mut d = Dict::new();
        for i in 0..1000 {
            d.insert(&key(i), ());
        }
        let mut seen = HashSet::new();
        let mut cursor = 0;
        let mut extra = 1000;
        loop {
            cursor = d.scan(cursor, |k, _| {
                seen.insert(k.to_vec());
            });
            // Grow the table between steps (forces rehashing mid-scan), up to 5x its size.
            for _ in 0..8 {
                if extra < 5000 {
                    d.insert(&key(extra), ());
                    extra += 1;
                }
            }
            if cursor == 0 {
                break;
            }
        }
        for i in 0..1000 {
            assert!(seen.contains(&key(i)), "missed {i}");
        }
    }

    #[test]
    fn scan_survives_shrinking() {
        let mut d = Dict::new();
        for i in 0..2000 {
            d.insert(&key(i), ());
        }
        let mut seen = HashSet::new();
        let mut cursor = 0;
        let mut next_del = 100;
        loop {
            cursor = d.scan(cursor, |k, _| {
                seen.insert(k.to_vec());
            });
            for _ in 0..50 {
                if next_del < 2000 {
                    d.remove(&key(next_del));
                    next_del += 1;
                }
            }
            if cursor == 0 {
                break;
            }
        }
        for i in 0..100 {
            assert!(seen.contains(&key(i)), "missed {i}");
        }
    }

    #[test]
    fn random_returns_present_keys() {
        let mut d = Dict::new();
        assert!(d.random(|| 4).is_none());
        for i in 0..100 {
            d.insert(&key(i), i);
        }
        let mut x = 1u64;
        let mut rand = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut seen = HashSet::new();
        for _ in 0..2000 {
            let (k, v) = d.random(&mut rand).unwrap();
            assert_eq!(k, &key(*v)[..]);
            seen.insert(*v);
        }
        assert!(seen.len() > 90, "poor spread: {}", seen.len());
    }
}
