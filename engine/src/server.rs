//! `Server`: the state every connection and thread shares — databases, configuration,
//! client ids and counters. Runtimes hold it in an `Arc` and call its periodic functions
//! from their timers.

use std::task::{Context, Poll, Waker};

use crate::clients::ClientRegistry;
use crate::config::Config;
use crate::keyspace::{Db, SHARDS};
use crate::log::{self, Level};
use crate::stats::Stats;
use crate::sync::{
    lock, lock_read, lock_write, AtomicBool, AtomicU64, AtomicUsize, Mutex, Ordering, RwLock,
    Shared,
};

/// Measurements the runtime supplies, each optional.
#[derive(Clone, Copy, Debug, Default)]
pub struct Probes {
    /// Monotonic microseconds (per-command timing in INFO commandstats).
    pub monotonic_us: Option<fn() -> u64>,
    /// Bytes currently allocated by the process (INFO used_memory).
    pub used_memory: Option<fn() -> usize>,
    /// Resident set size in bytes (INFO used_memory_rss).
    pub rss: Option<fn() -> usize>,
    /// CPU seconds used by the process: `(system, user)` (INFO cpu).
    pub cpu: Option<fn() -> (f64, f64)>,
}

/// Who is running the engine, for INFO server: set once by the runtime at start-up.
#[derive(Clone, Debug, Default)]
pub struct Origin {
    /// The runtime and its I/O driver (`tokio`, `monoio io_uring`), INFO multiplexing_api.
    pub runtime: String,
    /// Unix microseconds at start-up (uptime).
    pub started_us: u64,
    /// The config file given on the command line, absolute (empty: none).
    pub config_file: String,
    /// 40 hex digits that differ between runs (INFO run_id).
    pub run_id: String,
}

/// Shared server state.
#[derive(Debug)]
pub struct Server {
    /// The current configuration; CONFIG SET swaps in a new snapshot.
    config: RwLock<Shared<Config>>,
    /// Bumped by every CONFIG SET, so a connection re-reads its snapshot only when it changed.
    config_epoch: AtomicU64,
    dbs: Vec<Db>,
    /// Connected clients.
    pub clients: ClientRegistry,
    /// Channel, pattern and shard-channel subscriptions.
    pub pubsub: crate::pubsub::PubSub,
    /// Client-side caching: tracked keys and prefixes.
    pub tracking: crate::tracking::Tracking,
    /// SLOWLOG's entries.
    pub slowlog: crate::slowlog::SlowLog,
    /// LATENCY's event samples.
    pub latency: crate::latency::LatencyMonitor,
    /// Event-loop figures and buffer-limit disconnections (INFO stats and debug).
    pub eventloop: crate::eventloop::EventLoop,
    /// CLIENT PAUSE.
    pub pause: crate::pause::ClientPause,
    /// Clients in MONITOR mode.
    pub monitors: crate::monitor::Monitors,
    /// Commands executed.
    /// Commands executed by connections that have since closed.
    retired_commands: AtomicU64,
    /// Command and error counters of connections that have since closed.
    retired_stats: Mutex<Stats>,
    /// Measurements only the runtime can make.
    probes: Probes,
    /// The runtime's description of this run.
    origin: Origin,
    /// `DEBUG SET-ACTIVE-EXPIRE`: whether [`Server::cron`] reclaims expired keys.
    pub active_expire: AtomicBool,
    /// Round-robin position of the active expiry cycle: `db * SHARDS + shard`.
    expire_position: AtomicU64,
    /// Set by SHUTDOWN or a signal: the runtime stops accepting and exits once clients drain.
    shutting_down: AtomicBool,
    /// `maxmemory` in bytes (0: no limit), copied out of the configuration so that the check
    /// every command makes is one load and one comparison.
    maxmemory: AtomicU64,
    /// Lazy freeing's counters (UNLINK, FLUSHDB ASYNC).
    pub lazyfree: crate::lazyfree::LazyFree,
    /// See [`Server::note_memory_peak`].
    peak_memory: AtomicUsize,
    /// The runtime tasks waiting for [`Server::poll_shutdown`].
    shutdown_wakers: Mutex<Vec<Waker>>,
}

/// Share of the shards visited per cron tick by the active expiry cycle: all of them over a
/// second at the default `hz`.
const EXPIRE_ROUNDS_PER_SHARD: usize = 4;

