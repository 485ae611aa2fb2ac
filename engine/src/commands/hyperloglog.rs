//! HyperLogLog commands: PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST. An HLL is a plain string
//! in Valkey's own byte layout (`hll`, `sparse`), so GET, SET, DUMP and friends see exactly
//! the bytes Valkey would hold after the same commands.

mod hll;
mod sparse;

use self::hll::{DENSE, ENCODING, HDR_SIZE, REGISTERS, SPARSE};
use super::{Args, CmdError, Ctx, Handler};
use crate::keyspace::{Db, Entry, Shard};
use crate::sync::Shared;
use crate::value::{Str, Value};
use std::sync::atomic::{AtomicBool, Ordering};

pub(super) fn handler(name: &str) -> Option<Handler> {
    Some(match name {
        "pfadd" => pfadd,
        "pfcount" => pfcount,
        "pfmerge" => pfmerge,
        "pfdebug" => pfdebug,
        "pfselftest" => pfselftest,
        _ => return None,
    })
}

const NOT_HLL: CmdError = CmdError::Other("WRONGTYPE Key is not a valid HyperLogLog string value.");
const CORRUPT: CmdError = CmdError::Other("INVALIDOBJ Corrupted HLL object detected");

/// `PFDEBUG SIMD ON|OFF`; ferrokey has no SIMD path, the switch only changes the answer.
static SIMD_ENABLED: AtomicBool = AtomicBool::new(true);

/// Valkey's `isHLLObjectOrReply` for an existing key: WRONGTYPE for other types, its own
/// WRONGTYPE text for a string that is not an HLL (integer-encoded strings never are).
fn check(entry: &Entry) -> Result<(), CmdError> {
    match &entry.value {
        Value::Str(s @ (Str::Inline { .. } | Str::Plain { .. } | Str::Bytes { .. }))
            if s.with_bytes(hll::is_hll) =>
        {
            Ok(())
        }
        Value::Str(_) => Err(NOT_HLL),
        _ => Err(CmdError::WrongType),
    }
}

/// The bytes of an HLL already checked, with `check`, ready for an in-place edit; the value
/// becomes an unshared `raw` string, as Valkey's `dbUnshareStringValue` makes it.
fn bytes_mut<'s>(shard: &'s mut Shard, key: &[u8], now_ms: u64) -> &'s mut Vec<u8> {
    match shard.get_mut(key, now_ms) {
        Some(Entry {
            value: Value::Str(s),
            ..
        }) => s.make_mut(),
        _ => unreachable!("the key holds an HLL string: checked by the caller"),
    }
}

/// Stores an empty sparse HLL at `key`.
fn create(shard: &mut Shard, key: &[u8]) {
    let value = Str::Bytes {
        data: Shared::new(sparse::new_hll()),
        raw: true,
    };
    shard.insert(key, Entry::new(Value::Str(value)));
}

fn pfadd(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let key = args.arg(1);
    let sparse_max = ctx.config.encodings.hll_sparse_max_bytes;
    let now = ctx.now_ms;
    let mut shard = ctx.db().lock_key(key);
    let mut updated = match shard.get(key, now) {
        None => {
            create(&mut shard, key);
            true
        }
        Some(e) => {
            check(e)?;
            false
        }
    };
    let hll = bytes_mut(&mut shard, key, now);
    for element in args.from(2) {
        // On a corrupt HLL the registers set so far stay set, as in Valkey.
        updated |= hll::add(hll, element, sparse_max).map_err(|_| CORRUPT)?;
    }
    if updated {
        hll::invalidate_cache(hll);
    }
    drop(shard);
    if updated {
        ctx.notify(crate::notify::class::STRING, "pfadd", key);
    }
    ctx.out.integer(i64::from(updated));
    Ok(())
}

fn pfcount(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    if args.len() > 2 {
        return pfcount_union(ctx, args);
    }
    let key = args.arg(1);
    let now = ctx.now_ms;
    let mut shard = ctx.db().lock_key(key);
    match shard.read(key, now) {
        None => {
            drop(shard);
            ctx.out.integer(0);
            return Ok(());
        }
        Some(e) => check(e)?,
    }
    // The cache lives in the string: a recount is written back, so GET shows it.
    let hll = bytes_mut(&mut shard, key, now);
    let card = match hll::cached_card(hll) {
        Some(card) => card,
        None => {
            let card = hll::count(hll).map_err(|_| CORRUPT)?;
            hll::set_cached_card(hll, card);
            card
        }
    };
    drop(shard);
    ctx.out.integer(card as i64);
    Ok(())
}

