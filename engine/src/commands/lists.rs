//! List commands: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET LINSERT LREM
//! LTRIM LPOS LMOVE RPOPLPUSH LMPOP.

use super::typed::{len, notify_deleted, read, remove_if_empty, write, write_or_create};
use super::{Args, CmdError, Ctx, Handler};
use crate::blocking::{parse_timeout, served_event, Serve, ServeFn};
use crate::keyspace::{Db, Shard};
use crate::notify::class;
use crate::value::list::{Elem, End, Iter};
use crate::value::List;
use resp::ReplyWriter;

pub(super) fn handler(name: &str) -> Option<Handler> {
    Some(match name {
        "lpush" => |c, a| push(c, a, End::Head, false),
        "rpush" => |c, a| push(c, a, End::Tail, false),
        "lpushx" => |c, a| push(c, a, End::Head, true),
        "rpushx" => |c, a| push(c, a, End::Tail, true),
        "lpop" => |c, a| pop(c, a, End::Head, "lpop"),
        "rpop" => |c, a| pop(c, a, End::Tail, "rpop"),
        "llen" => len::<List>,
        "lrange" => lrange,
        "lindex" => lindex,
        "lset" => lset,
        "linsert" => |c, a| linsert(c, a),
        "lrem" => lrem,
        "ltrim" => ltrim,
        "lpos" => lpos,
        "lmove" => |c, a| {
            let from = side(a.arg(3))?;
            let to = side(a.arg(4))?;
            lmove(c, a, from, to)
        },
        "rpoplpush" => |c, a| lmove(c, a, End::Tail, End::Head),
        "lmpop" => lmpop,
        "blpop" => |c, a| bpop(c, a, End::Head),
        "brpop" => |c, a| bpop(c, a, End::Tail),
        "blmpop" => blmpop,
        "blmove" => |c, a| {
            let (from, to) = (side(a.arg(3))?, side(a.arg(4))?);
            blmove(c, a, from, to, 5)
        },
        "brpoplpush" => |c, a| blmove(c, a, End::Tail, End::Head, 3),
        _ => return None,
    })
}

/// `list-max-listpack-size` as this connection sees it.
fn fill(ctx: &Ctx<'_>) -> i64 {
    ctx.config.encodings.list_max_listpack_size
}

/// `LEFT` / `RIGHT`.
fn side(arg: &[u8]) -> Result<End, CmdError> {
    if arg.eq_ignore_ascii_case(b"left") {
        Ok(End::Head)
    } else if arg.eq_ignore_ascii_case(b"right") {
        Ok(End::Tail)
    } else {
        Err(CmdError::Syntax)
    }
}

/// Valkey's `getRangeLongFromObjectOrReply`: `msg` (when given) answers a bad number too.
fn ranged(arg: &[u8], min: i64, max: i64, msg: Option<&'static str>) -> Result<i64, CmdError> {
    match (resp::int::parse_i64(arg), msg) {
        (Some(n), _) if (min..=max).contains(&n) => Ok(n),
        (_, Some(m)) => Err(CmdError::Other(m)),
        (None, None) => Err(CmdError::NotInteger),
        (Some(_), None) => Err(CmdError::Owned(format!(
            "ERR value is out of range, value must between {min} and {max}"
        ))),
    }
}

/// Valkey's `getPositiveLongFromObjectOrReply`.
fn positive(arg: &[u8], msg: Option<&'static str>) -> Result<usize, CmdError> {
    let n = ranged(
        arg,
        0,
        i64::MAX,
        Some(msg.unwrap_or("ERR value is out of range, must be positive")),
    )?;
    Ok(n as usize)
}

/// Writes elements as an array of bulk strings.
fn reply_elems<'e>(out: &mut ReplyWriter<'_>, n: usize, elems: impl Iterator<Item = Elem<'e>>) {
    out.array(n);
    for e in elems {
        reply_elem(out, e);
    }
}

/// One element as a bulk string.
fn reply_elem(out: &mut ReplyWriter<'_>, e: Elem<'_>) {
    match e {
        Elem::Int(i) => out.bulk_i64(i),
        Elem::Bytes(b) => out.bulk(b),
    }
}