impl Server {
    /// A server with empty databases.
    pub fn new(config: Config) -> Self {
        let dbs = (0..config.databases)
            .map(|i| Db::new(i, 0x5EED ^ i as u64))
            .collect();
        let maxmemory = AtomicU64::new(config.maxmemory());
        Self {
            config: RwLock::new(Shared::new(config)),
            config_epoch: AtomicU64::new(0),
            dbs,
            clients: ClientRegistry::default(),
            pubsub: crate::pubsub::PubSub::default(),
            tracking: crate::tracking::Tracking::default(),
            slowlog: Default::default(),
            latency: Default::default(),
            eventloop: Default::default(),
            monitors: Default::default(),
            pause: Default::default(),
            retired_commands: AtomicU64::new(0),
            retired_stats: Mutex::new(Stats::default()),
            probes: Probes::default(),
            origin: Origin::default(),
            active_expire: AtomicBool::new(true),
            expire_position: AtomicU64::new(0),
            shutting_down: AtomicBool::new(false),
            shutdown_wakers: Mutex::new(Vec::new()),
            maxmemory,
            lazyfree: Default::default(),
            peak_memory: AtomicUsize::new(0),
        }
    }

    /// Hands the server what only the runtime can measure (clock, memory, CPU). The engine
    /// reads none of these itself; without them INFO leaves the figures out and
    /// commandstats report usec=0.
    pub fn with_probes(mut self, probes: Probes) -> Self {
        self.probes = probes;
        self
    }

    /// Hands the server the runtime's description of this run (INFO server).
    pub fn with_origin(mut self, origin: Origin) -> Self {
        self.origin = origin;
        self
    }

    /// The runtime's description of this run.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The runtime's probes.
    pub fn probes(&self) -> &Probes {
        &self.probes
    }

    /// The runtime's monotonic clock, if it gave one.
    pub fn clock(&self) -> Option<fn() -> u64> {
        self.probes.monotonic_us
    }

    /// Command and error counters over all clients, live and closed.
    pub fn stats(&self) -> Stats {
        let mut total = lock(&self.retired_stats).clone();
        for h in self.clients.all() {
            total.merge(&lock(&h.stats));
        }
        total
    }

    /// The current configuration (a shared snapshot: cheap to take, never changes).
    pub fn config(&self) -> Shared<Config> {
        lock_read(&self.config).clone()
    }

    /// Replaces the configuration (CONFIG SET, after validating every change).
    pub fn set_config(&self, config: Config) {
        self.maxmemory.store(config.maxmemory(), Ordering::Relaxed);
        *lock_write(&self.config) = Shared::new(config);
        self.config_epoch.fetch_add(1, Ordering::Release);
    }

    /// `maxmemory` in bytes, 0 for no limit (the configuration's, read without a lock).
    pub fn maxmemory(&self) -> u64 {
        self.maxmemory.load(Ordering::Relaxed)
    }

    /// The most memory in use seen so far (sampled by [`Server::cron`] and by this call), as
    /// Valkey samples its peak; 0 without the runtime's probe.
    pub fn note_memory_peak(&self) -> usize {
        let Some(used) = self.probes.used_memory.map(|f| f()) else {
            return 0;
        };
        let old = self.peak_memory.fetch_max(used, Ordering::Relaxed);
        old.max(used)
    }

    /// Changes with every [`Server::set_config`]; see [`Server::config`].
    pub fn config_epoch(&self) -> u64 {
        self.config_epoch.load(Ordering::Acquire)
    }

    /// Writes `message` to the log (`logfile`, or standard output) if `loglevel` lets `level`
    /// through; `now_us` is the Unix time the line carries.
    pub fn log(&self, now_us: u64, level: Level, message: &str) {
        let config = self.config();
        if log::enabled(&config.loglevel, level) {
            let line = log::format_line(std::process::id(), now_us, level, message);
            // Nowhere left to report a failing log write; Valkey drops the line too.
            let _ = log::write_line(&config.logfile, &line);
        }
    }

    /// Starts a graceful shutdown (SHUTDOWN, SIGTERM): every connection finishes the replies
    /// it owes and closes, and the runtime, woken through [`Server::poll_shutdown`], stops
    /// accepting and exits once [`ClientRegistry::len`] reaches zero.
    pub fn request_shutdown(&self) {
        self.shutting_down.store(true, Ordering::Release);
        for h in self.clients.all() {
            h.wake();
        }
        for w in lock(&self.shutdown_wakers).drain(..) {
            w.wake();
        }
    }

