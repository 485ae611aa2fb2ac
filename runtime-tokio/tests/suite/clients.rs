//! Real clients against the real binary: the `redis` crate (a sync r2d2 pool, async multiplexed
//! connections and a `ConnectionManager` on many tokio tasks), RESP3 on a raw socket, clients
//! that misbehave (garbage, half requests, 1,000 connections at once), `redis-cli`, redis-py
//! (RESP2 and its default RESP3) and valkey-glide.
//!
//! Expected bytes were checked against Valkey 9.1 for the same input. `redis-cli`, redis-py and
//! valkey-glide are outside tools: without them a test prints a skip line, or fails when
//! `FERROKEY_REQUIRE_TOOLS` is set (`cargo xtask test` installs them; CI sets it). The Python
//! scripts beside this file pass against valkey-server 9.1.2 too (`python3 SCRIPT PORT`).

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::{client, start, Running};

fn url(s: &Running) -> String {
    format!("redis://127.0.0.1:{}/", s.port)
}

fn info_field(c: &mut redis::Connection, section: &str, field: &str) -> i64 {
    let info: String = redis::cmd("INFO").arg(section).query(c).unwrap();
    let prefix = format!("{field}:");
    info.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {field} in INFO {section}: {info}"))
        .trim()
        .parse()
        .unwrap()
}

