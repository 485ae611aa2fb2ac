//! The list type, modelled on Valkey's two encodings closely enough that `OBJECT ENCODING`
//! and every conversion happen exactly where Valkey 9.1.2 has them:
//!
//! - `listpack`: one packed buffer of entries in Valkey's listpack entry format (canonical
//!   integers stored as 1–9 byte integers, strings behind a 1, 2 or 5 byte header, each entry
//!   followed by its length for walking backwards). Besides being compact (no allocation per
//!   element), the byte-exact format makes `lpBytes`, which drives every size threshold, exact.
//! - `quicklist`: a deque of such packs ("nodes"), each bounded by `list-max-listpack-size`
//!   (a byte budget when negative, an entry count when positive); an element too large for a
//!   node lives alone in a "plain" node. Node splits and merges follow Valkey's quicklist so
//!   that the node layout, and with it the conversion back, matches.
//!
//! A listpack becomes a quicklist before a write that would take it past the limit (judged on
//! the raw lengths of the values about to be added); a quicklist becomes a listpack again
//! after a removal leaves a single packed node within half the limit.

use std::collections::VecDeque;

/// Which end of a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// The left end (index 0).
    Head,
    /// The right end (index -1).
    Tail,
}

/// One element as stored: canonical integers are kept as integers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Elem<'a> {
    /// An element whose text is a canonical `i64`.
    Int(i64),
    /// Any other element.
    Bytes(&'a [u8]),
}

impl Elem<'_> {
    /// Calls `f` with the element's bytes, without allocating.
    pub fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        match *self {
            Elem::Int(i) => {
                let mut buf = [0u8; 20];
                f(resp::int::i64_digits(i, &mut buf))
            }
            Elem::Bytes(b) => f(b),
        }
    }

    /// The element's bytes, owned.
    pub fn to_vec(&self) -> Vec<u8> {
        self.with_bytes(<[u8]>::to_vec)
    }

    /// True when the element equals `b` (Valkey's `lpCompare`).
    pub fn eq_bytes(&self, b: &[u8]) -> bool {
        match *self {
            Elem::Int(i) => as_int(b) == Some(i),
            Elem::Bytes(s) => s == b,
        }
    }
}

/// A value as listpack would store it: an integer when the text is a canonical `i64`.
fn as_int(v: &[u8]) -> Option<i64> {
    if v.is_empty() || v.len() > 20 {
        return None;
    }
    resp::int::parse_i64(v)
}

// ---------------------------------------------------------------------------------------------
// Limits (quicklist.c)

/// Largest multi-entry node when the limit is an entry count.
const SIZE_SAFETY_LIMIT: usize = 8192;
/// Per-entry overhead Valkey adds when estimating whether a value fits a node.
const SIZE_ESTIMATE_OVERHEAD: usize = 8;
/// Node byte budgets for `list-max-listpack-size` -1 … -5.
const OPTIMIZATION_LEVEL: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
/// A listpack's header (total bytes, entry count) and end marker.
const LP_OVERHEAD: usize = 7;
/// Largest fill a quicklist stores (15 signed bits).
const FILL_MAX: i64 = (1 << 15) - 1;

fn neg_fill_limit(fill: i64) -> usize {
    let offset = usize::try_from(-fill - 1).unwrap_or(0);
    OPTIMIZATION_LEVEL[offset.min(OPTIMIZATION_LEVEL.len() - 1)]
}

/// `quicklistNodeLimit`: (byte limit, entry-count limit), `MAX` where none applies.
fn node_limit(fill: i64) -> (usize, u64) {
    if fill >= 0 {
        (usize::MAX, if fill == 0 { 1 } else { fill as u64 })
    } else {
        (neg_fill_limit(fill), u64::from(u32::MAX))
    }
}

/// `quicklistNodeExceedsLimit`.
fn exceeds_limit(fill: i64, new_sz: usize, new_count: usize) -> bool {
    let (sz_limit, count_limit) = node_limit(fill);
    if sz_limit != usize::MAX {
        new_sz > sz_limit
    } else {
        new_sz > SIZE_SAFETY_LIMIT || new_count as u64 > count_limit
    }
}

/// Valkey's default `packed_threshold` (1 GiB): while it is in force the fill decides.
const PACKED_THRESHOLD_DEFAULT: usize = 1 << 30;

/// `DEBUG QUICKLIST-PACKED-THRESHOLD`: longer elements get a plain node of their own whatever
/// the fill. Process-wide, as Valkey's is (a static in `quicklist.c`); std's atomic rather than
/// `crate::sync`'s because a loom model never changes it.
static PACKED_THRESHOLD: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(PACKED_THRESHOLD_DEFAULT);

/// Sets the plain-node threshold (`quicklistSetPackedThreshold`): 0 restores the default;
/// false (and no change) above 4 GiB less 1 MiB.
pub fn set_packed_threshold(sz: u64) -> bool {
    if sz > (1 << 32) - (1 << 20) {
        return false;
    }
    let sz = if sz == 0 {
        PACKED_THRESHOLD_DEFAULT
    } else {
        sz as usize
    };
    PACKED_THRESHOLD.store(sz, std::sync::atomic::Ordering::Relaxed);
    true
}

/// `isLargeElement`: such a value gets a plain node of its own.
fn is_large(sz: usize, fill: i64) -> bool {
    let threshold = PACKED_THRESHOLD.load(std::sync::atomic::Ordering::Relaxed);
    if threshold != PACKED_THRESHOLD_DEFAULT {
        return sz > threshold;
    }
    if fill >= 0 {
        sz > SIZE_SAFETY_LIMIT
    } else {
        sz > neg_fill_limit(fill)
    }
}

// ---------------------------------------------------------------------------------------------
// Listpack entries

fn backlen_size(l: usize) -> usize {
    match l {
        0..=127 => 1,
        128..=16382 => 2,
        16383..=2097150 => 3,
        2097151..=268435454 => 4,
        _ => 5,
    }
}

/// Size of the encoding (header and payload, no back length) of `v`.
fn encoded_len(v: &[u8]) -> usize {
    match as_int(v) {
        Some(i) => int_encoded_len(i),
        None if v.len() < 64 => 1 + v.len(),
        None if v.len() < 4096 => 2 + v.len(),
        None => 5 + v.len(),
    }
}

