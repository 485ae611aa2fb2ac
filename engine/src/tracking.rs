//! Client-side caching (CLIENT TRACKING): which clients cached which keys, and the
//! invalidation messages a write sends them.
//!
//! Default mode remembers the keys each read-only command of a tracking client touched; the
//! first write to such a key sends `invalidate [key]` to those clients and forgets the key.
//! BCAST mode remembers prefixes instead: every write to a key under a prefix is collected,
//! and at the end of the writing command each subscriber of the prefix gets one message with
//! the sorted keys. Messages go through the receiver's pub/sub mailbox (RESP3 push, or a
//! `__redis__:invalidate` message to a RESP2 client it redirects to), so a client's own
//! invalidation arrives after the reply of the command that caused it.

use std::collections::{BTreeMap, HashMap};

use crate::clients::ClientHandle;
use crate::server::Server;
use crate::sync::{lock, Arc, AtomicBool, AtomicU64, AtomicUsize, Mutex, Ordering};

/// A client's tracking settings (CLIENT TRACKING ON … and CLIENT CACHING).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mode {
    /// Tracking is on.
    pub on: bool,
    /// BCAST: prefixes instead of remembered keys.
    pub bcast: bool,
    /// OPTIN: only commands after `CLIENT CACHING YES` are remembered.
    pub optin: bool,
    /// OPTOUT: commands after `CLIENT CACHING NO` are not remembered.
    pub optout: bool,
    /// NOLOOP: no messages about the client's own writes.
    pub noloop: bool,
    /// The client messages go to instead (0: itself).
    pub redirect: u64,
    /// CLIENT CACHING was given for the next command.
    pub caching: bool,
    /// BCAST prefixes.
    pub prefixes: Vec<Vec<u8>>,
    /// An invalidation found the redirect target gone (TRACKINGINFO `broken_redirect`).
    pub broken_redirect: bool,
}

impl Mode {
    /// Whether a read-only command run now has its keys remembered.
    pub fn remembers(&self) -> bool {
        let opted_out = if self.optin {
            !self.caching
        } else {
            self.optout && self.caching
        };
        self.on && !self.bcast && !opted_out
    }
}

/// The server's tracking tables.
#[derive(Debug, Default)]
pub struct Tracking {
    /// Clients with tracking on: when 0, writes skip everything here.
    clients: AtomicUsize,
    /// Key → ids of the clients that cached it (default mode).
    keys: Mutex<HashMap<Box<[u8]>, Vec<u64>>>,
    /// `keys.len()`, readable without the lock (checked before every command).
    key_count: AtomicUsize,
    /// Client ids over all keys (INFO tracking_total_items).
    items: AtomicUsize,
    /// `tracking-table-max-keys` and the config epoch it was read at (+1; 0: never read).
    max_keys: AtomicU64,
    max_keys_epoch: AtomicU64,
    /// Consecutive evictions that ended still over the limit: each round tries 100 more.
    evict_rounds: AtomicUsize,
    /// BCAST prefixes, their clients and the keys written under them since the last flush.
    prefixes: Mutex<Vec<Prefix>>,
    /// Set when some prefix has keys waiting for [`Tracking::flush`].
    pending: AtomicBool,
}

#[derive(Debug)]
struct Prefix {
    prefix: Vec<u8>,
    clients: Vec<u64>,
    /// Written keys (sorted, as Valkey sends them) → the client that wrote it (NOLOOP).
    written: Written,
}

type Written = BTreeMap<Vec<u8>, u64>;

impl Tracking {
    /// True while any client tracks.
    pub fn active(&self) -> bool {
        self.clients.load(Ordering::Acquire) > 0
    }

    /// Number of clients with tracking on (INFO tracking_clients).
    pub fn clients(&self) -> usize {
        self.clients.load(Ordering::Acquire)
    }

    /// Keys remembered in default mode (INFO tracking_total_keys).
    pub fn total_keys(&self) -> usize {
        lock(&self.keys).len()
    }

