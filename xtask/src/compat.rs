//! `cargo xtask compat`: Valkey's own Tcl test suite against ferrokey and, in the same run, the
//! reference `valkey-server`, one file at a time, with a per-file table of both.
//!
//! The suite is never changed: it is copied into a temporary folder (it writes into
//! `tests/tmp`, and `../shared` is read-only under CI) and driven by its own `test_helper.tcl`.
//!
//! - External mode (the default): for each file a fresh server on a free loopback port (the
//!   suite stops a file at its first exception, so one failure must not carry over), then
//!   `tclsh tests/test_helper.tcl --host 127.0.0.1 --port P --single FILE` with [`SUITE_FLAGS`].
//! - Spawn mode: the suite starts its own servers from its config files; the copy's
//!   `src/valkey-server` is a link to the server under test.
//!
//! Results go to stdout and `target/compat/` (`results.md`, `results.json`, `failures.txt`,
//! each run's raw output in `logs/`). `--baseline-check` is CI's ratchet over
//! `xtask/compat-baseline.txt`; `--update-baseline` rewrites that file.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::{cargo, root, run, tools, Result};

/// Flags given to `test_helper.tcl` in both modes, besides `--single` (and `--host/--port` in
/// external mode). Neither `--ignore-digest` nor `--ignore-encoding`, and `needs:debug` tests
/// run: DEBUG DIGEST, OBJECT ENCODING and DEBUG are part of what is measured. `needs:repl`
/// (replicas) and `needs:pfdebug` (PFDEBUG) are left out: ferrokey has neither.
pub const SUITE_FLAGS: &[&str] = &[
    "--clients",
    "1",
    "--durable",
    "--timeout",
    "60",
    "--tags",
    "-slow -needs:repl -needs:pfdebug",
    // valkey-server 9.1.2 fails these two in external mode (they read the replication stream,
    // which carries a PING or misses the expiry's UNLINK here), and a failure leaves the test
    // client in another database, so the next blocking test of `unit/type/list` waits for ever
    // and the rest of the file is lost: for Valkey and ferrokey alike.
    "--skiptest",
    "SWAPDB wants to wake blocked client, but the key already expired",
    "--skiptest",
    "MULTI + LPUSH + EXPIRE + DEBUG SLEEP on blocked client, key already expired",
];

/// Files run in external mode when `--files` is not given (those missing from the suite are
/// dropped).
const EXTERNAL_FILES: &[&str] = &[
    "unit/type/string",
    "unit/type/incr",
    "unit/type/list",
    "unit/type/list-2",
    "unit/type/list-3",
    "unit/type/hash",
    "unit/type/set",
    "unit/type/zset",
    "unit/keyspace",
    "unit/expire",
    "unit/multi",
    "unit/pubsub",
    "unit/pubsubshard",
    "unit/tracking",
    "unit/scan",
    "unit/protocol",
    "unit/bitops",
    "unit/bitfield",
    "unit/geo",
    "unit/sort",
    "unit/hyperloglog",
    "unit/info-command",
    "unit/other",
    "unit/introspection",
    "unit/introspection-2",
    "unit/latency-monitor",
    "unit/slowlog",
    "unit/pause",
    "unit/lazyfree",
    "unit/querybuf",
    "unit/quit",
    "unit/dump",
    "unit/scripting",
    "unit/functions",
    "unit/type/stream",
    "unit/type/stream-cgroups",
    "unit/info-keysizes",
];

/// Files run in spawn mode when `--files` is not given: those external mode skips.
const SPAWN_FILES: &[&str] = &[
    "unit/auth",
    "unit/info",
    "unit/limits",
    "unit/querybuf",
    "unit/introspection",
    "unit/protocol",
];

/// Wall-clock limit per file unless `--file-timeout` says otherwise.
const FILE_TIMEOUT_SECS: u64 = 300;
/// `--update-baseline` keeps the files ferrokey finished within this many seconds: the
/// ratchet runs in every CI run.
const FAST_SECS: f64 = 60.0;
/// The ratchet's file, relative to the workspace root.
const BASELINE: &str = "xtask/compat-baseline.txt";
/// How many more times the ratchet runs a file that fell short of its baseline.
const RETRIES: usize = 2;
/// Lines of output kept for a file that ended abnormally.
const TAIL_LINES: usize = 12;

const USAGE: &str = "usage: cargo xtask compat [--tests DIR] [--runtime tokio|monoio] \
[--files unit/a,unit/b] [--mode external|spawn] [--server both|ferrokey|valkey] \
[--file-timeout SECS] [--baseline-check | --update-baseline]";

/// Which way the suite reaches the server.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    External,
    Spawn,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::External => "external",
            Mode::Spawn => "spawn",
        }
    }
}

/// A server under test.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Server {
    Ferrokey,
    Valkey,
}

impl Server {
    fn name(self) -> &'static str {
        match self {
            Server::Ferrokey => "ferrokey",
            Server::Valkey => "valkey",
        }
    }
}

struct Options {
    tests: PathBuf,
    runtime: String,
    files: Option<Vec<String>>,
    mode: Mode,
    servers: Vec<Server>,
    file_timeout: Duration,
    baseline_check: bool,
    update_baseline: bool,
}

fn parse_options(args: &[String]) -> Result<Options> {
    let mut o = Options {
        tests: default_tests_dir(),
        runtime: "tokio".into(),
        files: None,
        mode: Mode::External,
        servers: vec![Server::Ferrokey, Server::Valkey],
        file_timeout: Duration::from_secs(FILE_TIMEOUT_SECS),
        baseline_check: false,
        update_baseline: false,
    };
    let mut server_given = false;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
        };
        match flag.as_str() {
            "--tests" => o.tests = PathBuf::from(value()?),
            "--runtime" => {
                o.runtime = value()?;
                if o.runtime != "tokio" && o.runtime != "monoio" {
                    return Err(format!("--runtime {}: tokio or monoio", o.runtime));
                }
            }
            "--files" => {
                let list = value()?;
                o.files = Some(
                    list.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(normalize_file)
                        .collect(),
                );
            }
            "--mode" => {
                o.mode = match value()?.as_str() {
                    "external" => Mode::External,
                    "spawn" => Mode::Spawn,
                    m => return Err(format!("--mode {m}: external or spawn")),
                }
            }
            "--server" => {
                server_given = true;
                o.servers = match value()?.as_str() {
                    "both" => vec![Server::Ferrokey, Server::Valkey],
                    "ferrokey" => vec![Server::Ferrokey],
                    "valkey" => vec![Server::Valkey],
                    s => return Err(format!("--server {s}: both, ferrokey or valkey")),
                }
            }
            "--file-timeout" => {
                let v = value()?;
                let secs: u64 = v.parse().map_err(|_| format!("bad --file-timeout {v}"))?;
                o.file_timeout = Duration::from_secs(secs);
            }
            "--baseline-check" => o.baseline_check = true,
            "--update-baseline" => o.update_baseline = true,
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown option {other}\n{USAGE}")),
        }
    }
    if o.baseline_check || o.update_baseline {
        if o.baseline_check && o.update_baseline {
            return Err("--baseline-check and --update-baseline exclude each other".into());
        }
        // The baseline is ferrokey's, in external mode.
        if o.mode != Mode::External || o.servers.first() != Some(&Server::Ferrokey) {
            return Err("the baseline is ferrokey's in external mode".into());
        }
        if o.baseline_check && !server_given {
            // The ratchet compares with the committed figures, not a second server.
            o.servers = vec![Server::Ferrokey];
        }
    }
    Ok(o)
}

