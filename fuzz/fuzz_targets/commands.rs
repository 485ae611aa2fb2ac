//! Arbitrary command sequences, drawn from the commands the server implements, run through a
//! real `Connection` with a fake clock. Invariants: nothing panics; every reply is one
//! well-formed RESP frame; TYPE says "none" exactly when EXISTS says 0; after a full SCAN
//! (which reclaims expired keys it meets) DBSIZE equals the number of keys SCAN returned.
#![no_main]

use std::collections::BTreeSet;
use std::sync::Arc;

use arbitrary::{Arbitrary, Unstructured};
use engine::commands::{implemented, table};
use engine::{Config, Connection, Server};
use libfuzzer_sys::fuzz_target;
use resp::{decode, DecodeLimits, Frame};

/// Option words the commands understand, so the fuzzer reaches past the syntax checks.
const WORDS: &[&str] = &[
    "NX",
    "XX",
    "GT",
    "LT",
    "GET",
    "EX",
    "PX",
    "EXAT",
    "PXAT",
    "KEEPTTL",
    "PERSIST",
    "MATCH",
    "COUNT",
    "TYPE",
    "DB",
    "REPLACE",
    "LEN",
    "IDX",
    "MINMATCHLEN",
    "WITHMATCHLEN",
    "BIT",
    "BYTE",
    "AND",
    "OR",
    "XOR",
    "NOT",
    "OVERFLOW",
    "WRAP",
    "SAT",
    "FAIL",
    "INCRBY",
    "SET",
    "u8",
    "i16",
    "i64",
    "u63",
    "#1",
    "string",
    "*",
    "k?",
    "ON",
    "OFF",
    "SKIP",
    // Lists, hashes, sets, sorted sets (and their blocking forms: the driver unblocks a
    // command that waits forever).
    "LEFT",
    "RIGHT",
    "BEFORE",
    "AFTER",
    "RANK",
    "MAXLEN",
    "WITHSCORES",
    "WITHSCORE",
    "WITHVALUES",
    "NOVALUES",
    "BYSCORE",
    "BYLEX",
    "REV",
    "LIMIT",
    "CH",
    "INCR",
    "WEIGHTS",
    "AGGREGATE",
    "SUM",
    "MIN",
    "MAX",
    "-inf",
    "+inf",
    "(1",
    "[a",
    "-",
    "+",
    "1.5",
    "nan",
    "2",
];
const KEYS: &[&str] = &["k0", "k1", "k2", "{t}a", "{t}b", "", "\u{0}"];

