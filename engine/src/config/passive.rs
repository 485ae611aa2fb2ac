//! Valkey's parameters that ferrokey checks, stores and shows but does not act on yet: one
//! line each (name, kind, default, whether CONFIG SET may change it, and `multi` for values
//! of several words, `hidden` for those `CONFIG GET *` leaves out). Their values live in
//! [`Config::passive`](super::Config) as the text CONFIG GET prints, only once set.
//! Kinds, ranges, defaults and error texts were taken from valkey-server 9.1.2 by setting
//! every parameter to bad values.

use super::params::{int_in, memory, yes, Param};
use Kind::{Bool, Enum, Flags, Int, Memory, Special, Str};

const I32_MIN: i64 = i32::MIN as i64;
const I32_MAX: i64 = i32::MAX as i64;
const U32_MAX: i64 = u32::MAX as i64;
const I64_MAX: u64 = i64::MAX as u64;
const MUT: bool = true;
const IMM: bool = false;
/// How CONFIG REWRITE writes a special parameter's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fmt {
    /// Free text, quoted.
    Quoted,
    /// As CONFIG GET prints it.
    Raw,
    /// Bytes, with Valkey's largest exact unit.
    Memory,
}
const QUOTED: Fmt = Fmt::Quoted;
const RAW: Fmt = Fmt::Raw;
const MEMORY: Fmt = Fmt::Memory;

/// How a passive parameter's text is checked and normalised.
#[derive(Debug)]
pub enum Kind {
    /// `yes` / `no`.
    Bool,
    /// An integer within the range (Valkey's strict integer syntax).
    Int(i64, i64),
    /// A memory value with optional unit (`1mb`), stored and printed as bytes.
    Memory(u64, u64),
    /// One of the names (any case; printed as listed).
    Enum(&'static [&'static str]),
    /// Several of the names at once, printed in list order (`shutdown-on-sigterm`).
    Flags(&'static [&'static str]),
    /// Any text.
    Str,
    /// Checked by its own function, which returns the text to store; written by CONFIG
    /// REWRITE as the [`Fmt`] says.
    Special(fn(&str) -> Result<String, String>, Fmt),
}

impl Kind {
    /// Parses `v`; the stored text on success, Valkey's reason otherwise.
    pub fn parse(&self, v: &str) -> Result<String, String> {
        match self {
            Bool => Ok(if yes(v)? { "yes" } else { "no" }.to_owned()),
            Int(min, max) => int_in(v, *min, *max).map(|n| n.to_string()),
            Memory(min, max) => {
                let bytes = memory(v).ok_or("argument must be a memory value")?;
                if !(*min..=*max).contains(&bytes) {
                    return Err(format!(
                        "argument must be between {min} and {max} inclusive"
                    ));
                }
                Ok(bytes.to_string())
            }
            Enum(names) => names
                .iter()
                .find(|n| n.eq_ignore_ascii_case(v))
                .map(|n| (*n).to_owned())
                .ok_or_else(|| one_of(names)),
            Flags(names) => flags(names, v),
            Str => Ok(v.to_owned()),
            Special(f, _) => f(v),
        }
    }

    /// Whether CONFIG REWRITE writes the value with a memory unit (`64mb`).
    pub fn is_memory(&self) -> bool {
        matches!(self, Memory(..) | Special(_, Fmt::Memory))
    }

    /// Whether CONFIG REWRITE quotes the value (free text, as Valkey's `sdscatrepr`).
    pub fn is_text(&self) -> bool {
        matches!(self, Str | Special(_, Fmt::Quoted))
    }
}

fn one_of(names: &[&str]) -> String {
    format!(
        "argument(s) must be one of the following: {}",
        names.join(", ")
    )
}

/// Parameters of this table that ferrokey acts on all the same: they need no typed field.
/// (`maxmemory-policy` is not here: only `noeviction` acts as Valkey's until eviction exists.)
pub const ACTED_ON: &[&str] = &[
    "always-show-logo",
    "enable-protected-configs",
    "lazyfree-lazy-expire",
    "lazyfree-lazy-server-del",
    "lazyfree-lazy-user-del",
    "lazyfree-lazy-user-flush",
    "maxmemory",
    "tracking-table-max-keys",
];

macro_rules! p {
    ($name:literal, $kind:expr, $default:literal, $mutable:ident $(, $flag:ident)*) => {
        Param::passive($name, $kind, $default, $mutable) $(.$flag())*
    };
}

