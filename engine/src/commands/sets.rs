//! Set commands: SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP SRANDMEMBER SMOVE SINTER
//! SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN, following Valkey's
//! `t_set.c` down to the order replies come in and the encoding *STORE results get.

use super::args::{parse_i64, random_count};
use super::keys::{parse_cursor, scan_options, scan_reply_header, Scanned};
use super::typed::{len, notify_deleted, read, remove_if_empty, write, Stored};
use super::{Args, CmdError, Ctx, Handler};
use crate::config::Encodings;
use crate::keyspace::{Db, Entry, Shard};
use crate::notify::class;
use crate::sync::Shared;
use crate::value::{Set, Value};

pub(super) fn handler(name: &str) -> Option<Handler> {
    Some(match name {
        "sadd" => sadd,
        "srem" => |c, a| super::typed::remove_each(c, a, Set::remove, (class::SET, "srem")),
        "smembers" => smembers,
        "sismember" => sismember,
        "smismember" => smismember,
        "scard" => len::<Set>,
        "spop" => spop,
        "srandmember" => srandmember,
        "smove" => smove,
        "sinter" => |c, a| sinter(c, a, a.from(1), None, None),
        "sinterstore" => |c, a| sinter(c, a, a.from(2), Some(a.arg(1)), None),
        "sintercard" => sintercard,
        "sunion" => |c, a| union_diff(c, a, a.from(1), None, Op::Union),
        "sunionstore" => |c, a| union_diff(c, a, a.from(2), Some(a.arg(1)), Op::Union),
        "sdiff" => |c, a| union_diff(c, a, a.from(1), None, Op::Diff),
        "sdiffstore" => |c, a| union_diff(c, a, a.from(2), Some(a.arg(1)), Op::Diff),
        "sscan" => sscan,
        _ => return None,
    })
}

/// SPOP with a count rebuilds the set when fewer than 1/5 of it would remain.
const SPOP_MOVE_STRATEGY_MUL: usize = 5;

fn reply_members(ctx: &mut Ctx<'_>, members: &[Vec<u8>]) {
    for m in members {
        ctx.out.bulk(m);
    }
}

fn sadd(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let enc = ctx.config.encodings;
    let key = args.arg(1);
    let members = args.from(2);
    let mut shard = ctx.db().lock_key(key);
    let set = match write::<Set>(&mut shard, key, ctx.now_ms)? {
        Some(set) => {
            set.maybe_convert(members.len(), &enc);
            set
        }
        None => {
            let fresh = Set::create(members[0], members.len(), &enc);
            shard.insert(key, Entry::new(Value::Set(Shared::new(fresh))));
            write::<Set>(&mut shard, key, ctx.now_ms)?.expect("just inserted")
        }
    };
    let added = members.iter().filter(|m| set.add(m, &enc)).count();
    drop(shard);
    if added > 0 {
        ctx.notify(class::SET, "sadd", key);
    }
    ctx.out.integer(added as i64);
    Ok(())
}

fn smembers(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    match read::<Set>(&mut shard, key, ctx.now_ms)? {
        None => ctx.out.set(0),
        Some(set) => {
            ctx.out.set(set.len());
            set.for_each(|m| ctx.out.bulk(m));
        }
    }
    Ok(())
}

fn sismember(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let found = read::<Set>(&mut shard, key, ctx.now_ms)?.is_some_and(|s| s.contains(args.arg(2)));
    drop(shard);
    ctx.out.integer(i64::from(found));
    Ok(())
}

fn smismember(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let set = read::<Set>(&mut shard, key, ctx.now_ms)?;
    let members = args.from(2);
    ctx.out.array(members.len());
    for m in members {
        ctx.out
            .integer(i64::from(set.is_some_and(|s| s.contains(m))));
    }
    Ok(())
}

