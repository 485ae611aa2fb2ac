//! Generic key commands: DEL UNLINK EXISTS TYPE KEYS SCAN RANDOMKEY RENAME RENAMENX TOUCH,
//! the EXPIRE family, TTL PTTL EXPIRETIME PEXPIRETIME PERSIST, DBSIZE FLUSHDB FLUSHALL.

use super::args::parse_i64;
use super::{Args, CmdError, Ctx, Handler};
use crate::keyspace::{Db, SHARDS};
use crate::notify::class;

pub(super) fn handler(name: &str) -> Option<Handler> {
    Some(match name {
        "del" | "unlink" => del,
        "exists" => |c, a| count_live(c, a, false),
        "touch" => |c, a| count_live(c, a, true),
        "type" => type_cmd,
        "keys" => keys,
        "scan" => scan,
        "randomkey" => randomkey,
        "rename" => |c, a| rename(c, a, false),
        "renamenx" => |c, a| rename(c, a, true),
        "expire" => |c, a| expire(c, a, 1000, false, "expire"),
        "pexpire" => |c, a| expire(c, a, 1, false, "pexpire"),
        "expireat" => |c, a| expire(c, a, 1000, true, "expireat"),
        "pexpireat" => |c, a| expire(c, a, 1, true, "pexpireat"),
        "ttl" => |c, a| ttl(c, a, TtlReply::Seconds),
        "pttl" => |c, a| ttl(c, a, TtlReply::Millis),
        "expiretime" => |c, a| ttl(c, a, TtlReply::AbsSeconds),
        "pexpiretime" => |c, a| ttl(c, a, TtlReply::AbsMillis),
        "persist" => persist,
        "dbsize" => dbsize,
        "flushdb" => flushdb,
        "flushall" => flushall,
        _ => return None,
    })
}

fn del(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let keys = args.from(1);
    let mut guards = ctx.db().lock_keys(args.keys());
    let mut n = 0;
    // Large values are freed once the shards are released (see `lazyfree`); inside EXEC the
    // transaction still holds them until it ends.
    let mut large = Vec::new();
    for k in keys {
        let shard = guards.get_mut(Db::shard_of(k));
        if !shard.contains(k, ctx.now_ms) {
            continue;
        }
        if let Some(old) = shard.remove(k) {
            if crate::lazyfree::worth_it(&old.value) {
                large.push(old);
            }
            ctx.notify(class::GENERIC, "del", k);
            n += 1;
        }
    }
    drop(guards);
    // UNLINK always frees lazily, DEL under `lazyfree-lazy-user-del yes` (Valkey's default);
    // otherwise the values are just dropped, uncounted.
    if !large.is_empty()
        && (args.is(0, "unlink") || ctx.config.passive_bool("lazyfree-lazy-user-del"))
    {
        let objects = large.len() as u64;
        ctx.server.lazyfree.free(large, objects);
    }
    ctx.out.integer(n as i64);
    Ok(())
}

/// EXISTS (`touch` false) and TOUCH (`touch` true: each lookup is an access, resetting OBJECT
/// IDLETIME): how many of the arguments name live keys, repeats counted again.
fn count_live(ctx: &mut Ctx<'_>, args: &Args<'_>, touch: bool) -> Result<(), CmdError> {
    let mut guards = ctx.db().lock_keys(args.keys());
    let n = args
        .from(1)
        .iter()
        .filter(|k| {
            let shard = guards.get_mut(Db::shard_of(k));
            let found = if touch {
                shard.read(k, ctx.now_ms)
            } else {
                shard.read_peek(k, ctx.now_ms)
            };
            found.is_some()
        })
        .count();
    drop(guards);
    ctx.out.integer(n as i64);
    Ok(())
}

fn type_cmd(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let key = args.arg(1);
    let name = ctx
        .db()
        .lock_key(key)
        .read_peek(key, ctx.now_ms)
        .map_or("none", |e| e.value.type_name());
    ctx.out.simple(name.as_bytes());
    Ok(())
}

fn keys(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let pattern = args.arg(1);
    let all = pattern == b"*";
    let mut found: Vec<Vec<u8>> = Vec::new();
    for i in 0..SHARDS {
        ctx.db().lock_one(i).for_each_live(ctx.now_ms, |k, _| {
            if all || crate::glob::glob_match(pattern, k) {
                found.push(k.to_vec());
            }
        });
    }
    ctx.out.array(found.len());
    for k in &found {
        ctx.out.bulk(k);
    }
    Ok(())
}

