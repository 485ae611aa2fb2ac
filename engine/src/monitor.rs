//! MONITOR: clients that receive every command other clients run, as
//! `+<unix s>.<µs> [<db> <addr>] "arg" …` lines pushed through their pub/sub mailbox.
//!
//! Commands check an atomic count first, so with no monitor attached nothing else is paid;
//! with monitors, the line is formatted once and appended to each monitor's mailbox under a
//! read lock.

use crate::clients::ClientHandle;
use crate::commands::table::flags;
use crate::config::Config;
use crate::connection::ClientState;
use crate::server::Server;
use crate::sync::{lock_read, lock_write, Arc, AtomicUsize, Ordering, RwLock};

/// The clients in MONITOR mode.
#[derive(Debug)]
pub struct Monitors {
    count: AtomicUsize,
    list: RwLock<Vec<Arc<ClientHandle>>>,
}

impl Default for Monitors {
    fn default() -> Self {
        Self {
            count: AtomicUsize::new(0),
            list: RwLock::new(Vec::new()),
        }
    }
}

impl Monitors {
    /// True while at least one client monitors (one relaxed load: the hot path's check).
    #[inline]
    pub fn active(&self) -> bool {
        self.count.load(Ordering::Relaxed) > 0
    }

    /// Puts `client` in MONITOR mode; false when it already was.
    pub fn add(&self, client: &Arc<ClientHandle>) -> bool {
        let mut list = lock_write(&self.list);
        if list.iter().any(|c| c.id == client.id) {
            return false;
        }
        list.push(client.clone());
        self.count.store(list.len(), Ordering::Relaxed);
        true
    }

    /// Takes client `id` out of MONITOR mode (it closed or ran RESET).
    pub fn remove(&self, id: u64) {
        if !self.active() {
            return;
        }
        let mut list = lock_write(&self.list);
        list.retain(|c| c.id != id);
        self.count.store(list.len(), Ordering::Relaxed);
    }

    /// True when client `id` monitors.
    pub fn contains(&self, id: u64) -> bool {
        self.active() && lock_read(&self.list).iter().any(|c| c.id == id)
    }
}

/// Sends the command to every monitor, unless it is one Valkey keeps from them (admin
/// commands, and those flagged skip-monitor).
#[inline]
pub fn feed(
    server: &Server,
    config: &Config,
    client: &ClientState,
    argv: &[&[u8]],
    flags: u64,
    now_us: u64,
) {
    if !server.monitors.active() || flags & (flags::SKIP_MONITOR | flags::ADMIN) != 0 {
        return;
    }
    deliver(server, config, client, argv, now_us);
}

#[cold]
fn deliver(server: &Server, config: &Config, client: &ClientState, argv: &[&[u8]], now_us: u64) {
    let addr = &client.handle.peer.addr;
    let unix = !config.unixsocket.is_empty()
        && addr.strip_suffix(":0") == Some(config.unixsocket.as_str());
    let origin = if unix {
        format!("unix:{}", config.unixsocket)
    } else {
        addr.clone()
    };
    let line = line(now_us, client.db, &origin, argv);
    // Valkey holds monitors to the normal class's limits, not the replicas'.
    let limit = config.output_limits[0].hard;
    for m in lock_read(&server.monitors.list).iter() {
        m.mailbox.deliver(limit, |w| w.simple(&line));
        m.wake();
    }
}

/// The MONITOR line without `+` and CRLF: time, `[db origin]`, the quoted arguments
/// (sensitive ones as `(redacted)`).
pub fn line(now_us: u64, db: usize, origin: &str, argv: &[&[u8]]) -> Vec<u8> {
    let mut out = format!(
        "{}.{:06} [{db} {origin}]",
        now_us / 1_000_000,
        now_us % 1_000_000
    )
    .into_bytes();
    for (j, arg) in argv.iter().enumerate() {
        out.push(b' ');
        if crate::slowlog::redacted(argv, j) {
            quote(&mut out, b"(redacted)");
        } else {
            quote(&mut out, arg);
        }
    }
    out
}

