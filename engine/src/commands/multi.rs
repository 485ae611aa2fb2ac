//! MULTI, EXEC, DISCARD, WATCH, UNWATCH.
//!
//! EXEC locks, once and in lock order, every shard its queued commands and its watched keys
//! need ([`LockPlan`]), checks the watched keys while holding them, then runs the commands
//! with those shards lent to them ([`HeldShards`]) and releases everything together: other
//! clients see all of a transaction or none of it, and the check cannot race a writer.

use resp::ReplyWriter;

use super::table::{self, CommandSpec};
use super::{Args, CmdError, Ctx, Flow, Handler};
use crate::keyspace::{HeldShards, LockPlan};
use crate::sync::Ordering;
use crate::watch::ClientWatches;

pub(super) fn handler(name: &str) -> Option<Handler> {
    Some(match name {
        "multi" => multi,
        "exec" => exec,
        "discard" => discard,
        "watch" => watch,
        "unwatch" => |c, _| {
            unwatch_all(c);
            c.ok();
            Ok(())
        },
        _ => return None,
    })
}

/// A transaction being queued (between MULTI and EXEC).
#[derive(Debug, Default)]
pub struct Multi {
    queued: Vec<Queued>,
    /// A command was rejected while queueing: EXEC answers EXECABORT.
    aborted: bool,
}

#[derive(Debug)]
struct Queued {
    spec: &'static CommandSpec,
    argv: Vec<Vec<u8>>,
}

impl Multi {
    /// True when a queued command has any of `flags` (CLIENT PAUSE WRITE holds such an EXEC).
    pub(crate) fn any_flag(&self, flags: u64) -> bool {
        self.queued.iter().any(|q| q.spec.flags & flags != 0)
    }
}

/// Commands that run at once inside MULTI instead of being queued (as in Valkey).
pub(super) fn runs_at_once(spec: &CommandSpec) -> bool {
    matches!(spec.name, "exec" | "discard" | "quit" | "reset")
}

/// Queues a resolved command inside MULTI and answers `+QUEUED`; commands flagged
/// `no_multi` (MULTI, WATCH, SHUTDOWN, …) are rejected instead.
pub(super) fn queue(
    ctx: &mut Ctx<'_>,
    spec: &'static CommandSpec,
    args: &Args<'_>,
) -> Result<(), CmdError> {
    if spec.flags & table::flags::NO_MULTI != 0 {
        return Err(CmdError::Owned(format!(
            "ERR Command '{}' not allowed inside a transaction",
            spec.name
        )));
    }
    ctx.client.handle.multi.fetch_add(1, Ordering::Relaxed);
    let multi = ctx.client.multi.as_mut().expect("inside MULTI");
    multi.queued.push(Queued {
        spec,
        argv: args.from(0).iter().map(|a| a.to_vec()).collect(),
    });
    ctx.out.simple(b"QUEUED");
    Ok(())
}

/// Answers a command rejected before it ran (unknown, wrong arity, not allowed): inside
/// MULTI, EXEC will abort; a rejected EXEC itself discards the transaction and says why.
pub(super) fn reject(ctx: &mut Ctx<'_>, name: Option<&str>, error: &CmdError) {
    if name == Some("exec") {
        ctx.client.multi = None;
        ended(ctx);
        unwatch_all(ctx);
        let text = error.text();
        let why = text.strip_prefix(b"ERR ").unwrap_or(&text);
        let mut reply = b"EXECABORT Transaction discarded because of: ".to_vec();
        reply.extend_from_slice(why);
        ctx.out.error(&reply);
        return;
    }
    if let Some(multi) = ctx.client.multi.as_mut() {
        multi.aborted = true;
    }
    error.write(&mut ctx.out);
}

fn multi(ctx: &mut Ctx<'_>, _: &Args<'_>) -> Result<(), CmdError> {
    // Inside MULTI, MULTI and WATCH never get here: their `no_multi` flag rejects them.
    ctx.client.multi = Some(Multi::default());
    ctx.client.handle.in_multi.store(true, Ordering::Relaxed);
    ctx.client.handle.multi.store(0, Ordering::Relaxed);
    ctx.ok();
    Ok(())
}

fn discard(ctx: &mut Ctx<'_>, _: &Args<'_>) -> Result<(), CmdError> {
    if ctx.client.multi.take().is_none() {
        return Err(CmdError::Other("ERR DISCARD without MULTI"));
    }
    ended(ctx);
    unwatch_all(ctx);
    ctx.ok();
    Ok(())
}

/// RESET and a closing connection: forget the transaction and the watched keys.
pub(crate) fn reset(ctx: &mut Ctx<'_>) {
    ctx.client.multi = None;
    ended(ctx);
    unwatch_all(ctx);
}

/// The transaction is over (EXEC, DISCARD, RESET): CLIENT LIST shows no queue.
fn ended(ctx: &Ctx<'_>) {
    let h = &ctx.client.handle;
    h.in_multi.store(false, Ordering::Relaxed);
    // Once created (first MULTI or WATCH), Valkey's transaction state shows 0, not -1.
    let _ = h
        .multi
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
            (n > 0).then_some(0)
        });
}

fn watch(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let db = ctx.client.db;
    for key in args.from(1) {
        if ctx.client.watch.watches(db, key) {
            continue;
        }
        let mut shard = ctx.db().lock_key(key);
        // A key already expired when watched does not fail EXEC by being found expired.
        let stale = shard.is_expired(key, ctx.now_ms);
        shard.watches_mut().add(key, &ctx.client.watch.dirty, stale);
        drop(shard);
        ctx.client.watch.keys.push((db, key.to_vec()));
    }
    let n = ctx.client.watch.keys.len();
    ctx.client.handle.watching.store(n, Ordering::Relaxed);
    let _ = ctx
        .client
        .handle
        .multi
        .compare_exchange(-1, 0, Ordering::Relaxed, Ordering::Relaxed);
    ctx.ok();
    Ok(())
}