fn int_encoded_len(i: i64) -> usize {
    match i {
        0..=127 => 1,
        -4096..=4095 => 2,
        -32768..=32767 => 3,
        -8388608..=8388607 => 4,
        -2147483648..=2147483647 => 5,
        _ => 9,
    }
}

/// Bytes the entry for `v` takes in a listpack.
fn entry_size(v: &[u8]) -> usize {
    let l = encoded_len(v);
    l + backlen_size(l)
}

/// Appends the listpack entry for `v`; `plain` stores it as a string even if it reads as an
/// integer (plain nodes hold raw bytes).
fn encode_entry(out: &mut Vec<u8>, v: &[u8], plain: bool) {
    let start = out.len();
    match as_int(v).filter(|_| !plain) {
        Some(i @ 0..=127) => out.push(i as u8),
        Some(i @ -4096..=4095) => {
            let u = (i & 0x1fff) as u16;
            out.extend_from_slice(&[0xC0 | (u >> 8) as u8, u as u8]);
        }
        Some(i @ -32768..=32767) => {
            out.push(0xF1);
            out.extend_from_slice(&(i as i16).to_le_bytes());
        }
        Some(i @ -8388608..=8388607) => {
            out.push(0xF2);
            out.extend_from_slice(&(i as i32).to_le_bytes()[..3]);
        }
        Some(i @ -2147483648..=2147483647) => {
            out.push(0xF3);
            out.extend_from_slice(&(i as i32).to_le_bytes());
        }
        Some(i) => {
            out.push(0xF4);
            out.extend_from_slice(&i.to_le_bytes());
        }
        None => {
            let n = v.len();
            if n < 64 {
                out.push(0x80 | n as u8);
            } else if n < 4096 {
                out.extend_from_slice(&[0xE0 | (n >> 8) as u8, n as u8]);
            } else {
                out.push(0xF0);
                out.extend_from_slice(&(n as u32).to_le_bytes());
            }
            out.extend_from_slice(v);
        }
    }
    let l = out.len() - start;
    // The back length: 7 bits a byte, most significant first, all but the first flagged.
    let n = backlen_size(l);
    for k in (0..n).rev() {
        let bits = ((l >> (7 * k)) & 127) as u8;
        out.push(if k == n - 1 { bits } else { bits | 128 });
    }
}

/// Decodes the entry at `pos`: the element and the entry's total size.
fn decode(buf: &[u8], pos: usize) -> (Elem<'_>, usize) {
    let b = buf[pos];
    let le = |n: usize| {
        let mut x = [0u8; 8];
        x[..n].copy_from_slice(&buf[pos + 1..pos + 1 + n]);
        u64::from_le_bytes(x)
    };
    let (elem, enc) = if b & 0x80 == 0 {
        (Elem::Int(i64::from(b)), 1)
    } else if b & 0xC0 == 0x80 {
        let n = usize::from(b & 0x3f);
        (Elem::Bytes(&buf[pos + 1..pos + 1 + n]), 1 + n)
    } else if b & 0xE0 == 0xC0 {
        let u = (i64::from(b & 0x1f) << 8) | i64::from(buf[pos + 1]);
        (Elem::Int(if u >= 1 << 12 { u - (1 << 13) } else { u }), 2)
    } else if b & 0xF0 == 0xE0 {
        let n = (usize::from(b & 0x0f) << 8) | usize::from(buf[pos + 1]);
        (Elem::Bytes(&buf[pos + 2..pos + 2 + n]), 2 + n)
    } else {
        match b {
            0xF0 => {
                let n = le(4) as usize;
                (Elem::Bytes(&buf[pos + 5..pos + 5 + n]), 5 + n)
            }
            0xF1 => (Elem::Int(i64::from(le(2) as u16 as i16)), 3),
            0xF2 => (Elem::Int(((le(3) << 40) as i64) >> 40), 4),
            0xF3 => (Elem::Int(i64::from(le(4) as u32 as i32)), 5),
            _ => (Elem::Int(le(8) as i64), 9),
        }
    };
    (elem, enc + backlen_size(enc))
}

/// Start of the entry that ends right before `end`.
fn entry_start_before(buf: &[u8], end: usize) -> usize {
    let (mut l, mut shift, mut p) = (0usize, 0, end - 1);
    loop {
        l |= usize::from(buf[p] & 127) << shift;
        if buf[p] & 128 == 0 {
            break;
        }
        shift += 7;
        p -= 1;
    }
    end - backlen_size(l) - l
}

/// A listpack without its fixed header and end marker: entries back to back.
#[derive(Clone, Debug, Default)]
struct Pack {
    buf: Vec<u8>,
    len: u32,
}

impl Pack {
    /// `lpBytes`.
    fn bytes(&self) -> usize {
        self.buf.len() + LP_OVERHEAD
    }

    fn len(&self) -> usize {
        self.len as usize
    }

    /// Byte position of entry `index` (`index == len`: the end), walking from the nearer end.
    fn seek(&self, index: usize) -> usize {
        let len = self.len();
        debug_assert!(index <= len);
        if index <= len / 2 {
            let mut pos = 0;
            for _ in 0..index {
                pos += decode(&self.buf, pos).1;
            }
            pos
        } else {
            let mut pos = self.buf.len();
            for _ in index..len {
                pos = entry_start_before(&self.buf, pos);
            }
            pos
        }
    }

