//! `cargo xtask bench --smoke`: both release binaries under `redis-benchmark`.
//!
//! Builds `ferrokey-tokio` and `ferrokey-monoio` (release profile), starts each on a free
//! loopback port and runs `redis-benchmark -q -n 200000 -c 64 -P 16 -t TEST` once per test,
//! so an error in one test is reported as that test's and the others still run
//! (`redis-benchmark` stops at its first error reply). Fails when any run exits non-zero,
//! prints an error line or no result, or when a server dies. A test whose command the server
//! does not list in `COMMAND INFO` yet (LPUSH until lists land) is reported as skipped, not
//! hidden, and is enforced as soon as the command exists.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{tools, Result};

/// The binaries, in the order they are benchmarked.
const BINARIES: &[(&str, &str)] = &[("tokio", "ferrokey-tokio"), ("monoio", "ferrokey-monoio")];
/// `redis-benchmark -t` names, each run on its own.
const TESTS: &[&str] = &["set", "get", "lpush", "incr"];
/// The load: requests per test, connections, pipeline depth.
const ARGS: &[&str] = &["-q", "-n", "200000", "-c", "64", "-P", "16"];
/// One redis-benchmark run takes about a second on a release build; a server that stopped
/// answering leaves it waiting forever.
const RUN_LIMIT: Duration = Duration::from_secs(60);

struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `bin` on a free port; success is read from its start-up line (which names the
/// address), and a start that lost a race for the port is retried on another.
fn start(bin: &PathBuf) -> Result<Server> {
    for _ in 0..10 {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let mut child = Command::new(bin)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
        // ferrokey's own line follows Valkey's opening lines; end of output: start-up failed.
        let mut banner = String::new();
        while !banner.contains("starting:") {
            banner.clear();
            if !matches!(stdout.read_line(&mut banner), Ok(n) if n > 0) {
                break;
            }
        }
        if banner.contains(&format!("127.0.0.1:{port}")) {
            // Keep draining the log so the server never blocks on a full pipe.
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut stdout, &mut std::io::sink());
            });
            eprintln!("{}", banner.trim_end());
            return Ok(Server { child, port });
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    Err(format!("{} did not start on a free port", bin.display()))
}

/// What one redis-benchmark test did.
struct Outcome {
    runtime: &'static str,
    test: &'static str,
    /// The result line (`SET: … requests per second, p50=… msec`) or what went wrong.
    summary: String,
    ok: bool,
}

/// The text a terminal would show: `-q` redraws its progress line with `\r`.
fn screen(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw)
        .lines()
        .map(|l| l.rsplit('\r').find(|s| !s.trim().is_empty()).unwrap_or(""))
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn bench_one(runtime: &'static str, test: &'static str, port: u16) -> Result<Outcome> {
    let mut cmd = Command::new("redis-benchmark");
    cmd.args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(ARGS)
        .args(["-t", test])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    eprintln!("\n==> {runtime} {test}: {cmd:?}");
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start redis-benchmark: {e}"))?;
    let mut out = child.stdout.take().expect("piped");
    let mut err = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let deadline = Instant::now() + RUN_LIMIT;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let text = [
        screen(&out.join().unwrap_or_default()),
        screen(&err.join().unwrap_or_default()),
    ]
    .join("\n");
    let text = text.trim();
    println!("{text}");
    let error_line = text
        .lines()
        .find(|l| l.to_ascii_lowercase().contains("error"));
    let result_line = text.lines().find(|l| l.contains("requests per second"));
    let (ok, summary) = match (status, error_line, result_line) {
        (None, ..) => (false, format!("no result in {RUN_LIMIT:?} (killed)")),
        (Some(_), Some(e), _) => (false, e.trim().to_owned()),
        (Some(s), None, _) if !s.success() => (false, format!("redis-benchmark {s}")),
        (Some(_), None, Some(r)) => (true, r.trim().to_owned()),
        (Some(_), None, None) => (false, "no `requests per second` line".to_owned()),
    };
    Ok(Outcome {
        runtime,
        test,
        summary,
        ok,
    })
}

/// Whether the server on `port` lists `command` in `COMMAND INFO` (RESP2 answers an unknown
/// command with a null bulk entry, as Valkey 9.1.2 does).
fn implements(port: u16, command: &str) -> bool {
    use std::io::Write;
    let request = format!(
        "*3\r\n$7\r\nCOMMAND\r\n$4\r\nINFO\r\n${}\r\n{command}\r\n",
        command.len()
    );
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return true; // let the benchmark report the server's state
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let mut head = [0u8; 8];
    s.write_all(request.as_bytes()).is_err()
        || s.read_exact(&mut head).is_err()
        || &head != b"*1\r\n$-1\r"
}

pub fn smoke() -> Result {
    tools::ensure_redis_tools()?;
    let release = crate::build_release_binaries()?;
    let mut outcomes = Vec::new();
    for &(runtime, bin) in BINARIES {
        let mut server = start(&release.join(bin))?;
        for &test in TESTS {
            if let Ok(Some(status)) = server.child.try_wait() {
                outcomes.push(Outcome {
                    runtime,
                    test,
                    summary: format!("not run: the server had exited ({status})"),
                    ok: false,
                });
                continue;
            }
            if !implements(server.port, test) {
                outcomes.push(Outcome {
                    runtime,
                    test,
                    summary: format!("skipped: {} is not implemented yet", test.to_uppercase()),
                    ok: true,
                });
                continue;
            }
            let mut outcome = bench_one(runtime, test, server.port)?;
            if let Ok(Some(status)) = server.child.try_wait() {
                outcome.ok = false;
                outcome.summary = format!("the server exited ({status}): {}", outcome.summary);
            }
            outcomes.push(outcome);
        }
    }
    eprintln!("\nbench --smoke (redis-benchmark {}):", ARGS.join(" "));
    for o in &outcomes {
        let mark = if o.ok { "ok  " } else { "FAIL" };
        eprintln!("  {mark} {:<6} {:<5} {}", o.runtime, o.test, o.summary);
    }
    let failed: Vec<String> = outcomes
        .iter()
        .filter(|o| !o.ok)
        .map(|o| format!("{} {}", o.runtime, o.test))
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("bench --smoke: failed: {}", failed.join(", ")))
    }
}
