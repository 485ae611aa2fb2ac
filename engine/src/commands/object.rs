//! OBJECT ENCODING / REFCOUNT / IDLETIME / FREQ / HELP.

use super::{Args, CmdError, Ctx, Handler};
use crate::keyspace::Entry;

pub(super) fn handler(name: &str) -> Option<Handler> {
    Some(match name {
        "object|encoding" => |c, a| {
            let key = a.arg(2);
            with_entry(c, key, |out, e| {
                out.bulk(e.value.encoding(key.len(), e.expire_at != 0).as_bytes())
            })
        },
        // Values are never shared between keys in a way users can observe: always 1, as Valkey 9.
        "object|refcount" => |c, a| with_entry(c, a.arg(2), |out, _| out.integer(1)),
        "object|idletime" => |c, a| {
            let now_s = c.now_ms / 1000;
            with_entry(c, a.arg(2), |out, e| {
                out.integer(now_s.saturating_sub(u64::from(e.atime)) as i64)
            })
        },
        "object|freq" => |c, a| {
            let key = a.arg(2);
            if c.db().lock_key(key).read_peek(key, c.now_ms).is_none() {
                c.out.null();
                return Ok(());
            }
            Err(CmdError::Other(
                "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
            ))
        },
        "object|help" => help,
        _ => return None,
    })
}

/// Replies through `f` with the live entry at `key`, or null when there is none; the lookup
/// does not count as an access.
fn with_entry(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    f: impl FnOnce(&mut resp::ReplyWriter<'_>, &Entry),
) -> Result<(), CmdError> {
    let mut shard = ctx.db().lock_key(key);
    match shard.read_peek(key, ctx.now_ms) {
        Some(entry) => f(&mut ctx.out, entry),
        None => ctx.out.null(),
    }
    Ok(())
}

/// Valkey's OBJECT HELP text, line for line (clients and tests compare it).
const HELP: &[&str] = &[
    "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Print this help.",
];

fn help(ctx: &mut Ctx<'_>, _: &Args<'_>) -> Result<(), CmdError> {
    super::table::introspection::help_lines(&mut ctx.out, HELP);
    Ok(())
}
