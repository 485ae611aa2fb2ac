//! BITFIELD and BITFIELD_RO: parsing the whole list of GET/SET/INCRBY/OVERFLOW operations
//! first (so a bad one fails the call before anything is written), then running them in order
//! on the string's bytes, with Valkey's WRAP/SAT/FAIL overflow arithmetic.

use smallvec::SmallVec;

use super::super::strings::string_of;
use super::super::{Args, CmdError, Ctx};
use super::{bit_offset, bytes_for_write, word_is};

/// What happens when SET or INCRBY does not fit the field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Overflow {
    /// Keep the low bits (two's complement for signed fields).
    Wrap,
    /// Clamp to the type's minimum or maximum.
    Sat,
    /// Write nothing and reply null.
    Fail,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Get,
    Set,
    IncrBy,
}

/// One parsed operation.
#[derive(Clone, Copy, Debug)]
struct FieldOp {
    kind: Kind,
    signed: bool,
    /// Width, 1..=64 signed or 1..=63 unsigned.
    bits: u32,
    /// Bit offset of the field's most significant bit.
    offset: u64,
    /// SET's value or INCRBY's increment.
    value: i64,
    overflow: Overflow,
}

const BAD_TYPE: CmdError = CmdError::Other(
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.",
);

/// `i<bits>` or `u<bits>` (lowercase only, as in Valkey). u64 is refused because RESP
/// integers are signed.
fn field_type(arg: &[u8]) -> Result<(bool, u32), CmdError> {
    let signed = match arg.first() {
        Some(b'i') => true,
        Some(b'u') => false,
        _ => return Err(BAD_TYPE),
    };
    let bits = super::parse_i64(&arg[1..]).map_err(|_| BAD_TYPE)?;
    let max = if signed { 64 } else { 63 };
    if !(1..=max).contains(&bits) {
        return Err(BAD_TYPE);
    }
    Ok((signed, bits as u32))
}

/// `BITFIELD key [GET type offset] [SET type offset value] [INCRBY type offset incr]
/// [OVERFLOW WRAP|SAT|FAIL] ...`; `read_only` is BITFIELD_RO, which accepts only GET.
pub(super) fn bitfield(
    ctx: &mut Ctx<'_>,
    args: &Args<'_>,
    read_only: bool,
) -> Result<(), CmdError> {
    let mut ops: SmallVec<[FieldOp; 4]> = SmallVec::new();
    let mut overflow = Overflow::Wrap;
    let mut writes = false;
    let mut max_bit = 0u64;
    let mut j = 2;
    while j < args.len() {
        let left = args.len() - j - 1;
        let sub = args.arg(j);
        let kind = if word_is(sub, "get") && left >= 2 {
            Kind::Get
        } else if word_is(sub, "set") && left >= 3 {
            Kind::Set
        } else if word_is(sub, "incrby") && left >= 3 {
            Kind::IncrBy
        } else if word_is(sub, "overflow") && left >= 1 {
            let mode = args.arg(j + 1);
            overflow = if word_is(mode, "wrap") {
                Overflow::Wrap
            } else if word_is(mode, "sat") {
                Overflow::Sat
            } else if word_is(mode, "fail") {
                Overflow::Fail
            } else {
                return Err(CmdError::Other("ERR Invalid OVERFLOW type specified"));
            };
            j += 2;
            continue;
        } else {
            return Err(CmdError::Syntax);
        };
        let (signed, bits) = field_type(args.arg(j + 1))?;
        let offset = bit_offset(ctx, args.arg(j + 2), bits)?;
        let mut value = 0;
        if kind != Kind::Get {
            writes = true;
            max_bit = max_bit.max(offset + u64::from(bits) - 1);
            value = args.i64(j + 3)?;
        }
        ops.push(FieldOp {
            kind,
            signed,
            bits,
            offset,
            value,
            overflow,
        });
        j += if kind == Kind::Get { 3 } else { 4 };
    }

    let key = args.arg(1);
    if !writes {
        let mut shard = ctx.db().lock_key(key);
        let s = string_of(&mut shard, key, ctx.now_ms)?;
        ctx.out.array(ops.len());
        for op in &ops {
            let v = match s {
                Some(s) => s.with_bytes(|b| read(b, op)),
                None => 0,
            };
            ctx.out.integer(v);
        }
        return Ok(());
    }
    if read_only {
        return Err(CmdError::Other(
            "ERR BITFIELD_RO only supports the GET subcommand",
        ));
    }
    let mut shard = ctx.db().lock_key(key);
    let (bytes, dirty) = bytes_for_write(&mut shard, key, max_bit, ctx.now_ms)?;
    ctx.out.array(ops.len());
    let mut changed = false;
    for op in &ops {
        match write(bytes, op) {
            Some((v, field_changed)) => {
                // Valkey counts a SET or INCRBY that ran on a created or grown string, or
                // that changed its field.
                changed |= op.kind != Kind::Get && (dirty || field_changed);
                ctx.out.integer(v);
            }
            None => ctx.out.null(),
        }
    }
    drop(shard);
    if changed {
        ctx.notify(crate::notify::class::STRING, "setbit", key);
    }
    Ok(())
}