/// The event of a push at `end`.
fn push_event(end: End) -> &'static str {
    match end {
        End::Head => "lpush",
        End::Tail => "rpush",
    }
}

/// The event of a pop from `end`.
fn pop_event(end: End) -> &'static str {
    match end {
        End::Head => "lpop",
        End::Tail => "rpop",
    }
}

/// Elements of `it`, from the head or (Tail) from the tail.
fn from_end(it: Iter<'_>, end: End) -> Box<dyn Iterator<Item = Elem<'_>> + '_> {
    match end {
        End::Head => Box::new(it),
        End::Tail => Box::new(it.rev()),
    }
}

/// The `n` elements at `end`, in pop order.
fn popped_range(list: &List, end: End, n: usize) -> Box<dyn Iterator<Item = Elem<'_>> + '_> {
    let len = list.len();
    match end {
        End::Head => from_end(list.iter_range(0, n), End::Head),
        End::Tail => from_end(list.iter_range(len - n, len), End::Tail),
    }
}

fn push(ctx: &mut Ctx<'_>, args: &Args<'_>, end: End, xx: bool) -> Result<(), CmdError> {
    let key = args.arg(1);
    let fill = fill(ctx);
    let mut shard = ctx.db().lock_key(key);
    let list = if xx {
        match write::<List>(&mut shard, key, ctx.now_ms)? {
            Some(l) => l,
            None => {
                drop(shard);
                ctx.out.integer(0);
                return Ok(());
            }
        }
    } else {
        write_or_create::<List>(&mut shard, key, ctx.now_ms)?
    };
    list.push(args.from(2), end, fill);
    let len = list.len();
    // Announced before the unlock serves blocked clients: a BLMOVE taking the element runs
    // its own move (and publishes it) once the lock is free.
    ctx.notify(class::LIST, push_event(end), key);
    drop(shard);
    ctx.out.integer(len as i64);
    Ok(())
}

/// Pops `count` (None: one, replied as a bulk string) elements from `key` in `shard` and
/// replies; deletes the key when emptied, and announces both. `with_key` wraps the reply as
/// `[key, [elements]]` (LMPOP). False when there was no list.
fn pop_from(
    ctx: &mut Ctx<'_>,
    shard: &mut Shard,
    key: &[u8],
    end: End,
    count: Option<usize>,
    with_key: bool,
) -> Result<bool, CmdError> {
    let (fill, now) = (fill(ctx), ctx.now_ms);
    let shape = Shape { count, with_key };
    let Some(deleted) = pop_into(&mut ctx.out, shard, key, end, shape, fill, now, None)? else {
        return Ok(false);
    };
    ctx.notify(class::LIST, pop_event(end), key);
    notify_deleted(ctx, deleted, key);
    Ok(true)
}

/// How a pop replies: `count` None pops one element as a bulk string; `with_key` wraps the
/// reply as `[key, …]` (LMPOP, BLPOP, BLMPOP).
#[derive(Clone, Copy, Debug)]
struct Shape {
    count: Option<usize>,
    with_key: bool,
}

/// Pops from the list at `key` and writes the reply to `out`; deletes the key when emptied.
/// `taken`, when given, receives the popped elements (in pop order). `None`: no list; else
/// whether the key was emptied and deleted.
#[allow(clippy::too_many_arguments)]
fn pop_into(
    out: &mut ReplyWriter<'_>,
    shard: &mut Shard,
    key: &[u8],
    end: End,
    shape: Shape,
    fill: i64,
    now_ms: u64,
    taken: Option<&mut Vec<Vec<u8>>>,
) -> Result<Option<bool>, CmdError> {
    let Some(list) = write::<List>(shard, key, now_ms)? else {
        return Ok(None);
    };
    if shape.with_key {
        out.array(2);
        out.bulk(key);
    }
    match shape.count {
        None => {
            // Replied from the list before removing it: LPOP/RPOP copy nothing (issue 7).
            list.pop_with(end, fill, |e| {
                reply_elem(out, e);
                if let Some(t) = taken {
                    t.push(e.to_vec());
                }
            })
            .expect("stored lists are not empty");
        }
        Some(n) => {
            let n = n.min(list.len());
            reply_elems(out, n, popped_range(list, end, n));
            if let Some(t) = taken {
                t.extend(popped_range(list, end, n).map(|e| e.to_vec()));
            }
            list.pop_many(end, n, fill);
        }
    }
    Ok(Some(remove_if_empty::<List>(shard, key, now_ms)))
}