/// Polls `connected_clients` (through `c`, which counts itself) until it is `want`.
fn wait_for_clients(c: &mut redis::Connection, want: i64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let n = info_field(c, "clients", "connected_clients");
        if n == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "connected_clients stayed {n}, want {want}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

// ---------------------------------------------------------------------------------------------
// The `redis` crate: a sync pool and async clients.

/// 8 threads share an r2d2 pool of 8 connections; every command checks out a connection
/// (r2d2 PINGs it first), so connections move between threads all the time.
#[test]
fn r2d2_pool_serves_eight_threads() {
    const THREADS: usize = 8;
    const PER_THREAD: usize = 400;
    let s = start(&[]);
    let pool = r2d2::Pool::builder()
        .max_size(THREADS as u32)
        .connection_timeout(Duration::from_secs(30))
        .build(redis::Client::open(url(&s)).unwrap())
        .unwrap();
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let pool = pool.clone();
            std::thread::spawn(move || {
                for i in 0..PER_THREAD {
                    let mut c = pool.get().unwrap();
                    let () = redis::cmd("SET")
                        .arg(format!("pool:{t}:{i}"))
                        .arg(format!("v{t}.{i}"))
                        .query(&mut *c)
                        .unwrap();
                    let n: usize = redis::cmd("INCR")
                        .arg(format!("count:{t}"))
                        .query(&mut *c)
                        .unwrap();
                    assert_eq!(n, i + 1, "thread {t}");
                    let shared: i64 = redis::cmd("INCR").arg("shared").query(&mut *c).unwrap();
                    assert!(shared >= 1);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let mut c = pool.get().unwrap();
    for t in 0..THREADS {
        let keys: Vec<String> = (0..PER_THREAD).map(|i| format!("pool:{t}:{i}")).collect();
        let got: Vec<String> = redis::cmd("MGET").arg(&keys).query(&mut *c).unwrap();
        let want: Vec<String> = (0..PER_THREAD).map(|i| format!("v{t}.{i}")).collect();
        assert_eq!(got, want, "thread {t}'s values");
        let n: usize = redis::cmd("GET")
            .arg(format!("count:{t}"))
            .query(&mut *c)
            .unwrap();
        assert_eq!(n, PER_THREAD);
    }
    let shared: usize = redis::cmd("GET").arg("shared").query(&mut *c).unwrap();
    assert_eq!(shared, THREADS * PER_THREAD, "INCR lost updates");
    let size: usize = redis::cmd("DBSIZE").query(&mut *c).unwrap();
    assert_eq!(size, THREADS * PER_THREAD + THREADS + 1);
    drop(c);
    // The pool opened exactly its 8 connections; one more client to ask.
    wait_for_clients(&mut client(&s), THREADS as i64 + 1);
}

/// 64 tokio tasks share one multiplexed connection (requests from all of them interleave on
/// one socket, so every reply must come back in order), and 16 tasks each have their own.
#[test]
fn async_multiplexed_connections_serve_many_tokio_tasks() {
    const TASKS: usize = 64;
    const PER_TASK: usize = 200;
    let s = start(&[]);
    let client = redis::Client::open(url(&s)).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(120), async {
            let shared = client.get_multiplexed_async_connection().await.unwrap();
            let mut tasks = Vec::new();
            for t in 0..TASKS {
                let mut con = shared.clone();
                tasks.push(tokio::spawn(async move {
                    for i in 0..PER_TASK {
                        let key = format!("mx:{t}:{i}");
                        let val = format!("{t}-{i}-{}", "x".repeat(i % 50));
                        let () = redis::cmd("SET")
                            .arg(&key)
                            .arg(&val)
                            .query_async(&mut con)
                            .await
                            .unwrap();
                        let got: String = redis::cmd("GET")
                            .arg(&key)
                            .query_async(&mut con)
                            .await
                            .unwrap();
                        assert_eq!(got, val);
                        let _: i64 = redis::cmd("INCR")
                            .arg("mx:hits")
                            .query_async(&mut con)
                            .await
                            .unwrap();
                    }
                }));
            }
            // Tasks with connections of their own, sending pipelines.
            for t in 0..16 {
                let client = client.clone();
                tasks.push(tokio::spawn(async move {
                    let mut con = client.get_multiplexed_async_connection().await.unwrap();
                    for round in 0..20 {
                        let mut pipe = redis::pipe();
                        for i in 0..50 {
                            pipe.cmd("SET")
                                .arg(format!("own:{t}:{round}:{i}"))
                                .arg(i)
                                .ignore();
                        }
                        pipe.cmd("INCRBY").arg(format!("own:{t}:n")).arg(50);
                        let (n,): (usize,) = pipe.query_async(&mut con).await.unwrap();
                        assert_eq!(n, (round + 1) * 50);
                    }
                }));
            }
            for task in tasks {
                task.await.unwrap();
            }
            let mut con = client.get_multiplexed_async_connection().await.unwrap();
            let hits: usize = redis::cmd("GET")
                .arg("mx:hits")
                .query_async(&mut con)
                .await
                .unwrap();
            assert_eq!(hits, TASKS * PER_TASK, "INCR lost updates");
            let size: usize = redis::cmd("DBSIZE").query_async(&mut con).await.unwrap();
            assert_eq!(size, TASKS * PER_TASK + 1 + 16 * (20 * 50 + 1));
            let v: String = redis::cmd("GET")
                .arg("mx:63:199")
                .query_async(&mut con)
                .await
                .unwrap();
            assert_eq!(v, format!("63-199-{}", "x".repeat(199 % 50)));
        })
        .await
        .expect("async clients did not finish in 120 s");
    });
}

/// A `ConnectionManager` shared by tasks; its connection killed with CLIENT KILL must close
/// (so the manager reconnects: a new CLIENT ID) and the data stays.
#[test]
fn connection_manager_reconnects_after_client_kill() {
    let s = start(&[]);
    let client = redis::Client::open(url(&s)).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let port = s.port;
    rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(60), async {
            let manager = client.get_connection_manager().await.unwrap();
            let mut tasks = Vec::new();
            for t in 0..16 {
                let mut m = manager.clone();
                tasks.push(tokio::spawn(async move {
                    for i in 0..100 {
                        let () = redis::cmd("SET")
                            .arg(format!("cm:{t}:{i}"))
                            .arg(i)
                            .query_async(&mut m)
                            .await
                            .unwrap();
                    }
                }));
            }
            for task in tasks {
                task.await.unwrap();
            }
            let mut m = manager.clone();
            let before: i64 = redis::cmd("CLIENT")
                .arg("ID")
                .query_async(&mut m)
                .await
                .unwrap();
            // Kill it from another (sync) connection.
            let killed = tokio::task::spawn_blocking(move || {
                let mut other = redis::Client::open(format!("redis://127.0.0.1:{port}/"))
                    .unwrap()
                    .get_connection()
                    .unwrap();
                redis::cmd("CLIENT")
                    .arg("KILL")
                    .arg("ID")
                    .arg(before)
                    .query::<i64>(&mut other)
                    .unwrap()
            })
            .await
            .unwrap();
            assert_eq!(killed, 1);
            // The first command may see the closed connection; the manager then reconnects.
            let mut after = None;
            for _ in 0..100 {
                match redis::cmd("CLIENT")
                    .arg("ID")
                    .query_async::<i64>(&mut m)
                    .await
                {
                    Ok(id) => {
                        after = Some(id);
                        break;
                    }
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            }
            let after = after.expect("the connection manager never reconnected");
            assert_ne!(after, before, "CLIENT KILL did not close the connection");
            let v: i64 = redis::cmd("GET")
                .arg("cm:15:99")
                .query_async(&mut m)
                .await
                .unwrap();
            assert_eq!(v, 99);
            let size: usize = redis::cmd("DBSIZE").query_async(&mut m).await.unwrap();
            assert_eq!(size, 1600);
        })
        .await
        .expect("connection manager test did not finish in 60 s");
    });
}

