//! CLIENT subcommands: ID INFO LIST KILL GETNAME SETNAME SETINFO REPLY NO-EVICT NO-TOUCH
//! UNBLOCK HELP (CACHING, GETREDIR, TRACKING and TRACKINGINFO are in `client_tracking`).

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
        "client|help" => |c, _| {
            super::table::introspection::help_lines(&mut c.out, HELP);
            Ok(())
        },
        _ => return None,
    })
}

/// Valkey 9.1's `CLIENT HELP`, less the subcommands ferrokey does not serve yet (CAPA,
/// IMPORT-SOURCE).
const HELP: &[&str] = &[
    "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address.",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to the specified local address.",
    "    * TYPE (NORMAL|PRIMARY|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "    * ID <client-id> [<client-id>...]",
    "      Kill connections by client IDs.",
    "    * MAXAGE <maxage>",
    "      Kill connections older than the specified age.",
    "    * FLAGS <flags>",
    "      Kill connections that include the specified flags.",
    "    * NAME <client-name>",
    "      Kill connections with the specified name.",
    "    * IDLE <idle>",
    "      Kill connections with idle time greater than or equal to <idle> seconds.",
    "    * LIB-NAME <library-name>",
    "      Kill connections with the specified library name.",
    "    * LIB-VER <library-version>",
    "      Kill connections with the specified library version.",
    "    * DB <db-id>",
    "      Kill connections currently operating on the specified database ID.",
    "    * CAPA <capa>",
    "      Kill connections currently with the specified capa.",
    "    * IP <ip>",
    "      Kill connections made from the specified ip.",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|PRIMARY|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "    * USER <username>",
    "      Return clients authenticated by <username>.",
    "    * ADDR <ip:port>",
    "      Return clients connected from the specified address.",
    "    * LADDR <ip:port>",
    "      Return clients connected to the specified local address.",
    "    * ID <client-id> [<client-id>...]",
    "      Return clients with the specified IDs.",
    "    * SKIPME (YES|NO)",
    "      Exclude the current client from the list (default: no).",
    "    * MAXAGE <maxage>",
    "      List connections older than the specified age.",
    "    * FLAGS <flags>",
    "      Return clients with the specified flags.",
    "    * NAME <client-name>",
    "      Return clients with the specified name.",
    "    * IDLE <idle>",
    "      Return clients with idle time greater than or equal to <idle> seconds.",
    "    * LIB-NAME <lib-name>",
    "      Return clients with the specified lib name.",
    "    * LIB-VER <lib-version>",
    "      Return clients with the specified lib version.",
    "    * DB <db-id>",
    "      Return clients currently operating on the specified database ID.",
    "    * CAPA <capa>",
    "      Return connections currently with the specified capa.",
    "    * IP <ip>",
    "      Return connections made from the specified ip.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "SETINFO <option> <value>",
    "    Set client meta attr. Options are:",
    "    * LIB-NAME: the client lib name.",
    "    * LIB-VER: the client lib version.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "TRACKINGINFO",
    "    Report tracking status for the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
    "NO-TOUCH (ON|OFF)",
    "    Will not touch LRU/LFU stats when this mode is on.",
    "HELP",
    "    Print this help.",
];

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
        // The option as the client spelled it.
        let which = String::from_utf8_lossy(opt);
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

