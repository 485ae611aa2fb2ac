//! String commands: GET SET (all options) SETNX SETEX PSETEX MGET MSET MSETNX GETSET GETDEL
//! GETEX APPEND STRLEN INCR DECR INCRBY DECRBY GETRANGE SUBSTR SETRANGE.

use super::args::parse_i64;
use super::{Args, CmdError, Ctx, Handler};
use crate::keyspace::{Entry, Shard};
use crate::notify::class;
use crate::value::{Str, Value};

pub(super) fn handler(name: &str) -> Option<Handler> {
    Some(match name {
        "get" => get,
        "set" => set,
        "setnx" => setnx,
        "setex" => setex,
        "psetex" => psetex,
        "mget" => mget,
        "mset" => mset,
        "msetnx" => msetnx,
        "getset" => getset,
        "getdel" => getdel,
        "getex" => getex,
        "append" => append,
        "strlen" => strlen,
        "incr" => |c, a| incr_by(c, a.arg(1), 1),
        "decr" => |c, a| incr_by(c, a.arg(1), -1),
        "incrby" => |c, a| {
            let by = a.i64(2)?;
            incr_by(c, a.arg(1), by)
        },
        "decrby" => |c, a| {
            let by = a.i64(2)?;
            if by == i64::MIN {
                return Err(CmdError::Other("ERR decrement would overflow"));
            }
            incr_by(c, a.arg(1), -by)
        },
        "getrange" | "substr" => getrange,
        "setrange" => setrange,
        _ => return None,
    })
}

/// Largest string Valkey lets a command build (`proto-max-bulk-len` default).
const MAX_STRING: usize = 512 * 1024 * 1024;

/// The string at `key` for a command that reads it (a keyspace hit or miss): `Ok(None)` when
/// missing, WRONGTYPE for other types.
pub(crate) fn string_of<'s>(
    shard: &'s mut Shard,
    key: &[u8],
    now_ms: u64,
) -> Result<Option<&'s Str>, CmdError> {
    as_string(shard.read(key, now_ms))
}

/// The string at `key`, not counted as a hit or miss: for commands about to overwrite it
/// (INCR, INCRBYFLOAT; Valkey's write lookups are not counted) and for a second look at a key
/// already counted (BITOP's second pass).
pub(crate) fn string_uncounted<'s>(
    shard: &'s mut Shard,
    key: &[u8],
    now_ms: u64,
) -> Result<Option<&'s Str>, CmdError> {
    as_string(shard.get(key, now_ms))
}

fn as_string(entry: Option<&Entry>) -> Result<Option<&Str>, CmdError> {
    match entry {
        None => Ok(None),
        Some(Entry {
            value: Value::Str(s),
            ..
        }) => Ok(Some(s)),
        Some(_) => Err(CmdError::WrongType),
    }
}

fn reply_str(ctx: &mut Ctx<'_>, s: Option<&Str>) {
    match s {
        Some(s) => s.with_bytes(|b| ctx.out.bulk(b)),
        None => ctx.out.null(),
    }
}

fn get(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let s = string_of(&mut shard, key, ctx.now_ms)?;
    reply_str(ctx, s);
    Ok(())
}

/// Which options of the SET family a command accepts (Valkey's `COMMAND_SET` / `COMMAND_GET`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    Set,
    GetEx,
}

/// When the key should expire after the command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ttl {
    /// Drop any TTL (plain SET).
    Clear,
    /// Leave the TTL alone (KEEPTTL, or GETEX without options).
    Keep,
    /// Remove the TTL (GETEX PERSIST).
    Persist,
    /// Expire at this Unix millisecond.
    At(u64),
}

#[derive(Default)]
struct SetOptions {
    nx: bool,
    xx: bool,
    get: bool,
    keepttl: bool,
    persist: bool,
}

