//! The hash type, in Valkey's two encodings: fields and values alternating in one packed
//! buffer (`listpack`, insertion order) while small, a chained hash table (`hashtable`) once
//! a hash has more than `hash-max-listpack-entries` fields or a field or value longer than
//! `hash-max-listpack-value` bytes. Like Valkey, a hash never converts back.

use super::set::{random_ascending, random_below, random_u64, Pack};
use crate::config::Encodings;
use crate::keyspace::Dict;

#[derive(Clone, Debug)]
enum Repr {
    /// Field, value, field, value, ...
    Pack(Pack),
    Table(Dict<Box<[u8]>>),
}

/// A hash value.
#[derive(Clone, Debug)]
pub struct Hash {
    repr: Repr,
}

impl Default for Hash {
    fn default() -> Self {
        Hash {
            repr: Repr::Pack(Pack::default()),
        }
    }
}

impl PartialEq for Hash {
    fn eq(&self, other: &Self) -> bool {
        if self.len() != other.len() {
            return false;
        }
        let mut same = true;
        self.for_each(|f, v| same &= other.get(f) == Some(v));
        same
    }
}

/// The byte offset of `field`'s entry in a listpack hash.
fn pack_find(p: &Pack, field: &[u8]) -> Option<usize> {
    p.iter()
        .step_by(2)
        .find(|(f, _)| *f == field)
        .map(|(_, at)| at)
}

