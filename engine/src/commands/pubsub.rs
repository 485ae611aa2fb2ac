//! SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE and their UNSUBSCRIBEs, PUBLISH, SPUBLISH, PUBSUB.

use super::{Args, CmdError, Ctx, Handler};
use crate::connection::ReplyMode;
use crate::pubsub::Kind;
use resp::ReplyWriter;

pub(super) fn handler(name: &str) -> Option<Handler> {
    Some(match name {
        "subscribe" => |c, a| subscribe(c, a, Kind::Channel),
        "psubscribe" => |c, a| subscribe(c, a, Kind::Pattern),
        "ssubscribe" => |c, a| subscribe(c, a, Kind::Shard),
        "unsubscribe" => |c, a| unsubscribe(c, a, Kind::Channel),
        "punsubscribe" => |c, a| unsubscribe(c, a, Kind::Pattern),
        "sunsubscribe" => |c, a| unsubscribe(c, a, Kind::Shard),
        "publish" => |c, a| publish(c, a, false),
        "spublish" => |c, a| publish(c, a, true),
        "pubsub|channels" => |c, a| channels(c, a, Kind::Channel),
        "pubsub|shardchannels" => |c, a| channels(c, a, Kind::Shard),
        "pubsub|numsub" => |c, a| numsub(c, a, Kind::Channel),
        "pubsub|shardnumsub" => |c, a| numsub(c, a, Kind::Shard),
        "pubsub|numpat" => |c, _| {
            let n = c.server.pubsub.len(Kind::Pattern);
            c.out.integer(n as i64);
            Ok(())
        },
        "pubsub|help" => help,
        _ => return None,
    })
}

/// Commands a RESP2 client may run while subscribed.
pub(super) fn allowed_while_subscribed(name: &str) -> bool {
    matches!(
        name,
        "subscribe"
            | "psubscribe"
            | "ssubscribe"
            | "unsubscribe"
            | "punsubscribe"
            | "sunsubscribe"
            | "ping"
            | "quit"
            | "reset"
    )
}

fn verbs(kind: Kind) -> (&'static [u8], &'static [u8]) {
    match kind {
        Kind::Channel => (b"subscribe", b"unsubscribe"),
        Kind::Pattern => (b"psubscribe", b"punsubscribe"),
        Kind::Shard => (b"ssubscribe", b"sunsubscribe"),
    }
}

/// One confirmation: `[verb, name, count]` (a push frame in RESP3). Valkey sends these as
/// pushes in both protocols, so CLIENT REPLY OFF / SKIP does not drop them: the client's
/// own mailbox carries them then, past the connection's reply suppression.
fn confirm(ctx: &mut Ctx<'_>, verb: &[u8], name: Option<&[u8]>, kind: Kind) {
    let count = ctx.client.subs.count(kind) as i64;
    let write = |w: &mut ReplyWriter<'_>| {
        w.push(3);
        w.bulk(verb);
        match name {
            Some(n) => w.bulk(n),
            None => w.null(),
        }
        w.integer(count);
    };
    if silenced(ctx) {
        let limit = ctx.config.output_limits[2].hard;
        ctx.client.handle.mailbox.deliver(limit, write);
        ctx.client.handle.wake();
    } else {
        write(&mut ctx.out);
    }
}

/// True while CLIENT REPLY OFF or SKIP drops this command's reply.
fn silenced(ctx: &Ctx<'_>) -> bool {
    matches!(ctx.client.reply, ReplyMode::Off | ReplyMode::SkipNext)
}

fn subscribe(ctx: &mut Ctx<'_>, args: &Args<'_>, kind: Kind) -> Result<(), CmdError> {
    for name in args.from(1) {
        if !ctx.client.subs.of(kind).iter().any(|n| **n == **name) {
            ctx.server.pubsub.subscribe(kind, name, &ctx.client.handle);
            ctx.client.subs.of(kind).push((*name).into());
        }
        confirm(ctx, verbs(kind).0, Some(name), kind);
    }
    ctx.client.subs.publish_counts(&ctx.client.handle);
    Ok(())
}

fn unsubscribe(ctx: &mut Ctx<'_>, args: &Args<'_>, kind: Kind) -> Result<(), CmdError> {
    let names: Vec<Box<[u8]>> = if args.len() > 1 {
        args.from(1).iter().map(|n| (*n).into()).collect()
    } else {
        ctx.client.subs.of(kind).clone()
    };
    if names.is_empty() {
        confirm(ctx, verbs(kind).1, None, kind);
        return Ok(());
    }
    for name in &names {
        let list = ctx.client.subs.of(kind);
        if let Some(at) = list.iter().position(|n| n == name) {
            list.remove(at);
            ctx.server
                .pubsub
                .unsubscribe(kind, name, &ctx.client.handle);
            // Out of the registry now: what was published before is in the mailbox and goes
            // out ahead of this reply; nothing published later can reach us through `name`.
            // (A silenced confirmation joins the mailbox behind them instead.)
            if !silenced(ctx) {
                let _ = ctx.client.handle.mailbox.drain_into(ctx.out.buffer());
            }
        }
        confirm(ctx, verbs(kind).1, Some(name), kind);
    }
    ctx.client.subs.publish_counts(&ctx.client.handle);
    Ok(())
}

fn publish(ctx: &mut Ctx<'_>, args: &Args<'_>, shard: bool) -> Result<(), CmdError> {
    let limit = ctx.config.output_limits[2].hard;
    let n = ctx
        .server
        .pubsub
        .publish(args.arg(1), args.arg(2), shard, limit);
    // A client publishing to itself gets the count first, then the message (as Valkey).
    ctx.out.integer(n as i64);
    Ok(())
}

fn channels(ctx: &mut Ctx<'_>, args: &Args<'_>, kind: Kind) -> Result<(), CmdError> {
    if args.len() > 3 {
        return Err(CmdError::subcommand_syntax("PUBSUB", args.arg(1)));
    }
    let pattern = (args.len() > 2).then(|| args.arg(2));
    let names = ctx.server.pubsub.active(kind, pattern);
    ctx.out.array(names.len());
    for n in &names {
        ctx.out.bulk(n);
    }
    Ok(())
}

fn numsub(ctx: &mut Ctx<'_>, args: &Args<'_>, kind: Kind) -> Result<(), CmdError> {
    let names = args.from(2);
    // A flat array in RESP3 too: Valkey 9 never made this reply a map, and redis-py 8's
    // RESP3 parser expects the pairs as a list.
    ctx.out.array(names.len() * 2);
    for n in names {
        ctx.out.bulk(n);
        ctx.out.integer(ctx.server.pubsub.count(kind, n) as i64);
    }
    Ok(())
}

const HELP: &[&str] = &[
    "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CHANNELS [<pattern>]",
    "    Return the currently active channels matching a <pattern> (default: '*').",
    "NUMPAT",
    "    Return number of subscriptions to patterns.",
    "NUMSUB [<channel> ...]",
    "    Return the number of subscribers for the specified channels, excluding",
    "    pattern subscriptions(default: no channels).",
    "SHARDCHANNELS [<pattern>]",
    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
    "SHARDNUMSUB [<shardchannel> ...]",
    "    Return the number of subscribers for the specified shard level channel(s)",
    "HELP",
    "    Print this help.",
];

fn help(ctx: &mut Ctx<'_>, _: &Args<'_>) -> Result<(), CmdError> {
    super::table::introspection::help_lines(&mut ctx.out, HELP);
    Ok(())
}
