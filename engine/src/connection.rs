//! `Connection`: one client's state machine. Bytes and the current time go in; reply bytes
//! come out. No sockets, no clock, no runtime types: a test drives a whole conversation
//! in-process with whatever time it likes.
//!
//! Use (the runtime's loop): [`Connection::receive`] the bytes read; [`Connection::take_output`]
//! and write it, calling [`Connection::output_written`] once the socket took it; sleep until
//! [`Connection::poll_timeout`] and then call [`Connection::handle_timeout`]; close the socket
//! once [`Connection::should_close`] is true and the output is drained. Keep reading while a
//! write is pending: the engine enforces the output-buffer limit on what piles up.

use smallvec::SmallVec;

use resp::{Limits, Protocol, ReplyWriter, RequestParser};

use crate::blocking::{Ending, Waiter};
use crate::clients::{ClientHandle, Peer};
use crate::commands::{execute, Ctx, Flow};
use crate::config::Config;
use crate::log::Level;
use crate::server::Server;
use crate::stats::Stats;
use crate::sync::{lock, Arc, Ordering, Shared};

/// `CLIENT REPLY` mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyMode {
    /// Replies are sent.
    On,
    /// Replies are dropped until `CLIENT REPLY ON`.
    Off,
    /// The next command's reply is dropped.
    SkipNext,
    /// Set by `CLIENT REPLY SKIP` itself: becomes `SkipNext` once that command is done.
    SkipArmed,
}

/// Per-client state that commands read and change.
#[derive(Debug)]
pub struct ClientState {
    /// `CLIENT ID`.
    pub id: u64,
    /// The selected database.
    pub db: usize,
    /// The negotiated protocol.
    pub proto: Protocol,
    /// `CLIENT REPLY`.
    pub reply: ReplyMode,
    /// Logged in (AUTH/HELLO AUTH), or connected while no `requirepass` was set.
    pub authenticated: bool,
    /// What other clients see of this one (name, flags, counters).
    pub handle: Arc<ClientHandle>,
    /// The transaction being queued, between MULTI and EXEC.
    pub multi: Option<crate::commands::Multi>,
    /// The keys this client WATCHes.
    pub watch: crate::watch::ClientWatches,
    /// Its channels, patterns and shard channels.
    pub subs: crate::pubsub::Subscriptions,
}

impl ClientState {
    /// Selects database `db` (also shown by CLIENT LIST).
    pub fn select(&mut self, db: usize) {
        self.db = db;
        self.handle.db.store(db, Ordering::Relaxed);
    }

    /// Switches protocol (also shown by CLIENT LIST).
    pub fn set_protocol(&mut self, proto: Protocol) {
        self.proto = proto;
        self.handle.mailbox.set_protocol(proto);
        self.handle.resp.store(
            if proto == Protocol::Resp3 { 3 } else { 2 },
            Ordering::Relaxed,
        );
    }
}

/// One client connection.
#[derive(Debug)]
pub struct Connection {
    server: Arc<Server>,
    /// The configuration snapshot this connection works with, and its epoch.
    config: Shared<Config>,
    config_epoch: u64,
    parser: RequestParser,
    /// Parses ahead of `parser` to prefetch a pipelined batch's keys.
    lookahead: RequestParser,
    limits: Limits,
    /// Bytes received and not yet parsed into complete requests.
    input: Vec<u8>,
    /// Replies not yet handed to the socket.
    output: Vec<u8>,
    state: ClientState,
    closing: bool,
    /// Closing without sending what is pending (a limit, idle timeout).
    abandoned: bool,
    /// DEBUG SLEEP: nothing more runs on this connection before this Unix microsecond.
    sleep_until: Option<u64>,
    /// A blocked command (BLPOP & co.) and its deadline (Unix µs, 0: none).
    blocked: Option<(Arc<Waiter>, u64)>,
    /// CLIENT PAUSE holds the next request back; the pause's mode when it did.
    paused: Option<crate::pause::PauseMode>,
    /// Counters of the current batch, folded into the shared handle at its end.
    stats: Stats,
    /// Output the runtime took and has not yet reported written.
    unsent: usize,
    /// Since when (Unix ms) the pending output has been over the soft limit.
    over_soft_since: Option<u64>,
    /// When the client last sent anything (Unix µs), for `timeout`.
    last_input_us: u64,
    /// The blocked command, kept for the slow log until it ends.
    parked: Option<crate::slowlog::Parked>,
    /// Re-running a served blocked command: MONITOR already saw it.
    rerunning: bool,
}

