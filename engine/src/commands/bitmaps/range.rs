//! BITCOUNT and BITPOS: Valkey's range rules (negative indexes, clamping, BYTE or BIT units)
//! and the scans themselves, which read the stored bytes in place.

use super::super::strings::string_of;
use super::super::{Args, CmdError, Ctx};
use super::word_is;

/// A `start [end [BYTE|BIT]]` range as given, before it meets a string's length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Range {
    start: i64,
    /// `None` when only `start` was given: up to the last byte.
    end: Option<i64>,
    bits: bool,
}

/// Parses the optional range at `args[from..]` in Valkey's order: start, then the unit, then
/// end, so `start x FOO` is a syntax error rather than a bad integer.
fn parse_range(args: &Args<'_>, from: usize) -> Result<Option<Range>, CmdError> {
    let n = args.len() - from;
    if n == 0 {
        return Ok(None);
    }
    if n > 3 {
        return Err(CmdError::Syntax);
    }
    let start = args.i64(from)?;
    let bits = if n == 3 {
        let unit = args.arg(from + 2);
        if word_is(unit, "bit") {
            true
        } else if word_is(unit, "byte") {
            false
        } else {
            return Err(CmdError::Syntax);
        }
    } else {
        false
    };
    let end = if n >= 2 {
        Some(args.i64(from + 1)?)
    } else {
        None
    };
    Ok(Some(Range { start, end, bits }))
}

/// A range resolved against a string: inclusive byte indexes plus, for BIT ranges, masks of
/// the bits of the first and last byte that lie outside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Span {
    start: i64,
    end: i64,
    first_outside: u8,
    last_outside: u8,
}

impl Range {
    /// Converts negative indexes and clamps to a string of `len` bytes. `start > end` in the
    /// result means the range is empty.
    fn resolve(self, len: usize) -> Span {
        let mut total = len as i64;
        let mut end = self.end.unwrap_or(total - 1);
        if self.bits {
            total <<= 3;
        }
        let mut start = self.start;
        if start < 0 {
            start += total;
        }
        if end < 0 {
            end += total;
        }
        start = start.max(0);
        end = end.max(0).min(total - 1);
        let (mut first_outside, mut last_outside) = (0, 0);
        if self.bits && start <= end {
            first_outside = !(0xffu8 >> (start & 7));
            last_outside = 0x7fu8 >> (end & 7);
            start >>= 3;
            end >>= 3;
        }
        Span {
            start,
            end,
            first_outside,
            last_outside,
        }
    }
}

pub(super) fn bitcount(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let range = parse_range(args, 2)?;
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let n = match string_of(&mut shard, key, ctx.now_ms)? {
        Some(s) => s.with_bytes(|b| count_in(b, range)),
        None => 0,
    };
    drop(shard);
    ctx.out.integer(n);
    Ok(())
}

/// Set bits of `b` within `range` (the whole string when `None`).
fn count_in(b: &[u8], range: Option<Range>) -> i64 {
    let range = range.unwrap_or(Range {
        start: 0,
        end: None,
        bits: false,
    });
    // Both ends negative and inverted is empty before clamping could make it a single index.
    if let Some(end) = range.end {
        if range.start < 0 && end < 0 && range.start > end {
            return 0;
        }
    }
    let span = range.resolve(b.len());
    if span.start > span.end {
        return 0;
    }
    let (start, end) = (span.start as usize, span.end as usize);
    let outside =
        (b[start] & span.first_outside).count_ones() + (b[end] & span.last_outside).count_ones();
    popcount(&b[start..=end]) - i64::from(outside)
}

/// Set bits in `b`, a machine word at a time.
fn popcount(b: &[u8]) -> i64 {
    let words = b.chunks_exact(8);
    let tail: u32 = words.remainder().iter().map(|x| x.count_ones()).sum();
    let body: u64 = words
        .map(|w| u64::from(u64::from_ne_bytes(w.try_into().expect("8 bytes")).count_ones()))
        .sum();
    body as i64 + i64::from(tail)
}

pub(super) fn bitpos(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let bit = args.i64(2)?;
    if bit != 0 && bit != 1 {
        return Err(CmdError::Other("ERR The bit argument must be 1 or 0."));
    }
    let bit = bit == 1;
    let range = parse_range(args, 3)?;
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let pos = match string_of(&mut shard, key, ctx.now_ms)? {
        Some(s) => s.with_bytes(|b| position_in(b, bit, range)),
        // A missing key is an endless run of zeros.
        None => -i64::from(bit),
    };
    drop(shard);
    ctx.out.integer(pos);
    Ok(())
}