/// Forgets every watched key (UNWATCH, EXEC, DISCARD, RESET).
fn unwatch_all(ctx: &mut Ctx<'_>) {
    let mut watches = std::mem::take(&mut ctx.client.watch);
    crate::watch::unwatch_all(&mut watches, |db, key| Some(ctx.db_at(db).lock_key(key)));
    ctx.client.watch = watches;
    ctx.client.handle.watching.store(0, Ordering::Relaxed);
}

/// True when EXEC must fail: a watched key was written, or has expired since WATCH.
fn watch_failed(ctx: &Ctx<'_>) -> bool {
    let w: &ClientWatches = &ctx.client.watch;
    w.dirty.load(Ordering::Acquire)
        || w.keys.iter().any(|(db, key)| {
            let mut shard = ctx.db_at(*db).lock_key(key);
            !shard.watches_mut().stale(key, &w.dirty) && shard.is_expired(key, ctx.now_ms)
        })
}

/// Keyless commands that read or write a whole database (the selected one).
const WHOLE_DB: &[&str] = &["dbsize", "keys", "scan", "randomkey", "flushdb"];

/// Keyless commands that never touch the keyspace.
fn keyspace_free(spec: &CommandSpec) -> bool {
    // CONFIG RESETSTAT zeroes the shards' counters.
    if spec.name == "config|resetstat" {
        return false;
    }
    let family = spec.name.split('|').next().unwrap_or_default();
    matches!(
        family,
        "ping"
            | "echo"
            | "time"
            | "lastsave"
            | "hello"
            | "auth"
            | "client"
            | "config"
            | "command"
            | "publish"
            | "spublish"
            | "pubsub"
            | "lolwut"
    )
}

/// Adds what one queued command needs to `plan`, `db` being the database selected when it
/// runs. Commands that may reach beyond their key arguments take more: the whole database
/// (KEYS, SORT's BY/GET patterns) or every database (SELECT, SWAPDB, MOVE, INFO).
fn plan_command(plan: &mut LockPlan, q: &Queued, db: usize) {
    let argv: Vec<&[u8]> = q.argv.iter().map(Vec::as_slice).collect();
    let spec = q.spec;
    if WHOLE_DB.contains(&spec.name) || matches!(spec.name, "sort" | "sort_ro") {
        plan.add_db(db);
        return;
    }
    if matches!(spec.name, "move" | "copy") {
        plan.add_all();
        return;
    }
    let keys = Args::new(&argv).for_command(spec).keys();
    if !keys.is_empty() && !spec.has_get_keys_function {
        for key in keys {
            plan.add_key(db, key);
        }
    } else if spec.has_get_keys_function {
        plan.add_db(db);
    } else if !keyspace_free(spec) {
        plan.add_all();
    }
}

fn exec(ctx: &mut Ctx<'_>, _: &Args<'_>) -> Result<(), CmdError> {
    let Some(multi) = ctx.client.multi.take() else {
        return Err(CmdError::Other("ERR EXEC without MULTI"));
    };
    if multi.aborted {
        ended(ctx);
        unwatch_all(ctx);
        return Err(CmdError::Other(
            "EXECABORT Transaction discarded because of previous errors.",
        ));
    }
    let mut plan = LockPlan::new(ctx.server.dbs().len());
    for (db, key) in &ctx.client.watch.keys {
        plan.add_key(*db, key);
    }
    for q in &multi.queued {
        plan_command(&mut plan, q, ctx.client.db);
    }
    let held = HeldShards::lock(ctx.server.dbs(), &plan);
    let proto = ctx.out.protocol();
    let mut inner = Ctx {
        server: ctx.server,
        config: ctx.config,
        client: &mut *ctx.client,
        out: ReplyWriter::new(ctx.out.buffer(), proto),
        now_ms: ctx.now_ms,
        now_us: ctx.now_us,
        flow: Flow::Continue,
        held: Some(&held),
    };
    let failed = watch_failed(&inner);
    unwatch_all(&mut inner);
    if failed {
        inner.out.null_array();
        ended(&inner);
        return Ok(());
    }
    inner.out.array(multi.queued.len());
    // Each queued command counts in commandstats and errorstats as Valkey counts it (calls,
    // time, failures), folded into the client's counters once at the end.
    let clock = inner.server.clock();
    let mut stats = crate::stats::Stats::default();
    for q in &multi.queued {
        let argv: Vec<&[u8]> = q.argv.iter().map(Vec::as_slice).collect();
        inner.flow = Flow::Continue;
        let mark = inner.out.buffer().len();
        let started = clock.map(|c| c());
        if let Err(e) = super::run(&mut inner, q.spec, &Args::new(&argv)) {
            e.write(&mut inner.out);
        }
        // DEBUG SLEEP inside a transaction does not park the connection holding its locks.
        if let Flow::SleepUntil(_) = inner.flow {
            inner.out.simple(b"OK");
        }
        let usec = clock.zip(started).map_or(0, |(c, t)| c().saturating_sub(t));
        stats.record(Some(q.spec.name), true, usec, &inner.out.buffer()[mark..]);
    }
    stats.drain_into(&mut crate::sync::lock(&inner.client.handle.stats));
    let flow = std::mem::replace(&mut inner.flow, Flow::Continue);
    ended(&inner);
    drop(inner);
    // Released only now, all together; blocked clients the transaction fed are served.
    drop(held);
    if let Flow::Close = flow {
        ctx.flow = Flow::Close;
    }
    Ok(())
}