// ---------------------------------------------------------------------------------------------
// RESP3 on a raw socket.

/// Reads one whole reply (any RESP2/RESP3 type) and returns its bytes.
fn read_reply(r: &mut impl BufRead) -> Vec<u8> {
    let mut out = Vec::new();
    read_reply_into(r, &mut out);
    out
}

fn read_reply_into(r: &mut impl BufRead, out: &mut Vec<u8>) {
    let start = out.len();
    let n = r.read_until(b'\n', out).unwrap();
    assert!(n >= 3, "connection closed mid-reply: {:?}", ascii(out));
    let line = &out[start..];
    assert!(line.ends_with(b"\r\n"), "bad reply line {:?}", ascii(line));
    let kind = line[0];
    let len = || -> i64 {
        std::str::from_utf8(&line[1..line.len() - 2])
            .unwrap()
            .parse()
            .unwrap()
    };
    match kind {
        b'+' | b'-' | b':' | b'_' | b'#' | b',' | b'(' => {}
        b'$' | b'=' | b'!' => {
            let n = len();
            if n >= 0 {
                let mut body = vec![0; n as usize + 2];
                r.read_exact(&mut body).unwrap();
                out.extend_from_slice(&body);
            }
        }
        b'*' | b'~' | b'>' => {
            for _ in 0..len().max(0) {
                read_reply_into(r, out);
            }
        }
        b'%' | b'|' => {
            for _ in 0..2 * len() {
                read_reply_into(r, out);
            }
        }
        other => panic!("unknown reply type {:?}", other as char),
    }
}

fn ascii(b: &[u8]) -> String {
    b.escape_ascii().to_string()
}

/// One connection sending commands as RESP arrays (arguments split on spaces).
struct Raw {
    w: TcpStream,
    r: BufReader<TcpStream>,
}

impl Raw {
    fn connect(s: &Running) -> Raw {
        let w = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
        w.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let r = BufReader::new(w.try_clone().unwrap());
        Raw { w, r }
    }

    fn call(&mut self, cmd: &str) -> Vec<u8> {
        let args: Vec<&str> = cmd.split(' ').collect();
        let mut req = format!("*{}\r\n", args.len());
        for a in args {
            req.push_str(&format!("${}\r\n{a}\r\n", a.len()));
        }
        self.w.write_all(req.as_bytes()).unwrap();
        read_reply(&mut self.r)
    }

    fn expect(&mut self, cmd: &str, want: &[u8]) {
        let got = self.call(cmd);
        assert_eq!(
            ascii(&got),
            ascii(want),
            "reply to {cmd:?} differs from Valkey's"
        );
    }
}

/// The HELLO reply (`%7` map in RESP3, `*14` array in RESP2) with the fields every server
/// sends alike; server, version and id are the server's own, modules differ (Valkey: lua).
fn check_hello(reply: &[u8], proto: u8) {
    let text = ascii(reply);
    let head = if proto == 3 { "%7\\r\\n" } else { "*14\\r\\n" };
    assert!(text.starts_with(head), "{text}");
    for part in [
        "$6\\r\\nserver\\r\\n$8\\r\\nferrokey\\r\\n$7\\r\\nversion\\r\\n".to_owned(),
        format!("$5\\r\\nproto\\r\\n:{proto}\\r\\n$2\\r\\nid\\r\\n:"),
        "$4\\r\\nmode\\r\\n$10\\r\\nstandalone\\r\\n$4\\r\\nrole\\r\\n$6\\r\\nmaster\\r\\n\
         $7\\r\\nmodules\\r\\n"
            .to_owned(),
    ] {
        assert!(text.contains(&part), "{part} not in {text}");
    }
}

