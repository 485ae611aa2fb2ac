//! Start-up files, login, limits and shutdown: what an operator configures, seen from outside
//! the process. Error texts were checked against valkey-server 9.1.2.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::{free_port, start, Running};

/// A fresh, empty directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "ferrokey-{}-{}-{name}-{}",
        crate::RUNTIME,
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Starts the binary with its log going to `log`; ready once the log shows the start-up line
/// for the chosen port (a lost port race shows as an early exit and is retried).
fn start_logged(log: &std::path::Path, extra: &[&str]) -> Running {
    for _ in 0..20 {
        let port = free_port();
        let _ = std::fs::remove_file(log);
        let mut child = Command::new(crate::BIN)
            .args([
                "--port",
                &port.to_string(),
                "--logfile",
                log.to_str().unwrap(),
            ])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            if let Some(line) = text.lines().find(|l| l.contains("starting:")) {
                return Running {
                    child,
                    port,
                    banner: line.to_owned(),
                };
            }
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    panic!("could not start {} with a log file", crate::BIN);
}

/// Waits for the process to exit on its own; its exit status.
fn exits_within(s: &mut Running, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = s.child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "still running after {limit:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn raw(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

/// Reads until the server closes the connection.
fn read_to_close(mut s: TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    let _ = s.read_to_end(&mut got);
    got
}

#[test]
fn requirepass_needs_auth_through_real_clients() {
    let s = start(&["--requirepass", "s3cret"]);
    let anon = redis::Client::open(format!("redis://127.0.0.1:{}/", s.port)).unwrap();
    let mut c = anon.get_connection().unwrap();
    let err = redis::cmd("GET")
        .arg("k")
        .query::<Option<String>>(&mut c)
        .unwrap_err();
    assert_eq!(err.code(), Some("NOAUTH"), "{err}");
    let wrong = redis::cmd("AUTH")
        .arg("nope")
        .query::<()>(&mut c)
        .unwrap_err();
    assert_eq!(wrong.code(), Some("WRONGPASS"), "{wrong}");
    let () = redis::cmd("AUTH").arg("s3cret").query(&mut c).unwrap();
    let () = redis::cmd("SET").arg("k").arg("v").query(&mut c).unwrap();
    // The client library's own login (AUTH default s3cret / HELLO AUTH) works too.
    let url = format!("redis://default:s3cret@127.0.0.1:{}/", s.port);
    let mut logged = redis::Client::open(url).unwrap().get_connection().unwrap();
    let v: String = redis::cmd("GET").arg("k").query(&mut logged).unwrap();
    assert_eq!(v, "v");
    let out = Command::new("redis-cli")
        .args([
            "-p",
            &s.port.to_string(),
            "--no-auth-warning",
            "-a",
            "s3cret",
            "GET",
            "k",
        ])
        .output();
    if let Ok(out) = out {
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "v", "{out:?}");
    }
}

#[test]
fn unix_socket_serves_with_its_permissions_and_is_removed_at_exit() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::net::UnixStream;
    let dir = scratch("unix");
    let path = dir.join("ferrokey.sock");
    let mut s = start(&[
        "--unixsocket",
        path.to_str().unwrap(),
        "--unixsocketperm",
        "700",
    ]);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700, "{mode:o}");
    let mut sock = UnixStream::connect(&path).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    sock.write_all(b"SET u 1\r\nINCR u\r\nCLIENT INFO\r\n")
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !got.ends_with(b"\r\n") || got.iter().filter(|&&b| b == b'\n').count() < 4 {
        let n = sock.read(&mut buf).unwrap();
        assert!(n > 0, "closed early: {got:?}");
        got.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("+OK\r\n:2\r\n$"), "{text}");
    assert!(
        text.contains(&format!("addr={}:0", path.display())),
        "{text}"
    );
    // The redis crate reaches it as well, and TCP clients see the same data.
    let url = format!("redis+unix://{}", path.display());
    let mut c = redis::Client::open(url).unwrap().get_connection().unwrap();
    let v: i64 = redis::cmd("GET").arg("u").query(&mut c).unwrap();
    assert_eq!(v, 2);
    sigterm(&s);
    let status = exits_within(&mut s, Duration::from_secs(10));
    assert!(
        status.success(),
        "{status}: {:?}",
        s.child.stderr.take().map(|mut e| {
            let mut text = String::new();
            let _ = e.read_to_string(&mut text);
            text
        })
    );
    assert!(!path.exists(), "socket file left behind");
}

