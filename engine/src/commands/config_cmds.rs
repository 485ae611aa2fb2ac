//! CONFIG GET / SET / RESETSTAT / HELP over the parameter table in `crate::config`.

use super::{Args, CmdError, Ctx, Handler};
use crate::config::{self, Param};

pub(super) fn handler(name: &str) -> Option<Handler> {
    Some(match name {
        "config|get" => get,
        "config|set" => set,
        "config|resetstat" => |c, _| {
            c.server.reset_stats();
            c.each_shard(|s| {
                s.expired_keys = 0;
                s.hits = 0;
                s.misses = 0;
            });
            c.ok();
            Ok(())
        },
        _ => return None,
    })
}

fn is_glob(p: &[u8]) -> bool {
    p.iter().any(|b| matches!(b, b'*' | b'?' | b'['))
}

fn get(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let current = ctx.server.config();
    // (name as replied, parameter); an exact name is echoed as the client spelled it.
    let mut found: Vec<(Vec<u8>, &'static Param)> = Vec::new();
    for pattern in args.from(2) {
        let hits: Vec<(Vec<u8>, &'static Param)> = if is_glob(pattern) {
            config::matching(pattern)
                .map(|p| (p.name.as_bytes().to_vec(), p))
                .collect()
        } else {
            config::lookup(pattern)
                .map(|p| (pattern.to_vec(), p))
                .into_iter()
                .collect()
        };
        for hit in hits {
            if !found.iter().any(|(_, p)| std::ptr::eq(*p, hit.1)) {
                found.push(hit);
            }
        }
    }
    ctx.out.map(found.len());
    for (name, param) in found {
        ctx.out.bulk(&name);
        ctx.out.bulk(param.get(&current).as_bytes());
    }
    Ok(())
}

/// All changes are validated on a copy and applied together, or none is.
fn set(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let pairs = args.from(2);
    if pairs.len() % 2 != 0 {
        return Err(CmdError::Syntax);
    }
    let failed = |name: &str, why: &str| {
        CmdError::Owned(format!(
            "ERR CONFIG SET failed (possibly related to argument '{name}') - {why}"
        ))
    };
    let mut next = (*ctx.server.config()).clone();
    let mut seen: Vec<&'static str> = Vec::new();
    for pair in pairs.chunks(2) {
        let Some(param) = config::lookup(pair[0]) else {
            return Err(CmdError::Owned(format!(
                "ERR Unknown option or number of arguments for CONFIG SET - '{}'",
                String::from_utf8_lossy(pair[0])
            )));
        };
        if !param.mutable {
            return Err(failed(param.name, "can't set immutable config"));
        }
        if seen.contains(&param.name) {
            return Err(failed(param.name, "duplicate parameter"));
        }
        seen.push(param.name);
        param
            .set(&mut next, &String::from_utf8_lossy(pair[1]))
            .map_err(|why| failed(param.name, &why))?;
    }
    ctx.server.set_config(next);
    ctx.ok();
    Ok(())
}