/// Parses the options at `args[from..]` (Valkey's `parseExtendedStringArgumentsOrReply`) and
/// turns an expire option into a deadline.
fn parse_set_options(
    ctx: &Ctx<'_>,
    args: &Args<'_>,
    from: usize,
    family: Family,
    cmd: &'static str,
) -> Result<(SetOptions, Ttl), CmdError> {
    let mut o = SetOptions::default();
    let mut expire_arg: Option<(i64, bool, &[u8])> = None;
    let mut i = from;
    while i < args.len() {
        let next = (i + 1 < args.len()).then(|| args.arg(i + 1));
        let has_time = expire_arg.is_some();
        if args.is(i, "nx") && !o.xx && family == Family::Set {
            o.nx = true;
        } else if args.is(i, "xx") && !o.nx && family == Family::Set {
            o.xx = true;
        } else if args.is(i, "get") && family == Family::Set {
            o.get = true;
        } else if args.is(i, "keepttl") && !o.persist && !has_time && family == Family::Set {
            o.keepttl = true;
        } else if args.is(i, "persist") && family == Family::GetEx && !has_time && !o.keepttl {
            o.persist = true;
        } else if let (Some(unit), Some(v)) = (time_option(args.arg(i)), next) {
            let same = matches!(expire_arg, Some((u, a, _)) if (u, a) == unit);
            if o.keepttl || o.persist || (has_time && !same) {
                return Err(CmdError::Syntax);
            }
            expire_arg = Some((unit.0, unit.1, v));
            i += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        i += 1;
    }
    let ttl = match expire_arg {
        Some((unit, absolute, v)) => Ttl::At(deadline(v, unit, absolute, ctx.now_ms, cmd)?),
        None if o.persist => Ttl::Persist,
        None if o.keepttl || family == Family::GetEx => Ttl::Keep,
        None => Ttl::Clear,
    };
    Ok((o, ttl))
}

/// `EX`/`PX`/`EXAT`/`PXAT` → `(milliseconds per unit, absolute)`.
fn time_option(word: &[u8]) -> Option<(i64, bool)> {
    if word.eq_ignore_ascii_case(b"ex") {
        Some((1000, false))
    } else if word.eq_ignore_ascii_case(b"px") {
        Some((1, false))
    } else if word.eq_ignore_ascii_case(b"exat") {
        Some((1000, true))
    } else if word.eq_ignore_ascii_case(b"pxat") {
        Some((1, true))
    } else {
        None
    }
}

/// Valkey's `getExpireMillisecondsOrReply`: positive, and no overflow once in milliseconds.
fn deadline(
    v: &[u8],
    unit_ms: i64,
    absolute: bool,
    now_ms: u64,
    cmd: &'static str,
) -> Result<u64, CmdError> {
    let n = parse_i64(v)?;
    if n <= 0 {
        return Err(CmdError::InvalidExpire(cmd));
    }
    let ms = n.checked_mul(unit_ms).ok_or(CmdError::InvalidExpire(cmd))?;
    let at = if absolute {
        ms
    } else {
        ms.checked_add(now_ms as i64)
            .ok_or(CmdError::InvalidExpire(cmd))?
    };
    Ok(at as u64)
}

/// What [`store`] did, for the keyspace events that follow.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stored {
    /// The value was stored; `true` when an expire option set its deadline.
    Set(bool),
    /// The deadline had already passed: the key was deleted (`true`) or was not there.
    Expired(bool),
}

/// Stores a string, applying `ttl` relative to the entry it replaces. A deadline already in
/// the past deletes the key instead, as Valkey does.
fn store(shard: &mut Shard, key: &[u8], value: &[u8], ttl: Ttl, now_ms: u64) -> Stored {
    let expire_at = match ttl {
        Ttl::Clear | Ttl::Persist => 0,
        Ttl::Keep => shard.get(key, now_ms).map_or(0, |e| e.expire_at),
        Ttl::At(at) => at,
    };
    if expire_at != 0 && expire_at <= now_ms {
        return Stored::Expired(shard.remove(key).is_some());
    }
    shard.insert_from(key, expire_at, |old| {
        Value::Str(Str::from_bytes_reusing(value, old))
    });
    Stored::Set(matches!(ttl, Ttl::At(_)))
}

/// Publishes what `store` did to `key`, as Valkey's `setGenericCommand`: `set` then `expire`
/// for an expire option, or `expired` when the deadline had passed and the key was deleted.
fn notify_stored(ctx: &Ctx<'_>, key: &[u8], stored: Stored) {
    match stored {
        Stored::Set(with_expire) => {
            ctx.notify(class::STRING, "set", key);
            if with_expire {
                ctx.notify(class::GENERIC, "expire", key);
            }
        }
        Stored::Expired(true) => ctx.notify(class::EXPIRED, "expired", key),
        Stored::Expired(false) => {}
    }
}

fn set(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let (o, ttl) = parse_set_options(ctx, args, 3, Family::Set, "set")?;
    let (key, value) = (args.arg(1), args.arg(2));
    let mut shard = ctx.db().lock_key(key);
    let old = if o.get {
        string_of(&mut shard, key, ctx.now_ms)?.cloned()
    } else {
        None
    };
    let exists = shard.contains(key, ctx.now_ms);
    if (o.nx && exists) || (o.xx && !exists) {
        drop(shard);
        if o.get {
            reply_str(ctx, old.as_ref());
        } else {
            ctx.out.null();
        }
        return Ok(());
    }
    let stored = store(&mut shard, key, value, ttl, ctx.now_ms);
    drop(shard);
    notify_stored(ctx, key, stored);
    if o.get {
        reply_str(ctx, old.as_ref());
    } else {
        ctx.ok();
    }
    Ok(())
}