    /// Client ids remembered over all keys (INFO tracking_total_items).
    pub fn total_items(&self) -> usize {
        self.items.load(Ordering::Acquire)
    }

    /// BCAST prefixes with at least one client (INFO tracking_total_prefixes).
    pub fn total_prefixes(&self) -> usize {
        lock(&self.prefixes).len()
    }

    /// Tracking turned on for `client` (BCAST: under `prefixes`, "" when none).
    pub fn enable(&self, client: &ClientHandle, was_on: bool, prefixes: &[Vec<u8>]) {
        if !was_on {
            self.clients.fetch_add(1, Ordering::AcqRel);
        }
        let mut table = lock(&self.prefixes);
        for p in prefixes {
            match table.iter_mut().find(|e| e.prefix == *p) {
                Some(e) if e.clients.contains(&client.id) => {}
                Some(e) => e.clients.push(client.id),
                None => table.push(Prefix {
                    prefix: p.clone(),
                    clients: vec![client.id],
                    written: BTreeMap::new(),
                }),
            }
        }
    }

    /// Tracking turned off for `client` (CLIENT TRACKING OFF, RESET, disconnect).
    pub fn disable(&self, client: &ClientHandle, mode: &Mode) {
        if !mode.on {
            return;
        }
        self.clients.fetch_sub(1, Ordering::AcqRel);
        let mut table = lock(&self.prefixes);
        for e in table.iter_mut() {
            e.clients.retain(|id| *id != client.id);
        }
        table.retain(|e| !e.clients.is_empty());
        // Default-mode keys stay until written; a message to a client that left is dropped.
    }