/// `--tests` default: `$VALKEY_TESTS`, else `../shared/valkey-tests` beside the workspace.
fn default_tests_dir() -> PathBuf {
    match std::env::var_os("VALKEY_TESTS") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => root().join("../shared/valkey-tests"),
    }
}

/// `tests/unit/x.tcl`, `unit/x.tcl` and `unit/x` all name the suite's `unit/x`.
fn normalize_file(name: &str) -> String {
    let name = name.strip_prefix("tests/").unwrap_or(name);
    name.strip_suffix(".tcl").unwrap_or(name).to_owned()
}

fn suite_has(tests: &Path, file: &str) -> bool {
    tests.join("tests").join(format!("{file}.tcl")).is_file()
}

/// The entry point: `cargo xtask compat [options]`.
pub fn compat(args: &[String]) -> Result {
    let o = parse_options(args)?;
    if !o.tests.join("tests/test_helper.tcl").is_file() {
        return Err(format!(
            "no Valkey test suite at {} (--tests DIR or VALKEY_TESTS)",
            o.tests.display()
        ));
    }
    if o.baseline_check {
        return baseline_check(&o).map(|_| ());
    }
    let files = match &o.files {
        Some(f) => {
            if let Some(missing) = f.iter().find(|f| !suite_has(&o.tests, f)) {
                return Err(format!("{missing}: not in {}", o.tests.display()));
            }
            f.clone()
        }
        None => {
            let defaults = match o.mode {
                Mode::External => EXTERNAL_FILES,
                Mode::Spawn => SPAWN_FILES,
            };
            defaults
                .iter()
                .filter(|f| suite_has(&o.tests, f))
                .map(|f| f.to_string())
                .collect()
        }
    };
    let runs = run_all(&o, &files)?;
    let recorded = read_baseline_file().unwrap_or_default();
    report(&o, &files, &runs, &recorded)?;
    if o.update_baseline {
        update_baseline(&runs, &recorded)?;
    }
    Ok(())
}

/// `cargo xtask ci`'s step: the ratchet when the suite is beside the workspace, a skip line
/// otherwise. Under CI a missing `tclsh` is installed (and its failure fails the step).
pub fn ci_ratchet() -> Result {
    ratchet_with(default_tests_dir())
}

fn ratchet_with(tests: PathBuf) -> Result {
    let mut o = parse_options(&["--baseline-check".to_owned()])?;
    o.tests = tests;
    if !o.tests.join("tests/test_helper.tcl").is_file() {
        eprintln!(
            "\ncompat: skipped: no Valkey test suite at {} (set VALKEY_TESTS to run the ratchet)",
            o.tests.display()
        );
        return Ok(());
    }
    let t = Instant::now();
    let r = baseline_check(&o);
    eprintln!("compat ratchet: {:.0}s", t.elapsed().as_secs_f64());
    r.map(|_| ())
}

/// Runs every server over `files`; results by server, in file order.
fn run_all(o: &Options, files: &[String]) -> Result<BTreeMap<&'static str, Vec<FileRun>>> {
    ensure_tclsh()?;
    if let Err(e) = tools::ensure_redis_tools() {
        // Only the tests that call valkey-cli / valkey-benchmark need them.
        if tools::in_ci() {
            return Err(e);
        }
        eprintln!("compat: warning: {e}; tests that run valkey-cli will fail");
    }
    let mut runs = BTreeMap::new();
    for &server in &o.servers {
        let binary = match server {
            Server::Ferrokey => build_ferrokey(&o.runtime)?,
            Server::Valkey => crate::reference_server()?,
        };
        let work = Workdir::new(&o.tests, server, &binary)?;
        let logs = out_dir().join("logs").join(server.name());
        fs::create_dir_all(&logs).map_err(|e| format!("{}: {e}", logs.display()))?;
        let mut results = Vec::new();
        for file in files {
            let r = run_file(o, &binary, &work, file)?;
            let log = logs.join(format!("{}.log", file.replace('/', "_")));
            fs::write(&log, &r.output).map_err(|e| format!("{}: {e}", log.display()))?;
            eprintln!(
                "compat: {:<8} {:<26} {:>4} passed {:>4} failed {:>4} skipped {:>6.1}s{}",
                server.name(),
                file,
                r.parsed.passed,
                r.parsed.failed,
                r.parsed.skipped,
                r.secs,
                match r.outcome {
                    Outcome::Done => String::new(),
                    ref x => format!("  ({})", x.describe()),
                }
            );
            results.push(r);
        }
        runs.insert(server.name(), results);
    }
    Ok(runs)
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

fn out_dir() -> PathBuf {
    target_dir().join("compat")
}

fn build_ferrokey(runtime: &str) -> Result<PathBuf> {
    let package = format!("runtime-{runtime}");
    let mut build = cargo();
    build.args(["build", "--release", "-p", &package]);
    run(&format!("build {package} (release)"), build)?;
    Ok(target_dir()
        .join("release")
        .join(format!("ferrokey-{runtime}")))
}

/// `tclsh` from Debian's `tcl` when missing.
fn ensure_tclsh() -> Result {
    let present = || {
        Command::new("tclsh")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .and_then(|mut c| {
                // A script on stdin: `tclsh` has no --version.
                c.stdin.take().map(|mut i| i.write_all(b"exit 0\n"));
                c.wait()
            })
            .is_ok_and(|s| s.success())
    };
    if present() {
        return Ok(());
    }
    run("apt-get update", tools::apt_get(&["update"]))?;
    run(
        "install tcl (tclsh, for Valkey's test suite)",
        tools::apt_get(&["install", "-y", "--no-install-recommends", "tcl"]),
    )?;
    if present() {
        Ok(())
    } else {
        Err("tcl installed but tclsh does not run".into())
    }
}

/// A private copy of the suite for one server, removed when dropped.
struct Workdir {
    dir: PathBuf,
}