/// The passive parameters, sorted by name.
pub static PASSIVE: &[Param] = &[
    p!(
        "acl-pubsub-default",
        Enum(&["allchannels", "resetchannels"]),
        "resetchannels",
        MUT
    ),
    p!("aclfile", Str, "", IMM),
    p!("acllog-max-len", Int(0, i64::MAX), "128", MUT),
    p!("active-defrag-cycle-max", Int(1, 99), "25", MUT),
    p!("active-defrag-cycle-min", Int(1, 99), "1", MUT),
    p!("active-defrag-cycle-us", Int(0, 100000), "500", MUT),
    p!(
        "active-defrag-ignore-bytes",
        Memory(1, I64_MAX),
        "104857600",
        MUT
    ),
    p!(
        "active-defrag-max-scan-fields",
        Int(1, i64::MAX),
        "1000",
        MUT
    ),
    p!("active-defrag-threshold-lower", Int(0, 1000), "10", MUT),
    p!("active-defrag-threshold-upper", Int(0, 1000), "100", MUT),
    p!("active-expire-effort", Int(1, 10), "1", MUT),
    p!("activedefrag", Special(activedefrag, RAW), "no", MUT),
    p!("activerehashing", Bool, "yes", MUT),
    p!("always-show-logo", Bool, "no", IMM),
    p!("aof-disable-auto-gc", Bool, "no", MUT, hidden),
    p!("aof-load-truncated", Bool, "yes", MUT),
    p!("aof-rewrite-cpulist", Str, "", IMM),
    p!("aof-rewrite-incremental-fsync", Bool, "yes", MUT),
    p!("aof-timestamp-enabled", Bool, "no", MUT),
    p!("aof-use-rdb-preamble", Bool, "yes", MUT),
    p!(
        "appenddirname",
        Special(dirname, QUOTED),
        "appendonlydir",
        IMM
    ),
    p!(
        "appendfsync",
        Enum(&["everysec", "always", "no"]),
        "everysec",
        MUT
    ),
    p!(
        "auto-aof-rewrite-min-size",
        Memory(0, I64_MAX),
        "67108864",
        MUT
    ),
    p!("auto-aof-rewrite-percentage", Int(0, I32_MAX), "100", MUT),
    p!("availability-zone", Str, "", MUT),
    p!("bgsave-cpulist", Str, "", IMM),
    p!("bind-source-addr", Str, "", MUT),
    p!("bio-cpulist", Str, "", IMM),
    p!("busy-reply-threshold", Int(0, i64::MAX), "5000", MUT),
    p!("cluster-allow-pubsubshard-when-down", Bool, "yes", MUT),
    p!("cluster-allow-reads-when-down", Bool, "no", MUT),
    p!("cluster-allow-replica-migration", Bool, "yes", MUT),
    p!("cluster-announce-bus-port", Int(0, 65535), "0", MUT),
    p!(
        "cluster-announce-client-ipv4",
        Special(ipv4, QUOTED),
        "",
        MUT
    ),
    p!(
        "cluster-announce-client-ipv6",
        Special(ipv6, QUOTED),
        "",
        MUT
    ),
    p!("cluster-announce-client-port", Int(0, 65535), "0", MUT),
    p!("cluster-announce-client-tls-port", Int(0, 65535), "0", MUT),
    p!(
        "cluster-announce-hostname",
        Special(hostname, QUOTED),
        "",
        MUT
    ),
    p!(
        "cluster-announce-human-nodename",
        Special(nodename, QUOTED),
        "",
        MUT
    ),
    p!("cluster-announce-ip", Special(announce_ip, QUOTED), "", MUT),
    p!("cluster-announce-port", Int(0, 65535), "0", MUT),
    p!("cluster-announce-tls-port", Int(0, 65535), "0", MUT),
    p!("cluster-blacklist-ttl", Int(i64::MIN, i64::MAX), "60", MUT),
    p!(
        "cluster-config-file",
        Special(cluster_config_file, QUOTED),
        "nodes.conf",
        IMM
    ),
    p!(
        "cluster-config-save-behavior",
        Enum(&["sync", "best-effort"]),
        "sync",
        MUT
    ),
    p!("cluster-databases", Int(1, I32_MAX), "1", IMM),
    p!("cluster-enabled", Special(cluster_enabled, RAW), "no", IMM),
    p!("cluster-link-sendbuf-limit", Memory(0, u64::MAX), "0", MUT),
    p!(
        "cluster-manual-failover-timeout",
        Int(1, I32_MAX),
        "5000",
        MUT
    ),
    p!("cluster-migration-barrier", Int(0, I32_MAX), "1", MUT),
    p!("cluster-node-timeout", Int(0, i64::MAX), "15000", MUT),
    p!("cluster-ping-interval", Int(0, i64::MAX), "0", MUT, hidden),
    p!("cluster-port", Int(0, 65535), "0", IMM),
    p!(
        "cluster-preferred-endpoint-type",
        Enum(&["ip", "hostname", "unknown-endpoint"]),
        "ip",
        MUT
    ),
    p!("cluster-replica-no-failover", Bool, "no", MUT),
    p!(
        "cluster-replica-validity-factor",
        Int(0, I32_MAX),
        "10",
        MUT
    ),
    p!("cluster-require-full-coverage", Bool, "yes", MUT),
    p!(
        "cluster-slot-migration-log-max-len",
        Int(0, i64::MAX),
        "1000",
        MUT
    ),
    p!("cluster-slot-stats-enabled", Bool, "no", MUT),
    p!(
        "commandlog-large-reply-max-len",
        Int(0, i64::MAX),
        "128",
        MUT
    ),
    p!(
        "commandlog-large-request-max-len",
        Int(0, i64::MAX),
        "128",
        MUT
    ),
    p!(
        "commandlog-reply-larger-than",
        Int(-1, i64::MAX),
        "1048576",
        MUT
    ),
    p!(
        "commandlog-request-larger-than",
        Int(-1, i64::MAX),
        "1048576",
        MUT
    ),
    p!("crash-log-enabled", Bool, "yes", MUT),
    p!("crash-memcheck-enabled", Bool, "yes", MUT),
    p!("debug-context", Str, "", MUT, hidden),
    p!("disable-thp", Bool, "yes", IMM),
    p!("dual-channel-replication-enabled", Bool, "no", MUT),
    p!("enable-debug-assert", Bool, "no", IMM, hidden),
    p!(
        "enable-module-command",
        Enum(&["no", "yes", "local"]),
        "no",
        IMM
    ),
    p!(
        "enable-protected-configs",
        Enum(&["no", "yes", "local"]),
        "no",
        IMM
    ),
    p!("extended-redis-compatibility", Bool, "no", MUT),
    p!("hash-seed", Str, "", IMM),
    p!("hide-user-data-from-log", Bool, "yes", MUT),
    p!("ignore-warnings", Str, "", MUT),
    p!("import-mode", Bool, "no", MUT),
    p!("jemalloc-bg-thread", Bool, "yes", MUT),
    p!("key-load-delay", Int(I32_MIN, I32_MAX), "0", MUT, hidden),
    p!("latency-tracking", Bool, "yes", MUT),
    p!(
        "latency-tracking-info-percentiles",
        Special(percentiles, RAW),
        "50 99 99.9",
        MUT,
        multi
    ),
    p!("lazyfree-lazy-eviction", Bool, "yes", MUT),
    p!("lazyfree-lazy-expire", Bool, "yes", MUT),
    p!("lazyfree-lazy-server-del", Bool, "yes", MUT),
    p!("lazyfree-lazy-user-del", Bool, "yes", MUT),
    p!("lazyfree-lazy-user-flush", Bool, "yes", MUT),
    p!("lfu-decay-time", Int(0, I32_MAX), "1", MUT),
    p!("lfu-log-factor", Int(0, I32_MAX), "10", MUT),
    p!("list-compress-depth", Int(0, I32_MAX), "0", MUT),
    p!(
        "loading-process-events-interval-bytes",
        Int(1024, I32_MAX),
        "2097152",
        MUT,
        hidden
    ),
    p!("locale-collate", Special(locale, QUOTED), "", MUT),
    p!(
        "log-format",
        Enum(&["legacy", "logfmt", "json"]),
        "legacy",
        MUT
    ),
    p!(
        "log-timestamp-format",
        Enum(&["legacy", "iso8601", "milliseconds"]),
        "legacy",
        MUT
    ),
    p!("max-new-connections-per-cycle", Int(1, 1000), "10", MUT),
    p!("max-new-tls-connections-per-cycle", Int(1, 1000), "1", MUT),
    p!("maxmemory", Memory(0, u64::MAX), "0", MUT),
    p!(
        "maxmemory-clients",
        Special(memory_or_percent, RAW),
        "0",
        MUT
    ),
    p!("maxmemory-eviction-tenacity", Int(0, 100), "10", MUT),
    p!(
        "maxmemory-policy",
        Enum(&[
            "volatile-lru",
            "volatile-lfu",
            "volatile-random",
            "volatile-ttl",
            "allkeys-lru",
            "allkeys-lfu",
            "allkeys-random",
            "noeviction"
        ]),
        "noeviction",
        MUT
    ),
    p!("maxmemory-samples", Int(1, 64), "5", MUT),
    p!("min-replicas-max-lag", Int(0, I32_MAX), "10", MUT),
    p!("min-replicas-to-write", Int(0, I32_MAX), "0", MUT),
    p!("mptcp", Bool, "no", IMM),
    p!("no-appendfsync-on-rewrite", Bool, "no", MUT),
    p!("oom-score-adj", Special(oom_score_adj, RAW), "no", MUT),
    p!(
        "oom-score-adj-values",
        Special(oom_values, RAW),
        "0 200 800",
        MUT,
        multi
    ),
    p!("prefetch-batch-max-size", Int(0, 128), "16", MUT),
    p!("primaryauth", Str, "", MUT),
    p!("primaryuser", Str, "", MUT),
    p!(
        "proc-title-template",
        Special(proc_title, QUOTED),
        "{title} {listen-addr} {server-mode}",
        MUT
    ),
    p!(
        "propagation-error-behavior",
        Enum(&["ignore", "panic", "panic-on-replicas"]),
        "ignore",
        MUT
    ),
    p!("rdb-del-sync-files", Bool, "no", MUT),
    p!(
        "rdb-key-save-delay",
        Int(I32_MIN, I32_MAX),
        "0",
        MUT,
        hidden
    ),
    p!("rdb-save-incremental-fsync", Bool, "yes", MUT),
    p!(
        "rdb-version-check",
        Enum(&["strict", "relaxed"]),
        "strict",
        MUT
    ),
    p!("rdbchecksum", Bool, "yes", IMM),
    p!("rdbcompression", Bool, "yes", MUT),
    p!("rdma-bind", Special(rdma_bind, QUOTED), "", MUT),
    p!("rdma-completion-vector", Int(-1, 1024), "-1", IMM),
    p!("rdma-port", Special(rdma_port, RAW), "0", MUT),
    p!("rdma-rx-size", Int(65536, 16777216), "1048576", IMM),
    p!(
        "repl-backlog-size",
        Special(repl_backlog_size, MEMORY),
        "10485760",
        MUT
    ),
    p!("repl-backlog-ttl", Int(0, i64::MAX), "3600", MUT),
    p!("repl-disable-tcp-nodelay", Bool, "no", MUT),
    p!(
        "repl-diskless-load",
        Enum(&["disabled", "on-empty-db", "swapdb", "flush-before-load"]),
        "disabled",
        MUT
    ),
    p!("repl-diskless-sync", Bool, "yes", MUT),
    p!("repl-diskless-sync-delay", Int(0, I32_MAX), "5", MUT),
    p!("repl-diskless-sync-max-replicas", Int(0, I32_MAX), "0", MUT),
    p!("repl-mptcp", Bool, "no", IMM),
    p!("repl-ping-replica-period", Int(1, I32_MAX), "10", MUT),
    p!("repl-timeout", Int(1, I32_MAX), "60", MUT),
    p!("replica-announce-ip", Str, "", MUT),
    p!("replica-announce-port", Int(0, 65535), "0", MUT),
    p!("replica-announced", Bool, "yes", MUT),
    p!("replica-ignore-disk-write-errors", Bool, "no", MUT),
    p!("replica-ignore-maxmemory", Bool, "yes", MUT),
    p!("replica-lazy-flush", Bool, "yes", MUT),
    p!("replica-priority", Int(0, I32_MAX), "100", MUT),
    p!("replica-read-only", Bool, "yes", MUT),
    p!("replica-serve-stale-data", Bool, "yes", MUT),
    p!("replicaof", Special(replicaof, RAW), "", IMM, multi),
    p!("server-cpulist", Str, "", IMM),
    p!("set-proc-title", Bool, "yes", IMM),
    p!(
        "shutdown-on-sigint",
        Flags(&["default", "save", "nosave", "now", "force", "safe", "failover"]),
        "default",
        MUT,
        multi
    ),
    p!(
        "shutdown-on-sigterm",
        Flags(&["default", "save", "nosave", "now", "force", "safe", "failover"]),
        "default",
        MUT,
        multi
    ),
    p!("shutdown-timeout", Int(0, I32_MAX), "10", MUT),
    p!(
        "slot-migration-max-failover-repl-bytes",
        Special(signed_memory, MEMORY),
        "0",
        MUT
    ),
    p!("socket-mark-id", Int(0, U32_MAX), "0", IMM),
    p!("stop-writes-on-bgsave-error", Bool, "yes", MUT),
    p!("stream-node-max-bytes", Memory(0, I64_MAX), "4096", MUT),
    p!("stream-node-max-entries", Int(0, i64::MAX), "100", MUT),
    p!(
        "supervised",
        Enum(&["upstart", "systemd", "auto", "no"]),
        "no",
        IMM
    ),
    p!("syslog-enabled", Bool, "no", IMM),
    p!(
        "syslog-facility",
        Enum(&[
            "user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"
        ]),
        "local0",
        IMM
    ),
    p!("syslog-ident", Str, "valkey", IMM),
    p!("tcp-backlog", Int(0, I32_MAX), "511", IMM),
    p!(
        "tls-auth-clients",
        Enum(&["no", "yes", "optional"]),
        "yes",
        MUT
    ),
    p!(
        "tls-auth-clients-user",
        Enum(&["CN", "URI", "off"]),
        "off",
        MUT
    ),
    p!("tls-auto-reload-interval", Int(0, I32_MAX), "0", MUT),
    p!("tls-ca-cert-dir", Str, "", MUT),
    p!("tls-ca-cert-file", Str, "", MUT),
    p!("tls-cert-file", Str, "", MUT),
    p!("tls-ciphers", Str, "", MUT),
    p!("tls-ciphersuites", Str, "", MUT),
    p!("tls-client-cert-file", Str, "", MUT),
    p!("tls-client-key-file", Str, "", MUT),
    p!("tls-client-key-file-pass", Str, "", MUT),
    p!("tls-cluster", Bool, "no", MUT),
    p!("tls-dh-params-file", Str, "", MUT),
    p!("tls-key-file", Str, "", MUT),
    p!("tls-key-file-pass", Str, "", MUT),
    p!("tls-port", Int(0, 65535), "0", MUT),
    p!("tls-prefer-server-ciphers", Bool, "no", MUT),
    p!("tls-protocols", Str, "", MUT),
    p!("tls-replication", Bool, "no", MUT),
    p!("tls-session-cache-size", Int(0, I32_MAX), "20480", MUT),
    p!("tls-session-cache-timeout", Int(0, I32_MAX), "300", MUT),
    p!("tls-session-caching", Bool, "yes", MUT),
    p!("tracking-table-max-keys", Int(0, i64::MAX), "1000000", MUT),
    p!("unixsocketgroup", Str, "", IMM),
    p!("use-exit-on-panic", Bool, "no", MUT, hidden),
    p!("watchdog-period", Int(0, I32_MAX), "0", MUT, hidden),
];