    /// `client` read `keys` (a read-only command in default mode).
    pub fn remember<'k>(&self, client: u64, keys: impl IntoIterator<Item = &'k [u8]>) {
        let mut table = lock(&self.keys);
        for key in keys {
            let ids = table.entry(key.into()).or_default();
            if !ids.contains(&client) {
                ids.push(client);
                self.items.fetch_add(1, Ordering::AcqRel);
            }
        }
        self.key_count.store(table.len(), Ordering::Release);
    }

    /// Takes `key` out of the default-mode table, with the ids that cached it.
    fn forget(&self, key: &[u8]) -> Option<Vec<u64>> {
        let mut table = lock(&self.keys);
        let ids = table.remove(key)?;
        self.items.fetch_sub(ids.len(), Ordering::AcqRel);
        self.key_count.store(table.len(), Ordering::Release);
        Some(ids)
    }

    /// Keeps the default-mode table within `tracking-table-max-keys` (Valkey's
    /// trackingLimitUsedSlots, run before each command and from the cron): keys are dropped
    /// in no particular order, each with an `invalidate` to the clients that cached it, at
    /// most 100 per call, 100 more per call while a previous one ended still over the limit,
    /// so a lowered limit never stalls one command for long. True when keys were dropped.
    pub fn enforce_limit(&self, server: &Server) -> bool {
        if !self.active() {
            return false;
        }
        let count = self.key_count.load(Ordering::Acquire);
        if count == 0 {
            return false;
        }
        let max = self.max_keys(server);
        if max == 0 || count as u64 <= max {
            // Read first: this runs before every command, and a store would bounce the line.
            if self.evict_rounds.load(Ordering::Relaxed) != 0 {
                self.evict_rounds.store(0, Ordering::Relaxed);
            }
            return false;
        }
        let effort = 100 * (self.evict_rounds.load(Ordering::Relaxed) + 1);
        // Chosen and taken out under one lock: two threads over the limit at once never
        // evict the same excess twice.
        let victims: Vec<(Box<[u8]>, Vec<u64>)> = {
            let mut table = lock(&self.keys);
            let over = (table.len() as u64).saturating_sub(max) as usize;
            let chosen: Vec<Box<[u8]>> = table.keys().take(over.min(effort)).cloned().collect();
            let victims: Vec<_> = chosen
                .into_iter()
                .filter_map(|k| table.remove_entry(&k))
                .collect();
            let items = victims.iter().map(|(_, ids)| ids.len()).sum();
            self.items.fetch_sub(items, Ordering::AcqRel);
            self.key_count.store(table.len(), Ordering::Release);
            if over <= effort {
                self.evict_rounds.store(0, Ordering::Relaxed);
            } else {
                self.evict_rounds.fetch_add(1, Ordering::Relaxed);
            }
            victims
        };
        let evicted = !victims.is_empty();
        for (key, ids) in victims {
            self.notify(server, 0, &key, ids);
        }
        evicted
    }

    /// `tracking-table-max-keys`, re-read only when the configuration changed.
    fn max_keys(&self, server: &Server) -> u64 {
        let epoch = server.config_epoch() + 1;
        if self.max_keys_epoch.load(Ordering::Acquire) == epoch {
            return self.max_keys.load(Ordering::Acquire);
        }
        let max = server
            .config()
            .passive_i64("tracking-table-max-keys")
            .max(0) as u64;
        self.max_keys.store(max, Ordering::Release);
        self.max_keys_epoch.store(epoch, Ordering::Release);
        max
    }

    /// `key` was written by `writer`: clients that cached it get `invalidate [key]` (and
    /// forget it); BCAST prefixes over it collect it for [`Tracking::flush`].
    pub fn invalidate(&self, server: &Server, writer: u64, key: &[u8]) {
        if !self.active() {
            return;
        }
        {
            let mut table = lock(&self.prefixes);
            for e in table.iter_mut().filter(|e| key.starts_with(&e.prefix)) {
                e.written.insert(key.to_vec(), writer);
                self.pending.store(true, Ordering::Release);
            }
        }
        self.invalidate_cached(server, writer, key);
    }

    /// Default mode: the clients that cached `key` get `invalidate [key]` and forget it.
    fn invalidate_cached(&self, server: &Server, writer: u64, key: &[u8]) {
        if let Some(ids) = self.forget(key) {
            self.notify(server, writer, key, ids);
        }
    }

    /// Sends `invalidate [key]` to the clients `ids` that cached it (not to `writer` under
    /// NOLOOP, nor to clients that stopped tracking or went BCAST since).
    fn notify(&self, server: &Server, writer: u64, key: &[u8], ids: Vec<u64>) {
        for id in ids {
            let Some(target) = server.clients.get(id) else {
                continue;
            };
            let mode = lock(&target.tracking).clone();
            if !mode.on || mode.bcast || (mode.noloop && id == writer) {
                continue;
            }
            send(server, &target, &mode, Payload::Keys(&[key]));
        }
    }

    /// Sends each BCAST client the keys written under its prefixes since the last flush.
    pub fn flush(&self, server: &Server) {
        if !self.pending.swap(false, Ordering::AcqRel) {
            return;
        }
        let mut batches: Vec<(Vec<u8>, Vec<u64>, Written)> = lock(&self.prefixes)
            .iter_mut()
            .filter(|e| !e.written.is_empty())
            .map(|e| {
                let written = std::mem::take(&mut e.written);
                (e.prefix.clone(), e.clients.clone(), written)
            })
            .collect();
        // One message per prefix, in prefix order (Valkey walks its prefix radix tree).
        batches.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for (_, clients, written) in batches {
            for id in clients {
                let Some(target) = server.clients.get(id) else {
                    continue;
                };
                let mode = lock(&target.tracking).clone();
                let keys: Vec<&[u8]> = written
                    .iter()
                    .filter(|(_, w)| !(mode.noloop && **w == id))
                    .map(|(k, _)| k.as_slice())
                    .collect();
                if !keys.is_empty() {
                    send(server, &target, &mode, Payload::Keys(&keys));
                }
            }
        }
    }

    /// FLUSHDB/FLUSHALL: every tracking client gets `invalidate` with a null, and no key
    /// stays remembered, even with no client tracking now (keys cached before a client
    /// turned tracking off would otherwise invalidate for it once it tracks again).
    pub fn flush_all(&self, server: &Server) {
        if self.key_count.load(Ordering::Acquire) > 0 {
            let mut table = lock(&self.keys);
            table.clear();
            self.items.store(0, Ordering::Release);
            self.key_count.store(0, Ordering::Release);
        }
        if !self.active() {
            return;
        }
        for target in server.clients.all() {
            let mode = lock(&target.tracking).clone();
            if mode.on {
                send(server, &target, &mode, Payload::Null);
            }
        }
    }
}