fn spop(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    if args.len() > 3 {
        return Err(CmdError::Syntax);
    }
    if args.len() == 3 {
        return spop_count(ctx, args);
    }
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let popped = write::<Set>(&mut shard, key, ctx.now_ms)?.and_then(Set::pop_random);
    let deleted = remove_if_empty::<Set>(&mut shard, key, ctx.now_ms);
    drop(shard);
    if popped.is_some() {
        ctx.notify(class::SET, "spop", key);
        notify_deleted(ctx, deleted, key);
    }
    match popped {
        Some(m) => ctx.out.bulk(&m),
        None => ctx.out.null(),
    }
    Ok(())
}

fn spop_count(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let out_of_range = CmdError::Other("ERR value is out of range, must be positive");
    let count = parse_i64(args.arg(2)).map_err(|_| out_of_range.clone())?;
    let count = usize::try_from(count).map_err(|_| out_of_range)?;
    let enc = ctx.config.encodings;
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let Some(set) = write::<Set>(&mut shard, key, ctx.now_ms)? else {
        drop(shard);
        ctx.out.set(0);
        return Ok(());
    };
    if count == 0 {
        drop(shard);
        ctx.out.set(0);
        return Ok(());
    }
    let size = set.len();
    if count >= size {
        // The whole set, replied the way SUNION of this one key would.
        let all = union_of(&[Some(&*set)], false, &enc);
        shard.remove(key);
        drop(shard);
        ctx.notify(class::SET, "spop", key);
        notify_deleted(ctx, true, key);
        ctx.out.set(all.len());
        all.for_each(|m| ctx.out.bulk(m));
        return Ok(());
    }
    let remaining = size - count;
    let popped: Vec<Vec<u8>> = if remaining * SPOP_MOVE_STRATEGY_MUL > count {
        if set.is_listpack() {
            let picks = ascending_picks(size, count);
            set.take_listpack_indices(&picks)
        } else {
            (0..count).filter_map(|_| set.pop_random()).collect()
        }
    } else {
        // Few remain: move the survivors into a new set and reply with the rest.
        let mut fresh = if set.is_listpack() {
            let picks = ascending_picks(size, remaining);
            let mut fresh = Set::new_listpack();
            for m in set.take_listpack_indices(&picks) {
                fresh.add(&m, &enc);
            }
            fresh
        } else {
            let mut fresh = if set.is_intset() {
                Set::new_intset()
            } else {
                Set::new_listpack()
            };
            for _ in 0..remaining {
                if let Some(m) = set.pop_random() {
                    fresh.add(&m, &enc);
                }
            }
            fresh
        };
        std::mem::swap(set, &mut fresh);
        fresh.members()
    };
    drop(shard);
    ctx.notify(class::SET, "spop", key);
    ctx.out.set(popped.len());
    reply_members(ctx, &popped);
    Ok(())
}

/// `k` distinct positions below `n`, ascending.
fn ascending_picks(n: usize, k: usize) -> Vec<usize> {
    Set::random_positions(n, k)
}

fn srandmember(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    if args.len() > 3 {
        return Err(CmdError::Syntax);
    }
    let key = args.arg(1);
    if args.len() == 2 {
        let mut shard = ctx.db().lock_key(key);
        let m = read::<Set>(&mut shard, key, ctx.now_ms)?.and_then(Set::random_member);
        drop(shard);
        match m {
            Some(m) => ctx.out.bulk(&m),
            None => ctx.out.null(),
        }
        return Ok(());
    }
    let l = random_count(args)?;
    let (count, uniq) = (l.unsigned_abs() as usize, l >= 0);
    let mut shard = ctx.db().lock_key(key);
    let Some(set) = read::<Set>(&mut shard, key, ctx.now_ms)? else {
        drop(shard);
        ctx.out.array(0);
        return Ok(());
    };
    if count == 0 {
        drop(shard);
        ctx.out.array(0);
        return Ok(());
    }
    if !uniq || count == 1 {
        let picks = set.random_with_repeats(count);
        drop(shard);
        ctx.out.array(picks.len());
        reply_members(ctx, &picks);
        return Ok(());
    }
    if count >= set.len() {
        ctx.out.array(set.len());
        set.for_each(|m| ctx.out.bulk(m));
        return Ok(());
    }
    let picks = set.random_distinct(count);
    drop(shard);
    ctx.out.array(picks.len());
    reply_members(ctx, &picks);
    Ok(())
}