/// `shutdown-on-sigint` and `-sigterm`: several flags, `default` alone, never both `save` and
/// `nosave`; printed in the list's order.
fn flags(names: &[&str], v: &str) -> Result<String, String> {
    let mut chosen = vec![false; names.len()];
    let words: Vec<&str> = v.split(' ').collect();
    for w in &words {
        let i = names
            .iter()
            .position(|n| n.eq_ignore_ascii_case(w))
            .ok_or_else(|| one_of(names))?;
        chosen[i] = true;
    }
    let picked: Vec<&str> = names
        .iter()
        .zip(&chosen)
        .filter(|(n, c)| **c && **n != "default")
        .map(|(n, _)| *n)
        .collect();
    if picked.contains(&"save") && picked.contains(&"nosave") {
        return Err("shutdown options SAVE and NOSAVE can't be used simultaneously".to_owned());
    }
    Ok(if picked.is_empty() {
        "default".to_owned()
    } else {
        picked.join(" ")
    })
}

fn dirname(v: &str) -> Result<String, String> {
    if v.is_empty() {
        return Err("appenddirname can't be empty".to_owned());
    }
    if v.contains('/') {
        return Err("appenddirname can't be a path, just a dirname".to_owned());
    }
    Ok(v.to_owned())
}

fn cluster_config_file(v: &str) -> Result<String, String> {
    if v.is_empty() {
        return Err("cluster-config-file can't be empty".to_owned());
    }
    Ok(v.to_owned())
}

