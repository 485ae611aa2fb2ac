//! The set type, in Valkey's three encodings: a sorted packed integer array (`intset`) while
//! every member is a canonical integer, a packed byte buffer in insertion order (`listpack`)
//! while the set is small, and a chained hash table (`hashtable`) past the thresholds. The
//! conversion rules mirror Valkey's `t_set.c` (`setTypeCreate`, `setTypeAddAux`,
//! `maybeConvertToIntset`); a set never converts back by shrinking.

use crate::config::Encodings;
use crate::keyspace::Dict;

/// Byte strings stored back to back in one buffer, each behind a LEB128 length: Valkey's
/// listpack idea (one allocation, linear search), shared with the hash type.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Pack {
    buf: Vec<u8>,
    len: usize,
}

impl Pack {
    /// Entries held.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Bytes of the buffer's allocation (MEMORY USAGE).
    pub(super) fn heap_size(&self) -> usize {
        self.buf.capacity()
    }

    /// The entry at byte `offset` and the offset of the next one.
    pub(super) fn entry_at(&self, offset: usize) -> (&[u8], usize) {
        let (mut n, mut shift, mut i) = (0usize, 0, offset);
        loop {
            let b = self.buf[i];
            i += 1;
            n |= usize::from(b & 0x7f) << shift;
            if b < 0x80 {
                break;
            }
            shift += 7;
        }
        (&self.buf[i..i + n], i + n)
    }

    /// The entries with their byte offsets, in order.
    pub(super) fn iter(&self) -> PackIter<'_> {
        PackIter { pack: self, at: 0 }
    }

    fn encode(out: &mut Vec<u8>, s: &[u8]) {
        let mut n = s.len();
        while n >= 0x80 {
            out.push((n as u8) | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
        out.extend_from_slice(s);
    }

    /// Appends an entry.
    pub(super) fn push(&mut self, s: &[u8]) {
        Self::encode(&mut self.buf, s);
        self.len += 1;
    }

    /// Removes the `count` entries starting at byte `offset`.
    pub(super) fn remove_at(&mut self, offset: usize, count: usize) {
        let mut end = offset;
        for _ in 0..count {
            end = self.entry_at(end).1;
        }
        self.buf.drain(offset..end);
        self.len -= count;
    }

    /// Replaces the entry at byte `offset` with `s`.
    pub(super) fn replace_at(&mut self, offset: usize, s: &[u8]) {
        let end = self.entry_at(offset).1;
        let mut new = Vec::with_capacity(s.len() + 2);
        Self::encode(&mut new, s);
        self.buf.splice(offset..end, new);
    }

    /// Keeps the entries whose index `keep` accepts.
    pub(super) fn retain(&mut self, mut keep: impl FnMut(usize) -> bool) {
        let mut out = Pack::default();
        for (i, (s, _)) in self.iter().enumerate() {
            if keep(i) {
                out.push(s);
            }
        }
        *self = out;
    }
}

/// Iterator over a [`Pack`]: `(entry, offset)`.
pub(super) struct PackIter<'a> {
    pack: &'a Pack,
    at: usize,
}

impl<'a> Iterator for PackIter<'a> {
    type Item = (&'a [u8], usize);

    fn next(&mut self) -> Option<Self::Item> {
        if self.at >= self.pack.buf.len() {
            return None;
        }
        let offset = self.at;
        let (s, next) = self.pack.entry_at(offset);
        self.at = next;
        Some((s, offset))
    }
}

std::thread_local! {
    static RNG: std::cell::Cell<u64> = std::cell::Cell::new({
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u8(0);
        h.finish() | 1
    });
}

/// A random number (xorshift64* per thread, seeded from the OS-randomised std hasher).
pub(super) fn random_u64() -> u64 {
    RNG.with(|c| {
        let mut x = c.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        c.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    })
}

/// A random index below `n` (n > 0).
pub(super) fn random_below(n: usize) -> usize {
    ((u128::from(random_u64()) * n as u128) >> 64) as usize
}

/// `k` distinct indices below `n`, ascending (selection sampling, like Valkey's
/// `lpNextRandom` walk).
pub(super) fn random_ascending(n: usize, k: usize) -> Vec<usize> {
    let mut out = Vec::with_capacity(k.min(n));
    let mut need = k.min(n);
    for i in 0..n {
        if need == 0 {
            break;
        }
        if random_below(n - i) < need {
            out.push(i);
            need -= 1;
        }
    }
    out
}

/// Sorted integers in the narrowest width that holds them all (Valkey's `intset`).
#[derive(Clone, Debug, PartialEq, Eq)]
enum IntSet {
    I16(Vec<i16>),
    I32(Vec<i32>),
    I64(Vec<i64>),
}

impl Default for IntSet {
    fn default() -> Self {
        IntSet::I16(Vec::new())
    }
}

fn search<T: Copy + Ord + TryFrom<i64>>(v: &[T], x: i64) -> Option<Result<usize, usize>> {
    T::try_from(x).ok().map(|x| v.binary_search(&x))
}

macro_rules! each_width {
    ($s:expr, $v:ident => $body:expr) => {
        match $s {
            IntSet::I16($v) => $body,
            IntSet::I32($v) => $body,
            IntSet::I64($v) => $body,
        }
    };
}

impl IntSet {
    fn len(&self) -> usize {
        each_width!(self, v => v.len())
    }