/// Type names SCAN TYPE accepts (Valkey's object types), whether or not ferrokey stores them yet.
const KNOWN_TYPES: &[&str] = &["string", "list", "set", "zset", "hash", "stream"];

/// SCAN cursors pack the shard in the low bits and that shard's dict cursor above them.
fn scan(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let cursor = parse_cursor(args.arg(1))?;
    let ScanOptions {
        count,
        pattern,
        type_name: type_filter,
        ..
    } = scan_options(args, Scanned::Keys)?;
    let mut shard = (cursor % SHARDS as u64) as usize;
    let mut inner = cursor / SHARDS as u64;
    let mut found: Vec<Vec<u8>> = Vec::new();
    let mut visited = 0usize;
    let budget = count.saturating_mul(10);
    let next = loop {
        let mut guard = ctx.db().lock_one(shard);
        // As in Valkey, only keys that pass MATCH and TYPE are checked for expiry (and
        // reclaimed when expired); the others are just skipped.
        let wanted = |k: &[u8], e: &crate::keyspace::Entry| {
            visited += 1;
            type_filter.is_none_or(|t| t.eq_ignore_ascii_case(e.value.type_name().as_bytes()))
                && pattern.is_none_or(|p| crate::glob::glob_match(p, k))
        };
        inner = guard.scan(inner, ctx.now_ms, wanted, |k, _| found.push(k.to_vec()));
        drop(guard);
        if inner == 0 {
            shard += 1;
            if shard == SHARDS {
                break 0;
            }
        }
        if visited >= count || found.len() >= count || visited >= budget {
            break inner * SHARDS as u64 + shard as u64;
        }
    };
    scan_reply_header(ctx, next, found.len());
    for k in &found {
        ctx.out.bulk(k);
    }
    Ok(())
}

/// What a SCAN-family command scans; it decides where the options start and which of
/// TYPE, NOVALUES and NOSCORES are accepted.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Scanned {
    /// SCAN: the keyspace (TYPE allowed).
    Keys,
    /// HSCAN (NOVALUES allowed).
    Hash,
    /// SSCAN.
    Set,
    /// ZSCAN (NOSCORES allowed).
    SortedSet,
}

/// The parsed options of SCAN, HSCAN, SSCAN and ZSCAN.
pub(super) struct ScanOptions<'a> {
    /// COUNT, 10 by default.
    pub count: usize,
    /// MATCH; `None` for no pattern or `*`.
    pub pattern: Option<&'a [u8]>,
    /// NOSCORES (ZSCAN only).
    pub noscores: bool,
    /// NOVALUES (HSCAN only).
    pub novalues: bool,
    /// TYPE (SCAN only).
    pub type_name: Option<&'a [u8]>,
}

/// Parses the options after the cursor, rejecting them in the order Valkey's
/// `scanGenericCommand` does.
pub(super) fn scan_options<'a>(
    args: &Args<'a>,
    scanned: Scanned,
) -> Result<ScanOptions<'a>, CmdError> {
    let mut o = ScanOptions {
        count: 10,
        pattern: None,
        novalues: false,
        noscores: false,
        type_name: None,
    };
    let mut i = if scanned == Scanned::Keys { 2 } else { 3 };
    while i < args.len() {
        let has_value = i + 1 < args.len();
        if args.is(i, "count") && has_value {
            let n = parse_i64(args.arg(i + 1))?;
            if n < 1 {
                return Err(CmdError::Syntax);
            }
            o.count = n as usize;
            i += 2;
        } else if args.is(i, "match") && has_value {
            o.pattern = Some(args.arg(i + 1)).filter(|p| *p != b"*");
            i += 2;
        } else if scanned == Scanned::Keys && args.is(i, "type") && has_value {
            let name = args.arg(i + 1);
            if !KNOWN_TYPES
                .iter()
                .any(|t| name.eq_ignore_ascii_case(t.as_bytes()))
            {
                return Err(CmdError::Owned(format!(
                    "ERR unknown type name '{}'",
                    String::from_utf8_lossy(name)
                )));
            }
            o.type_name = Some(name);
            i += 2;
        } else if args.is(i, "novalues") {
            if scanned != Scanned::Hash {
                return Err(CmdError::Other(
                    "ERR NOVALUES option can only be used in HSCAN",
                ));
            }
            o.novalues = true;
            i += 1;
        } else if args.is(i, "noscores") {
            if scanned != Scanned::SortedSet {
                return Err(CmdError::Other(
                    "ERR NOSCORES option can only be used in ZSCAN",
                ));
            }
            o.noscores = true;
            i += 1;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    Ok(o)
}

/// The start of a SCAN-family reply: the next cursor, then an array header for `n` items.
pub(super) fn scan_reply_header(ctx: &mut Ctx<'_>, next: u64, n: usize) {
    ctx.out.array(2);
    ctx.out.bulk(next.to_string().as_bytes());
    ctx.out.array(n);
}

/// Valkey parses SCAN cursors as unsigned 64-bit decimals.
pub(super) fn parse_cursor(s: &[u8]) -> Result<u64, CmdError> {
    let text = std::str::from_utf8(s)
        .ok()
        .filter(|t| !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit()));
    text.and_then(|t| t.parse().ok())
        .ok_or(CmdError::Other("ERR invalid cursor"))
}