impl Hash {
    /// Fields held.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Pack(p) => p.len() / 2,
            Repr::Table(d) => d.len(),
        }
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes the hash holds on the heap (MEMORY USAGE); a hash table's entries are estimated
    /// from the first `samples`.
    pub fn heap_size(&self, samples: usize) -> usize {
        match &self.repr {
            Repr::Pack(p) => p.heap_size(),
            Repr::Table(d) => d.heap_size(samples, |v| v.len()),
        }
    }

    /// The hash table's figures when the hash is one (DEBUG HTSTATS-KEY).
    pub fn table_stats(&self) -> Option<crate::keyspace::DictStats> {
        match &self.repr {
            Repr::Table(d) => Some(d.stats()),
            Repr::Pack(_) => None,
        }
    }

    /// The name `OBJECT ENCODING` reports.
    pub fn encoding(&self) -> &'static str {
        match &self.repr {
            Repr::Pack(_) => "listpack",
            Repr::Table(_) => "hashtable",
        }
    }

    fn convert_to_table(&mut self) {
        let mut d = Dict::new();
        self.for_each(|f, v| {
            d.insert(f, v.into());
        });
        self.repr = Repr::Table(d);
    }

    /// The value of `field`.
    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        match &self.repr {
            Repr::Pack(p) => pack_find(p, field).map(|at| {
                let next = p.entry_at(at).1;
                p.entry_at(next).0
            }),
            Repr::Table(d) => d.peek(field).map(|v| &**v),
        }
    }

    /// Converts before a multi-field write (HSET, HMSET) the way Valkey's
    /// `hashTypeTryConversion` does: more new pairs than the listpack may hold, or any field
    /// or value too long, converts up front, duplicates and existing fields notwithstanding.
    pub fn prepare_for(&mut self, pairs: &[&[u8]], enc: &Encodings) {
        if !matches!(self.repr, Repr::Pack(_)) {
            return;
        }
        if (pairs.len() / 2) as u64 > enc.hash_max_listpack_entries
            || pairs
                .iter()
                .any(|a| a.len() as u64 > enc.hash_max_listpack_value)
        {
            self.convert_to_table();
        }
    }

    /// Sets `field` to `value`; true when the field is new (`hashTypeSet`: a long field or
    /// value converts first, one field too many converts after).
    pub fn set(&mut self, field: &[u8], value: &[u8], enc: &Encodings) -> bool {
        if let Repr::Pack(_) = self.repr {
            if field.len() as u64 > enc.hash_max_listpack_value
                || value.len() as u64 > enc.hash_max_listpack_value
            {
                self.convert_to_table();
            }
        }
        match &mut self.repr {
            Repr::Table(d) => d.insert(field, value.into()).is_none(),
            Repr::Pack(p) => {
                if let Some(at) = pack_find(p, field) {
                    let value_at = p.entry_at(at).1;
                    p.replace_at(value_at, value);
                    return false;
                }
                p.push(field);
                p.push(value);
                if (p.len() / 2) as u64 > enc.hash_max_listpack_entries {
                    self.convert_to_table();
                }
                true
            }
        }
    }

    /// Removes `field`; false when absent.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match &mut self.repr {
            Repr::Table(d) => d.remove(field).is_some(),
            Repr::Pack(p) => match pack_find(p, field) {
                Some(at) => {
                    p.remove_at(at, 2);
                    true
                }
                None => false,
            },
        }
    }

    /// Visits every field and value (insertion order for a listpack).
    pub fn for_each(&self, mut f: impl FnMut(&[u8], &[u8])) {
        match &self.repr {
            Repr::Table(d) => d.for_each(|k, v| f(k, v)),
            Repr::Pack(p) => {
                let mut it = p.iter();
                while let (Some((k, _)), Some((v, _))) = (it.next(), it.next()) {
                    f(k, v);
                }
            }
        }
    }

    /// Every pair, in iteration order.
    fn pairs(&self) -> Vec<(&[u8], &[u8])> {
        let mut out = Vec::with_capacity(self.len());
        match &self.repr {
            Repr::Table(d) => out.extend(d.iter().map(|(k, v)| (k, &**v))),
            Repr::Pack(p) => {
                let mut it = p.iter();
                while let (Some((k, _)), Some((v, _))) = (it.next(), it.next()) {
                    out.push((k, v));
                }
            }
        }
        out
    }

    /// A uniformly chosen field and its value; `None` when empty.
    pub fn random_pair(&self) -> Option<(&[u8], &[u8])> {
        match &self.repr {
            Repr::Table(d) => d.sample(random_u64).map(|(k, v)| (k, &**v)),
            Repr::Pack(_) if self.is_empty() => None,
            Repr::Pack(_) => self.pairs().get(random_below(self.len())).copied(),
        }
    }

    /// `count` random pairs, repeats allowed (HRANDFIELD with a negative count).
    pub fn random_with_repeats(&self, count: usize) -> Vec<(&[u8], &[u8])> {
        if self.is_empty() {
            return Vec::new();
        }
        match &self.repr {
            Repr::Pack(_) => {
                let all = self.pairs();
                (0..count).map(|_| all[random_below(all.len())]).collect()
            }
            Repr::Table(_) => (0..count).filter_map(|_| self.random_pair()).collect(),
        }
    }

    /// `count` distinct random pairs, `count < len`: a listpack answers in its own order,
    /// a hash table in no particular order.
    pub fn random_distinct(&self, count: usize) -> Vec<(&[u8], &[u8])> {
        let mut all = self.pairs();
        if let Repr::Pack(_) = self.repr {
            let picks = random_ascending(all.len(), count);
            return picks.into_iter().map(|i| all[i]).collect();
        }
        for i in 0..count.min(all.len()) {
            let j = i + random_below(all.len() - i);
            all.swap(i, j);
        }
        all.truncate(count);
        all
    }

    /// Every pair in iteration order (HGETALL, HRANDFIELD with a count past the size).
    pub fn all_pairs(&self) -> Vec<(&[u8], &[u8])> {
        self.pairs()
    }

    /// One HSCAN step: every pair of a listpack at once (cursor 0 next), or the hash table's
    /// buckets at `cursor`.
    pub fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(&[u8], &[u8])) -> u64 {
        match &self.repr {
            Repr::Table(d) => d.scan_count(cursor, count, |k, v| f(k, v)),
            Repr::Pack(_) => {
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
    fn listpack_keeps_insertion_order_and_replaces_in_place() {
        let mut h = Hash::default();
        assert!(h.set(b"b", b"1", &enc()));
        assert!(h.set(b"a", b"2", &enc()));
        assert!(!h.set(b"b", b"three", &enc()));
        let pairs: Vec<_> = h.all_pairs();
        assert_eq!(pairs, vec![(&b"b"[..], &b"three"[..]), (b"a", b"2")]);
        assert_eq!(h.get(b"a"), Some(&b"2"[..]));
        // A value named like a field is not a field.
        assert_eq!(h.get(b"2"), None);
        assert!(h.remove(b"b") && !h.remove(b"b"));
        assert_eq!(h.len(), 1);
        assert_eq!(h.encoding(), "listpack");
    }

    // Conversions as Valkey 9.1.2 reports them.
    #[test]
    fn converts_past_the_thresholds() {
        // Valkey 9.1 defaults hash-max-listpack-entries to 512.
        assert_eq!(enc().hash_max_listpack_entries, 512);
        let mut h = Hash::default();
        for i in 0..512 {
            h.set(format!("f{i}").as_bytes(), b"v", &enc());
        }
        assert_eq!(h.encoding(), "listpack");
        h.set(b"f512", b"v", &enc());
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h.len(), 513);
        assert_eq!(h.get(b"f7"), Some(&b"v"[..]));

        let mut long = Hash::default();
        long.set(b"f", b"v", &enc());
        long.set(b"f", &[b'x'; 65], &enc());
        assert_eq!(long.encoding(), "hashtable");

        let mut pre = Hash::default();
        pre.set(b"f", b"v", &enc());
        pre.prepare_for(&[b"f", &[b'x'; 65]], &enc());
        assert_eq!(pre.encoding(), "hashtable");
        assert_eq!(pre.get(b"f"), Some(&b"v"[..]));
    }

    #[test]
    fn random_pairs_belong_to_the_hash() {
        let mut h = Hash::default();
        for i in 0..40 {
            h.set(
                format!("f{i}").as_bytes(),
                format!("v{i}").as_bytes(),
                &enc(),
            );
        }
        let picks = h.random_distinct(10);
        assert_eq!(picks.len(), 10);
        assert!(picks.windows(2).all(|w| w[0].0 != w[1].0));
        for (f, v) in picks {
            assert_eq!(h.get(f), Some(v));
        }
        assert_eq!(h.random_with_repeats(100).len(), 100);
        let (f, v) = h.random_pair().unwrap();
        assert_eq!(h.get(f), Some(v));
    }
}