fn pop(ctx: &mut Ctx<'_>, args: &Args<'_>, end: End, name: &'static str) -> Result<(), CmdError> {
    if args.len() > 3 {
        return Err(CmdError::WrongArity(name));
    }
    let count = if args.len() == 3 {
        Some(positive(args.arg(2), None)?)
    } else {
        None
    };
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    if count == Some(0) {
        // Valkey looks the key up (and type-checks it) before the fast exit.
        return match write::<List>(&mut shard, key, ctx.now_ms)? {
            Some(_) => {
                ctx.out.array(0);
                Ok(())
            }
            None => {
                ctx.out.null_array();
                Ok(())
            }
        };
    }
    if !pop_from(ctx, &mut shard, key, end, count, false)? {
        if count.is_some() {
            ctx.out.null_array();
        } else {
            ctx.out.null();
        }
    }
    Ok(())
}

/// Valkey's range normalisation (LRANGE, LTRIM): `[start, end]` within `len`, or None when
/// empty.
fn normalize(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let mut start = if start < 0 {
        len.saturating_add(start)
    } else {
        start
    };
    let mut end = if end < 0 {
        len.saturating_add(end)
    } else {
        end
    };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= len {
        return None;
    }
    if end >= len {
        end = len - 1;
    }
    Some((start as usize, end as usize))
}

fn lrange(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let (start, end) = (args.i64(2)?, args.i64(3)?);
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let Some(list) = read::<List>(&mut shard, key, ctx.now_ms)? else {
        ctx.out.array(0);
        return Ok(());
    };
    match normalize(start, end, list.len()) {
        None => ctx.out.array(0),
        Some((a, b)) => reply_elems(&mut ctx.out, b - a + 1, list.iter_range(a, b + 1)),
    }
    Ok(())
}

fn lindex(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let Some(list) = read::<List>(&mut shard, key, ctx.now_ms)? else {
        ctx.out.null();
        return Ok(());
    };
    let index = args.i64(2)?;
    match list.resolve(index).map(|i| list.get(i)) {
        Some(e) => e.with_bytes(|b| ctx.out.bulk(b)),
        None => ctx.out.null(),
    }
    Ok(())
}

fn lset(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let key = args.arg(1);
    let fill = fill(ctx);
    let mut shard = ctx.db().lock_key(key);
    let Some(list) = write::<List>(&mut shard, key, ctx.now_ms)? else {
        return Err(CmdError::NoSuchKey);
    };
    let index = args.i64(2)?;
    if !list.set(index, args.arg(3), fill) {
        return Err(CmdError::Other("ERR index out of range"));
    }
    drop(shard);
    ctx.notify(class::LIST, "lset", key);
    ctx.ok();
    Ok(())
}

fn linsert(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let after = if args.is(2, "after") {
        true
    } else if args.is(2, "before") {
        false
    } else {
        return Err(CmdError::Syntax);
    };
    let key = args.arg(1);
    let fill = fill(ctx);
    let mut shard = ctx.db().lock_key(key);
    let Some(list) = write::<List>(&mut shard, key, ctx.now_ms)? else {
        drop(shard);
        ctx.out.integer(0);
        return Ok(());
    };
    let reply = if list.insert(args.arg(3), args.arg(4), after, fill) {
        list.len() as i64
    } else {
        -1
    };
    drop(shard);
    if reply != -1 {
        ctx.notify(class::LIST, "linsert", key);
    }
    ctx.out.integer(reply);
    Ok(())
}

