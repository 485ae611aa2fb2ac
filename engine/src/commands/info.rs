//! INFO and ROLE: Valkey 9.1's sections, in its order, with the fields ferrokey can report
//! truthfully. Clients read some of them to decide how to talk to a server (valkey-glide
//! looks for `role:master` in `INFO replication` before it sends a command), so a section
//! Valkey prints by default is printed here too, with what a primary that has no replicas, no
//! persistence and no cluster reports.
//!
//! Memory and CPU figures come from the runtime's probes (`Server::with_probes`) and are
//! left out when absent. Not yet reported: fields for mechanisms ferrokey lacks or does not
//! count (`rdb_changes_since_last_save`, peaks, network byte totals, eviction).

use std::fmt::Write as _;

use super::{Args, CmdError, Ctx, Handler};
use crate::keyspace::SHARDS;
use crate::pause::PauseMode;
use crate::pubsub::Kind;

pub(super) fn handler(name: &str) -> Option<Handler> {
    Some(match name {
        "info" => info,
        "role" => role,
        _ => return None,
    })
}

/// Sections in Valkey 9.1's output order; `true` when `INFO` without arguments (or
/// `INFO default`) includes it.
const SECTIONS: &[(&str, bool)] = &[
    ("server", true),
    ("clients", true),
    ("memory", true),
    ("persistence", true),
    ("stats", true),
    ("replication", true),
    ("cpu", true),
    ("modules", true),
    ("commandstats", false),
    ("errorstats", true),
    ("latencystats", false),
    ("cluster", true),
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
            "persistence" => persistence(ctx, &mut text),
            "stats" => stats(ctx, &mut text),
            "replication" => replication(ctx, &mut text),
            "cpu" => cpu(ctx, &mut text),
            "modules" => text.push_str("# Modules\r\n"),
            "commandstats" => commandstats(ctx, &mut text),
            "errorstats" => errorstats(ctx, &mut text),
            "latencystats" => latencystats(ctx, &mut text),
            "cluster" => text.push_str("# Cluster\r\ncluster_enabled:0\r\n"),
            _ => keyspace(ctx, &mut text),
        }
    }
    if args
        .from(1)
        .iter()
        .any(|a| a.eq_ignore_ascii_case(b"debug"))
    {
        if !text.is_empty() {
            text.push_str("\r\n");
        }
        debug(ctx, &mut text);
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
        "# Server\r\nredis_version:7.2.4\r\nserver_name:ferrokey\r\nferrokey_version:{}\r\n\
         redis_git_sha1:00000000\r\nredis_git_dirty:0\r\nserver_mode:standalone\r\n\
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

/// Keys some client is blocked on, and keys some client watches, over all databases (INFO
/// total_blocking_keys, total_watched_keys).
fn blocking_and_watched_keys(ctx: &Ctx<'_>) -> (usize, usize) {
    let (mut blocking, mut watched) = (0, 0);
    for db in 0..ctx.server.dbs().len() {
        let db = ctx.db_at(db);
        for i in 0..SHARDS {
            let mut shard = db.lock_one(i);
            blocking += shard.waiters().keys();
            watched += shard.watches_mut().keys();
        }
    }
    (blocking, watched)
}

fn clients(ctx: &Ctx<'_>, t: &mut String) {
    let all = ctx.server.clients.all();
    let count = |f: fn(&crate::clients::ClientHandle) -> bool| all.iter().filter(|h| f(h)).count();
    let (blocking_keys, watched_keys) = blocking_and_watched_keys(ctx);
    // CLIENT PAUSE is the only reason ferrokey pauses (no failover, and shutdown does not wait
    // for replicas).
    let (reason, actions, left_ms) = match ctx.server.pause.current(ctx.now_ms) {
        Some((mode, end)) => (
            "client_pause",
            match mode {
                PauseMode::Write => "write",
                PauseMode::All => "all",
            },
            end - ctx.now_ms,
        ),
        None => ("none", "none", 0),
    };
    // No cluster bus, and no stream reads (the only blocking that ends when a key goes away).
    let _ = write!(
        t,
        "# Clients\r\nconnected_clients:{}\r\ncluster_connections:0\r\nmaxclients:{}\r\nblocked_clients:{}\r\n\
         tracking_clients:{}\r\npubsub_clients:{}\r\nwatching_clients:{}\r\ntotal_watched_keys:{watched_keys}\r\n\
         total_blocking_keys:{blocking_keys}\r\ntotal_blocking_keys_on_nokey:0\r\npaused_reason:{reason}\r\n\
         paused_actions:{actions}\r\npaused_timeout_milliseconds:{left_ms}\r\n",
        all.len(),
        ctx.config.maxclients,
        count(|h| crate::sync::lock(&h.blocked).is_some() || h.paused.load(crate::sync::Ordering::Relaxed)),
        ctx.server.tracking.clients(),
        count(|h| h.is_subscribed()),
        count(|h| h.watching.load(crate::sync::Ordering::Relaxed) > 0),
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
    let max = ctx.server.maxmemory();
    let _ = write!(
        t,
        // Nothing is left out of eviction's accounting (Valkey leaves out AOF and replica
        // buffers, which ferrokey does not have).
        "maxmemory:{max}\r\nmaxmemory_human:{}\r\nmaxmemory_policy:{}\r\nmem_not_counted_for_evict:0\r\n",
        human_bytes(max),
        ctx.config.passive_text("maxmemory-policy")
    );
    // Valkey's names: `libc` for the C library's malloc (ferrokey's default, the system
    // allocator), `jemalloc-…` for its bundled one; tests skip allocator-specific checks on it.
    let allocator = if cfg!(feature = "mimalloc") {
        "mimalloc"
    } else {
        "libc"
    };
    let _ = write!(
        t,
        "mem_allocator:{allocator}\r\nlazyfree_pending_objects:{}\r\nlazyfreed_objects:{}\r\n",
        ctx.server.lazyfree.pending(),
        ctx.server.lazyfree.freed()
    );
}

/// What a server that has never saved, loaded or forked reports (persistence is not built
/// yet); the last save time is the start time, as Valkey's is without a data file.
fn persistence(ctx: &Ctx<'_>, t: &mut String) {
    let started = ctx.server.origin().started_us / 1_000_000;
    let _ = write!(
        t,
        "# Persistence\r\nloading:0\r\nasync_loading:0\r\ncurrent_cow_peak:0\r\ncurrent_cow_size:0\r\n\
         current_cow_size_age:0\r\ncurrent_fork_perc:0.00\r\ncurrent_save_keys_processed:0\r\n\
         current_save_keys_total:0\r\nrdb_bgsave_in_progress:0\r\nrdb_last_save_time:{started}\r\n\
         rdb_last_bgsave_status:ok\r\nrdb_last_bgsave_time_sec:-1\r\nrdb_current_bgsave_time_sec:-1\r\n\
         rdb_saves:0\r\nrdb_last_cow_size:0\r\nrdb_last_load_keys_expired:0\r\nrdb_last_load_keys_loaded:0\r\n\
         aof_enabled:0\r\naof_rewrite_in_progress:0\r\naof_rewrite_scheduled:0\r\n\
         aof_last_rewrite_time_sec:-1\r\naof_current_rewrite_time_sec:-1\r\naof_last_bgrewrite_status:ok\r\n\
         aof_rewrites:0\r\naof_rewrites_consecutive_failures:0\r\naof_last_write_status:ok\r\n\
         aof_last_cow_size:0\r\nmodule_fork_in_progress:0\r\nmodule_fork_last_cow_size:0\r\n"
    );
}

/// A primary with no replicas, never had any: Valkey 9.1's fields and values for that state.
/// The replication id is fresh on every start, as Valkey's is without a data file.
fn replication(ctx: &Ctx<'_>, t: &mut String) {
    let _ = write!(
        t,
        "# Replication\r\nrole:master\r\nconnected_slaves:0\r\nreplicas_waiting_psync:0\r\n\
         master_failover_state:no-failover\r\nmaster_replid:{}\r\n\
         master_replid2:0000000000000000000000000000000000000000\r\nmaster_repl_offset:0\r\n\
         second_repl_offset:-1\r\nrepl_backlog_active:0\r\nrepl_backlog_size:10485760\r\n\
         repl_backlog_first_byte_offset:0\r\nrepl_backlog_histlen:0\r\n",
        replid(&ctx.server.origin().run_id)
    );
}

/// This run's replication id: 40 hex digits derived from the run id (itself random per start),
/// different from it as Valkey's two ids are.
fn replid(run_id: &str) -> String {
    use std::hash::{DefaultHasher, Hash, Hasher};
    (0..3u8)
        .map(|i| {
            let mut h = DefaultHasher::new();
            (b"replid", i, run_id).hash(&mut h);
            format!("{:016x}", h.finish())
        })
        .collect::<String>()[..40]
        .to_owned()
}

/// `ROLE` on a primary without replicas: `[master, offset 0, no replicas]`.
fn role(ctx: &mut Ctx<'_>, _: &Args<'_>) -> Result<(), CmdError> {
    ctx.out.array(3);
    ctx.out.bulk(b"master");
    ctx.out.integer(0);
    ctx.out.array(0);
    Ok(())
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

/// Counters ferrokey keeps, and zeros for what it never does: replicate, fork, evict
/// clients or scripts, or read replies from a primary.
fn stats(ctx: &Ctx<'_>, t: &mut String) {
    let (mut hits, mut misses, mut expired, mut evicted) = (0, 0, 0, 0);
    ctx.each_shard(|s| {
        hits += s.hits;
        misses += s.misses;
        expired += s.expired_keys;
        evicted += s.evicted_keys;
    });
    let _ = write!(
        t,
        "# Stats\r\ntotal_commands_processed:{}\r\nsync_full:0\r\nsync_partial_ok:0\r\nsync_partial_err:0\r\n\
         expired_keys:{}\r\nevicted_keys:{evicted}\r\nevicted_clients:0\r\nevicted_scripts:0\r\nkeyspace_hits:{}\r\n\
         keyspace_misses:{}\r\npubsub_channels:{}\r\npubsub_patterns:{}\r\npubsubshard_channels:{}\r\n\
         latest_fork_usec:0\r\ntotal_forks:0\r\ntracking_total_keys:{}\r\ntracking_total_items:{}\r\n\
         tracking_total_prefixes:{}\r\nunexpected_error_replies:0\r\ntotal_error_replies:{}\r\n",
        ctx.server.total_commands(),
        expired,
        hits,
        misses,
        ctx.server.pubsub.len(Kind::Channel),
        ctx.server.pubsub.len(Kind::Pattern),
        ctx.server.pubsub.len(Kind::Shard),
        ctx.server.tracking.total_keys(),
        ctx.server.tracking.total_items(),
        ctx.server.tracking.total_prefixes(),
        ctx.server.stats().total_errors(),
    );
    let el = ctx.server.eventloop.figures();
    let _ = write!(
        t,
        "client_query_buffer_limit_disconnections:{}\r\nclient_output_buffer_limit_disconnections:{}\r\n\
         eventloop_cycles:{}\r\neventloop_duration_sum:{}\r\neventloop_duration_cmd_sum:{}\r\n\
         instantaneous_eventloop_cycles_per_sec:{}\r\ninstantaneous_eventloop_duration_usec:{}\r\n",
        el.query_limit_closed,
        el.output_limit_closed,
        el.cycles,
        el.duration_sum,
        el.cmd_sum,
        el.cycles_per_sec,
        el.usec_per_cycle,
    );
}

/// INFO debug (only when named, as Valkey: not in `all` or `everything`). ferrokey writes
/// no AOF.
fn debug(ctx: &Ctx<'_>, t: &mut String) {
    let el = ctx.server.eventloop.figures();
    let _ = write!(
        t,
        "# Debug\r\neventloop_duration_aof_sum:0\r\neventloop_duration_cron_sum:{}\r\n\
         eventloop_duration_max:{}\r\neventloop_cmd_per_cycle_max:{}\r\n",
        el.cron_sum, el.max, el.cmds_max
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

/// Each command's latency percentiles (`latency-tracking-info-percentiles`), read from its
/// histogram; nothing under the header while `latency-tracking` is off, as Valkey.
fn latencystats(ctx: &Ctx<'_>, t: &mut String) {
    t.push_str("# Latencystats\r\n");
    if !ctx.config.passive_bool("latency-tracking") {
        return;
    }
    let wanted: Vec<f64> = ctx
        .config
        .passive_text("latency-tracking-info-percentiles")
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect();
    let stats = ctx.server.stats();
    let mut names: Vec<_> = stats
        .commands
        .iter()
        .filter(|(_, s)| s.hist.iter().any(|&n| n > 0))
        .collect();
    names.sort_by_key(|(name, _)| **name);
    for (name, s) in names {
        let _ = write!(t, "latency_percentiles_usec_{name}:");
        for (i, p) in wanted.iter().enumerate() {
            let usec = crate::latency::percentile_usec(&s.hist, *p).unwrap_or(0.0);
            let sep = if i == 0 { "" } else { "," };
            let _ = write!(t, "{sep}p{p}={usec:.3}");
        }
        t.push_str("\r\n");
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

#[cfg(test)]
mod tests {
    use crate::sync::Arc;
    use crate::{Config, Connection, Origin, Server};

    const T0: u64 = 1_700_000_000_000_000;

    fn info(args: &str) -> String {
        let origin = Origin {
            started_us: T0,
            run_id: "a".repeat(40),
            ..Origin::default()
        };
        let server = Server::new(Config::default()).with_origin(origin);
        let mut c = Connection::new(Arc::new(server));
        let cmd: Vec<String> = std::iter::once("INFO")
            .chain(args.split_whitespace())
            .map(|a| format!("${}\r\n{a}\r\n", a.len()))
            .collect();
        c.receive(format!("*{}\r\n{}", cmd.len(), cmd.concat()).as_bytes(), T0);
        let mut out = Vec::new();
        c.take_output(&mut out);
        String::from_utf8(out).unwrap()
    }

    fn headers(text: &str) -> Vec<&str> {
        text.lines().filter(|l| l.starts_with("# ")).collect()
    }

    // Checked against Valkey 9.1.2: one line per command that ran, the configured
    // percentiles with three decimals, nothing under the header with latency-tracking off.
    #[test]
    fn latencystats_follow_the_tracking_parameters() {
        let mut c = Connection::new(Arc::new(Server::new(Config::default())));
        let mut talk = |input: &str| {
            c.receive(input.as_bytes(), T0);
            let mut out = Vec::new();
            c.take_output(&mut out);
            String::from_utf8(out).unwrap()
        };
        talk("SET a b\r\n");
        talk("CONFIG SET latency-tracking-info-percentiles \"0 50 99.9\"\r\n");
        let text = talk("INFO latencystats\r\n");
        assert!(
            text.contains("\r\n# Latencystats\r\nlatency_percentiles_usec_config|set:p0=0.000,p50=1.031,p99.9=1.031\r\nlatency_percentiles_usec_set:p0=0.000,p50=1.031,p99.9=1.031\r\n\r\n"),
            "{text}"
        );
        talk("CONFIG SET latency-tracking no\r\n");
        let text = talk("INFO latencystats\r\n");
        assert!(text.ends_with("\r\n# Latencystats\r\n\r\n"), "{text}");
        talk("CONFIG SET latency-tracking yes\r\n");
        talk("CONFIG RESETSTAT\r\n");
        // RESETSTAT itself is counted once it has run, as Valkey counts it.
        let text = talk("INFO latencystats\r\n");
        assert!(
            text.ends_with("# Latencystats\r\nlatency_percentiles_usec_config|resetstat:p0=0.000,p50=1.031,p99.9=1.031\r\n\r\n"),
            "{text}"
        );
    }

    // Valkey 9.1.2's field names: buffer-limit disconnections and event-loop figures in
    // stats, the debug section only when named (not in `all`/`everything`), after the rest.
    #[test]
    fn event_loop_figures_and_limit_disconnections() {
        let server = Arc::new(Server::new(Config::default()));
        let mut c = Connection::new(server.clone());
        let talk = |c: &mut Connection, input: &str| {
            c.receive(input.as_bytes(), T0);
            let mut out = Vec::new();
            c.take_output(&mut out);
            String::from_utf8(out).unwrap()
        };
        talk(&mut c, "CONFIG SET client-query-buffer-limit 1048576\r\n");
        let mut hog = Connection::new(server.clone());
        let big = "a".repeat(1_100_000);
        hog.receive(
            format!("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1100000\r\n{big}").as_bytes(),
            T0,
        );
        assert!(hog.should_close());
        server.cron(T0 / 1000);
        let text = talk(&mut c, "INFO stats\r\n");
        assert!(text.contains("\r\nclient_query_buffer_limit_disconnections:1\r\nclient_output_buffer_limit_disconnections:0\r\neventloop_cycles:"), "{text}");
        let cycles: u64 = text
            .split("eventloop_cycles:")
            .nth(1)
            .and_then(|r| r.split('\r').next())
            .and_then(|n| n.parse().ok())
            .unwrap();
        // This connection's CONFIG SET and the tick (the hog was closed before running).
        assert_eq!(cycles, 2, "{text}");
        assert!(text.contains("\r\ninstantaneous_eventloop_duration_usec:"));
        let all = talk(&mut c, "INFO everything\r\n");
        assert!(!all.contains("eventloop_duration_aof_sum") && !all.contains("# Debug"));
        let text = talk(&mut c, "INFO debug keyspace\r\n");
        assert!(
            text.contains("# Keyspace\r\n\r\n# Debug\r\neventloop_duration_aof_sum:0\r\neventloop_duration_cron_sum:1\r\neventloop_duration_max:1\r\neventloop_cmd_per_cycle_max:1\r\n"),
            "{text}"
        );
        talk(&mut c, "CONFIG RESETSTAT\r\n");
        let text = talk(&mut c, "INFO stats\r\n");
        assert!(
            text.contains("\r\nclient_query_buffer_limit_disconnections:0\r\n"),
            "{text}"
        );
    }

    // Section lists and order as valkey-server 9.1.2 prints them (`INFO`, `INFO default`,
    // `INFO keyspace server`), less the sections of features ferrokey lacks (TLS, cluster
    // info, scripting engines).
    #[test]
    fn sections_come_in_valkey_order() {
        let default = [
            "# Server",
            "# Clients",
            "# Memory",
            "# Persistence",
            "# Stats",
            "# Replication",
            "# CPU",
            "# Modules",
            "# Errorstats",
            "# Cluster",
            "# Keyspace",
        ];
        assert_eq!(headers(&info("")), default);
        assert_eq!(headers(&info("default")), default);
        let all_text = info("all");
        let all = headers(&all_text);
        assert_eq!(all[..8], default[..8]);
        assert_eq!(
            all[8..],
            [
                "# Commandstats",
                "# Errorstats",
                "# Latencystats",
                "# Cluster",
                "# Keyspace"
            ]
        );
        assert_eq!(headers(&info("everything")), all);
        assert_eq!(
            headers(&info("keyspace server")),
            ["# Server", "# Keyspace"]
        );
        // A section named twice, or by name and through `default`, is printed once.
        assert_eq!(headers(&info("cpu default cpu")), default);
        assert_eq!(headers(&info("sentinel")), Vec::<&str>::new());
    }

    // Valkey 9.1.2's replication section for a primary that never had a replica, field for
    // field; only the replication id differs from run to run.
    #[test]
    fn replication_is_a_primary_without_replicas() {
        let text = info("replication");
        let replid = text
            .lines()
            .find_map(|l| l.strip_prefix("master_replid:"))
            .unwrap();
        assert!(
            replid.len() == 40
                && replid.bytes().all(|b| b.is_ascii_hexdigit())
                && replid != "a".repeat(40),
            "{replid}"
        );
        let want = format!(
            "# Replication\r\nrole:master\r\nconnected_slaves:0\r\nreplicas_waiting_psync:0\r\n\
             master_failover_state:no-failover\r\nmaster_replid:{replid}\r\n\
             master_replid2:0000000000000000000000000000000000000000\r\nmaster_repl_offset:0\r\n\
             second_repl_offset:-1\r\nrepl_backlog_active:0\r\nrepl_backlog_size:10485760\r\n\
             repl_backlog_first_byte_offset:0\r\nrepl_backlog_histlen:0\r\n"
        );
        assert!(text.contains(&want), "{text}");
    }

    // The same steps on valkey-server 9.1.2 gave these counts: watched keys are distinct per
    // database, channels and patterns distinct over all clients.
    #[test]
    fn counts_of_watches_subscriptions_and_tracked_keys() {
        let server = Arc::new(Server::new(Config::default()));
        let talk = |c: &mut Connection, input: &str| {
            c.receive(input.as_bytes(), T0);
            let mut out = Vec::new();
            c.take_output(&mut out);
            String::from_utf8(out).unwrap()
        };
        let mut conns: Vec<Connection> = (0..5).map(|_| Connection::new(server.clone())).collect();
        talk(&mut conns[0], "WATCH k1 k2\r\n");
        talk(&mut conns[1], "WATCH k1\r\nSELECT 1\r\nWATCH k1\r\n");
        talk(&mut conns[2], "SUBSCRIBE x y\r\nPSUBSCRIBE p*\r\n");
        talk(
            &mut conns[3],
            "CLIENT TRACKING on\r\nSET t1 1\r\nGET t1\r\nMGET t2 t3\r\n",
        );
        let text = talk(&mut conns[4], "INFO everything\r\n");
        for field in [
            "connected_clients:5\r\n",
            "tracking_clients:1\r\n",
            "pubsub_clients:1\r\n",
            "watching_clients:2\r\n",
            "total_watched_keys:3\r\n",
            "pubsub_channels:2\r\n",
            "pubsub_patterns:1\r\n",
            "tracking_total_keys:3\r\n",
            "tracking_total_items:3\r\n",
            "tracking_total_prefixes:0\r\n",
        ] {
            assert!(text.contains(field), "missing {field:?} in {text}");
        }
    }

    // Valkey 9.1.2 during `CLIENT PAUSE 100000 WRITE`: client_pause, write, the time left.
    #[test]
    fn pause_state_is_reported() {
        let mut c = Connection::new(Arc::new(Server::new(Config::default())));
        let mut talk = |input: &str, now_us: u64| {
            c.receive(input.as_bytes(), now_us);
            let mut out = Vec::new();
            c.take_output(&mut out);
            String::from_utf8(out).unwrap()
        };
        talk("CLIENT PAUSE 100000 WRITE\r\n", T0);
        let text = talk("INFO clients\r\n", T0 + 17_000);
        assert!(
            text.contains(
                "paused_reason:client_pause\r\npaused_actions:write\r\npaused_timeout_milliseconds:99983\r\n"
            ),
            "{text}"
        );
        talk("CLIENT UNPAUSE\r\n", T0 + 20_000);
        let text = talk("INFO clients\r\n", T0 + 20_000);
        assert!(
            text.contains(
                "paused_reason:none\r\npaused_actions:none\r\npaused_timeout_milliseconds:0\r\n"
            ),
            "{text}"
        );
    }

    // What unit/info-command.tcl asks of INFO with and without sections, given the runtime's
    // CPU probe: `used_cpu_user` in every default/all/everything reply and in `INFO cpu`,
    // commandstats' `rejected_calls` only where asked for, no section twice.
    #[test]
    fn section_selection_as_the_info_command_suite_checks_it() {
        let probes = crate::Probes {
            cpu: Some(|| (0.5, 0.25)),
            used_memory: Some(|| 1000),
            ..crate::Probes::default()
        };
        let server = Server::new(Config::default()).with_probes(probes);
        let mut c = Connection::new(Arc::new(server));
        let mut info = |args: &str| {
            c.receive(format!("INFO {args}\r\n").as_bytes(), T0);
            let mut out = Vec::new();
            c.take_output(&mut out);
            String::from_utf8(out).unwrap()
        };
        for (args, commandstats) in [
            ("", false),
            ("default", false),
            ("all", true),
            ("everything", true),
        ] {
            let text = info(args);
            assert!(
                text.contains("redis_version:") && text.contains("used_memory:"),
                "{args}: {text}"
            );
            assert!(
                text.contains("used_cpu_user:0.250000\r\n"),
                "{args}: {text}"
            );
            assert_eq!(
                text.contains("rejected_calls="),
                commandstats,
                "{args}: {text}"
            );
        }
        let cpu = info("cpu");
        assert!(
            cpu.contains("used_cpu_user:") && !cpu.contains("used_memory"),
            "{cpu}"
        );
        assert!(!info("commandSTATS").contains("used_memory"));
        assert!(info("commandSTATS").contains("rejected_calls="));
        let text = info("cpu sentinel");
        assert!(
            text.contains("used_cpu_user") && !text.contains("master_repl_offset"),
            "{text}"
        );
        for args in ["cpu all", "cpu default"] {
            let text = info(args);
            assert!(
                text.contains("master_repl_offset") && text.contains("used_memory"),
                "{text}"
            );
            assert_eq!(text.matches("used_cpu_user_children").count(), 1, "{text}");
            assert_eq!(
                text.contains("rejected_calls="),
                args == "cpu all",
                "{text}"
            );
        }
    }

    #[test]
    fn persistence_says_never_saved_and_no_aof() {
        let text = info("persistence");
        for field in [
            "loading:0\r\n",
            "rdb_bgsave_in_progress:0\r\n",
            "rdb_last_save_time:1700000000\r\n",
            "rdb_last_bgsave_status:ok\r\n",
            "aof_enabled:0\r\n",
            "aof_rewrite_in_progress:0\r\n",
            "aof_last_write_status:ok\r\n",
        ] {
            assert!(text.contains(field), "missing {field:?} in {text}");
        }
        let cluster = info("cluster");
        assert!(
            cluster.contains("# Cluster\r\ncluster_enabled:0\r\n"),
            "{cluster}"
        );
    }
}