/// ferrokey has no active defragmentation; it answers as a Valkey built without jemalloc
/// does (the reference build), word for word, since test suites match that text.
fn activedefrag(v: &str) -> Result<String, String> {
    if yes(v)? {
        return Err("Active defragmentation cannot be enabled: it requires a server compiled with a modified Jemalloc like the one shipped by default with the source distribution".to_owned());
    }
    Ok("no".to_owned())
}

/// Refused rather than stored: a server that says it is a cluster node and is not would
/// mislead clients.
fn cluster_enabled(v: &str) -> Result<String, String> {
    if yes(v)? {
        return Err(
            "cluster-enabled yes is not supported yet: ferrokey has no cluster mode".to_owned(),
        );
    }
    Ok("no".to_owned())
}

/// Refused rather than stored: a replica that does not replicate would serve stale data.
fn replicaof(v: &str) -> Result<String, String> {
    let words: Vec<&str> = v.split(' ').collect();
    match words.as_slice() {
        [no, one] if no.eq_ignore_ascii_case("no") && one.eq_ignore_ascii_case("one") => {
            Ok(String::new())
        }
        [_, port] => {
            if port.parse::<u16>().is_err() {
                return Err("Invalid primary port".to_owned());
            }
            Err("replicaof is not supported yet: ferrokey has no replication".to_owned())
        }
        _ => Err("wrong number of arguments".to_owned()),
    }
}