/// Which clients a LIST / KILL filter keeps (Valkey 9.1's options; a later option replaces an
/// earlier one of the same name, except `ID`, whose lists add up).
#[derive(Default)]
struct Filter {
    ids: Option<Vec<u64>>,
    addr: Option<Vec<u8>>,
    laddr: Option<Vec<u8>>,
    ip: Option<Vec<u8>>,
    name: Option<Vec<u8>>,
    lib_name: Option<Vec<u8>>,
    lib_ver: Option<Vec<u8>>,
    db: Option<usize>,
    skipme: Option<bool>,
    kind: Option<ClientType>,
    /// Seconds: clients at least this old.
    max_age: Option<u64>,
    /// Seconds: clients idle at least this long.
    idle: Option<u64>,
    /// Flag letters the client's `flags=` must all show.
    flags: Option<Vec<u8>>,
    /// Capability letters asked for (`r`); no ferrokey client claims any.
    capa: Option<Vec<u8>>,
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

/// The letters CLIENT LIST shows in `flags=` that Valkey 9.1 accepts in a `FLAGS` filter.
const FLAG_LETTERS: &[u8] = b"ABEIMNOPRSTUbcdeirtux";

impl Filter {
    fn keeps(&self, h: &ClientHandle, me: u64, now_ms: u64) -> bool {
        let same = |want: &Option<Vec<u8>>, have: &[u8]| want.as_ref().is_none_or(|w| w == have);
        let seconds_since = |ms: u64| now_ms.saturating_sub(ms) / 1000;
        let ip = h.peer.addr.rsplit_once(':').map_or("", |(ip, _)| ip);
        let meta = lock(&h.meta).clone();
        // A killed client is gone for LIST and KILL even before its connection has closed
        // (Valkey frees it before it serves another command).
        !h.is_killed()
            && self.ids.as_ref().is_none_or(|ids| ids.contains(&h.id))
            && same(&self.addr, h.peer.addr.as_bytes())
            && same(&self.laddr, h.peer.laddr.as_bytes())
            && same(&self.ip, ip.as_bytes())
            && same(&self.name, meta.name.as_deref().unwrap_or_default())
            && same(&self.lib_name, &meta.lib_name)
            && same(&self.lib_ver, &meta.lib_ver)
            && self.db.is_none_or(|db| db == h.db.load(Ordering::Relaxed))
            && !(self.skipme == Some(true) && h.id == me)
            && self.kind.is_none_or(|k| {
                k == if h.is_subscribed() {
                    ClientType::Pubsub
                } else {
                    ClientType::Normal
                }
            })
            && self
                .max_age
                .is_none_or(|age| seconds_since(h.created_ms) >= age)
            && self
                .idle
                .is_none_or(|idle| seconds_since(h.last_active_ms.load(Ordering::Relaxed)) >= idle)
            && self.capa.as_ref().is_none_or(|c| c.is_empty())
            && self.flags.as_ref().is_none_or(|want| {
                let line = h.info_line(now_ms, 0, None);
                let shown = field(&line, b"flags=");
                want.iter().all(|f| shown.contains(f))
            })
    }
}

/// The value of `name=` (given with its `=`) in a CLIENT LIST line.
fn field<'l>(line: &'l [u8], name: &[u8]) -> &'l [u8] {
    line.split(|&b| b == b' ')
        .find_map(|f| f.strip_prefix(name))
        .unwrap_or_default()
}

/// A positive number of seconds for `MAXAGE` / `IDLE`, with Valkey's errors naming `what`.
fn positive(value: &[u8], what: &str) -> Result<u64, CmdError> {
    match resp::int::parse_i64(value) {
        Some(n) if n > 0 => Ok(n as u64),
        Some(_) => Err(CmdError::Owned(format!(
            "ERR {what} should be greater than 0"
        ))),
        None => Err(CmdError::Owned(format!(
            "ERR {what} is not an integer or out of range"
        ))),
    }
}

/// Parses `<option> <value>` filter pairs from `from` on (the options LIST and KILL share).
fn parse_filter(args: &Args<'_>, from: usize, databases: usize) -> Result<Filter, CmdError> {
    let mut f = Filter::default();
    let mut i = from;
    while i < args.len() {
        if args.is(i, "id") {
            // One or more ids: every integer that follows.
            let ids = f.ids.get_or_insert_with(Vec::new);
            let first = i + 1;
            i += 1;
            while let Some(id) = args.from(i).first().and_then(|a| resp::int::parse_i64(a)) {
                if id <= 0 {
                    return Err(CmdError::Other("ERR client-id should be greater than 0"));
                }
                ids.push(id as u64);
                i += 1;
            }
            if i == first {
                return Err(CmdError::Syntax);
            }
            continue;
        }
        if i + 1 >= args.len() {
            return Err(CmdError::Syntax);
        }
        let value = args.arg(i + 1);
        let text = || value.to_vec();
        if args.is(i, "addr") {
            f.addr = Some(text());
        } else if args.is(i, "laddr") {
            f.laddr = Some(text());
        } else if args.is(i, "ip") {
            f.ip = Some(text());
        } else if args.is(i, "name") {
            f.name = Some(text());
        } else if args.is(i, "lib-name") {
            f.lib_name = Some(text());
        } else if args.is(i, "lib-ver") {
            f.lib_ver = Some(text());
        } else if args.is(i, "user") {
            // No ACL users yet: everyone is `default`.
            if value != b"default" {
                return Err(CmdError::Owned(format!(
                    "ERR No such user '{}'",
                    String::from_utf8_lossy(value)
                )));
            }
        } else if args.is(i, "db") {
            let db = resp::int::parse_i64(value)
                .ok_or(CmdError::Other("ERR DB is not an integer or out of range"))?;
            if db < 0 || db as usize >= databases {
                return Err(CmdError::Owned(format!(
                    "ERR DB number should be between 0 and {}",
                    databases.saturating_sub(1)
                )));
            }
            f.db = Some(db as usize);
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
        } else if args.is(i, "maxage") {
            f.max_age = Some(positive(value, "maxage")?);
        } else if args.is(i, "idle") {
            f.idle = Some(positive(value, "idle")?);
        } else if args.is(i, "flags") {
            if !value.iter().all(|b| FLAG_LETTERS.contains(b)) {
                return Err(CmdError::Owned(format!(
                    "ERR Unknown flags found in the provided filter: {}",
                    String::from_utf8_lossy(value)
                )));
            }
            f.flags = Some(text());
        } else if args.is(i, "capa") {
            if !value.iter().all(|&b| b == b'r') {
                return Err(CmdError::Owned(format!(
                    "ERR Unknown capa found in the provided filter: {}",
                    String::from_utf8_lossy(value)
                )));
            }
            f.capa = Some(text());
        } else {
            return Err(CmdError::Syntax);
        }
        i += 2;
    }
    Ok(f)
}