fn randomkey(ctx: &mut Ctx<'_>, _: &Args<'_>) -> Result<(), CmdError> {
    // Start at a shard chosen by the clock, then walk: every non-empty shard can answer.
    let start = (ctx.now_us as usize) % SHARDS;
    let key = (0..SHARDS).find_map(|i| {
        ctx.db()
            .lock_one((start + i) % SHARDS)
            .random_key(ctx.now_ms)
    });
    match key {
        Some(k) => ctx.out.bulk(&k),
        None => ctx.out.null(),
    }
    Ok(())
}

fn rename(ctx: &mut Ctx<'_>, args: &Args<'_>, nx: bool) -> Result<(), CmdError> {
    let (src, dst) = (args.arg(1), args.arg(2));
    let mut guards = ctx.db().lock_keys(args.keys());
    let Some(entry) = guards
        .get_mut(Db::shard_of(src))
        .get(src, ctx.now_ms)
        .cloned()
    else {
        return Err(CmdError::NoSuchKey);
    };
    if src == dst {
        drop(guards);
        if nx {
            ctx.out.integer(0);
        } else {
            ctx.ok();
        }
        return Ok(());
    }
    let dst_shard = guards.get_mut(Db::shard_of(dst));
    if dst_shard.contains(dst, ctx.now_ms) {
        if nx {
            drop(guards);
            ctx.out.integer(0);
            return Ok(());
        }
        // Valkey deletes the old destination first, so adding it back is a `new` key.
        dst_shard.remove(dst);
    }
    guards.get_mut(Db::shard_of(src)).remove(src);
    guards.get_mut(Db::shard_of(dst)).insert(dst, entry);
    drop(guards);
    ctx.notify(class::GENERIC, "rename_from", src);
    ctx.notify(class::GENERIC, "rename_to", dst);
    if nx {
        ctx.out.integer(1);
    } else {
        ctx.ok();
    }
    Ok(())
}

/// EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT with NX XX GT LT (Valkey's `expireGenericCommand`).
fn expire(
    ctx: &mut Ctx<'_>,
    args: &Args<'_>,
    unit_ms: i64,
    absolute: bool,
    cmd: &'static str,
) -> Result<(), CmdError> {
    let (mut nx, mut xx, mut gt, mut lt) = (false, false, false, false);
    for i in 3..args.len() {
        let opt = args.arg(i);
        match opt.to_ascii_lowercase().as_slice() {
            b"nx" => nx = true,
            b"xx" => xx = true,
            b"gt" => gt = true,
            b"lt" => lt = true,
            _ => {
                return Err(CmdError::Owned(format!(
                    "ERR Unsupported option {}",
                    String::from_utf8_lossy(opt)
                )))
            }
        }
    }
    if nx && (xx || gt || lt) {
        return Err(CmdError::Other(
            "ERR NX and XX, GT or LT options at the same time are not compatible",
        ));
    }
    if gt && lt {
        return Err(CmdError::Other(
            "ERR GT and LT options at the same time are not compatible",
        ));
    }
    let n = parse_i64(args.arg(2))?;
    let invalid = CmdError::InvalidExpire(cmd);
    let ms = n.checked_mul(unit_ms).ok_or(invalid.clone())?;
    let at = if absolute {
        ms
    } else {
        ms.checked_add(ctx.now_ms as i64).ok_or(invalid)?
    };
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let Some(entry) = shard.get(key, ctx.now_ms) else {
        drop(shard);
        ctx.out.integer(0);
        return Ok(());
    };
    let current = entry.expire_at;
    let has_ttl = current != 0;
    let refused = (nx && has_ttl)
        || (xx && !has_ttl)
        || (gt && (!has_ttl || at <= current as i64))
        || (lt && has_ttl && at >= current as i64);
    if refused {
        drop(shard);
        ctx.out.integer(0);
        return Ok(());
    }
    // A deadline already past deletes the key, published as `expired` (Valkey's
    // `deleteExpiredKeyFromOverwriteAndPropagate`).
    let event = if at <= ctx.now_ms as i64 {
        shard.remove(key);
        (class::EXPIRED, "expired")
    } else {
        shard.set_expire(key, at as u64, ctx.now_ms);
        (class::GENERIC, "expire")
    };
    drop(shard);
    ctx.notify(event.0, event.1, key);
    ctx.out.integer(1);
    Ok(())
}

