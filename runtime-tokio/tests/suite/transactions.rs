//! Transactions under real concurrency: many clients moving amounts between shared keys with
//! WATCH/MULTI/EXEC and retries, while another client keeps reading all the keys at once.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use super::{client, start};

const KEYS: usize = 100;
const START: i64 = 1_000;

fn key(i: usize) -> String {
    format!("acct:{i}")
}

/// 16 clients commit 20,000 transfers between 100 keys (WATCH both, read the source, then
/// DECRBY/INCRBY in MULTI/EXEC, retried when EXEC answers null). The sum never changes, no
/// balance goes below zero (the WATCH on the read balance is what guarantees that), and a
/// reader that MGETs every key throughout never sees a transfer half done.
#[test]
fn sixteen_clients_transfer_with_watch_retries() {
    const CLIENTS: usize = 16;
    const TRANSFERS: usize = 20_000;
    let s = start(&[]);
    let mut c = client(&s);
    let mut init = redis::cmd("MSET");
    for i in 0..KEYS {
        init.arg(key(i)).arg(START);
    }
    let () = init.query(&mut c).unwrap();
    let all: Vec<String> = (0..KEYS).map(key).collect();
    let total = START * KEYS as i64;

    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let (done, all, mut c) = (done.clone(), all.clone(), client(&s));
        std::thread::spawn(move || {
            let mut reads = 0u64;
            while !done.load(Ordering::Relaxed) {
                let values: Vec<i64> = redis::cmd("MGET").arg(&all).query(&mut c).unwrap();
                assert_eq!(
                    values.iter().sum::<i64>(),
                    total,
                    "a transfer seen half done"
                );
                reads += 1;
            }
            reads
        })
    };
    let retries = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..CLIENTS)
        .map(|t| {
            let (retries, mut c) = (retries.clone(), client(&s));
            std::thread::spawn(move || {
                let mut rng = 0x9E37_79B9_u64 ^ (t as u64 + 1).wrapping_mul(0xA24B_AED4_963E_E407);
                let mut next = move || {
                    rng ^= rng << 13;
                    rng ^= rng >> 7;
                    rng ^= rng << 17;
                    rng
                };
                for _ in 0..TRANSFERS / CLIENTS {
                    let from = key(next() as usize % KEYS);
                    let to = key((next() as usize % (KEYS - 1)
                        + 1
                        + from[5..].parse::<usize>().unwrap())
                        % KEYS);
                    let want = (next() % 10 + 1) as i64;
                    loop {
                        let () = redis::cmd("WATCH")
                            .arg(&from)
                            .arg(&to)
                            .query(&mut c)
                            .unwrap();
                        let balance: i64 = redis::cmd("GET").arg(&from).query(&mut c).unwrap();
                        let amount = want.min(balance);
                        let result: Option<(i64, i64)> = redis::pipe()
                            .atomic()
                            .cmd("DECRBY")
                            .arg(&from)
                            .arg(amount)
                            .cmd("INCRBY")
                            .arg(&to)
                            .arg(amount)
                            .query(&mut c)
                            .unwrap();
                        match result {
                            Some((left, _)) => {
                                assert!(
                                    left >= 0,
                                    "{from} went to {left}: EXEC ran on a stale read"
                                );
                                break;
                            }
                            None => {
                                retries.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    done.store(true, Ordering::Relaxed);
    let reads = reader.join().unwrap();
    let values: Vec<i64> = redis::cmd("MGET").arg(&all).query(&mut c).unwrap();
    assert_eq!(values.iter().sum::<i64>(), total);
    assert!(values.iter().all(|v| *v >= 0), "{values:?}");
    eprintln!(
        "{TRANSFERS} transfers by {CLIENTS} clients: {} EXEC retries, {reads} consistent MGETs",
        retries.load(Ordering::Relaxed)
    );
}