/// PFCOUNT of several keys: the cardinality of their union, nothing written.
fn pfcount_union(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let now = ctx.now_ms;
    let mut max = [0u8; REGISTERS];
    let mut guards = ctx.db().lock_keys(args.from(1).iter().copied());
    for key in args.from(1) {
        let shard = guards.get_mut(Db::shard_of(key));
        merge_one(shard, key, now, &mut max)?;
    }
    drop(guards);
    ctx.out.integer(hll::count_raw(&max) as i64);
    Ok(())
}

/// Raises `max` to the registers of the HLL at `key` (counted as a read; a missing key is
/// an empty HLL). True when that HLL is dense.
fn merge_one(
    shard: &mut Shard,
    key: &[u8],
    now_ms: u64,
    max: &mut [u8; REGISTERS],
) -> Result<bool, CmdError> {
    let Some(entry) = shard.read(key, now_ms) else {
        return Ok(false);
    };
    check(entry)?;
    let Value::Str(s) = &entry.value else {
        unreachable!("checked above");
    };
    s.with_bytes(|b| {
        hll::merge_into(max, b).map_err(|_| CORRUPT)?;
        Ok(b[ENCODING] == DENSE)
    })
}

fn pfmerge(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let dest = args.arg(1);
    let sparse_max = ctx.config.encodings.hll_sparse_max_bytes;
    let now = ctx.now_ms;
    let mut max = [0u8; REGISTERS];
    let mut use_dense = false;
    // Not `args.keys()`: its key specs find nothing for `PFMERGE dest` alone (Valkey's
    // COMMAND GETKEYS rejects that call too), yet the destination must be locked.
    let mut guards = ctx.db().lock_keys(args.from(1).iter().copied());
    // The destination is a source too: its registers are kept.
    for key in args.from(1) {
        let shard = guards.get_mut(Db::shard_of(key));
        use_dense |= merge_one(shard, key, now, &mut max)?;
    }
    let shard = guards.get_mut(Db::shard_of(dest));
    if shard.get(dest, now).is_none() {
        create(shard, dest);
    }
    let hll = bytes_mut(shard, dest, now);
    if use_dense {
        hll::to_dense(hll).map_err(|_| CORRUPT)?;
        hll::compress(&mut hll[HDR_SIZE..], &max);
    } else {
        for (i, &v) in max.iter().enumerate() {
            if v != 0 {
                // The destination was validated as a source: this cannot fail.
                let _ = hll::set_register(hll, i, v, sparse_max);
            }
        }
    }
    hll::invalidate_cache(hll);
    drop(guards);
    // Valkey announces a merge as a PFADD.
    ctx.notify(crate::notify::class::STRING, "pfadd", dest);
    ctx.ok();
    Ok(())
}

/// `arg` up to its first NUL byte, as Valkey's `strcasecmp` and `%s` see it.
fn c_str(arg: &[u8]) -> &[u8] {
    arg.iter()
        .position(|&b| b == 0)
        .map_or(arg, |end| &arg[..end])
}

/// Whether Valkey would report its SIMD paths active on this machine.
fn simd_active() -> bool {
    if !SIMD_ENABLED.load(Ordering::Relaxed) {
        return false;
    }
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(target_arch = "aarch64")]
    {
        true
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        false
    }
}

