//! The sparse HLL encoding: a run-length list of opcodes after the header.
//! `ZERO` `00xxxxxx` is 1..=64 zero registers, `XZERO` `01xxxxxx yyyyyyyy` 1..=16384 zero
//! registers, `VAL` `1vvvvvxx` 1..=4 registers holding 1..=32. Updates edit the opcodes in
//! place exactly as Valkey's `hllSparseSet` does, so the bytes stay identical to Valkey's.

use super::hll::{self, Corrupt, HDR_SIZE, REGISTERS};

/// Largest value a `VAL` opcode holds; a bigger register promotes the HLL to dense.
const VAL_MAX_VALUE: u8 = 32;
/// Longest run of one `VAL` opcode.
const VAL_MAX_LEN: usize = 4;
/// Longest run of one `ZERO` opcode.
const ZERO_MAX_LEN: usize = 64;
/// Longest run of one `XZERO` opcode.
const XZERO_MAX_LEN: usize = 16384;

/// One decoded opcode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Zero(usize),
    XZero(usize),
    /// Value, run length.
    Val(u8, usize),
}

impl Op {
    /// The opcode at `data[p]`. An `XZERO` cut short by the end reads its second byte as 0,
    /// the string terminator Valkey would read.
    fn at(data: &[u8], p: usize) -> Op {
        let b = data[p];
        if b & 0xc0 == 0 {
            Op::Zero(usize::from(b & 0x3f) + 1)
        } else if b & 0x80 == 0 {
            let low = data.get(p + 1).copied().unwrap_or(0);
            Op::XZero(((usize::from(b & 0x3f) << 8) | usize::from(low)) + 1)
        } else {
            Op::Val(((b >> 2) & 0x1f) + 1, usize::from(b & 3) + 1)
        }
    }

    /// Bytes the opcode takes.
    fn size(self) -> usize {
        if matches!(self, Op::XZero(_)) {
            2
        } else {
            1
        }
    }

    /// Registers the opcode covers.
    fn span(self) -> usize {
        match self {
            Op::Zero(n) | Op::XZero(n) | Op::Val(_, n) => n,
        }
    }
}

fn val_byte(value: u8, len: usize) -> u8 {
    0x80 | ((value - 1) << 2) | (len as u8 - 1)
}

/// Appends the shortest zero-run opcode for `len` (at most 16384) registers.
fn push_zeros(seq: &mut Vec<u8>, len: usize) {
    if len > ZERO_MAX_LEN {
        let l = len - 1;
        seq.push(0x40 | (l >> 8) as u8);
        seq.push((l & 0xff) as u8);
    } else {
        seq.push((len - 1) as u8);
    }
}

/// An empty sparse HLL: the header and one `XZERO:16384`, cached cardinality 0.
pub(super) fn new_hll() -> Vec<u8> {
    let mut hll = vec![0u8; HDR_SIZE];
    hll[..4].copy_from_slice(b"HYLL");
    hll[hll::ENCODING] = hll::SPARSE;
    let mut left = REGISTERS;
    while left > 0 {
        let n = left.min(XZERO_MAX_LEN);
        push_zeros(&mut hll, n);
        left -= n;
    }
    hll
}

/// Calls `f(first register, run length, value)` for each opcode of the sparse `data`
/// (header excluded); `Corrupt` when the runs overflow or do not end at register 16384.
pub(super) fn walk(data: &[u8], mut f: impl FnMut(usize, usize, u8)) -> Result<(), Corrupt> {
    let (mut p, mut idx) = (0, 0);
    while p < data.len() {
        let op = Op::at(data, p);
        let run = op.span();
        if idx + run > REGISTERS {
            return Err(Corrupt);
        }
        f(idx, run, if let Op::Val(v, _) = op { v } else { 0 });
        idx += run;
        p += op.size();
    }
    if idx == REGISTERS {
        Ok(())
    } else {
        Err(Corrupt)
    }
}

/// The opcodes as `PFDEBUG DECODE` prints them (`Z:8436 v:1,1 z:3`), unchecked.
pub(super) fn decode(data: &[u8]) -> String {
    let mut parts = Vec::new();
    let mut p = 0;
    while p < data.len() {
        let op = Op::at(data, p);
        parts.push(match op {
            Op::Zero(n) => format!("z:{n}"),
            Op::XZero(n) => format!("Z:{n}"),
            Op::Val(v, n) => format!("v:{v},{n}"),
        });
        p += op.size();
    }
    parts.join(" ")
}

