//! The slow log (SLOWLOG) and what every executed command reports to the introspection
//! features: slow-log entries, latency-monitor samples and MONITOR lines.
//!
//! The checks on the hot path are comparisons against the connection's configuration
//! snapshot and one relaxed atomic load (are there monitors?); the slow log's lock is taken
//! only by a command that was slow enough to be logged.

use std::collections::VecDeque;

use crate::commands::table::flags;
use crate::config::Config;
use crate::connection::ClientState;
use crate::server::Server;
use crate::sync::{lock, Mutex};

/// The most arguments an entry keeps; the last kept one says how many were left out.
pub const MAX_ARGC: usize = 32;
/// The most bytes an argument keeps; the rest is replaced by `... (N more bytes)`.
pub const MAX_STRING: usize = 128;

/// One slow-log entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Unique, growing id (never reused, not reset by SLOWLOG RESET).
    pub id: u64,
    /// Unix seconds when it was logged.
    pub time: u64,
    /// Execution time in microseconds.
    pub duration_us: u64,
    /// The arguments, redacted and trimmed.
    pub argv: Vec<Vec<u8>>,
    /// The client's `ip:port`.
    pub peer: String,
    /// The client's name (empty: none).
    pub name: Vec<u8>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Newest first.
    entries: VecDeque<Entry>,
    next_id: u64,
}

/// The server's slow log.
#[derive(Debug)]
pub struct SlowLog {
    inner: Mutex<Inner>,
}

impl Default for SlowLog {
    fn default() -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
        }
    }
}

impl SlowLog {
    /// Adds the entry `make` builds (given its id) and trims the log to `max_len`.
    pub fn push(&self, max_len: u64, make: impl FnOnce(u64) -> Entry) {
        let mut inner = lock(&self.inner);
        let id = inner.next_id;
        inner.next_id += 1;
        inner.entries.push_front(make(id));
        inner.entries.truncate(max_len as usize);
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        lock(&self.inner).entries.len()
    }

    /// True when no entry is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops the oldest entries past `max_len` (CONFIG SET slowlog-max-len applies at once).
    pub fn trim(&self, max_len: u64) {
        lock(&self.inner).entries.truncate(max_len as usize);
    }

    /// SLOWLOG RESET.
    pub fn reset(&self) {
        lock(&self.inner).entries.clear();
    }

    /// The newest `count` entries (all of them for `None`), newest first.
    pub fn newest(&self, count: Option<usize>) -> Vec<Entry> {
        let inner = lock(&self.inner);
        let n = count.map_or(inner.entries.len(), |c| c.min(inner.entries.len()));
        inner.entries.iter().take(n).cloned().collect()
    }
}

/// Whether argument `j` of `argv` carries a secret that the slow log and MONITOR show as
/// `(redacted)`: AUTH's arguments, HELLO's AUTH username and password, MIGRATE's AUTH /
/// AUTH2 credentials, CONFIG SET values of sensitive parameters, ACL user arguments.
pub fn redacted(argv: &[&[u8]], j: usize) -> bool {
    let is = |i: usize, w: &str| {
        argv.get(i)
            .is_some_and(|a| a.eq_ignore_ascii_case(w.as_bytes()))
    };
    if j == 0 {
        return false;
    }
    if is(0, "auth") {
        return true;
    }
    if is(0, "hello") {
        // HELLO protover [AUTH username password] [SETNAME name]
        let mut i = 2;
        while i < argv.len() {
            if is(i, "auth") {
                if j == i + 1 || j == i + 2 {
                    return true;
                }
                i += 3;
            } else {
                i += 2;
            }
        }
        return false;
    }
    if is(0, "migrate") {
        // MIGRATE host port key db timeout [COPY] [REPLACE] [AUTH pw | AUTH2 user pw] [KEYS …]
        let mut i = 6;
        while i < argv.len() {
            if is(i, "auth") {
                if j == i + 1 {
                    return true;
                }
                i += 2;
            } else if is(i, "auth2") {
                if j == i + 1 || j == i + 2 {
                    return true;
                }
                i += 3;
            } else if is(i, "keys") {
                return false;
            } else {
                i += 1;
            }
        }
        return false;
    }
    if is(0, "config") && is(1, "set") {
        // CONFIG SET name value [name value …]: the value after a sensitive name.
        return j >= 3 && (j - 2) % 2 == 1 && sensitive_config(argv[j - 1]);
    }
    if is(0, "acl") && (is(1, "setuser") || is(1, "getuser") || is(1, "deluser")) {
        return j >= 2;
    }
    false
}

