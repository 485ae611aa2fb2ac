//! The request parser: multibulk (`*N\r\n$len\r\n…`) and inline (`SET a "b c"\r\n`) commands,
//! incremental and zero-copy, with Valkey's limits and error texts.
//!
//! Contract with the caller (the feed/process/drain shape): pass the unconsumed bytes,
//! starting at the first byte of the request being parsed. After `Ok(None)` ("need more"),
//! append bytes and pass the same prefix again: the parser resumes where it stopped and never
//! rescans what it has already accepted. After `Ok(Some(req))`, drop `req.consumed()` bytes
//! from the front. After an error the parser stays failed: the connection must close.

use memchr::{memchr, memchr2};

use crate::error::ProtocolError;
use crate::inline::split_args;
use crate::int::parse_i64;

/// Valkey's `PROTO_INLINE_MAX_SIZE`: the longest line read while looking for its end.
pub const INLINE_MAX: usize = 64 * 1024;
/// Valkey's default `proto-max-bulk-len`.
pub const DEFAULT_MAX_BULK_LEN: usize = 512 * 1024 * 1024;
/// The largest argument count a request may declare.
pub const DEFAULT_MAX_ARGS: usize = 1024 * 1024;
/// Arguments an unauthenticated client may send (Valkey's rule).
const UNAUTH_MAX_ARGS: i64 = 10;
/// Bulk length an unauthenticated client may send (Valkey's rule).
const UNAUTH_MAX_BULK: i64 = 16 * 1024;
/// Spans reserved up front at most, whatever count a request claims.
const RESERVE_LIMIT: usize = 1024;

/// Limits applied while parsing; the defaults are Valkey's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// `proto-max-bulk-len`: the longest single argument.
    pub max_bulk_len: usize,
    /// The most arguments one request may declare.
    pub max_args: usize,
    /// The longest inline request / count line without a terminator.
    pub max_inline: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bulk_len: DEFAULT_MAX_BULK_LEN,
            max_args: DEFAULT_MAX_ARGS,
            max_inline: INLINE_MAX,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Span {
    start: usize,
    len: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Between requests.
    Idle,
    /// Inside a multibulk request: `remaining` arguments to go, the next read at `pos`,
    /// `bulk` the length of an argument whose `$len` line is already read.
    Multibulk {
        remaining: usize,
        pos: usize,
        bulk: Option<usize>,
    },
    /// Looking for the end of an inline request; bytes before `scanned` hold no `\n`.
    /// `stuck` means a NUL came first: like Valkey (which searches with `strchr`), the line
    /// then never ends, and the request fails once it outgrows the inline limit.
    Inline { scanned: usize, stuck: bool },
}

/// Incremental parser for client requests. One per connection; it keeps its argument table
/// and inline scratch buffer between requests, so a warm parser does not allocate.
#[derive(Debug)]
pub struct RequestParser {
    limits: Limits,
    authenticated: bool,
    state: State,
    spans: Vec<Span>,
    scratch: Vec<u8>,
    failed: Option<ProtocolError>,
}

/// One parsed request. Multibulk arguments borrow the caller's buffer; inline arguments
/// (which may contain escapes) borrow the parser's scratch buffer.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    base: &'a [u8],
    spans: &'a [Span],
    consumed: usize,
}

impl Default for RequestParser {
    fn default() -> Self {
        Self::new(Limits::default())
    }
}