/// SIGTERM through the `kill` program (no libc in the tests).
fn sigterm(s: &Running) {
    let ok = Command::new("kill")
        .args(["-TERM", &s.child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

#[test]
fn a_client_that_never_reads_is_dropped_at_its_output_limit() {
    let dir = scratch("obuf");
    let log = dir.join("ferrokey.log");
    let s = start_logged(
        &log,
        &["--client-output-buffer-limit", "normal 1mb 256kb 60"],
    );
    let mut c = super::client(&s);
    let big = "x".repeat(100_000);
    let () = redis::cmd("SET")
        .arg("big")
        .arg(&big)
        .query(&mut c)
        .unwrap();
    // 400 GETs of 100 kB = 40 MB of replies the client never reads.
    let mut hog = raw(s.port);
    let request = "GET big\r\n".repeat(400);
    let writer = std::thread::spawn(move || {
        let _ = hog.write_all(request.as_bytes());
        // Still never reading: the server must close, not wait for us.
        let mut buf = [0u8; 1];
        hog.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        std::thread::sleep(Duration::from_millis(500));
        let mut seen = 0usize;
        loop {
            match hog.read(&mut buf) {
                Ok(0) | Err(_) => return seen,
                Ok(n) => seen += n,
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let clients: String = redis::cmd("CLIENT").arg("LIST").query(&mut c).unwrap();
        if clients.lines().count() == 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the hog is still connected: {clients}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    writer.join().unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("scheduled to be closed ASAP for overcoming of output buffer limits"),
        "{text}"
    );
    // Everyone else is served as before.
    let len: usize = redis::cmd("STRLEN").arg("big").query(&mut c).unwrap();
    assert_eq!(len, 100_000);
}

#[test]
fn idle_clients_are_closed_after_timeout() {
    let s = start(&["--timeout", "1"]);
    let idle = raw(s.port);
    let t = Instant::now();
    assert!(read_to_close(idle).is_empty());
    let waited = t.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(8),
        "closed after {waited:?}"
    );
    // A client that keeps talking stays.
    let mut busy = raw(s.port);
    for _ in 0..6 {
        busy.write_all(b"PING\r\n").unwrap();
        let mut buf = [0u8; 7];
        busy.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"+PONG\r\n");
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn maxclients_refuses_the_next_connection_with_valkeys_error() {
    let s = start(&["--maxclients", "2"]);
    let _a = super::client(&s);
    let _b = super::client(&s);
    let mut third = raw(s.port);
    third.write_all(b"PING\r\n").unwrap();
    assert_eq!(
        read_to_close(third),
        b"-ERR max number of clients reached\r\n"
    );
}

#[test]
fn shutdown_sends_owed_replies_removes_the_pid_file_and_exits_zero() {
    let dir = scratch("shutdown");
    let pidfile = dir.join("ferrokey.pid");
    let log = dir.join("ferrokey.log");
    let mut s = start_logged(
        &log,
        &[
            "--pidfile",
            pidfile.to_str().unwrap(),
            "--dir",
            dir.to_str().unwrap(),
        ],
    );
    let pid: u32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(pid, s.child.id());
    let mut c = super::client(&s);
    let dir_now: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("dir")
        .query(&mut c)
        .unwrap();
    assert_eq!(
        PathBuf::from(&dir_now[1]).canonicalize().unwrap(),
        dir.canonicalize().unwrap()
    );
    for (args, reply) in [
        ("SHUTDOWN ABORT\r\n", "-ERR No shutdown in progress.\r\n"),
        ("SHUTDOWN SAVE NOSAVE\r\n", "-ERR syntax error\r\n"),
    ] {
        let mut t = raw(s.port);
        t.write_all(args.as_bytes()).unwrap();
        let mut buf = vec![0u8; reply.len()];
        t.read_exact(&mut buf).unwrap();
        assert_eq!(String::from_utf8_lossy(&buf), reply);
    }
    let bystander = raw(s.port);
    let mut caller = raw(s.port);
    caller
        .write_all(b"SET a 1\r\nPING\r\nSHUTDOWN NOSAVE\r\nGET a\r\n")
        .unwrap();
    assert_eq!(read_to_close(caller), b"+OK\r\n+PONG\r\n");
    assert!(read_to_close(bystander).is_empty());
    assert!(exits_within(&mut s, Duration::from_secs(10)).success());
    assert!(!pidfile.exists(), "pid file left behind");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("ready to exit"), "{text}");
}

#[test]
fn sigint_exits_cleanly_too() {
    let mut s = start(&[]);
    let ok = Command::new("kill")
        .args(["-INT", &s.child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    assert!(exits_within(&mut s, Duration::from_secs(10)).success());
}

#[test]
fn bad_start_up_files_stop_start_up_with_a_message() {
    let out = Command::new(crate::BIN)
        .args(["--port", "0", "--logfile", "/nonexistent-dir/x.log"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Can't open the log file: No such file or directory"),
        "{err}"
    );
    let out = Command::new(crate::BIN)
        .args(["--port", "0", "--dir", "/nonexistent-dir"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("No such file or directory"), "{err}");
}

#[test]
fn info_server_describes_this_run() {
    let s = start(&[]);
    let mut c = super::client(&s);
    let info: String = redis::cmd("INFO").arg("server").query(&mut c).unwrap();
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}:")))
            .unwrap_or_else(|| panic!("no {name} in {info}"))
            .to_owned()
    };
    assert_eq!(field("tcp_port"), s.port.to_string());
    assert_eq!(field("process_id"), s.child.id().to_string());
    let run_id = field("run_id");
    assert!(
        run_id.len() == 40 && run_id.chars().all(|c| c.is_ascii_hexdigit()),
        "{run_id}"
    );
    assert!(field("uptime_in_seconds").parse::<u64>().unwrap() < 60);
    assert!(field("multiplexing_api").starts_with(crate::RUNTIME));
    assert!(field("executable").ends_with(&format!("ferrokey-{}", crate::RUNTIME)));
}

/// A blocked BLPOP is woken through the runtime by a push from another connection (the
/// engine's waker reaches the task on whatever thread it lives), in arrival order; BZPOPMIN
/// times out with nil; the connection goes on serving afterwards.
#[test]
fn blocked_pops_are_woken_across_connections() {
    let s = start(&[]);
    let port = s.port;
    let waiter = |cmd: &'static str| {
        std::thread::spawn(move || {
            let mut c = redis::Client::open(format!("redis://127.0.0.1:{port}/"))
                .unwrap()
                .get_connection()
                .unwrap();
            let args: Vec<&str> = cmd.split(' ').collect();
            let got: Option<(String, String)> =
                redis::cmd(args[0]).arg(&args[1..]).query(&mut c).unwrap();
            let pong: String = redis::cmd("PING").query(&mut c).unwrap();
            (got, pong)
        })
    };
    let first = waiter("BLPOP jobs 0");
    std::thread::sleep(Duration::from_millis(200));
    let second = waiter("BRPOP jobs 0");
    std::thread::sleep(Duration::from_millis(200));
    let mut c = super::client(&s);
    let info: String = redis::cmd("INFO").arg("clients").query(&mut c).unwrap();
    assert!(info.contains("blocked_clients:2\r\n"), "{info}");
    let n: i64 = redis::cmd("RPUSH")
        .arg("jobs")
        .arg("a")
        .arg("b")
        .arg("c")
        .query(&mut c)
        .unwrap();
    assert_eq!(n, 3);
    let pong = "PONG".to_owned();
    assert_eq!(
        first.join().unwrap(),
        (Some(("jobs".into(), "a".into())), pong.clone())
    );
    assert_eq!(
        second.join().unwrap(),
        (Some(("jobs".into(), "c".into())), pong)
    );
    let left: Vec<String> = redis::cmd("LRANGE")
        .arg("jobs")
        .arg(0)
        .arg(-1)
        .query(&mut c)
        .unwrap();
    assert_eq!(left, ["b"]);
    let t = Instant::now();
    let none: Option<Vec<String>> = redis::cmd("BZPOPMIN")
        .arg("z")
        .arg(0.3)
        .query(&mut c)
        .unwrap();
    assert_eq!(none, None);
    assert!(
        t.elapsed() >= Duration::from_millis(290),
        "{:?}",
        t.elapsed()
    );
}

/// INFO used_memory follows the data: 20 MB of values raise it by at least that much, and
/// deleting them gives most of it back.
#[test]
fn info_used_memory_follows_the_data() {
    let s = start(&[]);
    let mut c = super::client(&s);
    let used = |c: &mut redis::Connection| -> u64 {
        let info: String = redis::cmd("INFO").arg("memory").query(c).unwrap();
        info.lines()
            .find_map(|l| l.strip_prefix("used_memory:"))
            .unwrap_or_else(|| panic!("no used_memory in {info}"))
            .parse()
            .unwrap()
    };
    let before = used(&mut c);
    let value = "v".repeat(20_000);
    let mut pipe = redis::pipe();
    for i in 0..1000 {
        pipe.cmd("SET").arg(format!("big:{i}")).arg(&value).ignore();
    }
    let () = pipe.query(&mut c).unwrap();
    let full = used(&mut c);
    assert!(full >= before + 20_000_000, "{before} -> {full}");
    let () = redis::cmd("FLUSHALL").query(&mut c).unwrap();
    let after = used(&mut c);
    assert!(after < before + 5_000_000, "{before} -> {full} -> {after}");
}

/// A command that panics (DEBUG PANIC) closes its own connection; the worker thread that
/// served it goes on serving (one thread, so a dead worker would show).
#[test]
fn a_panicking_command_closes_only_its_connection() {
    let s = start(&["--io-threads", "1"]);
    let mut victim = raw(s.port);
    victim.write_all(b"DEBUG PANIC\r\n").unwrap();
    assert!(read_to_close(victim).is_empty());
    // Raw sockets with a read timeout: a dead worker must fail the test, not hang it.
    for _ in 0..3 {
        let mut c = raw(s.port);
        c.write_all(b"PING\r\n").unwrap();
        let mut buf = [0u8; 7];
        c.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"+PONG\r\n");
    }
}

/// Under `ulimit -n 256` maxclients 10000 cannot be honoured: as Valkey, the server says so
/// in three log lines and lowers maxclients to 256 - 32.
#[test]
fn a_low_open_files_limit_lowers_maxclients_with_valkeys_warning() {
    let dir = scratch("ulimit");
    let log = dir.join("ferrokey.log");
    let port = free_port();
    let mut child = Command::new("sh")
        .args(["-c", "ulimit -n 256 && exec \"$0\" \"$@\"", crate::BIN])
        .args([
            "--port",
            &port.to_string(),
            "--logfile",
            log.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let text = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.contains("starting:") {
            break text;
        }
        assert!(Instant::now() < deadline, "no start-up line: {text}");
        std::thread::sleep(Duration::from_millis(20));
    };
    let started = text.contains(&format!("127.0.0.1:{port}"));
    if started {
        let mut c = redis::Client::open(format!("redis://127.0.0.1:{port}/"))
            .unwrap()
            .get_connection()
            .unwrap();
        let max: Vec<String> = redis::cmd("CONFIG")
            .arg("GET")
            .arg("maxclients")
            .query(&mut c)
            .unwrap();
        assert_eq!(max[1], "224");
    }
    let _ = child.kill();
    let _ = child.wait();
    for line in [
        "You requested maxclients of 10000 requiring at least 10032 max file descriptors.",
        "Current maximum open files is 256. maxclients has been reduced to 224 to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.",
    ] {
        assert!(text.contains(line), "{text}");
    }
}

/// What Valkey's test harness reads in spawn mode, in valkey-server 9.1.2's words: the
/// banner's `PID:` line before `Server initialized` (with `always-show-logo yes`), one
/// `Ready to accept connections` per kind of listener, and at SIGTERM the signal-handler
/// line, each start-up file's removal and the last line.
#[test]
fn the_log_tells_start_up_and_shutdown_as_valkey_does() {
    let dir = scratch("spawnlog");
    let log = dir.join("ferrokey.log");
    let (pidfile, sock) = (dir.join("ferrokey.pid"), dir.join("ferrokey.sock"));
    let mut s = start_logged(
        &log,
        &[
            "--always-show-logo",
            "yes",
            "--loglevel",
            "verbose",
            "--pidfile",
            pidfile.to_str().unwrap(),
            "--unixsocket",
            sock.to_str().unwrap(),
        ],
    );
    let pid = s.child.id();
    let ready = |text: &str| text.contains("Ready to accept connections unix");
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut text = std::fs::read_to_string(&log).unwrap();
    while !ready(&text) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        text = std::fs::read_to_string(&log).unwrap();
    }
    let at = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("no {needle:?} in {text}"))
    };
    let order = [
        "* oO0OoO0OoO0Oo ferrokey is starting oO0OoO0OoO0Oo\n".to_owned(),
        format!(", pid={pid}, just started\n"),
        "* Configuration loaded\n".to_owned(),
        format!(" PID: {pid}\n"),
        "* Server initialized\n".to_owned(),
        "* Ready to accept connections tcp\n".to_owned(),
        "* Ready to accept connections unix\n".to_owned(),
    ];
    let places: Vec<usize> = order.iter().map(|n| at(n)).collect();
    assert!(places.windows(2).all(|w| w[0] < w[1]), "{text}");
    sigterm(&s);
    assert!(exits_within(&mut s, Duration::from_secs(10)).success());
    let text = std::fs::read_to_string(&log).unwrap();
    let tail = &text[text.find(":signal-handler (").expect(&text)..];
    assert!(tail.starts_with(":signal-handler ("), "{tail}");
    for needle in [
        ") Received SIGTERM scheduling shutdown...\n",
        "* User requested shutdown...\n",
        "* Removing the pid file.\n",
        "* Removing the unix socket file.\n",
        "# ferrokey is now ready to exit, bye bye...\n",
    ] {
        assert!(tail.contains(needle), "no {needle:?} in {tail}");
    }
    assert!(!pidfile.exists() && !sock.exists());
    // Without the option and logging to a file: one line instead of the banner.
    let log2 = dir.join("plain.log");
    let s = start_logged(&log2, &[]);
    let text = std::fs::read_to_string(&log2).unwrap();
    assert!(
        text.contains(&format!("* Running mode=standalone, port={}.\n", s.port)),
        "{text}"
    );
    assert!(!text.contains(" PID: "), "{text}");
}

/// A config file named relative to the starting directory is still the one CONFIG REWRITE
/// writes after `dir` moved the server elsewhere (as Valkey, which resolves it first).
#[test]
fn a_relative_config_file_survives_dir() {
    let dir = scratch("relconf");
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    for _ in 0..20 {
        let port = free_port();
        std::fs::write(
            dir.join("ferrokey.conf"),
            format!("port {port}\ndir {}\nhz 11\n", data.display()),
        )
        .unwrap();
        let mut child = Command::new(crate::BIN)
            .arg("ferrokey.conf")
            .current_dir(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut c = loop {
            if let Ok(c) = redis::Client::open(format!("redis://127.0.0.1:{port}/"))
                .unwrap()
                .get_connection()
            {
                break Some(c);
            }
            if child.try_wait().unwrap().is_some() || Instant::now() > deadline {
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        if let Some(c) = c.as_mut() {
            let info: String = redis::cmd("INFO").arg("server").query(c).unwrap();
            let expected = dir.join("ferrokey.conf").canonicalize().unwrap();
            assert!(
                info.contains(&format!("config_file:{}\r\n", expected.display())),
                "{info}"
            );
            let () = redis::cmd("CONFIG")
                .arg("SET")
                .arg("hz")
                .arg("12")
                .query(c)
                .unwrap();
            let () = redis::cmd("CONFIG").arg("REWRITE").query(c).unwrap();
            let text = std::fs::read_to_string(&expected).unwrap();
            assert!(text.contains("\nhz 12\n"), "{text}");
        }
        let _ = child.kill();
        let _ = child.wait();
        if c.is_some() {
            return;
        }
    }
    panic!("could not start {} from a config file", crate::BIN);
}
