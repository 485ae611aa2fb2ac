//! The parameter table: name, parse, print, and whether CONFIG SET may change it. The typed
//! parameters here are the ones the engine acts on, each backed by a field of [`Config`]; the
//! passive ones (stored, shown, not acted on yet) are declared in `passive.rs`.

use super::passive::{Kind, PASSIVE};
use super::{Config, OutputLimit};
use crate::glob::glob_match_nocase;

/// One parameter of the table.
#[derive(Debug)]
pub struct Param {
    /// Name as Valkey spells it (the canonical one where it has an alias).
    pub name: &'static str,
    /// False for parameters only the start-up configuration may set (or that the running
    /// server cannot apply yet, such as a new listening port).
    pub mutable: bool,
    /// True when the value is a list (`bind a b`, `save 3600 1 300 100`): a config-file line
    /// may give several arguments, joined by spaces.
    pub multi: bool,
    /// Left out of `CONFIG GET *` (Valkey's hidden debugging parameters); an exact name
    /// still finds it.
    pub hidden: bool,
    /// CONFIG SET refuses it unless `enable-protected-configs` allows (`dir`, `dbfilename`).
    pub protected: bool,
    imp: Imp,
}

#[derive(Debug)]
enum Imp {
    /// Backed by a field of [`Config`]; `memory` values are rewritten with units.
    Typed {
        get: fn(&Config) -> String,
        set: fn(&mut Config, &str) -> Result<(), String>,
        memory: bool,
    },
    /// Kept as text in `Config::passive`.
    Passive { kind: Kind, default: &'static str },
}

impl Param {
    /// A passive parameter (see `passive.rs`).
    pub(super) const fn passive(
        name: &'static str,
        kind: Kind,
        default: &'static str,
        mutable: bool,
    ) -> Self {
        Self {
            name,
            mutable,
            multi: false,
            hidden: false,
            protected: false,
            imp: Imp::Passive { kind, default },
        }
    }

    /// The value is a list of words.
    pub(super) const fn multi(mut self) -> Self {
        self.multi = true;
        self
    }

    /// Only an exact name finds it.
    pub(super) const fn hidden(mut self) -> Self {
        self.hidden = true;
        self
    }

    const fn protected(mut self) -> Self {
        self.protected = true;
        self
    }

    const fn memory(mut self) -> Self {
        if let Imp::Typed { get, set, .. } = self.imp {
            self.imp = Imp::Typed {
                get,
                set,
                memory: true,
            };
        }
        self
    }

    /// The value as CONFIG GET prints it.
    pub fn get(&self, c: &Config) -> String {
        match &self.imp {
            Imp::Typed { get, .. } => get(c),
            Imp::Passive { default, .. } => c
                .passive
                .get(self.name)
                .cloned()
                .unwrap_or_else(|| (*default).to_owned()),
        }
    }

    /// Parses `value` into `c`; the error is the reason Valkey gives.
    pub fn set(&self, c: &mut Config, value: &str) -> Result<(), String> {
        match &self.imp {
            Imp::Typed { set, .. } => set(c, value),
            Imp::Passive { kind, .. } => {
                let text = kind.parse(value)?;
                c.passive.insert(self.name, text);
                Ok(())
            }
        }
    }

    /// The default as CONFIG GET prints it.
    pub fn default_text(&self) -> String {
        match &self.imp {
            Imp::Typed { get, .. } => get(&Config::default()),
            Imp::Passive { default, .. } => (*default).to_owned(),
        }
    }

    /// True for a parameter ferrokey stores and shows but does not act on yet.
    pub fn is_passive(&self) -> bool {
        matches!(self.imp, Imp::Passive { .. }) && !super::passive::ACTED_ON.contains(&self.name)
    }

    /// Whether CONFIG REWRITE writes the value with a memory unit.
    pub fn is_memory(&self) -> bool {
        match &self.imp {
            Imp::Typed { memory, .. } => *memory,
            Imp::Passive { kind, .. } => kind.is_memory(),
        }
    }

