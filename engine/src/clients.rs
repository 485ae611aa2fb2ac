//! The registry of connected clients: what CLIENT LIST / INFO / KILL see of other connections.
//!
//! Each connection owns an `Arc<ClientHandle>`; the registry maps ids to handles. Fields other
//! clients read are atomics or behind a small mutex, updated once per read batch (not per
//! command), so the hot path pays nothing for them.

use std::collections::BTreeMap;
use std::task::Waker;

use crate::sync::{lock, Arc, AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Mutex, Ordering};

/// Where a connection comes from; the runtime fills it in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Peer {
    /// Remote `ip:port`, or `path:0` for a unix socket.
    pub addr: String,
    /// Local `ip:port` the client connected to.
    pub laddr: String,
    /// The socket's file descriptor, or -1 when there is none (in-process clients).
    pub fd: i64,
}

/// Client metadata other connections may read or change.
#[derive(Clone, Debug, Default)]
pub struct ClientMeta {
    /// `CLIENT SETNAME`.
    pub name: Option<Vec<u8>>,
    /// `CLIENT SETINFO LIB-NAME`.
    pub lib_name: Vec<u8>,
    /// `CLIENT SETINFO LIB-VER`.
    pub lib_ver: Vec<u8>,
    /// Full name of the last command run (`client|info`), `NULL` before any.
    pub last_cmd: &'static str,
}

/// One connected client as seen by the registry.
#[derive(Debug)]
pub struct ClientHandle {
    /// `CLIENT ID`.
    pub id: u64,
    /// Remote and local address.
    pub peer: Peer,
    /// Connection time, Unix milliseconds.
    pub created_ms: u64,
    /// Last time a command ran, Unix milliseconds.
    pub last_active_ms: AtomicU64,
    /// Selected database.
    pub db: AtomicUsize,
    /// 2 or 3.
    pub resp: AtomicUsize,
    /// Commands executed.
    pub commands: AtomicU64,
    /// Bytes received / sent.
    pub net_in: AtomicU64,
    /// Bytes handed to the runtime for sending.
    pub net_out: AtomicU64,
    /// `CLIENT NO-EVICT ON`.
    pub no_evict: AtomicBool,
    /// `CLIENT NO-TOUCH ON`.
    pub no_touch: AtomicBool,
    /// Waiting for CLIENT PAUSE to end (counted in INFO blocked_clients, as in Valkey).
    pub paused: AtomicBool,
    /// Set by CLIENT KILL; the connection closes at its next chance.
    killed: AtomicBool,
    /// Set when the connection closes after its reply (QUIT): gone for tracking redirects
    /// before that reply reaches the client, as Valkey frees it before reading more input.
    closing: AtomicBool,
    /// Woken when the client is killed, so an idle connection notices.
    waker: Mutex<Option<Waker>>,
    /// Name, library and last command.
    pub meta: Mutex<ClientMeta>,
    /// The command this client is blocked in, if any (CLIENT UNBLOCK, INFO blocked_clients).
    pub blocked: Mutex<Option<Arc<crate::blocking::Waiter>>>,
    /// Per-command and per-error counters, folded in once per read batch.
    pub stats: Mutex<crate::stats::Stats>,
    /// Pub/sub messages pushed to this client, not yet in its output.
    pub mailbox: crate::pubsub::Mailbox,
    /// Keys this client WATCHes (CLIENT LIST watch=, INFO watching_clients).
    pub watching: AtomicUsize,
    /// Channels, patterns and shard channels subscribed to (CLIENT LIST sub= psub= ssub=).
    pub sub_counts: [AtomicUsize; 3],
    /// CLIENT LIST multi=: -1 until the client first uses MULTI or WATCH (Valkey creates
    /// its transaction state then), afterwards the commands queued (0 outside MULTI).
    pub multi: AtomicI64,
    /// Inside MULTI (CLIENT LIST flag `x`).
    pub in_multi: AtomicBool,
    /// CLIENT TRACKING settings, read by writers that invalidate this client's keys.
    pub tracking: Mutex<crate::tracking::Mode>,
}

impl ClientHandle {
    fn new(id: u64, peer: Peer, now_ms: u64) -> Self {
        Self {
            id,
            peer,
            created_ms: now_ms,
            last_active_ms: AtomicU64::new(now_ms),
            db: AtomicUsize::new(0),
            resp: AtomicUsize::new(2),
            commands: AtomicU64::new(0),
            net_in: AtomicU64::new(0),
            net_out: AtomicU64::new(0),
            no_evict: AtomicBool::new(false),
            no_touch: AtomicBool::new(false),
            paused: AtomicBool::new(false),
            killed: AtomicBool::new(false),
            closing: AtomicBool::new(false),
            waker: Mutex::new(None),
            blocked: Mutex::new(None),
            stats: Mutex::new(crate::stats::Stats::default()),
            mailbox: crate::pubsub::Mailbox::default(),
            watching: AtomicUsize::new(0),
            sub_counts: Default::default(),
            multi: AtomicI64::new(-1),
            in_multi: AtomicBool::new(false),
            tracking: Mutex::new(crate::tracking::Mode::default()),
            meta: Mutex::new(ClientMeta {
                last_cmd: "NULL",
                ..ClientMeta::default()
            }),
        }
    }

    /// Marks the client killed and wakes its connection.
    pub fn kill(&self) {
        self.killed.store(true, Ordering::Release);
        self.wake();
    }

