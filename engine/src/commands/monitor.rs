//! MONITOR: from now on the client also receives every command other clients run.

use super::{Args, CmdError, Ctx, Handler};

pub(super) fn handler(name: &str) -> Option<Handler> {
    Some(match name {
        "monitor" => monitor,
        _ => return None,
    })
}

fn monitor(ctx: &mut Ctx<'_>, _: &Args<'_>) -> Result<(), CmdError> {
    // Inside a transaction the client expects one reply per command.
    if ctx.in_exec() {
        return Err(CmdError::Other(
            "ERR MONITOR isn't allowed for DENY BLOCKING client",
        ));
    }
    // A client already monitoring gets no second `+OK`: Valkey ignores the repeat silently.
    if ctx.server.monitors.add(&ctx.client.handle) {
        ctx.ok();
    }
    Ok(())
}