fn setnx(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let fresh = !shard.contains(key, ctx.now_ms);
    if fresh {
        let stored = store(&mut shard, key, args.arg(2), Ttl::Clear, ctx.now_ms);
        drop(shard);
        notify_stored(ctx, key, stored);
    } else {
        drop(shard);
    }
    ctx.out.integer(i64::from(fresh));
    Ok(())
}

fn setex_generic(
    ctx: &mut Ctx<'_>,
    args: &Args<'_>,
    unit_ms: i64,
    cmd: &'static str,
) -> Result<(), CmdError> {
    let at = deadline(args.arg(2), unit_ms, false, ctx.now_ms, cmd)?;
    let key = args.arg(1);
    let stored = store(
        &mut ctx.db().lock_key(key),
        key,
        args.arg(3),
        Ttl::At(at),
        ctx.now_ms,
    );
    notify_stored(ctx, key, stored);
    ctx.ok();
    Ok(())
}

fn setex(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    setex_generic(ctx, args, 1000, "setex")
}

fn psetex(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    setex_generic(ctx, args, 1, "psetex")
}

fn mget(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let keys = args.from(1);
    let mut guards = ctx.db().lock_keys(args.keys());
    ctx.out.array(keys.len());
    for key in keys {
        let shard = guards.get_mut(crate::keyspace::Db::shard_of(key));
        match shard.read(key, ctx.now_ms) {
            Some(Entry {
                value: Value::Str(s),
                ..
            }) => s.with_bytes(|b| ctx.out.bulk(b)),
            // MGET answers nil for a key of another type, as Valkey does.
            Some(_) | None => ctx.out.null(),
        }
    }
    Ok(())
}

fn mset_generic(
    ctx: &mut Ctx<'_>,
    args: &Args<'_>,
    nx: bool,
    cmd: &'static str,
) -> Result<bool, CmdError> {
    if args.len() % 2 == 0 {
        return Err(CmdError::WrongArity(cmd));
    }
    let pairs = args.from(1);
    let mut guards = ctx.db().lock_keys(args.keys());
    if nx
        && pairs.chunks(2).any(|p| {
            guards
                .get_mut(crate::keyspace::Db::shard_of(p[0]))
                .contains(p[0], ctx.now_ms)
        })
    {
        return Ok(false);
    }
    for p in pairs.chunks(2) {
        let stored = store(
            guards.get_mut(crate::keyspace::Db::shard_of(p[0])),
            p[0],
            p[1],
            Ttl::Clear,
            ctx.now_ms,
        );
        notify_stored(ctx, p[0], stored);
    }
    Ok(true)
}

fn mset(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    mset_generic(ctx, args, false, "mset")?;
    ctx.ok();
    Ok(())
}

fn msetnx(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let done = mset_generic(ctx, args, true, "msetnx")?;
    ctx.out.integer(i64::from(done));
    Ok(())
}

fn getset(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let old = string_of(&mut shard, key, ctx.now_ms)?.cloned();
    let stored = store(&mut shard, key, args.arg(2), Ttl::Clear, ctx.now_ms);
    drop(shard);
    notify_stored(ctx, key, stored);
    reply_str(ctx, old.as_ref());
    Ok(())
}

fn getdel(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let old = string_of(&mut shard, key, ctx.now_ms)?.cloned();
    let deleted = old.is_some() && shard.remove(key).is_some();
    drop(shard);
    if deleted {
        ctx.notify(class::GENERIC, "del", key);
    }
    reply_str(ctx, old.as_ref());
    Ok(())
}

fn getex(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let (_, ttl) = parse_set_options(ctx, args, 2, Family::GetEx, "getex")?;
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let Some(value) = string_of(&mut shard, key, ctx.now_ms)?.cloned() else {
        drop(shard);
        ctx.out.null();
        return Ok(());
    };
    let event = match ttl {
        Ttl::Keep | Ttl::Clear => None,
        Ttl::Persist => {
            let had_ttl = shard.get(key, ctx.now_ms).is_some_and(|e| e.expire_at != 0);
            (had_ttl && shard.set_expire(key, 0, ctx.now_ms)).then_some((class::GENERIC, "persist"))
        }
        Ttl::At(at) if at <= ctx.now_ms => {
            shard.remove(key);
            Some((class::EXPIRED, "expired"))
        }
        Ttl::At(at) => {
            shard.set_expire(key, at, ctx.now_ms);
            Some((class::GENERIC, "expire"))
        }
    };
    drop(shard);
    if let Some((class, event)) = event {
        ctx.notify(class, event, key);
    }
    reply_str(ctx, Some(&value));
    Ok(())
}