fn ipv4(v: &str) -> Result<String, String> {
    if !v.is_empty() && v.parse::<std::net::Ipv4Addr>().is_err() {
        return Err("Invalid IPv4 address".to_owned());
    }
    Ok(v.to_owned())
}

fn ipv6(v: &str) -> Result<String, String> {
    if !v.is_empty() && v.parse::<std::net::Ipv6Addr>().is_err() {
        return Err("Invalid IPv6 address".to_owned());
    }
    Ok(v.to_owned())
}

fn hostname(v: &str) -> Result<String, String> {
    if !v
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        return Err(
            "Hostnames may only contain alphanumeric characters, hyphens or dots".to_owned(),
        );
    }
    Ok(v.to_owned())
}

/// Printable characters other than space and `%` (what valkey-server 9.1.2 was seen to take).
fn printable(v: &str) -> bool {
    v.bytes().all(|b| b.is_ascii_graphic() && b != b'%')
}

fn nodename(v: &str) -> Result<String, String> {
    if !printable(v) {
        return Err("Announced human node name contained invalid character".to_owned());
    }
    Ok(v.to_owned())
}

fn announce_ip(v: &str) -> Result<String, String> {
    if !printable(v) {
        return Err("cluster-announce-ip contains invalid character".to_owned());
    }
    Ok(v.to_owned())
}