fn lrem(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let count = ranged(args.arg(2), -i64::MAX, i64::MAX, None)?;
    let key = args.arg(1);
    let fill = fill(ctx);
    let mut shard = ctx.db().lock_key(key);
    let Some(list) = write::<List>(&mut shard, key, ctx.now_ms)? else {
        drop(shard);
        ctx.out.integer(0);
        return Ok(());
    };
    let from = if count < 0 { End::Tail } else { End::Head };
    let removed = list.remove(args.arg(3), count.unsigned_abs() as usize, from, fill);
    let deleted = remove_if_empty::<List>(&mut shard, key, ctx.now_ms);
    drop(shard);
    if removed > 0 {
        ctx.notify(class::LIST, "lrem", key);
        notify_deleted(ctx, deleted, key);
    }
    ctx.out.integer(removed as i64);
    Ok(())
}

fn ltrim(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let (start, end) = (args.i64(2)?, args.i64(3)?);
    let key = args.arg(1);
    let fill = fill(ctx);
    let mut shard = ctx.db().lock_key(key);
    if let Some(list) = write::<List>(&mut shard, key, ctx.now_ms)? {
        let len = list.len();
        let (head, tail) = match normalize(start, end, len) {
            None => (len, 0),
            Some((a, b)) => (a, len - b - 1),
        };
        list.trim(head, tail, fill);
        let deleted = remove_if_empty::<List>(&mut shard, key, ctx.now_ms);
        drop(shard);
        ctx.notify(class::LIST, "ltrim", key);
        notify_deleted(ctx, deleted, key);
    } else {
        drop(shard);
    }
    ctx.ok();
    Ok(())
}