    /// Whether CONFIG REWRITE quotes the value (free text).
    pub fn is_text(&self) -> bool {
        match &self.imp {
            Imp::Typed { .. } => TYPED_TEXT.contains(&self.name),
            Imp::Passive { kind, .. } => kind.is_text(),
        }
    }
}

/// Typed parameters whose values are free text.
const TYPED_TEXT: &[&str] = &[
    "appendfilename",
    "dbfilename",
    "dir",
    "logfile",
    "pidfile",
    "requirepass",
    "unixsocket",
];

macro_rules! param {
    ($name:literal, $mutable:literal, $multi:literal, get: $get:expr, set: $set:expr $(, $flag:ident)* $(,)?) => {
        Param {
            name: $name,
            mutable: $mutable,
            multi: $multi,
            hidden: false,
            protected: false,
            imp: Imp::Typed {
                get: $get,
                set: $set,
                memory: false,
            },
        } $(.$flag())*
    };
}

/// Every parameter, in CONFIG GET order.
pub static PARAMS: &[Param] = &[
    param!("appendfilename", false, false, get: |c| c.appendfilename.clone(), set: |c, v| {
        if v.is_empty() {
            return Err("appendfilename can't be empty".to_owned());
        }
        if v.contains('/') {
            return Err("appendfilename can't be a path, just a filename".to_owned());
        }
        c.appendfilename = v.to_owned();
        Ok(())
    }),
    param!("appendonly", true, false, get: |c| yes_no(c.appendonly), set: |c, v| {
        if yes(v)? {
            return Err("appendonly yes is not supported yet: ferrokey has no AOF persistence".to_owned());
        }
        c.appendonly = false;
        Ok(())
    }),
    param!("bind", false, true, get: |c| c.bind.join(" "), set: |c, v| {
        let addrs: Vec<String> = v.split_whitespace().map(str::to_owned).collect();
        if addrs.len() > 16 {
            return Err("Too many bind addresses specified.".to_owned());
        }
        c.bind = addrs;
        Ok(())
    }),
    param!("client-output-buffer-limit", true, true, get: |c| {
        let names = ["normal", "slave", "pubsub"];
        let parts: Vec<String> =
            c.output_limits.iter().zip(names).map(|(l, n)| format!("{n} {} {} {}", l.hard, l.soft, l.soft_seconds)).collect();
        parts.join(" ")
    }, set: |c, v| {
        let words: Vec<&str> = v.split_whitespace().collect();
        if words.len() % 4 != 0 {
            return Err("Wrong number of arguments in buffer limit configuration.".to_owned());
        }
        let mut limits = c.output_limits;
        for w in words.chunks(4) {
            let class = match w[0].to_ascii_lowercase().as_str() {
                "normal" => 0,
                "slave" | "replica" => 1,
                "pubsub" => 2,
                _ => return Err("Invalid client class specified in buffer limit configuration.".to_owned()),
            };
            let (Some(hard), Some(soft), Ok(soft_seconds)) = (memory(w[1]), memory(w[2]), w[3].parse::<u64>()) else {
                return Err("Error in hard, soft or soft_seconds setting in buffer limit configuration.".to_owned());
            };
            limits[class] = OutputLimit { hard, soft, soft_seconds };
        }
        c.output_limits = limits;
        Ok(())
    }),
    param!("client-query-buffer-limit", true, false, get: |c| c.client_query_buffer_limit.to_string(), set: |c, v| {
        c.client_query_buffer_limit = memory_in(v, 1024 * 1024, i64::MAX as u64)?;
        Ok(())
    }, memory),
    param!("commandlog-execution-slower-than", true, false, get: |c| c.slowlog_log_slower_than.to_string(), set: |c, v| {
        c.slowlog_log_slower_than = int_in(v, -1, i64::MAX)?;
        Ok(())
    }),
    param!("commandlog-slow-execution-max-len", true, false, get: |c| c.slowlog_max_len.to_string(), set: |c, v| {
        c.slowlog_max_len = int_in(v, 0, i64::MAX)? as u64;
        Ok(())
    }),
    param!("daemonize", false, false, get: |_| "no".to_owned(), set: |_, v| {
        if yes(v)? {
            return Err("daemonize yes is not supported: run ferrokey under a supervisor (systemd, a container) instead".to_owned());
        }
        Ok(())
    }),
    param!("databases", false, false, get: |c| c.databases.to_string(), set: |c, v| {
        c.databases = int_in(v, 1, i32::MAX as i64)? as usize;
        Ok(())
    }),
    param!("dbfilename", true, false, get: |c| c.dbfilename.clone(), set: |c, v| {
        if v.contains('/') {
            return Err("dbfilename can't be a path, just a filename".to_owned());
        }
        c.dbfilename = v.to_owned();
        Ok(())
    }, protected),
    // As in Valkey, setting `dir` changes the working directory at once (start-up or CONFIG
    // SET), and CONFIG GET shows the directory the server is in.
    param!("dir", true, false, get: |_| {
        std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_default()
    }, set: |c, v| {
        std::env::set_current_dir(v).map_err(|e| crate::startup::os_text(&e))?;
        c.dir = v.to_owned();
        Ok(())
    }, protected),
    // `local` allows DEBUG like `yes` (clients are not told apart by address here) but is
    // shown as given, so its spelling is kept beside the field.
    param!("enable-debug-command", false, false, get: |c| {
        match c.passive.get("enable-debug-command") {
            Some(text) if c.enable_debug_command => text.clone(),
            _ => yes_no(c.enable_debug_command),
        }
    }, set: |c, v| {
        let word = v.to_ascii_lowercase();
        c.enable_debug_command = match word.as_str() {
            "yes" | "local" => true,
            "no" => false,
            _ => return Err("argument(s) must be one of the following: no, yes, local".to_owned()),
        };
        c.passive.insert("enable-debug-command", word);
        Ok(())
    }),
    param!("hash-max-listpack-entries", true, false, get: |c| c.encodings.hash_max_listpack_entries.to_string(), set: |c, v| {
        c.encodings.hash_max_listpack_entries = int_in(v, 0, i64::MAX)? as u64;
        Ok(())
    }),
    param!("hash-max-listpack-value", true, false, get: |c| c.encodings.hash_max_listpack_value.to_string(), set: |c, v| {
        c.encodings.hash_max_listpack_value = memory_in(v, 0, i64::MAX as u64)?;
        Ok(())
    }, memory),
    param!("hll-sparse-max-bytes", true, false, get: |c| c.encodings.hll_sparse_max_bytes.to_string(), set: |c, v| {
        c.encodings.hll_sparse_max_bytes = memory_in(v, 0, i64::MAX as u64)?;
        Ok(())
    }, memory),
    param!("hz", true, false, get: |c| c.effective_hz().to_string(), set: |c, v| {
        c.hz = int_in(v, 0, i32::MAX as i64)? as u32;
        Ok(())
    }),
    param!("io-threads", false, false, get: |c| c.io_threads.to_string(), set: |c, v| {
        c.io_threads = int_in(v, 1, 256)? as usize;
        Ok(())
    }),
    param!("latency-monitor-threshold", true, false, get: |c| c.latency_monitor_threshold.to_string(), set: |c, v| {
        c.latency_monitor_threshold = int_in(v, 0, i64::MAX)? as u64;
        Ok(())
    }),
    param!("list-max-listpack-size", true, false, get: |c| c.encodings.list_max_listpack_size.to_string(), set: |c, v| {
        c.encodings.list_max_listpack_size = int_in(v, i32::MIN as i64, i32::MAX as i64)?;
        Ok(())
    }),
    param!("logfile", false, false, get: |c| c.logfile.clone(), set: |c, v| {
        c.logfile = v.to_owned();
        Ok(())
    }),
    param!("loglevel", true, false, get: |c| c.loglevel.clone(), set: |c, v| {
        let level = v.to_ascii_lowercase();
        if !["debug", "verbose", "notice", "warning", "nothing"].contains(&level.as_str()) {
            return Err("argument(s) must be one of the following: debug, verbose, notice, warning, nothing".to_owned());
        }
        c.loglevel = level;
        Ok(())
    }),
    param!("maxclients", true, false, get: |c| c.maxclients.to_string(), set: |c, v| {
        c.maxclients = int_in(v, 1, u32::MAX as i64)? as u32;
        Ok(())
    }),
    param!("notify-keyspace-events", true, false, get: |c| crate::notify::format(c.notify_keyspace_events), set: |c, v| {
        c.notify_keyspace_events = crate::notify::parse(v).ok_or_else(|| {
            "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".to_owned()
        })?;
        Ok(())
    }),
    param!("pidfile", false, false, get: |c| c.pidfile.clone(), set: |c, v| {
        c.pidfile = v.to_owned();
        Ok(())
    }),
    param!("port", false, false, get: |c| c.port.to_string(), set: |c, v| {
        c.port = int_in(v, 0, 65535)? as u16;
        Ok(())
    }),
    param!("protected-mode", true, false, get: |c| yes_no(c.protected_mode), set: |c, v| {
        c.protected_mode = yes(v)?;
        Ok(())
    }),
    param!("proto-max-bulk-len", true, false, get: |c| c.proto_max_bulk_len.to_string(), set: |c, v| {
        let bytes = memory_in(v, 1024 * 1024, i64::MAX as u64)?;
        c.proto_max_bulk_len = usize::try_from(bytes).unwrap_or(usize::MAX);
        Ok(())
    }, memory),
    // Connections made before a password is set stay logged in, as in Valkey.
    param!("requirepass", true, false, get: |c| c.requirepass.clone(), set: |c, v| {
        c.requirepass = v.to_owned();
        Ok(())
    }),
    param!("save", true, true, get: |c| {
        c.save.iter().map(|(s, n)| format!("{s} {n}")).collect::<Vec<_>>().join(" ")
    }, set: |c, v| {
        let words: Vec<&str> = v.split_whitespace().collect();
        if words.len() % 2 != 0 {
            return Err("Invalid save parameters".to_owned());
        }
        let mut points = Vec::new();
        for pair in words.chunks(2) {
            match (pair[0].parse::<u64>(), pair[1].parse::<u64>()) {
                (Ok(s), Ok(n)) if s > 0 => points.push((s, n)),
                _ => return Err("Invalid save parameters".to_owned()),
            }
        }
        if !points.is_empty() {
            return Err("save points are not supported yet: ferrokey has no RDB persistence (use save \"\")".to_owned());
        }
        c.save = points;
        Ok(())
    }),
    param!("set-max-intset-entries", true, false, get: |c| c.encodings.set_max_intset_entries.to_string(), set: |c, v| {
        c.encodings.set_max_intset_entries = int_in(v, 0, i64::MAX)? as u64;
        Ok(())
    }),
    param!("set-max-listpack-entries", true, false, get: |c| c.encodings.set_max_listpack_entries.to_string(), set: |c, v| {
        c.encodings.set_max_listpack_entries = int_in(v, 0, i64::MAX)? as u64;
        Ok(())
    }),
    param!("set-max-listpack-value", true, false, get: |c| c.encodings.set_max_listpack_value.to_string(), set: |c, v| {
        c.encodings.set_max_listpack_value = int_in(v, 0, i64::MAX)? as u64;
        Ok(())
    }),
    param!("tcp-keepalive", true, false, get: |c| c.tcp_keepalive.to_string(), set: |c, v| {
        c.tcp_keepalive = int_in(v, 0, i32::MAX as i64)? as u64;
        Ok(())
    }),
    param!("timeout", true, false, get: |c| c.timeout.to_string(), set: |c, v| {
        c.timeout = int_in(v, 0, i32::MAX as i64)? as u64;
        Ok(())
    }),
    param!("unixsocket", false, false, get: |c| c.unixsocket.clone(), set: |c, v| {
        c.unixsocket = v.to_owned();
        Ok(())
    }),
    param!("unixsocketperm", false, false, get: |c| format!("{:o}", c.unixsocketperm), set: |c, v| {
        // Valkey reads the digits as octal with a sign allowed; an empty text is 0.
        let perm = if v.is_empty() {
            0
        } else {
            i64::from_str_radix(v, 8).map_err(|_| "argument couldn't be parsed as an octal number")?
        };
        if !(0..=0o777).contains(&perm) {
            return Err("argument must be between 0 and 777 inclusive".to_owned());
        }
        c.unixsocketperm = perm as u32;
        Ok(())
    }),
    param!("zset-max-listpack-entries", true, false, get: |c| c.encodings.zset_max_listpack_entries.to_string(), set: |c, v| {
        c.encodings.zset_max_listpack_entries = int_in(v, 0, i64::MAX)? as u64;
        Ok(())
    }),
    param!("zset-max-listpack-value", true, false, get: |c| c.encodings.zset_max_listpack_value.to_string(), set: |c, v| {
        c.encodings.zset_max_listpack_value = memory_in(v, 0, i64::MAX as u64)?;
        Ok(())
    }, memory),
];

/// Valkey's other names, `(alias, canonical)`, sorted by alias. CONFIG GET `*` lists both
/// names; CONFIG GET and SET answer with the name asked for; CONFIG REWRITE writes the
/// canonical one.
pub static ALIASES: &[(&str, &str)] = &[
    ("aof_rewrite_cpulist", "aof-rewrite-cpulist"),
    ("bgsave_cpulist", "bgsave-cpulist"),
    ("bio_cpulist", "bio-cpulist"),
    ("cluster-slave-no-failover", "cluster-replica-no-failover"),
    (
        "cluster-slave-validity-factor",
        "cluster-replica-validity-factor",
    ),
    ("hash-max-ziplist-entries", "hash-max-listpack-entries"),
    ("hash-max-ziplist-value", "hash-max-listpack-value"),
    ("list-max-ziplist-size", "list-max-listpack-size"),
    ("lua-time-limit", "busy-reply-threshold"),
    ("masterauth", "primaryauth"),
    ("masteruser", "primaryuser"),
    ("min-slaves-max-lag", "min-replicas-max-lag"),
    ("min-slaves-to-write", "min-replicas-to-write"),
    ("repl-ping-slave-period", "repl-ping-replica-period"),
    ("server_cpulist", "server-cpulist"),
    ("slave-announce-ip", "replica-announce-ip"),
    ("slave-announce-port", "replica-announce-port"),
    ("slave-ignore-maxmemory", "replica-ignore-maxmemory"),
    ("slave-lazy-flush", "replica-lazy-flush"),
    ("slave-priority", "replica-priority"),
    ("slave-read-only", "replica-read-only"),
    ("slave-serve-stale-data", "replica-serve-stale-data"),
    ("slaveof", "replicaof"),
    (
        "slowlog-log-slower-than",
        "commandlog-execution-slower-than",
    ),
    ("slowlog-max-len", "commandlog-slow-execution-max-len"),
    ("zset-max-ziplist-entries", "zset-max-listpack-entries"),
    ("zset-max-ziplist-value", "zset-max-listpack-value"),
];

/// Names the config file may carry that Valkey 9.1.2 accepts and ignores (retired
/// parameters); each takes one value.
pub const RETIRED: &[&str] = &[
    "dynamic-hz",
    "list-max-ziplist-entries",
    "list-max-ziplist-value",
    "lua-replicate-commands",
    "sanitize-dump-payload",
];

/// A name of the table: the parameter, under its own name or an alias.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    /// The name as the table spells it (the alias, when found by the alias).
    pub name: &'static str,
    /// The parameter it names.
    pub param: &'static Param,
}

