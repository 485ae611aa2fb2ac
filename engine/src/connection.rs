//! `Connection`: one client's state machine. Bytes and the current time go in; reply bytes
//! come out. No sockets, no clock, no runtime types: a test drives a whole conversation
//! in-process with whatever time it likes.
//!
//! Use (the runtime's loop): [`Connection::receive`] the bytes read, write out
//! [`Connection::output`], [`Connection::consume_output`] what was written, and close the
//! socket once [`Connection::should_close`] is true and the output is drained.

use smallvec::SmallVec;

use resp::{Limits, Protocol, ReplyWriter, RequestParser};

use crate::clients::{ClientHandle, Peer};
use crate::commands::{execute, Ctx, Flow};
use crate::server::Server;
use crate::stats::Stats;
use crate::sync::{lock, Arc, Ordering};

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
    /// What other clients see of this one (name, flags, counters).
    pub handle: Arc<ClientHandle>,
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
    parser: RequestParser,
    limits: Limits,
    /// Bytes received and not yet parsed into complete requests.
    input: Vec<u8>,
    /// Replies not yet handed to the socket.
    output: Vec<u8>,
    state: ClientState,
    closing: bool,
    /// DEBUG SLEEP: nothing more runs on this connection before this Unix microsecond.
    sleep_until: Option<u64>,
    /// Counters of the current batch, folded into the shared handle at its end.
    stats: Stats,
}

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
        let limits = Limits {
            max_bulk_len: server.config().proto_max_bulk_len,
            ..Limits::default()
        };
        let handle = server.clients.register(peer, now_us / 1000);
        Self {
            server,
            parser: RequestParser::new(limits),
            limits,
            input: Vec::new(),
            output: Vec::new(),
            state: ClientState {
                id: handle.id,
                db: 0,
                proto: Protocol::Resp2,
                reply: ReplyMode::On,
                handle,
            },
            closing: false,
            sleep_until: None,
            stats: Stats::default(),
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
        self.state
            .handle
            .net_in
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        if self.sleep_until.is_none() {
            self.run(now_us);
        }
    }

    /// The deadline the runtime must wake this connection at ([`Connection::handle_timeout`]),
    /// if any.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<u64> {
        self.sleep_until
    }

    /// Tells the connection that time `now_us` has come; a finished DEBUG SLEEP replies and
    /// the requests that arrived meanwhile run.
    pub fn handle_timeout(&mut self, now_us: u64) {
        match self.sleep_until {
            Some(until) if now_us >= until => {
                self.sleep_until = None;
                ReplyWriter::new(&mut self.output, self.state.proto).simple(b"OK");
                self.run(now_us);
            }
            _ => {}
        }
    }

    /// Runs what is buffered and updates the counters other clients see.
    fn run(&mut self, now_us: u64) {
        // CONFIG SET proto-max-bulk-len applies to every connection from its next read.
        let bulk_limit = self.server.proto_max_bulk_len.load(Ordering::Relaxed);
        if bulk_limit != self.limits.max_bulk_len {
            self.limits.max_bulk_len = bulk_limit;
            self.parser.set_limits(self.limits);
        }
        let out_before = self.output.len();
        let (commands, last) = self.process(now_us);
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
    }

    /// Runs the complete requests in the input; returns how many ran and the last one's name.
    fn process(&mut self, now_us: u64) -> (u64, Option<&'static str>) {
        let Self {
            server,
            parser,
            input,
            output,
            state,
            closing,
            sleep_until,
            stats,
            ..
        } = self;
        let clock = server.clock();
        let mut at = 0;
        let (mut commands, mut last) = (0, None);
        loop {
            match parser.parse(&input[at..]) {
                Ok(Some(req)) => {
                    at += req.consumed();
                    if req.is_empty() {
                        continue;
                    }
                    let argv: Argv<'_> = req.iter().collect();
                    let proto = state.proto;
                    let mode_before = state.reply;
                    let mark = output.len();
                    let mut ctx = Ctx {
                        server,
                        client: state,
                        out: ReplyWriter::new(output, proto),
                        now_ms: now_us / 1000,
                        now_us,
                        flow: Flow::Continue,
                    };
                    let started = clock.map(|c| c());
                    let done = execute(&mut ctx, &argv);
                    let flow = ctx.flow;
                    let usec = clock.zip(started).map_or(0, |(c, t)| c().saturating_sub(t));
                    stats.record(done.name, done.ran, usec, &output[mark..]);
                    commands += 1;
                    last = done.name.or(last);
                    // CLIENT REPLY: OFF drops replies until ON; SKIP drops the next one.
                    let skipped = mode_before == ReplyMode::SkipNext;
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
                            break;
                        }
                        Flow::SleepUntil(until) => {
                            *sleep_until = Some(until);
                            break;
                        }
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
    pub fn take_output(&mut self, into: &mut Vec<u8>) {
        if into.is_empty() {
            std::mem::swap(into, &mut self.output);
        } else {
            into.append(&mut self.output);
        }
    }

    /// True once the connection must close after its output is written (QUIT, protocol
    /// error, CLIENT KILL).
    pub fn should_close(&self) -> bool {
        self.closing || self.state.handle.is_killed()
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
        self.server.retire_client(self.state.id);
    }
}

#[cfg(test)]
mod tests;