#[test]
fn resp3_replies_match_valkey_byte_for_byte() {
    let s = start(&[]);
    let mut c = Raw::connect(&s);
    c.expect("HELLO 4", b"-NOPROTO unsupported protocol version\r\n");
    let hello = c.call("HELLO 3");
    check_hello(&hello, 3);
    let port = s.port.to_string();
    c.expect(
        "CONFIG GET port",
        format!("%1\r\n$4\r\nport\r\n${}\r\n{port}\r\n", port.len()).as_bytes(),
    );
    c.expect(
        "CONFIG GET appendonly",
        b"%1\r\n$10\r\nappendonly\r\n$2\r\nno\r\n",
    );
    c.expect("CONFIG GET nosuch", b"%0\r\n");
    c.expect("GET missing", b"_\r\n");
    c.expect("SET k1 ohmytext", b"+OK\r\n");
    c.expect("SET k2 mynewtext", b"+OK\r\n");
    c.expect("MGET k1 missing", b"*2\r\n$8\r\nohmytext\r\n_\r\n");
    c.expect("LCS k1 k2", b"$6\r\nmytext\r\n");
    c.expect(
        "LCS k1 k2 IDX",
        b"%2\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n\
          *2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n",
    );
    c.expect(
        "LCS k1 k2 IDX MINMATCHLEN 4 WITHMATCHLEN",
        b"%2\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n\
          $3\r\nlen\r\n:6\r\n",
    );
    c.expect("EXISTS k1 k2 missing", b":2\r\n");
    c.expect("INCRBYFLOAT f 1.5", b"$3\r\n1.5\r\n");
    c.expect("INCRBYFLOAT f 1e3", b"$6\r\n1001.5\r\n");
    c.expect(
        "BITFIELD b SET u8 0 255 GET u8 0 INCRBY u8 0 10",
        b"*3\r\n:0\r\n:255\r\n:9\r\n",
    );
    c.expect("CLIENT GETNAME", b"_\r\n");
    c.expect("CLIENT SETNAME n1", b"+OK\r\n");
    c.expect("CLIENT GETNAME", b"$2\r\nn1\r\n");
    // INFO is a verbatim string in RESP3.
    c.expect(
        "INFO keyspace",
        b"=75\r\ntxt:# Keyspace\r\ndb0:keys=4,expires=0,avg_ttl=0,keys_with_volatile_items=0\r\n\
          \r\n",
    );
    c.expect("OBJECT IDLETIME missing", b"_\r\n");
    c.expect("GETEX missing", b"_\r\n");
    c.expect("SET x 1 NX GET", b"_\r\n");
    c.expect("TYPE k1", b"+string\r\n");
    c.expect("COMMAND INFO nosuchcommand", b"*1\r\n_\r\n");
    c.expect("COMMAND GETKEYS SET a b", b"*1\r\n$1\r\na\r\n");
    c.expect(
        "COMMAND DOCS get",
        b"%1\r\n$3\r\nget\r\n%5\r\n$7\r\nsummary\r\n$34\r\nReturns the string value of a key.\r\n\
          $5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n\
          $4\r\nO(1)\r\n$9\r\narguments\r\n*1\r\n%4\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n\
          $3\r\nkey\r\n$12\r\ndisplay_text\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n",
    );
    c.expect(
        "COMMAND INFO get",
        b"*1\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n\
          +@read\r\n+@string\r\n+@fast\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n\
          +access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n\
          %1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n\
          $4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n\
          *0\r\n",
    );
    // Back to RESP2 on the same connection: the same data, RESP2 shapes.
    let hello = c.call("HELLO 2");
    check_hello(&hello, 2);
    c.expect("GET missing", b"$-1\r\n");
    c.expect("MGET k1 missing", b"*2\r\n$8\r\nohmytext\r\n$-1\r\n");
    c.expect(
        "CONFIG GET appendonly",
        b"*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n",
    );
    c.expect(
        "LCS k1 k2 IDX MINMATCHLEN 4 WITHMATCHLEN",
        b"*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n\
          $3\r\nlen\r\n:6\r\n",
    );
    c.expect(
        "INFO keyspace",
        b"$71\r\n# Keyspace\r\ndb0:keys=5,expires=0,avg_ttl=0,keys_with_volatile_items=0\r\n\r\n",
    );
    // HELLO 3 with SETNAME in one go.
    let hello = c.call("HELLO 3 SETNAME myname");
    check_hello(&hello, 3);
    c.expect("CLIENT GETNAME", b"$6\r\nmyname\r\n");
}

/// The `redis` crate's own RESP3 mode (`?protocol=resp3`): maps and nulls arrive typed.
#[test]
fn redis_crate_speaks_resp3() {
    use redis::Value;
    let s = start(&[]);
    let mut c = redis::Client::open(format!("redis://127.0.0.1:{}/?protocol=resp3", s.port))
        .unwrap()
        .get_connection()
        .unwrap();
    let v: Value = redis::cmd("CONFIG")
        .arg("GET")
        .arg("port")
        .query(&mut c)
        .unwrap();
    assert_eq!(
        v,
        Value::Map(vec![(
            Value::BulkString(b"port".to_vec()),
            Value::BulkString(s.port.to_string().into_bytes())
        )])
    );
    let v: Value = redis::cmd("GET").arg("missing").query(&mut c).unwrap();
    assert_eq!(v, Value::Nil);
    let v: Value = redis::cmd("CLIENT").arg("INFO").query(&mut c).unwrap();
    match v {
        Value::VerbatimString { text, .. } => assert!(text.contains(" resp=3 "), "{text}"),
        other => panic!("CLIENT INFO in RESP3: {other:?}"),
    }
    let () = redis::cmd("SET").arg("k").arg("v").query(&mut c).unwrap();
    let v: Vec<Option<String>> = redis::cmd("MGET")
        .arg("k")
        .arg("nope")
        .query(&mut c)
        .unwrap();
    assert_eq!(v, [Some("v".to_owned()), None]);
}