impl Workdir {
    fn new(tests: &Path, server: Server, binary: &Path) -> Result<Workdir> {
        let dir = std::env::temp_dir().join(format!(
            "ferrokey-compat-{}-{}",
            std::process::id(),
            server.name()
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("src")).map_err(|e| format!("{}: {e}", dir.display()))?;
        let w = Workdir { dir };
        let mut cp = Command::new("cp");
        cp.arg("-R").arg(tests.join("tests")).arg(&w.dir);
        quiet(cp, "copy the suite")?;
        // The shared folder has no write bits; the copy keeps them off otherwise.
        let mut chmod = Command::new("chmod");
        chmod.arg("-R").arg("u+w").arg(&w.dir);
        quiet(chmod, "make the copy writable")?;
        // The suite runs `src/valkey-server` in spawn mode and `src/valkey-cli` /
        // `src/valkey-benchmark` in both.
        let link = |name: &str, to: &Path| {
            std::os::unix::fs::symlink(to, w.dir.join("src").join(name))
                .map_err(|e| format!("link src/{name}: {e}"))
        };
        link("valkey-server", &absolute(binary))?;
        for (name, tool) in [
            ("valkey-cli", "redis-cli"),
            ("valkey-benchmark", "redis-benchmark"),
        ] {
            if let Some(p) = which(tool) {
                link(name, &p)?;
            }
        }
        Ok(w)
    }
}

impl Drop for Workdir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn absolute(p: &Path) -> PathBuf {
    fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

fn which(tool: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join(tool))
            .find(|p| p.is_file())
    })
}

fn quiet(mut cmd: Command, what: &str) -> Result {
    let out = cmd
        .output()
        .map_err(|e| format!("{what}: cannot start: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// How a file's run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    /// The suite reached the file's end (tests may have failed).
    Done,
    /// The file stopped at an exception (the first line of it).
    Exception(String),
    /// The server under test exited during the file (external mode).
    ServerDied(String),
    /// Killed at the wall-clock limit, or the suite's own no-progress timeout.
    Timeout(String),
    /// The server did not start (its last log line).
    NotStarted(String),
    /// The suite exited without reporting the file done.
    Incomplete,
    /// Reached the end, but an error outside any test skipped the rest of a block.
    CutShort(String),
}

impl Outcome {
    fn describe(&self) -> String {
        match self {
            Outcome::Done => "done".into(),
            Outcome::Exception(e) => format!("exception: {e}"),
            Outcome::ServerDied(e) => format!("server died: {e}"),
            Outcome::Timeout(e) => format!("timed out: {e}"),
            Outcome::NotStarted(e) => format!("server did not start: {e}"),
            Outcome::Incomplete => "ended without finishing the file".into(),
            Outcome::CutShort(e) => format!("cut short by an error outside a test: {e}"),
        }
    }

    /// A short word for the table.
    fn tag(&self) -> &'static str {
        match self {
            Outcome::Done => "",
            Outcome::Exception(_) => "exception",
            Outcome::ServerDied(_) => "crashed",
            Outcome::Timeout(_) => "timed out",
            Outcome::NotStarted(_) => "not started",
            Outcome::Incomplete => "incomplete",
            Outcome::CutShort(_) => "cut short",
        }
    }
}

/// One file against one server.
struct FileRun {
    file: String,
    parsed: Parsed,
    secs: f64,
    outcome: Outcome,
    /// Lines worth reading when the file ended abnormally: the exception, the server's log.
    notes: Vec<String>,
    output: String,
}

/// What the suite's output says about one file.
#[derive(Debug, Default, PartialEq, Eq)]
struct Parsed {
    passed: usize,
    failed: usize,
    /// `[skip]` (skip lists) and `[ignore]` (tags, `external:skip`) together.
    skipped: usize,
    /// Failed tests: the name, then the first line of the reason when there is one.
    failures: Vec<(String, String)>,
    /// The `[exception]` line and the error trace after it.
    exception: Vec<String>,
    /// The suite's own `[TIMEOUT]` (no progress for `--timeout` seconds).
    suite_timeout: bool,
    /// The suite's report after `[TIMEOUT]`: the test each client was running.
    stuck: Vec<String>,
    /// An error outside any test (in a `start_server` block's own code): the tests after it in
    /// that block did not run. `--durable` reports it as `[err]`, its message cut by the suite,
    /// with the whole message on the next line, kept here.
    cut_short: Option<String>,
    /// `[1/1 done]: FILE (N seconds)` was seen.
    done: bool,
}

/// Removes ANSI colour sequences (the suite colours its output on xterm-like terminals).
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            // Parameters up to the final byte (a letter).
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The name given to an `[err]` that is no test's.
const OUTSIDE_A_TEST: &str = "(error outside any test: the rest of its block did not run)";

/// Parses the test server's output for one `--single` file.
fn parse_output(output: &str) -> Parsed {
    let mut p = Parsed::default();
    // After `[err]`, the next line is the reason; after `[exception]`, the trace.
    let mut reason_for: Option<usize> = None;
    // The suite drops an error's first ten characters (meant for an `assertion:` prefix) and
    // prints the whole message on the line after: that line replaces the cut one.
    let mut full_for: Option<usize> = None;
    let mut in_exception = false;
    for raw in output.lines() {
        let line = strip_ansi(raw);
        let reason = reason_for.take();
        let full = full_for.take();
        if line.starts_with("[ok]: ") {
            in_exception = false;
            p.passed += 1;
        } else if let Some(rest) = line.strip_prefix("[err]: ") {
            in_exception = false;
            p.failed += 1;
            // `NAME in tests/unit/x.tcl`; an error outside any test has no file part.
            let name = match rest.rfind(" in tests/") {
                Some(i) => &rest[..i],
                None => {
                    p.cut_short.get_or_insert_with(String::new);
                    OUTSIDE_A_TEST
                }
            };
            p.failures.push((name.to_owned(), String::new()));
            reason_for = Some(p.failures.len() - 1);
        } else if line.starts_with("[skip]: ") || line.starts_with("[ignore]: ") {
            in_exception = false;
            p.skipped += 1;
        } else if line.starts_with("[exception]: ") {
            in_exception = true;
            p.exception.push(line);
        } else if line.starts_with("[TIMEOUT]: ") {
            in_exception = false;
            p.suite_timeout = true;
        } else if p.suite_timeout && !p.done && line.contains(" => ") {
            p.stuck.push(line.trim().to_owned());
        } else if line.starts_with('[') && line.contains(" done]: ") {
            in_exception = false;
            p.done = true;
        } else if in_exception {
            if line.starts_with("Killing still running") || p.exception.len() >= TAIL_LINES {
                in_exception = false;
            } else if !line.trim().is_empty() {
                p.exception.push(line);
            }
        } else if let Some(i) = reason {
            if !line.trim().is_empty() {
                p.failures[i].1 = line.trim().to_owned();
                if p.failures[i].0 == OUTSIDE_A_TEST {
                    if let Some(c) = p.cut_short.as_mut().filter(|c| c.is_empty()) {
                        *c = line.trim().to_owned();
                    }
                } else {
                    full_for = Some(i);
                }
            }
        } else if let Some(i) = full {
            let cut = &p.failures[i].1;
            if line.trim().len() > cut.len() && line.trim().ends_with(cut.as_str()) {
                p.failures[i].1 = line.trim().to_owned();
            }
        }
    }
    p
}

/// A free loopback port (the OS's ephemeral range, away from the suite's 21111+ ports).
fn free_port() -> Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

/// A server started for one file in external mode, in a folder of its own.
struct RunningServer {
    child: Child,
    dir: PathBuf,
}

impl RunningServer {
    fn start(binary: &Path, port: u16, dir: PathBuf) -> Result<RunningServer> {
        fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let log = fs::File::create(dir.join("server.log")).map_err(|e| e.to_string())?;
        let log2 = log.try_clone().map_err(|e| e.to_string())?;
        let mut cmd = Command::new(binary);
        cmd.args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--enable-debug-command", "yes"]);
        cmd.current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .process_group(0);
        let child = cmd
            .spawn()
            .map_err(|e| format!("{}: cannot start: {e}", binary.display()))?;
        Ok(RunningServer { child, dir })
    }

    /// Waits until the port accepts connections; Err(last log line) when the server exited.
    fn wait_ready(&mut self, port: u16) -> std::result::Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("exited ({status}): {}", self.log_tail(1).join(" ")));
            }
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err("no connection within 10 s".into())
    }

    fn log_tail(&self, n: usize) -> Vec<String> {
        let text = fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
        tail(&text, n)
    }

    /// SIGTERM, then SIGKILL after 5 s; the exit status when it had already exited.
    fn stop(mut self) -> Option<String> {
        let died = match self.child.try_wait() {
            Ok(Some(status)) => Some(status.to_string()),
            _ => None,
        };
        if died.is_none() {
            signal(self.child.id(), "TERM", false);
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        died
    }
}