enum Payload<'a> {
    Keys(&'a [&'a [u8]]),
    Null,
}

/// Delivers one invalidation for `client` (tracking with `mode`): to itself in RESP3, or to
/// the client it redirects to (RESP3 push, or a `__redis__:invalidate` message when that
/// client is a RESP2 subscriber). A RESP2 client without a redirect gets nothing. When the
/// redirect target is gone, a RESP3 client gets `tracking-redir-broken <id>` instead (each
/// time), and TRACKINGINFO shows `broken_redirect` from then on, as in Valkey.
fn send(server: &Server, client: &Arc<ClientHandle>, mode: &Mode, payload: Payload<'_>) {
    let target = if mode.redirect != 0 {
        match server
            .clients
            .get(mode.redirect)
            .filter(|t| !t.is_leaving())
        {
            Some(t) => t,
            None => {
                redirect_broken(server, client, mode.redirect);
                return;
            }
        }
    } else {
        client.clone()
    };
    let resp3 = target.resp.load(Ordering::Relaxed) == 3;
    let as_message = !resp3 && mode.redirect != 0 && target.is_subscribed();
    if !resp3 && !as_message {
        return;
    }
    let limit = server.config().output_limits[2].hard;
    target.mailbox.deliver(limit, |w| {
        if as_message {
            w.array(3);
            w.bulk(b"message");
            w.bulk(b"__redis__:invalidate");
        } else {
            w.push(2);
            w.bulk(b"invalidate");
        }
        match payload {
            Payload::Keys(keys) => {
                w.array(keys.len());
                for k in keys {
                    w.bulk(k);
                }
            }
            Payload::Null => w.null(),
        }
    });
    target.wake();
}

/// `client`'s redirect target `id` has left: flagged, and told so when it speaks RESP3.
fn redirect_broken(server: &Server, client: &Arc<ClientHandle>, id: u64) {
    {
        let mut mode = lock(&client.tracking);
        // Tracking may have been turned off or pointed elsewhere since the message was built.
        if !mode.on || mode.redirect != id {
            return;
        }
        mode.broken_redirect = true;
    }
    if client.resp.load(Ordering::Relaxed) != 3 {
        return;
    }
    let limit = server.config().output_limits[2].hard;
    client.mailbox.deliver(limit, |w| {
        w.push(2);
        w.bulk(b"tracking-redir-broken");
        w.integer(id as i64);
    });
    client.wake();
}

#[cfg(test)]
mod tests {
    use crate::sync::Arc;
    use crate::{Config, Connection, Server};

    fn talk(c: &mut Connection, input: &str) -> String {
        c.receive(input.as_bytes(), 1);
        let mut out = Vec::new();
        c.take_output(&mut out);
        String::from_utf8(out).unwrap()
    }

