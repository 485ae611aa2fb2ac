//! Configuration: one table says each parameter's name, how its text is parsed, whether it may
//! change at run time, and how it prints. The start-up loader (config file lines and
//! `--name value` arguments, like redis-server) and CONFIG GET/SET both go through it.

mod load;
mod params;
mod passive;
mod rewrite;

pub use load::{load, load_with_names, ConfigError};
pub use params::{all, canonical, entries, lookup, matching, Entry, Param, ALIASES, PARAMS};
pub use passive::{Kind, PASSIVE};
pub use rewrite::{rewrite, rewrite_all};

use std::collections::BTreeMap;

/// A client class of `client-output-buffer-limit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputLimit {
    /// Disconnect at once above this many bytes (0: no limit).
    pub hard: u64,
    /// Disconnect when above this many bytes for `soft_seconds` (0: no limit).
    pub soft: u64,
    /// See `soft`.
    pub soft_seconds: u64,
}

/// When the aggregate types leave their compact encodings (Valkey's parameters and defaults):
/// a value converts once it grows past these, and `OBJECT ENCODING` reports which it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Encodings {
    /// `list-max-listpack-size`: entries per node when positive, else a node byte budget of
    /// 4 KiB << (-n - 1) (-2: 8 KiB).
    pub list_max_listpack_size: i64,
    /// `hash-max-listpack-entries` (512 in Valkey 9.1).
    pub hash_max_listpack_entries: u64,
    /// `hash-max-listpack-value`: the longest field or value a listpack hash holds.
    pub hash_max_listpack_value: u64,
    /// `set-max-intset-entries`.
    pub set_max_intset_entries: u64,
    /// `set-max-listpack-entries`.
    pub set_max_listpack_entries: u64,
    /// `set-max-listpack-value`.
    pub set_max_listpack_value: u64,
    /// `zset-max-listpack-entries`.
    pub zset_max_listpack_entries: u64,
    /// `zset-max-listpack-value`.
    pub zset_max_listpack_value: u64,
    /// `hll-sparse-max-bytes`: the longest sparse HyperLogLog string, header included,
    /// before it turns dense.
    pub hll_sparse_max_bytes: u64,
}

impl Default for Encodings {
    fn default() -> Self {
        Self {
            list_max_listpack_size: -2,
            hash_max_listpack_entries: 512,
            hash_max_listpack_value: 64,
            set_max_intset_entries: 512,
            set_max_listpack_entries: 128,
            set_max_listpack_value: 64,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
            hll_sparse_max_bytes: 3000,
        }
    }
}