/// Every parameter: the typed ones, then the passive ones.
pub fn all() -> impl Iterator<Item = &'static Param> {
    PARAMS.iter().chain(PASSIVE.iter())
}

/// The parameter whose canonical name is `name` (exact spelling).
pub fn canonical(name: &str) -> Option<&'static Param> {
    let find = |table: &'static [Param]| {
        table
            .binary_search_by(|p| p.name.cmp(name))
            .ok()
            .map(|i| &table[i])
    };
    find(PARAMS).or_else(|| find(PASSIVE))
}

/// Every name CONFIG GET `*` lists: parameters and aliases, hidden ones left out.
pub fn entries() -> impl Iterator<Item = Entry> {
    all()
        .filter(|p| !p.hidden)
        .map(|p| Entry {
            name: p.name,
            param: p,
        })
        .chain(
            ALIASES.iter().filter_map(|(alias, name)| {
                canonical(name).map(|param| Entry { name: alias, param })
            }),
        )
}

/// The parameter called `name` (any case, aliases included).
pub fn lookup(name: &[u8]) -> Option<Entry> {
    let by_name = all()
        .find(|p| p.name.as_bytes().eq_ignore_ascii_case(name))
        .map(|p| Entry {
            name: p.name,
            param: p,
        });
    by_name.or_else(|| {
        ALIASES
            .iter()
            .find(|(alias, _)| alias.as_bytes().eq_ignore_ascii_case(name))
            .and_then(|(alias, canon)| canonical(canon).map(|param| Entry { name: alias, param }))
    })
}

