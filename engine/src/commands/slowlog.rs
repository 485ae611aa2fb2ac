//! SLOWLOG GET / LEN / RESET / HELP.

use super::{Args, CmdError, Ctx, Handler};

pub(super) fn handler(name: &str) -> Option<Handler> {
    Some(match name {
        "slowlog|get" => get,
        "slowlog|len" => |c, _| {
            c.out.integer(c.server.slowlog.len() as i64);
            Ok(())
        },
        "slowlog|reset" => |c, _| {
            c.server.slowlog.reset();
            c.ok();
            Ok(())
        },
        "slowlog|help" => |c, _| {
            super::table::introspection::help_lines(&mut c.out, HELP);
            Ok(())
        },
        _ => return None,
    })
}

/// Valkey's SLOWLOG HELP text, line for line.
const HELP: &[&str] = &[
    "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "GET [<count>]",
    "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
    "    Entries are made of:",
    "    id, timestamp, time in microseconds, arguments array, client IP and port,",
    "    client name",
    "LEN",
    "    Return the length of the slowlog.",
    "RESET",
    "    Reset the slowlog.",
    "HELP",
    "    Print this help.",
];

/// SLOWLOG GET [count]: newest first, 10 by default, -1 for all.
fn get(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    const BAD_COUNT: &str = "ERR count should be greater than or equal to -1";
    let count = match args.len() {
        2 => Some(10),
        3 => match super::args::parse_i64(args.arg(2)) {
            Ok(-1) => None,
            Ok(n) if n >= 0 => Some(usize::try_from(n).unwrap_or(usize::MAX)),
            _ => return Err(CmdError::Other(BAD_COUNT)),
        },
        _ => {
            return Err(CmdError::subcommand_syntax("SLOWLOG", args.arg(1)));
        }
    };
    let entries = ctx.server.slowlog.newest(count);
    let w = &mut ctx.out;
    w.array(entries.len());
    for e in &entries {
        w.array(6);
        w.integer(e.id as i64);
        w.integer(e.time as i64);
        w.integer(e.duration_us as i64);
        w.array(e.argv.len());
        for a in &e.argv {
            w.bulk(a);
        }
        w.bulk(e.peer.as_bytes());
        w.bulk(&e.name);
    }
    Ok(())
}
