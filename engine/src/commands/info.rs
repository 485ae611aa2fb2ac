//! INFO: the sections and field names Valkey uses, for the fields ferrokey tracks so far.
//!
//! Memory and CPU figures come from the runtime's probes (`Server::with_probes`) and are
//! left out when absent. Not yet reported: keyspace hits/misses.

use std::fmt::Write as _;

use super::{Args, CmdError, Ctx, Handler};
use crate::keyspace::SHARDS;

pub(super) fn handler(name: &str) -> Option<Handler> {
    Some(match name {
        "info" => info,
        _ => return None,
    })
}

/// Sections in output order; `true` when `INFO` without arguments includes it.
const SECTIONS: &[(&str, bool)] = &[
    ("server", true),
    ("clients", true),
    ("memory", true),
    ("stats", true),
    ("cpu", true),
    ("commandstats", false),
    ("errorstats", true),
    ("keyspace", true),
];

fn info(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let wanted = |section: &str, default: bool| {
        if args.len() == 1 {
            return default;
        }
        args.from(1).iter().any(|a| {
            a.eq_ignore_ascii_case(section.as_bytes())
                || a.eq_ignore_ascii_case(b"all")
                || a.eq_ignore_ascii_case(b"everything")
                || (default && a.eq_ignore_ascii_case(b"default"))
        })
    };
    let mut text = String::new();
    for &(section, default) in SECTIONS {
        if !wanted(section, default) {
            continue;
        }
        if !text.is_empty() {
            text.push_str("\r\n");
        }
        match section {
            "server" => server(ctx, &mut text),
            "clients" => clients(ctx, &mut text),
            "memory" => memory(ctx, &mut text),
            "cpu" => cpu(ctx, &mut text),
            "stats" => stats(ctx, &mut text),
            "commandstats" => commandstats(ctx, &mut text),
            "errorstats" => errorstats(ctx, &mut text),
            _ => keyspace(ctx, &mut text),
        }
    }
    ctx.out.verbatim(*b"txt", text.as_bytes());
    Ok(())
}

fn server(ctx: &Ctx<'_>, t: &mut String) {
    let c = ctx.config;
    let origin = ctx.server.origin();
    let uptime = ctx.now_us.saturating_sub(origin.started_us) / 1_000_000;
    let _ = write!(
        t,
        "# Server\r\nredis_version:7.2.4\r\nserver_name:ferrokey\r\nferrokey_version:{}\r\nserver_mode:standalone\r\n\
         os:{} {}\r\narch_bits:{}\r\nmultiplexing_api:{}\r\nprocess_id:{}\r\nprocess_supervised:no\r\nrun_id:{}\r\n\
         tcp_port:{}\r\nserver_time_usec:{}\r\nuptime_in_seconds:{}\r\nuptime_in_days:{}\r\nhz:{}\r\nconfigured_hz:{}\r\n\
         executable:{}\r\nconfig_file:{}\r\n",
        crate::VERSION,
        std::env::consts::OS,
        std::env::consts::ARCH,
        usize::BITS,
        origin.runtime,
        std::process::id(),
        origin.run_id,
        c.port,
        ctx.now_us,
        uptime,
        uptime / 86_400,
        c.effective_hz(),
        c.hz,
        std::env::current_exe().map(|p| p.display().to_string()).unwrap_or_default(),
        origin.config_file,
    );
}

/// Keys some client is blocked on, over all databases (INFO total_blocking_keys).
fn blocking_keys(ctx: &Ctx<'_>) -> usize {
    (0..ctx.server.dbs().len())
        .map(|db| {
            (0..crate::keyspace::SHARDS)
                .map(|i| ctx.db_at(db).lock_one(i).waiters().keys())
                .sum::<usize>()
        })
        .sum()
}

fn clients(ctx: &Ctx<'_>, t: &mut String) {
    let all = ctx.server.clients.all();
    let count = |f: fn(&crate::clients::ClientHandle) -> bool| all.iter().filter(|h| f(h)).count();
    let _ = write!(
        t,
        "# Clients\r\nconnected_clients:{}\r\nblocked_clients:{}\r\ntracking_clients:{}\r\npubsub_clients:{}\r\nwatching_clients:{}\r\ntotal_blocking_keys:{}\r\n",
        all.len(),
        count(|h| crate::sync::lock(&h.blocked).is_some()),
        ctx.server.tracking.clients(),
        count(|h| h.is_subscribed()),
        count(|h| h.watching.load(crate::sync::Ordering::Relaxed) > 0),
        blocking_keys(ctx)
    );
}