/// The field `op` names, as the integer GET replies (bits past the string read as 0).
fn read(b: &[u8], op: &FieldOp) -> i64 {
    let raw = get_bits(b, op.offset, op.bits);
    if op.signed {
        sign_extend(raw, op.bits)
    } else {
        raw as i64
    }
}

/// Runs one operation on a string long enough for every written field. Returns the reply:
/// GET's value, SET's previous value, INCRBY's new value, or `None` when FAIL refused it;
/// with it, whether the field's bits changed.
fn write(b: &mut [u8], op: &FieldOp) -> Option<(i64, bool)> {
    if op.kind == Kind::Get {
        return Some((read(b, op), false));
    }
    let (new, reply) = if op.signed {
        let old = sign_extend(get_bits(b, op.offset, op.bits), op.bits);
        match op.kind {
            Kind::IncrBy => {
                let new = match signed_overflow(old, op.value, op.bits, op.overflow) {
                    Some(limit) => limit?,
                    None => old.wrapping_add(op.value),
                };
                (new as u64, new)
            }
            _ => {
                let new = match signed_overflow(op.value, 0, op.bits, op.overflow) {
                    Some(limit) => limit?,
                    None => op.value,
                };
                (new as u64, old)
            }
        }
    } else {
        let old = get_bits(b, op.offset, op.bits);
        match op.kind {
            Kind::IncrBy => {
                let new = match unsigned_overflow(old, op.value, op.bits, op.overflow) {
                    Some(limit) => limit?,
                    None => old.wrapping_add(op.value as u64),
                };
                (new, new as i64)
            }
            _ => {
                let value = op.value as u64;
                let new = match unsigned_overflow(value, 0, op.bits, op.overflow) {
                    Some(limit) => limit?,
                    None => value,
                };
                (new, old as i64)
            }
        }
    };
    let before = get_bits(b, op.offset, op.bits);
    set_bits(b, op.offset, op.bits, new);
    Some((reply, get_bits(b, op.offset, op.bits) != before))
}

/// All ones in the low `bits` bits.
fn low_mask(bits: u32) -> u64 {
    u64::MAX >> (64 - bits)
}

fn sign_extend(v: u64, bits: u32) -> i64 {
    if bits < 64 && v & (1 << (bits - 1)) != 0 {
        (v | (u64::MAX << bits)) as i64
    } else {
        v as i64
    }
}

/// The 9 bytes from the one holding `offset` (a 64-bit field spans at most 9), zero-padded
/// past the end, as the low 72 bits of a `u128`; and how far the field sits from its bottom.
fn window(b: &[u8], offset: u64, bits: u32) -> (u128, u32) {
    let first = (offset >> 3) as usize;
    let w = (0..9).fold(0u128, |w, i| {
        w << 8 | u128::from(b.get(first + i).copied().unwrap_or(0))
    });
    (w, 72 - (offset & 7) as u32 - bits)
}

/// The unsigned value of the `bits`-wide field at `offset`.
fn get_bits(b: &[u8], offset: u64, bits: u32) -> u64 {
    let (w, shift) = window(b, offset, bits);
    (w >> shift) as u64 & low_mask(bits)
}

/// Stores the low `bits` bits of `value` at `offset`; bytes past `b`'s end are untouched
/// (the caller has grown `b` to hold the field itself).
fn set_bits(b: &mut [u8], offset: u64, bits: u32, value: u64) {
    let (w, shift) = window(b, offset, bits);
    let mask = u128::from(low_mask(bits)) << shift;
    let w = (w & !mask) | (u128::from(value & low_mask(bits)) << shift);
    let first = (offset >> 3) as usize;
    for (i, byte) in b.iter_mut().skip(first).take(9).enumerate() {
        *byte = (w >> (8 * (8 - i))) as u8;
    }
}

