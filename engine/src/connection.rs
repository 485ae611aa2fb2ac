//! `Connection`: one client's state machine. Bytes and the current time go in; reply bytes
//! come out. No sockets, no clock, no runtime types: a test drives a whole conversation
//! in-process with whatever time it likes.
//!
//! Use (the runtime's loop): [`Connection::receive`] the bytes read, write out
//! [`Connection::output`], [`Connection::consume_output`] what was written, and close the
//! socket once [`Connection::should_close`] is true and the output is drained.

use smallvec::SmallVec;

use resp::{Limits, Protocol, ReplyWriter, RequestParser};

use crate::commands::{execute, Ctx, Flow};
use crate::server::Server;
use crate::sync::Arc;

/// Per-client state that commands read and change.
#[derive(Debug)]
pub struct ClientState {
    /// `CLIENT ID`.
    pub id: u64,
    /// The selected database.
    pub db: usize,
    /// The negotiated protocol.
    pub proto: Protocol,
    /// `CLIENT SETNAME`.
    pub name: Option<Vec<u8>>,
}

/// One client connection.
#[derive(Debug)]
pub struct Connection {
    server: Arc<Server>,
    parser: RequestParser,
    /// Bytes received and not yet parsed into complete requests.
    input: Vec<u8>,
    /// Replies not yet handed to the socket.
    output: Vec<u8>,
    state: ClientState,
    closing: bool,
}

/// Arguments kept on the stack for the common short commands.
type Argv<'a> = SmallVec<[&'a [u8]; 8]>;

impl Connection {
    /// A new client of `server`, speaking RESP2 on database 0.
    pub fn new(server: Arc<Server>) -> Self {
        let limits = Limits {
            max_bulk_len: server.config().proto_max_bulk_len,
            ..Limits::default()
        };
        let id = server.next_client_id();
        Self {
            server,
            parser: RequestParser::new(limits),
            input: Vec::new(),
            output: Vec::new(),
            state: ClientState {
                id,
                db: 0,
                proto: Protocol::Resp2,
                name: None,
            },
            closing: false,
        }
    }

    /// The client's state (id, db, protocol, name).
    pub fn state(&self) -> &ClientState {
        &self.state
    }

    /// Feeds bytes read from the client at `now_us` (Unix microseconds) and runs every
    /// complete request in them; their replies are appended to the output in order.
    pub fn receive(&mut self, bytes: &[u8], now_us: u64) {
        if self.closing {
            return;
        }
        self.input.extend_from_slice(bytes);
        self.process(now_us);
    }

    fn process(&mut self, now_us: u64) {
        let Self {
            server,
            parser,
            input,
            output,
            state,
            closing,
        } = self;
        let mut at = 0;
        loop {
            match parser.parse(&input[at..]) {
                Ok(Some(req)) => {
                    at += req.consumed();
                    if req.is_empty() {
                        continue;
                    }
                    let argv: Argv<'_> = req.iter().collect();
                    let proto = state.proto;
                    let mut ctx = Ctx {
                        server,
                        client: state,
                        out: ReplyWriter::new(output, proto),
                        now_ms: now_us / 1000,
                        now_us,
                        flow: Flow::Continue,
                    };
                    execute(&mut ctx, &argv);
                    if ctx.flow == Flow::Close {
                        *closing = true;
                        break;
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

    /// True once the connection must close after its output is written (QUIT, protocol error).
    pub fn should_close(&self) -> bool {
        self.closing
    }

    /// Bytes buffered while waiting for the rest of a request (for query-buffer limits).
    pub fn pending_input(&self) -> usize {
        self.input.len()
    }
}

#[cfg(test)]
mod tests;