    /// Whether a shutdown was requested.
    pub fn shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Acquire)
    }

    /// Ready once a shutdown was requested; otherwise `cx`'s waker is woken when it is.
    pub fn poll_shutdown(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.shutting_down() {
            return Poll::Ready(());
        }
        {
            let mut wakers = lock(&self.shutdown_wakers);
            if !wakers.iter().any(|w| w.will_wake(cx.waker())) {
                wakers.push(cx.waker().clone());
            }
        }
        // A request between the check and the push would have found no waker to wake.
        if self.shutting_down() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    /// Database `i`, if it exists.
    pub fn db(&self, i: usize) -> Option<&Db> {
        self.dbs.get(i)
    }

    /// All databases.
    pub fn dbs(&self) -> &[Db] {
        &self.dbs
    }

    /// Periodic work; the runtime calls it `hz` times a second with the current time.
    /// Runs one slice of the active expiry cycle, a shard at a time, so it never holds more
    /// than one shard lock and never for long. Each tick is an event-loop cycle in INFO.
    pub fn cron(&self, now_ms: u64) {
        let started = self.clock().map(|c| c());
        self.cron_tick(now_ms);
        let usec = started
            .zip(self.clock())
            .map_or(0, |(t, c)| c().saturating_sub(t));
        self.eventloop.cron(usec, now_ms);
    }

    fn cron_tick(&self, now_ms: u64) {
        self.note_memory_peak();
        if crate::evict::over_limit(self) {
            crate::evict::make_room(self, &self.config());
        }
        let _ = self.tracking.enforce_limit(self);
        let total = (self.dbs.len() * SHARDS) as u64;
        // A pause keeps every key in place (Valkey skips expiry while clients are paused).
        if total == 0
            || !self.active_expire.load(Ordering::Relaxed)
            || self.pause.holds_expiry(now_ms)
        {
            return;
        }
        let config = self.config();
        let started = self.clock().map(|c| c());
        let per_tick = (total / u64::from(config.effective_hz())).max(1);
        let start = self.expire_position.fetch_add(per_tick, Ordering::Relaxed);
        // Keys the cycle reclaims are announced as `expired`, like lazily expired ones.
        let _collect = crate::notify::Collect::new(crate::notify::collect_for(
            config.notify_keyspace_events,
            self.tracking.active(),
        ));
        for pos in start..start + per_tick {
            let pos = pos % total;
            let db = &self.dbs[(pos / SHARDS as u64) as usize];
            db.shards()
                .lock_one((pos % SHARDS as u64) as usize)
                .active_expire(now_ms, EXPIRE_ROUNDS_PER_SHARD);
            self.publish_events(&config);
        }
        // BCAST clients hear of the keys this slice expired now, not at some later command.
        self.tracking.flush(self);
        // Large expired values, freed with the shard locks released.
        crate::lazyfree::release(self);
        if let Some((started, clock)) = started.zip(self.clock()) {
            self.latency.sample_if_needed(
                config.latency_monitor_threshold,
                "expire-cycle",
                clock().saturating_sub(started) / 1000,
                now_ms / 1000,
            );
        }
    }

    /// Publishes the keyspace events the shards queued on this thread (expired, keymiss,
    /// new), in order.
    pub fn publish_events(&self, config: &Config) {
        if !crate::notify::has_pending() {
            return;
        }
        let limit = config.output_limits[2].hard;
        for (class, event, db, key) in crate::notify::take_pending() {
            crate::notify::publish(
                self,
                config.notify_keyspace_events,
                limit,
                class,
                event,
                db,
                &key,
            );
            if class & (crate::notify::class::EXPIRED | crate::notify::class::EVICTED) != 0 {
                // An expired or evicted key changed for whoever cached it.
                self.tracking.invalidate(self, 0, &key);
            }
        }
    }

    /// Commands executed since start (INFO total_commands_processed).
    pub fn total_commands(&self) -> u64 {
        let live: u64 = self
            .clients
            .all()
            .iter()
            .map(|h| h.commands.load(Ordering::Relaxed))
            .sum();
        self.retired_commands.load(Ordering::Relaxed) + live
    }

    /// Forgets a closed connection, keeping its command count in the totals.
    pub(crate) fn retire_client(&self, id: u64) {
        if let Some(h) = self.clients.unregister(id) {
            lock(&self.retired_stats).merge(&lock(&h.stats));
            self.retired_commands
                .fetch_add(h.commands.load(Ordering::Relaxed), Ordering::Relaxed);
        }
    }

    /// CONFIG RESETSTAT: zeroes the counters INFO reports that live outside the shards (the
    /// command zeroes the shards' own through its locks).
    pub fn reset_stats(&self) {
        self.retired_commands.store(0, Ordering::Relaxed);
        *lock(&self.retired_stats) = Stats::default();
        self.lazyfree.reset();
        self.eventloop.reset();
        // Valkey's RESETSTAT starts the peak over from the memory in use now.
        self.peak_memory.store(0, Ordering::Relaxed);
        self.note_memory_peak();
        for h in self.clients.all() {
            h.commands.store(0, Ordering::Relaxed);
            *lock(&h.stats) = Stats::default();
        }
    }

    /// Keys deleted by expiry so far, over all databases (tests; commands read the shards
    /// through their own locks, which inside EXEC are the transaction's).
    #[cfg(test)]
    pub fn expired_keys(&self) -> u64 {
        self.dbs
            .iter()
            .map(|db| {
                (0..SHARDS)
                    .map(|i| db.shards().lock_one(i).expired_keys)
                    .sum::<u64>()
            })
            .sum()
    }
}