/// Appends `s` double-quoted with C escapes, as Valkey's `sdscatrepr` writes it.
pub fn quote(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    for &b in s {
        match b {
            b'\\' | b'"' => out.extend_from_slice(&[b'\\', b]),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x07 => out.extend_from_slice(b"\\a"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x20..=0x7e => out.push(b),
            _ => out.extend_from_slice(format!("\\x{b:02x}").as_bytes()),
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_valkey() {
        let l = line(
            1_796_323_800_000_042,
            0,
            "127.0.0.1:45806",
            &[b"set", b"k\x01\x00", b"\n\t\xff\x7f\r\x07\x08 ~\""],
        );
        assert_eq!(
            String::from_utf8(l).unwrap(),
            r#"1796323800.000042 [0 127.0.0.1:45806] "set" "k\x01\x00" "\n\t\xff\x7f\r\a\b ~\"""#
        );
        let l = line(5_000_000, 3, "unix:/tmp/s", &[b"auth", b"pw"]);
        assert_eq!(
            String::from_utf8(l).unwrap(),
            r#"5.000000 [3 unix:/tmp/s] "auth" "(redacted)""#
        );
    }

    use crate::sync::Arc;
    use crate::{Config, Connection, Server};

    /// Sends `input` and returns what came out (replies and pushed lines).
    use crate::testing::talk;

    /// Moves pushed lines into the output, as the runtime does when the waker fires.
    fn pushed(c: &mut Connection, now_us: u64) -> String {
        let waker = std::task::Waker::noop();
        let _ = c.poll_ready(&mut std::task::Context::from_waker(waker), now_us);
        talk(c, "", now_us)
    }

    #[test]
    fn monitor_sees_other_clients_commands_but_not_admin_ones() {
        let server = Arc::new(Server::new(Config::default()));
        let mut m = Connection::new(server.clone());
        let mut c = Connection::new(server.clone());
        assert!(!server.monitors.active());
        assert_eq!(talk(&mut m, "MONITOR\r\n", 1_000_000), "+OK\r\n");
        // A second MONITOR is ignored without a reply, as Valkey does.
        assert_eq!(talk(&mut m, "MONITOR\r\n", 1_000_000), "");
        talk(
            &mut c,
            "SET k \"a b\"\r\nCONFIG GET port\r\nGET\r\nSELECT 2\r\nAUTH pw\r\n",
            2_000_001,
        );
        talk(
            &mut c,
            "MULTI\r\nSET x 1\r\nEXEC\r\nSLOWLOG LEN\r\n",
            3_000_000,
        );
        assert_eq!(
            pushed(&mut m, 3_000_000),
            concat!(
                "+2.000001 [0 ] \"SET\" \"k\" \"a b\"\r\n",
                "+2.000001 [2 ] \"SELECT\" \"2\"\r\n",
                "+2.000001 [2 ] \"AUTH\" \"(redacted)\"\r\n",
                "+3.000000 [2 ] \"MULTI\"\r\n",
                "+3.000000 [2 ] \"SET\" \"x\" \"1\"\r\n",
                "+3.000000 [2 ] \"EXEC\"\r\n",
            )
        );
        // The monitor itself is kept off the keyspace, as Valkey's replicas are.
        assert_eq!(
            talk(&mut m, "GET k\r\nPING\r\n", 3_500_000),
            concat!(
                "-ERR Replica can't interact with the keyspace\r\n+PONG\r\n",
                // A monitor sees its own commands too.
                "+3.500000 [0 ] \"PING\"\r\n"
            )
        );
        // RESET leaves monitor mode; so does closing.
        talk(&mut m, "RESET\r\n", 4_000_000);
        assert!(!server.monitors.active());
        talk(&mut m, "MONITOR\r\n", 4_000_000);
        assert!(server.monitors.active());
        drop(m);
        assert!(!server.monitors.active());
    }
}
