//! The compact encoding (`listpack` in `OBJECT ENCODING`): every `(member, score)` pair in one
//! contiguous buffer, sorted by score then member bytes, as Valkey's listpack keeps them.
//! Each entry is a LEB128 member length, the member bytes and the score as 8 little-endian
//! bytes, so a small sorted set costs one allocation and a few bytes per element.

/// Sorted `(member, score)` pairs in one buffer.
#[derive(Clone, Debug, Default)]
pub(crate) struct Listpack {
    buf: Vec<u8>,
    len: usize,
}

/// Where one entry lies in the buffer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Slot {
    pub start: usize,
    pub end: usize,
}

impl Listpack {
    /// Entries held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Bytes of the buffer's allocation (MEMORY USAGE).
    pub fn heap_size(&self) -> usize {
        self.buf.capacity()
    }

    /// Forward iterator over `(member, score)` in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            buf: &self.buf,
            pos: 0,
        }
    }

    /// Entries with their slots, in order.
    fn slots(&self) -> impl Iterator<Item = (Slot, &[u8], f64)> + '_ {
        let mut pos = 0;
        std::iter::from_fn(move || {
            let start = pos;
            let (member, score, next) = decode(&self.buf, pos)?;
            pos = next;
            Some((Slot { start, end: next }, member, score))
        })
    }

    /// The slot and score of `member`.
    pub fn find(&self, member: &[u8]) -> Option<(Slot, f64)> {
        self.slots()
            .find(|(_, m, _)| *m == member)
            .map(|(s, _, score)| (s, score))
    }

    /// Inserts a member that is not present, keeping the order.
    pub fn insert(&mut self, member: &[u8], score: f64) {
        // Valkey stores integral scores as listpack integers, so -0 reads back as 0.
        let score = if score == 0.0 { 0.0 } else { score };
        let at = self
            .slots()
            .find(|(_, m, s)| *s > score || (*s == score && *m > member))
            .map_or(self.buf.len(), |(slot, _, _)| slot.start);
        let mut entry = Vec::with_capacity(member.len() + 13);
        push_varint(&mut entry, member.len());
        entry.extend_from_slice(member);
        entry.extend_from_slice(&score.to_le_bytes());
        self.buf.splice(at..at, entry);
        self.len += 1;
    }

    /// Removes the entry at `slot`.
    pub fn remove(&mut self, slot: Slot) {
        self.buf.drain(slot.start..slot.end);
        self.len -= 1;
    }

    /// Removes the entries of ranks `start..end` (0-based, end exclusive).
    pub fn remove_ranks(&mut self, start: usize, end: usize) {
        if start >= end {
            return;
        }
        let mut from = self.buf.len();
        let mut to = self.buf.len();
        for (i, (slot, _, _)) in self.slots().enumerate() {
            if i == start {
                from = slot.start;
            }
            if i + 1 == end {
                to = slot.end;
                break;
            }
        }
        self.buf.drain(from..to);
        self.len -= end - start;
    }
}

/// Forward iterator over a listpack.
#[derive(Clone, Debug)]
pub(crate) struct Iter<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], f64);

    fn next(&mut self) -> Option<Self::Item> {
        let (member, score, next) = decode(self.buf, self.pos)?;
        self.pos = next;
        Some((member, score))
    }
}

/// The entry at `pos`: member, score and where the next entry starts.
fn decode(buf: &[u8], mut pos: usize) -> Option<(&[u8], f64, usize)> {
    if pos >= buf.len() {
        return None;
    }
    let mut n = 0usize;
    let mut shift = 0;
    loop {
        let b = buf[pos];
        pos += 1;
        n |= usize::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    let member = &buf[pos..pos + n];
    let score_at = pos + n;
    let score = f64::from_le_bytes(buf[score_at..score_at + 8].try_into().expect("8 bytes"));
    Some((member, score, score_at + 8))
}

fn push_varint(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}