    /// Wakes the connection's runtime task so it re-checks whether to close.
    pub fn wake(&self) {
        if let Some(w) = lock(&self.waker).take() {
            w.wake();
        }
    }

    /// True once CLIENT KILL hit this client.
    pub fn is_killed(&self) -> bool {
        self.killed.load(Ordering::Acquire)
    }

    /// The connection is closing after its last reply (QUIT and the like).
    pub fn mark_closing(&self) {
        self.closing.store(true, Ordering::Release);
    }

    /// Killed or closing: still registered, but no longer a redirect target.
    pub fn is_leaving(&self) -> bool {
        self.is_killed() || self.closing.load(Ordering::Acquire)
    }

    /// Subscribed to any channel, pattern or shard channel (pub/sub mode).
    pub fn is_subscribed(&self) -> bool {
        self.sub_counts
            .iter()
            .any(|n| n.load(Ordering::Acquire) > 0)
    }

    /// Registers the waker to call when the client is killed.
    pub fn set_waker(&self, waker: &Waker) {
        let mut slot = lock(&self.waker);
        if !slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
            *slot = Some(waker.clone());
        }
    }

    /// The `CLIENT INFO` / `CLIENT LIST` line (without the trailing newline).
    /// `running` names the command in progress when the client describes itself (Valkey shows
    /// `cmd=client|info` for the caller, not its previous command).
    pub fn info_line(&self, now_ms: u64, qbuf: usize, running: Option<&'static str>) -> Vec<u8> {
        let mut meta = lock(&self.meta).clone();
        if let Some(cmd) = running {
            meta.last_cmd = cmd;
        }
        let tracking = lock(&self.tracking).clone();
        let mut flags = String::new();
        // Valkey's order: P x b t B … e T.
        for (set, flag) in [
            (self.is_subscribed(), 'P'),
            (self.in_multi.load(Ordering::Relaxed), 'x'),
            (lock(&self.blocked).is_some(), 'b'),
            (tracking.on, 't'),
            (tracking.on && tracking.bcast, 'B'),
        ] {
            if set {
                flags.push(flag);
            }
        }
        if self.no_evict.load(Ordering::Relaxed) {
            flags.push('e');
        }
        if self.no_touch.load(Ordering::Relaxed) {
            flags.push('T');
        }
        if flags.is_empty() {
            flags.push('N');
        }
        let mut line = format!(
            "id={} addr={} laddr={} fd={} name=",
            self.id, self.peer.addr, self.peer.laddr, self.peer.fd
        )
        .into_bytes();
        line.extend_from_slice(meta.name.as_deref().unwrap_or_default());
        let age = now_ms.saturating_sub(self.created_ms) / 1000;
        let idle = now_ms.saturating_sub(self.last_active_ms.load(Ordering::Relaxed)) / 1000;
        line.extend_from_slice(
            format!(
                " age={age} idle={idle} flags={flags} capa= db={} sub={} psub={} ssub={} multi={} watch={} qbuf={qbuf} \
                 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd={} \
                 user=default redir={} resp={} lib-name=",
                self.db.load(Ordering::Relaxed),
                self.sub_counts[0].load(Ordering::Relaxed),
                self.sub_counts[1].load(Ordering::Relaxed),
                self.sub_counts[2].load(Ordering::Relaxed),
                self.multi.load(Ordering::Relaxed),
                self.watching.load(Ordering::Relaxed),
                meta.last_cmd,
                if tracking.on { tracking.redirect as i64 } else { -1 },
                self.resp.load(Ordering::Relaxed)
            )
            .as_bytes(),
        );
        line.extend_from_slice(&meta.lib_name);
        line.extend_from_slice(b" lib-ver=");
        line.extend_from_slice(&meta.lib_ver);
        line.extend_from_slice(
            format!(
                " tot-net-in={} tot-net-out={} tot-cmds={}",
                self.net_in.load(Ordering::Relaxed),
                self.net_out.load(Ordering::Relaxed),
                self.commands.load(Ordering::Relaxed)
            )
            .as_bytes(),
        );
        line
    }
}

/// All connected clients, by id.
#[derive(Debug, Default)]
pub struct ClientRegistry {
    next_id: AtomicU64,
    clients: Mutex<BTreeMap<u64, Arc<ClientHandle>>>,
}

impl ClientRegistry {
    /// Registers a new client and returns its handle; ids start at 1 and only grow.
    pub fn register(&self, peer: Peer, now_ms: u64) -> Arc<ClientHandle> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let handle = Arc::new(ClientHandle::new(id, peer, now_ms));
        lock(&self.clients).insert(id, handle.clone());
        handle
    }

    /// Forgets a client (its connection is gone) and returns its handle.
    pub fn unregister(&self, id: u64) -> Option<Arc<ClientHandle>> {
        lock(&self.clients).remove(&id)
    }

    /// The client with id `id`, if connected.
    pub fn get(&self, id: u64) -> Option<Arc<ClientHandle>> {
        lock(&self.clients).get(&id).cloned()
    }

    /// A snapshot of the connected clients, ascending by id.
    pub fn all(&self) -> Vec<Arc<ClientHandle>> {
        lock(&self.clients).values().cloned().collect()
    }

    /// Number of connected clients.
    pub fn len(&self) -> usize {
        lock(&self.clients).len()
    }

    /// True when no client is connected.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
