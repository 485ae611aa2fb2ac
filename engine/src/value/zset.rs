//! The sorted set type: members ordered by score, then by member bytes.
//!
//! Two encodings, switched where Valkey switches them (`OBJECT ENCODING` reports which):
//! - `listpack`: one contiguous sorted buffer ([`listpack::Listpack`]) while the set holds at
//!   most `zset-max-listpack-entries` members of at most `zset-max-listpack-value` bytes;
//! - `skiplist`: a member → score hash table ([`Dict`], which gives ZSCAN Valkey's cursor
//!   guarantees) beside a skiplist with span counts ([`skiplist::SkipList`]) for O(log n)
//!   ranks and ranges.
//!
//! A set converts to `skiplist` when an insert would cross either limit (or when ZADD's
//! argument count or longest member already does), and never converts back on its own; only
//! the store commands (ZUNIONSTORE & co.) build a result that starts small again.

mod listpack;
mod skiplist;

use std::cmp::Ordering;

use crate::config::Encodings;
use crate::keyspace::Dict;
use listpack::Listpack;
use skiplist::SkipList;

/// A sorted set value.
#[derive(Clone, Debug)]
pub struct ZSet {
    repr: Repr,
}

#[derive(Clone, Debug)]
enum Repr {
    Listpack(Listpack),
    Skiplist(Box<Full>),
}

/// The `skiplist` encoding: both views of the same members.
#[derive(Clone, Debug, Default)]
struct Full {
    scores: Dict<f64>,
    order: SkipList,
}

impl ZSet {
    /// Bytes the sorted set holds on the heap (MEMORY USAGE); the `skiplist` encoding's
    /// members are estimated from the first `samples`.
    pub fn heap_size(&self, samples: usize) -> usize {
        match &self.repr {
            Repr::Listpack(l) => l.heap_size(),
            Repr::Skiplist(full) => {
                std::mem::size_of::<Full>()
                    + full.scores.heap_size(samples, |_| 0)
                    + full.order.heap_size(samples)
            }
        }
    }
}

impl Default for ZSet {
    fn default() -> Self {
        Self {
            repr: Repr::Listpack(Listpack::default()),
        }
    }
}

impl PartialEq for ZSet {
    fn eq(&self, other: &Self) -> bool {
        self.encoding() == other.encoding()
            && self.len() == other.len()
            && self.iter().eq(other.iter())
    }
}

/// ZADD's conditions (`NX XX GT LT INCR`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AddFlags {
    /// Only add new members.
    pub nx: bool,
    /// Only update existing members.
    pub xx: bool,
    /// Only update when the new score is greater.
    pub gt: bool,
    /// Only update when the new score is less.
    pub lt: bool,
    /// Add the score to the current one.
    pub incr: bool,
}

/// What [`ZSet::add`] did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Added {
    /// A new member, with this score.
    New(f64),
    /// An existing member got this different score.
    Updated(f64),
    /// An existing member kept its score (re-added with the same one, or a zero increment).
    Same(f64),
    /// Nothing done because of NX, XX, GT or LT.
    Skipped,
}

/// The score would be NaN (`inf + -inf` under INCR).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotANumber;

/// A score interval (`ZRANGEBYSCORE` bounds; `(` makes a side exclusive).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreRange {
    /// Lower bound.
    pub min: f64,
    /// Whether `min` itself is excluded.
    pub min_ex: bool,
    /// Upper bound.
    pub max: f64,
    /// Whether `max` itself is excluded.
    pub max_ex: bool,
}

impl ScoreRange {
    /// `score` is not below the lower bound.
    pub fn above_min(&self, score: f64) -> bool {
        if self.min_ex {
            score > self.min
        } else {
            score >= self.min
        }
    }

    /// `score` is not above the upper bound.
    pub fn below_max(&self, score: f64) -> bool {
        if self.max_ex {
            score < self.max
        } else {
            score <= self.max
        }
    }
}

/// One side of a lexicographic interval.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LexBound {
    /// `-`: below every string.
    Min,
    /// `+`: above every string.
    Max,
    /// `[x`: this string, included.
    Incl(Vec<u8>),
    /// `(x`: this string, excluded.
    Excl(Vec<u8>),
}