/// Names matching the glob `pattern` (any case); hidden parameters need their exact name.
pub fn matching(pattern: &[u8]) -> impl Iterator<Item = Entry> + '_ {
    entries().filter(move |e| glob_match_nocase(pattern, e.name.as_bytes()))
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_owned()
}

pub(super) fn yes(v: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err("argument must be 'yes' or 'no'".to_owned()),
    }
}

pub(super) fn int_in(v: &str, min: i64, max: i64) -> Result<i64, String> {
    let n =
        resp::int::parse_i64(v.as_bytes()).ok_or("argument couldn't be parsed into an integer")?;
    if !(min..=max).contains(&n) {
        return Err(format!(
            "argument must be between {min} and {max} inclusive"
        ));
    }
    Ok(n)
}

fn memory_in(v: &str, min: u64, max: u64) -> Result<u64, String> {
    let bytes = memory(v).ok_or("argument must be a memory value")?;
    if !(min..=max).contains(&bytes) {
        return Err(format!(
            "argument must be between {min} and {max} inclusive"
        ));
    }
    Ok(bytes)
}

/// Valkey's memory values: digits with an optional unit (`k`=1000, `kb`=1024, `m`, `mb`,
/// `g`, `gb`, `b`), any case; no digits at all reads as 0, as in Valkey.
pub(crate) fn memory(v: &str) -> Option<u64> {
    let lower = v.to_ascii_lowercase();
    let digits_end = lower
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(lower.len());
    let (num, unit) = lower.split_at(digits_end);
    let mul: u64 = match unit {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if num.is_empty() {
        return Some(0);
    }
    num.parse::<u64>().ok()?.checked_mul(mul)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_units() {
        assert_eq!(memory("1mb"), Some(1 << 20));
        assert_eq!(memory("2000KB"), Some(2_048_000));
        assert_eq!(memory("1G"), Some(1_000_000_000));
        assert_eq!(memory("-1"), None);
        assert_eq!(memory("1x"), None);
        assert_eq!(memory("mb"), Some(0));
        assert_eq!(memory(""), Some(0));
    }

    #[test]
    fn tables_are_sorted_and_names_unique() {
        assert!(PARAMS.windows(2).all(|w| w[0].name < w[1].name));
        assert!(PASSIVE.windows(2).all(|w| w[0].name < w[1].name));
        assert!(ALIASES.windows(2).all(|w| w[0].0 < w[1].0));
        let mut names: Vec<&str> = all()
            .map(|p| p.name)
            .chain(ALIASES.iter().map(|a| a.0))
            .collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(
            names.len(),
            count,
            "a name is both a parameter and an alias"
        );
    }

    #[test]
    fn every_alias_resolves_to_its_parameter() {
        for (alias, canon) in ALIASES {
            let entry =
                lookup(alias.to_ascii_uppercase().as_bytes()).unwrap_or_else(|| panic!("{alias}"));
            assert_eq!((entry.name, entry.param.name), (*alias, *canon));
            // Setting through the alias changes what the canonical name shows.
            let mut c = Config::default();
            let value = match entry.param.name {
                "list-max-listpack-size" => "7",
                "replicaof" => "no one",
                "aof-rewrite-cpulist"
                | "bgsave-cpulist"
                | "bio-cpulist"
                | "server-cpulist"
                | "primaryauth"
                | "primaryuser"
                | "replica-announce-ip" => "",
                _ if entry.param.get(&c) == "yes" => "no",
                _ if entry.param.get(&c) == "no" => "yes",
                _ => "3",
            };
            entry
                .param
                .set(&mut c, value)
                .unwrap_or_else(|e| panic!("{alias}: {e}"));
            let shown = if value == "no one" { "" } else { value };
            assert_eq!(canonical(canon).unwrap().get(&c), shown, "{alias}");
        }
        assert!(lookup(b"no-such-thing").is_none());
    }

    #[test]
    fn every_default_prints_and_parses_back() {
        let defaults = Config::default();
        for p in all() {
            // io-threads 0 means "decided by the runtime"; rdma-bind refuses every value,
            // its empty default included, as a build without RDMA does; replicaof's empty
            // default means "no replicaof line", a value no one gives.
            if ["io-threads", "rdma-bind", "replicaof"].contains(&p.name) {
                continue;
            }
            let mut c = Config::default();
            let text = p.get(&defaults);
            assert_eq!(text, p.default_text(), "{}", p.name);
            p.set(&mut c, &text)
                .unwrap_or_else(|e| panic!("{}: {text:?}: {e}", p.name));
            assert_eq!(p.get(&c), text, "{}", p.name);
        }
    }

    /// ferrokey's deliberate departures from Valkey's defaults.
    const NOT_VALKEYS_DEFAULT: &[(&str, &str)] = &[
        // Loopback only: a server that listens everywhere by default is one misconfiguration
        // away from the internet.
        ("bind", "127.0.0.1"),
        // No persistence yet: save points are refused, so none is the default.
        ("save", ""),
    ];

    /// Every name `CONFIG GET *` lists in valkey-server 9.1.2 is here, under the same name,
    /// with the same default (`valkey_defaults.txt`), and nothing more is listed.
    #[test]
    fn config_get_star_matches_valkey_defaults() {
        let fixture = include_str!("valkey_defaults.txt");
        let defaults = Config::default();
        let mut listed: Vec<&str> = Vec::new();
        for line in fixture.lines().filter(|l| !l.starts_with('#')) {
            let (name, valkey) = line.split_once('\t').unwrap_or((line, ""));
            listed.push(name);
            let entry = lookup(name.as_bytes()).unwrap_or_else(|| panic!("missing {name}"));
            assert!(!entry.param.hidden, "{name} is hidden");
            let ours = entry.param.get(&defaults);
            match NOT_VALKEYS_DEFAULT.iter().find(|(n, _)| *n == name) {
                Some((_, deliberate)) => assert_eq!(ours, *deliberate, "{name}"),
                None => assert_eq!(ours, valkey, "{name}"),
            }
        }
        let left_out = [
            "dir",
            "io-threads",
            "logfile",
            "pidfile",
            "port",
            "unixsocket",
        ];
        for entry in entries() {
            assert!(
                listed.contains(&entry.name) || left_out.contains(&entry.name),
                "{} is not in Valkey's CONFIG GET *",
                entry.name
            );
        }
    }
}