#[derive(Clone, Copy)]
enum TtlReply {
    Seconds,
    Millis,
    AbsSeconds,
    AbsMillis,
}

fn ttl(ctx: &mut Ctx<'_>, args: &Args<'_>, kind: TtlReply) -> Result<(), CmdError> {
    let key = args.arg(1);
    let expire_at = ctx
        .db()
        .lock_key(key)
        .read_peek(key, ctx.now_ms)
        .map(|e| e.expire_at);
    let reply = match expire_at {
        None => -2,
        Some(0) => -1,
        Some(at) => {
            let left = at.saturating_sub(ctx.now_ms) as i64;
            match kind {
                TtlReply::Seconds => (left + 500) / 1000,
                TtlReply::Millis => left,
                // Rounded in u64: a deadline near i64::MAX ms must not overflow.
                TtlReply::AbsSeconds => (at / 1000 + u64::from(at % 1000 >= 500)) as i64,
                TtlReply::AbsMillis => at as i64,
            }
        }
    };
    ctx.out.integer(reply);
    Ok(())
}

fn persist(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let had_ttl = shard.get(key, ctx.now_ms).is_some_and(|e| e.expire_at != 0);
    if had_ttl {
        shard.set_expire(key, 0, ctx.now_ms);
    }
    drop(shard);
    if had_ttl {
        ctx.notify(class::GENERIC, "persist", key);
    }
    ctx.out.integer(i64::from(had_ttl));
    Ok(())
}

fn dbsize(ctx: &mut Ctx<'_>, _: &Args<'_>) -> Result<(), CmdError> {
    let n = ctx.db().len();
    ctx.out.integer(n as i64);
    Ok(())
}

/// `[SYNC | ASYNC]`: true when the flush is lazy (ASYNC, or neither under
/// `lazyfree-lazy-user-flush yes`, Valkey's default).
fn flush_mode(ctx: &Ctx<'_>, args: &Args<'_>) -> Result<bool, CmdError> {
    match args.len() {
        1 => Ok(ctx.config.passive_bool("lazyfree-lazy-user-flush")),
        2 if args.is(1, "sync") => Ok(false),
        2 if args.is(1, "async") => Ok(true),
        _ => Err(CmdError::Syntax),
    }
}

/// Empties database `db`. A lazy flush takes the keys out under the locks and frees them
/// once the shards are released (see `lazyfree`), counting one object per key as Valkey
/// counts a database it hands to its background thread.
fn flush_db(ctx: &Ctx<'_>, db: usize, lazy: bool) {
    if !lazy {
        ctx.db_at(db).lock_all().for_each(|s| s.clear());
        return;
    }
    let mut taken = Vec::new();
    ctx.db_at(db).lock_all().for_each(|s| {
        // Swapping with an empty shard is a clear that hands the keys back.
        let mut old = crate::keyspace::Shard::default();
        s.swap_data(&mut old);
        if !old.is_empty() {
            taken.push(old);
        }
    });
    let keys = taken.iter().map(|s| s.len() as u64).sum();
    ctx.server.lazyfree.free(taken, keys);
}

fn flushdb(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let lazy = flush_mode(ctx, args)?;
    flush_db(ctx, ctx.client.db, lazy);
    ctx.server.tracking.flush_all(ctx.server);
    ctx.ok();
    Ok(())
}

fn flushall(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let lazy = flush_mode(ctx, args)?;
    for i in 0..ctx.server.dbs().len() {
        flush_db(ctx, i, lazy);
    }
    ctx.server.tracking.flush_all(ctx.server);
    ctx.ok();
    Ok(())
}
