//! The runtime integration suite, identical for both binaries: the real server on a free
//! loopback port, driven by the `redis` crate. Each runtime crate's `tests/server.rs` sets
//! `BIN` and `RUNTIME` and includes this module.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Running {
    child: Child,
    port: u16,
    /// The start-up log line.
    banner: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts the binary on a free port. Parallel tests can pick the same free port before
/// either binds it, so success is read from the server's own start-up line, and a server
/// that lost the race (exited) is restarted on another port.
fn start(extra: &[&str]) -> Running {
    for _ in 0..20 {
        let port = free_port();
        let mut child = Command::new(super::BIN)
            .args(["--port", &port.to_string(), "--enable-debug-command", "yes"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        // ferrokey's own line follows Valkey's opening lines; end of output: start-up failed.
        let mut banner = String::new();
        while !banner.contains("starting:") {
            banner.clear();
            if std::io::BufRead::read_line(&mut stdout, &mut banner).unwrap() == 0 {
                break;
            }
        }
        if banner.contains(&format!("127.0.0.1:{port}")) {
            child.stdout = None;
            // Keep draining stdout so the server never blocks on a full pipe.
            std::thread::spawn(move || {
                let mut rest = String::new();
                let _ = stdout.read_to_string(&mut rest);
            });
            return Running {
                child,
                port,
                banner,
            };
        }
        let _ = child.wait();
    }
    panic!("could not start ferrokey-tokio on a free port");
}

fn client(s: &Running) -> redis::Connection {
    redis::Client::open(format!("redis://127.0.0.1:{}/", s.port))
        .unwrap()
        .get_connection()
        .unwrap()
}

#[test]
fn commands_and_pipelines_work_through_the_redis_crate() {
    let s = start(&[]);
    let mut c = client(&s);
    let () = redis::cmd("SET").arg("k").arg("v").query(&mut c).unwrap();
    let v: String = redis::cmd("GET").arg("k").query(&mut c).unwrap();
    assert_eq!(v, "v");
    let mut pipe = redis::pipe();
    for i in 0..1000 {
        pipe.cmd("INCR").arg("n").ignore();
        pipe.cmd("SET").arg(format!("key:{i}")).arg(i).ignore();
    }
    pipe.cmd("GET").arg("n");
    let (n,): (i64,) = pipe.query(&mut c).unwrap();
    assert_eq!(n, 1000);
    let size: i64 = redis::cmd("DBSIZE").query(&mut c).unwrap();
    assert_eq!(size, 1002);
    let err = redis::cmd("GET").query::<String>(&mut c).unwrap_err();
    assert!(
        err.to_string().contains("wrong number of arguments"),
        "{err}"
    );
}

/// Valkey blocks every client during DEBUG SLEEP; here only the sleeping connection waits.
#[test]
fn debug_sleep_does_not_block_other_clients() {
    let s = start(&[]);
    let port = s.port;
    let sleeper = std::thread::spawn(move || {
        let mut c = redis::Client::open(format!("redis://127.0.0.1:{port}/"))
            .unwrap()
            .get_connection()
            .unwrap();
        let t = Instant::now();
        let () = redis::cmd("DEBUG")
            .arg("SLEEP")
            .arg(2)
            .query(&mut c)
            .unwrap();
        t.elapsed()
    });
    std::thread::sleep(Duration::from_millis(200));
    let mut other = client(&s);
    let t = Instant::now();
    for i in 0..100 {
        let () = redis::cmd("SET")
            .arg(format!("other:{i}"))
            .arg(i)
            .query(&mut other)
            .unwrap();
    }
    let fast = t.elapsed();
    let slept = sleeper.join().unwrap();
    assert!(
        fast < Duration::from_secs(1),
        "other client took {fast:?} while one slept"
    );
    assert!(
        slept >= Duration::from_millis(1900),
        "DEBUG SLEEP 2 returned after {slept:?}"
    );
}

#[test]
fn protocol_error_is_answered_then_the_connection_closes() {
    let s = start(&[]);
    let mut sock = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    std::io::Write::write_all(&mut sock, b"*1\r\nx\r\n").unwrap();
    let mut reply = Vec::new();
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    sock.read_to_end(&mut reply).unwrap();
    assert_eq!(reply, b"-ERR Protocol error: expected '$', got 'x'\r\n");
    // The server lives on.
    let pong: String = redis::cmd("PING").query(&mut client(&s)).unwrap();
    assert_eq!(pong, "PONG");
}

#[test]
fn a_taken_port_or_a_bad_option_stops_start_up_with_a_message() {
    let s = start(&[]);
    let out = Command::new(super::BIN)
        .args(["--port", &s.port.to_string()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    // In the log, as Valkey: the suite's harness looks there for a lost port race.
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("# Failed listening on port"),
        "{out:?}"
    );
    let out = Command::new(super::BIN)
        .args(["--port", "abc"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("FATAL CONFIG FILE ERROR") && err.contains("'port \"abc\"'"),
        "{err}"
    );
    let out = Command::new(super::BIN)
        .args(["--save", "60 1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not supported yet"));
}

#[test]
fn sigterm_exits_cleanly() {
    let mut s = start(&[]);
    let status = Command::new("kill")
        .args(["-TERM", &s.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(code) = s.child.try_wait().unwrap() {
            assert!(code.success(), "exit status {code}");
            break;
        }
        assert!(Instant::now() < deadline, "did not exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
    let banner = &s.banner;
    assert!(
        banner.contains(&format!("runtime={}", super::RUNTIME))
            && banner.contains(&format!("127.0.0.1:{}", s.port)),
        "{banner}"
    );
}
mod clients;
mod lifecycle;
mod pubsub;
mod transactions;