// ---------------------------------------------------------------------------------------------
// Misbehaving clients.

/// Sends `data` and reads until the server closes the connection (10 s at most).
fn send_and_read_to_close(s: &Running, data: &[u8]) -> Vec<u8> {
    let mut sock = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    // The server may close before it has read everything (too big inline request).
    if let Err(e) = sock.write_all(data) {
        assert!(
            matches!(e.kind(), ErrorKind::BrokenPipe | ErrorKind::ConnectionReset),
            "{e}"
        );
    }
    let mut reply = Vec::new();
    match sock.read_to_end(&mut reply) {
        Ok(_) => {}
        // Closing with unread input may reset the connection after the reply.
        Err(e) if e.kind() == ErrorKind::ConnectionReset && !reply.is_empty() => {}
        Err(e) => panic!(
            "no close after {:?} (read {:?}): {e}",
            ascii(data),
            ascii(&reply)
        ),
    }
    reply
}

/// 64 pseudo-random bytes after a `*` (none a digit, sign or line end), as a fixed seed makes.
fn garbage_multibulk() -> Vec<u8> {
    let mut x: u32 = 0x2545_F491;
    let mut g = vec![b'*'];
    while g.len() < 65 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let b = (x >> 24) as u8;
        if !matches!(b, b'0'..=b'9' | b'-' | b'+' | b'\r' | b'\n') {
            g.push(b);
        }
    }
    g.extend_from_slice(b"\r\n");
    g
}

#[test]
fn garbage_gets_an_error_and_a_close_while_others_are_served() {
    let s = start(&[]);
    // A client connected before, and still working after, all the bad ones.
    let mut bystander = client(&s);
    let () = redis::cmd("SET")
        .arg("b")
        .arg("1")
        .query(&mut bystander)
        .unwrap();
    let invalid_multibulk = b"-ERR Protocol error: invalid multibulk length\r\n";
    let cases: Vec<(Vec<u8>, Vec<u8>)> = vec![
        (garbage_multibulk(), invalid_multibulk.to_vec()),
        (b"*abc\r\n".to_vec(), invalid_multibulk.to_vec()),
        (
            b"*1\r\n$abc\r\n".to_vec(),
            b"-ERR Protocol error: invalid bulk length\r\n".to_vec(),
        ),
        (
            b"*1\r\n$-1\r\nPING\r\n".to_vec(),
            b"-ERR Protocol error: invalid bulk length\r\n".to_vec(),
        ),
        (
            b"*2\r\n$3\r\nGET\r\n:1\r\n".to_vec(),
            b"-ERR Protocol error: expected '$', got ':'\r\n".to_vec(),
        ),
        (
            b"*1\r\n$3\r\nGETx\r\n".to_vec(),
            b"-ERR Protocol error: invalid CRLF in request\r\n".to_vec(),
        ),
        (
            b"SET \"a b\r\n".to_vec(),
            b"-ERR Protocol error: unbalanced quotes in request\r\n".to_vec(),
        ),
        // Requests before the bad one are answered first; nothing after it runs.
        (
            [
                &b"*1\r\n$4\r\nPING\r\n"[..],
                &garbage_multibulk(),
                b"*3\r\n$3\r\nSET\r\n$5\r\nafter\r\n$1\r\n1\r\n",
            ]
            .concat(),
            [&b"+PONG\r\n"[..], invalid_multibulk].concat(),
        ),
        (
            vec![b'x'; 70_000],
            b"-ERR Protocol error: too big inline request\r\n".to_vec(),
        ),
    ];
    for (input, want) in &cases {
        let got = send_and_read_to_close(&s, input);
        assert_eq!(
            ascii(&got),
            ascii(want),
            "reply to {:?}",
            ascii(&input[..input.len().min(80)])
        );
    }
    // 64 KiB of unfiltered random bytes, then EOF: only error replies (Valkey sends none for
    // these), and the server closes its side.
    let mut x: u32 = 7;
    let blob: Vec<u8> = (0..65_536)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect();
    let mut sock = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    sock.write_all(&blob).unwrap();
    sock.shutdown(Shutdown::Write).unwrap();
    let mut reply = Vec::new();
    sock.read_to_end(&mut reply)
        .expect("the server did not close after the client's EOF");
    for line in reply.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        assert!(line.starts_with(b"-"), "not an error: {:?}", ascii(line));
    }

    let after: Option<String> = redis::cmd("GET")
        .arg("after")
        .query(&mut bystander)
        .unwrap();
    assert_eq!(after, None, "a request after a protocol error ran");
    let b: String = redis::cmd("GET").arg("b").query(&mut bystander).unwrap();
    assert_eq!(b, "1");
    let pong: String = redis::cmd("PING").query(&mut client(&s)).unwrap();
    assert_eq!(pong, "PONG");
    // Every bad connection is gone: the bystander and the asker remain.
    wait_for_clients(&mut bystander, 1);
}

