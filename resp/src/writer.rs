//! The reply encoder: appends RESP3 values to a caller-owned buffer, downgraded for RESP2
//! clients the way Valkey downgrades them (maps flatten, sets and pushes become arrays,
//! doubles and big numbers become bulk strings, booleans become integers).

use memchr::memchr2;

use crate::double::push_double;
use crate::int::{push_i64, push_u64};

/// The protocol a client negotiated (`HELLO 2` / `HELLO 3`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// RESP2, the default for every new connection.
    #[default]
    Resp2,
    /// RESP3, after `HELLO 3`.
    Resp3,
}

/// Appends replies to `out`. Aggregates are written as a header followed by their elements:
/// `array(2)` then two values; `map(n)` then n key/value pairs.
#[derive(Debug)]
pub struct ReplyWriter<'a> {
    out: &'a mut Vec<u8>,
    proto: Protocol,
}

impl<'a> ReplyWriter<'a> {
    /// A writer appending to `out` for a client speaking `proto`.
    pub fn new(out: &'a mut Vec<u8>, proto: Protocol) -> Self {
        Self { out, proto }
    }

    /// The protocol replies are written for.
    pub fn protocol(&self) -> Protocol {
        self.proto
    }

    /// Switches protocol mid-stream (the reply to `HELLO 3` is already RESP3).
    pub fn set_protocol(&mut self, proto: Protocol) {
        self.proto = proto;
    }

    /// The buffer written so far.
    pub fn buffer(&mut self) -> &mut Vec<u8> {
        self.out
    }

    /// `+OK`-style status reply. `\r` and `\n` become spaces so the reply cannot break framing.
    pub fn simple(&mut self, s: &[u8]) {
        self.line(b'+', s);
    }

    /// `-ERR …` error reply; `s` includes the code (`ERR`, `WRONGTYPE`). `\r`/`\n` become spaces,
    /// as Valkey's `addReplyErrorFormat` does.
    pub fn error(&mut self, s: &[u8]) {
        self.line(b'-', s);
    }

    /// `:n` integer reply.
    pub fn integer(&mut self, n: i64) {
        self.out.push(b':');
        push_i64(self.out, n);
        self.crlf();
    }

    /// `$len` bulk string.
    pub fn bulk(&mut self, s: &[u8]) {
        self.header(b'$', s.len());
        self.out.extend_from_slice(s);
        self.crlf();
    }

    /// Bulk string of an integer's decimal form.
    pub fn bulk_i64(&mut self, n: i64) {
        let mut buf = [0u8; 20];
        self.bulk(crate::int::i64_digits(n, &mut buf));
    }

    /// The null reply: `$-1` in RESP2, `_` in RESP3.
    pub fn null(&mut self) {
        match self.proto {
            Protocol::Resp2 => self.out.extend_from_slice(b"$-1\r\n"),
            Protocol::Resp3 => self.out.extend_from_slice(b"_\r\n"),
        }
    }

    /// The null array reply: `*-1` in RESP2, `_` in RESP3.
    pub fn null_array(&mut self) {
        match self.proto {
            Protocol::Resp2 => self.out.extend_from_slice(b"*-1\r\n"),
            Protocol::Resp3 => self.out.extend_from_slice(b"_\r\n"),
        }
    }

    /// Array header of `n` elements.
    pub fn array(&mut self, n: usize) {
        self.header(b'*', n);
    }

    /// Map header of `n` pairs; RESP2 gets a flat array of `2n`.
    pub fn map(&mut self, n: usize) {
        match self.proto {
            Protocol::Resp2 => self.header(b'*', n * 2),
            Protocol::Resp3 => self.header(b'%', n),
        }
    }

    /// Set header of `n` elements; RESP2 gets an array.
    pub fn set(&mut self, n: usize) {
        match self.proto {
            Protocol::Resp2 => self.header(b'*', n),
            Protocol::Resp3 => self.header(b'~', n),
        }
    }

    /// Push header of `n` elements (pub/sub messages, invalidations); RESP2 gets an array.
    pub fn push(&mut self, n: usize) {
        match self.proto {
            Protocol::Resp2 => self.header(b'*', n),
            Protocol::Resp3 => self.header(b'>', n),
        }
    }

    /// Attribute header of `n` pairs, followed by the pairs and then the value they describe.
    /// RESP2 has no attributes: returns false and writes nothing; the caller skips the pairs.
    pub fn attribute(&mut self, n: usize) -> bool {
        match self.proto {
            Protocol::Resp2 => false,
            Protocol::Resp3 => {
                self.header(b'|', n);
                true
            }
        }
    }

    /// Double reply with Valkey's formatting; RESP2 gets a bulk string of the same text.
    pub fn double(&mut self, d: f64) {
        match self.proto {
            Protocol::Resp2 => {
                let mut buf = [0u8; crate::double::MAX_DOUBLE_LEN];
                self.bulk(crate::double::format_double(d, &mut buf));
            }
            Protocol::Resp3 => {
                self.out.push(b',');
                push_double(self.out, d);
                self.crlf();
            }
        }
    }

    /// Boolean reply; RESP2 gets `:1` / `:0`.
    pub fn boolean(&mut self, b: bool) {
        match self.proto {
            Protocol::Resp2 => self.integer(i64::from(b)),
            Protocol::Resp3 => self
                .out
                .extend_from_slice(if b { b"#t\r\n" } else { b"#f\r\n" }),
        }
    }