/// Valkey's `checkUnsignedBitfieldOverflow`: `None` when `value + incr` fits `bits` bits,
/// otherwise the value to store (`Some(None)` under FAIL, which stores nothing). A `value`
/// already above the maximum (SET of a negative number) overflows too.
fn unsigned_overflow(value: u64, incr: i64, bits: u32, mode: Overflow) -> Option<Option<u64>> {
    let max = low_mask(bits);
    let max_incr = max.wrapping_sub(value) as i64;
    let min_incr = value.wrapping_neg() as i64;
    let limit = if value > max || (incr > 0 && incr > max_incr) {
        max
    } else if incr < 0 && incr < min_incr {
        0
    } else {
        return None;
    };
    Some(match mode {
        Overflow::Wrap => Some(value.wrapping_add(incr as u64) & max),
        Overflow::Sat => Some(limit),
        Overflow::Fail => None,
    })
}

/// Valkey's `checkSignedBitfieldOverflow`, same contract as [`unsigned_overflow`]; WRAP
/// keeps the low bits and sign-extends them.
fn signed_overflow(value: i64, incr: i64, bits: u32, mode: Overflow) -> Option<Option<i64>> {
    let max = (low_mask(bits) >> 1) as i64;
    let min = -max - 1;
    // Only used once `value` is known to be in range, where they cannot overflow.
    let max_incr = (max as u64).wrapping_sub(value as u64) as i64;
    let min_incr = min.wrapping_sub(value);
    let limit = if value > max
        || (bits != 64 && incr > max_incr)
        || (value >= 0 && incr > 0 && incr > max_incr)
    {
        max
    } else if value < min
        || (bits != 64 && incr < min_incr)
        || (value < 0 && incr < 0 && incr < min_incr)
    {
        min
    } else {
        return None;
    };
    Some(match mode {
        Overflow::Wrap => Some(sign_extend(
            value.wrapping_add(incr) as u64 & low_mask(bits),
            bits,
        )),
        Overflow::Sat => Some(limit),
        Overflow::Fail => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_parse_like_valkey() {
        assert_eq!(field_type(b"i64"), Ok((true, 64)));
        assert_eq!(field_type(b"u63"), Ok((false, 63)));
        for bad in [
            &b"u64"[..],
            b"u8\0junk",
            b"i65",
            b"i0",
            b"I8",
            b"u",
            b"",
            b"u08",
            b"u-1",
        ] {
            assert_eq!(field_type(bad), Err(BAD_TYPE), "{bad:?}");
        }
    }

    #[test]
    fn fields_cross_byte_boundaries() {
        // Valkey's own example: u5 = 23 at offset 7 gives 00000001|01110000.
        let mut b = [0u8; 2];
        set_bits(&mut b, 7, 5, 23);
        assert_eq!(b, [0b0000_0001, 0b0111_0000]);
        assert_eq!(get_bits(&b, 7, 5), 23);
        let mut b = [0u8; 9];
        set_bits(&mut b, 3, 64, u64::MAX);
        assert_eq!(b, [0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xe0]);
        assert_eq!(sign_extend(get_bits(&b, 3, 64), 64), -1);
        assert_eq!(sign_extend(get_bits(&b, 0, 4), 4), 1);
        assert_eq!(get_bits(&b[..1], 5, 8), 0xe0);
    }

    #[test]
    fn overflow_modes() {
        use Overflow::*;
        assert_eq!(unsigned_overflow(250, 10, 8, Wrap), Some(Some(4)));
        assert_eq!(unsigned_overflow(250, 10, 8, Sat), Some(Some(255)));
        assert_eq!(unsigned_overflow(250, 10, 8, Fail), Some(None));
        assert_eq!(unsigned_overflow(5, -10, 8, Sat), Some(Some(0)));
        assert_eq!(unsigned_overflow(5, -5, 8, Sat), None);
        assert_eq!(unsigned_overflow(-1i64 as u64, 0, 8, Sat), Some(Some(255)));
        assert_eq!(signed_overflow(127, 1, 8, Wrap), Some(Some(-128)));
        assert_eq!(signed_overflow(-128, -1, 8, Sat), Some(Some(-128)));
        assert_eq!(signed_overflow(i64::MAX, 1, 64, Wrap), Some(Some(i64::MIN)));
        assert_eq!(signed_overflow(i64::MIN, -1, 64, Sat), Some(Some(i64::MIN)));
        assert_eq!(signed_overflow(-5, i64::MAX, 64, Sat), None);
        assert_eq!(signed_overflow(200, 0, 8, Wrap), Some(Some(-56)));
    }
}
