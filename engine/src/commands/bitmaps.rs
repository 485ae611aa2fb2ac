//! Bitmap commands on string values: SETBIT GETBIT BITOP here, BITCOUNT BITPOS in `range`,
//! BITFIELD BITFIELD_RO in `field`. Bit 0 is the most significant bit of the first byte;
//! strings grow zero-padded on the right. HyperLogLog is not here.

mod field;
mod range;

use super::args::parse_i64;
use super::strings::{string_of, string_uncounted};
use super::{Args, CmdError, Ctx, Handler};
use crate::keyspace::{Db, Entry, Shard};
use crate::notify::class;
use crate::sync::Shared;
use crate::value::{Str, Value};

pub(super) fn handler(name: &str) -> Option<Handler> {
    Some(match name {
        "setbit" => setbit,
        "getbit" => getbit,
        "bitop" => bitop,
        "bitcount" => range::bitcount,
        "bitpos" => range::bitpos,
        "bitfield" => |c, a| field::bitfield(c, a, false),
        "bitfield_ro" => |c, a| field::bitfield(c, a, true),
        _ => return None,
    })
}

const BAD_OFFSET: CmdError = CmdError::Other("ERR bit offset is not an integer or out of range");
const BAD_BIT: CmdError = CmdError::Other("ERR bit is not an integer or out of range");

/// True when `arg` names the option `word`, compared as Valkey's `strcasecmp` does: ignoring
/// ASCII case and stopping at the first NUL byte (`"bit\x00junk"` is `BIT`).
fn word_is(arg: &[u8], word: &str) -> bool {
    c_str(arg).eq_ignore_ascii_case(word.as_bytes())
}

/// `arg` up to its first NUL byte: what a C string function sees.
fn c_str(arg: &[u8]) -> &[u8] {
    arg.iter()
        .position(|&b| b == 0)
        .map_or(arg, |end| &arg[..end])
}

/// Valkey's `getBitOffsetFromArgument`: a non-negative bit offset whose byte lies below
/// `proto-max-bulk-len`. With `field_bits > 0` (BITFIELD) `#n` means `n * field_bits`; the
/// product wraps on overflow as it does in Valkey, and is then range-checked like any other.
fn bit_offset(ctx: &Ctx<'_>, arg: &[u8], field_bits: u32) -> Result<u64, CmdError> {
    let hash = field_bits > 0 && arg.first() == Some(&b'#');
    let mut offset = parse_i64(&arg[usize::from(hash)..]).map_err(|_| BAD_OFFSET)?;
    if hash {
        offset = offset.wrapping_mul(i64::from(field_bits));
    }
    let limit = ctx.config.proto_max_bulk_len as u64;
    if offset < 0 || (offset as u64 >> 3) >= limit {
        return Err(BAD_OFFSET);
    }
    Ok(offset as u64)
}

/// The bytes of the string at `key`, ready for an in-place edit reaching bit `max_bit`
/// (Valkey's `lookupStringForBitCommand`): a missing key is created zero-filled, a shorter
/// string is zero-padded, and the value becomes an unshared `raw` string. The flag is Valkey's
/// `dirty`: true when the key was created or grown.
fn bytes_for_write<'s>(
    shard: &'s mut Shard,
    key: &[u8],
    max_bit: u64,
    now_ms: u64,
) -> Result<(&'s mut Vec<u8>, bool), CmdError> {
    let need = (max_bit >> 3) as usize + 1;
    let mut dirty = false;
    match shard.get(key, now_ms) {
        Some(Entry {
            value: Value::Str(_),
            ..
        }) => {}
        Some(_) => return Err(CmdError::WrongType),
        None => {
            let data = Shared::new(vec![0; need]);
            shard.insert(key, Entry::new(Value::Str(Str::Bytes { data, raw: true })));
            dirty = true;
        }
    }
    let Some(Entry {
        value: Value::Str(s),
        ..
    }) = shard.get_mut(key, now_ms)
    else {
        unreachable!("the key holds a string: checked or created above");
    };
    let bytes = s.make_mut();
    if bytes.len() < need {
        bytes.resize(need, 0);
        dirty = true;
    }
    Ok((bytes, dirty))
}

/// The mask of bit `offset` within its byte.
fn bit_mask(offset: u64) -> u8 {
    0x80 >> (offset & 7)
}

fn setbit(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let offset = bit_offset(ctx, args.arg(2), 0)?;
    let on = parse_i64(args.arg(3)).map_err(|_| BAD_BIT)?;
    if on & !1 != 0 {
        return Err(BAD_BIT);
    }
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let (bytes, dirty) = bytes_for_write(&mut shard, key, offset, ctx.now_ms)?;
    let (byte, mask) = (&mut bytes[(offset >> 3) as usize], bit_mask(offset));
    let was = *byte & mask != 0;
    if on == 1 {
        *byte |= mask;
    } else {
        *byte &= !mask;
    }
    drop(shard);
    // Valkey publishes only when the key was created or grown, or the bit changed.
    if dirty || was != (on == 1) {
        ctx.notify(class::STRING, "setbit", key);
    }
    ctx.out.integer(i64::from(was));
    Ok(())
}