    fn get(&self, index: usize) -> Elem<'_> {
        decode(&self.buf, self.seek(index)).0
    }

    fn insert(&mut self, index: usize, v: &[u8], plain: bool) {
        let pos = if index == self.len() {
            self.buf.len()
        } else {
            self.seek(index)
        };
        // Encoded at the end and rotated into place rather than built in a temporary: an
        // LPUSH then allocates nothing once the buffer has room (issue 7's hot path). One
        // exact reservation, so the buffer grows as it did when the entry was appended whole.
        let end = self.buf.len();
        self.buf.reserve(entry_size(v));
        encode_entry(&mut self.buf, v, plain);
        let size = self.buf.len() - end;
        self.buf[pos..].rotate_right(size);
        self.len += 1;
    }

    fn push(&mut self, end: End, v: &[u8]) {
        let at = match end {
            End::Head => 0,
            End::Tail => self.len(),
        };
        self.insert(at, v, false);
    }

    /// Removes `n` entries from `index` on.
    fn remove_range(&mut self, index: usize, n: usize) {
        let n = n.min(self.len() - index);
        if n == 0 {
            return;
        }
        let start = self.seek(index);
        let mut end = start;
        for _ in 0..n {
            end += decode(&self.buf, end).1;
        }
        self.buf.drain(start..end);
        self.len -= n as u32;
    }

    fn replace(&mut self, index: usize, v: &[u8]) {
        let start = self.seek(index);
        let end = start + decode(&self.buf, start).1;
        let mut entry = Vec::with_capacity(entry_size(v) + 5);
        encode_entry(&mut entry, v, false);
        self.buf.splice(start..end, entry);
    }

    /// Keeps entries `[0, index)`, returns the rest.
    fn split_off(&mut self, index: usize) -> Pack {
        let pos = self.seek(index);
        let rest = Pack {
            buf: self.buf.split_off(pos),
            len: self.len - index as u32,
        };
        self.len = index as u32;
        rest
    }

    fn append(&mut self, other: Pack) {
        self.buf.extend_from_slice(&other.buf);
        self.len += other.len;
    }

    fn iter(&self) -> PackIter<'_> {
        PackIter {
            buf: &self.buf,
            front: 0,
            back: self.buf.len(),
        }
    }

    /// Removes up to `limit` entries equal to `v` (0: all), scanning from `from`; how many.
    fn remove_matching(&mut self, v: &[u8], limit: usize, from: End) -> usize {
        let mut hits: Vec<(usize, usize)> = Vec::new();
        let mut scan = |start: usize, size: usize, e: Elem<'_>| {
            if e.eq_bytes(v) {
                hits.push((start, start + size));
            }
            limit == 0 || hits.len() < limit
        };
        match from {
            End::Head => {
                let mut pos = 0;
                while pos < self.buf.len() {
                    let (e, size) = decode(&self.buf, pos);
                    if !scan(pos, size, e) {
                        break;
                    }
                    pos += size;
                }
            }
            End::Tail => {
                let mut pos = self.buf.len();
                while pos > 0 {
                    let start = entry_start_before(&self.buf, pos);
                    let (e, size) = decode(&self.buf, start);
                    if !scan(start, size, e) {
                        break;
                    }
                    pos = start;
                }
                hits.reverse();
            }
        }
        if hits.is_empty() {
            return 0;
        }
        let mut kept = Vec::with_capacity(self.buf.len());
        let mut at = 0;
        for &(s, e) in &hits {
            kept.extend_from_slice(&self.buf[at..s]);
            at = e;
        }
        kept.extend_from_slice(&self.buf[at..]);
        self.buf = kept;
        self.len -= hits.len() as u32;
        hits.len()
    }
}

/// Entries of a pack between two byte positions, from either end.
#[derive(Clone, Debug)]
struct PackIter<'a> {
    buf: &'a [u8],
    front: usize,
    back: usize,
}

impl<'a> Iterator for PackIter<'a> {
    type Item = Elem<'a>;

    fn next(&mut self) -> Option<Elem<'a>> {
        if self.front >= self.back {
            return None;
        }
        let (e, size) = decode(self.buf, self.front);
        self.front += size;
        Some(e)
    }
}

impl<'a> DoubleEndedIterator for PackIter<'a> {
    fn next_back(&mut self) -> Option<Elem<'a>> {
        if self.front >= self.back {
            return None;
        }
        self.back = entry_start_before(self.buf, self.back);
        Some(decode(self.buf, self.back).0)
    }
}

// ---------------------------------------------------------------------------------------------
// Quicklist

/// A quicklist node: a pack of elements, or a single large element (`plain`).
#[derive(Clone, Debug)]
struct Node {
    pack: Pack,
    plain: bool,
}

impl Node {
    fn packed(pack: Pack) -> Node {
        Node { pack, plain: false }
    }

    fn with(v: &[u8], fill: i64) -> Node {
        let plain = is_large(v.len(), fill);
        let mut pack = Pack::default();
        pack.insert(0, v, plain);
        Node { pack, plain }
    }

    fn count(&self) -> usize {
        self.pack.len()
    }

    /// Valkey's `node->sz`: the listpack's bytes, or a plain node's element length.
    fn sz(&self) -> usize {
        if self.plain {
            match self.pack.get(0) {
                Elem::Bytes(b) => b.len(),
                Elem::Int(_) => unreachable!("plain nodes hold strings"),
            }
        } else {
            self.pack.bytes()
        }
    }
}

/// `_quicklistNodeAllowInsert`.
fn allow_insert(node: Option<&Node>, fill: i64, sz: usize) -> bool {
    match node {
        Some(n) if !n.plain && !is_large(sz, fill) => {
            !exceeds_limit(fill, n.sz() + sz + SIZE_ESTIMATE_OVERHEAD, n.count() + 1)
        }
        _ => false,
    }
}

/// `_quicklistNodeAllowMerge`.
fn allow_merge(a: &Node, b: &Node, fill: i64) -> bool {
    !a.plain
        && !b.plain
        && !exceeds_limit(fill, a.sz() + b.sz() - LP_OVERHEAD, a.count() + b.count())
}

#[derive(Clone, Debug)]
struct Quick {
    nodes: VecDeque<Node>,
    count: usize,
    /// The limit in force when the quicklist was made (Valkey keeps it per quicklist).
    fill: i64,
}

impl Quick {
    fn new(fill: i64) -> Quick {
        Quick {
            nodes: VecDeque::new(),
            count: 0,
            fill: fill.clamp(-5, FILL_MAX),
        }
    }