/// `kill -SIG PID`, or the whole process group `-PID`.
fn signal(pid: u32, sig: &str, group: bool) {
    let target = if group {
        format!("-{pid}")
    } else {
        pid.to_string()
    };
    let _ = Command::new("kill")
        .args([format!("-{sig}"), "--".into(), target])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

fn tail(text: &str, n: usize) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|l| strip_ansi(l))
        .collect()
}

/// Runs one file against one server and classifies how it ended.
fn run_file(o: &Options, binary: &Path, work: &Workdir, file: &str) -> Result<FileRun> {
    let start = Instant::now();
    let mut notes = Vec::new();
    let mut srv = None;
    let mut cmd = Command::new("tclsh");
    cmd.arg("tests/test_helper.tcl");
    if o.mode == Mode::External {
        let port = free_port()?;
        let dir = work.dir.join("servers").join(file.replace('/', "_"));
        let mut s = RunningServer::start(binary, port, dir)?;
        if let Err(e) = s.wait_ready(port) {
            notes.extend(s.log_tail(TAIL_LINES));
            s.stop();
            return Ok(FileRun {
                file: file.to_owned(),
                parsed: Parsed::default(),
                secs: start.elapsed().as_secs_f64(),
                outcome: Outcome::NotStarted(e),
                notes,
                output: String::new(),
            });
        }
        cmd.args(["--host", "127.0.0.1", "--port", &port.to_string()]);
        srv = Some(s);
    }
    cmd.args(["--single", file]).args(SUITE_FLAGS);
    // Ports of this run's own (the test server's, and in spawn mode the servers'), so that
    // two runs on one machine rarely race for the same ones; the suite also checks each
    // port and the one 10000 above it before taking it.
    let base = 22000 + (std::process::id() % 40) * 500;
    cmd.args(["--baseport", &base.to_string(), "--portcount", "500"]);
    if o.mode == Mode::Spawn {
        // The servers' logs stay in tests/tmp for the notes below.
        cmd.arg("--dont-clean");
    }
    let out_path = work.dir.join("suite-output.txt");
    let out = fs::File::create(&out_path).map_err(|e| e.to_string())?;
    let err = out.try_clone().map_err(|e| e.to_string())?;
    // Uncoloured output; its own process group so a timeout ends the clients and any server
    // it spawned with it.
    cmd.current_dir(&work.dir)
        .env("TERM", "dumb")
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0);
    let t = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("tclsh: cannot start: {e}"))?;
    let mut timed_out = false;
    loop {
        if child.try_wait().map_err(|e| e.to_string())?.is_some() {
            break;
        }
        if t.elapsed() > o.file_timeout {
            signal(child.id(), "KILL", true);
            let _ = child.wait();
            timed_out = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let secs = t.elapsed().as_secs_f64();
    // Test clients or spawned servers left behind by an exception.
    signal(child.id(), "KILL", true);
    let output = String::from_utf8_lossy(&fs::read(&out_path).unwrap_or_default()).into_owned();
    let parsed = parse_output(&output);
    let died = srv.map(|s| {
        let tail = s.log_tail(TAIL_LINES);
        (s.stop(), tail)
    });
    let outcome = if timed_out {
        Outcome::Timeout(format!("killed after {} s", o.file_timeout.as_secs()))
    } else if parsed.suite_timeout {
        Outcome::Timeout("no progress for 60 s".into())
    } else if let Some((Some(status), _)) = &died {
        Outcome::ServerDied(status.clone())
    } else if let Some(first) = parsed.exception.first() {
        let first = first.trim_start_matches("[exception]: ");
        let first = first.trim_start_matches("Executing test client: ");
        Outcome::Exception(first.to_owned())
    } else if let Some(e) = &parsed.cut_short {
        Outcome::CutShort(e.clone())
    } else if parsed.done {
        Outcome::Done
    } else {
        Outcome::Incomplete
    };
    if !matches!(outcome, Outcome::Done | Outcome::CutShort(_)) {
        notes.extend(parsed.exception.iter().cloned());
        notes.extend(parsed.stuck.iter().cloned());
        if parsed.exception.is_empty() && parsed.stuck.is_empty() {
            notes.extend(tail(&output, TAIL_LINES));
        }
        if let Some((Some(_), log)) = died {
            notes.push("-- server log:".into());
            notes.extend(log);
        }
        if o.mode == Mode::Spawn {
            notes.extend(spawned_server_log(&work.dir));
        }
    }
    Ok(FileRun {
        file: file.to_owned(),
        parsed,
        secs,
        outcome,
        notes,
        output,
    })
}

/// The end of the newest server folder's stdout and stderr in the copy's `tests/tmp` (where the
/// suite keeps the servers it spawned), with the previous runs' folders cleared.
fn spawned_server_log(work: &Path) -> Vec<String> {
    let tmp = work.join("tests/tmp");
    let newest = fs::read_dir(&tmp)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("server"))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .max()
        .map(|(_, p)| p);
    let mut notes = Vec::new();
    if let Some(dir) = newest {
        for name in ["stdout", "stderr"] {
            let text = fs::read_to_string(dir.join(name)).unwrap_or_default();
            if !text.trim().is_empty() {
                notes.push(format!("-- spawned server's {name}:"));
                notes.extend(tail(&text, TAIL_LINES / 2));
            }
        }
    }
    // `--dont-clean` kept them; the next file starts from an empty tests/tmp.
    if let Ok(entries) = fs::read_dir(&tmp) {
        for e in entries.flatten() {
            let _ = fs::remove_dir_all(e.path()).or_else(|_| fs::remove_file(e.path()));
        }
    }
    notes
}