fn pfdebug(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let sub = c_str(args.arg(1));
    if sub.eq_ignore_ascii_case(b"simd") {
        let arg = c_str(args.arg(2));
        if arg.eq_ignore_ascii_case(b"on") {
            SIMD_ENABLED.store(true, Ordering::Relaxed);
        } else if arg.eq_ignore_ascii_case(b"off") {
            SIMD_ENABLED.store(false, Ordering::Relaxed);
        } else {
            // Valkey answers this error and then the status too: two replies.
            ctx.out.error(b"ERR Argument must be ON or OFF");
        }
        let state: &[u8] = if simd_active() {
            b"enabled"
        } else {
            b"disabled"
        };
        ctx.out.simple(state);
        return Ok(());
    }
    let key = args.arg(2);
    let now = ctx.now_ms;
    let mut shard = ctx.db().lock_key(key);
    match shard.get(key, now) {
        None => return Err(CmdError::Other("ERR The specified key does not exist")),
        Some(e) => check(e)?,
    }
    let hll = bytes_mut(&mut shard, key, now);
    if sub.eq_ignore_ascii_case(b"getreg") {
        hll::to_dense(hll).map_err(|_| CORRUPT)?;
        let regs: Vec<u8> = (0..REGISTERS)
            .map(|i| hll::dense_get(&hll[HDR_SIZE..], i))
            .collect();
        drop(shard);
        ctx.out.array(REGISTERS);
        for r in regs {
            ctx.out.integer(i64::from(r));
        }
    } else if sub.eq_ignore_ascii_case(b"decode") {
        if hll[ENCODING] != SPARSE {
            return Err(CmdError::Other("ERR HLL encoding is not sparse"));
        }
        let text = sparse::decode(&hll[HDR_SIZE..]);
        drop(shard);
        ctx.out.bulk(text.as_bytes());
    } else if sub.eq_ignore_ascii_case(b"encoding") {
        let name: &[u8] = if hll[ENCODING] == DENSE {
            b"dense"
        } else {
            b"sparse"
        };
        drop(shard);
        ctx.out.simple(name);
    } else if sub.eq_ignore_ascii_case(b"todense") {
        let converted = hll[ENCODING] == SPARSE;
        hll::to_dense(hll).map_err(|_| CORRUPT)?;
        drop(shard);
        ctx.out.integer(i64::from(converted));
    } else {
        drop(shard);
        // A formatted error: Valkey turns line breaks into spaces.
        let mut text = b"ERR Unknown PFDEBUG subcommand '".to_vec();
        text.extend(
            sub.iter()
                .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
        );
        text.push(b'\'');
        ctx.out.error(&text);
    }
    Ok(())
}

/// PFSELFTEST: checks register access and the estimate's error bounds, with a dense and a
/// sparse HLL fed the same elements (Valkey's test, same checkpoints and messages).
fn pfselftest(ctx: &mut Ctx<'_>, _args: &Args<'_>) -> Result<(), CmdError> {
    // Any seed will do: the test must pass for all of them.
    let seed = ctx.now_us ^ 0x9e37_79b9_7f4a_7c15;
    selftest(ctx.config.encodings.hll_sparse_max_bytes, seed)
        .map_err(|e| CmdError::Owned(format!("ERR TESTFAILED {e}")))?;
    ctx.ok();
    Ok(())
}

fn selftest(sparse_max: u64, mut rng: u64) -> Result<(), String> {
    let mut next = move || {
        // xorshift64*: any spread of values will do.
        rng ^= rng >> 12;
        rng ^= rng << 25;
        rng ^= rng >> 27;
        rng.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    let mut dense = sparse::new_hll();
    hll::to_dense(&mut dense).expect("an empty HLL is valid");
    let mut bytes = [0u8; REGISTERS];
    for _ in 0..1000 {
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = (next() & 63) as u8;
            hll::dense_set(&mut dense[HDR_SIZE..], i, *b);
        }
        for (i, &b) in bytes.iter().enumerate() {
            let got = hll::dense_get(&dense[HDR_SIZE..], i);
            if got != b {
                return Err(format!("Register {i} should be {b} but is {got}"));
            }
        }
    }
    dense[HDR_SIZE..].fill(0);
    let mut sp = sparse::new_hll();
    let relerr = 1.04 / (REGISTERS as f64).sqrt();
    let mut checkpoint: u64 = 1;
    let seed = next();
    for j in 1..=10_000_000u64 {
        let ele = (j ^ seed).to_le_bytes();
        let _ = hll::add(&mut dense, &ele, sparse_max);
        let _ = hll::add(&mut sp, &ele, sparse_max);
        if j != checkpoint {
            continue;
        }
        if j < sparse_max / 2 && sp[ENCODING] != SPARSE {
            return Err("sparse encoding not used".to_owned());
        }
        let card = hll::count(&dense).unwrap_or(0);
        if hll::count(&sp).ok() != Some(card) {
            return Err("dense/sparse disagree".to_owned());
        }
        let abserr = checkpoint.abs_diff(card);
        let mut maxerr = (relerr * 6.0 * checkpoint as f64).ceil() as u64;
        // A collision at 10 elements is statistically likely now and then.
        if j == 10 {
            maxerr = 1;
        }
        if abserr > maxerr {
            return Err(format!("Too big error. card:{checkpoint} abserr:{abserr}"));
        }
        checkpoint *= 10;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selftest_passes() {
        assert_eq!(selftest(3000, 12345), Ok(()));
    }
}