    /// Node and offset of element `index` (< count).
    fn locate(&self, index: usize) -> (usize, usize) {
        if index < self.count / 2 {
            let mut left = index;
            for (i, n) in self.nodes.iter().enumerate() {
                if left < n.count() {
                    return (i, left);
                }
                left -= n.count();
            }
        } else {
            let mut right = self.count - 1 - index;
            for (i, n) in self.nodes.iter().enumerate().rev() {
                if right < n.count() {
                    return (i, n.count() - 1 - right);
                }
                right -= n.count();
            }
        }
        unreachable!("index {index} within {} elements", self.count)
    }

    /// `quicklistPushHead` / `quicklistPushTail`.
    fn push(&mut self, end: End, v: &[u8]) {
        let fill = self.fill;
        self.count += 1;
        let edge = match end {
            End::Head => self.nodes.front_mut(),
            End::Tail => self.nodes.back_mut(),
        };
        if !is_large(v.len(), fill) && allow_insert(edge.as_deref(), fill, v.len()) {
            edge.expect("allowed").pack.push(end, v);
            return;
        }
        let node = Node::with(v, fill);
        match end {
            End::Head => self.nodes.push_front(node),
            End::Tail => self.nodes.push_back(node),
        }
    }

    /// Removes and returns an element from an end; `true` when Valkey would hand it out as
    /// an integer object.
    fn pop(&mut self, end: End) -> Option<(Vec<u8>, bool)> {
        let last = self.nodes.len().checked_sub(1)?;
        let ni = match end {
            End::Head => 0,
            End::Tail => last,
        };
        let node = &mut self.nodes[ni];
        let idx = match end {
            End::Head => 0,
            End::Tail => node.count() - 1,
        };
        let e = node.pack.get(idx);
        let out = (e.to_vec(), matches!(e, Elem::Int(_)));
        node.pack.remove_range(idx, 1);
        if node.count() == 0 {
            self.nodes.remove(ni);
        }
        self.count -= 1;
        Some(out)
    }

    /// Removes `n` elements from `index` on (`quicklistDelRange`; no merging).
    fn remove_range(&mut self, index: usize, n: usize) {
        let mut left = n.min(self.count.saturating_sub(index));
        if left == 0 {
            return;
        }
        let (mut ni, mut off) = self.locate(index);
        self.count -= left;
        while left > 0 {
            let node = &mut self.nodes[ni];
            let del = left.min(node.count() - off);
            node.pack.remove_range(off, del);
            left -= del;
            if node.count() == 0 {
                self.nodes.remove(ni);
            } else {
                ni += 1;
            }
            off = 0;
        }
    }

    /// Removes up to `limit` elements equal to `v` (0: all), scanning from `from`.
    fn remove_matching(&mut self, v: &[u8], limit: usize, from: End) -> usize {
        let mut removed = 0;
        let order: Vec<usize> = match from {
            End::Head => (0..self.nodes.len()).collect(),
            End::Tail => (0..self.nodes.len()).rev().collect(),
        };
        let mut emptied = Vec::new();
        for ni in order {
            let want = if limit == 0 { 0 } else { limit - removed };
            removed += self.nodes[ni].pack.remove_matching(v, want, from);
            if self.nodes[ni].count() == 0 {
                emptied.push(ni);
            }
            if limit != 0 && removed == limit {
                break;
            }
        }
        emptied.sort_unstable();
        for ni in emptied.into_iter().rev() {
            self.nodes.remove(ni);
        }
        self.count -= removed;
        removed
    }

    /// Merges node `a + 1` into node `a`.
    fn merge_pair(&mut self, a: usize) {
        let b = self.nodes.remove(a + 1).expect("node to merge");
        self.nodes[a].pack.append(b.pack);
    }

    fn can_merge(&self, a: usize, b: usize) -> bool {
        allow_merge(&self.nodes[a], &self.nodes[b], self.fill)
    }

    /// `_quicklistMergeNodes`: tries the pairs around `center`; returns where it ended up.
    fn merge_around(&mut self, mut center: usize) -> usize {
        if center >= 2 && self.can_merge(center - 1, center - 2) {
            self.merge_pair(center - 2);
            center -= 1;
        }
        if center + 2 < self.nodes.len() && self.can_merge(center + 1, center + 2) {
            self.merge_pair(center + 1);
        }
        let mut target = center;
        if center >= 1 && self.can_merge(center, center - 1) {
            self.merge_pair(center - 1);
            target = center - 1;
        }
        if target + 1 < self.nodes.len() && self.can_merge(target, target + 1) {
            self.merge_pair(target);
        }
        target
    }

    /// `_quicklistSplitNode`: with `after`, node keeps `[0, offset]` and the returned node
    /// holds the rest; without, the returned node holds `[0, offset)` and node the rest.
    fn split(&mut self, ni: usize, offset: usize, after: bool) -> Node {
        let pack = &mut self.nodes[ni].pack;
        if after {
            Node::packed(pack.split_off(offset + 1))
        } else {
            let rest = pack.split_off(offset);
            Node::packed(std::mem::replace(pack, rest))
        }
    }

    /// `_quicklistInsert`: puts `v` before or after element `index`.
    fn insert(&mut self, index: usize, v: &[u8], after: bool) {
        let fill = self.fill;
        let sz = v.len();
        let (ni, off) = self.locate(index);
        let node = &self.nodes[ni];
        let full = !allow_insert(Some(node), fill, sz);
        let at_tail = after && off == node.count() - 1;
        let at_head = !after && off == 0;
        let plain = node.plain;
        let avail_next = at_tail && allow_insert(self.nodes.get(ni + 1), fill, sz);
        let avail_prev = at_head && ni > 0 && allow_insert(self.nodes.get(ni - 1), fill, sz);
        let beside = if after { ni + 1 } else { ni };
        self.count += 1;
        if is_large(sz, fill) {
            if plain || at_tail || at_head {
                self.nodes.insert(beside, Node::with(v, fill));
            } else {
                let split = self.split(ni, off, after);
                let big = Node::with(v, fill);
                if after {
                    self.nodes.insert(ni + 1, big);
                    self.nodes.insert(ni + 2, split);
                } else {
                    self.nodes.insert(ni, big);
                    self.nodes.insert(ni, split);
                }
            }
            return;
        }
        if !full {
            let at = if after { off + 1 } else { off };
            self.nodes[ni].pack.insert(at, v, false);
        } else if at_tail && avail_next {
            self.nodes[ni + 1].pack.push(End::Head, v);
        } else if at_head && avail_prev {
            self.nodes[ni - 1].pack.push(End::Tail, v);
        } else if at_tail || at_head {
            self.nodes.insert(beside, Node::with(v, fill));
        } else {
            let mut split = self.split(ni, off, after);
            split
                .pack
                .push(if after { End::Head } else { End::Tail }, v);
            self.nodes.insert(beside, split);
            self.merge_around(if after { ni } else { ni + 1 });
        }
    }

