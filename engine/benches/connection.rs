//! In-process cost of commands through `Connection` (parse, lock, execute, encode; no
//! sockets), in pipelined batches of 100: GET SET INCR LPUSH ZADD HSET on one thread, on N
//! threads (N = available parallelism, at least 2) each with its own keys, and on N threads
//! sharing one hot key. `cargo bench -p engine --bench connection` (`-- --quick` for a short
//! run).
//!
//! Every figure is the time per command on one thread (batch time / 100); with N threads,
//! N such commands complete in that time. Commands that change data really change it: the
//! value, score or field written differs from the previous command on that key.

use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use engine::{Config, Connection, Server};

/// Commands per `receive` call: a pipelined batch, as a busy client sends them.
const BATCH: usize = 100;
/// Keys each thread works on when it has its own.
const KEYS: usize = 100;
const NOW: u64 = 1_700_000_000_000_000;
const VALUES: [&str; 2] = [
    "abcdefghijklmnopqrstuvwxyz012345",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345",
];

/// One benchmarked command: `setup` (if any) prepares a key; `run` gives the `seq`-th
/// command on a key (seq counts that key's commands, so writes can vary what they write).
struct Command {
    name: &'static str,
    setup: Option<fn(&str) -> Vec<String>>,
    run: fn(&str, usize) -> Vec<String>,
}

fn argv(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| (*a).to_owned()).collect()
}

const COMMANDS: &[Command] = &[
    Command {
        name: "GET",
        setup: Some(|key| argv(&["SET", key, VALUES[0]])),
        run: |key, _| argv(&["GET", key]),
    },
    Command {
        name: "SET",
        setup: None,
        run: |key, seq| argv(&["SET", key, VALUES[seq % 2]]),
    },
    Command {
        name: "INCR",
        setup: None,
        run: |key, _| argv(&["INCR", key]),
    },
    Command {
        name: "LPUSH",
        setup: None,
        // Every 100th command on a key trims it back to 100 elements, so the list does not
        // grow for as long as the benchmark runs (1% of the commands are LTRIM).
        run: |key, seq| {
            if seq % 100 == 99 {
                argv(&["LTRIM", key, "0", "99"])
            } else {
                argv(&["LPUSH", key, VALUES[0]])
            }
        },
    },
    Command {
        name: "ZADD",
        setup: None,
        // Ten members whose scores keep changing.
        run: |key, seq| argv(&["ZADD", key, &seq.to_string(), &format!("m{}", seq % 10)]),
    },
    Command {
        name: "HSET",
        setup: None,
        run: |key, seq| argv(&["HSET", key, &format!("f{}", seq % 10), VALUES[seq / 10 % 2]]),
    },
];

/// The pipelined batches one thread sends, in turn, for `cmd` on `keys`: as many as make the
/// sequence periodic (every key gets 100 commands per cycle, see LPUSH's trim).
fn batches(cmd: &Command, keys: &[String]) -> Vec<Vec<u8>> {
    (0..keys.len())
        .map(|b| {
            let mut out = Vec::new();
            for n in b * BATCH..(b + 1) * BATCH {
                let args = (cmd.run)(&keys[n % keys.len()], n / keys.len());
                resp::encode_command(&mut out, &args);
            }
            out
        })
        .collect()
}

/// A connection ready to run `cmd` on `keys`: keys set up and every batch run once, so the
/// keys exist and the buffers have their steady-state sizes.
fn warm(server: &Arc<Server>, cmd: &Command, keys: &[String]) -> (Connection, Vec<Vec<u8>>) {
    let mut conn = Connection::new(server.clone());
    let mut input = Vec::new();
    if let Some(setup) = cmd.setup {
        for key in keys {
            resp::encode_command(&mut input, &setup(key));
        }
    }
    let batches = batches(cmd, keys);
    for b in &batches {
        input.extend_from_slice(b);
    }
    conn.receive(&input, NOW);
    let mut out = Vec::new();
    conn.take_output(&mut out);
    assert!(!out.starts_with(b"-"), "{}", String::from_utf8_lossy(&out));
    conn.output_written();
    (conn, batches)
}

/// Sends `iters` batches on `conn` (cycling through `batches`); returns the time per command.
fn drive(conn: &mut Connection, batches: &[Vec<u8>], iters: u64) -> Duration {
    let mut out = Vec::with_capacity(64 * 1024);
    let start = Instant::now();
    for batch in batches.iter().cycle().take(iters as usize) {
        conn.receive(batch, NOW);
        conn.take_output(&mut out);
        conn.output_written();
        black_box(out.len());
        out.clear();
    }
    start.elapsed() / BATCH as u32
}

/// Runs `cmd` on `threads` threads at once, thread `t` on `keys(t)`; the slowest thread's
/// time per command.
fn parallel(
    server: &Arc<Server>,
    cmd: &'static Command,
    threads: usize,
    keys: fn(usize) -> Vec<String>,
    iters: u64,
) -> Duration {
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (server, barrier) = (server.clone(), barrier.clone());
            std::thread::spawn(move || {
                let (mut conn, batches) = warm(&server, cmd, &keys(t));
                barrier.wait();
                drive(&mut conn, &batches, iters)
            })
        })
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .max()
        .unwrap()
}

fn own_keys(thread: usize) -> Vec<String> {
    (0..KEYS).map(|i| format!("t{thread}:{i:04}")).collect()
}

fn hot_key(_: usize) -> Vec<String> {
    vec!["hot".to_owned()]
}

fn commands(c: &mut Criterion) {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().max(2));
    let mut g = c.benchmark_group("connection (time per command)");
    // Short runs: 18 benchmarks must fit in well under a minute with `--quick`.
    g.warm_up_time(Duration::from_millis(300));
    g.measurement_time(Duration::from_secs(1));
    g.sample_size(20);
    for cmd in COMMANDS {
        g.bench_function(format!("{} 1 thread", cmd.name), |b| {
            let server = Arc::new(Server::new(Config::default()));
            let (mut conn, batches) = warm(&server, cmd, &own_keys(0));
            b.iter_custom(|iters| drive(&mut conn, &batches, iters));
        });
        g.bench_function(format!("{} {threads} threads, own keys", cmd.name), |b| {
            let server = Arc::new(Server::new(Config::default()));
            b.iter_custom(|iters| parallel(&server, cmd, threads, own_keys, iters));
        });
        g.bench_function(
            format!("{} {threads} threads, one hot key", cmd.name),
            |b| {
                let server = Arc::new(Server::new(Config::default()));
                b.iter_custom(|iters| parallel(&server, cmd, threads, hot_key, iters));
            },
        );
    }
    g.finish();
}

criterion_group!(benches, commands);
criterion_main!(benches);