/// Writes the table, the JSON and the failure list, and prints the table and the failures.
fn report(
    o: &Options,
    files: &[String],
    runs: &BTreeMap<&'static str, Vec<FileRun>>,
    recorded: &Baseline,
) -> Result {
    let md = table(o, files, runs, recorded);
    let failures = failure_list(o, runs);
    let out = out_dir();
    fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let write = |name: &str, text: &str| {
        let p = out.join(name);
        fs::write(&p, text).map_err(|e| format!("{}: {e}", p.display()))
    };
    write("results.md", &md)?;
    write("failures.txt", &failures)?;
    let json_runs: serde_json::Map<String, serde_json::Value> = runs
        .iter()
        .map(|(server, runs)| {
            let list: Vec<_> = runs
                .iter()
                .map(|r| {
                    json!({
                        "file": r.file,
                        "passed": r.parsed.passed,
                        "failed": r.parsed.failed,
                        "skipped": r.parsed.skipped,
                        "seconds": (r.secs * 10.0).round() / 10.0,
                        "outcome": r.outcome.tag(),
                        "outcome_detail": r.outcome.describe(),
                        "failures": r.parsed.failures.iter().map(|(n, _)| n).collect::<Vec<_>>(),
                        "notes": r.notes,
                    })
                })
                .collect();
            (server.to_string(), serde_json::Value::Array(list))
        })
        .collect();
    let doc = json!({
        "mode": o.mode.name(),
        "runtime": o.runtime,
        "flags": SUITE_FLAGS,
        "runs": json_runs,
    });
    write(
        "results.json",
        &serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?,
    )?;
    println!("{md}");
    println!("{failures}");
    eprintln!(
        "compat: results in {}/results.md, results.json, failures.txt, logs/",
        out.display()
    );
    Ok(())
}

