//! Commands that may cross databases: MOVE, COPY, SWAPDB.
//!
//! Lock order across databases: the lower-numbered database's shards first, so two of these
//! commands can never wait on each other in a cycle.

use super::{Args, CmdError, Ctx, Handler};
use crate::keyspace::{Db, Entry, Shard};
use crate::notify::class;

pub(super) fn handler(name: &str) -> Option<Handler> {
    Some(match name {
        "move" => move_cmd,
        "copy" => copy,
        "swapdb" => swapdb,
        _ => return None,
    })
}

/// A database index argument: integer errors as Valkey, then the range check.
fn db_index(ctx: &Ctx<'_>, arg: &[u8]) -> Result<usize, CmdError> {
    super::args::db_index(arg, ctx.server.dbs().len())
}

/// Runs `f` with the shard of `src_key` in db `a` and the shard of `dst_key` in db `b`
/// (`a != b`), locked in database order.
fn with_two_shards<R>(
    ctx: &Ctx<'_>,
    a: usize,
    src_key: &[u8],
    b: usize,
    dst_key: &[u8],
    f: impl FnOnce(&mut Shard, &mut Shard) -> R,
) -> R {
    let (da, db) = (ctx.db_at(a), ctx.db_at(b));
    if a < b {
        let mut src = da.lock_key(src_key);
        let mut dst = db.lock_key(dst_key);
        f(&mut src, &mut dst)
    } else {
        let mut dst = db.lock_key(dst_key);
        let mut src = da.lock_key(src_key);
        f(&mut src, &mut dst)
    }
}

fn move_cmd(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let key = args.arg(1);
    let to = db_index(ctx, args.arg(2))?;
    let from = ctx.client.db;
    if to == from {
        return Err(CmdError::Other(
            "ERR source and destination objects are the same",
        ));
    }
    let now = ctx.now_ms;
    let moved = with_two_shards(ctx, from, key, to, key, |src, dst| {
        if dst.contains(key, now) {
            return false;
        }
        match src.get(key, now).cloned() {
            Some(entry) => {
                src.remove(key);
                dst.insert(key, entry);
                true
            }
            None => false,
        }
    });
    if moved {
        ctx.notify_in(from, class::GENERIC, "move_from", key);
        ctx.notify_in(to, class::GENERIC, "move_to", key);
    }
    ctx.out.integer(i64::from(moved));
    Ok(())
}

fn copy(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let (src_key, dst_key) = (args.arg(1), args.arg(2));
    let mut to = ctx.client.db;
    let mut replace = false;
    let mut i = 3;
    while i < args.len() {
        if args.is(i, "replace") {
            replace = true;
            i += 1;
        } else if args.is(i, "db") && i + 1 < args.len() {
            to = db_index(ctx, args.arg(i + 1))?;
            i += 2;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let from = ctx.client.db;
    if from == to && src_key == dst_key {
        return Err(CmdError::Other(
            "ERR source and destination objects are the same",
        ));
    }
    let now = ctx.now_ms;
    // Values are shared copy-on-write, so the copy costs a reference, not the payload.
    let place = move |src: &mut Shard, dst: &mut Shard| -> bool {
        let Some(entry) = src.read(src_key, now).cloned() else {
            return false;
        };
        if dst.contains(dst_key, now) {
            if !replace {
                return false;
            }
            // Valkey deletes the old destination first, so adding it back is a `new` key.
            dst.remove(dst_key);
        }
        dst.insert(dst_key, Entry::with_expire(entry.value, entry.expire_at));
        true
    };
    let copied = if from == to {
        let mut guards = ctx.db().lock_keys(args.keys());
        let (s, d) = (Db::shard_of(src_key), Db::shard_of(dst_key));
        if s == d {
            let shard = guards.get_mut(s);
            let Some(entry) = shard.read(src_key, now).cloned() else {
                drop(guards);
                ctx.out.integer(0);
                return Ok(());
            };
            let exists = shard.contains(dst_key, now);
            let ok = !exists || replace;
            if ok {
                if exists {
                    shard.remove(dst_key);
                }
                shard.insert(dst_key, entry);
            }
            ok
        } else {
            let (src, dst) = guards.get_two_mut(s, d);
            place(src, dst)
        }
    } else {
        with_two_shards(ctx, from, src_key, to, dst_key, place)
    };
    if copied {
        ctx.notify_in(to, class::GENERIC, "copy_to", dst_key);
    }
    ctx.out.integer(i64::from(copied));
    Ok(())
}

fn swapdb(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    // Valkey reads both as an `int`, with its own messages for anything else.
    let as_int = |s: &[u8]| resp::int::parse_i64(s).filter(|v| i32::try_from(*v).is_ok());
    let a = as_int(args.arg(1)).ok_or(CmdError::Other("ERR invalid first DB index"))?;
    let b = as_int(args.arg(2)).ok_or(CmdError::Other("ERR invalid second DB index"))?;
    let n = ctx.server.dbs().len() as i64;
    if !(0..n).contains(&a) || !(0..n).contains(&b) {
        return Err(CmdError::DbIndexOutOfRange);
    }
    let (lo, hi) = (a.min(b) as usize, a.max(b) as usize);
    if lo != hi {
        let mut first = ctx.db_at(lo).lock_all();
        let mut second = ctx.db_at(hi).lock_all();
        for i in 0..crate::keyspace::SHARDS {
            first.get_mut(i).swap_data(second.get_mut(i));
        }
    }
    ctx.ok();
    Ok(())
}