fn append(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let (key, tail) = (args.arg(1), args.arg(2));
    let mut shard = ctx.db().lock_key(key);
    let len = match shard.get_mut(key, ctx.now_ms) {
        None => {
            shard.insert(key, Entry::new(Value::Str(Str::from_bytes(tail))));
            tail.len()
        }
        Some(Entry {
            value: Value::Str(s),
            ..
        }) => {
            if s.len() + tail.len() > MAX_STRING {
                return Err(CmdError::Other(
                    "ERR string exceeds maximum allowed size (proto-max-bulk-len)",
                ));
            }
            let bytes = s.make_mut();
            bytes.extend_from_slice(tail);
            bytes.len()
        }
        Some(_) => return Err(CmdError::WrongType),
    };
    drop(shard);
    ctx.notify(class::STRING, "append", key);
    ctx.out.integer(len as i64);
    Ok(())
}

fn strlen(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let len = string_of(&mut shard, key, ctx.now_ms)?.map_or(0, Str::len);
    drop(shard);
    ctx.out.integer(len as i64);
    Ok(())
}

fn incr_by(ctx: &mut Ctx<'_>, key: &[u8], by: i64) -> Result<(), CmdError> {
    let mut shard = ctx.db().lock_key(key);
    let current = match string_uncounted(&mut shard, key, ctx.now_ms)? {
        None => 0,
        Some(Str::Int(i)) => *i,
        Some(s) => s.with_bytes(|b| {
            if b.len() <= 20 {
                parse_i64(b)
            } else {
                Err(CmdError::NotInteger)
            }
        })?,
    };
    let new = current.checked_add(by).ok_or(CmdError::Overflow)?;
    match shard.get_mut(key, ctx.now_ms) {
        Some(entry) => entry.value = Value::Str(Str::Int(new)),
        None => {
            shard.insert(key, Entry::new(Value::Str(Str::Int(new))));
        }
    }
    drop(shard);
    ctx.notify(class::STRING, "incrby", key);
    ctx.out.integer(new);
    Ok(())
}

fn getrange(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let (start, end) = (args.i64(2)?, args.i64(3)?);
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let Some(s) = string_of(&mut shard, key, ctx.now_ms)? else {
        drop(shard);
        ctx.out.bulk(b"");
        return Ok(());
    };
    let s = s.clone();
    drop(shard);
    s.with_bytes(|b| ctx.out.bulk(range(b, start, end)));
    Ok(())
}

/// Valkey's GETRANGE index rules: negative counts from the end, out-of-range clamps, an
/// inverted or empty range is "".
fn range(b: &[u8], mut start: i64, mut end: i64) -> &[u8] {
    let len = b.len() as i64;
    if start < 0 && end < 0 && start > end {
        return b"";
    }
    if start < 0 {
        start += len;
    }
    if end < 0 {
        end += len;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if len == 0 || start > end {
        return b"";
    }
    &b[start as usize..=end as usize]
}

fn setrange(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let offset = args.i64(2)?;
    if offset < 0 {
        return Err(CmdError::Other("ERR offset is out of range"));
    }
    let (key, patch) = (args.arg(1), args.arg(3));
    let offset = offset as usize;
    let too_big = CmdError::Other("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    let mut shard = ctx.db().lock_key(key);
    let len = match shard.get_mut(key, ctx.now_ms) {
        None => {
            if patch.is_empty() {
                0
            } else {
                if offset + patch.len() > MAX_STRING {
                    return Err(too_big);
                }
                let mut bytes = vec![0u8; offset];
                bytes.extend_from_slice(patch);
                let len = bytes.len();
                let value = Str::Bytes {
                    data: crate::sync::Shared::new(bytes),
                    raw: true,
                };
                shard.insert(key, Entry::new(Value::Str(value)));
                len
            }
        }
        Some(Entry {
            value: Value::Str(s),
            ..
        }) => {
            if patch.is_empty() {
                s.len()
            } else {
                if offset + patch.len() > MAX_STRING {
                    return Err(too_big);
                }
                let bytes = s.make_mut();
                if bytes.len() < offset + patch.len() {
                    bytes.resize(offset + patch.len(), 0);
                }
                bytes[offset..offset + patch.len()].copy_from_slice(patch);
                bytes.len()
            }
        }
        Some(_) => return Err(CmdError::WrongType),
    };
    drop(shard);
    // Setting nothing changes nothing: no event.
    if !patch.is_empty() {
        ctx.notify(class::STRING, "setrange", key);
    }
    ctx.out.integer(len as i64);
    Ok(())
}