impl RequestParser {
    /// A parser with the given limits, for an authenticated client.
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            authenticated: true,
            state: State::Idle,
            spans: Vec::new(),
            scratch: Vec::new(),
            failed: None,
        }
    }

    /// Changes the limits (`CONFIG SET proto-max-bulk-len`); applies from the next line read.
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// Unauthenticated clients get Valkey's tighter limits (10 arguments, 16 KiB each).
    pub fn set_authenticated(&mut self, authenticated: bool) {
        self.authenticated = authenticated;
    }

    /// Frees a buffer holding more than `keep` bytes, between requests only: what a request
    /// with very many arguments left behind (the caller decides when).
    pub fn shrink(&mut self, keep: usize) {
        if self.state != State::Idle {
            return;
        }
        if self.spans.capacity() * std::mem::size_of::<Span>() > keep {
            self.spans = Vec::new();
        }
        if self.scratch.capacity() > keep {
            self.scratch = Vec::new();
        }
    }

    /// True while part of a request has been read but not all of it.
    pub fn in_progress(&self) -> bool {
        self.state != State::Idle
    }

    /// Parses the next request at the start of `buf`. `Ok(None)`: need more bytes.
    /// A request with no arguments (`*0\r\n`, a blank line) is returned too, and is skipped
    /// by the caller, as Valkey does.
    pub fn parse<'a>(&'a mut self, buf: &'a [u8]) -> Result<Option<Request<'a>>, ProtocolError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        match self.step(buf) {
            Ok(Some((consumed, inline))) => {
                self.state = State::Idle;
                let base = if inline { &self.scratch[..] } else { buf };
                Ok(Some(Request {
                    base,
                    spans: &self.spans,
                    consumed,
                }))
            }
            Ok(None) => Ok(None),
            Err(e) => {
                self.failed = Some(e);
                Err(e)
            }
        }
    }

    /// Advances the state machine; on completion returns `(consumed, is_inline)`.
    fn step(&mut self, buf: &[u8]) -> Result<Option<(usize, bool)>, ProtocolError> {
        if self.state == State::Idle {
            match buf.first() {
                None => return Ok(None),
                Some(b'*') => {
                    self.spans.clear();
                    match self.multibulk_header(buf)? {
                        None => return Ok(None),
                        Some((0, pos)) => return Ok(Some((pos, false))),
                        Some((remaining, pos)) => {
                            self.spans.reserve(remaining.min(RESERVE_LIMIT));
                            self.state = State::Multibulk {
                                remaining,
                                pos,
                                bulk: None,
                            };
                        }
                    }
                }
                Some(_) => {
                    self.state = State::Inline {
                        scanned: 0,
                        stuck: false,
                    }
                }
            }
        }
        match self.state {
            State::Multibulk { .. } => self.multibulk_args(buf),
            State::Inline { .. } => self.inline(buf),
            State::Idle => unreachable!("state set above"),
        }
    }

    /// Finds the `\r\n` ending the line that starts at `start`. `Ok(None)`: need more.
    fn line_end(
        &self,
        buf: &[u8],
        start: usize,
        too_big: ProtocolError,
    ) -> Result<Option<usize>, ProtocolError> {
        // Too long is decided by where the line ends, not by how the bytes were split across
        // reads, so the outcome never depends on read sizes (Valkey, reading 16 KiB at a time,
        // rejects such lines too).
        match memchr(b'\r', &buf[start..]) {
            None if buf.len() - start > self.limits.max_inline => Err(too_big),
            None => Ok(None),
            Some(i) if i > self.limits.max_inline => Err(too_big),
            Some(i) if start + i + 1 >= buf.len() => Ok(None),
            Some(i) => Ok(Some(start + i)),
        }
    }

    /// Reads `*<count>\r\n`; returns the argument count (0 for an empty request) and where
    /// the arguments start.
    fn multibulk_header(&self, buf: &[u8]) -> Result<Option<(usize, usize)>, ProtocolError> {
        let Some(cr) = self.line_end(buf, 0, ProtocolError::TooBigMbulkCountString)? else {
            return Ok(None);
        };
        let count = match parse_i64(&buf[1..cr]) {
            Some(n) if n <= self.limits.max_args as i64 => n,
            _ => return Err(ProtocolError::InvalidMultibulkLength),
        };
        if count > UNAUTH_MAX_ARGS && !self.authenticated {
            return Err(ProtocolError::UnauthenticatedMultibulkLength);
        }
        if buf[cr + 1] != b'\n' {
            return Err(ProtocolError::InvalidCrlf);
        }
        Ok(Some((count.max(0) as usize, cr + 2)))
    }

    fn multibulk_args(&mut self, buf: &[u8]) -> Result<Option<(usize, bool)>, ProtocolError> {
        let State::Multibulk {
            mut remaining,
            mut pos,
            mut bulk,
        } = self.state
        else {
            unreachable!("called in multibulk state only")
        };
        let outcome = loop {
            if remaining == 0 {
                break Ok(Some((pos, false)));
            }
            let len = match bulk {
                Some(len) => len,
                None => match self.bulk_header(buf, pos) {
                    Ok(Some((len, next))) => {
                        pos = next;
                        bulk = Some(len);
                        len
                    }
                    other => break other.map(|_| None),
                },
            };
            if buf.len() - pos < len + 2 {
                break Ok(None);
            }
            if buf[pos + len] != b'\r' || buf[pos + len + 1] != b'\n' {
                break Err(ProtocolError::InvalidCrlf);
            }
            self.spans.push(Span { start: pos, len });
            pos += len + 2;
            remaining -= 1;
            bulk = None;
        };
        self.state = State::Multibulk {
            remaining,
            pos,
            bulk,
        };
        outcome
    }

    /// Reads `$<len>\r\n` at `pos`; returns the length and where the data starts.
    fn bulk_header(&self, buf: &[u8], pos: usize) -> Result<Option<(usize, usize)>, ProtocolError> {
        let Some(cr) = self.line_end(buf, pos, ProtocolError::TooBigBulkCountString)? else {
            return Ok(None);
        };
        if buf[pos] != b'$' {
            return Err(ProtocolError::ExpectedDollar(buf[pos]));
        }
        let len = match parse_i64(&buf[pos + 1..cr]) {
            Some(n) if n >= 0 && n as u64 <= self.limits.max_bulk_len as u64 => n,
            _ => return Err(ProtocolError::InvalidBulkLength),
        };
        if len > UNAUTH_MAX_BULK && !self.authenticated {
            return Err(ProtocolError::UnauthenticatedBulkLength);
        }
        if buf[cr + 1] != b'\n' {
            return Err(ProtocolError::InvalidCrlf);
        }
        Ok(Some((len as usize, cr + 2)))
    }

    fn inline(&mut self, buf: &[u8]) -> Result<Option<(usize, bool)>, ProtocolError> {
        let State::Inline { scanned, stuck } = self.state else {
            unreachable!("called in inline state only")
        };
        let found = if stuck {
            None
        } else {
            memchr2(b'\n', 0, &buf[scanned..]).map(|i| scanned + i)
        };
        let newline = match found {
            // As for count lines: the line's length decides, whatever the read sizes were.
            Some(i) if buf[i] == b'\n' && i > self.limits.max_inline => {
                return Err(ProtocolError::TooBigInlineRequest);
            }
            Some(i) if buf[i] == b'\n' => i,
            _ => {
                if buf.len() > self.limits.max_inline {
                    return Err(ProtocolError::TooBigInlineRequest);
                }
                self.state = match found {
                    Some(nul) => State::Inline {
                        scanned: nul,
                        stuck: true,
                    },
                    None => State::Inline {
                        scanned: buf.len(),
                        stuck,
                    },
                };
                return Ok(None);
            }
        };
        let mut line = &buf[..newline];
        if let [rest @ .., b'\r'] = line {
            line = rest;
        }
        self.spans.clear();
        self.scratch.clear();
        let spans = &mut self.spans;
        split_args(line, &mut self.scratch, |start, len| {
            spans.push(Span { start, len })
        })?;
        Ok(Some((newline + 1, true)))
    }
}

impl<'a> Request<'a> {
    /// Bytes of the caller's buffer this request occupied.
    pub fn consumed(&self) -> usize {
        self.consumed
    }

    /// Number of arguments, the command name included.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// True for an empty request, which is skipped.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Argument `i` (0 is the command name), or `None` past the end.
    pub fn get(&self, i: usize) -> Option<&'a [u8]> {
        self.spans
            .get(i)
            .map(|s| &self.base[s.start..s.start + s.len])
    }

    /// All arguments in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &'a [u8]> + 'a {
        let base = self.base;
        self.spans
            .iter()
            .map(move |s| &base[s.start..s.start + s.len])
    }
}

#[cfg(test)]
mod tests;