/// Bytes of input buffer (and of each parser buffer) a connection keeps between requests.
const KEEP_BUFFER: usize = 64 * 1024;

/// Valkey's fixed per-client reply buffer (`PROTO_REPLY_CHUNK_BYTES`), which output-buffer
/// limits do not count.
const REPLY_CHUNK: u64 = 16 * 1024;

/// Arguments kept on the stack for the common short commands.
type Argv<'a> = SmallVec<[&'a [u8]; 8]>;

impl Connection {
    /// A new in-process client of `server` (no socket), speaking RESP2 on database 0.
    pub fn new(server: Arc<Server>) -> Self {
        Self::with_peer(
            server,
            Peer {
                fd: -1,
                ..Peer::default()
            },
            0,
        )
    }

    /// A new client connected from `peer` at `now_us` (Unix microseconds).
    pub fn with_peer(server: Arc<Server>, peer: Peer, now_us: u64) -> Self {
        let config_epoch = server.config_epoch();
        let config = server.config();
        let limits = Limits {
            max_bulk_len: config.proto_max_bulk_len,
            ..Limits::default()
        };
        let handle = server.clients.register(peer, now_us / 1000);
        let authenticated = config.requirepass.is_empty();
        let mut parser = RequestParser::new(limits);
        parser.set_authenticated(authenticated);
        Self {
            server,
            config,
            config_epoch,
            parser,
            lookahead: RequestParser::new(limits),
            limits,
            input: Vec::new(),
            output: Vec::new(),
            state: ClientState {
                id: handle.id,
                db: 0,
                proto: Protocol::Resp2,
                reply: ReplyMode::On,
                authenticated,
                handle,
                multi: None,
                watch: Default::default(),
                subs: Default::default(),
            },
            closing: false,
            abandoned: false,
            sleep_until: None,
            blocked: None,
            paused: None,
            stats: Stats::default(),
            unsent: 0,
            over_soft_since: None,
            last_input_us: now_us,
            parked: None,
            rerunning: false,
        }
    }

    /// The client's state (id, db, protocol, name).
    pub fn state(&self) -> &ClientState {
        &self.state
    }

    /// Feeds bytes read from the client at `now_us` (Unix microseconds) and runs every
    /// complete request in them; their replies are appended to the output in order.
    pub fn receive(&mut self, bytes: &[u8], now_us: u64) {
        if self.should_close() {
            return;
        }
        self.input.extend_from_slice(bytes);
        self.last_input_us = now_us;
        self.state
            .handle
            .net_in
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        // Checked before running, as Valkey checks after each read: the unparsed input holds
        // the request in progress whole, so a request over the limit is refused even when
        // this read completed it.
        if self.input.len() as u64 > self.config.client_query_buffer_limit {
            self.server.eventloop.limit_closed(true);
            self.close_now(
                now_us,
                &format!(
                    "Closing client that reached max query buffer length: {} (qbuf initial bytes: {:?})",
                    self.describe(),
                    String::from_utf8_lossy(&self.input[..self.input.len().min(64)])
                ),
            );
            return;
        }
        if !self.parked() {
            self.guarded(now_us, |c| c.run(now_us));
        }
    }

    /// The deadline the runtime must wake this connection at ([`Connection::handle_timeout`]),
    /// if any: the end of a DEBUG SLEEP, or when the client counts as idle (`timeout`).
    #[must_use]
    pub fn poll_timeout(&self) -> Option<u64> {
        let idle =
            (self.config.timeout > 0).then(|| self.last_input_us + self.config.timeout * 1_000_000);
        // A blocked client is not idle (Valkey exempts it from `timeout`).
        let idle = idle.filter(|_| self.blocked.is_none());
        let unblock = self
            .blocked
            .as_ref()
            .filter(|(w, d)| *d > 0 && w.is_waiting())
            .map(|b| b.1);
        // A paused client retries when the pause ends (CLIENT UNPAUSE wakes it sooner).
        let pause_end = self
            .paused
            .and_then(|_| self.server.pause.current(self.last_input_us / 1000))
            .map(|(_, end_ms)| end_ms * 1000);
        [self.sleep_until, idle, unblock, pause_end]
            .into_iter()
            .flatten()
            .min()
    }