impl LexBound {
    /// How `member` compares with this bound's string (`-`/`+` are below/above everything).
    fn cmp_member(&self, member: &[u8]) -> Ordering {
        match self {
            LexBound::Min => Ordering::Greater,
            LexBound::Max => Ordering::Less,
            LexBound::Incl(b) | LexBound::Excl(b) => member.cmp(b),
        }
    }

    fn exclusive(&self) -> bool {
        !matches!(self, LexBound::Incl(_))
    }
}

/// A lexicographic interval (`ZRANGEBYLEX` bounds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LexRange {
    /// Lower bound.
    pub min: LexBound,
    /// Upper bound.
    pub max: LexBound,
}

impl LexRange {
    /// `member` is not below the lower bound.
    pub fn above_min(&self, member: &[u8]) -> bool {
        let c = self.min.cmp_member(member);
        if self.min.exclusive() {
            c == Ordering::Greater
        } else {
            c != Ordering::Less
        }
    }

    /// `member` is not above the upper bound.
    pub fn below_max(&self, member: &[u8]) -> bool {
        let c = self.max.cmp_member(member);
        if self.max.exclusive() {
            c == Ordering::Less
        } else {
            c != Ordering::Greater
        }
    }
}

/// Iterator over `(member, score)` pairs.
#[derive(Debug)]
pub struct Iter<'a>(IterRepr<'a>);

