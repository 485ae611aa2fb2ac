//! The command hot path does not allocate (issue 7): once a connection and its key are warm,
//! pipelined GET, SET (same-length value), INCR and LPUSH/RPOP run without a single heap
//! allocation. Every allocation on that path is a malloc (and usually a free) per command,
//! on every core, and it contends in the allocator under load.
//!
//! This binary installs its own global allocator that counts allocations per thread, so the
//! test harness's other threads (and other tests running in parallel) do not disturb a count.
//! Set `FERROKEY_ALLOC_BACKTRACE=<n>` to print where the first `n` counted allocations of each
//! test came from.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Arc;

use engine::{Config, Connection, Server};

/// Counts this thread's allocations and reallocations, forwarding everything to `System`.
struct PerThread;

thread_local! {
    /// Allocations (and reallocations) made by this thread while `COUNTING` was set.
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
    /// Set only around the measured region, so set-up and assertions do not count.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    /// Counted allocations still to print a backtrace for (diagnosis, see the module comment).
    static TRACE: Cell<u32> = const { Cell::new(0) };
}

impl PerThread {
    fn count() {
        // `try_with`: during thread teardown the thread-locals may be gone; such late
        // allocations are not in a measured region. The cells are `const`-initialised and
        // need no destructor, so touching them never allocates (no recursion).
        let counting = COUNTING.try_with(Cell::get).unwrap_or(false);
        if !counting {
            return;
        }
        let _ = ALLOCS.try_with(|n| n.set(n.get() + 1));
        let trace = TRACE.try_with(Cell::get).unwrap_or(0);
        if trace > 0 {
            // Capturing and printing allocate: stop counting while doing it (restored after).
            TRACE.set(trace - 1);
            COUNTING.set(false);
            eprintln!(
                "allocation in the measured region:\n{}",
                std::backtrace::Backtrace::force_capture()
            );
            COUNTING.set(true);
        }
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so the
// `GlobalAlloc` contract holds exactly as it does for `System`; the counting touches only
// `const`-initialised thread-locals without destructors and never the memory handed out.
unsafe impl GlobalAlloc for PerThread {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Self::count();
        // SAFETY: forwarded as is (see the impl's comment).
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Self::count();
        // SAFETY: forwarded as is.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        Self::count();
        // SAFETY: forwarded as is.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: PerThread = PerThread;

const NOW: u64 = 1_700_000_000_000_000;
/// Commands per `receive`: a pipelined batch, as a busy client sends them.
const BATCH: usize = 100;
/// Batches run before counting: the connection's buffers, the stats table and the values
/// reach their steady-state sizes.
const WARMUP: usize = 300;
/// Batches counted.
const MEASURED: usize = 1000;

/// Runs `f` with counting on; returns what it allocated on this thread.
fn allocations(f: impl FnOnce()) -> u64 {
    let before = ALLOCS.get();
    let trace = std::env::var("FERROKEY_ALLOC_BACKTRACE").map_or(0, |n| n.parse().unwrap_or(1));
    TRACE.set(trace);
    COUNTING.set(true);
    f();
    COUNTING.set(false);
    TRACE.set(0);
    ALLOCS.get() - before
}

/// `commands` (words separated by spaces) repeated into one pipelined batch of RESP arrays,
/// as clients send them.
fn batch(commands: &[&str]) -> Vec<u8> {
    assert_eq!(BATCH % commands.len(), 0);
    let mut out = Vec::new();
    for c in commands.iter().cycle().take(BATCH) {
        resp::encode_command(&mut out, &c.split(' ').collect::<Vec<_>>());
    }
    out
}

/// Sets up with `setup`, warms up, then returns the allocations per command over `MEASURED`
/// batches of `commands`, checking that each batch's replies are `reply` repeated (so a
/// command that fails, and maybe allocates an error, cannot pass unnoticed) unless `reply`
/// is `None` (replies that change from batch to batch, like INCR's).
fn per_command(setup: &str, commands: &[&str], reply: Option<&str>) -> f64 {
    let server = Arc::new(Server::new(Config::default()));
    let mut conn = Connection::new(server);
    let mut out = Vec::new();
    conn.receive(setup.as_bytes(), NOW);
    conn.take_output(&mut out);
    assert!(!out.starts_with(b"-"), "{}", String::from_utf8_lossy(&out));
    conn.output_written();
    out.clear();

    let input = batch(commands);
    let expected = reply.map(|r| r.repeat(BATCH / commands.len()));
    let run = |conn: &mut Connection, out: &mut Vec<u8>, check: bool| {
        conn.receive(&input, NOW);
        conn.take_output(out);
        conn.output_written();
        if check {
            // Compared as bytes: a `String` would allocate inside the measured region.
            let ok = match &expected {
                Some(expected) => out.as_slice() == expected.as_bytes(),
                None => !out.contains(&b'-'),
            };
            assert!(ok, "unexpected replies: {}", String::from_utf8_lossy(out));
        }
        out.clear();
    };
    for _ in 0..WARMUP {
        run(&mut conn, &mut out, false);
    }
    let n = allocations(|| {
        for _ in 0..MEASURED {
            run(&mut conn, &mut out, true);
        }
    });
    let per = n as f64 / (MEASURED * BATCH) as f64;
    println!("{commands:?}: {n} allocations in {MEASURED} batches, {per:.3} per command");
    per
}

/// A 32-byte value, the size the benchmarks use.
const VALUE: &str = "abcdefghijklmnopqrstuvwxyz012345";

#[test]
fn get_does_not_allocate() {
    let setup = format!("SET key {VALUE}\r\n");
    let reply = format!("${}\r\n{VALUE}\r\n", VALUE.len());
    assert_eq!(per_command(&setup, &["GET key"], Some(&reply)), 0.0);
}

#[test]
fn set_of_a_same_length_value_does_not_allocate() {
    // Two values alternate, so each SET really replaces the bytes.
    let setup = format!("SET key {VALUE}\r\n");
    let other = VALUE.to_uppercase();
    let commands = [format!("SET key {VALUE}"), format!("SET key {other}")];
    let commands: Vec<&str> = commands.iter().map(String::as_str).collect();
    assert_eq!(per_command(&setup, &commands, Some("+OK\r\n+OK\r\n")), 0.0);
}

#[test]
fn incr_does_not_allocate() {
    assert_eq!(
        per_command("SET counter 1000\r\n", &["INCR counter"], None),
        0.0
    );
}

#[test]
fn lpush_does_not_allocate() {
    // LPUSH paired with RPOP: the list keeps its length, so the steady state is truly steady
    // (a list that only grows must reallocate now and then, however it is stored).
    let setup = "RPUSH list a b c d e f g h\r\n";
    let reply = format!(":9\r\n${}\r\n{VALUE}\r\n", VALUE.len());
    let push = format!("LPUSH list {VALUE}");
    // After the warm-up RPOP returns pushed values only (the set-up's are long gone).
    assert_eq!(per_command(setup, &[&push, "RPOP list"], Some(&reply)), 0.0);
}

#[test]
fn lpush_on_a_growing_list_allocates_per_node_only() {
    // A list that only grows must get memory somewhere: each new 8 KiB quicklist node (about
    // 240 of these elements) costs its buffer's doublings, about 9 allocations, 0.038 per
    // push as measured. One allocation per element would be 1.0 or more.
    let push = format!("LPUSH list {VALUE}");
    let per = per_command("RPUSH list a\r\n", &[&push], None);
    assert!(per < 0.05, "{per} allocations per LPUSH");
}
