//! Sorted set commands: ZADD ZINCRBY ZREM ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZRANGE
//! ZRANGESTORE ZREVRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX ZCOUNT
//! ZLEXCOUNT ZPOPMIN ZPOPMAX ZMPOP ZRANDMEMBER ZUNION ZINTER ZDIFF ZUNIONSTORE ZINTERSTORE
//! ZDIFFSTORE ZINTERCARD ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX ZSCAN, and the
//! blocking BZPOPMIN BZPOPMAX BZMPOP.
//!
//! Argument checks run in Valkey's order (options, then the key lookup, then the range), so
//! the same error wins when a command has several problems.

mod combine;
pub(super) mod score;

use resp::Protocol;

use super::args::{parse_i64, random_count_with};
use super::keys::{parse_cursor, scan_options, scan_reply_header, ScanOptions, Scanned};
use super::typed::{notify_deleted, Stored};
use super::{typed, Args, CmdError, Ctx, Handler};
use crate::keyspace::{Db, Entry, Shard};
use crate::notify::class;
use crate::sync::Shared;
use crate::value::{AddFlags, Added, LexRange, ScoreRange, Value, ZSet};
use score::{parse_lex_range, parse_score, parse_score_range};

pub(super) fn handler(name: &str) -> Option<Handler> {
    Some(match name {
        "zadd" => |c, a| zadd(c, a, false),
        "zincrby" => |c, a| zadd(c, a, true),
        "zrem" => |c, a| super::typed::remove_each(c, a, ZSet::remove, (class::ZSET, "zrem")),
        "zcard" => typed::len::<ZSet>,
        "zscore" => zscore,
        "zmscore" => zmscore,
        "zrank" => |c, a| zrank(c, a, false),
        "zrevrank" => |c, a| zrank(c, a, true),
        "zrange" => |c, a| zrange(c, a, Kind::Auto, Dir::Auto),
        "zrevrange" => |c, a| zrange(c, a, Kind::Rank, Dir::Reverse),
        "zrangebyscore" => |c, a| zrange(c, a, Kind::Score, Dir::Forward),
        "zrevrangebyscore" => |c, a| zrange(c, a, Kind::Score, Dir::Reverse),
        "zrangebylex" => |c, a| zrange(c, a, Kind::Lex, Dir::Forward),
        "zrevrangebylex" => |c, a| zrange(c, a, Kind::Lex, Dir::Reverse),
        "zrangestore" => |c, a| zrange(c, a, Kind::Auto, Dir::Auto),
        "zcount" => zcount,
        "zlexcount" => zlexcount,
        "zpopmin" => |c, a| zpop(c, a, false),
        "zpopmax" => |c, a| zpop(c, a, true),
        "zmpop" => zmpop,
        "bzpopmin" => |c, a| bzpop(c, a, false),
        "bzpopmax" => |c, a| bzpop(c, a, true),
        "bzmpop" => bzmpop,
        "zrandmember" => zrandmember,
        "zremrangebyrank" => |c, a| zremrange(c, a, Kind::Rank),
        "zremrangebyscore" => |c, a| zremrange(c, a, Kind::Score),
        "zremrangebylex" => |c, a| zremrange(c, a, Kind::Lex),
        "zscan" => zscan,
        "zunion" | "zinter" | "zdiff" | "zunionstore" | "zinterstore" | "zdiffstore"
        | "zintercard" => combine::handler(name)?,
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------

/// Writes `(member, score)` pairs as Valkey does for WITHSCORES replies: a flat array in
/// RESP2, an array of `[member, score]` pairs in RESP3; members only without scores.
fn reply_pairs<'m>(
    ctx: &mut Ctx<'_>,
    n: usize,
    withscores: bool,
    items: impl IntoIterator<Item = (&'m [u8], f64)>,
) {
    let nested = withscores && ctx.out.protocol() == Protocol::Resp3;
    ctx.out.array(if withscores && !nested { n * 2 } else { n });
    for (m, s) in items.into_iter().take(n) {
        if nested {
            ctx.out.array(2);
        }
        ctx.out.bulk(m);
        if withscores {
            ctx.out.double(s);
        }
    }
}

/// Stores `z` at `key` (replacing any value and TTL), or deletes `key` when `z` is empty, as
/// the store commands do; replies with the stored length.
fn store_result(
    ctx: &mut Ctx<'_>,
    shard: &mut Shard,
    key: &[u8],
    mut z: ZSet,
    compact: bool,
) -> Stored {
    let n = z.len();
    let deleted = n == 0 && shard.remove(key).is_some();
    if n != 0 {
        if compact {
            z.compact_if_fits(&ctx.config.encodings);
        }
        shard.insert(key, Entry::new(Value::ZSet(Shared::new(z))));
    }
    ctx.out.integer(n as i64);
    Stored::new(n != 0, deleted)
}

/// Valkey's `getPositiveLongFromObjectOrReply` with its default message.
fn positive(arg: &[u8], msg: &'static str) -> Result<i64, CmdError> {
    match resp::int::parse_i64(arg) {
        Some(n) if n >= 0 => Ok(n),
        _ => Err(CmdError::Other(msg)),
    }
}

/// Valkey's `getRangeLongFromObjectOrReply(1, LONG_MAX, msg)`.
fn at_least_one(arg: &[u8], msg: &'static str) -> Result<i64, CmdError> {
    match resp::int::parse_i64(arg) {
        Some(n) if n >= 1 => Ok(n),
        _ => Err(CmdError::Other(msg)),
    }
}

/// A small xorshift generator for ZRANDMEMBER, seeded per call from std's per-process random
/// keys (no clock, no global state).
struct Rng(u64);

impl Rng {
    fn new(salt: u64) -> Self {
        use std::hash::BuildHasher;
        let seed = std::collections::hash_map::RandomState::new().hash_one(salt);
        Rng(seed | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }
}

// ---------------------------------------------------------------------------------------
// ZADD / ZINCRBY
// ---------------------------------------------------------------------------------------

fn zadd(ctx: &mut Ctx<'_>, args: &Args<'_>, zincrby: bool) -> Result<(), CmdError> {
    let key = args.arg(1);
    let mut flags = AddFlags {
        incr: zincrby,
        ..AddFlags::default()
    };
    let mut ch = false;
    let mut i = 2;
    if !zincrby {
        while i < args.len() {
            if args.is(i, "nx") {
                flags.nx = true;
            } else if args.is(i, "xx") {
                flags.xx = true;
            } else if args.is(i, "ch") {
                ch = true;
            } else if args.is(i, "incr") {
                flags.incr = true;
            } else if args.is(i, "gt") {
                flags.gt = true;
            } else if args.is(i, "lt") {
                flags.lt = true;
            } else {
                break;
            }
            i += 1;
        }
    }
    let rest = args.from(i);
    if rest.is_empty() || rest.len() % 2 != 0 {
        return Err(CmdError::Syntax);
    }
    let pairs = rest.len() / 2;
    if flags.nx && flags.xx {
        return Err(CmdError::Other(
            "ERR XX and NX options at the same time are not compatible",
        ));
    }
    if (flags.nx && (flags.gt || flags.lt)) || (flags.gt && flags.lt) {
        return Err(CmdError::Other(
            "ERR GT, LT, and/or NX options at the same time are not compatible",
        ));
    }
    if flags.incr && pairs > 1 {
        return Err(CmdError::Other(
            "ERR INCR option supports a single increment-element pair",
        ));
    }
    let mut scores = smallvec::SmallVec::<[f64; 8]>::with_capacity(pairs);
    let mut longest = 0;
    for p in rest.chunks(2) {
        scores.push(parse_score(p[0])?);
        longest = longest.max(p[1].len());
    }
    let mut shard = ctx.db().lock_key(key);
    let exists = typed::write::<ZSet>(&mut shard, key, ctx.now_ms)?.is_some();
    let (mut added, mut updated, mut last) = (0i64, 0i64, None);
    let mut nan = false;
    if exists || !flags.xx {
        let enc = ctx.config.encodings;
        let z = typed::write_or_create::<ZSet>(&mut shard, key, ctx.now_ms)?;
        z.reserve(pairs, longest, &enc);
        for (p, &score) in rest.chunks(2).zip(&scores) {
            match z.add(p[1], score, flags, &enc) {
                Err(_) => {
                    nan = true;
                    break;
                }
                Ok(Added::New(s)) => {
                    added += 1;
                    last = Some(s);
                }
                Ok(Added::Updated(s)) => {
                    updated += 1;
                    last = Some(s);
                }
                Ok(Added::Same(s)) => last = Some(s),
                Ok(Added::Skipped) => {}
            }
        }
        typed::remove_if_empty::<ZSet>(&mut shard, key, ctx.now_ms);
    }
    drop(shard);
    if added + updated > 0 {
        ctx.notify(class::ZSET, if flags.incr { "zincr" } else { "zadd" }, key);
    }
    if nan {
        return Err(CmdError::Other("ERR resulting score is not a number (NaN)"));
    }
    if flags.incr {
        match last {
            Some(s) => ctx.out.double(s),
            None => ctx.out.null(),
        }
    } else {
        ctx.out.integer(if ch { added + updated } else { added });
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Single-key reads
// ---------------------------------------------------------------------------------------

fn zscore(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let s = typed::read::<ZSet>(&mut shard, key, ctx.now_ms)?.and_then(|z| z.score(args.arg(2)));
    drop(shard);
    match s {
        Some(s) => ctx.out.double(s),
        None => ctx.out.null(),
    }
    Ok(())
}

fn zmscore(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let scores = member_scores(ctx, args)?;
    ctx.out.array(scores.len());
    for s in scores {
        match s {
            Some(s) => ctx.out.double(s),
            None => ctx.out.null(),
        }
    }
    Ok(())
}

/// The scores of the members from argument 2 on in the sorted set at argument 1, `None` for
/// a missing member or key (ZMSCORE, GEOPOS, GEOHASH).
pub(super) fn member_scores(
    ctx: &mut Ctx<'_>,
    args: &Args<'_>,
) -> Result<Vec<Option<f64>>, CmdError> {
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let z = typed::read::<ZSet>(&mut shard, key, ctx.now_ms)?;
    Ok(args
        .from(2)
        .iter()
        .map(|m| z.and_then(|z| z.score(m)))
        .collect())
}

fn zrank(ctx: &mut Ctx<'_>, args: &Args<'_>, reverse: bool) -> Result<(), CmdError> {
    let name = if reverse { "zrevrank" } else { "zrank" };
    if args.len() > 4 {
        return Err(CmdError::WrongArity(name));
    }
    let withscore = args.len() == 4;
    if withscore && !args.is(3, "withscore") {
        return Err(CmdError::Syntax);
    }
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let found = match typed::read::<ZSet>(&mut shard, key, ctx.now_ms)? {
        None => None,
        Some(z) => z
            .rank(args.arg(2))
            .map(|(r, s)| (if reverse { z.len() - 1 - r } else { r }, s)),
    };
    drop(shard);
    match found {
        Some((r, s)) => {
            if withscore {
                ctx.out.array(2);
            }
            ctx.out.integer(r as i64);
            if withscore {
                ctx.out.double(s);
            }
        }
        None if withscore => ctx.out.null_array(),
        None => ctx.out.null(),
    }
    Ok(())
}

fn zcount(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let range = parse_score_range(args.arg(2), args.arg(3))?;
    count_between(ctx, args, |z| z.score_bounds(&range))
}

fn zlexcount(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let range = parse_lex_range(args.arg(2), args.arg(3))?;
    count_between(ctx, args, |z| z.lex_bounds(&range))
}

/// The reply of ZCOUNT and ZLEXCOUNT: how many ranks lie in the `first..end` that `bounds`
/// finds, 0 for a missing key.
fn count_between(
    ctx: &mut Ctx<'_>,
    args: &Args<'_>,
    bounds: impl FnOnce(&ZSet) -> (usize, usize),
) -> Result<(), CmdError> {
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let n = typed::read::<ZSet>(&mut shard, key, ctx.now_ms)?.map_or(0, |z| {
        let (first, end) = bounds(z);
        end - first
    });
    drop(shard);
    ctx.out.integer(n as i64);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// ZRANGE and friends
// ---------------------------------------------------------------------------------------

/// How a range is given.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// Not yet known (ZRANGE before its BYSCORE/BYLEX option).
    Auto,
    Rank,
    Score,
    Lex,
}

/// Which way a range is walked.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Dir {
    Auto,
    Forward,
    Reverse,
}

/// A parsed range.
enum Range {
    Rank(i64, i64),
    Score(ScoreRange),
    Lex(LexRange),
}

/// The elements a range selects: `count` elements walked from ascending index `start`,
/// downwards when `reverse`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Window {
    start: usize,
    count: usize,
    reverse: bool,
}

impl Window {
    const EMPTY: Window = Window {
        start: 0,
        count: 0,
        reverse: false,
    };
}

/// The window of a rank range (`ZRANGE start stop`), with Valkey's index clamping.
fn rank_window(len: usize, start: i64, end: i64, reverse: bool) -> Window {
    let llen = len as i64;
    let mut start = if start < 0 { llen + start } else { start };
    let mut end = if end < 0 { llen + end } else { end };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= llen {
        return Window::EMPTY;
    }
    if end >= llen {
        end = llen - 1;
    }
    let count = (end - start + 1) as usize;
    let first = if reverse {
        (llen - 1 - start) as usize
    } else {
        start as usize
    };
    Window {
        start: first,
        count,
        reverse,
    }
}

/// The window of the elements at ranks `first..end` (those within a score or lex range)
/// after `LIMIT offset count`. Valkey walks the compact encoding from the range's edge and
/// looks a skiplist's offset up by rank, which disagree on negative offsets: both are kept.
fn limit_window(
    z: &ZSet,
    first: usize,
    end: usize,
    offset: i64,
    limit: i64,
    reverse: bool,
) -> Window {
    let len = z.len() as i64;
    let (first, end) = (first as i64, end as i64);
    if offset > 0 && offset >= len {
        return Window::EMPTY;
    }
    // `idx` is the ascending index of the first element returned; `avail` how many follow.
    let (idx, avail) = match (reverse, offset >= 0) {
        (false, true) => (first + offset, end - (first + offset)),
        (true, true) => {
            let idx = end - 1 - offset;
            (idx, idx - first + 1)
        }
        (_, false) if !z.scans_in_steps() => return Window::EMPTY,
        // A skiplist finds the n-th element from the range's other end.
        (false, false) => {
            let idx = end + offset;
            if idx < first || idx < 0 {
                return Window::EMPTY;
            }
            (idx, end - idx)
        }
        (true, false) => {
            let idx = first + (-offset - 1);
            if idx >= len || idx >= end {
                return Window::EMPTY;
            }
            (idx, idx - first + 1)
        }
    };
    if avail <= 0 || idx < 0 {
        return Window::EMPTY;
    }
    let count = if limit < 0 { avail } else { avail.min(limit) };
    Window {
        start: idx as usize,
        count: count as usize,
        reverse,
    }
}

/// ZRANGE, ZRANGESTORE (`kind == Auto` via the handler table) and the older range commands
/// (Valkey's `zrangeGenericCommand`).
fn zrange(ctx: &mut Ctx<'_>, args: &Args<'_>, kind: Kind, dir: Dir) -> Result<(), CmdError> {
    let store = args.is(0, "zrangestore");
    let src_at = if store { 2 } else { 1 };
    let (mut kind, mut dir) = (kind, dir);
    let (mut withscores, mut offset, mut limit) = (false, 0i64, -1i64);
    let mut j = src_at + 3;
    while j < args.len() {
        let left = args.len() - j - 1;
        if !store && args.is(j, "withscores") {
            withscores = true;
        } else if args.is(j, "limit") && left >= 2 {
            offset = parse_i64(args.arg(j + 1))?;
            limit = parse_i64(args.arg(j + 2))?;
            j += 2;
        } else if dir == Dir::Auto && args.is(j, "rev") {
            dir = Dir::Reverse;
        } else if kind == Kind::Auto && args.is(j, "bylex") {
            kind = Kind::Lex;
        } else if kind == Kind::Auto && args.is(j, "byscore") {
            kind = Kind::Score;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    let reverse = dir == Dir::Reverse;
    if kind == Kind::Auto {
        kind = Kind::Rank;
    }
    if limit != -1 && kind == Kind::Rank {
        return Err(CmdError::Other(
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        ));
    }
    if withscores && kind == Kind::Lex {
        return Err(CmdError::Other(
            "ERR syntax error, WITHSCORES not supported in combination with BYLEX",
        ));
    }
    let (mut lo, mut hi) = (args.arg(src_at + 1), args.arg(src_at + 2));
    if reverse && kind != Kind::Rank {
        std::mem::swap(&mut lo, &mut hi);
    }
    let range = match kind {
        Kind::Score => Range::Score(parse_score_range(lo, hi)?),
        Kind::Lex => Range::Lex(parse_lex_range(lo, hi)?),
        _ => Range::Rank(parse_i64(lo)?, parse_i64(hi)?),
    };
    let src = args.arg(src_at);
    let window_of = |z: &ZSet| match &range {
        Range::Rank(a, b) => rank_window(z.len(), *a, *b, reverse),
        Range::Score(r) => {
            let (first, end) = z.score_bounds(r);
            limit_window(z, first, end, offset, limit, reverse)
        }
        Range::Lex(r) => {
            let (first, end) = z.lex_bounds(r);
            limit_window(z, first, end, offset, limit, reverse)
        }
    };
    if store {
        let dst = args.arg(1);
        let mut guards = ctx.db().lock_keys([dst, src]);
        let shard = guards.get_mut(Db::shard_of(src));
        let enc = ctx.config.encodings;
        let result = match typed::read::<ZSet>(shard, src, ctx.now_ms)? {
            None => ZSet::default(),
            Some(z) => {
                let w = window_of(z);
                // Valkey sizes the destination by the rank range's length up front.
                let hint = if matches!(range, Range::Rank(..)) {
                    w.count
                } else {
                    0
                };
                let mut out = ZSet::with_hint(hint, 0, &enc);
                for (m, s) in z.iter_from(w.start, w.reverse).take(w.count) {
                    out.insert(m, s, &enc);
                }
                out
            }
        };
        let stored = store_result(ctx, guards.get_mut(Db::shard_of(dst)), dst, result, false);
        drop(guards);
        stored.notify(ctx, class::ZSET, "zrangestore", dst);
        return Ok(());
    }
    let mut shard = ctx.db().lock_key(src);
    let Some(z) = typed::read::<ZSet>(&mut shard, src, ctx.now_ms)? else {
        drop(shard);
        ctx.out.array(0);
        return Ok(());
    };
    let w = window_of(z);
    reply_pairs(ctx, w.count, withscores, z.iter_from(w.start, w.reverse));
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Removal by range, pops
// ---------------------------------------------------------------------------------------

fn zremrange(ctx: &mut Ctx<'_>, args: &Args<'_>, kind: Kind) -> Result<(), CmdError> {
    let range = match kind {
        Kind::Score => Range::Score(parse_score_range(args.arg(2), args.arg(3))?),
        Kind::Lex => Range::Lex(parse_lex_range(args.arg(2), args.arg(3))?),
        _ => Range::Rank(args.i64(2)?, args.i64(3)?),
    };
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let Some(z) = typed::write::<ZSet>(&mut shard, key, ctx.now_ms)? else {
        drop(shard);
        ctx.out.integer(0);
        return Ok(());
    };
    let (first, end) = match &range {
        Range::Rank(a, b) => {
            let w = rank_window(z.len(), *a, *b, false);
            (w.start, w.start + w.count)
        }
        Range::Score(r) => z.score_bounds(r),
        Range::Lex(r) => z.lex_bounds(r),
    };
    let removed = z.remove_ranks(first, end);
    let deleted = typed::remove_if_empty::<ZSet>(&mut shard, key, ctx.now_ms);
    drop(shard);
    if removed > 0 {
        let event = match kind {
            Kind::Score => "zremrangebyscore",
            Kind::Lex => "zremrangebylex",
            _ => "zremrangebyrank",
        };
        ctx.notify(class::ZSET, event, key);
        notify_deleted(ctx, deleted, key);
    }
    ctx.out.integer(removed as i64);
    Ok(())
}

/// Popped `(member, score)` pairs.
type Pairs = Vec<(Vec<u8>, f64)>;
/// The key popped from, its `(member, score)` pairs, and whether that emptied (deleted) it.
type Popped = (Vec<u8>, Pairs, bool);
/// How a pop command's reply is written: `(out, key, popped pairs)`.
type PopReply = fn(&mut resp::ReplyWriter<'_>, &[u8], &[(Vec<u8>, f64)]);
/// MPOP arguments: the keys, MAX?, the count.
type MpopArgs<'a> = (smallvec::SmallVec<[&'a [u8]; 8]>, bool, usize);

/// Pops up to `count` elements from the first existing key of `keys` (WRONGTYPE stops the
/// search); `None` when no key exists.
fn pop_from(
    ctx: &mut Ctx<'_>,
    keys: &[&[u8]],
    max: bool,
    count: usize,
) -> Result<Option<Popped>, CmdError> {
    let mut guards = ctx.db().lock_keys(keys.iter().copied());
    pop_locked(&mut guards, keys, max, count, ctx.now_ms)
}

/// [`pop_from`] with the keys' shards already locked (the blocking forms keep them locked
/// to queue a waiter when nothing was there).
fn pop_locked(
    guards: &mut crate::keyspace::ShardGuards<'_, Shard>,
    keys: &[&[u8]],
    max: bool,
    count: usize,
    now_ms: u64,
) -> Result<Option<Popped>, CmdError> {
    for &key in keys {
        let shard = guards.get_mut(Db::shard_of(key));
        if let Some((popped, deleted)) = pop_one_key(shard, key, max, count, now_ms)? {
            return Ok(Some((key.to_vec(), popped, deleted)));
        }
    }
    Ok(None)
}

/// Pops up to `count` elements of the sorted set at `key`, and whether that emptied (deleted)
/// it; `None` when there is none.
fn pop_one_key(
    shard: &mut Shard,
    key: &[u8],
    max: bool,
    count: usize,
    now_ms: u64,
) -> Result<Option<(Pairs, bool)>, CmdError> {
    let Some(z) = typed::write::<ZSet>(shard, key, now_ms)? else {
        return Ok(None);
    };
    let mut popped = Vec::with_capacity(count.min(z.len()));
    for _ in 0..count {
        match if max { z.pop_max() } else { z.pop_min() } {
            Some(p) => popped.push(p),
            None => break,
        }
    }
    let deleted = typed::remove_if_empty::<ZSet>(shard, key, now_ms);
    Ok(Some((popped, deleted)))
}

/// The event of a pop from the low (`zpopmin`) or high (`zpopmax`) end.
fn pop_event(max: bool) -> &'static str {
    if max {
        "zpopmax"
    } else {
        "zpopmin"
    }
}

/// Announces a pop of `items` from `key` (nothing when none went), then `del` if emptied.
fn notify_pop(ctx: &Ctx<'_>, max: bool, (key, items, deleted): &Popped) {
    if !items.is_empty() {
        ctx.notify(class::ZSET, pop_event(max), key);
        notify_deleted(ctx, *deleted, key);
    }
}

fn zpop(ctx: &mut Ctx<'_>, args: &Args<'_>, max: bool) -> Result<(), CmdError> {
    if args.len() > 3 {
        return Err(CmdError::Syntax);
    }
    let count = if args.len() == 3 {
        Some(positive(args.arg(2), "ERR value is out of range, must be positive")? as usize)
    } else {
        None
    };
    let key = args.arg(1);
    let popped = pop_from(ctx, &[key], max, count.unwrap_or(1))?;
    if let Some(p) = &popped {
        notify_pop(ctx, max, p);
    }
    let nested = count.is_some() && ctx.out.protocol() == Protocol::Resp3;
    let items = popped.map(|(_, p, _)| p).unwrap_or_default();
    ctx.out
        .array(if nested { items.len() } else { items.len() * 2 });
    for (m, s) in &items {
        if nested {
            ctx.out.array(2);
        }
        ctx.out.bulk(m);
        ctx.out.double(*s);
    }
    Ok(())
}

/// ZMPOP's `numkeys key … MIN|MAX [COUNT n]` starting at argument `first`: the keys, MAX?,
/// and the count.
fn mpop_args<'a>(args: &Args<'a>, first: usize) -> Result<MpopArgs<'a>, CmdError> {
    let numkeys = at_least_one(args.arg(first), "ERR numkeys should be greater than 0")?;
    let where_at = usize::try_from(numkeys)
        .ok()
        .and_then(|n| n.checked_add(first + 1))
        .filter(|&w| w < args.len())
        .ok_or(CmdError::Syntax)?;
    let max = if args.is(where_at, "min") {
        false
    } else if args.is(where_at, "max") {
        true
    } else {
        return Err(CmdError::Syntax);
    };
    let mut count = None;
    let mut j = where_at + 1;
    while j < args.len() {
        if count.is_none() && args.is(j, "count") && j + 1 < args.len() {
            count = Some(at_least_one(
                args.arg(j + 1),
                "ERR count should be greater than 0",
            )?);
            j += 2;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let keys = (first + 1..where_at).map(|i| args.arg(i)).collect();
    let count = usize::try_from(count.unwrap_or(1)).unwrap_or(usize::MAX);
    Ok((keys, max, count))
}

/// ZMPOP's and BZMPOP's reply: `[key, [[member, score], …]]`.
fn reply_mpop(out: &mut resp::ReplyWriter<'_>, key: &[u8], items: &[(Vec<u8>, f64)]) {
    out.array(2);
    out.bulk(key);
    out.array(items.len());
    for (m, s) in items {
        out.array(2);
        out.bulk(m);
        out.double(*s);
    }
}

/// `BZPOPMIN|BZPOPMAX key [key …] timeout`: `[key, member, score]`, or blocks.
fn bzpop(ctx: &mut Ctx<'_>, args: &Args<'_>, max: bool) -> Result<(), CmdError> {
    let deadline = crate::blocking::parse_timeout(args.arg(args.len() - 1), ctx.now_us)?;
    let keys: smallvec::SmallVec<[&[u8]; 8]> = (1..args.len() - 1).map(|i| args.arg(i)).collect();
    let mut guards = ctx.db().lock_keys(keys.iter().copied());
    if let Some(popped) = pop_locked(&mut guards, &keys, max, 1, ctx.now_ms)? {
        drop(guards);
        notify_pop(ctx, max, &popped);
        let (key, items, _) = popped;
        if let Some((m, s)) = items.first() {
            reply_bzpop(&mut ctx.out, &key, m, *s);
        }
        return Ok(());
    }
    let serve = serve_pop(max, 1, ctx.config.encodings, |out, key, items| {
        if let Some((m, s)) = items.first() {
            reply_bzpop(out, key, m, *s);
        }
    });
    let keys = keys.iter().map(|k| k.to_vec()).collect();
    super::blocked::block(ctx, &mut guards, keys, deadline, serve);
    Ok(())
}

fn reply_bzpop(out: &mut resp::ReplyWriter<'_>, key: &[u8], member: &[u8], score: f64) {
    out.array(3);
    out.bulk(key);
    out.bulk(member);
    out.double(score);
}

/// `BZMPOP timeout numkeys key … MIN|MAX [COUNT n]`.
fn bzmpop(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let deadline = crate::blocking::parse_timeout(args.arg(1), ctx.now_us)?;
    let (keys, max, count) = mpop_args(args, 2)?;
    let mut guards = ctx.db().lock_keys(keys.iter().copied());
    if let Some(popped) = pop_locked(&mut guards, &keys, max, count, ctx.now_ms)? {
        drop(guards);
        notify_pop(ctx, max, &popped);
        reply_mpop(&mut ctx.out, &popped.0, &popped.1);
        return Ok(());
    }
    let serve = serve_pop(max, count, ctx.config.encodings, reply_mpop);
    let keys = keys.iter().map(|k| k.to_vec()).collect();
    super::blocked::block(ctx, &mut guards, keys, deadline, serve);
    Ok(())
}

/// The serve step of the blocking pops: once the key holds a sorted set, claim the waiter,
/// pop `count`, reply with `reply`, and remember how to put the elements back should the
/// client be gone. Any other type at the key leaves the waiter waiting, as in Valkey.
fn serve_pop(
    max: bool,
    count: usize,
    enc: crate::config::Encodings,
    reply: PopReply,
) -> crate::blocking::ServeFn {
    use crate::blocking::Serve;
    Box::new(move |shard, key, waiter, now_ms| {
        let has_data =
            matches!(typed::write::<ZSet>(shard, key, now_ms), Ok(Some(z)) if !z.is_empty());
        if !has_data {
            return Serve::Empty;
        }
        if !waiter.claim() {
            return Serve::Lost;
        }
        let items = match pop_one_key(shard, key, max, count, now_ms) {
            Ok(Some((items, deleted))) => {
                // Published by the writer that fed the key, after its own events.
                crate::blocking::served_event(class::ZSET, pop_event(max), waiter.db, key);
                if deleted {
                    crate::blocking::served_event(class::GENERIC, "del", waiter.db, key);
                }
                items
            }
            _ => Vec::new(),
        };
        let bytes = super::blocked::reply_bytes(waiter.proto, |out| reply(out, key, &items));
        let owned_key = key.to_vec();
        waiter.set_undo(
            key,
            Box::new(move |shard, now_ms| {
                if let Ok(z) = typed::write_or_create::<ZSet>(shard, &owned_key, now_ms) {
                    for (m, s) in &items {
                        z.insert(m, *s, &enc);
                    }
                }
            }),
        );
        Serve::Served(bytes)
    })
}

fn zmpop(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let (keys, max, count) = mpop_args(args, 1)?;
    match pop_from(ctx, &keys, max, count)? {
        None => ctx.out.null_array(),
        Some(popped) => {
            notify_pop(ctx, max, &popped);
            reply_mpop(&mut ctx.out, &popped.0, &popped.1);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// ZRANDMEMBER
// ---------------------------------------------------------------------------------------

fn zrandmember(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let key = args.arg(1);
    let mut rng = Rng::new(ctx.now_us);
    if args.len() == 2 {
        let mut shard = ctx.db().lock_key(key);
        match typed::read::<ZSet>(&mut shard, key, ctx.now_ms)? {
            None => ctx.out.null(),
            Some(z) => {
                let (m, _) = z.get(rng.below(z.len())).expect("non-empty");
                ctx.out.bulk(m);
            }
        }
        return Ok(());
    }
    let (l, withscores) = random_count_with(args, "withscores")?;
    let mut shard = ctx.db().lock_key(key);
    let Some(z) = typed::read::<ZSet>(&mut shard, key, ctx.now_ms)? else {
        drop(shard);
        ctx.out.array(0);
        return Ok(());
    };
    let size = z.len();
    let (count, unique) = (l.unsigned_abs() as usize, l >= 0);
    if count == 0 {
        ctx.out.array(0);
        return Ok(());
    }
    if !unique || count == 1 {
        // Repeats allowed: independent uniform picks by rank.
        let picks = std::iter::repeat_with(|| z.get(rng.below(size)).expect("in range"));
        reply_pairs(ctx, count, withscores, picks);
        return Ok(());
    }
    if count >= size {
        // The whole set, highest first (Valkey walks it from the tail here).
        reply_pairs(ctx, size, withscores, z.iter_from(size - 1, true));
        return Ok(());
    }
    // Distinct ranks by Floyd's sampling, answered in a random order.
    let mut chosen: Vec<usize> = Vec::with_capacity(count);
    let mut seen = std::collections::HashSet::with_capacity(count);
    for j in size - count..size {
        let t = rng.below(j + 1);
        let pick = if seen.insert(t) {
            t
        } else {
            seen.insert(j);
            j
        };
        chosen.push(pick);
    }
    for i in (1..chosen.len()).rev() {
        chosen.swap(i, rng.below(i + 1));
    }
    let picks = chosen.iter().map(|&r| z.get(r).expect("in range"));
    reply_pairs(ctx, count, withscores, picks);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// ZSCAN
// ---------------------------------------------------------------------------------------

fn zscan(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let cursor = parse_cursor(args.arg(2))?;
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let Some(z) = typed::read::<ZSet>(&mut shard, key, ctx.now_ms)? else {
        drop(shard);
        scan_reply_header(ctx, 0, 0);
        return Ok(());
    };
    let ScanOptions {
        count,
        pattern,
        noscores,
        ..
    } = scan_options(args, Scanned::SortedSet)?;
    // A skiplist's scores print with 17 significant digits (Valkey formats them with %.17g
    // there, and with its shortest form for a listpack).
    let g17 = z.encoding() == "skiplist";
    let mut found: Vec<(Vec<u8>, f64)> = Vec::new();
    let mut next = cursor;
    if z.scans_in_steps() {
        // Valkey's bound: at most count * 10 buckets per call.
        let mut budget = count.saturating_mul(10);
        loop {
            next = z.scan(next, |m, s| found.push((m.to_vec(), s)));
            budget -= 1;
            if next == 0 || budget == 0 || found.len() >= count {
                break;
            }
        }
    } else {
        next = z.scan(cursor, |m, s| found.push((m.to_vec(), s)));
    }
    drop(shard);
    if let Some(p) = pattern {
        found.retain(|(m, _)| crate::glob::glob_match(p, m));
    }
    scan_reply_header(ctx, next, found.len() * if noscores { 1 } else { 2 });
    let mut buf = [0u8; resp::double::MAX_DOUBLE_LEN];
    for (m, s) in &found {
        ctx.out.bulk(m);
        if noscores {
            continue;
        }
        // ZSCAN sends scores as bulk strings in both protocols.
        if g17 {
            ctx.out.bulk(resp::double::format_g17(*s).as_bytes());
        } else {
            ctx.out.bulk(resp::double::format_double(*s, &mut buf));
        }
    }
    Ok(())
}