/// The C library's collation locales ferrokey can name without asking the C library: the
/// empty name (the environment's), C and POSIX, and C's UTF-8 variant.
fn locale(v: &str) -> Result<String, String> {
    if !["", "C", "POSIX", "C.UTF-8", "C.utf8"].contains(&v) {
        return Err("Invalid locale name".to_owned());
    }
    Ok(v.to_owned())
}

/// `{title}` and the other variables of a process title; the title must say something more
/// than the program name (Valkey expands it with an empty title and refuses a blank result).
fn proc_title(v: &str) -> Result<String, String> {
    const VARS: &[&str] = &[
        "title",
        "listen-addr",
        "server-mode",
        "port",
        "tls-port",
        "unixsocket",
        "config-file",
    ];
    let invalid = || "template format is invalid or contains unknown variables".to_owned();
    let mut rest = v;
    let mut visible = false;
    while let Some(open) = rest.find(['{', '}']) {
        visible |= !rest[..open].trim().is_empty();
        if rest[open..].starts_with('}') {
            return Err(invalid());
        }
        let close = rest[open..].find('}').ok_or_else(invalid)? + open;
        let var = &rest[open + 1..close];
        if !VARS.contains(&var) {
            return Err(invalid());
        }
        visible |= var != "title";
        rest = &rest[close + 1..];
    }
    visible |= !rest.trim().is_empty();
    if !visible {
        return Err(invalid());
    }
    Ok(v.to_owned())
}

