//! DEBUG subcommands that tests rely on: SLEEP, SET-ACTIVE-EXPIRE, OBJECT, PANIC. Refused
//! unless `enable-debug-command` is on, as Valkey does by default.

use super::{Args, CmdError, Ctx, Flow, Handler};
use crate::sync::Ordering;

pub(super) fn handler(name: &str) -> Option<Handler> {
    Some(match name {
        "debug" => debug,
        _ => return None,
    })
}

const NOT_ALLOWED: &str = "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.";

fn debug(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    if !ctx.config.enable_debug_command {
        return Err(CmdError::Other(NOT_ALLOWED));
    }
    match args.len() {
        3 if args.is(1, "sleep") => {
            // C's strtod: the longest numeric prefix, 0 when there is none.
            let secs = leading_f64(args.arg(2));
            let micros = (secs * 1_000_000.0) as i64;
            if micros > 0 {
                ctx.flow = Flow::SleepUntil(ctx.now_us.saturating_add(micros as u64));
            } else {
                ctx.ok();
            }
            Ok(())
        }
        3 if args.is(1, "set-active-expire") => {
            let on = leading_f64(args.arg(2)) as i64 != 0;
            ctx.server.active_expire.store(on, Ordering::Relaxed);
            ctx.ok();
            Ok(())
        }
        3 if args.is(1, "object") => object(ctx, args.arg(2)),
        // Valkey's DEBUG PANIC crashes the server to test its crash report; here a panicking
        // command closes only its own connection (see `Connection::receive`), and this is how
        // that is tested.
        2 if args.is(1, "panic") => panic!("DEBUG PANIC"),
        _ => Err(CmdError::subcommand_syntax("DEBUG", args.arg(1))),
    }
}

fn leading_f64(s: &[u8]) -> f64 {
    let text = String::from_utf8_lossy(s);
    let text = text.trim_start();
    (1..=text.len())
        .rev()
        .find_map(|n| text.get(..n).and_then(|p| p.parse::<f64>().ok()))
        .unwrap_or(0.0)
}

fn object(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<(), CmdError> {
    let mut shard = ctx.db().lock_key(key);
    let Some(entry) = shard.peek(key, ctx.now_ms) else {
        return Err(CmdError::NoSuchKey);
    };
    let encoding = entry.value.encoding(key.len(), entry.expire_at != 0);
    // The RDB writer does not exist yet; strings' serialized length is computed exactly,
    // other types report 0 until then.
    let serialized = match &entry.value {
        crate::value::Value::Str(s) => s.with_bytes(rdb_string_len),
        _ => 0,
    };
    let line = format!(
        "Value at:0x{:x} refcount:1 encoding:{encoding} serializedlength:{serialized} lru:{} lru_seconds_idle:0",
        entry as *const _ as usize,
        (ctx.now_ms / 1000) & 0xFF_FFFF
    );
    drop(shard);
    ctx.out.simple(line.as_bytes());
    Ok(())
}

/// Bytes an uncompressed string takes in RDB: small integers in 2/3/5 bytes, otherwise a
/// 1/2/5-byte length prefix plus the bytes.
fn rdb_string_len(b: &[u8]) -> usize {
    if b.len() <= 11 {
        if let Some(v) = resp::int::parse_i64(b) {
            if i8::try_from(v).is_ok() {
                return 2;
            } else if i16::try_from(v).is_ok() {
                return 3;
            } else if i32::try_from(v).is_ok() {
                return 5;
            }
        }
    }
    let prefix = if b.len() < 64 {
        1
    } else if b.len() < 16384 {
        2
    } else {
        5
    };
    prefix + b.len()
}
