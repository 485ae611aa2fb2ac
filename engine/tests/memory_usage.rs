//! MEMORY USAGE ... SAMPLES 0 is what deleting the key gives back: for a value of every type
//! and encoding, the bytes DEL frees on this thread equal the estimate. (Sampled estimates,
//! the default, are checked for being near it.)
//!
//! This binary installs an allocator that counts, per thread, the bytes freed and allocated
//! while a flag is set, so nothing else running in the process disturbs the count.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Arc;

use engine::{Config, Connection, Server};

struct PerThread;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    /// Bytes freed minus bytes allocated while `COUNTING` was set.
    static NET_FREED: Cell<i64> = const { Cell::new(0) };
}

fn add(bytes: i64) {
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        let _ = NET_FREED.try_with(|n| n.set(n.get() + bytes));
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so the
// `GlobalAlloc` contract holds exactly as it does for `System`; the counting touches only
// `const`-initialised thread-locals without destructors and never the memory handed out.
unsafe impl GlobalAlloc for PerThread {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        add(-(layout.size() as i64));
        // SAFETY: forwarded as is (see the impl's comment).
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        add(-(layout.size() as i64));
        // SAFETY: forwarded as is.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        add(layout.size() as i64);
        // SAFETY: forwarded as is.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        add(layout.size() as i64 - new_size as i64);
        // SAFETY: forwarded as is.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: PerThread = PerThread;

const NOW: u64 = 1_700_000_000_000_000;

fn run(c: &mut Connection, cmd: &[String]) -> String {
    let mut req = Vec::new();
    resp::encode_command(
        &mut req,
        &cmd.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    c.receive(&req, NOW);
    let mut out = Vec::new();
    c.take_output(&mut out);
    String::from_utf8(out).unwrap()
}

fn words(s: &str) -> Vec<String> {
    s.split(' ').map(str::to_owned).collect()
}

fn int(reply: &str) -> i64 {
    reply
        .strip_prefix(':')
        .and_then(|r| r.trim_end().parse().ok())
        .unwrap_or_else(|| panic!("not an integer: {reply:?}"))
}

/// Bytes `DEL key` gives back on this thread (its reply's buffer is warm: `DEL` of a missing
/// key ran just before).
fn freed_by_del(c: &mut Connection, key: &str) -> i64 {
    run(c, &words("DEL missing"));
    let mut req = Vec::new();
    resp::encode_command(&mut req, &["DEL", key]);
    NET_FREED.set(0);
    COUNTING.set(true);
    c.receive(&req, NOW);
    COUNTING.set(false);
    let mut out = Vec::new();
    c.take_output(&mut out);
    assert_eq!(out, b":1\r\n");
    NET_FREED.get()
}

#[test]
fn usage_with_all_samples_is_what_del_frees() {
    let mut c = Connection::new(Arc::new(Server::new(Config::default())));
    let n =
        |count: usize, f: &dyn Fn(usize) -> String| -> Vec<String> { (0..count).map(f).collect() };
    let cases: Vec<(&str, Vec<Vec<String>>)> = vec![
        ("int", vec![words("SET k 12345")]),
        ("inline", vec![words("SET k short")]),
        (
            "plain",
            vec![vec!["SET".into(), "k".into(), "x".repeat(300)]],
        ),
        ("bytes", vec![words("SET k abc"), words("APPEND k def")]),
        (
            "ttl",
            vec![
                vec!["SET".into(), "k".into(), "x".repeat(300)],
                words("EXPIRE k 100"),
            ],
        ),
        (
            "long key",
            vec![vec!["SET".into(), "k".repeat(100), "x".repeat(50)]],
        ),
        ("list listpack", vec![words("RPUSH k a b 1 2 3")]),
        (
            "list quicklist",
            vec![[
                vec!["RPUSH".into(), "k".into()],
                n(3000, &|i| format!("element-{i}")),
            ]
            .concat()],
        ),
        ("hash listpack", vec![words("HSET k f1 v1 f2 v2")]),
        (
            "hash hashtable",
            vec![[
                vec!["HSET".into(), "k".into()],
                n(1200, &|i| {
                    if i % 2 == 0 {
                        format!("field{i}")
                    } else {
                        format!("value{i}")
                    }
                }),
            ]
            .concat()],
        ),
        ("set intset", vec![words("SADD k 1 2 3 100000")]),
        ("set listpack", vec![words("SADD k a b c")]),
        (
            "set hashtable",
            vec![[
                vec!["SADD".into(), "k".into()],
                n(700, &|i| format!("member:{i}")),
            ]
            .concat()],
        ),
        ("zset listpack", vec![words("ZADD k 1 a 2 b")]),
        (
            "zset skiplist",
            vec![[
                vec!["ZADD".into(), "k".into()],
                n(800, &|i| {
                    if i % 2 == 0 {
                        i.to_string()
                    } else {
                        format!("member:{i}")
                    }
                }),
            ]
            .concat()],
        ),
    ];
    for (name, setup) in cases {
        let key = if name == "long key" {
            "k".repeat(100)
        } else {
            "k".to_owned()
        };
        for cmd in &setup {
            let reply = run(&mut c, cmd);
            assert!(!reply.starts_with('-'), "{name}: {reply}");
        }
        let all = int(&run(
            &mut c,
            &[
                "MEMORY".into(),
                "USAGE".into(),
                key.clone(),
                "SAMPLES".into(),
                "0".into(),
            ],
        ));
        let sampled = int(&run(
            &mut c,
            &["MEMORY".into(), "USAGE".into(), key.clone()],
        ));
        let freed = freed_by_del(&mut c, &key);
        assert!(all > 0, "{name}");
        // Exact, less the few bytes DEL itself allocates and keeps (8 when measured).
        assert!(
            (-12..=0).contains(&(freed - all)),
            "{name}: usage {all}, DEL freed {freed}"
        );
        assert!(
            (sampled - all).abs() <= all / 4,
            "{name}: sampled {sampled}, all {all}"
        );
    }
}