    /// `quicklistReplaceEntry`.
    fn replace(&mut self, index: usize, v: &[u8]) {
        let fill = self.fill;
        let sz = v.len();
        let (ni, off) = self.locate(index);
        let node = &self.nodes[ni];
        let (plain, count) = (node.plain, node.count());
        // Valkey 9.1.2 replaces in place whatever the node's size then (checked with DEBUG
        // QUICKLIST: a node outgrows its budget through LSET).
        if !plain && !is_large(sz, fill) {
            self.nodes[ni].pack.replace(off, v);
            return;
        }
        if plain {
            if is_large(sz, fill) {
                self.nodes[ni] = Node::with(v, fill);
            } else {
                // Insert after the plain node's only element, then drop that node.
                self.insert(index, v, true);
                self.nodes.remove(ni);
                self.count -= 1;
            }
            return;
        }
        // A large value in a packed node: it gets a plain node right after the replaced
        // entry, which is then deleted, and the neighbours are merged where they fit.
        let split = (off != count - 1).then(|| self.split(ni, off, true));
        self.nodes.insert(ni + 1, Node::with(v, fill));
        if let Some(s) = split {
            self.nodes.insert(ni + 2, s);
        }
        if self.nodes[ni].count() == 1 {
            self.nodes.remove(ni);
        } else {
            let last = self.nodes[ni].count() - 1;
            self.nodes[ni].pack.remove_range(last, 1);
            self.merge_around(ni + 1);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The list

#[derive(Clone, Debug)]
enum Repr {
    Listpack(Pack),
    Quicklist(Quick),
}

/// A list value.
#[derive(Clone, Debug)]
pub struct List {
    repr: Repr,
}

impl Default for List {
    fn default() -> Self {
        List {
            repr: Repr::Listpack(Pack::default()),
        }
    }
}

impl PartialEq for List {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

/// An element popped off a list, with what Valkey's push-side size check sees of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Popped {
    /// The element.
    pub bytes: Vec<u8>,
    /// Valkey hands an integer out of a quicklist as an integer object, which the listpack
    /// size check on the receiving list counts as zero bytes.
    int_object: bool,
}

impl List {
    /// Bytes the list holds on the heap (MEMORY USAGE): the packed buffer, or a quicklist's
    /// node array and its nodes' buffers, estimated from the first `samples` nodes as
    /// Valkey's `objectComputeSize` does.
    pub fn heap_size(&self, samples: usize) -> usize {
        match &self.repr {
            Repr::Listpack(p) => p.buf.capacity(),
            Repr::Quicklist(q) => {
                let nodes = q.nodes.capacity() * std::mem::size_of::<Node>();
                let (n, bufs) = q
                    .nodes
                    .iter()
                    .take(samples.max(1))
                    .fold((0usize, 0usize), |(n, b), x| {
                        (n + 1, b + x.pack.buf.capacity())
                    });
                if n == 0 {
                    return nodes;
                }
                nodes + (bufs as u128 * q.nodes.len() as u128 / n as u128) as usize
            }
        }
    }

    /// Allocations freeing the list takes: one per quicklist node (lazy freeing's effort).
    pub fn free_effort(&self) -> usize {
        match &self.repr {
            Repr::Listpack(_) => 1,
            Repr::Quicklist(q) => q.nodes.len(),
        }
    }

    /// Elements held.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Listpack(p) => p.len(),
            Repr::Quicklist(q) => q.count,
        }
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A quicklist's layout for DEBUG OBJECT: nodes, the fill it was made with, and its
    /// nodes' sizes summed (Valkey's `node->sz`); `None` for a listpack.
    pub fn quicklist_layout(&self) -> Option<(usize, i64, usize)> {
        match &self.repr {
            Repr::Quicklist(q) => Some((q.nodes.len(), q.fill, q.nodes.iter().map(Node::sz).sum())),
            Repr::Listpack(_) => None,
        }
    }

    /// The name `OBJECT ENCODING` reports.
    pub fn encoding(&self) -> &'static str {
        match self.repr {
            Repr::Listpack(_) => "listpack",
            Repr::Quicklist(_) => "quicklist",
        }
    }

    /// `listTypeTryConvertListpack`: becomes a quicklist if adding `add_len` values of
    /// `add_bytes` raw bytes in all would take the listpack past `fill`.
    fn grow(&mut self, add_bytes: usize, add_len: usize, fill: i64) {
        let Repr::Listpack(p) = &mut self.repr else {
            return;
        };
        if !exceeds_limit(fill, p.bytes() + add_bytes, p.len() + add_len) {
            return;
        }
        let mut q = Quick::new(fill);
        let p = std::mem::take(p);
        q.count = p.len();
        if p.len() > 0 {
            q.nodes.push_back(Node::packed(p));
        }
        self.repr = Repr::Quicklist(q);
    }

    /// `listTypeTryConvertQuicklist` after a removal: back to a listpack when one packed
    /// node within half the limit is left. Callers run it after every removal from a list
    /// that is not left empty.
    pub fn shrink(&mut self, fill: i64) {
        let Repr::Quicklist(q) = &mut self.repr else {
            return;
        };
        if q.nodes.len() != 1 || q.nodes[0].plain {
            return;
        }
        let (sz_limit, count_limit) = node_limit(fill);
        if q.nodes[0].sz() > sz_limit / 2 || q.count as u64 > count_limit / 2 {
            return;
        }
        let node = q.nodes.pop_front().expect("one node");
        self.repr = Repr::Listpack(node.pack);
    }

    fn push_one(&mut self, end: End, v: &[u8]) {
        match &mut self.repr {
            Repr::Listpack(p) => p.push(end, v),
            Repr::Quicklist(q) => q.push(end, v),
        }
    }

    /// LPUSH/RPUSH: adds `values` one by one at `end` (so LPUSH reverses them).
    pub fn push<V: AsRef<[u8]>>(&mut self, values: &[V], end: End, fill: i64) {
        let bytes = values.iter().map(|v| v.as_ref().len()).sum();
        self.grow(bytes, values.len(), fill);
        for v in values {
            self.push_one(end, v.as_ref());
        }
    }

    /// A computed result as Valkey builds one (SORT … STORE): every value pushed at the tail
    /// of a quicklist, then made a listpack when that left one packed node within the full
    /// limit (`listTypeTryConversion(LIST_CONV_AUTO)`).
    pub fn from_quicklist_pushes<V: AsRef<[u8]>>(values: &[V], fill: i64) -> List {
        let mut q = Quick::new(fill);
        for v in values {
            q.push(End::Tail, v.as_ref());
        }
        let (sz_limit, count_limit) = node_limit(fill);
        if q.nodes.len() == 1
            && !q.nodes[0].plain
            && q.nodes[0].sz() <= sz_limit
            && q.count as u64 <= count_limit
        {
            let node = q.nodes.pop_front().expect("one node");
            return List {
                repr: Repr::Listpack(node.pack),
            };
        }
        List {
            repr: Repr::Quicklist(q),
        }
    }

    /// Pushes an element popped from a list (LMOVE's second half).
    pub fn push_popped(&mut self, v: &Popped, end: End, fill: i64) {
        let bytes = if v.int_object { 0 } else { v.bytes.len() };
        self.grow(bytes, 1, fill);
        self.push_one(end, &v.bytes);
    }

    /// Removes one element from `end` without the shrink check (LMOVE pushes before it).
    pub fn pop_raw(&mut self, end: End) -> Option<Popped> {
        match &mut self.repr {
            Repr::Listpack(p) => {
                if p.len() == 0 {
                    return None;
                }
                let idx = match end {
                    End::Head => 0,
                    End::Tail => p.len() - 1,
                };
                let bytes = p.get(idx).to_vec();
                p.remove_range(idx, 1);
                Some(Popped {
                    bytes,
                    int_object: false,
                })
            }
            Repr::Quicklist(q) => q
                .pop(end)
                .map(|(bytes, int_object)| Popped { bytes, int_object }),
        }
    }

    /// LPOP/RPOP (and what a blocking pop serves): removes one element from `end`.
    pub fn pop(&mut self, end: End, fill: i64) -> Option<Vec<u8>> {
        self.pop_with(end, fill, |e| e.to_vec())
    }

    /// [`List::pop`] that shows the element to `f` before removing it instead of copying it
    /// out: LPOP's reply is written straight from the list, without an allocation.
    pub fn pop_with<R>(&mut self, end: End, fill: i64, f: impl FnOnce(Elem<'_>) -> R) -> Option<R> {
        let last = self.len().checked_sub(1)?;
        let r = f(self.get(match end {
            End::Head => 0,
            End::Tail => last,
        }));
        self.pop_many(end, 1, fill);
        Some(r)
    }

    /// Removes `n` elements (at most all) from `end`; read them first with [`List::iter`].
    pub fn pop_many(&mut self, end: End, n: usize, fill: i64) {
        let n = n.min(self.len());
        match end {
            End::Head => self.remove_range(0, n),
            End::Tail => self.remove_range(self.len() - n, n),
        }
        if !self.is_empty() {
            self.shrink(fill);
        }
    }

    fn remove_range(&mut self, index: usize, n: usize) {
        match &mut self.repr {
            Repr::Listpack(p) => p.remove_range(index.min(p.len()), n),
            Repr::Quicklist(q) => q.remove_range(index, n),
        }
    }

    /// Resolves a Valkey index (negative: from the end) to a position, if in range.
    pub fn resolve(&self, index: i64) -> Option<usize> {
        let len = self.len() as i64;
        let i = if index < 0 { len + index } else { index };
        (0..len).contains(&i).then_some(i as usize)
    }

    /// The element at `index` (< len).
    pub fn get(&self, index: usize) -> Elem<'_> {
        match &self.repr {
            Repr::Listpack(p) => p.get(index),
            Repr::Quicklist(q) => {
                let (ni, off) = q.locate(index);
                q.nodes[ni].pack.get(off)
            }
        }
    }

    /// LSET: replaces the element at Valkey index `index`; false when out of range (the
    /// listpack may still have become a quicklist for the value, as in Valkey).
    pub fn set(&mut self, index: i64, v: &[u8], fill: i64) -> bool {
        self.grow(v.len(), 1, fill);
        let Some(index) = self.resolve(index) else {
            return false;
        };
        match &mut self.repr {
            Repr::Listpack(p) => p.replace(index, v),
            Repr::Quicklist(q) => q.replace(index, v),
        }
        self.shrink(fill);
        true
    }

    /// LINSERT: puts `v` before or after the first element equal to `pivot`; false when
    /// there is none.
    pub fn insert(&mut self, pivot: &[u8], v: &[u8], after: bool, fill: i64) -> bool {
        // Like Valkey, converts for the value before knowing whether the pivot exists.
        self.grow(v.len(), 1, fill);
        let Some(index) = self.iter().position(|e| e.eq_bytes(pivot)) else {
            return false;
        };
        match &mut self.repr {
            Repr::Listpack(p) => p.insert(if after { index + 1 } else { index }, v, false),
            Repr::Quicklist(q) => q.insert(index, v, after),
        }
        true
    }

    /// LREM: removes up to `limit` elements equal to `v` (0: all) scanning from `from`.
    pub fn remove(&mut self, v: &[u8], limit: usize, from: End, fill: i64) -> usize {
        let removed = match &mut self.repr {
            Repr::Listpack(p) => p.remove_matching(v, limit, from),
            Repr::Quicklist(q) => q.remove_matching(v, limit, from),
        };
        if removed > 0 && !self.is_empty() {
            self.shrink(fill);
        }
        removed
    }

    /// LTRIM: drops `head` elements from the left and `tail` from the right.
    pub fn trim(&mut self, head: usize, tail: usize, fill: i64) {
        self.remove_range(0, head);
        let len = self.len();
        self.remove_range(len - tail.min(len), tail);
        if !self.is_empty() {
            self.shrink(fill);
        }
    }

    /// All elements, head to tail (reversible).
    pub fn iter(&self) -> Iter<'_> {
        self.iter_range(0, self.len())
    }