    /// True while a DEBUG SLEEP or a blocked command holds the connection: input waits.
    fn parked(&self) -> bool {
        self.sleep_until.is_some() || self.blocked.is_some() || self.paused.is_some()
    }

    /// A paused connection whose pause ended or eased (ALL to WRITE) runs its waiting
    /// requests again (they park again if still held); true when it did.
    fn resume_if_unpaused(&mut self, now_us: u64) -> bool {
        let Some(mode) = self.paused else {
            return false;
        };
        if self
            .server
            .pause
            .current(now_us / 1000)
            .is_some_and(|(now, _)| now >= mode)
        {
            return false;
        }
        self.paused = None;
        self.state.handle.paused.store(false, Ordering::Relaxed);
        self.guarded(now_us, |c| c.run(now_us));
        true
    }

    /// Registers `cx`'s waker and reports whether something happened that the runtime must
    /// act on: a blocked command ended (served by a writer, `CLIENT UNBLOCK`), or the
    /// connection must close (CLIENT KILL, SHUTDOWN). A served command's reply is in the
    /// output when this returns `Ready`, and the requests that waited behind it have run.
    pub fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
        now_us: u64,
    ) -> std::task::Poll<()> {
        // Registered before checking, so an event between the check and the wait still wakes.
        self.state.handle.set_waker(cx.waker());
        if self.should_close() {
            return std::task::Poll::Ready(());
        }
        if self.blocked.as_ref().is_some_and(|(w, _)| w.ended()) {
            self.guarded(now_us, |c| c.end_block(now_us));
            return std::task::Poll::Ready(());
        }
        if self.take_mail(now_us) {
            return std::task::Poll::Ready(());
        }
        if self.paused.is_some() {
            // Parked before checking, so an UNPAUSE in between still wakes us.
            self.server.pause.park(cx.waker());
            if self.resume_if_unpaused(now_us) {
                return std::task::Poll::Ready(());
            }
        }
        std::task::Poll::Pending
    }

    /// Moves pushed pub/sub messages into the output; true when there were any (or the
    /// mailbox overflowed and the connection is closing).
    fn take_mail(&mut self, now_us: u64) -> bool {
        match self.state.handle.mailbox.drain_into(&mut self.output) {
            Ok(false) => false,
            Ok(true) => {
                self.check_output_limit(now_us);
                true
            }
            Err(crate::pubsub::Overflowed) => {
                self.overflowed(now_us);
                true
            }
        }
    }

    /// Closes a client over its output-buffer limit.
    fn overflowed(&mut self, now_us: u64) {
        self.server.eventloop.limit_closed(false);
        self.close_now(
            now_us,
            &format!(
                "Client {} scheduled to be closed ASAP for overcoming of output buffer limits.",
                self.describe()
            ),
        );
    }

    /// Finishes a blocked command whose waiter ended: its reply goes out, it leaves every
    /// queue, and the input that waited behind it runs.
    fn end_block(&mut self, now_us: u64) {
        let Some((waiter, _)) = self.blocked.take() else {
            return;
        };
        let proto = self.state.proto;
        let parked = self.parked.take();
        let mark = self.output.len();
        match waiter.ending() {
            Some(Ending::Served(reply)) => self.output.extend_from_slice(&reply),
            Some(Ending::TimedOut) => ReplyWriter::new(&mut self.output, proto).null_array(),
            Some(Ending::Unblocked) => ReplyWriter::new(&mut self.output, proto)
                .error(b"UNBLOCKED client unblocked via CLIENT UNBLOCK"),
            Some(Ending::Rerun(argv)) => {
                crate::blocking::leave_queues(&self.server, &waiter);
                *lock(&self.state.handle.blocked) = None;
                return self.rerun(&argv, now_us);
            }
            None => {}
        }
        if let Some(parked) = parked {
            // Counted now that it replied (calls, errors, latency), as Valkey does.
            self.stats
                .record(parked.name(), true, parked.usec(), &self.output[mark..]);
            parked.finish(&self.server, &self.config, &self.state, now_us);
        }
        crate::blocking::leave_queues(&self.server, &waiter);
        *lock(&self.state.handle.blocked) = None;
        self.run(now_us);
    }

    /// Runs `argv` ahead of the buffered input (a served BLMOVE taking its element), then
    /// the input, unless it blocked again.
    fn rerun(&mut self, argv: &[Vec<u8>], now_us: u64) {
        let mut request = Vec::new();
        resp::encode_command(&mut request, argv);
        let waiting = std::mem::replace(&mut self.input, request);
        let parser = std::mem::replace(&mut self.parser, RequestParser::new(self.limits));
        self.rerunning = true;
        self.run(now_us);
        self.rerunning = false;
        self.input = waiting;
        self.parser = parser;
        if !self.parked() && !self.closing {
            self.run(now_us);
        }
    }

    /// Tells the connection that time `now_us` has come: a finished DEBUG SLEEP replies and
    /// the requests that arrived meanwhile run; a client idle past `timeout` is closed.
    pub fn handle_timeout(&mut self, now_us: u64) {
        self.guarded(now_us, |c| c.on_timeout(now_us));
    }

    /// Runs engine work for this client; a panic in it (a bug) closes this connection only,
    /// logged, instead of the task or worker thread that serves other clients too. Shard
    /// locks recover from poisoning (`sync::lock`), so the server goes on.
    fn guarded(&mut self, now_us: u64, work: impl FnOnce(&mut Self)) {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(self)));
        if let Err(panic) = result {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let why = format!(
                "Closing client {} after a command panicked: {what}",
                self.describe()
            );
            self.close_now(now_us, &why);
        }
    }

    fn on_timeout(&mut self, now_us: u64) {
        self.refresh_config();
        self.resume_if_unpaused(now_us);
        if let Some((waiter, deadline)) = &self.blocked {
            if *deadline > 0 && now_us >= *deadline {
                // A writer may win the race; then its reply is on the way and wakes us.
                waiter.time_out();
            }
            if waiter.ended() {
                self.end_block(now_us);
            }
        }
        if self.sleep_until.is_some_and(|until| now_us >= until) {
            self.sleep_until = None;
            ReplyWriter::new(&mut self.output, self.state.proto).simple(b"OK");
            self.run(now_us);
        }
        let timeout = self.config.timeout;
        let idle_for = now_us.saturating_sub(self.last_input_us);
        if timeout > 0 && !self.parked() && idle_for >= timeout * 1_000_000 {
            self.server
                .log(now_us, Level::Verbose, "Closing idle client");
            self.abandoned = true;
        }
    }

    /// Takes the newest configuration snapshot if CONFIG SET changed it.
    fn refresh_config(&mut self) {
        let epoch = self.server.config_epoch();
        if epoch != self.config_epoch {
            self.config_epoch = epoch;
            self.config = self.server.config();
            // CONFIG SET proto-max-bulk-len applies to every connection from its next request.
            if self.config.proto_max_bulk_len != self.limits.max_bulk_len {
                self.limits.max_bulk_len = self.config.proto_max_bulk_len;
                self.parser.set_limits(self.limits);
            }
        }
    }

    /// Closes without sending what is pending (limits), logging why.
    fn close_now(&mut self, now_us: u64, why: &str) {
        self.server.log(now_us, Level::Warning, why);
        self.abandoned = true;
        self.output.clear();
        self.input.clear();
        // Gone for the other clients at once, as in Valkey, not when the runtime drops it.
        crate::commands::disable_tracking(&self.server, &self.state.handle);
    }

    /// `id=… addr=… laddr=… name=…` for log lines.
    fn describe(&self) -> String {
        let h = &self.state.handle;
        let name = lock(&h.meta).name.clone().unwrap_or_default();
        format!(
            "id={} addr={} laddr={} name={}",
            h.id,
            h.peer.addr,
            h.peer.laddr,
            String::from_utf8_lossy(&name)
        )
    }

    /// Enforces `client-output-buffer-limit` (normal class) on what waits to be sent: over the
    /// hard limit, or over the soft limit for its whole period, the client is closed. The
    /// first 16 KiB are not counted: they stand for Valkey's fixed reply buffer, which its
    /// limits leave out (a small reply never closes a client, whatever the limit).
    fn check_output_limit(&mut self, now_us: u64) {
        // A subscriber is held to the pubsub class, everyone else to the normal one.
        let class = if self.state.subs.any() { 2 } else { 0 };
        let limit = self.config.output_limits[class];
        let pending = ((self.output.len() + self.unsent) as u64).saturating_sub(REPLY_CHUNK);
        let now_ms = now_us / 1000;
        let over_soft = limit.soft > 0 && pending > limit.soft;
        if !over_soft {
            self.over_soft_since = None;
        }
        let since = *self.over_soft_since.get_or_insert(now_ms);
        let hard = limit.hard > 0 && pending > limit.hard;
        if hard || (over_soft && now_ms - since >= limit.soft_seconds * 1000) {
            self.overflowed(now_us);
        }
    }

    /// Runs what is buffered and updates the counters other clients see.
    fn run(&mut self, now_us: u64) {
        let out_before = self.output.len();
        let clock = self.server.clock();
        let started = clock.map(|c| c());
        let (commands, last) = self.process(now_us);
        self.release_buffers();
        // One event-loop cycle for INFO, its commands' time read off this batch's counters.
        let usec = started.zip(clock).map_or(0, |(t, c)| c().saturating_sub(t));
        let cmd_usec = self.stats.commands.values().map(|s| s.usec).sum();
        self.server.eventloop.batch(usec, cmd_usec, commands);
        let h = &self.state.handle;
        h.net_out
            .fetch_add((self.output.len() - out_before) as u64, Ordering::Relaxed);
        if !self.stats.is_empty() {
            self.stats.drain_into(&mut lock(&h.stats));
        }
        if commands > 0 {
            h.last_active_ms.store(now_us / 1000, Ordering::Relaxed);
            if let Some(name) = last {
                lock(&h.meta).last_cmd = name;
            }
        }
        if !self.output.is_empty() {
            self.check_output_limit(now_us);
        }
    }

    /// Gives back what a large request left in the input buffer and the parsers once it has
    /// run, as Valkey shrinks a client's idle query buffer: a client that once sent a
    /// 100,000-argument SADD kept megabytes for as long as it stayed connected. Buffers up to
    /// [`KEEP_BUFFER`] are kept, so pipelines reuse theirs.
    fn release_buffers(&mut self) {
        if self.input.capacity() > KEEP_BUFFER && self.input.len() <= KEEP_BUFFER / 2 {
            self.input.shrink_to(KEEP_BUFFER / 2);
        }
        self.parser.shrink(KEEP_BUFFER);
        self.lookahead.shrink(KEEP_BUFFER);
    }

    /// Before a pipelined batch runs, starts the memory loads its key lookups will need
    /// (bucket, then node) for up to 16 single-key commands, so their cache misses overlap
    /// instead of stalling each command in turn.
    fn prefetch_batch(&mut self) {
        use crate::commands::table::{self, BeginSearch};
        // A parser of its own, kept between batches so looking ahead allocates nothing.
        let parser = &mut self.lookahead;
        parser.set_limits(self.limits);
        parser.set_authenticated(self.state.authenticated);
        // Copies of the keys (on the stack for keys up to 32 bytes): a parsed request
        // borrows the parser only until the next one.
        // Each with its shard, computed once for both stages.
        let mut keys: SmallVec<[(usize, SmallVec<[u8; 32]>); 16]> = SmallVec::new();
        let mut at = 0;
        while keys.len() < 16 {
            let Ok(Some(req)) = parser.parse(&self.input[at..]) else {
                break;
            };
            at += req.consumed();
            if keys.is_empty() && at == self.input.len() {
                // A lone command (pipeline 1): nothing to overlap, skip the lookups.
                return;
            }
            let mut args = req.iter();
            let (Some(name), Some(first)) = (args.next(), args.next()) else {
                continue;
            };
            let keyed = table::lookup(name).is_some_and(|spec| {
                spec.key_specs
                    .first()
                    .is_some_and(|k| k.begin_search == BeginSearch::Index(1))
            });
            if keyed {
                keys.push((
                    crate::keyspace::Db::shard_of(first),
                    SmallVec::from_slice(first),
                ));
            }
        }
        if keys.len() < 2 {
            return;
        }
        let Some(db) = self.server.db(self.state.db) else {
            return;
        };
        for stage in 0..2 {
            for (shard, key) in &keys {
                db.shards().lock_one(*shard).prefetch(key, stage);
            }
        }
    }

    /// Runs the complete requests in the input; returns how many ran and the last one's name.
    fn process(&mut self, now_us: u64) -> (u64, Option<&'static str>) {
        self.refresh_config();
        self.prefetch_batch();
        let Self {
            server,
            config,
            parser,
            input,
            output,
            state,
            closing,
            sleep_until,
            blocked,
            paused,
            stats,
            parked,
            rerunning,
            ..
        } = self;
        let clock = server.clock();
        // One clock read per command: each command's time runs from the previous one's end
        // (it includes parsing its request, a few tens of ns), which halves the reads; the
        // clock was 4% of a pipelined GET's samples with two per command.
        let mut started = clock.map(|c| c());
        let mut at = 0;
        let (mut commands, mut last) = (0, None);
        loop {
            // Messages pushed before the next command go out before its reply.
            if state.handle.mailbox.drain_into(output).is_err() {
                // Over the pub/sub limit: poll_ready closes the connection.
                break;
            }
            // AUTH and RESET change the parser's limits for the next request.
            parser.set_authenticated(state.authenticated);
            match parser.parse(&input[at..]) {
                Ok(Some(req)) => {
                    let consumed = req.consumed();
                    at += consumed;
                    if req.is_empty() {
                        continue;
                    }
                    // Over tracking-table-max-keys, keys are dropped before each command (as
                    // Valkey does); this client's invalidations for them lead its reply.
                    if server.tracking.enforce_limit(server) {
                        let _ = state.handle.mailbox.drain_into(output);
                    }
                    let argv: Argv<'_> = req.iter().collect();
                    let proto = state.proto;
                    let mode_before = state.reply;
                    let mark = output.len();
                    let mut ctx = Ctx {
                        server,
                        config,
                        client: state,
                        out: ReplyWriter::new(output, proto),
                        now_ms: now_us / 1000,
                        now_us,
                        flow: Flow::Continue,
                        held: None,
                    };
                    let done = execute(&mut ctx, &argv);
                    let flow = ctx.flow;
                    if let Flow::Postpone = flow {
                        // Kept in the input, with everything after it, until the pause ends.
                        at -= consumed;
                        *paused = server.pause.current(now_us / 1000).map(|(m, _)| m);
                        state.handle.paused.store(true, Ordering::Relaxed);
                        break;
                    }
                    let ended = clock.map(|c| c());
                    let usec = ended.zip(started).map_or(0, |(e, t)| e.saturating_sub(t));
                    started = ended;
                    // DEBUG SLEEP parks the connection, not the thread; its time counts as
                    // the command's (commandstats, latency histogram, slow log), as in
                    // Valkey, where the sleep holds the whole server.
                    let usec = match &flow {
                        Flow::SleepUntil(until) => usec + until.saturating_sub(now_us),
                        _ => usec,
                    };
                    // A blocked command is counted when it ends (`end_block`).
                    if !matches!(flow, Flow::Block(..)) {
                        stats.record(done.name, done.ran, usec, &output[mark..]);
                    }
                    if done.ran {
                        use crate::slowlog::Outcome;
                        let outcome = match &flow {
                            Flow::Block(..) => Outcome::Blocked,
                            _ => Outcome::Done,
                        };
                        *parked = crate::slowlog::observe(
                            server,
                            config,
                            state,
                            &argv,
                            done.name,
                            done.flags,
                            usec,
                            now_us,
                            outcome,
                            !*rerunning,
                        );
                    }
                    commands += 1;
                    last = done.name.or(last);
                    // CLIENT REPLY: OFF drops replies until ON; SKIP drops the next one,
                    // unless that is CLIENT REPLY ON, whose +OK goes out (as Valkey's).
                    let skipped =
                        mode_before == ReplyMode::SkipNext && state.reply != ReplyMode::On;
                    if skipped || (mode_before == ReplyMode::Off && state.reply == ReplyMode::Off) {
                        output.truncate(mark);
                    }
                    state.reply = match state.reply {
                        ReplyMode::SkipArmed => ReplyMode::SkipNext,
                        ReplyMode::SkipNext if skipped => ReplyMode::On,
                        other => other,
                    };
                    match flow {
                        Flow::Continue => {}
                        Flow::Close => {
                            *closing = true;
                            state.handle.mark_closing();
                            // Valkey frees a QUIT client once its reply is written, before
                            // the client can read it; the runtime drops this connection
                            // later, so it stops counting as tracking (INFO) now.
                            crate::commands::disable_tracking(server, &state.handle);
                            break;
                        }
                        Flow::SleepUntil(until) => {
                            *sleep_until = Some(until);
                            break;
                        }
                        Flow::Block(waiter, deadline) => {
                            *lock(&state.handle.blocked) = Some(waiter.clone());
                            *blocked = Some((waiter, deadline));
                            break;
                        }
                        Flow::Postpone => unreachable!("handled before the counters"),
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    // Answered, then the connection closes, as Valkey does.
                    let mut text = b"ERR ".to_vec();
                    text.extend_from_slice(&e.message());
                    ReplyWriter::new(output, state.proto).error(&text);
                    *closing = true;
                    break;
                }
            }
        }
        if *closing {
            input.clear();
        } else {
            input.drain(..at);
        }
        (commands, last)
    }

    /// Reply bytes waiting to be written.
    pub fn output(&self) -> &[u8] {
        &self.output
    }

    /// Drops the first `n` output bytes once the socket has taken them.
    pub fn consume_output(&mut self, n: usize) {
        self.output.drain(..n);
    }

    /// Moves all pending output into `into` (swapping buffers, no copy when `into` is empty).
    /// Until [`Connection::output_written`], those bytes count against the output limit.
    pub fn take_output(&mut self, into: &mut Vec<u8>) {
        if into.is_empty() {
            std::mem::swap(into, &mut self.output);
        } else {
            into.append(&mut self.output);
        }
        self.unsent = into.len();
    }

    /// The socket took everything [`Connection::take_output`] handed out.
    pub fn output_written(&mut self) {
        self.unsent = 0;
    }

    /// True once the connection must stop reading and close: after writing its output (QUIT,
    /// protocol error, SHUTDOWN), or at once when [`Connection::abandoned`].
    pub fn should_close(&self) -> bool {
        self.closing || self.abandoned() || self.server.shutting_down()
    }

    /// True when the socket must close without sending what is pending: CLIENT KILL, an
    /// output or query buffer limit, idle `timeout` (a client that stopped reading must not
    /// hold its connection open).
    pub fn abandoned(&self) -> bool {
        self.abandoned || self.state.handle.is_killed()
    }

    /// Registers the waker the runtime wants called when this connection must close from
    /// elsewhere (CLIENT KILL), so an idle connection does not wait for its next read.
    pub fn set_waker(&self, waker: &std::task::Waker) {
        self.state.handle.set_waker(waker);
    }

    /// Bytes buffered while waiting for the rest of a request (for query-buffer limits).
    pub fn pending_input(&self) -> usize {
        self.input.len()
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        // A client that leaves while blocked takes nothing: its waiter is withdrawn, and if a
        // writer served it first, what it took goes back.
        if let Some((waiter, _)) = self.blocked.take() {
            // The handle and the waiter point at each other while blocked: break the cycle.
            *lock(&self.state.handle.blocked) = None;
            crate::blocking::withdraw(&self.server, &waiter, self.last_input_us / 1000);
        }
        let server = &self.server;
        self.state
            .subs
            .leave_all(&server.pubsub, &self.state.handle);
        crate::commands::disable_tracking(server, &self.state.handle);
        server.monitors.remove(self.state.id);
        crate::watch::unwatch_all(&mut self.state.watch, |db, key| {
            server.db(db).map(|db| db.lock_key(key))
        });
        self.server.retire_client(self.state.id);
    }
}

#[cfg(test)]
mod limits_tests;
#[cfg(test)]
mod pause_tests;
#[cfg(test)]
mod tests;