    // The macro's i64 arm makes the widening conversions identities.
    #[allow(clippy::useless_conversion)]
    fn get(&self, i: usize) -> i64 {
        each_width!(self, v => i64::from(v[i]))
    }

    fn contains(&self, x: i64) -> bool {
        each_width!(self, v => matches!(search(v, x), Some(Ok(_))))
    }

    /// Widens every element so that `x` fits.
    fn upgrade_for(&mut self, x: i64) {
        let all: Vec<i64> = (0..self.len()).map(|i| self.get(i)).collect();
        *self = if i32::try_from(x).is_err() {
            IntSet::I64(all)
        } else {
            IntSet::I32(all.into_iter().map(|v| v as i32).collect())
        };
    }

    #[allow(clippy::useless_conversion)]
    fn insert(&mut self, x: i64) -> bool {
        let fits = each_width!(self, v => search(v, x).is_some());
        if !fits {
            self.upgrade_for(x);
        }
        each_width!(self, v => match search(v, x) {
            Some(Err(at)) => {
                // `search` succeeded, so the conversion cannot fail.
                v.insert(at, x.try_into().unwrap_or_default());
                true
            }
            _ => false,
        })
    }

    fn remove(&mut self, x: i64) -> bool {
        each_width!(self, v => match search(v, x) {
            Some(Ok(at)) => {
                v.remove(at);
                true
            }
            _ => false,
        })
    }
}

/// Digits of an integer member in a stack buffer.
fn with_digits<R>(i: i64, f: impl FnOnce(&[u8]) -> R) -> R {
    let mut buf = [0u8; 20];
    f(resp::int::i64_digits(i, &mut buf))
}

#[derive(Clone, Debug)]
enum Repr {
    Ints(IntSet),
    Pack(Pack),
    Table(Dict<()>),
}

/// A set value.
#[derive(Clone, Debug)]
pub struct Set {
    repr: Repr,
}

impl Default for Set {
    fn default() -> Self {
        Self::new_intset()
    }
}

impl PartialEq for Set {
    fn eq(&self, other: &Self) -> bool {
        if self.len() != other.len() {
            return false;
        }
        let mut same = true;
        self.for_each(|m| same &= other.contains(m));
        same
    }
}

impl Set {
    /// An empty intset.
    pub fn new_intset() -> Self {
        Set {
            repr: Repr::Ints(IntSet::default()),
        }
    }

    /// An empty listpack set.
    pub fn new_listpack() -> Self {
        Set {
            repr: Repr::Pack(Pack::default()),
        }
    }

    /// An empty hash-table set.
    pub fn new_hashtable() -> Self {
        Set {
            repr: Repr::Table(Dict::new()),
        }
    }

    /// The empty set Valkey creates for a first member `first` when about `size_hint`
    /// members are coming (`setTypeCreate`).
    pub fn create(first: &[u8], size_hint: usize, enc: &Encodings) -> Self {
        if resp::int::parse_i64(first).is_some() && size_hint as u64 <= enc.set_max_intset_entries {
            Self::new_intset()
        } else if size_hint as u64 <= enc.set_max_listpack_entries {
            Self::new_listpack()
        } else {
            Set {
                repr: Repr::Table(Dict::new()),
            }
        }
    }

    /// Bytes the set holds on the heap (MEMORY USAGE); a hash table's entries are estimated
    /// from the first `samples`.
    pub fn heap_size(&self, samples: usize) -> usize {
        match &self.repr {
            Repr::Ints(IntSet::I16(v)) => v.capacity() * 2,
            Repr::Ints(IntSet::I32(v)) => v.capacity() * 4,
            Repr::Ints(IntSet::I64(v)) => v.capacity() * 8,
            Repr::Pack(p) => p.heap_size(),
            Repr::Table(d) => d.heap_size(samples, |_| 0),
        }
    }

