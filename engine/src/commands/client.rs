//! CLIENT subcommands: ID INFO LIST KILL GETNAME SETNAME SETINFO REPLY NO-EVICT NO-TOUCH
//! UNBLOCK.

use super::session::{printable, set_name};
use super::{Args, CmdError, Ctx, Handler};
use crate::clients::ClientHandle;
use crate::connection::ReplyMode;
use crate::sync::{lock, Ordering};

pub(super) fn handler(name: &str) -> Option<Handler> {
    Some(match name {
        "client|id" => |c, _| {
            c.out.integer(c.client.id as i64);
            Ok(())
        },
        "client|getname" => |c, _| {
            let name = lock(&c.client.handle.meta).name.clone();
            match name {
                Some(n) => c.out.bulk(&n),
                None => c.out.null(),
            }
            Ok(())
        },
        "client|setname" => |c, a| {
            set_name(c, a.arg(2))?;
            c.ok();
            Ok(())
        },
        "client|setinfo" => setinfo,
        "client|info" => |c, _| {
            let mut line = c.client.handle.info_line(c.now_ms, 0, Some("client|info"));
            line.push(b'\n');
            c.out.verbatim(*b"txt", &line);
            Ok(())
        },
        "client|list" => list,
        "client|kill" => kill,
        "client|unblock" => unblock,
        "client|reply" => reply,
        "client|no-evict" => |c, a| on_off(c, a, |h| &h.no_evict),
        "client|no-touch" => |c, a| on_off(c, a, |h| &h.no_touch),
        _ => return None,
    })
}

fn setinfo(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let (opt, value) = (args.arg(2), args.arg(3));
    let lib_name = opt.eq_ignore_ascii_case(b"lib-name");
    if !lib_name && !opt.eq_ignore_ascii_case(b"lib-ver") {
        return Err(CmdError::Owned(format!(
            "ERR Unrecognized option '{}'",
            String::from_utf8_lossy(opt)
        )));
    }
    if !printable(value) {
        let which = String::from_utf8_lossy(opt).to_ascii_lowercase();
        return Err(CmdError::Owned(format!(
            "ERR {which} cannot contain spaces, newlines or special characters."
        )));
    }
    let mut meta = lock(&ctx.client.handle.meta);
    if lib_name {
        meta.lib_name = value.to_vec();
    } else {
        meta.lib_ver = value.to_vec();
    }
    drop(meta);
    ctx.ok();
    Ok(())
}

/// Which clients a LIST / KILL filter keeps.
#[derive(Default)]
struct Filter {
    ids: Option<Vec<u64>>,
    addr: Option<Vec<u8>>,
    laddr: Option<Vec<u8>>,
    name: Option<Vec<u8>>,
    db: Option<usize>,
    skipme: Option<bool>,
    kind: Option<ClientType>,
}

/// The `TYPE` filter's classes (Valkey's `getClientType`): a subscribed client is `pubsub`,
/// whatever its protocol; there are no replication links, so `master` and `replica` match
/// no one.
#[derive(Clone, Copy, PartialEq)]
enum ClientType {
    Normal,
    Pubsub,
    Replication,
}

impl Filter {
    fn keeps(&self, h: &ClientHandle, me: u64) -> bool {
        self.ids.as_ref().is_none_or(|ids| ids.contains(&h.id))
            && self
                .addr
                .as_ref()
                .is_none_or(|a| a == h.peer.addr.as_bytes())
            && self
                .laddr
                .as_ref()
                .is_none_or(|a| a == h.peer.laddr.as_bytes())
            && self
                .name
                .as_ref()
                .is_none_or(|n| lock(&h.meta).name.as_deref().unwrap_or_default() == n.as_slice())
            && self.db.is_none_or(|db| db == h.db.load(Ordering::Relaxed))
            && !(self.skipme == Some(true) && h.id == me)
            && self.kind.is_none_or(|k| {
                k == if h.is_subscribed() {
                    ClientType::Pubsub
                } else {
                    ClientType::Normal
                }
            })
    }
}