#[test]
fn half_requests_then_disconnect_leave_no_trace() {
    let s = start(&[]);
    let mut c = client(&s);
    for half in [
        &b"*3\r\n$3\r\nSET\r\n$1\r\nk"[..],
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv",
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r",
        b"SET k v",
    ] {
        let mut sock = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
        sock.write_all(half).unwrap();
        // The server has read it (PING from another client is answered after).
        std::thread::sleep(Duration::from_millis(50));
        drop(sock);
        let pong: String = redis::cmd("PING").query(&mut c).unwrap();
        assert_eq!(pong, "PONG");
        let v: Option<String> = redis::cmd("GET").arg("k").query(&mut c).unwrap();
        assert_eq!(v, None, "half request {:?} ran", ascii(half));
    }
    let size: i64 = redis::cmd("DBSIZE").query(&mut c).unwrap();
    assert_eq!(size, 0);
    wait_for_clients(&mut c, 1);

    // The same request, one byte at a time, runs once it is whole; others are served meanwhile.
    let req = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n";
    let mut slow = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    slow.set_nodelay(true).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    for (i, b) in req.iter().enumerate() {
        slow.write_all(&[*b]).unwrap();
        std::thread::sleep(Duration::from_millis(2));
        if i % 8 == 0 {
            let v: Option<String> = redis::cmd("GET").arg("k").query(&mut c).unwrap();
            assert_eq!(v, None, "ran after {i} bytes");
        }
    }
    let mut ok = [0; 5];
    slow.read_exact(&mut ok).unwrap();
    assert_eq!(&ok, b"+OK\r\n");
    let v: String = redis::cmd("GET").arg("k").query(&mut c).unwrap();
    assert_eq!(v, "hello");
}

/// The soft limit on open files, for the message when 1,000 connections cannot be opened.
/// Raises this test process's soft open-files limit to `want` (or its hard limit).
fn raise_own_open_files_limit(want: u64) {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current.is_some_and(|c| c < want) {
        let target = limit.maximum.map_or(want, |h| h.min(want));
        let _ = setrlimit(
            Resource::Nofile,
            Rlimit {
                current: Some(target),
                maximum: limit.maximum,
            },
        );
    }
}

fn open_files_limit() -> String {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|l| {
            l.lines()
                .find(|l| l.starts_with("Max open files"))
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "unknown".into())
}

#[test]
fn a_thousand_connections_at_once() {
    const N: usize = 1000;
    // The client side needs 1,000 descriptors too; a default soft limit of 1024 is too tight.
    raise_own_open_files_limit(4096);
    let s = start(&[]);
    let mut socks: Vec<TcpStream> = (0..N)
        .map(|i| {
            let sock = TcpStream::connect(("127.0.0.1", s.port)).unwrap_or_else(|e| {
                panic!("connection {i}: {e} (this process: {})", open_files_limit())
            });
            sock.set_read_timeout(Some(Duration::from_secs(30)))
                .unwrap();
            sock
        })
        .collect();
    for sock in &mut socks {
        sock.write_all(b"*1\r\n$4\r\nPING\r\n").unwrap();
    }
    for (i, sock) in socks.iter_mut().enumerate() {
        let mut pong = [0; 7];
        sock.read_exact(&mut pong)
            .unwrap_or_else(|e| panic!("connection {i}: {e}"));
        assert_eq!(&pong, b"+PONG\r\n", "connection {i}");
    }
    let mut c = client(&s);
    let n = info_field(&mut c, "clients", "connected_clients");
    assert_eq!(
        n,
        N as i64 + 1,
        "connected_clients with {N} open plus this one"
    );
    // Every one still works, in another order.
    for (i, sock) in socks.iter_mut().enumerate().rev() {
        sock.write_all(b"*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n").unwrap();
        let mut r = BufReader::new(&*sock);
        let reply = read_reply(&mut r);
        assert_eq!(reply, format!(":{}\r\n", N - i).as_bytes());
    }
    drop(socks);
    wait_for_clients(&mut c, 1);
}