    /// Elements `[from, to)` (from ≤ to ≤ len), head to tail (reversible); finding the ends
    /// skips whole nodes.
    pub fn iter_range(&self, from: usize, to: usize) -> Iter<'_> {
        static NO_NODES: VecDeque<Node> = VecDeque::new();
        fn slice(p: &Pack, a: usize, b: usize) -> PackIter<'_> {
            PackIter {
                front: p.seek(a),
                back: if b == p.len() { p.buf.len() } else { p.seek(b) },
                buf: &p.buf,
            }
        }
        match &self.repr {
            Repr::Listpack(p) => Iter {
                front: Some(slice(p, from, to)),
                mid: NO_NODES.range(..),
                back: None,
            },
            Repr::Quicklist(_) if from >= to => Iter {
                front: None,
                mid: NO_NODES.range(..),
                back: None,
            },
            Repr::Quicklist(q) => {
                let (fa, oa) = q.locate(from);
                let (fb, ob) = q.locate(to - 1);
                if fa == fb {
                    return Iter {
                        front: Some(slice(&q.nodes[fa].pack, oa, ob + 1)),
                        mid: NO_NODES.range(..),
                        back: None,
                    };
                }
                let last = &q.nodes[fb].pack;
                Iter {
                    front: Some(slice(&q.nodes[fa].pack, oa, q.nodes[fa].count())),
                    mid: q.nodes.range(fa + 1..fb),
                    back: Some(slice(last, 0, ob + 1)),
                }
            }
        }
    }
}