#[derive(Arbitrary, Debug)]
enum Arg {
    Key(u8),
    Int(i16),
    Big(i64),
    Word(u8),
    Bytes(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
struct Op {
    command: u16,
    sub: u8,
    args: Vec<Arg>,
    /// Milliseconds the clock moves before this command.
    advance_ms: u16,
}

struct Driver {
    server: Arc<Server>,
    conn: Connection,
    /// Checks the invariants from a connection of its own: the fuzzed one may be inside
    /// MULTI (replies `+QUEUED`) or subscribed (RESP2 refuses most commands).
    observer: Connection,
    now_us: u64,
}

impl Driver {
    /// Sends one command and returns its reply frames (a parked DEBUG SLEEP is woken).
    fn call(&mut self, args: &[Vec<u8>]) -> Vec<Frame> {
        if self.conn.should_close() {
            self.conn = Connection::new(self.server.clone());
        }
        let mut request = Vec::new();
        resp::encode_command(&mut request, args);
        self.conn.receive(&request, self.now_us);
        // A near deadline (DEBUG SLEEP, BLPOP k 0.5) is waited out by moving the clock.
        if let Some(until) = self.conn.poll_timeout() {
            if until.saturating_sub(self.now_us) <= 3_600_000_000 {
                self.now_us = self.now_us.max(until);
                self.conn.handle_timeout(self.now_us);
            }
        }
        let mut out = Vec::new();
        self.conn.take_output(&mut out);
        if out.is_empty() && !self.conn.should_close() {
            // Blocked without a deadline (BLPOP k 0) or a far one: CLIENT UNBLOCK it.
            let mut ctl = Connection::new(self.server.clone());
            let unblock = format!("CLIENT UNBLOCK {}\r\n", self.conn.state().id);
            ctl.receive(unblock.as_bytes(), self.now_us);
            self.conn.handle_timeout(self.now_us);
            self.conn.take_output(&mut out);
        }
        let mut frames = Vec::new();
        let mut at = 0;
        while at < out.len() {
            let (frame, used) = decode(&out[at..], &DecodeLimits::default())
                .unwrap_or_else(|e| {
                    panic!("malformed reply {e}: {:?}", String::from_utf8_lossy(&out))
                })
                .unwrap_or_else(|| panic!("truncated reply: {:?}", String::from_utf8_lossy(&out)));
            frames.push(frame);
            at += used;
        }
        frames
    }

    fn one(&mut self, args: &[&str]) -> Frame {
        let mut request = Vec::new();
        resp::encode_command(&mut request, args);
        self.observer.receive(&request, self.now_us);
        let mut out = Vec::new();
        self.observer.take_output(&mut out);
        let (frame, used) = decode(&out, &DecodeLimits::default())
            .unwrap()
            .unwrap_or_else(|| panic!("{args:?}: no reply"));
        assert_eq!(used, out.len(), "{args:?}");
        frame
    }
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(ops) = Vec::<Op>::arbitrary(&mut u) else {
        return;
    };
    let specs: Vec<&'static table::CommandSpec> = table::commands()
        .iter()
        .filter(|s| implemented(s))
        .collect();
    let server = Arc::new(Server::new(Config {
        databases: 4,
        enable_debug_command: true,
        ..Config::default()
    }));
    let conn = Connection::new(server.clone());
    let observer = Connection::new(server.clone());
    let mut d = Driver {
        server,
        conn,
        observer,
        now_us: 1_700_000_000_000_000,
    };
    for op in ops.iter().take(64) {
        let spec = specs[usize::from(op.command) % specs.len()];
        let mut args: Vec<Vec<u8>> = vec![spec.name.as_bytes().to_vec()];
        if !spec.subcommands.is_empty() {
            let subs: Vec<_> = spec.subcommands.iter().filter(|s| implemented(s)).collect();
            if let Some(sub) = subs.get(usize::from(op.sub) % subs.len().max(1)) {
                args.push(
                    sub.name
                        .split('|')
                        .nth(1)
                        .unwrap_or_default()
                        .as_bytes()
                        .to_vec(),
                );
            }
        }
        for a in op.args.iter().take(12) {
            args.push(match a {
                Arg::Key(k) => KEYS[usize::from(*k) % KEYS.len()].as_bytes().to_vec(),
                Arg::Int(i) => i.to_string().into_bytes(),
                Arg::Big(i) => i.to_string().into_bytes(),
                Arg::Word(w) => WORDS[usize::from(*w) % WORDS.len()].as_bytes().to_vec(),
                Arg::Bytes(b) => b.iter().take(64).copied().collect(),
            });
        }
        // Keep the fuzzer off commands whose whole point is to wait, to silence the replies
        // the invariant checks below read (CLIENT REPLY OFF/SKIP), or to stop the server
        // (SHUTDOWN: every later reply would be a closed connection).
        let is = |i: usize, word: &[u8]| args.get(i).is_some_and(|a| a.eq_ignore_ascii_case(word));
        // DEBUG PANIC panics on purpose, and libFuzzer aborts on any panic, caught or not.
        if (is(0, b"debug") && (is(1, b"sleep") || is(1, b"panic")))
            // DEBUG POPULATE with a huge count creates billions of keys.
            || (is(0, b"debug") && is(1, b"populate"))
            // CLIENT PAUSE holds every later command, the observer's too, until it ends.
            || (is(0, b"client") && (is(1, b"reply") || is(1, b"pause")))
            || is(0, b"shutdown")
            // A fixed self-test of ~0.2 s: it would take most of the fuzzing time.
            || is(0, b"pfselftest")
        {
            continue;
        }
        d.now_us = d.now_us.saturating_add(u64::from(op.advance_ms) * 1000);
        d.call(&args);
        for key in KEYS {
            let ty = d.one(&["TYPE", key]);
            let exists = d.one(&["EXISTS", key]);
            let none = ty == Frame::Simple(b"none".to_vec());
            assert_eq!(
                none,
                exists == Frame::Integer(0),
                "TYPE {ty:?} vs EXISTS {exists:?} for {key:?}"
            );
        }
    }
    // A full SCAN reclaims every expired key it meets, so DBSIZE must then agree with it.
    for db in 0..4 {
        d.one(&["SELECT", &db.to_string()]);
        let mut seen = BTreeSet::new();
        let mut cursor = "0".to_owned();
        loop {
            let Frame::Array(parts) = d.one(&["SCAN", &cursor, "COUNT", "3"]) else {
                panic!("SCAN reply")
            };
            let [Frame::Bulk(next), Frame::Array(keys)] = &parts[..] else {
                panic!("SCAN shape")
            };
            for k in keys {
                let Frame::Bulk(k) = k else {
                    panic!("SCAN key")
                };
                seen.insert(k.clone());
            }
            cursor = String::from_utf8(next.clone()).unwrap();
            if cursor == "0" {
                break;
            }
        }
        assert_eq!(
            d.one(&["DBSIZE"]),
            Frame::Integer(seen.len() as i64),
            "db {db}"
        );
    }
});