// ---------------------------------------------------------------------------------------------
// Outside tools: redis-cli, redis-py and valkey-glide.

/// Whether `what` can run; without it the test skips, or fails under FERROKEY_REQUIRE_TOOLS.
fn tool_present(what: &str, probe: &mut Command) -> bool {
    let ok = probe
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        assert!(
            std::env::var_os("FERROKEY_REQUIRE_TOOLS").is_none(),
            "{what} is missing and FERROKEY_REQUIRE_TOOLS is set (`cargo xtask test` installs it)"
        );
        eprintln!(
            "skipping: {what} not found (`cargo xtask test` installs it; FERROKEY_REQUIRE_TOOLS=1 \
             makes this a failure)"
        );
    }
    ok
}

fn have_redis_cli() -> bool {
    tool_present(
        "redis-cli (Debian redis-tools)",
        Command::new("redis-cli").arg("--version"),
    )
}

/// Runs `cmd` with `input` on stdin; kills it and fails after `limit`.
fn run_with_timeout(cmd: &mut Command, input: Vec<u8>, limit: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let mut stdout = child.stdout.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stdout.read_to_end(&mut v);
        v
    });
    let mut stderr = child.stderr.take().unwrap();
    let err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stderr.read_to_end(&mut v);
        v
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} did not finish in {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    writer.join().unwrap();
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

fn redis_cli(s: &Running, args: &[&str]) -> String {
    let out = run_with_timeout(
        Command::new("redis-cli")
            .args(["-h", "127.0.0.1", "-p", &s.port.to_string()])
            .args(args),
        Vec::new(),
        Duration::from_secs(60),
    );
    assert!(out.status.success(), "redis-cli {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn redis_cli_pipe_scan_and_replies() {
    const KEYS: usize = 100_000;
    if !have_redis_cli() {
        return;
    }
    let s = start(&[]);
    assert_eq!(redis_cli(&s, &["ping"]), "PONG\n");

    // Mass insertion: 100,000 SETs in RESP through `--pipe`.
    let mut resp = Vec::with_capacity(KEYS * 48);
    for i in 0..KEYS {
        let (k, v) = (format!("key:{i}"), format!("val:{i}"));
        write!(
            resp,
            "*3\r\n$3\r\nSET\r\n${}\r\n{k}\r\n${}\r\n{v}\r\n",
            k.len(),
            v.len()
        )
        .unwrap();
    }
    let out = run_with_timeout(
        Command::new("redis-cli").args(["-h", "127.0.0.1", "-p", &s.port.to_string(), "--pipe"]),
        resp,
        Duration::from_secs(120),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "redis-cli --pipe: {out:?}");
    assert!(
        stdout.contains(&format!("errors: 0, replies: {KEYS}")),
        "redis-cli --pipe summary: {stdout}"
    );
    let mut c = client(&s);
    let size: usize = redis::cmd("DBSIZE").query(&mut c).unwrap();
    assert_eq!(size, KEYS);
    let v: String = redis::cmd("GET").arg("key:99999").query(&mut c).unwrap();
    assert_eq!(v, "val:99999");

    // --scan walks the whole keyspace: every matching key, nothing else.
    let scanned = redis_cli(&s, &["--scan", "--pattern", "key:1*"]);
    let got: BTreeSet<&str> = scanned.lines().collect();
    let want: BTreeSet<String> = (0..KEYS)
        .map(|i| i.to_string())
        .filter(|i| i.starts_with('1'))
        .map(|i| format!("key:{i}"))
        .collect();
    assert_eq!(want.len(), 11_111);
    let want: BTreeSet<&str> = want.iter().map(String::as_str).collect();
    assert_eq!(got.len(), want.len(), "--scan key count");
    assert!(got == want, "--scan returned a different key set");

    // redis-cli's formatted (--no-raw) replies, RESP2 and RESP3 (-3); same as against Valkey.
    assert_eq!(redis_cli(&s, &["--no-raw", "get", "key:5"]), "\"val:5\"\n");
    assert_eq!(
        redis_cli(&s, &["--no-raw", "mget", "key:1", "nosuch"]),
        "1) \"val:1\"\n2) (nil)\n"
    );
    assert_eq!(
        redis_cli(&s, &["--no-raw", "incr", "key:5"]),
        "(error) ERR value is not an integer or out of range\n"
    );
    assert_eq!(
        redis_cli(&s, &["--no-raw", "config", "get", "port"]),
        format!("1) \"port\"\n2) \"{}\"\n", s.port)
    );
    assert_eq!(
        redis_cli(&s, &["-3", "--no-raw", "config", "get", "port"]),
        format!("1# \"port\" => \"{}\"\n", s.port)
    );
    assert_eq!(
        redis_cli(&s, &["-3", "--no-raw", "get", "nosuch"]),
        "(nil)\n"
    );
    assert_eq!(
        redis_cli(&s, &["-3", "--no-raw", "lcs", "key:1", "key:5", "idx"]),
        "1# \"matches\" => \n   1) 1) 1) (integer) 0\n         2) (integer) 3\n      \
         2) 1) (integer) 0\n         2) (integer) 3\n2# \"len\" => (integer) 4\n"
    );
}

/// Runs one of the Python client scripts that live beside this file against a fresh server,
/// when `python3` can import `module` (`what` names it in the skip line); fails with its
/// output unless it exits 0, prints `done` and every line of `expect`; returns the server.
fn run_python_check(
    what: &str,
    module: &str,
    script: &str,
    done: &str,
    expect: &[&str],
) -> Option<Running> {
    if !tool_present(
        what,
        Command::new("python3").args(["-c", &format!("import {module}")]),
    ) {
        return None;
    }
    // Both runtime crates sit beside each other; the scripts live with this file.
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../runtime-tokio/tests/suite")
        .join(script);
    assert!(script.exists(), "{}", script.display());
    let s = start(&[]);
    let out = run_with_timeout(
        Command::new("python3").arg(&script).arg(s.port.to_string()),
        Vec::new(),
        Duration::from_secs(180),
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{} failed ({}):\n{stdout}\n{stderr}",
        script.display(),
        out.status
    );
    for line in std::iter::once(&done).chain(expect) {
        assert!(
            stdout.lines().any(|l| l == *line),
            "{line:?} missing:\n{stdout}"
        );
    }
    Some(s)
}

#[test]
fn redis_py_pipelines_scan_and_counters() {
    let Some(s) = run_python_check(
        "python3 with the redis module (redis-py)",
        "redis",
        "redis_py_check.py",
        "redis-py: all checks passed",
        &[
            "ok: 100000 pipelined SETs",
            "ok: scan_iter key:1* key set",
            "ok: resp3 config get",
        ],
    ) else {
        return;
    };
    // The script's writes are really there.
    let mut c = client(&s);
    let n: i64 = redis::cmd("GET").arg("counter").query(&mut c).unwrap();
    assert_eq!(n, 42);
    let size: usize = redis::cmd("DBSIZE").query(&mut c).unwrap();
    assert_eq!(size, 99_999);
}

/// redis-py in its default protocol, RESP3 from version 8 on: the replies whose RESP3 shape its
/// parsers depend on (PUBSUB NUMSUB as pairs, CLIENT LIST/INFO, COMMAND DOCS as a map, HELLO,
/// INFO, hashes as dicts, scores as doubles, push frames).
#[test]
fn redis_py_resp3_reply_shapes() {
    let Some(s) = run_python_check(
        "python3 with the redis module (redis-py)",
        "redis",
        "redis_py_resp3_check.py",
        "redis-py resp3: all checks passed",
        &[
            "ok: pubsub_numsub",
            "ok: command docs get",
            "ok: client_info resp",
        ],
    ) else {
        return;
    };
    // The script's writes are there, and its subscriptions left with it.
    let mut c = client(&s);
    let h: Vec<String> = redis::cmd("HGETALL").arg("p3:h").query(&mut c).unwrap();
    assert_eq!(h, ["f1", "a", "f2", "b"]);
    let numsub: (String, i64) = redis::cmd("PUBSUB")
        .arg("NUMSUB")
        .arg("p3:news")
        .query(&mut c)
        .unwrap();
    assert_eq!(numsub, ("p3:news".to_owned(), 0));
}

/// valkey-glide, Valkey's own client (its sync Python binding): it reads INFO REPLICATION for
/// `role:master` before sending anything, then commands, batches, a transaction, pub/sub,
/// server-assisted client-side caching (CLIENT TRACKING BCAST) and RESP2.
#[test]
fn valkey_glide_connects_and_serves() {
    let Some(s) = run_python_check(
        "python3 with valkey-glide (PyPI valkey-glide-sync)",
        "glide_sync",
        "glide_check.py",
        "glide: all checks passed",
        &[
            "ok: info replication role",
            "ok: pipeline replies",
            "ok: messages received",
            "ok: cached value invalidated by the server",
        ],
    ) else {
        return;
    };
    let mut c = client(&s);
    let v: String = redis::cmd("GET").arg("g:t").query(&mut c).unwrap();
    assert_eq!(v, "xy");
    let size: usize = redis::cmd("DBSIZE").query(&mut c).unwrap();
    assert_eq!(size, 108);
}
