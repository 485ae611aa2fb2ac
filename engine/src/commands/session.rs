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
    if ctx.client.proto == Protocol::Resp2 && ctx.client.subs.any() && args.len() <= 2 {
        // Subscribed RESP2 clients get PING as a message-like array.
        ctx.out.array(2);
        ctx.out.bulk(b"pong");
        ctx.out
            .bulk(if args.len() == 2 { args.arg(1) } else { b"" });
        return Ok(());
    }
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
        return Err(BAD_NAME);
    }
    lock(&ctx.client.handle.meta).name = (!name.is_empty()).then(|| name.to_vec());
    Ok(())
}

const BAD_NAME: CmdError =
    CmdError::Other("ERR Client names cannot contain spaces, newlines or special characters.");

/// Printable ASCII without spaces: what Valkey allows in client names and library info.
pub(super) fn printable(s: &[u8]) -> bool {
    s.iter().all(|b| (b'!'..=b'~').contains(b))
}

/// `RESET`: back to a fresh connection's state (db 0, RESP2, no name, replies on).
fn reset(ctx: &mut Ctx<'_>, _: &Args<'_>) -> Result<(), CmdError> {
    super::multi::reset(ctx);
    ctx.client
        .subs
        .leave_all(&ctx.server.pubsub, &ctx.client.handle);
    super::client_tracking::disable(ctx.server, &ctx.client.handle);
    ctx.server.monitors.remove(ctx.client.id);
    ctx.client.select(0);
    ctx.client.set_protocol(Protocol::Resp2);
    ctx.out.set_protocol(Protocol::Resp2);
    ctx.client.reply = ReplyMode::On;
    ctx.client.handle.no_evict.store(false, Ordering::Relaxed);
    ctx.client.handle.no_touch.store(false, Ordering::Relaxed);
    lock(&ctx.client.handle.meta).name = None;
    // Back to a new connection's login state: authenticated only while no password is set.
    ctx.client.authenticated = ctx.config.requirepass.is_empty();
    ctx.out.simple(b"RESET");
    Ok(())
}

/// Whether `user`/`password` log in as the default user: any password while `requirepass` is
/// empty (the default user then has `nopass`), otherwise exactly that password.
fn password_ok(ctx: &Ctx<'_>, user: &[u8], password: &[u8]) -> bool {
    let pass = &ctx.config.requirepass;
    user == b"default" && (pass.is_empty() || pass.as_bytes() == password)
}

const WRONGPASS: CmdError =
    CmdError::Other("WRONGPASS invalid username-password pair or user is disabled.");

/// `AUTH [user] password`.
fn auth(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let (user, password) = match args.len() {
        2 if ctx.config.requirepass.is_empty() => {
            return Err(CmdError::Other(
                "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
            ))
        }
        2 => (&b"default"[..], args.arg(1)),
        3 => (args.arg(1), args.arg(2)),
        _ => return Err(CmdError::Syntax),
    };
    if !password_ok(ctx, user, password) {
        return Err(WRONGPASS);
    }
    ctx.client.authenticated = true;
    ctx.ok();
    Ok(())
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
    // Valkey's order: options (a bad name fails at once), then AUTH, then the auth check.
    let (mut name, mut login) = (None, None);
    let mut i = 2;
    while i < args.len() {
        let left = args.len() - i - 1;
        if args.is(i, "auth") && left >= 2 {
            login = Some((args.arg(i + 1), args.arg(i + 2)));
            i += 3;
        } else if args.is(i, "setname") && left >= 1 {
            if !printable(args.arg(i + 1)) {
                return Err(BAD_NAME);
            }
            name = Some(args.arg(i + 1));
            i += 2;
        } else {
            return Err(CmdError::Owned(format!(
                "ERR Syntax error in HELLO option '{}'",
                String::from_utf8_lossy(args.arg(i))
            )));
        }
    }
    if let Some((user, password)) = login {
        if !password_ok(ctx, user, password) {
            return Err(WRONGPASS);
        }
        ctx.client.authenticated = true;
    }
    if !ctx.client.authenticated {
        return Err(CmdError::Other("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"));
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
