//! Server commands: TIME and COMMAND (answered from the generated table, listing only the
//! commands this server implements).

use super::table::introspection as intro;
use super::{implemented, Args, CmdError, Ctx, Handler};

pub(super) fn handler(name: &str) -> Option<Handler> {
    Some(match name {
        "time" => time,
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
            intro::command_getkeys(&mut c.out, a.from(2), false, &implemented, &|_, _, _| {});
            Ok(())
        },
        "command|getkeysandflags" => |c, a| {
            intro::command_getkeys(&mut c.out, a.from(2), true, &implemented, &|_, _, _| {});
            Ok(())
        },
        "command|help" => |c, _| {
            intro::command_help(&mut c.out);
            Ok(())
        },
        _ => return None,
    })
}

fn time(ctx: &mut Ctx<'_>, _: &Args<'_>) -> Result<(), CmdError> {
    ctx.out.array(2);
    ctx.out.bulk_i64((ctx.now_us / 1_000_000) as i64);
    ctx.out.bulk_i64((ctx.now_us % 1_000_000) as i64);
    Ok(())
}