fn list(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let filter = parse_filter(args, 2, ctx.config.databases)?;
    let mut text = Vec::new();
    for h in ctx.server.clients.all() {
        if filter.keeps(&h, ctx.client.id, ctx.now_ms) {
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
        kill_one(ctx, &h);
        ctx.ok();
        return Ok(());
    }
    let mut filter = parse_filter(args, 2, ctx.config.databases)?;
    filter.skipme.get_or_insert(true);
    let mut killed = 0;
    for h in ctx.server.clients.all() {
        if filter.keeps(&h, ctx.client.id, ctx.now_ms) {
            kill_one(ctx, &h);
            killed += 1;
        }
    }
    ctx.out.integer(killed);
    Ok(())
}

/// Closes `h`'s connection at once; the caller's own after this reply, as Valkey does (a
/// client that kills itself still reads how many it killed).
fn kill_one(ctx: &mut Ctx<'_>, h: &ClientHandle) {
    if h.id == ctx.client.id {
        ctx.flow = super::Flow::Close;
    } else {
        h.kill();
        // Valkey frees a killed client synchronously: it stops counting as tracking
        // (INFO tracking_clients) before this reply, not when its connection task drops it.
        super::disable_tracking(ctx.server, h);
    }
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

#[cfg(test)]
mod tests {
    use crate::clients::Peer;
    use crate::sync::Arc;
    use crate::{Config, Connection, Server};

    const T0: u64 = 1_700_000_000_000_000;
    const SECOND: u64 = 1_000_000;

    use crate::testing::talk;

    fn peer(addr: &str) -> Peer {
        Peer {
            addr: addr.to_owned(),
            laddr: "127.0.0.1:6379".to_owned(),
            fd: 9,
        }
    }

    /// The ids in a CLIENT LIST reply.
    fn ids(reply: &str) -> Vec<u64> {
        reply
            .split(['\n', ' '])
            .filter_map(|f| f.strip_prefix("id=")?.parse().ok())
            .collect()
    }

    // Age and idle time are whole seconds since connect / the last command, and a filter keeps
    // clients at or above its bound (as Valkey: `MAXAGE 10` lists a client connected 10 s ago).
    #[test]
    fn list_filters_by_age_idle_address_and_type() {
        let server = Arc::new(Server::new(Config::default()));
        let mut old = Connection::with_peer(server.clone(), peer("10.0.0.1:5000"), T0);
        let mut young =
            Connection::with_peer(server.clone(), peer("10.0.0.2:6000"), T0 + 15 * SECOND);
        let now = T0 + 20 * SECOND;
        let mut admin = Connection::with_peer(server, peer("10.0.0.3:7000"), now);
        talk(&mut old, "PING\r\n", T0 + SECOND);
        talk(&mut young, "SUBSCRIBE ch\r\n", now);
        let mut list =
            |filter: &str| ids(&talk(&mut admin, &format!("CLIENT LIST {filter}\r\n"), now));
        assert_eq!(list("MAXAGE 20"), [1]);
        assert_eq!(list("MAXAGE 5"), [1, 2]);
        assert_eq!(list("MAXAGE 21"), Vec::<u64>::new());
        // `old` last spoke at T0 + 1 s, 19 s before `now`.
        assert_eq!(list("IDLE 19"), [1]);
        assert_eq!(list("IDLE 20"), Vec::<u64>::new());
        assert_eq!(list("IP 10.0.0.2"), [2]);
        assert_eq!(list("ADDR 10.0.0.1:5000"), [1]);
        assert_eq!(list("IP 10.0.0.1:5000"), Vec::<u64>::new());
        assert_eq!(list("TYPE pubsub"), [2]);
        assert_eq!(list("TYPE normal"), [1, 3]);
        assert_eq!(list("FLAGS P"), [2]);
        assert_eq!(list("FLAGS N SKIPME yes"), [1]);
        assert_eq!(list("ID 2 ID 1 TYPE normal"), [1]);
        assert_eq!(
            talk(&mut admin, "CLIENT KILL IP 10.0.0.2 MAXAGE 5\r\n", now),
            ":1\r\n"
        );
        // Killed, it is gone from the list at once.
        assert_eq!(ids(&talk(&mut admin, "CLIENT LIST\r\n", now)), [1, 3]);
        // Killing itself, a client gets the count, then its connection closes.
        assert_eq!(
            talk(&mut admin, "CLIENT KILL SKIPME no\r\nPING\r\n", now),
            ":2\r\n"
        );
        assert!(admin.should_close() && !admin.abandoned());
        assert!(old.abandoned());
    }
}