/// The flags as one would type them: arguments with spaces in single quotes.
fn shell_words(args: &[&str]) -> String {
    args.iter()
        .map(|a| {
            if a.contains(' ') {
                format!("'{a}'")
            } else {
                a.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn cells(r: Option<&FileRun>) -> String {
    match r {
        Some(r) => format!(
            "{} | {} | {} | {:.1}",
            r.parsed.passed, r.parsed.failed, r.parsed.skipped, r.secs
        ),
        None => " |  |  | ".into(),
    }
}

/// The markdown table: one row per file, ferrokey's and Valkey's figures side by side (Valkey's
/// passes from the baseline file when Valkey was not run).
fn table(
    o: &Options,
    files: &[String],
    runs: &BTreeMap<&'static str, Vec<FileRun>>,
    recorded: &Baseline,
) -> String {
    let find = |server: &str, file: &str| {
        runs.get(server)
            .and_then(|rs| rs.iter().find(|r| r.file == file))
    };
    let fk = runs.contains_key("ferrokey");
    let vk = runs.contains_key("valkey");
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Valkey test suite, {} mode, ferrokey-{}; flags: {}\n",
        o.mode.name(),
        o.runtime,
        shell_words(SUITE_FLAGS)
    );
    let mut head = vec!["file"];
    let mut rule = vec!["---"];
    if fk {
        head.extend(["ferrokey passed", "failed", "skipped", "s"]);
        rule.extend(["---:"; 4]);
    }
    if vk {
        head.extend(["valkey passed", "failed", "skipped", "s"]);
        rule.extend(["---:"; 4]);
    } else if o.mode == Mode::External {
        head.push("valkey passed (recorded)");
        rule.push("---:");
    }
    head.push("notes");
    rule.push("---");
    let _ = writeln!(s, "| {} |", head.join(" | "));
    let _ = writeln!(s, "|{}|", rule.join("|"));
    let mut totals: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
    for file in files {
        let mut row = vec![file.clone()];
        let mut notes = Vec::new();
        for server in ["ferrokey", "valkey"] {
            if !runs.contains_key(server) {
                continue;
            }
            let r = find(server, file);
            row.push(cells(r));
            if let Some(r) = r {
                let t = totals.entry(server).or_default();
                t[0] += r.parsed.passed;
                t[1] += r.parsed.failed;
                t[2] += r.parsed.skipped;
                if r.outcome != Outcome::Done {
                    notes.push(format!("{}: {}", server, r.outcome.tag()));
                }
            }
        }
        if !vk && o.mode == Mode::External {
            row.push(
                recorded
                    .get(file)
                    .and_then(|e| e.valkey)
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
            );
        }
        row.push(notes.join(", "));
        let _ = writeln!(s, "| {} |", row.join(" | "));
    }
    let mut row = vec!["**total**".to_owned()];
    for server in ["ferrokey", "valkey"] {
        if let Some(rs) = runs.get(server) {
            let t = totals.get(server).copied().unwrap_or_default();
            let secs: f64 = rs.iter().map(|r| r.secs).sum();
            row.push(format!("{} | {} | {} | {:.0}", t[0], t[1], t[2], secs));
        }
    }
    if !vk && o.mode == Mode::External {
        let sum: usize = files
            .iter()
            .filter_map(|f| recorded.get(f).and_then(|e| e.valkey))
            .sum();
        row.push(sum.to_string());
    }
    let bad: usize = runs
        .values()
        .flatten()
        .filter(|r| r.outcome != Outcome::Done)
        .count();
    row.push(if bad > 0 {
        format!("{bad} runs ended early")
    } else {
        String::new()
    });
    let _ = writeln!(s, "| {} |", row.join(" | "));
    s
}

/// Per server and file: the failed tests (with the first line of each reason), then the
/// exception or crash lines of a file that ended early.
fn failure_list(o: &Options, runs: &BTreeMap<&'static str, Vec<FileRun>>) -> String {
    let mut s = format!("Failures ({} mode)\n", o.mode.name());
    for (server, rs) in runs {
        for r in rs {
            if r.parsed.failures.is_empty() && r.outcome == Outcome::Done {
                continue;
            }
            let _ = writeln!(
                s,
                "\n## {server} {}: {} failed{}",
                r.file,
                r.parsed.failed,
                match r.outcome {
                    Outcome::Done => String::new(),
                    ref x => format!(", {}", x.describe()),
                }
            );
            for (name, reason) in &r.parsed.failures {
                if reason.is_empty() {
                    let _ = writeln!(s, "- {name}");
                } else {
                    let _ = writeln!(s, "- {name} — {}", truncate(reason, 200));
                }
            }
            for n in &r.notes {
                let _ = writeln!(s, "    {}", truncate(n, 300));
            }
        }
    }
    s
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

/// One baseline line: the passes ferrokey must reach, and Valkey's for reference.
#[derive(Clone, Debug, PartialEq, Eq)]
struct BaselineEntry {
    passes: usize,
    valkey: Option<usize>,
}

/// The ratchet's files in their committed order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Baseline {
    entries: Vec<(String, BaselineEntry)>,
}

impl Baseline {
    fn get(&self, file: &str) -> Option<&BaselineEntry> {
        self.entries.iter().find(|(f, _)| f == file).map(|(_, e)| e)
    }
}

/// Parses `FILE PASSES [VALKEY|-]` lines; `#` starts a comment.
fn parse_baseline(text: &str) -> Result<Baseline> {
    let mut b = Baseline::default();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let bad = || format!("{BASELINE}:{}: expected `FILE PASSES [VALKEY]`", i + 1);
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (file, passes, valkey) = match fields[..] {
            [f, p] => (f, p, None),
            [f, p, v] => (f, p, Some(v)),
            _ => return Err(bad()),
        };
        let passes = passes.parse().map_err(|_| bad())?;
        let valkey = match valkey {
            None | Some("-") => None,
            Some(v) => Some(v.parse().map_err(|_| bad())?),
        };
        if b.get(file).is_some() {
            return Err(format!("{BASELINE}:{}: {file} listed twice", i + 1));
        }
        b.entries
            .push((file.to_owned(), BaselineEntry { passes, valkey }));
    }
    Ok(b)
}

fn format_baseline(b: &Baseline) -> String {
    let mut s = String::from(
        "# The compat ratchet (`cargo xtask compat --baseline-check`, run by `cargo xtask ci`):\n\
         # Valkey's test suite against ferrokey-tokio in external mode, one fresh server per file;\n\
         # each file must pass at least PASSES tests. VALKEY is valkey-server's passes, for\n\
         # reference only. Rewritten by `cargo xtask compat --update-baseline`.\n\
         # FILE                      PASSES  VALKEY\n",
    );
    for (file, e) in &b.entries {
        let v = e.valkey.map_or("-".to_owned(), |v| v.to_string());
        let _ = writeln!(s, "{file:<28} {:>6}  {v:>6}", e.passes);
    }
    s
}

fn read_baseline_file() -> Result<Baseline> {
    let p = root().join(BASELINE);
    let text = fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
    parse_baseline(&text)
}

/// Rewrites the baseline's lines for the files of this run (see [`updated_baseline`]).
fn update_baseline(runs: &BTreeMap<&'static str, Vec<FileRun>>, old: &Baseline) -> Result {
    let Some(fk) = runs.get("ferrokey") else {
        return Err("--update-baseline needs a ferrokey run".into());
    };
    let b = updated_baseline(old, fk, runs.get("valkey").map(Vec::as_slice));
    let p = root().join(BASELINE);
    fs::write(&p, format_baseline(&b)).map_err(|e| format!("{}: {e}", p.display()))?;
    eprintln!("compat: wrote {} ({} files)", p.display(), b.entries.len());
    Ok(())
}

/// The old baseline with each file of this run set to ferrokey's passes, or left out when
/// ferrokey took [`FAST_SECS`] or more, timed out, or neither server had a test to run there;
/// files not run keep their lines. Valkey's figure comes from this run, else the old line.
fn updated_baseline(old: &Baseline, fk: &[FileRun], valkey: Option<&[FileRun]>) -> Baseline {
    let mut b = old.clone();
    for r in fk {
        let valkey = valkey
            .and_then(|v| v.iter().find(|v| v.file == r.file))
            .map(|v| v.parsed.passed)
            .or_else(|| old.get(&r.file).and_then(|e| e.valkey));
        let why_not = if r.secs >= FAST_SECS || matches!(r.outcome, Outcome::Timeout(_)) {
            Some(format!("{:.0}s, {}", r.secs, r.outcome.describe()))
        } else if valkey == Some(0) && r.parsed.passed == 0 {
            // Every test of the file is skipped in this mode: nothing to hold.
            Some("no test runs in this mode".to_owned())
        } else {
            None
        };
        let at = b.entries.iter().position(|(f, _)| *f == r.file);
        if let Some(why) = why_not {
            eprintln!("compat: {} left out of the baseline ({why})", r.file);
            if let Some(i) = at {
                b.entries.remove(i);
            }
            continue;
        }
        let entry = BaselineEntry {
            passes: r.parsed.passed,
            valkey,
        };
        match at {
            Some(i) => {
                if entry.passes < b.entries[i].1.passes {
                    eprintln!(
                        "compat: warning: {} lowered from {} to {}",
                        r.file, b.entries[i].1.passes, entry.passes
                    );
                }
                b.entries[i].1 = entry;
            }
            None => b.entries.push((r.file.clone(), entry)),
        }
    }
    // The default list's order; other files after, as they came.
    b.entries.sort_by_key(|(f, _)| {
        EXTERNAL_FILES
            .iter()
            .position(|d| d == f)
            .unwrap_or(EXTERNAL_FILES.len())
    });
    b
}

/// A file's verdict against its baseline.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Below,
    Equal,
    Above,
}

fn verdict(passed: usize, baseline: usize) -> Verdict {
    match passed.cmp(&baseline) {
        std::cmp::Ordering::Less => Verdict::Below,
        std::cmp::Ordering::Equal => Verdict::Equal,
        std::cmp::Ordering::Greater => Verdict::Above,
    }
}

/// The ratchet: every baseline file must pass at least its count. A file that falls short is
/// run up to [`RETRIES`] more times (some of the suite's tests, and some of ferrokey's
/// answers, depend on timing), and fails the check only if every run falls short.
fn baseline_check(o: &Options) -> Result<BTreeMap<&'static str, Vec<FileRun>>> {
    let b = read_baseline_file()?;
    let files: Vec<String> = b.entries.iter().map(|(f, _)| f.clone()).collect();
    if let Some(missing) = files.iter().find(|f| !suite_has(&o.tests, f)) {
        return Err(format!(
            "{BASELINE}: {missing} is not in {}",
            o.tests.display()
        ));
    }
    let mut runs = run_all(o, &files)?;
    // Only ferrokey is run again (`--server both` also ran Valkey once, for its columns).
    let ferrokey_only = Options {
        servers: vec![Server::Ferrokey],
        files: None,
        tests: o.tests.clone(),
        runtime: o.runtime.clone(),
        ..*o
    };
    for _ in 0..RETRIES {
        let short: Vec<String> = runs["ferrokey"]
            .iter()
            .filter(|r| {
                let e = b.get(&r.file).expect("baseline file");
                verdict(r.parsed.passed, e.passes) == Verdict::Below
            })
            .map(|r| r.file.clone())
            .collect();
        if short.is_empty() {
            break;
        }
        eprintln!(
            "compat: below the baseline, running again: {}",
            short.join(", ")
        );
        let again = run_all(&ferrokey_only, &short)?;
        for r in again.into_values().flatten() {
            let slot = runs
                .get_mut("ferrokey")
                .and_then(|rs| rs.iter_mut().find(|x| x.file == r.file))
                .expect("first run");
            if r.parsed.passed > slot.parsed.passed {
                *slot = r;
            }
        }
    }
    report(o, &files, &runs, &b)?;
    let mut below = Vec::new();
    let mut above = Vec::new();
    for r in &runs["ferrokey"] {
        let e = b.get(&r.file).expect("baseline file");
        match verdict(r.parsed.passed, e.passes) {
            Verdict::Below => below.push(format!(
                "{} passed {} < {} ({})",
                r.file,
                r.parsed.passed,
                e.passes,
                r.outcome.describe()
            )),
            Verdict::Above => above.push(format!("{} {} > {}", r.file, r.parsed.passed, e.passes)),
            Verdict::Equal => {}
        }
    }
    if !above.is_empty() {
        eprintln!(
            "compat: more passes than the baseline ({}): raise it with \
             `cargo xtask compat --update-baseline` and commit {BASELINE}",
            above.join(", ")
        );
    }
    if below.is_empty() {
        eprintln!("compat: ratchet passed ({} files)", files.len());
        Ok(runs)
    } else {
        Err(format!(
            "compat ratchet: fewer passes than {BASELINE}:\n  {}",
            below.join("\n  ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines from a run of `unit/type/incr` and `unit/functions` against ferrokey (TERM=xterm,
    /// so coloured), trimmed.
    const COLOURED: &str = "Cleanup: may take some time... OK
Starting test server at port 21079
[ready]: 8579
\x1b[1;37;49mTesting unit/type/incr\x1b[0m
[\x1b[0;32;49mok\x1b[0m]: INCR against non existing key (0 ms)
[\x1b[0;32;49mok\x1b[0m]: DECRBY against key is not exist (0 ms)
[\x1b[0;31;49merr\x1b[0m]: INCR uses shared objects in the 0-9999 range in tests/unit/type/incr.tcl
Expected '1' to be more than '1' (context: type source line 122 file /tmp/cx/suite/tests/support/test.tcl cmd {assert_morethan $val $ref} proc ::assert_refcount_morethan level 2)
[\x1b[0;32;49mok\x1b[0m]: INCR can modify objects in-place (0 ms)
[1/1 \x1b[0;33;49mdone\x1b[0m]: unit/type/incr (0 seconds)

                   The End

Execution time of different units:
  0 seconds - unit/type/incr

\x1b[1;31;49m!!! WARNING\x1b[0m The following tests failed:

*** [\x1b[0;31;49merr\x1b[0m]: INCR uses shared objects in the 0-9999 range in tests/unit/type/incr.tcl
Expected '1' to be more than '1' (context: type source line 122 file /tmp/cx/suite/tests/support/test.tcl cmd {assert_morethan $val $ref} proc ::assert_refcount_morethan level 2)
Cleanup: may take some time... OK
";

    #[test]
    fn parses_a_finished_file() {
        let p = parse_output(COLOURED);
        assert_eq!((p.passed, p.failed, p.skipped), (3, 1, 0));
        assert!(p.done);
        assert!(!p.suite_timeout);
        assert!(p.exception.is_empty());
        assert_eq!(
            p.failures,
            vec![(
                "INCR uses shared objects in the 0-9999 range".to_owned(),
                "Expected '1' to be more than '1' (context: type source line 122 file \
                 /tmp/cx/suite/tests/support/test.tcl cmd {assert_morethan $val $ref} proc \
                 ::assert_refcount_morethan level 2)"
                    .to_owned()
            )]
        );
    }

    #[test]
    fn strips_colours() {
        assert_eq!(
            strip_ansi("[\x1b[0;32;49mok\x1b[0m]: X (1 ms)"),
            "[ok]: X (1 ms)"
        );
        assert_eq!(strip_ansi("plain"), "plain");
    }

    /// From a run of `unit/type/stream` against ferrokey: an error inside a test (its message
    /// cut by the suite, whole on the next line), then an exception that ends the file.
    #[test]
    fn parses_an_exception() {
        let out = r#"[ok]: XADD with MAXLEN option (0 ms)
[skip]: XADD mass insertion and XLEN
[ignore]: XADD with LIMIT consecutive calls: Not supported on external server
[err]: XTRIM with LIMIT delete entries no more than limit in tests/unit/type/stream.tcl
n command 'XADD', with args beginning with: 'mystream' '*' 'xitem' 'v'
ERR unknown command 'XADD', with args beginning with: 'mystream' '*' 'xitem' 'v'
    while executing
"[srv $level "client"] {*}$args"
    (procedure "r" line 7)
[exception]: Executing test client: ERR CONFIG SET failed (possibly related to argument 'appendonly') - appendonly yes is not supported yet: ferrokey has no AOF persistence.
ERR CONFIG SET failed (possibly related to argument 'appendonly') - appendonly yes is not supported yet: ferrokey has no AOF persistence
    while executing
"[srv $level "client"] {*}$args"
"#;
        let p = parse_output(out);
        assert_eq!((p.passed, p.failed, p.skipped), (1, 1, 2));
        assert!(!p.done);
        assert_eq!(
            p.failures,
            vec![(
                "XTRIM with LIMIT delete entries no more than limit".to_owned(),
                "ERR unknown command 'XADD', with args beginning with: 'mystream' '*' 'xitem' 'v'"
                    .to_owned()
            )]
        );
        assert_eq!(p.exception.len(), 4);
        assert!(p.exception[0].starts_with("[exception]: Executing test client: ERR CONFIG SET"));
        assert_eq!(p.exception[3], r#""[srv $level "client"] {*}$args""#);
    }

    /// From a run of `unit/pubsub` against ferrokey: the suite's no-progress timeout.
    #[test]
    fn parses_the_suite_timeout() {
        let out = "[ok]: PUBLISH/PSUBSCRIBE after PUNSUBSCRIBE without arguments (0 ms)
[TIMEOUT]: clients state report follows.
sock55f1106004c0 => (IN PROGRESS) PubSub messages with CLIENT REPLY OFF

                   The End

Execution time of different units:

!!! WARNING The following tests failed:

*** [err]: UNSUBSCRIBE and PUNSUBSCRIBE from non-subscribed channels in tests/unit/pubsub.tcl
Expected '0 0 0' to match '*NOSUB*' (context: type eval line 5 cmd {assert_match {*NOSUB*} $e} proc ::test) 
*** [TIMEOUT]: clients state report follows.
Cleanup: may take some time... OK
";
        let p = parse_output(out);
        assert!(p.suite_timeout);
        assert!(!p.done);
        assert_eq!((p.passed, p.failed), (1, 0));
        assert_eq!(
            p.stuck,
            vec!["sock55f1106004c0 => (IN PROGRESS) PubSub messages with CLIENT REPLY OFF"]
        );
    }

    /// From a run of `unit/type/hash` against ferrokey: an error in a `start_server` block's
    /// own code (the suite cuts its first ten characters) skips the rest of the block.
    #[test]
    fn parses_an_error_outside_a_test() {
        let out = "Testing unit/type/hash
[ok]: HSET/HLEN - Small hash creation (1 ms)
[ok]: Is the small hash encoded with a listpack? (0 ms)
[err]: n command 'memory', with args beginning with: 'usage' 'myhash'
ERR unknown command 'memory', with args beginning with: 'usage' 'myhash'
    while executing
\"[srv $level \"client\"] {*}$args\"
[1/1 done]: unit/type/hash (0 seconds)
";
        let p = parse_output(out);
        assert!(p.done);
        assert_eq!((p.passed, p.failed), (2, 1));
        let msg = "ERR unknown command 'memory', with args beginning with: 'usage' 'myhash'";
        assert_eq!(p.cut_short.as_deref(), Some(msg));
        assert_eq!(
            p.failures,
            vec![(OUTSIDE_A_TEST.to_owned(), msg.to_owned())]
        );
    }

    #[test]
    fn baseline_round_trips() {
        let b = Baseline {
            entries: vec![
                (
                    "unit/type/incr".into(),
                    BaselineEntry {
                        passes: 31,
                        valkey: Some(32),
                    },
                ),
                (
                    "unit/quit".into(),
                    BaselineEntry {
                        passes: 0,
                        valkey: None,
                    },
                ),
            ],
        };
        let text = format_baseline(&b);
        assert_eq!(parse_baseline(&text).unwrap(), b);
        assert!(text.contains("unit/quit                         0       -\n"));
    }

    #[test]
    fn baseline_rejects_bad_lines() {
        assert!(parse_baseline("unit/x\n").is_err());
        assert!(parse_baseline("unit/x many\n").is_err());
        assert!(parse_baseline("unit/x 1 2 3\n").is_err());
        assert!(parse_baseline("unit/x 1\nunit/x 2\n").is_err());
        let b = parse_baseline("# c\n\nunit/x 4 # trailing\n").unwrap();
        assert_eq!(b.get("unit/x").unwrap().passes, 4);
    }

    /// A fresh clone without the suite beside it: a skip line, and success.
    #[test]
    fn ratchet_skips_without_the_suite() {
        assert_eq!(
            ratchet_with(PathBuf::from("/nonexistent/valkey-tests")),
            Ok(())
        );
    }

    /// The committed baseline parses, and names files in the suite's naming.
    #[test]
    fn committed_baseline_parses() {
        let b = read_baseline_file().unwrap();
        assert!(!b.entries.is_empty());
        let suite = default_tests_dir();
        for (file, _) in &b.entries {
            assert_eq!(&normalize_file(file), file);
            if suite.is_dir() {
                assert!(suite_has(&suite, file), "{file}");
            }
        }
    }

    fn file_run(file: &str, passed: usize, secs: f64, outcome: Outcome) -> FileRun {
        FileRun {
            file: file.into(),
            parsed: Parsed {
                passed,
                ..Parsed::default()
            },
            secs,
            outcome,
            notes: vec![],
            output: String::new(),
        }
    }

    #[test]
    fn update_keeps_files_not_run_and_drops_slow_ones() {
        let old = parse_baseline("unit/a 5 9\nunit/b 3 4\nunit/c 1 1\n").unwrap();
        let fk = [
            file_run("unit/b", 4, 1.0, Outcome::Done),
            file_run("unit/c", 2, 61.0, Outcome::Done),
            file_run("unit/d", 0, 0.1, Outcome::Done),
            file_run("unit/e", 7, 2.0, Outcome::Exception("x".into())),
            file_run("unit/f", 1, 5.0, Outcome::Timeout("t".into())),
        ];
        let vk = [file_run("unit/d", 0, 0.1, Outcome::Done)];
        let b = updated_baseline(&old, &fk, Some(&vk));
        assert_eq!(
            format_baseline(&b),
            format_baseline(&parse_baseline("unit/a 5 9\nunit/b 4 4\nunit/e 7 -\n").unwrap())
        );
    }

    #[test]
    fn verdicts() {
        assert_eq!(verdict(4, 5), Verdict::Below);
        assert_eq!(verdict(5, 5), Verdict::Equal);
        assert_eq!(verdict(6, 5), Verdict::Above);
    }

    #[test]
    fn options() {
        let o = parse_options(&["--baseline-check".into()]).unwrap();
        assert_eq!(o.servers, vec![Server::Ferrokey]);
        let o = parse_options(&["--server".into(), "valkey".into()]).unwrap();
        assert_eq!(o.servers, vec![Server::Valkey]);
        assert!(parse_options(&["--mode".into(), "x".into()]).is_err());
        assert!(
            parse_options(&["--baseline-check".into(), "--mode".into(), "spawn".into()]).is_err()
        );
        let o = parse_options(&[
            "--files".into(),
            "tests/unit/type/incr.tcl,unit/quit".into(),
        ])
        .unwrap();
        assert_eq!(o.files.unwrap(), vec!["unit/type/incr", "unit/quit"]);
    }
}