fn memory(ctx: &Ctx<'_>, t: &mut String) {
    t.push_str("# Memory\r\n");
    let probes = ctx.server.probes();
    if let Some(used) = probes.used_memory.map(|f| f()) {
        let _ = write!(
            t,
            "used_memory:{used}\r\nused_memory_human:{}\r\n",
            human_bytes(used as u64)
        );
    }
    if let Some(rss) = probes.rss.map(|f| f()) {
        let _ = write!(
            t,
            "used_memory_rss:{rss}\r\nused_memory_rss_human:{}\r\n",
            human_bytes(rss as u64)
        );
    }
    t.push_str("maxmemory:0\r\nmaxmemory_human:0B\r\nmaxmemory_policy:noeviction\r\n");
}

/// Valkey's `bytesToHuman`: B, K, M, G, T, P with two decimals.
fn human_bytes(n: u64) -> String {
    const UNITS: [(&str, f64); 5] = [
        ("P", 1125899906842624.0),
        ("T", 1099511627776.0),
        ("G", 1073741824.0),
        ("M", 1048576.0),
        ("K", 1024.0),
    ];
    for (unit, size) in UNITS {
        if n as f64 >= size {
            return format!("{:.2}{unit}", n as f64 / size);
        }
    }
    format!("{n}B")
}

fn cpu(ctx: &Ctx<'_>, t: &mut String) {
    t.push_str("# CPU\r\n");
    if let Some((sys, user)) = ctx.server.probes().cpu.map(|f| f()) {
        let _ = write!(
            t,
            "used_cpu_sys:{sys:.6}\r\nused_cpu_user:{user:.6}\r\nused_cpu_sys_children:0.000000\r\nused_cpu_user_children:0.000000\r\n"
        );
    }
}

fn stats(ctx: &Ctx<'_>, t: &mut String) {
    let (mut hits, mut misses, mut expired) = (0, 0, 0);
    ctx.each_shard(|s| {
        hits += s.hits;
        misses += s.misses;
        expired += s.expired_keys;
    });
    let _ = write!(
        t,
        "# Stats\r\ntotal_commands_processed:{}\r\nexpired_keys:{}\r\nevicted_keys:0\r\nkeyspace_hits:{}\r\nkeyspace_misses:{}\r\ntotal_error_replies:{}\r\n",
        ctx.server.total_commands(),
        expired,
        hits,
        misses,
        ctx.server.stats().total_errors(),
    );
}

fn commandstats(ctx: &Ctx<'_>, t: &mut String) {
    t.push_str("# Commandstats\r\n");
    let stats = ctx.server.stats();
    let mut names: Vec<_> = stats.commands.iter().collect();
    names.sort_by_key(|(name, _)| **name);
    for (name, s) in names {
        let per_call = if s.calls == 0 {
            0.0
        } else {
            s.usec as f64 / s.calls as f64
        };
        let _ = write!(
            t,
            "cmdstat_{name}:calls={},usec={},usec_per_call={per_call:.2},rejected_calls={},failed_calls={}\r\n",
            s.calls, s.usec, s.rejected, s.failed
        );
    }
}

fn errorstats(ctx: &Ctx<'_>, t: &mut String) {
    t.push_str("# Errorstats\r\n");
    let stats = ctx.server.stats();
    let mut codes: Vec<_> = stats.errors.iter().collect();
    codes.sort();
    for (code, n) in codes {
        let _ = write!(
            t,
            "errorstat_{}:count={n}\r\n",
            String::from_utf8_lossy(code)
        );
    }
}

fn keyspace(ctx: &Ctx<'_>, t: &mut String) {
    t.push_str("# Keyspace\r\n");
    for i in 0..ctx.server.dbs().len() {
        let db = ctx.db_at(i);
        let (mut keys, mut expires, mut ttl_sum, mut ttl_shards) = (0, 0, 0u128, 0u128);
        for s in 0..SHARDS {
            let shard = db.lock_one(s);
            keys += shard.len();
            expires += shard.volatile_len();
            if shard.avg_ttl > 0 {
                ttl_sum += u128::from(shard.avg_ttl);
                ttl_shards += 1;
            }
        }
        if keys > 0 {
            let avg_ttl = ttl_sum.checked_div(ttl_shards).unwrap_or(0);
            let _ = write!(t, "db{i}:keys={keys},expires={expires},avg_ttl={avg_ttl},keys_with_volatile_items=0\r\n");
        }
    }
}