fn lpos(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let (mut rank, mut count, mut maxlen) = (1i64, None::<usize>, 0usize);
    let mut j = 3;
    while j < args.len() {
        let more = j + 1 < args.len();
        if args.is(j, "rank") && more {
            j += 1;
            rank = ranged(args.arg(j), -i64::MAX, i64::MAX, None)?;
            if rank == 0 {
                return Err(CmdError::Other(
                    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the \
                     second ... or use negative to start from the end of the list",
                ));
            }
        } else if args.is(j, "count") && more {
            j += 1;
            count = Some(positive(args.arg(j), Some("ERR COUNT can't be negative"))?);
        } else if args.is(j, "maxlen") && more {
            j += 1;
            maxlen = positive(args.arg(j), Some("ERR MAXLEN can't be negative"))?;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let Some(list) = read::<List>(&mut shard, key, ctx.now_ms)? else {
        if count.is_some() {
            ctx.out.array(0);
        } else {
            ctx.out.null();
        }
        return Ok(());
    };
    let element = args.arg(2);
    let len = list.len();
    let from_tail = rank < 0;
    let skip = rank.unsigned_abs() - 1;
    let scan = if maxlen == 0 { len } else { maxlen.min(len) };
    let end = if from_tail { End::Tail } else { End::Head };
    let mut matches = from_end(list.iter(), end)
        .take(scan)
        .enumerate()
        .filter(|(_, e)| e.eq_bytes(element))
        .map(|(i, _)| if from_tail { len - 1 - i } else { i } as i64)
        .skip(usize::try_from(skip).unwrap_or(usize::MAX));
    match count {
        None => match matches.next() {
            Some(i) => ctx.out.integer(i),
            None => ctx.out.null(),
        },
        Some(c) => {
            let found: Vec<i64> = if c == 0 {
                matches.collect()
            } else {
                matches.take(c).collect()
            };
            ctx.out.array(found.len());
            for i in found {
                ctx.out.integer(i);
            }
        }
    }
    Ok(())
}

fn lmove(ctx: &mut Ctx<'_>, args: &Args<'_>, from: End, to: End) -> Result<(), CmdError> {
    let mut guards = ctx.db().lock_keys(args.keys());
    if !lmove_locked(ctx, &mut guards, args, from, to)? {
        drop(guards);
        ctx.out.null();
    }
    Ok(())
}

/// LMOVE with the keys' shards locked; false (nothing written) when the source is missing.
fn lmove_locked(
    ctx: &mut Ctx<'_>,
    guards: &mut crate::keyspace::ShardGuards<'_, Shard>,
    args: &Args<'_>,
    from: End,
    to: End,
) -> Result<bool, CmdError> {
    let (src, dst) = (args.arg(1), args.arg(2));
    let fill = fill(ctx);
    let now = ctx.now_ms;
    // Source first (missing: nil, whatever the destination holds), then the destination's
    // type, before anything changes.
    match guards.get_mut(Db::shard_of(src)).get(src, now) {
        None => return Ok(false),
        Some(e) if !matches!(e.value, crate::value::Value::List(_)) => {
            return Err(CmdError::WrongType)
        }
        Some(_) => {}
    }
    if let Some(e) = guards.get_mut(Db::shard_of(dst)).get(dst, now) {
        if !matches!(e.value, crate::value::Value::List(_)) {
            // The source keeps its elements: the next client blocked on it gets its turn
            // (a served BLMOVE reruns here; Valkey then serves the next waiter).
            guards.get_mut(Db::shard_of(src)).waiters_mut().touched(src);
            return Err(CmdError::WrongType);
        }
    }
    let src_shard = guards.get_mut(Db::shard_of(src));
    let value = write::<List>(src_shard, src, now)?
        .and_then(|l| l.pop_raw(from))
        .expect("stored lists are not empty");
    write_or_create::<List>(guards.get_mut(Db::shard_of(dst)), dst, now)?
        .push_popped(&value, to, fill);
    let src_shard = guards.get_mut(Db::shard_of(src));
    if let Some(l) = write::<List>(src_shard, src, now)? {
        if !l.is_empty() {
            l.shrink(fill);
        }
    }
    let deleted = remove_if_empty::<List>(src_shard, src, now);
    // Valkey's order: the push on the destination, then the pop from the source.
    ctx.notify(class::LIST, push_event(to), dst);
    ctx.notify(class::LIST, pop_event(from), src);
    notify_deleted(ctx, deleted, src);
    ctx.out.bulk(&value.bytes);
    Ok(true)
}

/// LMPOP's `numkeys key … LEFT|RIGHT [COUNT n]` from argument `first`: keys, end, count.
fn mpop_args<'a>(args: &Args<'a>, first: usize) -> Result<(&'a [&'a [u8]], End, usize), CmdError> {
    let numkeys = ranged(
        args.arg(first),
        1,
        i64::MAX,
        Some("ERR numkeys should be greater than 0"),
    )? as usize;
    let where_idx = match numkeys.checked_add(first + 1) {
        Some(i) if i < args.len() => i,
        _ => return Err(CmdError::Syntax),
    };
    let end = side(args.arg(where_idx))?;
    let mut count = None;
    let mut j = where_idx + 1;
    while j < args.len() {
        if count.is_none() && args.is(j, "count") && j + 1 < args.len() {
            j += 1;
            count = Some(ranged(
                args.arg(j),
                1,
                i64::MAX,
                Some("ERR count should be greater than 0"),
            )? as usize);
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    Ok((&args.from(first + 1)[..numkeys], end, count.unwrap_or(1)))
}

fn lmpop(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let (keys, end, count) = mpop_args(args, 1)?;
    let mut guards = ctx.db().lock_keys(keys.iter().copied());
    for &key in keys {
        let shard = guards.get_mut(Db::shard_of(key));
        if pop_from(ctx, shard, key, end, Some(count), true)? {
            return Ok(());
        }
    }
    drop(guards);
    ctx.out.null_array();
    Ok(())
}

/// Pops as `shape` says from the first key of `keys` holding a list, or blocks on all of them.
fn pop_or_block(
    ctx: &mut Ctx<'_>,
    keys: &[&[u8]],
    end: End,
    shape: Shape,
    deadline: u64,
) -> Result<(), CmdError> {
    let (fill, now) = (fill(ctx), ctx.now_ms);
    let mut guards = ctx.db().lock_keys(keys.iter().copied());
    for &key in keys {
        let shard = guards.get_mut(Db::shard_of(key));
        if let Some(deleted) = pop_into(&mut ctx.out, shard, key, end, shape, fill, now, None)? {
            drop(guards);
            ctx.notify(class::LIST, pop_event(end), key);
            notify_deleted(ctx, deleted, key);
            return Ok(());
        }
    }
    let serve: ServeFn = Box::new(move |shard, key, waiter, now_ms| {
        if !matches!(read::<List>(shard, key, now_ms), Ok(Some(l)) if !l.is_empty()) {
            return Serve::Empty; // missing, or another type: Valkey keeps waiting
        }
        if !waiter.claim() {
            return Serve::Lost;
        }
        let mut taken = Vec::new();
        let mut reply = Vec::new();
        let mut out = ReplyWriter::new(&mut reply, waiter.proto);
        if let Ok(Some(deleted)) = pop_into(
            &mut out,
            shard,
            key,
            end,
            shape,
            fill,
            now_ms,
            Some(&mut taken),
        ) {
            // Published by the writer that fed the key, after its own events.
            served_event(class::LIST, pop_event(end), waiter.db, key);
            if deleted {
                served_event(class::GENERIC, "del", waiter.db, key);
            }
        }
        let owned = key.to_vec();
        waiter.set_undo(
            key,
            Box::new(move |shard, now_ms| {
                // Back where they came from, first-popped nearest the end they left.
                if let Ok(l) = write_or_create::<List>(shard, &owned, now_ms) {
                    taken.reverse();
                    l.push(&taken, end, fill);
                }
            }),
        );
        Serve::Served(reply)
    });
    let keys = keys.iter().map(|k| k.to_vec()).collect();
    super::blocked::block(ctx, &mut guards, keys, deadline, serve);
    Ok(())
}

/// `BLPOP|BRPOP key [key …] timeout`: `[key, element]`, or blocks.
fn bpop(ctx: &mut Ctx<'_>, args: &Args<'_>, end: End) -> Result<(), CmdError> {
    let deadline = parse_timeout(args.arg(args.len() - 1), ctx.now_us)?;
    let keys = &args.from(1)[..args.len() - 2];
    let shape = Shape {
        count: None,
        with_key: true,
    };
    pop_or_block(ctx, keys, end, shape, deadline)
}

/// `BLMPOP timeout numkeys key … LEFT|RIGHT [COUNT n]`.
fn blmpop(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let deadline = parse_timeout(args.arg(1), ctx.now_us)?;
    let (keys, end, count) = mpop_args(args, 2)?;
    let shape = Shape {
        count: Some(count),
        with_key: true,
    };
    pop_or_block(ctx, keys, end, shape, deadline)
}

/// `BLMOVE src dst LEFT|RIGHT LEFT|RIGHT timeout` / `BRPOPLPUSH src dst timeout`: LMOVE when
/// `src` has elements, else blocks on `src`. Once `src` gets data the client runs the move
/// itself (the destination may live in another shard, which the serving writer cannot lock);
/// should another client empty `src` first, it blocks again.
fn blmove(
    ctx: &mut Ctx<'_>,
    args: &Args<'_>,
    from: End,
    to: End,
    timeout_at: usize,
) -> Result<(), CmdError> {
    let deadline = parse_timeout(args.arg(timeout_at), ctx.now_us)?;
    let src = args.arg(1);
    let mut guards = ctx.db().lock_keys(args.keys());
    if lmove_locked(ctx, &mut guards, args, from, to)? {
        return Ok(());
    }
    if ctx.in_exec() {
        // As in Valkey, a null bulk string here (not the null array of a timeout).
        ctx.out.null();
        return Ok(());
    }
    let serve: ServeFn = Box::new(|shard, key, waiter, now_ms| {
        if !matches!(read::<List>(shard, key, now_ms), Ok(Some(l)) if !l.is_empty()) {
            return Serve::Empty;
        }
        if waiter.claim() {
            Serve::Retry
        } else {
            Serve::Lost
        }
    });
    super::blocked::block(ctx, &mut guards, vec![src.to_vec()], deadline, serve);
    super::blocked::rerun_when_served(ctx, args);
    Ok(())
}

#[cfg(all(test, not(loom)))]
#[path = "notify_tests.rs"]
mod notify_tests;
