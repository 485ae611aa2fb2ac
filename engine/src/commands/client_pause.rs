//! CLIENT PAUSE / UNPAUSE over the server's [`crate::pause::ClientPause`].

use super::{Args, CmdError, Ctx, Handler};
use crate::pause::PauseMode;

pub(super) fn handler(name: &str) -> Option<Handler> {
    Some(match name {
        "client|pause" => pause,
        "client|unpause" => |ctx, _| {
            ctx.server.pause.unpause();
            ctx.ok();
            Ok(())
        },
        _ => return None,
    })
}

/// `CLIENT PAUSE timeout [WRITE|ALL]`: Valkey reads the timeout, then the mode, and ignores
/// anything after it.
fn pause(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let timeout = resp::int::parse_i64(args.arg(2)).ok_or(CmdError::Other(
        "ERR timeout is not an integer or out of range",
    ))?;
    if timeout < 0 {
        return Err(CmdError::Other("ERR timeout is negative"));
    }
    let mode = if args.len() < 4 || args.is(3, "all") {
        PauseMode::All
    } else if args.is(3, "write") {
        PauseMode::Write
    } else {
        return Err(CmdError::Other(
            "ERR CLIENT PAUSE mode must be WRITE or ALL",
        ));
    };
    let end = ctx.now_ms.saturating_add(timeout as u64);
    ctx.server.pause.pause(end, mode, ctx.now_ms);
    ctx.ok();
    Ok(())
}