/// Iterator over a list's elements.
#[derive(Clone, Debug)]
pub struct Iter<'a> {
    front: Option<PackIter<'a>>,
    mid: std::collections::vec_deque::Iter<'a, Node>,
    back: Option<PackIter<'a>>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = Elem<'a>;

    fn next(&mut self) -> Option<Elem<'a>> {
        loop {
            if let Some(e) = self.front.as_mut().and_then(Iterator::next) {
                return Some(e);
            }
            match self.mid.next() {
                Some(n) => self.front = Some(n.pack.iter()),
                None => {
                    self.front = None;
                    return self.back.as_mut().and_then(Iterator::next);
                }
            }
        }
    }
}

impl<'a> DoubleEndedIterator for Iter<'a> {
    fn next_back(&mut self) -> Option<Elem<'a>> {
        loop {
            if let Some(e) = self.back.as_mut().and_then(DoubleEndedIterator::next_back) {
                return Some(e);
            }
            match self.mid.next_back() {
                Some(n) => self.back = Some(n.pack.iter()),
                None => {
                    self.back = None;
                    return self.front.as_mut().and_then(DoubleEndedIterator::next_back);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list_of(values: &[&str], fill: i64) -> List {
        let mut l = List::default();
        l.push(values, End::Tail, fill);
        l
    }

    fn items(l: &List) -> Vec<String> {
        l.iter()
            .map(|e| String::from_utf8(e.to_vec()).unwrap())
            .collect()
    }

    /// A plain model to check the list against.
    fn check(l: &List, model: &VecDeque<Vec<u8>>) {
        assert_eq!(l.len(), model.len());
        let fwd: Vec<Vec<u8>> = l.iter().map(|e| e.to_vec()).collect();
        assert_eq!(fwd, model.iter().cloned().collect::<Vec<_>>());
        let back: Vec<Vec<u8>> = l.iter().rev().map(|e| e.to_vec()).collect();
        assert_eq!(back, model.iter().rev().cloned().collect::<Vec<_>>());
        if let Repr::Quicklist(q) = &l.repr {
            assert_eq!(q.nodes.iter().map(Node::count).sum::<usize>(), q.count);
            assert!(q.nodes.iter().all(|n| n.count() > 0));
        }
    }

    // Entry sizes follow listpack's: lpBytes of known contents, checked against Valkey's
    // MEMORY USAGE-independent layout (header 6 + entries + end 1).
    #[test]
    fn entries_round_trip_with_listpack_sizes() {
        let cases: &[(&str, usize)] = &[
            ("0", 2),
            ("127", 2),
            ("128", 3),
            ("-4096", 3),
            ("4095", 3),
            ("4096", 4),
            ("-32769", 5),
            ("8388607", 5),
            ("8388608", 6),
            ("-2147483648", 6),
            ("2147483648", 10),
            ("-9223372036854775808", 10),
            ("9223372036854775808", 21),
            ("-0", 4),
            ("007", 5),
            ("", 2),
            ("a", 3),
        ];
        for &(v, size) in cases {
            let mut p = Pack::default();
            p.insert(0, v.as_bytes(), false);
            assert_eq!(p.buf.len(), size, "{v}");
            assert_eq!(entry_size(v.as_bytes()), size, "{v}");
            assert!(p.get(0).eq_bytes(v.as_bytes()));
            assert_eq!(p.iter().next_back().unwrap().to_vec(), v.as_bytes());
        }
        for n in [63, 64, 127, 4095, 4096, 20000] {
            let v = vec![b'x'; n];
            let mut p = Pack::default();
            p.insert(0, b"1", false);
            p.insert(1, &v, false);
            p.insert(2, b"2", false);
            assert_eq!(p.get(1), Elem::Bytes(&v));
            let back: Vec<_> = p.iter().rev().map(|e| e.to_vec()).collect();
            assert_eq!(back, vec![b"2".to_vec(), v.clone(), b"1".to_vec()]);
        }
    }

    #[test]
    fn converts_at_the_byte_budget_and_back_at_half() {
        let v64 = "v".repeat(64);
        // 100 entries of 64 bytes: 100 * 67 + 7 = 6707 bytes, plus 6400 raw bytes asked for.
        let mut l = list_of(&vec![v64.as_str(); 100], -2);
        assert_eq!(l.encoding(), "listpack");
        l.push(&vec![v64.as_str(); 100], End::Tail, -2);
        assert_eq!(l.encoding(), "quicklist");
        assert_eq!(l.len(), 200);
        // The first node filled up to 121 entries (7 + 121 * 67 + 72 > 8192 stops it).
        l.trim(0, 79, -2);
        assert_eq!(l.len(), 121);
        let Repr::Quicklist(q) = &l.repr else {
            unreachable!()
        };
        assert_eq!(q.nodes.len(), 1);
        // Back to listpack only once its one node is at most 4096 bytes:
        // 62 * 67 + 7 = 4161, 61 * 67 + 7 = 4094.
        l.trim(0, 121 - 62, -2);
        assert_eq!(l.encoding(), "quicklist");
        l.pop(End::Tail, -2);
        assert_eq!(l.encoding(), "listpack");
        assert_eq!(l.len(), 61);
    }

    #[test]
    fn count_limit_and_large_elements() {
        let mut l = list_of(&["1", "2", "3", "4"], 4);
        assert_eq!(l.encoding(), "listpack");
        l.push(&["5"], End::Tail, 4);
        assert_eq!(l.encoding(), "quicklist");
        assert_eq!(l.pop(End::Tail, 4).unwrap(), b"5");
        // Shrinking needs at most half the count: 4 > 2.
        assert_eq!(l.encoding(), "quicklist");
        l.pop(End::Tail, 4);
        l.pop(End::Tail, 4);
        assert_eq!(l.encoding(), "listpack");

        let big = "B".repeat(9000);
        let mut l = list_of(&["a", &big, "b"], -2);
        assert_eq!(l.encoding(), "quicklist");
        let Repr::Quicklist(q) = &l.repr else {
            unreachable!()
        };
        assert_eq!(q.nodes.len(), 3);
        assert!(q.nodes[1].plain);
        assert_eq!(items(&l), ["a", big.as_str(), "b"]);
        assert_eq!(l.remove(big.as_bytes(), 0, End::Head, -2), 1);
        assert_eq!(items(&l), ["a", "b"]);
        // Two nodes left: no conversion.
        assert_eq!(l.encoding(), "quicklist");
    }

    #[test]
    fn operations_match_a_model() {
        // Deterministic pseudo-random operations against a VecDeque, on small node limits
        // so that splits, merges and plain nodes all happen.
        let mut seed = 0x2545F4914F6CDD1Du64;
        let mut rnd = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for fill in [-1i64, -2, 2, 5] {
            let mut l = List::default();
            let mut m: VecDeque<Vec<u8>> = VecDeque::new();
            for _ in 0..3000 {
                let v: Vec<u8> = match rnd(5) {
                    0 => (rnd(300) as i64 - 150).to_string().into_bytes(),
                    1 => vec![b'a' + rnd(3) as u8; 1 + rnd(3) as usize],
                    2 => vec![b'x'; 50 + rnd(400) as usize],
                    3 => vec![b'y'; 1000 + rnd(2000) as usize],
                    _ => vec![b'L'; 4000 + rnd(6000) as usize],
                };
                match rnd(9) {
                    0 => {
                        l.push(&[&v], End::Head, fill);
                        m.push_front(v);
                    }
                    1 => {
                        l.push(&[&v], End::Tail, fill);
                        m.push_back(v);
                    }
                    2 => {
                        let end = if rnd(2) == 0 { End::Head } else { End::Tail };
                        let got = l.pop(end, fill);
                        let want = match end {
                            End::Head => m.pop_front(),
                            End::Tail => m.pop_back(),
                        };
                        assert_eq!(got, want);
                    }
                    3 if !m.is_empty() => {
                        let i = rnd(m.len() as u64) as usize;
                        assert!(l.set(i as i64, &v, fill));
                        m[i] = v;
                    }
                    4 if !m.is_empty() => {
                        let i = rnd(m.len() as u64) as usize;
                        let pivot = m[i].clone();
                        let first = m.iter().position(|x| *x == pivot).unwrap();
                        let after = rnd(2) == 0;
                        assert!(l.insert(&pivot, &v, after, fill));
                        m.insert(if after { first + 1 } else { first }, v);
                    }
                    5 => {
                        let target = vec![b'a' + rnd(3) as u8; 1];
                        let limit = rnd(3) as usize;
                        let from = if rnd(2) == 0 { End::Head } else { End::Tail };
                        let mut removed = 0;
                        let idx: Vec<usize> = match from {
                            End::Head => (0..m.len()).collect(),
                            End::Tail => (0..m.len()).rev().collect(),
                        };
                        let mut gone = Vec::new();
                        for i in idx {
                            if m[i] == target && (limit == 0 || removed < limit) {
                                gone.push(i);
                                removed += 1;
                            }
                        }
                        gone.sort_unstable();
                        for i in gone.into_iter().rev() {
                            m.remove(i);
                        }
                        assert_eq!(l.remove(&target, limit, from, fill), removed);
                    }
                    6 if !m.is_empty() => {
                        let head = rnd(3) as usize;
                        let tail = rnd(3) as usize;
                        let head = head.min(m.len());
                        l.trim(head, tail, fill);
                        m.drain(..head);
                        let tail = tail.min(m.len());
                        m.truncate(m.len() - tail);
                    }
                    7 if !m.is_empty() => {
                        let n = 1 + rnd(4) as usize;
                        let n = n.min(m.len());
                        l.pop_many(End::Tail, n, fill);
                        m.truncate(m.len() - n);
                    }
                    _ if !m.is_empty() => {
                        let a = rnd(m.len() as u64) as usize;
                        let b = a + rnd((m.len() - a) as u64 + 1) as usize;
                        let got: Vec<Vec<u8>> =
                            l.iter_range(a, b).rev().map(|e| e.to_vec()).collect();
                        let want: Vec<Vec<u8>> = m.range(a..b).rev().cloned().collect();
                        assert_eq!(got, want);
                        let i = rnd(m.len() as u64) as usize;
                        assert_eq!(l.get(i).to_vec(), m[i]);
                    }
                    _ => {}
                }
                check(&l, &m);
            }
        }
    }
}