    // Valkey's effort: 100 keys on the first command over the limit, 200 on the next while
    // still over, and never below the limit.
    #[test]
    fn table_limit_evicts_with_growing_effort_down_to_the_limit() {
        let server = Arc::new(Server::new(Config::default()));
        let mut reader = Connection::new(server.clone());
        let mut admin = Connection::new(server.clone());
        talk(&mut reader, "HELLO 3\r\nCLIENT TRACKING on\r\n");
        let keys: Vec<String> = (0..350).map(|i| format!("k{i}")).collect();
        talk(&mut reader, &format!("MGET {}\r\n", keys.join(" ")));
        assert_eq!(server.tracking.total_keys(), 350);
        assert_eq!(server.tracking.total_items(), 350);
        talk(&mut admin, "CONFIG SET tracking-table-max-keys 10\r\n");
        let pushes = |out: &str| out.matches(">2\r\n$10\r\ninvalidate").count();
        let out = talk(&mut reader, "PING\r\n");
        assert_eq!(pushes(&out), 100);
        assert!(out.ends_with("+PONG\r\n"), "invalidations lead the reply");
        assert_eq!(pushes(&talk(&mut reader, "PING\r\n")), 200);
        assert_eq!(pushes(&talk(&mut reader, "PING\r\n")), 40);
        assert_eq!(server.tracking.total_keys(), 10);
        assert_eq!(server.tracking.total_items(), 10);
        server.cron(1);
        assert_eq!(pushes(&talk(&mut reader, "PING\r\n")), 0);
        // 0: no limit.
        talk(&mut admin, "CONFIG SET tracking-table-max-keys 0\r\n");
        talk(&mut reader, &format!("MGET {}\r\n", keys.join(" ")));
        assert_eq!(pushes(&talk(&mut reader, "PING\r\n")), 0);
        assert_eq!(server.tracking.total_keys(), 350);
    }

    // Valkey frees a QUIT client before it reads more input: a write right after the QUIT
    // reply finds the redirect broken, even while ferrokey's connection is still closing.
    #[test]
    fn a_quitting_redirect_target_is_broken_at_once() {
        let server = Arc::new(Server::new(Config::default()));
        let mut reader = Connection::new(server.clone());
        let mut target = Connection::new(server.clone());
        let mut writer = Connection::new(server.clone());
        let id = talk(&mut target, "CLIENT ID\r\n");
        let id = id.trim_start_matches(':').trim_end();
        talk(&mut reader, "HELLO 3\r\n");
        let on = talk(
            &mut reader,
            &format!("CLIENT TRACKING on REDIRECT {id}\r\nGET k\r\n"),
        );
        assert!(on.starts_with("+OK\r\n"), "{on}");
        assert_eq!(talk(&mut target, "QUIT\r\n"), "+OK\r\n");
        talk(&mut writer, "SET k 1\r\n");
        let broken = format!(">2\r\n$21\r\ntracking-redir-broken\r\n:{id}\r\n");
        assert_eq!(talk(&mut reader, "PING\r\n"), format!("{broken}+PONG\r\n"));
        let err = talk(
            &mut writer,
            &format!("CLIENT TRACKING on REDIRECT {id}\r\n"),
        );
        assert!(err.contains("does not exist"), "{err}");
        let mut out = Vec::new();
        target.take_output(&mut out);
        assert!(out.is_empty(), "the closing client got {out:?}");
    }

    // Valkey frees a QUIT or killed client before anyone can see it again: INFO's
    // tracking_clients drops at once, not when the runtime gets to drop the connection.
    #[test]
    fn a_quitting_or_killed_client_stops_tracking_at_once() {
        let server = Arc::new(Server::new(Config::default()));
        let mut quitter = Connection::new(server.clone());
        let mut victim = Connection::new(server.clone());
        let mut admin = Connection::new(server.clone());
        talk(&mut quitter, "CLIENT TRACKING on\r\n");
        talk(&mut victim, "CLIENT TRACKING on BCAST PREFIX p\r\n");
        assert_eq!(server.tracking.clients(), 2);
        assert_eq!(talk(&mut quitter, "QUIT\r\n"), "+OK\r\n");
        assert_eq!(server.tracking.clients(), 1);
        let id = talk(&mut victim, "CLIENT ID\r\n");
        let id = id.trim_start_matches(':').trim_end();
        assert_eq!(
            talk(&mut admin, &format!("CLIENT KILL ID {id}\r\n")),
            ":1\r\n"
        );
        assert_eq!(server.tracking.clients(), 0);
        assert_eq!(server.tracking.total_prefixes(), 0);
        // Dropping them later counts nothing twice.
        drop(quitter);
        drop(victim);
        assert_eq!(server.tracking.clients(), 0);
        talk(&mut admin, "CLIENT TRACKING on\r\n");
        assert_eq!(server.tracking.clients(), 1);
    }
}