/// Valkey's BITPOS over `b`: the first bit equal to `bit` within `range`, -1 when there is
/// none. Without an explicit end the string counts as zero-padded on the right, so a search
/// for 0 past all-ones bytes answers the first bit after the string.
fn position_in(b: &[u8], bit: bool, range: Option<Range>) -> i64 {
    let end_given = range.is_some_and(|r| r.end.is_some());
    let span = match range {
        Some(r) => r.resolve(b.len()),
        None => Span {
            start: 0,
            end: b.len() as i64 - 1,
            first_outside: 0,
            last_outside: 0,
        },
    };
    if span.start > span.end {
        return -1;
    }
    // Bits outside a BIT range are forced to the value not searched for.
    let edge = |byte: u8, outside: u8| if bit { byte & !outside } else { byte | outside };
    let mut start = span.start as usize;
    let end = span.end as usize;
    let mut bytes = end - start + 1;
    // The three steps mirror Valkey's, including which step's length a miss is measured by.
    let pos = 'found: {
        if span.first_outside != 0 {
            let mut first = edge(b[start], span.first_outside);
            if span.last_outside != 0 && bytes == 1 {
                first = edge(first, span.last_outside);
            }
            let pos = first_bit(&[first], bit);
            if bytes == 1 || (pos != -1 && pos != 8) {
                break 'found pos;
            }
            start += 1;
            bytes -= 1;
        }
        let middle = bytes - usize::from(span.last_outside != 0);
        if middle > 0 {
            let pos = first_bit(&b[start..start + middle], bit);
            if bytes == middle || (pos != -1 && pos != (middle as i64) << 3) {
                break 'found pos;
            }
            start += middle;
            bytes -= middle;
        }
        first_bit(&[edge(b[end], span.last_outside)], bit)
    };
    if end_given && !bit && pos == (bytes as i64) << 3 {
        return -1;
    }
    if pos == -1 {
        -1
    } else {
        pos + ((start as i64) << 3)
    }
}

/// Valkey's `serverBitpos`: the first bit equal to `bit` in `b`; when there is none, -1 for
/// a 1 and `8 * b.len()` for a 0 (the string is taken as zero-padded).
fn first_bit(b: &[u8], bit: bool) -> i64 {
    let skip = if bit { 0 } else { 0xff };
    let done = b.len() - b.len() % 8;
    let word_skip = if bit { 0 } else { u64::MAX };
    let from = b[..done]
        .chunks_exact(8)
        .position(|w| u64::from_ne_bytes(w.try_into().expect("8 bytes")) != word_skip)
        .map_or(done, |i| i * 8);
    match b[from..].iter().position(|&x| x != skip) {
        Some(i) => {
            let x = b[from + i];
            let lead = if bit {
                x.leading_zeros()
            } else {
                x.leading_ones()
            };
            ((from + i) as i64) * 8 + i64::from(lead)
        }
        None if bit => -1,
        None => (b.len() as i64) * 8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(start: i64, end: i64, bits: bool) -> Option<Range> {
        Some(Range {
            start,
            end: Some(end),
            bits,
        })
    }

    #[test]
    fn counts_follow_valkey() {
        let b = b"foobar";
        assert_eq!(count_in(b, None), 26);
        assert_eq!(count_in(b, r(0, 0, false)), 4);
        assert_eq!(count_in(b, r(1, 1, false)), 6);
        assert_eq!(count_in(b, r(5, 30, true)), 17);
        assert_eq!(count_in(b, r(-1, -2, false)), 0);
        assert_eq!(count_in(b"", None), 0);
        assert_eq!(popcount(&[0xff; 19]), 152);
    }

    #[test]
    fn positions_follow_valkey() {
        assert_eq!(first_bit(&[0xff; 17], false), 136);
        assert_eq!(first_bit(&[0; 17], true), -1);
        let mut b = [0u8; 17];
        b[12] = 0x10;
        assert_eq!(first_bit(&b, true), 99);
        assert_eq!(position_in(b"\xff\xf0\x00", false, None), 12);
        assert_eq!(position_in(b"\xff\xff", false, None), 16);
        assert_eq!(position_in(b"\xff\xff", false, r(0, -1, false)), -1);
        assert_eq!(position_in(b"\x00\xff\xf0", true, r(2, -1, false)), 16);
        assert_eq!(position_in(b"\x00\x00\x00", true, r(7, 15, true)), -1);
        assert_eq!(position_in(b"\x01\x80", true, r(7, 8, true)), 7);
        assert_eq!(position_in(b"\xff\x7f", false, r(3, 8, true)), 8);
    }
}