/// Valkey's `hllSparseSet`: raises register `index` to `count` in the sparse `hll`,
/// splitting the opcode that covers it and merging equal neighbours. Promotes to dense when
/// `count` is above 32 or the string would outgrow `sparse_max` bytes. True when the
/// register changed; `Corrupt` when no opcode covers the register (or promotion finds the
/// opcodes invalid).
pub(super) fn set(
    hll: &mut Vec<u8>,
    index: usize,
    count: u8,
    sparse_max: u64,
) -> Result<bool, Corrupt> {
    if count > VAL_MAX_VALUE {
        return promote(hll, index, count);
    }
    // Step 1: find the opcode covering `index`.
    let end = hll.len();
    let mut p = HDR_SIZE;
    let mut first = 0;
    let mut prev = None;
    let mut span = 0;
    while p < end {
        let op = Op::at(hll, p);
        span = op.span();
        if index < first + span {
            break;
        }
        prev = Some(p);
        p += op.size();
        first += span;
    }
    if span == 0 || p >= end {
        return Err(Corrupt);
    }
    let op = Op::at(hll, p);
    // Step 2: trivial in-place updates, else build the replacement sequence.
    let updated_in_place = match op {
        Op::Val(old, _) if old >= count => return Ok(false),
        Op::Val(_, 1) | Op::Zero(1) => {
            hll[p] = val_byte(count, 1);
            true
        }
        _ => false,
    };
    if !updated_in_place {
        let last = first + span - 1;
        let mut seq = Vec::with_capacity(5);
        match op {
            Op::Zero(_) | Op::XZero(_) => {
                if index != first {
                    push_zeros(&mut seq, index - first);
                }
                seq.push(val_byte(count, 1));
                if index != last {
                    push_zeros(&mut seq, last - index);
                }
            }
            Op::Val(cur, _) => {
                if index != first {
                    seq.push(val_byte(cur, index - first));
                }
                seq.push(val_byte(count, 1));
                if index != last {
                    seq.push(val_byte(cur, last - index));
                }
            }
        }
        // Step 3: put the sequence in place of the opcode, or promote if too long.
        let old_len = op.size();
        let new_len = end + seq.len() - old_len;
        if seq.len() > old_len && new_len as u64 > sparse_max {
            return promote(hll, index, count);
        }
        hll.splice(p..(p + old_len).min(end), seq);
        // An XZERO cut short by the end had one byte fewer than it claims.
        hll.truncate(new_len);
    }
    // Step 4: merge adjacent VAL opcodes of equal value, scanning up to 5 opcodes from
    // the one before the change.
    let mut p = prev.unwrap_or(HDR_SIZE);
    let mut scans = 5;
    while p < hll.len() && scans > 0 {
        scans -= 1;
        let op = Op::at(hll, p);
        let Op::Val(v1, l1) = op else {
            p += op.size();
            continue;
        };
        if p + 1 < hll.len() {
            if let Op::Val(v2, l2) = Op::at(hll, p + 1) {
                if v1 == v2 && l1 + l2 <= VAL_MAX_LEN {
                    hll[p + 1] = val_byte(v1, l1 + l2);
                    hll.remove(p);
                    // Stay on the merged opcode: it may merge with the next one too.
                    continue;
                }
            }
        }
        p += 1;
    }
    hll::invalidate_cache(hll);
    Ok(true)
}

/// Converts to dense and sets the register there (it always changes: a promotion only
/// happens for an update).
fn promote(hll: &mut Vec<u8>, index: usize, count: u8) -> Result<bool, Corrupt> {
    hll::to_dense(hll)?;
    hll::dense_set(&mut hll[HDR_SIZE..], index, count);
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(hll: &[u8]) -> String {
        decode(&hll[HDR_SIZE..])
    }

    #[test]
    fn splits_and_merges_like_valkey() {
        let mut h = new_hll();
        assert_eq!(decoded(&h), "Z:16384");
        assert_eq!(set(&mut h, 1000, 2, 3000), Ok(true));
        assert_eq!(decoded(&h), "Z:1000 v:2,1 Z:15383");
        assert_eq!(set(&mut h, 1001, 2, 3000), Ok(true));
        assert_eq!(decoded(&h), "Z:1000 v:2,2 Z:15382");
        assert_eq!(set(&mut h, 1001, 1, 3000), Ok(false));
        assert_eq!(set(&mut h, 1003, 2, 3000), Ok(true));
        assert_eq!(decoded(&h), "Z:1000 v:2,2 z:1 v:2,1 Z:15380");
        assert_eq!(set(&mut h, 1002, 2, 3000), Ok(true));
        assert_eq!(decoded(&h), "Z:1000 v:2,4 Z:15380");
        assert_eq!(set(&mut h, 1001, 5, 3000), Ok(true));
        assert_eq!(decoded(&h), "Z:1000 v:2,1 v:5,1 v:2,2 Z:15380");
        assert_eq!(h[15] & 0x80, 0x80, "cache invalidated");
    }

    #[test]
    fn promotes_on_big_values_and_size() {
        let mut h = new_hll();
        assert_eq!(set(&mut h, 7, 33, 3000), Ok(true));
        assert_eq!(h.len(), hll::DENSE_SIZE);
        assert_eq!(h[hll::ENCODING], hll::DENSE);
        assert_eq!(hll::dense_get(&h[HDR_SIZE..], 7), 33);
        let mut h = new_hll();
        // 18 bytes now; a split of XZERO into XZERO VAL XZERO needs 3 more.
        assert_eq!(set(&mut h, 5000, 3, 20), Ok(true));
        assert_eq!(h[hll::ENCODING], hll::DENSE);
        let mut h = new_hll();
        assert_eq!(set(&mut h, 5000, 3, 21), Ok(true));
        assert_eq!(h[hll::ENCODING], hll::SPARSE);
        assert_eq!(h.len(), 21);
    }

    #[test]
    fn corrupt_runs_are_detected() {
        let mut h = new_hll();
        h.truncate(HDR_SIZE);
        h.push(0x00); // z:1 only
        assert_eq!(walk(&h[HDR_SIZE..], |_, _, _| {}), Err(Corrupt));
        assert_eq!(set(&mut h, 9000, 1, 3000), Err(Corrupt));
        h.extend_from_slice(&[0x7f, 0xff]); // overflowing XZERO
        assert_eq!(walk(&h[HDR_SIZE..], |_, _, _| {}), Err(Corrupt));
    }
}