/// The set at `key` in a locked shard, for a writer that checks types without counting a
/// hit or miss: `Ok(None)` when missing.
fn peek_set<'s>(
    shard: &'s mut Shard,
    key: &[u8],
    now_ms: u64,
) -> Result<Option<&'s Set>, CmdError> {
    match shard.get(key, now_ms) {
        None => Ok(None),
        Some(Entry {
            value: Value::Set(s),
            ..
        }) => Ok(Some(s)),
        Some(_) => Err(CmdError::WrongType),
    }
}

fn smove(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let enc = ctx.config.encodings;
    let (src, dst, member) = (args.arg(1), args.arg(2), args.arg(3));
    let now = ctx.now_ms;
    let mut guards = ctx.db().lock_keys(args.keys());
    // A missing source answers 0 before any type check; then both types are checked.
    let src_exists = guards.get_mut(Db::shard_of(src)).contains(src, now);
    if !src_exists {
        drop(guards);
        ctx.out.integer(0);
        return Ok(());
    }
    let is_member =
        peek_set(guards.get_mut(Db::shard_of(src)), src, now)?.is_some_and(|s| s.contains(member));
    let dst_has =
        peek_set(guards.get_mut(Db::shard_of(dst)), dst, now)?.is_some_and(|s| s.contains(member));
    if src == dst || !is_member {
        drop(guards);
        ctx.out.integer(i64::from(is_member));
        return Ok(());
    }
    let src_shard = guards.get_mut(Db::shard_of(src));
    if let Some(set) = write::<Set>(src_shard, src, now)? {
        set.remove(member);
    }
    let src_deleted = remove_if_empty::<Set>(src_shard, src, now);
    // A destination that already has the member is left alone: it is not written, so its
    // watchers are not disturbed (as in Valkey).
    let added = !dst_has && {
        let dst_shard = guards.get_mut(Db::shard_of(dst));
        let set = match write::<Set>(dst_shard, dst, now)? {
            Some(set) => set,
            None => {
                let fresh = Set::create(member, 1, &enc);
                dst_shard.insert(dst, Entry::new(Value::Set(Shared::new(fresh))));
                write::<Set>(dst_shard, dst, now)?.expect("just inserted")
            }
        };
        set.add(member, &enc)
    };
    drop(guards);
    ctx.notify(class::SET, "srem", src);
    notify_deleted(ctx, src_deleted, src);
    if added {
        ctx.notify(class::SET, "sadd", dst);
    }
    ctx.out.integer(1);
    Ok(())
}

type Guards<'a> = crate::keyspace::ShardGuards<'a, Shard>;

/// The sets at `keys` (a missing key is `None`), read as a multi-key reader does: every key
/// is looked up and type-checked, in order. Payloads are shared, not copied.
fn load_sets(
    guards: &mut Guards<'_>,
    keys: &[&[u8]],
    now_ms: u64,
) -> Result<Vec<Option<Shared<Set>>>, CmdError> {
    keys.iter()
        .map(|k| match guards.get_mut(Db::shard_of(k)).read(k, now_ms) {
            None => Ok(None),
            Some(Entry {
                value: Value::Set(s),
                ..
            }) => Ok(Some(s.clone())),
            Some(_) => Err(CmdError::WrongType),
        })
        .collect()
}

/// Stores `result` at `dst` (replacing whatever is there, TTL included) or deletes `dst`
/// when the result is empty; replies with the stored size.
fn store(ctx: &mut Ctx<'_>, guards: &mut Guards<'_>, dst: &[u8], result: Set) -> Stored {
    let n = result.len();
    let shard = guards.get_mut(Db::shard_of(dst));
    let deleted = n == 0 && shard.contains(dst, ctx.now_ms) && shard.remove(dst).is_some();
    if n != 0 {
        shard.insert(dst, Entry::new(Value::Set(Shared::new(result))));
    }
    ctx.out.integer(n as i64);
    Stored::new(n != 0, deleted)
}