    /// Elements held.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Ints(i) => i.len(),
            Repr::Pack(p) => p.len(),
            Repr::Table(d) => d.len(),
        }
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The hash table's figures when the set is one (DEBUG HTSTATS-KEY).
    pub fn table_stats(&self) -> Option<crate::keyspace::DictStats> {
        match &self.repr {
            Repr::Table(d) => Some(d.stats()),
            Repr::Ints(_) | Repr::Pack(_) => None,
        }
    }

    /// The name `OBJECT ENCODING` reports.
    pub fn encoding(&self) -> &'static str {
        match &self.repr {
            Repr::Ints(_) => "intset",
            Repr::Pack(_) => "listpack",
            Repr::Table(_) => "hashtable",
        }
    }

    /// True for the intset encoding.
    pub fn is_intset(&self) -> bool {
        matches!(self.repr, Repr::Ints(_))
    }

    /// True for the listpack encoding.
    pub fn is_listpack(&self) -> bool {
        matches!(self.repr, Repr::Pack(_))
    }

    fn convert_to_table(&mut self) {
        let mut d = Dict::new();
        self.for_each(|m| {
            d.insert(m, ());
        });
        self.repr = Repr::Table(d);
    }

    /// Converts a compact set to a hash table when about `size_hint` members are coming
    /// (`setTypeMaybeConvert`, run by SADD before adding).
    pub fn maybe_convert(&mut self, size_hint: usize, enc: &Encodings) {
        let n = size_hint as u64;
        let convert = match &self.repr {
            Repr::Pack(_) => n > enc.set_max_listpack_entries,
            Repr::Ints(_) => n > enc.set_max_intset_entries,
            Repr::Table(_) => false,
        };
        if convert {
            self.convert_to_table();
        }
    }

    /// Adds `m`; false when already a member (`setTypeAddAux`, conversions included).
    pub fn add(&mut self, m: &[u8], enc: &Encodings) -> bool {
        match &mut self.repr {
            Repr::Table(d) => {
                if d.contains(m) {
                    return false;
                }
                d.insert(m, ());
                true
            }
            Repr::Pack(p) => {
                if p.iter().any(|(s, _)| s == m) {
                    return false;
                }
                if (p.len() as u64) < enc.set_max_listpack_entries
                    && m.len() as u64 <= enc.set_max_listpack_value
                {
                    p.push(m);
                } else {
                    self.convert_to_table();
                    if let Repr::Table(d) = &mut self.repr {
                        d.insert(m, ());
                    }
                }
                true
            }
            Repr::Ints(ints) => {
                if let Some(x) = resp::int::parse_i64(m) {
                    if !ints.insert(x) {
                        return false;
                    }
                    // Valkey caps intsets at 2^30 entries whatever the setting says.
                    if ints.len() as u64 > enc.set_max_intset_entries.min(1 << 30) {
                        self.convert_to_table();
                    }
                    return true;
                }
                // The digits of the widest member bound every member's length.
                let n = ints.len();
                let widest = if n == 0 {
                    0
                } else {
                    let digits = |i: i64| with_digits(i, <[u8]>::len);
                    digits(ints.get(0)).max(digits(ints.get(n - 1)))
                };
                if (n as u64) < enc.set_max_listpack_entries
                    && m.len() as u64 <= enc.set_max_listpack_value
                    && widest as u64 <= enc.set_max_listpack_value
                {
                    let mut p = Pack::default();
                    for i in 0..n {
                        with_digits(ints.get(i), |d| p.push(d));
                    }
                    p.push(m);
                    self.repr = Repr::Pack(p);
                } else {
                    self.convert_to_table();
                    if let Repr::Table(d) = &mut self.repr {
                        d.insert(m, ());
                    }
                }
                true
            }
        }
    }

    /// Removes `m`; false when it was not a member.
    pub fn remove(&mut self, m: &[u8]) -> bool {
        match &mut self.repr {
            Repr::Table(d) => d.remove(m).is_some(),
            Repr::Pack(p) => match p.iter().find(|(s, _)| *s == m) {
                Some((_, at)) => {
                    p.remove_at(at, 1);
                    true
                }
                None => false,
            },
            Repr::Ints(ints) => resp::int::parse_i64(m).is_some_and(|x| ints.remove(x)),
        }
    }

    /// True when `m` is a member.
    pub fn contains(&self, m: &[u8]) -> bool {
        match &self.repr {
            Repr::Table(d) => d.peek(m).is_some(),
            Repr::Pack(p) => p.iter().any(|(s, _)| s == m),
            Repr::Ints(ints) => resp::int::parse_i64(m).is_some_and(|x| ints.contains(x)),
        }
    }

    /// Visits every member in the encoding's order (sorted for an intset, insertion order
    /// for a listpack).
    pub fn for_each(&self, mut f: impl FnMut(&[u8])) {
        match &self.repr {
            Repr::Table(d) => d.for_each(|k, _| f(k)),
            Repr::Pack(p) => p.iter().for_each(|(s, _)| f(s)),
            Repr::Ints(ints) => (0..ints.len()).for_each(|i| with_digits(ints.get(i), &mut f)),
        }
    }

    /// The members as owned strings, in iteration order.
    pub fn members(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::with_capacity(self.len());
        self.for_each(|m| out.push(m.to_vec()));
        out
    }

    /// True when every member is a canonical integer.
    pub fn all_integers(&self) -> bool {
        let mut all = true;
        self.for_each(|m| all &= resp::int::parse_i64(m).is_some());
        all
    }

    /// Converts a listpack or hash table to an intset when every member is an integer and
    /// the intset limit allows (`maybeConvertToIntset`: SINTERSTORE's result of two hash
    /// tables that shares only integers is an intset).
    pub fn maybe_convert_to_intset(&mut self, enc: &Encodings) {
        if matches!(self.repr, Repr::Ints(_))
            || self.len() as u64 > enc.set_max_intset_entries.min(1 << 30)
            || !self.all_integers()
        {
            return;
        }
        let mut ints = IntSet::default();
        self.for_each(|m| {
            if let Some(x) = resp::int::parse_i64(m) {
                ints.insert(x);
            }
        });
        self.repr = Repr::Ints(ints);
    }

    /// Member `i` in iteration order, for the compact encodings (`None` for a hash table).
    fn nth(&self, i: usize) -> Option<Vec<u8>> {
        match &self.repr {
            Repr::Ints(ints) => Some(with_digits(ints.get(i), <[u8]>::to_vec)),
            Repr::Pack(p) => p.iter().nth(i).map(|(s, _)| s.to_vec()),
            Repr::Table(_) => None,
        }
    }

    /// `k` distinct positions below `n`, ascending: which members of a listpack a sample
    /// takes (Valkey walks a listpack once, picking in order).
    pub fn random_positions(n: usize, k: usize) -> Vec<usize> {
        random_ascending(n, k)
    }

    /// A uniformly chosen member; `None` when empty.
    pub fn random_member(&self) -> Option<Vec<u8>> {
        if self.is_empty() {
            return None;
        }
        match &self.repr {
            Repr::Table(d) => d.sample(random_u64).map(|(k, _)| k.to_vec()),
            _ => self.nth(random_below(self.len())),
        }
    }

    /// Removes and returns a random member.
    pub fn pop_random(&mut self) -> Option<Vec<u8>> {
        let m = self.random_member()?;
        self.remove(&m);
        Some(m)
    }

    /// `count` random members, repeats allowed (SRANDMEMBER with a negative count).
    pub fn random_with_repeats(&self, count: usize) -> Vec<Vec<u8>> {
        if self.is_empty() {
            return Vec::new();
        }
        if let Repr::Pack(p) = &self.repr {
            // One walk over the listpack serves every pick.
            let all: Vec<&[u8]> = p.iter().map(|(s, _)| s).collect();
            return (0..count)
                .map(|_| all[random_below(all.len())].to_vec())
                .collect();
        }
        (0..count).filter_map(|_| self.random_member()).collect()
    }

    /// `count` distinct random members, `count < len` (SRANDMEMBER's unique cases): a
    /// listpack answers in its own order, other encodings in no particular order.
    pub fn random_distinct(&self, count: usize) -> Vec<Vec<u8>> {
        if let Repr::Pack(p) = &self.repr {
            let picks = random_ascending(p.len(), count);
            let mut next = picks.iter().peekable();
            let mut out = Vec::with_capacity(count);
            for (i, (s, _)) in p.iter().enumerate() {
                if next.peek() == Some(&&i) {
                    out.push(s.to_vec());
                    next.next();
                }
            }
            return out;
        }
        let mut all = self.members();
        // Partial Fisher-Yates: the first `count` slots end up a uniform sample.
        for i in 0..count.min(all.len()) {
            let j = i + random_below(all.len() - i);
            all.swap(i, j);
        }
        all.truncate(count);
        all
    }

    /// Removes the listpack members at the given indices; returns them in listpack order.
    /// Only for a listpack set.
    pub fn take_listpack_indices(&mut self, picks: &[usize]) -> Vec<Vec<u8>> {
        let Repr::Pack(p) = &mut self.repr else {
            return Vec::new();
        };
        let mut taken = Vec::with_capacity(picks.len());
        let mut next = picks.iter().peekable();
        for (i, (s, _)) in p.iter().enumerate() {
            if next.peek() == Some(&&i) {
                taken.push(s.to_vec());
                next.next();
            }
        }
        let mut next = picks.iter().peekable();
        p.retain(|i| {
            if next.peek() == Some(&&i) {
                next.next();
                false
            } else {
                true
            }
        });
        taken
    }

    /// One SSCAN step: every member of a compact set at once (cursor 0 next), or the hash
    /// table's buckets at `cursor`.
    pub fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(&[u8])) -> u64 {
        match &self.repr {
            Repr::Table(d) => d.scan_count(cursor, count, |k, _| f(k)),
            _ => {
                self.for_each(f);
                0
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc() -> Encodings {
        Encodings::default()
    }

    #[test]
    fn pack_round_trips_entries_of_any_length() {
        let mut p = Pack::default();
        let long = vec![b'x'; 300];
        p.push(b"a");
        p.push(&long);
        p.push(b"");
        p.push(b"bc");
        let all: Vec<&[u8]> = p.iter().map(|(s, _)| s).collect();
        assert_eq!(all, vec![&b"a"[..], &long[..], b"", b"bc"]);
        let at = p.iter().nth(1).unwrap().1;
        p.replace_at(at, b"short");
        p.remove_at(0, 1);
        let all: Vec<&[u8]> = p.iter().map(|(s, _)| s).collect();
        assert_eq!(all, vec![&b"short"[..], b"", b"bc"]);
        assert_eq!(p.len(), 3);
    }

    #[test]
    fn intset_stays_sorted_and_widens() {
        let mut s = Set::default();
        for m in ["5", "-3", "100", "5"] {
            s.add(m.as_bytes(), &enc());
        }
        assert_eq!(
            s.members(),
            vec![b"-3".to_vec(), b"5".to_vec(), b"100".to_vec()]
        );
        s.add(b"9223372036854775807", &enc());
        s.add(b"70000", &enc());
        assert_eq!(s.encoding(), "intset");
        assert!(s.contains(b"70000") && s.contains(b"-3"));
        assert!(!s.contains(b"070000"));
        assert_eq!(s.len(), 5);
        assert!(s.remove(b"5") && !s.remove(b"5"));
        assert_eq!(s.members().last().unwrap(), b"9223372036854775807");
    }

    // Encodings as Valkey 9.1.2 reports them after each step.
    #[test]
    fn conversions_follow_valkey() {
        let mut s = Set::create(b"1", 3, &enc());
        for m in ["3", "1", "2"] {
            s.add(m.as_bytes(), &enc());
        }
        s.add(b"x", &enc());
        assert_eq!(s.encoding(), "listpack");
        assert_eq!(
            s.members(),
            vec![b"1".to_vec(), b"2".to_vec(), b"3".to_vec(), b"x".to_vec()]
        );
        s.add(&[b'y'; 65], &enc());
        assert_eq!(s.encoding(), "hashtable");
        assert_eq!(s.len(), 5);

        let mut big = Set::create(b"0", 1, &enc());
        for i in 0..513 {
            big.add(i.to_string().as_bytes(), &enc());
        }
        assert_eq!(big.encoding(), "hashtable");

        let mut lp = Set::create(b"a", 1, &enc());
        for i in 0..128 {
            lp.add(format!("m{i}").as_bytes(), &enc());
        }
        assert_eq!(lp.encoding(), "listpack");
        lp.add(b"one more", &enc());
        assert_eq!(lp.encoding(), "hashtable");
        assert!(lp.contains(b"m0") && lp.contains(b"one more"));
    }

    #[test]
    fn random_picks_are_members_and_distinct() {
        let mut s = Set::create(b"a", 1, &enc());
        for i in 0..50 {
            s.add(format!("m{i}").as_bytes(), &enc());
        }
        let picks = s.random_distinct(20);
        assert_eq!(picks.len(), 20);
        let uniq: std::collections::HashSet<_> = picks.iter().collect();
        assert_eq!(uniq.len(), 20);
        assert!(picks.iter().all(|m| s.contains(m)));
        let popped = s.pop_random().unwrap();
        assert!(!s.contains(&popped));
        assert_eq!(s.len(), 49);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..2000 {
            seen.insert(s.random_member().unwrap());
        }
        assert_eq!(seen.len(), 49, "every member is reachable");
    }

    #[test]
    fn ascending_sample_is_sorted_and_complete() {
        let picks = random_ascending(10, 4);
        assert_eq!(picks.len(), 4);
        assert!(picks.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(random_ascending(5, 9), vec![0, 1, 2, 3, 4]);
    }
}