    /// Big number reply (decimal digits, optional leading `-`); RESP2 gets a bulk string.
    pub fn big_number(&mut self, digits: &[u8]) {
        match self.proto {
            Protocol::Resp2 => self.bulk(digits),
            Protocol::Resp3 => self.line(b'(', digits),
        }
    }

    /// Verbatim string with a three-byte format such as `txt`; RESP2 gets a bulk of `text`.
    pub fn verbatim(&mut self, format: [u8; 3], text: &[u8]) {
        match self.proto {
            Protocol::Resp2 => self.bulk(text),
            Protocol::Resp3 => {
                self.header(b'=', text.len() + 4);
                self.out.extend_from_slice(&format);
                self.out.push(b':');
                self.out.extend_from_slice(text);
                self.crlf();
            }
        }
    }

    /// Bulk error (`!len`); RESP2 gets a simple error with `\r`/`\n` as spaces.
    pub fn bulk_error(&mut self, s: &[u8]) {
        match self.proto {
            Protocol::Resp2 => self.error(s),
            Protocol::Resp3 => {
                self.header(b'!', s.len());
                self.out.extend_from_slice(s);
                self.crlf();
            }
        }
    }

    fn header(&mut self, tag: u8, n: usize) {
        self.out.push(tag);
        push_u64(self.out, n as u64);
        self.crlf();
    }

    fn line(&mut self, tag: u8, s: &[u8]) {
        self.out.push(tag);
        let start = self.out.len();
        self.out.extend_from_slice(s);
        if memchr2(b'\r', b'\n', s).is_some() {
            for b in &mut self.out[start..] {
                if matches!(*b, b'\r' | b'\n') {
                    *b = b' ';
                }
            }
        }
        self.crlf();
    }

    fn crlf(&mut self) {
        self.out.extend_from_slice(b"\r\n");
    }
}

/// Appends a command as a client sends it (a multibulk array of bulk strings): for tests,
/// benchmarks, AOF and replication streams.
pub fn encode_command<A: AsRef<[u8]>>(out: &mut Vec<u8>, args: &[A]) {
    out.push(b'*');
    push_u64(out, args.len() as u64);
    out.extend_from_slice(b"\r\n");
    for a in args {
        let a = a.as_ref();
        out.push(b'$');
        push_u64(out, a.len() as u64);
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(f: impl Fn(&mut ReplyWriter<'_>)) -> (Vec<u8>, Vec<u8>) {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        f(&mut ReplyWriter::new(&mut a, Protocol::Resp2));
        f(&mut ReplyWriter::new(&mut b, Protocol::Resp3));
        (a, b)
    }

    // The RESP2/RESP3 pairs below were read off Valkey 9.1.2 (EVAL returning each Lua
    // RESP3 type, with and without HELLO 3), not from this code.
    #[test]
    fn downgrades_match_valkey() {
        assert_eq!(
            both(|w| w.double(-0.0)),
            (b"$2\r\n-0\r\n".to_vec(), b",-0\r\n".to_vec())
        );
        assert_eq!(
            both(|w| w.big_number(b"123")),
            (b"$3\r\n123\r\n".to_vec(), b"(123\r\n".to_vec())
        );
        assert_eq!(
            both(|w| w.verbatim(*b"txt", b"hi")),
            (b"$2\r\nhi\r\n".to_vec(), b"=6\r\ntxt:hi\r\n".to_vec())
        );
        assert_eq!(
            both(|w| {
                w.map(1);
                w.bulk(b"a");
                w.integer(1);
            }),
            (
                b"*2\r\n$1\r\na\r\n:1\r\n".to_vec(),
                b"%1\r\n$1\r\na\r\n:1\r\n".to_vec()
            )
        );
        assert_eq!(both(|w| w.set(1)), (b"*1\r\n".to_vec(), b"~1\r\n".to_vec()));
        assert_eq!(
            both(|w| w.boolean(true)),
            (b":1\r\n".to_vec(), b"#t\r\n".to_vec())
        );
        assert_eq!(both(|w| w.null()), (b"$-1\r\n".to_vec(), b"_\r\n".to_vec()));
        assert_eq!(
            both(|w| w.null_array()),
            (b"*-1\r\n".to_vec(), b"_\r\n".to_vec())
        );
        assert_eq!(
            both(|w| w.double(f64::INFINITY)),
            (b"$3\r\ninf\r\n".to_vec(), b",inf\r\n".to_vec())
        );
    }

    #[test]
    fn line_replies_cannot_break_framing() {
        let (r2, _) = both(|w| w.error(b"ERR bad\r\nthing"));
        assert_eq!(r2, b"-ERR bad  thing\r\n");
        let (r2, r3) = both(|w| w.bulk_error(b"ERR x\ny"));
        assert_eq!(r2, b"-ERR x y\r\n");
        assert_eq!(r3, b"!7\r\nERR x\ny\r\n");
    }

    #[test]
    fn commands_encode_as_multibulk() {
        let mut out = Vec::new();
        encode_command(&mut out, &["SET", "k", ""]);
        assert_eq!(out, b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n");
    }

    #[test]
    fn scalar_encodings() {
        let (r2, _) = both(|w| {
            w.integer(-42);
            w.bulk(b"");
            w.simple(b"OK");
            w.bulk_i64(7);
            w.push(2);
        });
        assert_eq!(r2, b":-42\r\n$0\r\n\r\n+OK\r\n$1\r\n7\r\n*2\r\n");
    }
}
