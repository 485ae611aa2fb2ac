//! INCRBYFLOAT, computed the way Valkey does on x86-64: both operands parsed as C `long
//! double` (x87 80-bit extended), added with one rounding, and stored as `%.17Lf` with
//! trailing zeros trimmed. The extended-precision arithmetic lives in `longdouble`, on top of
//! the small integer type in `bignum`; both are private here until HINCRBYFLOAT needs them.

mod bignum;
mod longdouble;

use super::strings::string_uncounted;
use super::{Args, CmdError, Ctx, Handler};
use crate::keyspace::Entry;
use crate::value::{Str, Value};
use longdouble::{LongDouble, Parsed};

pub(super) fn handler(name: &str) -> Option<Handler> {
    Some(match name {
        "incrbyfloat" => incrbyfloat,
        _ => return None,
    })
}

/// A stored string as Valkey's `getLongDoubleFromObject` reads it: integer-encoded values
/// convert exactly, others go through `string2ld`.
fn stored_value(s: &Str) -> Option<Parsed> {
    match s {
        Str::Int(i) => Some(Parsed::Finite(LongDouble::from_i64(*i))),
        Str::Inline { .. } | Str::Plain { .. } | Str::Bytes { .. } => {
            s.with_bytes(longdouble::parse)
        }
    }
}

/// `INCRBYFLOAT key increment`: the stored value is checked before the increment, a NaN or
/// infinite sum changes nothing, and the key keeps its TTL.
fn incrbyfloat(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let current = match string_uncounted(&mut shard, key, ctx.now_ms)? {
        None => Parsed::Finite(LongDouble::ZERO),
        Some(s) => stored_value(s).ok_or(CmdError::NotFloat)?,
    };
    let incr = longdouble::parse(args.arg(2)).ok_or(CmdError::NotFloat)?;
    let sum = match (current, incr) {
        (Parsed::Finite(a), Parsed::Finite(b)) => a.add(b),
        // inf + x is infinite and inf + -inf is NaN: either way the command fails.
        _ => None,
    }
    .ok_or(CmdError::Other(
        "ERR increment would produce NaN or Infinity",
    ))?;
    let text = sum.to_human();
    // `createStringObject`: never integer-encoded, whatever the digits look like.
    let value = Value::Str(Str::plain(&text));
    match shard.get_mut(key, ctx.now_ms) {
        Some(entry) => entry.value = value,
        None => {
            shard.insert(key, Entry::new(value));
        }
    }
    drop(shard);
    ctx.notify(crate::notify::class::STRING, "incrbyfloat", key);
    ctx.out.bulk(&text);
    Ok(())
}

/// A number in Valkey's `string2ld` syntax (what `getLongDoubleFromObject` accepts: decimal,
/// `0x` hexadecimal, `inf`), as the nearest `f64`; `None` when it is not one.
pub(crate) fn parse_long_double(s: &[u8]) -> Option<f64> {
    Some(match longdouble::parse(s)? {
        Parsed::Finite(v) => v.to_f64(),
        Parsed::Infinite if s.first() == Some(&b'-') => f64::NEG_INFINITY,
        Parsed::Infinite => f64::INFINITY,
    })
}

/// A checked HINCRBYFLOAT increment: finite, parsed as a `long double`.
#[derive(Clone, Copy, Debug)]
pub(super) struct FloatIncrement(LongDouble);

/// Parses HINCRBYFLOAT's increment; Valkey rejects an infinite one before looking at the key.
pub(super) fn parse_increment(s: &[u8]) -> Result<FloatIncrement, CmdError> {
    match longdouble::parse(s).ok_or(CmdError::NotFloat)? {
        Parsed::Finite(v) => Ok(FloatIncrement(v)),
        Parsed::Infinite => Err(CmdError::Other("ERR value is NaN or Infinity")),
    }
}

/// HINCRBYFLOAT's sum: `current` (a hash field's bytes, `None` when absent) plus `incr`, with
/// INCRBYFLOAT's rounding and formatting.
pub(super) fn add_increment(
    current: Option<&[u8]>,
    incr: FloatIncrement,
) -> Result<Vec<u8>, CmdError> {
    let current = match current {
        None => Parsed::Finite(LongDouble::ZERO),
        Some(b) => longdouble::parse(b).ok_or(CmdError::Other("ERR hash value is not a float"))?,
    };
    match current {
        Parsed::Finite(a) => a.add(incr.0),
        Parsed::Infinite => None,
    }
    .map(LongDouble::to_human)
    .ok_or(CmdError::Other(
        "ERR increment would produce NaN or Infinity",
    ))
}
