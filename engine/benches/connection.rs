//! In-process cost of commands through `Connection` (parse, lock, execute, encode): ns per GET
//! and per SET on one thread, and on two threads with distinct keys. `cargo bench -p engine`.

use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use engine::{Config, Connection, Server};

/// Commands per `receive` call: a pipelined batch, as a busy client sends them.
const BATCH: usize = 100;
const NOW: u64 = 1_700_000_000_000_000;

fn batch(cmd: &str, prefix: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..BATCH {
        let key = format!("{prefix}:{i:04}");
        match cmd {
            "SET" => out.extend_from_slice(
                format!("*3\r\n$3\r\nSET\r\n${}\r\n{key}\r\n$32\r\nabcdefghijklmnopqrstuvwxyz012345\r\n", key.len()).as_bytes(),
            ),
            _ => out.extend_from_slice(format!("*2\r\n$3\r\nGET\r\n${}\r\n{key}\r\n", key.len()).as_bytes()),
        }
    }
    out
}

/// Runs `iters` batches on one connection; returns the time taken.
fn drive(conn: &mut Connection, input: &[u8], iters: u64) -> Duration {
    let mut out = Vec::with_capacity(64 * 1024);
    let start = Instant::now();
    for _ in 0..iters {
        conn.receive(input, NOW);
        conn.take_output(&mut out);
        black_box(out.len());
        out.clear();
    }
    start.elapsed()
}

fn commands(c: &mut Criterion) {
    let mut g = c.benchmark_group("connection");
    g.throughput(Throughput::Elements(BATCH as u64));
    for cmd in ["SET", "GET"] {
        g.bench_function(format!("{cmd} 1 thread"), |b| {
            let server = Arc::new(Server::new(Config::default()));
            let mut conn = Connection::new(server.clone());
            conn.receive(&batch("SET", "t0"), NOW);
            conn.take_output(&mut Vec::new());
            let input = batch(cmd, "t0");
            b.iter_custom(|iters| drive(&mut conn, &input, iters));
        });
        g.bench_function(
            format!("{cmd} 2 threads, distinct keys (per-thread time)"),
            |b| {
                let server = Arc::new(Server::new(Config::default()));
                b.iter_custom(|iters| {
                    let barrier = Arc::new(Barrier::new(2));
                    let threads: Vec<_> = (0..2)
                        .map(|t| {
                            let server = server.clone();
                            let barrier = barrier.clone();
                            std::thread::spawn(move || {
                                let mut conn = Connection::new(server);
                                let prefix = format!("t{t}");
                                conn.receive(&batch("SET", &prefix), NOW);
                                conn.take_output(&mut Vec::new());
                                let input = batch(cmd, &prefix);
                                barrier.wait();
                                drive(&mut conn, &input, iters)
                            })
                        })
                        .collect();
                    // Wall time for both threads' batches: each thread did `iters` batches.
                    threads
                        .into_iter()
                        .map(|t| t.join().unwrap())
                        .max()
                        .unwrap()
                });
            },
        );
    }
    g.finish();
}

criterion_group!(benches, commands);
criterion_main!(benches);
