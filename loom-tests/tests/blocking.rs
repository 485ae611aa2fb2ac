//! loom models of blocked pops over the engine's own code (Connection, shard locks, waiter
//! queues, wakers): whatever the interleaving, an element is delivered to exactly one
//! waiter or stays in the list, and a waiting task is never left asleep.
#![cfg(loom)]

use std::future::poll_fn;

use engine::{Config, Connection, Server};
use loom::sync::Arc;
use loom::thread;

const NOW: u64 = 1_700_000_000_000_000;
const SERVED: &str = "*2\r\n$1\r\nq\r\n$1\r\nx\r\n";

fn server() -> Arc<Server> {
    Arc::new(Server::new(Config {
        databases: 1,
        ..Config::default()
    }))
}

fn take(c: &mut Connection) -> String {
    let mut out = Vec::new();
    c.take_output(&mut out);
    String::from_utf8(out).unwrap()
}

fn run(server: &Arc<Server>, cmds: &str) -> String {
    let mut c = Connection::new(server.clone());
    c.receive(cmds.as_bytes(), NOW);
    take(&mut c)
}

fn blocked(server: &Arc<Server>, cmd: &str) -> Connection {
    let mut c = Connection::new(server.clone());
    c.receive(cmd.as_bytes(), NOW);
    assert_eq!(take(&mut c), "", "{cmd} blocks on an empty list");
    c
}

fn pusher(server: &Arc<Server>) -> thread::JoinHandle<String> {
    let s = server.clone();
    thread::spawn(move || run(&s, "RPUSH q x\r\n"))
}

#[test]
fn push_racing_the_waiters_timeout() {
    loom::model(|| {
        let s = server();
        let mut a = blocked(&s, "BLPOP q 1\r\n");
        let push = pusher(&s);
        a.handle_timeout(NOW + 1_000_000);
        push.join().unwrap();
        // A reply delivered after the timeout check wakes the connection; collect it.
        a.handle_timeout(NOW + 1_000_000);
        let got = take(&mut a);
        let left = run(&s, "LLEN q\r\n");
        assert!(
            (got == SERVED && left == ":0\r\n") || (got == "*-1\r\n" && left == ":1\r\n"),
            "{got:?} {left:?}"
        );
    });
}

#[test]
fn two_waiters_and_one_element() {
    loom::model(|| {
        let s = server();
        let mut a = blocked(&s, "BLPOP q 1\r\n");
        let mut b = blocked(&s, "BLPOP q 0\r\n");
        let push = pusher(&s);
        a.handle_timeout(NOW + 1_000_000);
        push.join().unwrap();
        a.handle_timeout(NOW + 1_000_000);
        b.handle_timeout(NOW + 1_000_000);
        let (got_a, got_b) = (take(&mut a), take(&mut b));
        let left = run(&s, "LLEN q\r\n");
        // The first waiter gets it unless it timed out first; never both, never lost.
        match (got_a.as_str(), got_b.as_str()) {
            (SERVED, "") => assert_eq!(left, ":0\r\n"),
            ("*-1\r\n", SERVED) => assert_eq!(left, ":0\r\n"),
            other => panic!("{other:?} {left:?}"),
        }
    });
}

#[test]
fn push_racing_a_disconnect_loses_nothing() {
    loom::model(|| {
        let s = server();
        let a = blocked(&s, "BLPOP q 0\r\n");
        let push = pusher(&s);
        drop(a);
        push.join().unwrap();
        // Never taken, or taken and given back: the element is still there.
        assert_eq!(run(&s, "LRANGE q 0 -1\r\n"), "*1\r\n$1\r\nx\r\n");
    });
}

#[test]
fn a_parked_waiter_is_always_woken() {
    loom::model(|| {
        let s = server();
        let mut a = blocked(&s, "BLPOP q 0\r\n");
        let push = pusher(&s);
        // Parks this thread until the engine wakes the waker: a lost wake-up deadlocks.
        loom::future::block_on(poll_fn(|cx| a.poll_ready(cx, NOW)));
        assert_eq!(take(&mut a), SERVED);
        push.join().unwrap();
    });
}
