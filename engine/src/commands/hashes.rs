//! Hash commands: HSET HSETNX HGET HMGET HMSET HDEL HLEN HSTRLEN HEXISTS HKEYS HVALS HGETALL
//! HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN, following Valkey's `t_hash.c` (field TTLs are not
//! supported).

use super::args::{parse_i64, random_count_with};
use super::float::{add_increment, parse_increment};
use super::keys::{parse_cursor, scan_options, scan_reply_header, Scanned};
use super::typed::{len, read, remove_each, write_or_create};
use super::{Args, CmdError, Ctx, Handler};
use crate::notify::class;
use crate::value::Hash;

pub(super) fn handler(name: &str) -> Option<Handler> {
    Some(match name {
        "hset" => |c, a| hset(c, a, "hset"),
        "hmset" => |c, a| hset(c, a, "hmset"),
        "hsetnx" => hsetnx,
        "hget" => hget,
        "hmget" => hmget,
        "hdel" => |c, a| remove_each(c, a, Hash::remove, (class::HASH, "hdel")),
        "hlen" => len::<Hash>,
        "hstrlen" => hstrlen,
        "hexists" => hexists,
        "hkeys" => |c, a| hgetall(c, a, Parts::Keys),
        "hvals" => |c, a| hgetall(c, a, Parts::Values),
        "hgetall" => |c, a| hgetall(c, a, Parts::Both),
        "hincrby" => hincrby,
        "hincrbyfloat" => hincrbyfloat,
        "hrandfield" => hrandfield,
        "hscan" => hscan,
        _ => return None,
    })
}

/// HSET (replies with the number of new fields) and HMSET (`+OK`).
fn hset(ctx: &mut Ctx<'_>, args: &Args<'_>, cmd: &'static str) -> Result<(), CmdError> {
    if args.len() % 2 != 0 {
        return Err(CmdError::WrongArity(cmd));
    }
    let enc = ctx.config.encodings;
    let key = args.arg(1);
    let pairs = args.from(2);
    let mut shard = ctx.db().lock_key(key);
    let hash = write_or_create::<Hash>(&mut shard, key, ctx.now_ms)?;
    hash.prepare_for(pairs, &enc);
    let created = pairs
        .chunks(2)
        .filter(|p| hash.set(p[0], p[1], &enc))
        .count();
    drop(shard);
    ctx.notify(class::HASH, "hset", key);
    if cmd == "hset" {
        ctx.out.integer(created as i64);
    } else {
        ctx.ok();
    }
    Ok(())
}

fn hsetnx(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let enc = ctx.config.encodings;
    let (key, field, value) = (args.arg(1), args.arg(2), args.arg(3));
    let mut shard = ctx.db().lock_key(key);
    let hash = write_or_create::<Hash>(&mut shard, key, ctx.now_ms)?;
    let fresh = hash.get(field).is_none();
    if fresh {
        hash.set(field, value, &enc);
    }
    drop(shard);
    if fresh {
        ctx.notify(class::HASH, "hset", key);
    }
    ctx.out.integer(i64::from(fresh));
    Ok(())
}

fn hget(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    match read::<Hash>(&mut shard, key, ctx.now_ms)?.and_then(|h| h.get(args.arg(2))) {
        Some(v) => ctx.out.bulk(v),
        None => ctx.out.null(),
    }
    Ok(())
}

fn hmget(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let hash = read::<Hash>(&mut shard, key, ctx.now_ms)?;
    let fields = args.from(2);
    ctx.out.array(fields.len());
    for f in fields {
        match hash.and_then(|h| h.get(f)) {
            Some(v) => ctx.out.bulk(v),
            None => ctx.out.null(),
        }
    }
    Ok(())
}

fn hstrlen(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let n = read::<Hash>(&mut shard, key, ctx.now_ms)?
        .and_then(|h| h.get(args.arg(2)))
        .map_or(0, <[u8]>::len);
    drop(shard);
    ctx.out.integer(n as i64);
    Ok(())
}