fn sintercard(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let numkeys = parse_i64(args.arg(1))
        .ok()
        .filter(|&n| n >= 1)
        .ok_or(CmdError::Other("ERR numkeys should be greater than 0"))?;
    if numkeys > (args.len() - 2) as i64 {
        return Err(CmdError::Other(
            "ERR Number of keys can't be greater than number of args",
        ));
    }
    let numkeys = numkeys as usize;
    let mut limit = 0usize;
    let mut i = 2 + numkeys;
    while i < args.len() {
        if args.is(i, "limit") && i + 1 < args.len() {
            limit = parse_i64(args.arg(i + 1))
                .ok()
                .and_then(|n| usize::try_from(n).ok())
                .ok_or(CmdError::Other("ERR LIMIT can't be negative"))?;
            i += 2;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    sinter(ctx, args, &args.from(2)[..numkeys], None, Some(limit))
}

/// SINTER, SINTERSTORE (`dst`) and SINTERCARD (`card_limit`, 0 for no limit).
fn sinter(
    ctx: &mut Ctx<'_>,
    args: &Args<'_>,
    keys: &[&[u8]],
    dst: Option<&[u8]>,
    card_limit: Option<usize>,
) -> Result<(), CmdError> {
    let enc = ctx.config.encodings;
    let mut guards = ctx.db().lock_keys(args.keys());
    let loaded = load_sets(&mut guards, keys, ctx.now_ms)?;
    let Some(mut sets) = loaded.into_iter().collect::<Option<Vec<_>>>() else {
        // Intersecting with a missing key (an empty set) is empty.
        match (dst, card_limit) {
            (Some(dst), _) => {
                let stored = store(ctx, &mut guards, dst, Set::new_intset());
                drop(guards);
                stored.notify(ctx, class::SET, "sinterstore", dst);
            }
            (None, Some(_)) => ctx.out.integer(0),
            (None, None) => ctx.out.set(0),
        }
        return Ok(());
    };
    // Smallest first (a stable sort, as glibc's qsort is for short arrays).
    sets.sort_by_key(|s| s.len());
    let first = &sets[0];
    let mut found: Vec<Vec<u8>> = Vec::new();
    let mut card = 0usize;
    let limit = card_limit.unwrap_or(0);
    let mut done = false;
    first.for_each(|m| {
        if done {
            return;
        }
        let in_all = sets[1..]
            .iter()
            .all(|s| Shared::ptr_eq(s, first) || s.contains(m));
        if in_all {
            card += 1;
            if card_limit.is_none() {
                found.push(m.to_vec());
            } else if limit != 0 && card >= limit {
                done = true;
            }
        }
    });
    match (dst, card_limit) {
        (None, Some(_)) => ctx.out.integer(card as i64),
        (None, None) => {
            ctx.out.set(found.len());
            reply_members(ctx, &found);
        }
        (Some(dst), _) => {
            let mut result = if first.is_intset() {
                Set::new_intset()
            } else {
                Set::new_listpack()
            };
            let only_integers = found.iter().all(|m| parse_i64(m).is_ok());
            for m in &found {
                result.add(m, &enc);
            }
            if only_integers {
                result.maybe_convert_to_intset(&enc);
            }
            let stored = store(ctx, &mut guards, dst, result);
            drop(guards);
            stored.notify(ctx, class::SET, "sinterstore", dst);
        }
    }
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Union,
    Diff,
}

/// The set a union or difference is built in (`sunionDiffGenericCommand`): an intset that
/// converts as it grows, which decides both the reply order and the stored encoding, except
/// that a reply (no `store`) built from any non-intset input goes straight to a hash table.
fn result_set(sets: &[Option<&Set>], store: bool) -> Set {
    if !store && sets.iter().flatten().any(|s| !s.is_intset()) {
        Set::new_hashtable()
    } else {
        Set::new_intset()
    }
}

/// The union of `sets`, added member by member into `result_set`'s choice.
fn union_of(sets: &[Option<&Set>], store: bool, enc: &Encodings) -> Set {
    let mut out = result_set(sets, store);
    for s in sets.iter().flatten() {
        s.for_each(|m| {
            out.add(m, enc);
        });
    }
    out
}

fn as_refs(sets: &[Option<Shared<Set>>]) -> Vec<Option<&Set>> {
    sets.iter().map(|s| s.as_deref()).collect()
}

/// SUNION, SUNIONSTORE, SDIFF and SDIFFSTORE (`sunionDiffGenericCommand`).
fn union_diff(
    ctx: &mut Ctx<'_>,
    args: &Args<'_>,
    keys: &[&[u8]],
    dst: Option<&[u8]>,
    op: Op,
) -> Result<(), CmdError> {
    let enc = ctx.config.encodings;
    let mut guards = ctx.db().lock_keys(args.keys());
    let mut sets = load_sets(&mut guards, keys, ctx.now_ms)?;
    let same = |a: &Option<Shared<Set>>, b: &Option<Shared<Set>>| match (a, b) {
        (Some(a), Some(b)) => Shared::ptr_eq(a, b),
        _ => false,
    };
    let result = match op {
        Op::Union => union_of(&as_refs(&sets), dst.is_some(), &enc),
        Op::Diff => {
            let mut out = result_set(&as_refs(&sets), dst.is_some());
            let sameset = sets[1..].iter().any(|s| same(&sets[0], s));
            if let (Some(first), false) = (sets[0].clone(), sameset) {
                let present = sets.iter().flatten();
                let algo_one = present.clone().map(|_| first.len()).sum::<usize>() / 2;
                let algo_two: usize = present.map(|s| s.len()).sum();
                if algo_one <= algo_two {
                    // Subtract the biggest sets first: a member is likelier found early.
                    sets[1..].sort_by_key(|s| std::cmp::Reverse(s.as_ref().map_or(0, |s| s.len())));
                    first.for_each(|m| {
                        let elsewhere = sets[1..]
                            .iter()
                            .flatten()
                            .any(|s| Shared::ptr_eq(s, &first) || s.contains(m));
                        if !elsewhere {
                            out.add(m, &enc);
                        }
                    });
                } else {
                    first.for_each(|m| {
                        out.add(m, &enc);
                    });
                    for s in sets[1..].iter().flatten() {
                        if out.is_empty() {
                            break;
                        }
                        s.for_each(|m| {
                            out.remove(m);
                        });
                    }
                }
            }
            out
        }
    };
    match dst {
        Some(dst) => {
            let stored = store(ctx, &mut guards, dst, result);
            drop(guards);
            let event = match op {
                Op::Union => "sunionstore",
                Op::Diff => "sdiffstore",
            };
            stored.notify(ctx, class::SET, event, dst);
        }
        None => {
            ctx.out.set(result.len());
            result.for_each(|m| ctx.out.bulk(m));
        }
    }
    Ok(())
}

fn sscan(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let cursor = parse_cursor(args.arg(2))?;
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let Some(set) = read::<Set>(&mut shard, key, ctx.now_ms)? else {
        drop(shard);
        scan_reply_header(ctx, 0, 0);
        return Ok(());
    };
    let o = scan_options(args, Scanned::Set)?;
    let mut found: Vec<Vec<u8>> = Vec::new();
    let next = set.scan(cursor, o.count, |m| {
        if o.pattern.is_none_or(|p| crate::glob::glob_match(p, m)) {
            found.push(m.to_vec());
        }
    });
    drop(shard);
    scan_reply_header(ctx, next, found.len());
    reply_members(ctx, &found);
    Ok(())
}