fn getbit(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let offset = bit_offset(ctx, args.arg(2), 0)?;
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let set = string_of(&mut shard, key, ctx.now_ms)?.is_some_and(|s| {
        s.with_bytes(|b| {
            b.get((offset >> 3) as usize)
                .is_some_and(|&v| v & bit_mask(offset) != 0)
        })
    });
    drop(shard);
    ctx.out.integer(i64::from(set));
    Ok(())
}

/// A BITOP operation.
#[derive(Clone, Copy, PartialEq, Eq)]
enum BitOp {
    And,
    Or,
    Xor,
    Not,
}

/// `BITOP op dest src...`: missing sources are empty strings, shorter ones are zero-padded to
/// the longest; an empty result deletes `dest`. Replies with the result's length.
fn bitop(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let name = args.arg(1);
    let op = if word_is(name, "and") {
        BitOp::And
    } else if word_is(name, "or") {
        BitOp::Or
    } else if word_is(name, "xor") {
        BitOp::Xor
    } else if word_is(name, "not") {
        BitOp::Not
    } else {
        return Err(CmdError::Syntax);
    };
    if op == BitOp::Not && args.len() != 4 {
        return Err(CmdError::Other(
            "ERR BITOP NOT must be called with a single source key.",
        ));
    }
    let (dest, sources) = (args.arg(2), args.from(3));
    let now = ctx.now_ms;
    let mut guards = ctx.db().lock_keys(args.keys());
    // Two passes over the sources, so the result is allocated once and nothing is copied.
    let mut max_len = 0;
    for src in sources {
        if let Some(s) = string_of(guards.get_mut(Db::shard_of(src)), src, now)? {
            max_len = max_len.max(s.len());
        }
    }
    if max_len == 0 {
        let deleted = guards.get_mut(Db::shard_of(dest)).remove(dest).is_some();
        drop(guards);
        if deleted {
            ctx.notify(class::GENERIC, "del", dest);
        }
        ctx.out.integer(0);
        return Ok(());
    }
    let mut res = vec![0u8; max_len];
    for (i, src) in sources.iter().enumerate() {
        let s = string_uncounted(guards.get_mut(Db::shard_of(src)), src, now)?;
        let step = if i == 0 { None } else { Some(op) };
        match s {
            Some(s) => s.with_bytes(|b| combine(&mut res, b, step)),
            None => combine(&mut res, b"", step),
        }
    }
    if op == BitOp::Not {
        res.iter_mut().for_each(|b| *b = !*b);
    }
    let data = Shared::new(res);
    guards
        .get_mut(Db::shard_of(dest))
        .insert(dest, Entry::new(Value::Str(Str::Bytes { data, raw: true })));
    drop(guards);
    ctx.notify(class::STRING, "set", dest);
    ctx.out.integer(max_len as i64);
    Ok(())
}

/// Folds one zero-padded source into `res`; `None` for the first source, which is copied.
fn combine(res: &mut [u8], src: &[u8], op: Option<BitOp>) {
    let pairs = res.iter_mut().zip(src);
    match op {
        None => res[..src.len()].copy_from_slice(src),
        Some(BitOp::And) => {
            pairs.for_each(|(r, s)| *r &= s);
            res[src.len()..].fill(0);
        }
        Some(BitOp::Or) => pairs.for_each(|(r, s)| *r |= s),
        Some(BitOp::Xor) => pairs.for_each(|(r, s)| *r ^= s),
        Some(BitOp::Not) => unreachable!("NOT has a single source"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_string_comparison_stops_at_nul() {
        assert!(word_is(b"BiT", "bit"));
        assert!(word_is(b"bit\0junk", "bit"));
        assert!(!word_is(b"bits", "bit"));
        assert!(!word_is(b"\0bit", "bit"));
    }

    #[test]
    fn combine_pads_with_zeros() {
        let mut res = [0u8; 3];
        combine(&mut res, &[0xff, 0x0f, 0xf0], None);
        combine(&mut res, &[0x3c], Some(BitOp::And));
        assert_eq!(res, [0x3c, 0, 0]);
        combine(&mut res, &[0x01, 0x02], Some(BitOp::Or));
        assert_eq!(res, [0x3d, 0x02, 0]);
        combine(&mut res, &[0xff, 0xff, 0xff], Some(BitOp::Xor));
        assert_eq!(res, [0xc2, 0xfd, 0xff]);
    }
}