fn hexists(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let found =
        read::<Hash>(&mut shard, key, ctx.now_ms)?.is_some_and(|h| h.get(args.arg(2)).is_some());
    drop(shard);
    ctx.out.integer(i64::from(found));
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Parts {
    Keys,
    Values,
    Both,
}

fn hgetall(ctx: &mut Ctx<'_>, args: &Args<'_>, parts: Parts) -> Result<(), CmdError> {
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let hash = read::<Hash>(&mut shard, key, ctx.now_ms)?;
    let n = hash.map_or(0, Hash::len);
    if parts == Parts::Both {
        ctx.out.map(n);
    } else {
        ctx.out.array(n);
    }
    if let Some(h) = hash {
        h.for_each(|f, v| {
            if parts != Parts::Values {
                ctx.out.bulk(f);
            }
            if parts != Parts::Keys {
                ctx.out.bulk(v);
            }
        });
    }
    Ok(())
}

fn hincrby(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let by = args.i64(3)?;
    let enc = ctx.config.encodings;
    let (key, field) = (args.arg(1), args.arg(2));
    let mut shard = ctx.db().lock_key(key);
    let hash = write_or_create::<Hash>(&mut shard, key, ctx.now_ms)?;
    let current = match hash.get(field) {
        None => 0,
        Some(v) => parse_i64(v).map_err(|_| CmdError::Other("ERR hash value is not an integer"))?,
    };
    let new = current.checked_add(by).ok_or(CmdError::Overflow)?;
    let mut buf = [0u8; 20];
    hash.set(field, resp::int::i64_digits(new, &mut buf), &enc);
    drop(shard);
    ctx.notify(class::HASH, "hincrby", key);
    ctx.out.integer(new);
    Ok(())
}

fn hincrbyfloat(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let incr = parse_increment(args.arg(3))?;
    let enc = ctx.config.encodings;
    let (key, field) = (args.arg(1), args.arg(2));
    let mut shard = ctx.db().lock_key(key);
    let hash = write_or_create::<Hash>(&mut shard, key, ctx.now_ms)?;
    let text = add_increment(hash.get(field), incr)?;
    hash.set(field, &text, &enc);
    drop(shard);
    ctx.notify(class::HASH, "hincrbyfloat", key);
    ctx.out.bulk(&text);
    Ok(())
}

/// One HRANDFIELD pick: a field, with its value when asked (a pair of its own in RESP3).
fn reply_pick(ctx: &mut Ctx<'_>, (f, v): (&[u8], &[u8]), withvalues: bool, resp3: bool) {
    if withvalues && resp3 {
        ctx.out.array(2);
    }
    ctx.out.bulk(f);
    if withvalues {
        ctx.out.bulk(v);
    }
}

fn hrandfield(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let key = args.arg(1);
    if args.len() == 2 {
        let mut shard = ctx.db().lock_key(key);
        match read::<Hash>(&mut shard, key, ctx.now_ms)?.and_then(Hash::random_pair) {
            Some((f, _)) => ctx.out.bulk(f),
            None => ctx.out.null(),
        }
        return Ok(());
    }
    let (l, withvalues) = random_count_with(args, "withvalues")?;
    let resp3 = ctx.out.protocol() == resp::Protocol::Resp3;
    let (count, uniq) = (l.unsigned_abs() as usize, l >= 0);
    let mut shard = ctx.db().lock_key(key);
    let Some(hash) = read::<Hash>(&mut shard, key, ctx.now_ms)? else {
        drop(shard);
        ctx.out.array(0);
        return Ok(());
    };
    if count == 0 {
        drop(shard);
        ctx.out.array(0);
        return Ok(());
    }
    let picks = if !uniq || count == 1 {
        hash.random_with_repeats(count)
    } else if count >= hash.len() {
        hash.all_pairs()
    } else {
        hash.random_distinct(count)
    };
    ctx.out.array(if withvalues && !resp3 {
        picks.len() * 2
    } else {
        picks.len()
    });
    for p in picks {
        reply_pick(ctx, p, withvalues, resp3);
    }
    Ok(())
}

fn hscan(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let cursor = parse_cursor(args.arg(2))?;
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let Some(hash) = read::<Hash>(&mut shard, key, ctx.now_ms)? else {
        drop(shard);
        scan_reply_header(ctx, 0, 0);
        return Ok(());
    };
    let o = scan_options(args, Scanned::Hash)?;
    let novalues = o.novalues;
    let mut found: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let next = hash.scan(cursor, o.count, |f, v| {
        if o.pattern.is_none_or(|p| crate::glob::glob_match(p, f)) {
            found.push((f.to_vec(), if novalues { Vec::new() } else { v.to_vec() }));
        }
    });
    let n = if novalues {
        found.len()
    } else {
        found.len() * 2
    };
    scan_reply_header(ctx, next, n);
    for (f, v) in found {
        ctx.out.bulk(&f);
        if !novalues {
            ctx.out.bulk(&v);
        }
    }
    Ok(())
}