#[derive(Debug)]
enum IterRepr<'a> {
    /// Forward over a listpack.
    Listpack(std::iter::Skip<listpack::Iter<'a>>),
    /// Backward over a listpack (collected, as listpack entries only link forward).
    ListpackRev(std::iter::Rev<std::vec::IntoIter<(&'a [u8], f64)>>),
    /// Either way over the skiplist.
    Skiplist(skiplist::Iter<'a>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], f64);

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            IterRepr::Listpack(i) => i.next(),
            IterRepr::ListpackRev(i) => i.next(),
            IterRepr::Skiplist(i) => i.next(),
        }
    }
}

fn fits(enc: &Encodings, entries: usize, longest: usize) -> bool {
    entries as u64 <= enc.zset_max_listpack_entries && longest as u64 <= enc.zset_max_listpack_value
}

impl ZSet {
    /// An empty set in the encoding Valkey's `zsetTypeCreate` picks for about `size_hint`
    /// members of up to `longest` bytes.
    pub fn with_hint(size_hint: usize, longest: usize, enc: &Encodings) -> Self {
        let mut z = ZSet::default();
        if !fits(enc, size_hint, longest) {
            z.repr = Repr::Skiplist(Box::default());
        }
        z
    }

    /// Converts to `skiplist` ahead of adding about `size_hint` members of up to `longest`
    /// bytes, when those alone exceed the listpack limits (`zsetTypeMaybeConvert`).
    pub fn reserve(&mut self, size_hint: usize, longest: usize, enc: &Encodings) {
        if !fits(enc, size_hint, longest) {
            self.convert_to_skiplist();
        }
    }

    /// Elements held.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Listpack(lp) => lp.len(),
            Repr::Skiplist(f) => f.order.len(),
        }
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The member table's figures when the set is a skiplist (DEBUG HTSTATS-KEY).
    pub fn table_stats(&self) -> Option<crate::keyspace::DictStats> {
        match &self.repr {
            Repr::Skiplist(full) => Some(full.scores.stats()),
            Repr::Listpack(_) => None,
        }
    }

    /// The name `OBJECT ENCODING` reports.
    pub fn encoding(&self) -> &'static str {
        match &self.repr {
            Repr::Listpack(_) => "listpack",
            Repr::Skiplist(_) => "skiplist",
        }
    }

    fn convert_to_skiplist(&mut self) {
        if let Repr::Listpack(lp) = &self.repr {
            let mut full = Full::default();
            for (m, s) in lp.iter() {
                full.scores.insert(m, s);
                full.order.insert(m, s);
            }
            self.repr = Repr::Skiplist(Box::new(full));
        }
    }

    /// Converts a `skiplist` set back to `listpack` when it fits the limits
    /// (`zsetConvertToListpackIfNeeded`, used for the results of the store commands).
    pub fn compact_if_fits(&mut self, enc: &Encodings) {
        if let Repr::Skiplist(full) = &self.repr {
            let longest = full.order.iter_from(0, false).map(|(m, _)| m.len()).max();
            if fits(enc, self.len(), longest.unwrap_or(0)) {
                let mut lp = Listpack::default();
                for (m, s) in full.order.iter_from(0, false) {
                    lp.insert(m, s);
                }
                self.repr = Repr::Listpack(lp);
            }
        }
    }

    /// The score of `member`.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match &self.repr {
            Repr::Listpack(lp) => lp.find(member).map(|(_, s)| s),
            Repr::Skiplist(f) => f.scores.peek(member).copied(),
        }
    }

    /// Adds or updates `member` under ZADD's `flags` (Valkey's `zsetAdd`), converting to
    /// `skiplist` when a new member crosses the listpack limits.
    pub fn add(
        &mut self,
        member: &[u8],
        score: f64,
        flags: AddFlags,
        enc: &Encodings,
    ) -> Result<Added, NotANumber> {
        if score.is_nan() {
            return Err(NotANumber);
        }
        match self.score(member) {
            Some(current) => {
                if flags.nx {
                    return Ok(Added::Skipped);
                }
                let new = if flags.incr { score + current } else { score };
                if new.is_nan() {
                    return Err(NotANumber);
                }
                if (flags.lt && new >= current) || (flags.gt && new <= current) {
                    return Ok(Added::Skipped);
                }
                if new == current {
                    return Ok(Added::Same(new));
                }
                match &mut self.repr {
                    Repr::Listpack(lp) => {
                        let (slot, _) = lp.find(member).expect("present");
                        lp.remove(slot);
                        lp.insert(member, new);
                    }
                    Repr::Skiplist(f) => {
                        f.order.update_score(member, current, new);
                        f.scores.insert(member, new);
                    }
                }
                Ok(Added::Updated(new))
            }
            None if flags.xx => Ok(Added::Skipped),
            None => {
                self.insert_new(member, score, enc);
                Ok(Added::New(score))
            }
        }
    }

    fn insert_new(&mut self, member: &[u8], score: f64, enc: &Encodings) {
        if let Repr::Listpack(lp) = &self.repr {
            if !fits(enc, lp.len() + 1, member.len()) {
                self.convert_to_skiplist();
            }
        }
        match &mut self.repr {
            Repr::Listpack(lp) => lp.insert(member, score),
            Repr::Skiplist(f) => {
                f.scores.insert(member, score);
                f.order.insert(member, score);
            }
        }
    }

    /// Sets `member`'s score, adding it when missing.
    pub fn insert(&mut self, member: &[u8], score: f64, enc: &Encodings) {
        // A plain add cannot fail: `score` comes from another set, never NaN.
        let _ = self.add(member, score, AddFlags::default(), enc);
    }

    /// Removes `member`; true when it was present.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match &mut self.repr {
            Repr::Listpack(lp) => match lp.find(member) {
                Some((slot, _)) => {
                    lp.remove(slot);
                    true
                }
                None => false,
            },
            Repr::Skiplist(f) => match f.scores.remove(member) {
                Some(score) => f.order.remove(member, score),
                None => false,
            },
        }
    }

    /// The 0-based ascending rank and the score of `member`.
    pub fn rank(&self, member: &[u8]) -> Option<(usize, f64)> {
        match &self.repr {
            Repr::Listpack(lp) => lp
                .iter()
                .enumerate()
                .find(|(_, (m, _))| *m == member)
                .map(|(i, (_, s))| (i, s)),
            Repr::Skiplist(f) => {
                let score = *f.scores.peek(member)?;
                f.order.rank(member, score).map(|r| (r, score))
            }
        }
    }

    /// The element at 0-based ascending `rank`.
    pub fn get(&self, rank: usize) -> Option<(&[u8], f64)> {
        match &self.repr {
            Repr::Listpack(lp) => lp.iter().nth(rank),
            Repr::Skiplist(f) => f.order.get(rank),
        }
    }

    /// All elements in ascending order.
    pub fn iter(&self) -> Iter<'_> {
        self.iter_from(0, false)
    }

    /// Elements from 0-based ascending `rank` on: upwards, or downwards when `reverse`.
    pub fn iter_from(&self, rank: usize, reverse: bool) -> Iter<'_> {
        match (&self.repr, reverse) {
            (Repr::Listpack(lp), false) => Iter(IterRepr::Listpack(lp.iter().skip(rank))),
            (Repr::Listpack(lp), true) => {
                let upto = rank.saturating_add(1).min(lp.len());
                let v: Vec<_> = lp.iter().take(upto).collect();
                Iter(IterRepr::ListpackRev(v.into_iter().rev()))
            }
            (Repr::Skiplist(f), _) => Iter(IterRepr::Skiplist(f.order.iter_from(rank, reverse))),
        }
    }

    /// Number of leading elements for which `pred` holds, stopping at the first that fails.
    /// `pred(score, member)`: `member` is read only when called.
    fn count_prefix<'s>(
        &'s self,
        mut pred: impl FnMut(f64, &dyn Fn() -> &'s [u8]) -> bool,
    ) -> usize {
        match &self.repr {
            Repr::Listpack(lp) => lp.iter().take_while(|&(m, s)| pred(s, &|| m)).count(),
            Repr::Skiplist(f) => f.order.count_prefix(pred),
        }
    }

    /// The ranks `first..end` of the elements within `range`.
    pub fn score_bounds(&self, range: &ScoreRange) -> (usize, usize) {
        let first = self.count_prefix(|s, _| !range.above_min(s));
        let end = self.count_prefix(|s, _| range.below_max(s));
        (first, end.max(first))
    }

    /// The ranks `first..end` of the elements within `range` (meaningful when all scores are
    /// equal, as for Valkey).
    pub fn lex_bounds(&self, range: &LexRange) -> (usize, usize) {
        let first = self.count_prefix(|_, m| !range.above_min(m()));
        let end = self.count_prefix(|_, m| range.below_max(m()));
        (first, end.max(first))
    }

    /// Removes the elements of ranks `start..end`; returns how many.
    pub fn remove_ranks(&mut self, start: usize, end: usize) -> usize {
        let end = end.min(self.len());
        if start >= end {
            return 0;
        }
        match &mut self.repr {
            Repr::Listpack(lp) => lp.remove_ranks(start, end),
            Repr::Skiplist(f) => {
                let scores = &mut f.scores;
                f.order.remove_ranks(start, end, |m| {
                    scores.remove(m);
                });
            }
        }
        end - start
    }

    /// Removes and returns the lowest-ranked element (ZPOPMIN, BZPOPMIN).
    pub fn pop_min(&mut self) -> Option<(Vec<u8>, f64)> {
        let (m, s) = self.get(0).map(|(m, s)| (m.to_vec(), s))?;
        self.remove_ranks(0, 1);
        Some((m, s))
    }

    /// Removes and returns the highest-ranked element (ZPOPMAX, BZPOPMAX).
    pub fn pop_max(&mut self) -> Option<(Vec<u8>, f64)> {
        let last = self.len().checked_sub(1)?;
        let (m, s) = self.get(last).map(|(m, s)| (m.to_vec(), s))?;
        self.remove_ranks(last, last + 1);
        Some((m, s))
    }

    /// One ZSCAN step: a `listpack` set is returned whole with cursor 0, as Valkey does; a
    /// `skiplist` set is walked with the hash table's reverse-binary cursor.
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(&[u8], f64)) -> u64 {
        match &self.repr {
            Repr::Listpack(lp) => {
                lp.iter().for_each(|(m, s)| f(m, s));
                0
            }
            Repr::Skiplist(full) => full.scores.scan(cursor, |m, s| f(m, *s)),
        }
    }

    /// Whether ZSCAN walks this set in steps (`skiplist`) rather than whole (`listpack`).
    pub fn scans_in_steps(&self) -> bool {
        matches!(self.repr, Repr::Skiplist(_))
    }
}

#[cfg(test)]
mod tests;