/// Parses `<option> <value>` filter pairs from `from` on (the options LIST and KILL share).
fn parse_filter(args: &Args<'_>, from: usize, list: bool) -> Result<Filter, CmdError> {
    let mut f = Filter::default();
    let mut i = from;
    while i < args.len() {
        if list && args.is(i, "id") {
            let mut ids = Vec::new();
            i += 1;
            while i < args.len() {
                match resp::int::parse_i64(args.arg(i)) {
                    Some(id) if id > 0 => ids.push(id as u64),
                    _ => return Err(CmdError::Other("ERR Invalid client ID")),
                }
                i += 1;
            }
            if ids.is_empty() {
                return Err(CmdError::Syntax);
            }
            f.ids = Some(ids);
            continue;
        }
        if i + 1 >= args.len() {
            return Err(CmdError::Syntax);
        }
        let value = args.arg(i + 1);
        if args.is(i, "id") {
            match resp::int::parse_i64(value) {
                Some(id) if id > 0 => f.ids = Some(vec![id as u64]),
                _ => return Err(CmdError::Syntax),
            }
        } else if args.is(i, "addr") {
            f.addr = Some(value.to_vec());
        } else if args.is(i, "laddr") {
            f.laddr = Some(value.to_vec());
        } else if args.is(i, "name") {
            f.name = Some(value.to_vec());
        } else if args.is(i, "db") {
            f.db = Some(
                resp::int::parse_i64(value)
                    .filter(|d| *d >= 0)
                    .ok_or(CmdError::Syntax)? as usize,
            );
        } else if args.is(i, "type") {
            f.kind = Some(if value.eq_ignore_ascii_case(b"normal") {
                ClientType::Normal
            } else if value.eq_ignore_ascii_case(b"pubsub") {
                ClientType::Pubsub
            } else if [&b"master"[..], b"primary", b"replica", b"slave"]
                .iter()
                .any(|t| value.eq_ignore_ascii_case(t))
            {
                ClientType::Replication
            } else {
                return Err(CmdError::Owned(format!(
                    "ERR Unknown client type '{}'",
                    String::from_utf8_lossy(value)
                )));
            });
        } else if args.is(i, "skipme") {
            f.skipme = Some(if value.eq_ignore_ascii_case(b"yes") {
                true
            } else if value.eq_ignore_ascii_case(b"no") {
                false
            } else {
                return Err(CmdError::Syntax);
            });
        } else {
            return Err(CmdError::Syntax);
        }
        i += 2;
    }
    Ok(f)
}

fn list(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let filter = parse_filter(args, 2, true)?;
    let mut text = Vec::new();
    for h in ctx.server.clients.all() {
        if filter.keeps(&h, ctx.client.id) {
            let running = (h.id == ctx.client.id).then_some("client|list");
            text.extend_from_slice(&h.info_line(ctx.now_ms, 0, running));
            text.push(b'\n');
        }
    }
    ctx.out.verbatim(*b"txt", &text);
    Ok(())
}

fn kill(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    if args.len() == 3 {
        // Old form: CLIENT KILL ip:port.
        let addr = args.arg(2);
        let target = ctx
            .server
            .clients
            .all()
            .into_iter()
            .find(|h| h.peer.addr.as_bytes() == addr);
        let Some(h) = target else {
            return Err(CmdError::Other("ERR No such client"));
        };
        h.kill();
        ctx.ok();
        return Ok(());
    }
    let mut filter = parse_filter(args, 2, false)?;
    filter.skipme.get_or_insert(true);
    let mut killed = 0;
    for h in ctx.server.clients.all() {
        if filter.keeps(&h, ctx.client.id) {
            h.kill();
            killed += 1;
        }
    }
    ctx.out.integer(killed);
    Ok(())
}

fn reply(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    if args.is(2, "on") {
        ctx.client.reply = ReplyMode::On;
        ctx.ok();
    } else if args.is(2, "off") {
        ctx.client.reply = ReplyMode::Off;
    } else if args.is(2, "skip") {
        if ctx.client.reply != ReplyMode::Off {
            ctx.client.reply = ReplyMode::SkipArmed;
        }
    } else {
        return Err(CmdError::Syntax);
    }
    Ok(())
}

fn on_off(
    ctx: &mut Ctx<'_>,
    args: &Args<'_>,
    flag: fn(&ClientHandle) -> &crate::sync::AtomicBool,
) -> Result<(), CmdError> {
    let on = args.on_off(2)?;
    flag(&ctx.client.handle).store(on, Ordering::Relaxed);
    ctx.ok();
    Ok(())
}

/// `CLIENT UNBLOCK id [TIMEOUT|ERROR]`: ends another client's blocking command as if it timed
/// out, or with the UNBLOCKED error; 1 if that client was blocked.
fn unblock(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let id = args.i64(2)?;
    let as_error = match args.len() {
        3 => false,
        _ if args.is(3, "timeout") => false,
        _ if args.is(3, "error") => true,
        _ => {
            return Err(CmdError::Other(
                "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR",
            ))
        }
    };
    let waiter = ctx
        .server
        .clients
        .all()
        .into_iter()
        .find(|h| h.id as i64 == id)
        .and_then(|h| lock(&h.blocked).clone());
    let done = waiter.is_some_and(|w| {
        let ended = if as_error { w.unblock() } else { w.time_out() };
        if ended {
            w.wake();
        }
        ended
    });
    ctx.out.integer(i64::from(done));
    Ok(())
}
