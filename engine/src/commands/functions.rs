//! FUNCTION: the library registry. ferrokey has no scripting yet (a later issue), so the
//! registry is always empty and only FLUSH is answered; it is what every client and test
//! harness that resets a server sends (`FLUSHALL` + `FUNCTION FLUSH`).

use super::{Args, CmdError, Ctx, Handler};

pub(super) fn handler(name: &str) -> Option<Handler> {
    Some(match name {
        "function|flush" => flush,
        _ => return None,
    })
}

/// `FUNCTION FLUSH [ASYNC|SYNC]`: empties the (empty) registry.
fn flush(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    if args.len() > 3 {
        return Err(CmdError::subcommand_syntax("FUNCTION", args.arg(1)));
    }
    if args.len() > 2 && !args.is(2, "async") && !args.is(2, "sync") {
        return Err(CmdError::Other(
            "ERR FUNCTION FLUSH only supports SYNC|ASYNC option",
        ));
    }
    ctx.ok();
    Ok(())
}
