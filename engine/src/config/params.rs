//! The parameter table: name, parse, print, and whether CONFIG SET may change it.

use super::{Config, OutputLimit};
use crate::glob::glob_match_nocase;

/// One parameter of the table.
#[derive(Debug)]
pub struct Param {
    /// Name as Valkey spells it.
    pub name: &'static str,
    /// False for parameters only the start-up configuration may set (or that the running
    /// server cannot apply yet, such as a new listening port).
    pub mutable: bool,
    /// True when the value is a list (`bind a b`, `save 3600 1 300 100`): a config-file line
    /// may give several arguments, joined by spaces.
    pub multi: bool,
    get: fn(&Config) -> String,
    set: fn(&mut Config, &str) -> Result<(), String>,
}

impl Param {
    /// The value as CONFIG GET prints it.
    pub fn get(&self, c: &Config) -> String {
        (self.get)(c)
    }

    /// Parses `value` into `c`; the error is the reason Valkey gives.
    pub fn set(&self, c: &mut Config, value: &str) -> Result<(), String> {
        (self.set)(c, value)
    }
}

macro_rules! param {
    ($name:literal, $mutable:literal, $multi:literal, get: $get:expr, set: $set:expr $(,)?) => {
        Param {
            name: $name,
            mutable: $mutable,
            multi: $multi,
            get: $get,
            set: $set,
        }
    };
}

/// Every parameter, in CONFIG GET order.
pub static PARAMS: &[Param] = &[
    param!("appendfilename", false, false, get: |c| c.appendfilename.clone(), set: |c, v| {
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
        if words.is_empty() || words.len() % 4 != 0 {
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
    param!("dbfilename", false, false, get: |c| c.dbfilename.clone(), set: |c, v| {
        if v.contains('/') {
            return Err("dbfilename can't be a path, just a filename".to_owned());
        }
        c.dbfilename = v.to_owned();
        Ok(())
    }),
    // As in Valkey, setting `dir` changes the working directory at once (start-up or CONFIG
    // SET), and CONFIG GET shows the directory the server is in.
    param!("dir", true, false, get: |_| {
        std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_default()
    }, set: |c, v| {
        std::env::set_current_dir(v).map_err(|e| crate::startup::os_text(&e))?;
        c.dir = v.to_owned();
        Ok(())
    }),
    param!("enable-debug-command", false, false, get: |c| yes_no(c.enable_debug_command), set: |c, v| {
        c.enable_debug_command = match v.to_ascii_lowercase().as_str() {
            "yes" | "local" => true,
            "no" => false,
            _ => return Err("argument(s) must be one of the following: no, yes, local".to_owned()),
        };
        Ok(())
    }),
    param!("hash-max-listpack-entries", true, false, get: |c| c.encodings.hash_max_listpack_entries.to_string(), set: |c, v| {
        c.encodings.hash_max_listpack_entries = int_in(v, 0, i64::MAX)? as u64;
        Ok(())
    }),
    param!("hash-max-listpack-value", true, false, get: |c| c.encodings.hash_max_listpack_value.to_string(), set: |c, v| {
        c.encodings.hash_max_listpack_value = int_in(v, 0, i64::MAX)? as u64;
        Ok(())
    }),
    param!("hll-sparse-max-bytes", true, false, get: |c| c.encodings.hll_sparse_max_bytes.to_string(), set: |c, v| {
        c.encodings.hll_sparse_max_bytes = memory_in(v, 0, i64::MAX as u64)?;
        Ok(())
    }),
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
    }),
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
    param!("slowlog-log-slower-than", true, false, get: |c| c.slowlog_log_slower_than.to_string(), set: |c, v| {
        c.slowlog_log_slower_than = int_in(v, -1, i64::MAX)?;
        Ok(())
    }),
    param!("slowlog-max-len", true, false, get: |c| c.slowlog_max_len.to_string(), set: |c, v| {
        c.slowlog_max_len = int_in(v, 0, i64::MAX)? as u64;
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
        c.unixsocketperm = u32::from_str_radix(v, 8)
            .ok()
            .filter(|p| *p <= 0o777)
            .ok_or("argument must be between 0 and 777 (octal) inclusive")?;
        Ok(())
    }),
    param!("zset-max-listpack-entries", true, false, get: |c| c.encodings.zset_max_listpack_entries.to_string(), set: |c, v| {
        c.encodings.zset_max_listpack_entries = int_in(v, 0, i64::MAX)? as u64;
        Ok(())
    }),
    param!("zset-max-listpack-value", true, false, get: |c| c.encodings.zset_max_listpack_value.to_string(), set: |c, v| {
        c.encodings.zset_max_listpack_value = int_in(v, 0, i64::MAX)? as u64;
        Ok(())
    }),
];

/// The parameter called `name` (any case; `replicaof`-style aliases are not needed yet).
pub fn lookup(name: &[u8]) -> Option<&'static Param> {
    PARAMS
        .iter()
        .find(|p| p.name.as_bytes().eq_ignore_ascii_case(name))
}

/// Parameters whose names match the glob `pattern` (any case).
pub fn matching(pattern: &[u8]) -> impl Iterator<Item = &'static Param> + '_ {
    PARAMS
        .iter()
        .filter(move |p| glob_match_nocase(pattern, p.name.as_bytes()))
}

/// Settings the runtimes do not act on yet are refused when given a value rather than
/// silently ignored.
fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_owned()
}

fn yes(v: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err("argument must be 'yes' or 'no'".to_owned()),
    }
}

fn int_in(v: &str, min: i64, max: i64) -> Result<i64, String> {
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
/// `g`, `gb`, `b`), any case.
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
        return None;
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
        assert_eq!(memory("mb"), None);
    }

    #[test]
    fn table_is_sorted_and_every_default_prints_and_parses_back() {
        assert!(PARAMS.windows(2).all(|w| w[0].name < w[1].name));
        let defaults = Config::default();
        for p in PARAMS {
            let mut c = Config::default();
            let text = p.get(&defaults);
            if p.name == "io-threads" {
                continue; // 0 means "decided by the runtime" and is not a value users give
            }
            p.set(&mut c, &text)
                .unwrap_or_else(|e| panic!("{}: {text:?}: {e}", p.name));
            assert_eq!(p.get(&c), text, "{}", p.name);
        }
    }
}