/// Parsed configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// `port` (0: no TCP listener).
    pub port: u16,
    /// `bind`: addresses to listen on; a leading `-` marks one that may be unavailable.
    pub bind: Vec<String>,
    /// `unixsocket` (empty: none).
    pub unixsocket: String,
    /// `unixsocketperm`, octal.
    pub unixsocketperm: u32,
    /// `protected-mode`.
    pub protected_mode: bool,
    /// `requirepass` (empty: no password).
    pub requirepass: String,
    /// `maxclients`.
    pub maxclients: u32,
    /// `timeout`: idle seconds before a client is closed (0: never).
    pub timeout: u64,
    /// `tcp-keepalive` seconds.
    pub tcp_keepalive: u64,
    /// `databases`.
    pub databases: usize,
    /// `dir`: working directory (empty: the current one).
    pub dir: String,
    /// `logfile` (empty: standard output).
    pub logfile: String,
    /// `loglevel`.
    pub loglevel: String,
    /// `pidfile` (empty: none).
    pub pidfile: String,
    /// `io-threads`: worker threads (0: one per core, decided by the runtime).
    pub io_threads: usize,
    /// `hz`: how often the runtime calls `Server::cron` (stored as given, used clamped 1..=500).
    pub hz: u32,
    /// `proto-max-bulk-len`: the longest single argument a client may send.
    pub proto_max_bulk_len: usize,
    /// `client-query-buffer-limit`: the most unparsed input one client may buffer.
    pub client_query_buffer_limit: u64,
    /// `client-output-buffer-limit` for normal, replica and pubsub clients.
    pub output_limits: [OutputLimit; 3],
    /// `save` points `(seconds, changes)`; persistence is not built yet, so only none.
    pub save: Vec<(u64, u64)>,
    /// `appendonly`; only `no` until persistence exists.
    pub appendonly: bool,
    /// `dbfilename`.
    pub dbfilename: String,
    /// `appendfilename`.
    pub appendfilename: String,
    /// `enable-debug-command`: whether DEBUG is allowed (Valkey's default is no).
    pub enable_debug_command: bool,
    /// Compact-encoding thresholds of lists, hashes, sets and sorted sets.
    pub encodings: Encodings,
    /// `notify-keyspace-events`, as [`crate::notify::class`] bits.
    pub notify_keyspace_events: u32,
    /// `slowlog-log-slower-than`: microseconds a command must take to enter the slow log
    /// (negative: log nothing; 0: log every command).
    pub slowlog_log_slower_than: i64,
    /// `slowlog-max-len`: the most entries the slow log keeps.
    pub slowlog_max_len: u64,
    /// `latency-monitor-threshold`: milliseconds an event must take to be sampled by the
    /// latency monitor (0: monitor off).
    pub latency_monitor_threshold: u64,
    /// Values of the passive parameters (`passive.rs`) that were set, by canonical name, as
    /// CONFIG GET prints them; the others are at their defaults. Also the spelling of a typed
    /// value its field cannot hold (`enable-debug-command local`).
    pub passive: BTreeMap<&'static str, String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            port: 6379,
            bind: vec!["127.0.0.1".to_owned()],
            unixsocket: String::new(),
            unixsocketperm: 0,
            protected_mode: true,
            requirepass: String::new(),
            maxclients: 10_000,
            timeout: 0,
            tcp_keepalive: 300,
            databases: 16,
            dir: String::new(),
            logfile: String::new(),
            loglevel: "notice".to_owned(),
            pidfile: String::new(),
            io_threads: 0,
            hz: 10,
            proto_max_bulk_len: resp::DEFAULT_MAX_BULK_LEN,
            client_query_buffer_limit: 1 << 30,
            output_limits: [
                OutputLimit {
                    hard: 0,
                    soft: 0,
                    soft_seconds: 0,
                },
                OutputLimit {
                    hard: 256 << 20,
                    soft: 64 << 20,
                    soft_seconds: 60,
                },
                OutputLimit {
                    hard: 32 << 20,
                    soft: 8 << 20,
                    soft_seconds: 60,
                },
            ],
            save: Vec::new(),
            appendonly: false,
            dbfilename: "dump.rdb".to_owned(),
            appendfilename: "appendonly.aof".to_owned(),
            enable_debug_command: false,
            encodings: Encodings::default(),
            notify_keyspace_events: 0,
            slowlog_log_slower_than: 10_000,
            slowlog_max_len: 128,
            latency_monitor_threshold: 0,
            passive: BTreeMap::new(),
        }
    }
}

impl Config {
    /// `hz` as the timers use it.
    pub fn effective_hz(&self) -> u32 {
        self.hz.clamp(1, 500)
    }

    /// A passive parameter's value as CONFIG GET prints it (`name` canonical; panics on a
    /// name that is not in the passive table, a programming error).
    pub fn passive_text(&self, name: &str) -> String {
        match canonical(name) {
            Some(p) => p.get(self),
            None => panic!("no parameter {name}"),
        }
    }

    /// A passive yes/no parameter (`activerehashing`, `lazyfree-lazy-user-del`).
    pub fn passive_bool(&self, name: &str) -> bool {
        self.passive_text(name) == "yes"
    }

    /// A passive integer or memory parameter (`list-compress-depth`, `maxmemory`,
    /// `tracking-table-max-keys`, `busy-reply-threshold`), as a number.
    pub fn passive_i64(&self, name: &str) -> i64 {
        let text = self.passive_text(name);
        text.parse()
            .unwrap_or_else(|_| panic!("{name} is not a number: {text}"))
    }

    /// `maxmemory` in bytes (0: no limit); stored, not enforced yet.
    pub fn maxmemory(&self) -> u64 {
        self.passive_text("maxmemory").parse().unwrap_or(0)
    }

    /// Whether CONFIG SET may change protected parameters (`dir`, `dbfilename`):
    /// `enable-protected-configs yes` or `local` (ferrokey does not tell local clients
    /// apart here, so `local` allows every client).
    pub fn protected_configs_allowed(&self) -> bool {
        self.passive_text("enable-protected-configs") != "no"
    }
}
