//! Server commands: TIME and COMMAND (answered from the generated table, listing only the
//! commands this server implements).

use super::table::introspection as intro;
use super::table::{key_flags, CommandSpec, KeyRef};
use super::{implemented, Args, CmdError, Ctx, Flow, Handler};

pub(super) fn handler(name: &str) -> Option<Handler> {
    Some(match name {
        "time" => time,
        "shutdown" => shutdown,
        "command" => |c, _| {
            intro::command(&mut c.out, &implemented);
            Ok(())
        },
        "command|count" => |c, _| {
            intro::command_count(&mut c.out, &implemented);
            Ok(())
        },
        "command|info" => |c, a| {
            intro::command_info(&mut c.out, a.from(2), &implemented);
            Ok(())
        },
        "command|docs" => |c, a| {
            intro::command_docs(&mut c.out, a.from(2), &implemented);
            Ok(())
        },
        "command|list" => |c, a| {
            intro::command_list(
                &mut c.out,
                a.from(2),
                &implemented,
                &crate::glob::glob_match_nocase,
            );
            Ok(())
        },
        "command|getkeys" => |c, a| {
            intro::command_getkeys(
                &mut c.out,
                a.from(2),
                false,
                &implemented,
                &get_keys_function,
            );
            Ok(())
        },
        "command|getkeysandflags" => |c, a| {
            intro::command_getkeys(
                &mut c.out,
                a.from(2),
                true,
                &implemented,
                &get_keys_function,
            );
            Ok(())
        },
        "command|help" => |c, _| {
            intro::command_help(&mut c.out);
            Ok(())
        },
        _ => return None,
    })
}

/// Key lookup for the implemented commands whose keys or key flags depend on their arguments
/// (Valkey's `setGetKeys`, `bitfieldGetKeys` and `sortGetKeys`); the table handles every other
/// one.
fn get_keys_function(spec: &'static CommandSpec, args: &[&[u8]], out: &mut Vec<KeyRef>) {
    if spec.name == "bitfield" && args.len() > 1 {
        out.push(KeyRef {
            index: 1,
            flags: bitfield_key_flags(args),
        });
        return;
    }
    if spec.name == "sort" && args.len() > 1 {
        sort_keys(args, out);
        return;
    }
    if spec.name == "sort_ro" && args.len() > 1 {
        out.push(KeyRef {
            index: 1,
            flags: key_flags::RO | key_flags::ACCESS,
        });
        return;
    }
    if spec.name == "set" && args.len() > 1 {
        let get = args.iter().skip(3).any(|a| a.eq_ignore_ascii_case(b"get"));
        let flags = if get {
            key_flags::RW | key_flags::ACCESS | key_flags::UPDATE
        } else {
            key_flags::OW | key_flags::UPDATE
        };
        out.push(KeyRef { index: 1, flags });
    }
}

/// SORT's keys as Valkey's `sortGetKeys` finds them: the sorted key, then the last STORE's
/// destination; LIMIT, GET and BY skip their arguments (which are patterns, not keys).
fn sort_keys(args: &[&[u8]], out: &mut Vec<KeyRef>) {
    out.push(KeyRef {
        index: 1,
        flags: key_flags::RO | key_flags::ACCESS,
    });
    let mut store = None;
    let mut i = 2;
    while i < args.len() {
        let word = args[i];
        if word.eq_ignore_ascii_case(b"limit") {
            i += 2;
        } else if word.eq_ignore_ascii_case(b"get") || word.eq_ignore_ascii_case(b"by") {
            i += 1;
        } else if word.eq_ignore_ascii_case(b"store") && i + 1 < args.len() {
            store = Some(i + 1);
        }
        i += 1;
    }
    if let Some(index) = store {
        out.push(KeyRef {
            index,
            flags: key_flags::OW | key_flags::UPDATE,
        });
    }
}

/// Read-only unless a SET or INCRBY (or anything unparsable) appears among the operations.
fn bitfield_key_flags(args: &[&[u8]]) -> u64 {
    let mut i = 2;
    while i < args.len() {
        let left = args.len() - i - 1;
        let word = args[i];
        if word.eq_ignore_ascii_case(b"get") && left >= 2 {
            i += 3;
        } else if word.eq_ignore_ascii_case(b"overflow") && left >= 1 {
            i += 2;
        } else {
            return key_flags::RW | key_flags::ACCESS | key_flags::UPDATE;
        }
    }
    key_flags::RO | key_flags::ACCESS
}

fn time(ctx: &mut Ctx<'_>, _: &Args<'_>) -> Result<(), CmdError> {
    ctx.out.array(2);
    ctx.out.bulk_i64((ctx.now_us / 1_000_000) as i64);
    ctx.out.bulk_i64((ctx.now_us % 1_000_000) as i64);
    Ok(())
}

/// `SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] | ABORT`: with nothing to save (no persistence yet) a
/// shutdown never waits, so ABORT always finds none in progress. The caller gets no reply: its
/// connection closes, every other client gets the replies it is owed, and the process exits.
fn shutdown(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let (mut save, mut nosave, mut abort, mut other) = (false, false, false, false);
    for i in 1..args.len() {
        if args.is(i, "nosave") {
            nosave = true;
        } else if args.is(i, "save") {
            save = true;
        } else if args.is(i, "abort") {
            abort = true;
        } else if args.is(i, "now") || args.is(i, "force") {
            other = true;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    if (abort && (save || nosave || other)) || (save && nosave) {
        return Err(CmdError::Syntax);
    }
    if abort {
        return Err(CmdError::Other("ERR No shutdown in progress."));
    }
    if save {
        ctx.server.log(
            ctx.now_us,
            crate::log::Level::Warning,
            "SHUTDOWN SAVE refused: ferrokey has no RDB persistence yet",
        );
        return Err(CmdError::Other(
            "ERR Errors trying to SHUTDOWN. Check logs.",
        ));
    }
    ctx.server.log(
        ctx.now_us,
        crate::log::Level::Warning,
        "User requested shutdown...",
    );
    ctx.server.request_shutdown();
    ctx.flow = Flow::Close;
    Ok(())
}