/// Parameters whose values are secrets (Valkey's SENSITIVE_CONFIG).
fn sensitive_config(name: &[u8]) -> bool {
    [
        "requirepass",
        "masterauth",
        "primaryauth",
        "masteruser",
        "primaryuser",
        "tls-key-file-pass",
        "tls-client-key-file-pass",
    ]
    .iter()
    .any(|s| name.eq_ignore_ascii_case(s.as_bytes()))
}

/// The arguments as an entry keeps them: redacted, at most [`MAX_ARGC`] (the last one
/// replaced by `... (N more arguments)`), each at most [`MAX_STRING`] bytes.
pub fn trim_argv(argv: &[&[u8]]) -> Vec<Vec<u8>> {
    let kept = argv.len().min(MAX_ARGC);
    (0..kept)
        .map(|j| {
            if kept != argv.len() && j == kept - 1 {
                format!("... ({} more arguments)", argv.len() - kept + 1).into_bytes()
            } else if redacted(argv, j) {
                b"(redacted)".to_vec()
            } else if argv[j].len() > MAX_STRING {
                let mut s = argv[j][..MAX_STRING].to_vec();
                s.extend_from_slice(
                    format!("... ({} more bytes)", argv[j].len() - MAX_STRING).as_bytes(),
                );
                s
            } else {
                argv[j].to_vec()
            }
        })
        .collect()
}

/// A command that blocked: counted and reported when it ends, with the time it took to run
/// (not to wait).
#[derive(Clone, Debug)]
pub struct Parked {
    /// Copied only while the slow log is on.
    argv: Vec<Vec<u8>>,
    name: Option<&'static str>,
    flags: u64,
    usec: u64,
}

impl Parked {
    /// The command's full name (commandstats).
    pub fn name(&self) -> Option<&'static str> {
        self.name
    }

    /// Its run time in microseconds.
    pub fn usec(&self) -> u64 {
        self.usec
    }

    /// Reports the blocked command now that it ended.
    pub fn finish(self, server: &Server, config: &Config, client: &ClientState, now_us: u64) {
        if self.argv.is_empty() {
            return;
        }
        let argv: Vec<&[u8]> = self.argv.iter().map(Vec::as_slice).collect();
        timed(server, config, client, &argv, self.flags, self.usec, now_us);
    }
}

/// How the command ended, for [`observe`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Done.
    Done,
    /// DEBUG SLEEP: its time counts until this Unix microsecond (the connection, not the
    /// thread, sleeps, so the measured time alone would miss it).
    SleepsUntil(u64),
    /// Blocked: the slow log hears of it when it ends ([`Parked`]).
    Blocked,
}

/// Reports an executed command (`name` and `flags` from its table entry, `usec` its
/// execution time) to the slow log, the latency monitor and MONITOR; for a blocked command
/// returns what to count and report once it ends.
#[inline]
#[allow(clippy::too_many_arguments)]
pub fn observe(
    server: &Server,
    config: &Config,
    client: &ClientState,
    argv: &[&[u8]],
    name: Option<&'static str>,
    flags: u64,
    usec: u64,
    now_us: u64,
    outcome: Outcome,
    monitor: bool,
) -> Option<Parked> {
    // An admin command may have been CONFIG SET: Valkey judges it by the settings it left
    // (the connection's snapshot is from before it ran), and a smaller slowlog-max-len
    // trims the log at once. Admin commands are rare enough to
    // take the current configuration each time.
    let fresh;
    let config = if flags & flags::ADMIN != 0 {
        fresh = server.config();
        server.slowlog.trim(fresh.slowlog_max_len);
        &*fresh
    } else {
        config
    };
    if monitor {
        crate::monitor::feed(server, config, client, argv, flags, now_us);
    }
    match outcome {
        Outcome::Done => {
            timed(server, config, client, argv, flags, usec, now_us);
            None
        }
        Outcome::SleepsUntil(until) => {
            let usec = usec + until.saturating_sub(now_us);
            timed(server, config, client, argv, flags, usec, now_us);
            None
        }
        Outcome::Blocked => Some(Parked {
            argv: if slow_enabled(config) {
                argv.iter().map(|a| a.to_vec()).collect()
            } else {
                Vec::new()
            },
            name,
            flags,
            usec,
        }),
    }
}