/// ferrokey is built without RDMA, as the reference build is: every value is refused.
fn rdma_bind(_: &str) -> Result<String, String> {
    Err("No RDMA building support.".to_owned())
}

/// A replication backlog is at least 16 KiB: smaller values are raised, as Valkey's CONFIG
/// SET does (Valkey keeps a smaller value given at start-up; ferrokey raises it there too).
fn repl_backlog_size(v: &str) -> Result<String, String> {
    let bytes: u64 = Memory(1, I64_MAX).parse(v)?.parse().unwrap_or(0);
    Ok(bytes.max(16 * 1024).to_string())
}

/// A memory value that may be -1 (off): a leading `-` reads a plain integer, anything else a
/// memory value taken as a signed 64-bit number (so 2^64-1 reads as -1, as in Valkey).
fn signed_memory(v: &str) -> Result<String, String> {
    let n = if v.starts_with('-') {
        resp::int::parse_i64(v.as_bytes()).ok_or("argument must be a memory value")?
    } else {
        memory(v).ok_or("argument must be a memory value")? as i64
    };
    if n < -1 {
        return Err(format!(
            "argument must be between -1 and {} inclusive",
            i64::MAX
        ));
    }
    Ok(n.to_string())
}

/// Port 0 (off) is the only one a build without RDMA takes.
fn rdma_port(v: &str) -> Result<String, String> {
    match int_in(v, 0, 65535)? {
        0 => Ok("0".to_owned()),
        _ => Err("No RDMA building support.".to_owned()),
    }
}

/// `maxmemory-clients`: bytes, or a percentage of maxmemory (`10%`, at most 100).
fn memory_or_percent(v: &str) -> Result<String, String> {
    let bad = || "argument must be a memory or percent value".to_owned();
    if let Some(pct) = v.strip_suffix('%') {
        let n = resp::int::parse_i64(pct.as_bytes())
            .filter(|n| *n >= 0)
            .ok_or_else(bad)?;
        if n > 100 {
            return Err("percentage argument must be less or equal to 100".to_owned());
        }
        return Ok(if n == 0 {
            "0".to_owned()
        } else {
            format!("{n}%")
        });
    }
    let bytes = memory(v).ok_or_else(bad)?;
    Ok(bytes.to_string())
}

/// `oom-score-adj`: `relative` is another name of `yes`, printed as `yes`.
fn oom_score_adj(v: &str) -> Result<String, String> {
    let names = ["no", "yes", "relative", "absolute"];
    match names.iter().position(|n| n.eq_ignore_ascii_case(v)) {
        Some(2) => Ok("yes".to_owned()),
        Some(i) => Ok(names[i].to_owned()),
        None => Err(one_of(&names)),
    }
}

/// `oom-score-adj-values`: three adjustments in -2000..=2000.
fn oom_values(v: &str) -> Result<String, String> {
    let words: Vec<&str> = v.split(' ').collect();
    if words.len() != 3 {
        return Err("wrong number of arguments".to_owned());
    }
    let mut out = Vec::new();
    for w in words {
        match resp::int::parse_i64(w.as_bytes()) {
            Some(n) if (-2000..=2000).contains(&n) => out.push(n.to_string()),
            _ => {
                return Err(
                    "Invalid oom-score-adj-values, elements must be between -2000 and 2000."
                        .to_owned(),
                )
            }
        }
    }
    Ok(out.join(" "))
}

/// `latency-tracking-info-percentiles`: numbers in 0..=100 (none for `""`), printed without
/// trailing zeros.
fn percentiles(v: &str) -> Result<String, String> {
    if v.is_empty() {
        return Ok(String::new());
    }
    let mut out = Vec::new();
    for w in v.split(' ') {
        let p: f64 = w
            .parse()
            .ok()
            .filter(|p: &f64| p.is_finite())
            .ok_or("Invalid latency-tracking-info-percentiles parameters")?;
        if !(0.0..=100.0).contains(&p) {
            return Err(
                "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
                    .to_owned(),
            );
        }
        let text = format!("{p:.6}");
        out.push(text.trim_end_matches('0').trim_end_matches('.').to_owned());
    }
    Ok(out.join(" "))
}
