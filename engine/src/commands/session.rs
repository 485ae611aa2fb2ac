//! Connection commands: PING ECHO QUIT RESET AUTH HELLO SELECT.

use resp::Protocol;

use super::{Args, CmdError, Ctx, Flow, Handler};
use crate::connection::ReplyMode;
use crate::sync::{lock, Ordering};

pub(super) fn handler(name: &str) -> Option<Handler> {
    Some(match name {
        "ping" => ping,
        "echo" => |c, a| {
            c.out.bulk(a.arg(1));
            Ok(())
        },
        "quit" => |c, _| {
            c.ok();
            c.flow = Flow::Close;
            Ok(())
        },
        "hello" => hello,
        "select" => select,
        "reset" => reset,
        "auth" => auth,
        _ => return None,
    })
}

fn select(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let index = super::args::db_index(args.arg(1), ctx.server.dbs().len())?;
    ctx.client.select(index);
    ctx.ok();
    Ok(())
}

fn ping(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    match args.len() {
        1 => ctx.out.simple(b"PONG"),
        2 => ctx.out.bulk(args.arg(1)),
        _ => return Err(CmdError::WrongArity("ping")),
    }
    Ok(())
}

/// Valkey accepts client names made of printable ASCII without spaces; "" clears the name.
pub(super) fn set_name(ctx: &mut Ctx<'_>, name: &[u8]) -> Result<(), CmdError> {
    if !printable(name) {
        return Err(CmdError::Other(
            "ERR Client names cannot contain spaces, newlines or special characters.",
        ));
    }
    lock(&ctx.client.handle.meta).name = (!name.is_empty()).then(|| name.to_vec());
    Ok(())
}

/// Printable ASCII without spaces: what Valkey allows in client names and library info.
pub(super) fn printable(s: &[u8]) -> bool {
    s.iter().all(|b| (b'!'..=b'~').contains(b))
}

/// `RESET`: back to a fresh connection's state (db 0, RESP2, no name, replies on).
fn reset(ctx: &mut Ctx<'_>, _: &Args<'_>) -> Result<(), CmdError> {
    ctx.client.select(0);
    ctx.client.set_protocol(Protocol::Resp2);
    ctx.out.set_protocol(Protocol::Resp2);
    ctx.client.reply = ReplyMode::On;
    ctx.client.handle.no_evict.store(false, Ordering::Relaxed);
    ctx.client.handle.no_touch.store(false, Ordering::Relaxed);
    lock(&ctx.client.handle.meta).name = None;
    ctx.out.simple(b"RESET");
    Ok(())
}

/// `AUTH [user] password` with no password configured: the default user takes any password.
fn auth(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    match args.len() {
        2 => Err(CmdError::Other(
            "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
        )),
        3 if args.arg(1) == b"default" => {
            ctx.ok();
            Ok(())
        }
        3 => Err(CmdError::Other("WRONGPASS invalid username-password pair or user is disabled.")),
        _ => Err(CmdError::Syntax),
    }
}

/// `HELLO [protover [AUTH user pass] [SETNAME name]]`: everything is validated before
/// anything changes, so a failed HELLO leaves the connection as it was.
fn hello(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let mut proto = ctx.client.proto;
    if args.len() > 1 {
        proto = match resp::int::parse_i64(args.arg(1)) {
            Some(2) => Protocol::Resp2,
            Some(3) => Protocol::Resp3,
            Some(_) => return Err(CmdError::Other("NOPROTO unsupported protocol version")),
            None => {
                return Err(CmdError::Other(
                    "ERR Protocol version is not an integer or out of range",
                ))
            }
        };
    }
    let mut name = None;
    let mut i = 2;
    while i < args.len() {
        let left = args.len() - i - 1;
        if args.is(i, "auth") && left >= 2 {
            if args.arg(i + 1) != b"default" {
                return Err(CmdError::Other(
                    "WRONGPASS invalid username-password pair or user is disabled.",
                ));
            }
            i += 3;
        } else if args.is(i, "setname") && left >= 1 {
            name = Some(args.arg(i + 1));
            i += 2;
        } else {
            return Err(CmdError::Owned(format!(
                "ERR Syntax error in HELLO option '{}'",
                String::from_utf8_lossy(args.arg(i))
            )));
        }
    }
    if let Some(n) = name {
        set_name(ctx, n)?;
    }
    ctx.client.set_protocol(proto);
    // HELLO's own reply already uses the protocol it negotiated.
    ctx.out.set_protocol(proto);
    let out = &mut ctx.out;
    out.map(7);
    out.bulk(b"server");
    out.bulk(b"ferrokey");
    out.bulk(b"version");
    out.bulk(crate::VERSION.as_bytes());
    out.bulk(b"proto");
    out.integer(if proto == Protocol::Resp3 { 3 } else { 2 });
    out.bulk(b"id");
    out.integer(ctx.client.id as i64);
    out.bulk(b"mode");
    out.bulk(b"standalone");
    out.bulk(b"role");
    out.bulk(b"master");
    out.bulk(b"modules");
    out.array(0);
    Ok(())
}