fn slow_enabled(config: &Config) -> bool {
    config.slowlog_log_slower_than >= 0 && config.slowlog_max_len > 0
}

/// The time-based reports: a latency sample and a slow-log entry when due.
#[inline]
fn timed(
    server: &Server,
    config: &Config,
    client: &ClientState,
    argv: &[&[u8]],
    flags: u64,
    usec: u64,
    now_us: u64,
) {
    let event = if flags & flags::FAST != 0 {
        "fast-command"
    } else {
        "command"
    };
    server.latency.sample_if_needed(
        config.latency_monitor_threshold,
        event,
        usec / 1000,
        now_us / 1_000_000,
    );
    if slow_enabled(config)
        && usec >= config.slowlog_log_slower_than as u64
        && flags & flags::SKIP_COMMANDLOG == 0
    {
        log_slow(server, config, client, argv, usec, now_us);
    }
}

#[cold]
fn log_slow(
    server: &Server,
    config: &Config,
    client: &ClientState,
    argv: &[&[u8]],
    usec: u64,
    now_us: u64,
) {
    let handle = &client.handle;
    let name = lock(&handle.meta).name.clone().unwrap_or_default();
    let argv = trim_argv(argv);
    server.slowlog.push(config.slowlog_max_len, |id| Entry {
        id,
        time: now_us / 1_000_000,
        duration_us: usec,
        argv,
        peer: handle.peer.addr.clone(),
        name,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: u64) -> Entry {
        Entry {
            id,
            time: 0,
            duration_us: 0,
            argv: vec![],
            peer: String::new(),
            name: vec![],
        }
    }

    #[test]
    fn keeps_newest_first_and_trims_to_max_len() {
        let log = SlowLog::default();
        for _ in 0..5 {
            log.push(3, entry);
        }
        let ids: Vec<u64> = log.newest(None).iter().map(|e| e.id).collect();
        assert_eq!(ids, vec![4, 3, 2]);
        assert_eq!(log.newest(Some(1))[0].id, 4);
        assert_eq!(log.newest(Some(0)).len(), 0);
        // A smaller max-len applies from the next entry; ids keep growing after RESET.
        log.push(1, entry);
        assert_eq!(log.len(), 1);
        log.reset();
        assert!(log.is_empty());
        log.push(0, entry);
        assert!(log.is_empty());
        log.push(10, entry);
        assert_eq!(log.newest(None)[0].id, 7);
    }

    #[test]
    fn trims_arguments_and_long_strings() {
        let args: Vec<Vec<u8>> = (0..33).map(|i| i.to_string().into_bytes()).collect();
        let argv: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
        let t = trim_argv(&argv);
        assert_eq!(t.len(), 32);
        assert_eq!(t[30], b"30");
        assert_eq!(t[31], b"... (2 more arguments)");
        let exactly: Vec<&[u8]> = argv[..32].to_vec();
        assert_eq!(trim_argv(&exactly)[31], b"31");
        let long = vec![b'A'; 129];
        let t = trim_argv(&[b"set", b"k", &long]);
        let mut want = vec![b'A'; 128];
        want.extend_from_slice(b"... (1 more bytes)");
        assert_eq!(t[2], want);
        assert_eq!(trim_argv(&[b"set", b"k", &long[..128]])[2].len(), 128);
    }

    #[test]
    fn redacts_secrets() {
        let show = |argv: &[&[u8]]| -> Vec<String> {
            trim_argv(argv)
                .into_iter()
                .map(|a| String::from_utf8(a).unwrap())
                .collect()
        };
        assert_eq!(
            show(&[b"AUTH", b"u", b"p"]),
            ["AUTH", "(redacted)", "(redacted)"]
        );
        assert_eq!(
            show(&[b"hello", b"3", b"setname", b"n", b"AUTH", b"u", b"p"]),
            [
                "hello",
                "3",
                "setname",
                "n",
                "AUTH",
                "(redacted)",
                "(redacted)"
            ]
        );
        assert_eq!(
            show(&[b"config", b"set", b"maxmemory", b"0", b"REQUIREPASS", b"x"]),
            [
                "config",
                "set",
                "maxmemory",
                "0",
                "REQUIREPASS",
                "(redacted)"
            ]
        );
        assert_eq!(
            show(&[b"migrate", b"h", b"1", b"k", b"0", b"5", b"AUTH2", b"u", b"p", b"KEYS", b"a"]),
            [
                "migrate",
                "h",
                "1",
                "k",
                "0",
                "5",
                "AUTH2",
                "(redacted)",
                "(redacted)",
                "KEYS",
                "a"
            ]
        );
        assert_eq!(show(&[b"get", b"auth"]), ["get", "auth"]);
    }

    use crate::sync::Arc;
    use crate::{Config, Connection, Server};

    use crate::testing::talk;

    fn logged(server: &Server) -> Vec<String> {
        server
            .slowlog
            .newest(None)
            .iter()
            .map(|e| {
                let argv: Vec<String> = e
                    .argv
                    .iter()
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect();
                argv.join(" ")
            })
            .collect()
    }

    #[test]
    fn logs_what_ran_blocked_commands_when_they_end_and_debug_sleep_with_its_time() {
        let config = Config {
            slowlog_log_slower_than: 0,
            enable_debug_command: true,
            ..Config::default()
        };
        fn monotonic_us() -> u64 {
            static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
            START
                .get_or_init(std::time::Instant::now)
                .elapsed()
                .as_micros() as u64
        }
        let server = Arc::new(Server::new(config).with_probes(crate::Probes {
            monotonic_us: Some(monotonic_us),
            ..Default::default()
        }));
        let mut c = Connection::new(server.clone());
        let mut b = Connection::new(server.clone());
        talk(
            &mut c,
            "SET k v\r\nGET\r\nMULTI\r\nINCR n\r\nEXEC\r\n",
            1_000_000,
        );
        assert_eq!(logged(&server), ["INCR n", "MULTI", "SET k v"]);
        server.slowlog.reset();
        // Blocked: nothing yet; served: logged once, with its run time only.
        talk(&mut b, "BLPOP l 0\r\n", 1_000_000);
        assert!(logged(&server).is_empty());
        talk(&mut c, "LPUSH l x\r\n", 9_000_000);
        assert_eq!(logged(&server), ["LPUSH l x"]);
        let waker = std::task::Waker::noop();
        let _ = b.poll_ready(&mut std::task::Context::from_waker(waker), 9_000_000);
        assert_eq!(logged(&server), ["BLPOP l 0", "LPUSH l x"]);
        assert!(server.slowlog.newest(Some(1))[0].duration_us < 1_000_000);
        // Its call is counted when it ends, with the error a CLIENT UNBLOCK gives it.
        assert_eq!(server.stats().commands["blpop"].calls, 1);
        talk(&mut b, "BLPOP l 0\r\n", 9_000_000);
        assert_eq!(server.stats().commands["blpop"].calls, 1);
        let id = b.state().id;
        talk(&mut c, &format!("CLIENT UNBLOCK {id} ERROR\r\n"), 9_000_000);
        let _ = b.poll_ready(&mut std::task::Context::from_waker(waker), 9_000_000);
        let blpop = server.stats().commands["blpop"];
        assert_eq!((blpop.calls, blpop.failed), (2, 1));
        assert_eq!(server.stats().errors[&b"UNBLOCKED"[..]], 1);
        // DEBUG SLEEP counts the time it sleeps: out of a transaction the connection is
        // parked (the thread goes on), inside one the thread sleeps.
        server.slowlog.reset();
        talk(
            &mut c,
            "CONFIG SET slowlog-log-slower-than 100000\r\n",
            10_000_000,
        );
        talk(&mut c, "DEBUG SLEEP 0.2\r\n", 10_000_000);
        c.handle_timeout(10_200_000);
        talk(&mut c, "MULTI\r\nDEBUG SLEEP 0.3\r\nEXEC\r\n", 11_000_000);
        let entries = server.slowlog.newest(None);
        assert_eq!(entries.len(), 2, "{entries:?}");
        assert!(entries[0].duration_us >= 300_000, "{entries:?}");
        assert!(entries[1].duration_us >= 200_000, "{entries:?}");
        assert_eq!(entries[0].argv, [&b"DEBUG"[..], b"SLEEP", b"0.3"]);
        // INFO commandstats and the latency histogram count it too.
        let debug = server.stats().commands["debug"];
        assert!(debug.usec >= 200_000, "{debug:?}");
        assert_eq!(debug.hist[crate::latency::histogram_slot(200_000)], 1);
        assert_eq!(entries[1].time, 10);
    }
}
