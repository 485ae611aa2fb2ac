//! CLIENT TRACKING, CACHING, GETREDIR and TRACKINGINFO (client-side caching; the tables and
//! invalidation messages are in `crate::tracking`).

use super::{Args, CmdError, Ctx, Handler};
use crate::sync::lock;
use crate::tracking::Mode;

pub(super) fn handler(name: &str) -> Option<Handler> {
    Some(match name {
        "client|tracking" => tracking,
        "client|caching" => caching,
        "client|getredir" => |c, _| {
            let mode = lock(&c.client.handle.tracking).clone();
            c.out
                .integer(if mode.on { mode.redirect as i64 } else { -1 });
            Ok(())
        },
        "client|trackinginfo" => info,
        _ => return None,
    })
}

/// Turns tracking off for this client (CLIENT TRACKING OFF, RESET, disconnect).
pub(crate) fn disable(server: &crate::Server, handle: &crate::clients::ClientHandle) {
    let mut mode = lock(&handle.tracking);
    server.tracking.disable(handle, &mode);
    *mode = Mode::default();
}

fn tracking(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let on = args.on_off(2)?;
    let mut new = Mode {
        on: true,
        ..Mode::default()
    };
    let mut i = 3;
    while i < args.len() {
        let more = i + 1 < args.len();
        if args.is(i, "redirect") && more {
            i += 1;
            if new.redirect != 0 {
                return Err(CmdError::Other(
                    "ERR A client can only redirect to a single other client",
                ));
            }
            let id = args.i64(i)?;
            let live = (id > 0)
                .then(|| ctx.server.clients.get(id as u64))
                .flatten()
                .is_some_and(|t| !t.is_leaving());
            if !live {
                return Err(CmdError::Other(
                    "ERR The client ID you want redirect to does not exist",
                ));
            }
            new.redirect = id as u64;
        } else if args.is(i, "bcast") {
            new.bcast = true;
        } else if args.is(i, "optin") {
            new.optin = true;
        } else if args.is(i, "optout") {
            new.optout = true;
        } else if args.is(i, "noloop") {
            new.noloop = true;
        } else if args.is(i, "prefix") && more {
            i += 1;
            new.prefixes.push(args.arg(i).to_vec());
        } else {
            return Err(CmdError::Syntax);
        }
        i += 1;
    }
    let handle = ctx.client.handle.clone();
    if !on {
        disable(ctx.server, &handle);
        ctx.ok();
        return Ok(());
    }
    let mut mode = lock(&handle.tracking);
    if !new.bcast && !new.prefixes.is_empty() {
        return Err(CmdError::Other(
            "ERR PREFIX option requires BCAST mode to be enabled",
        ));
    }
    if mode.on && mode.bcast != new.bcast {
        return Err(CmdError::Other("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode."));
    }
    if new.bcast && (new.optin || new.optout) {
        return Err(CmdError::Other(
            "ERR OPTIN and OPTOUT are not compatible with BCAST",
        ));
    }
    if new.optin && new.optout {
        return Err(CmdError::Other(
            "ERR You can't specify both OPTIN mode and OPTOUT mode",
        ));
    }
    if (new.optin && mode.optout) || (new.optout && mode.optin) {
        return Err(CmdError::Other("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode."));
    }
    if new.bcast {
        if new.prefixes.is_empty() && mode.prefixes.is_empty() {
            new.prefixes.push(Vec::new());
        }
        check_prefixes(&mode.prefixes, &new.prefixes)?;
    }
    let was_on = mode.on;
    ctx.server.tracking.enable(&handle, was_on, &new.prefixes);
    let mut prefixes = std::mem::take(&mut mode.prefixes);
    for p in new.prefixes.drain(..) {
        if !prefixes.contains(&p) {
            prefixes.push(p);
        }
    }
    *mode = Mode {
        prefixes,
        caching: mode.caching,
        ..new
    };
    drop(mode);
    ctx.ok();
    Ok(())
}

/// Valkey's rule: no prefix may be a prefix of another, among the new ones or against the
/// client's existing ones.
fn check_prefixes(existing: &[Vec<u8>], new: &[Vec<u8>]) -> Result<(), CmdError> {
    let overlap = |a: &[u8], b: &[u8]| a.starts_with(b) || b.starts_with(a);
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    for (i, p) in new.iter().enumerate() {
        if let Some(e) = existing.iter().find(|e| overlap(p, e)) {
            return Err(CmdError::Owned(format!(
                "ERR Prefix '{}' overlaps with an existing prefix '{}'. Prefixes for a single client must not overlap.",
                text(p),
                text(e)
            )));
        }
        if let Some(o) = new
            .iter()
            .enumerate()
            .find(|(j, o)| *j != i && overlap(p, o))
            .map(|(_, o)| o)
        {
            return Err(CmdError::Owned(format!(
                "ERR Prefix '{}' overlaps with another provided prefix '{}'. Prefixes for a single client must not overlap.",
                text(p),
                text(o)
            )));
        }
    }
    Ok(())
}

fn caching(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let mut mode = lock(&ctx.client.handle.tracking);
    if !mode.on {
        return Err(CmdError::Other("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled"));
    }
    if args.is(2, "yes") {
        if !mode.optin {
            return Err(CmdError::Other(
                "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.",
            ));
        }
    } else if args.is(2, "no") {
        if !mode.optout {
            return Err(CmdError::Other(
                "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.",
            ));
        }
    } else {
        return Err(CmdError::Syntax);
    }
    mode.caching = true;
    drop(mode);
    ctx.ok();
    Ok(())
}

fn info(ctx: &mut Ctx<'_>, _: &Args<'_>) -> Result<(), CmdError> {
    let mode = lock(&ctx.client.handle.tracking).clone();
    let mut flags: Vec<&[u8]> = Vec::new();
    if !mode.on {
        flags.push(b"off");
    } else {
        flags.push(b"on");
        for (set, name) in [
            (mode.bcast, &b"bcast"[..]),
            (mode.optin, b"optin"),
            (mode.optout, b"optout"),
            (mode.caching && mode.optin, b"caching-yes"),
            (mode.caching && mode.optout, b"caching-no"),
            (mode.noloop, b"noloop"),
        ] {
            if set {
                flags.push(name);
            }
        }
        // Set by the first invalidation that found the target gone, not by its leaving.
        if mode.broken_redirect {
            flags.push(b"broken_redirect");
        }
    }
    ctx.out.map(3);
    ctx.out.bulk(b"flags");
    ctx.out.set(flags.len());
    for f in flags {
        ctx.out.bulk(f);
    }
    ctx.out.bulk(b"redirect");
    ctx.out
        .integer(if mode.on { mode.redirect as i64 } else { -1 });
    ctx.out.bulk(b"prefixes");
    ctx.out.array(mode.prefixes.len());
    for p in &mode.prefixes {
        ctx.out.bulk(p);
    }
    Ok(())
}
