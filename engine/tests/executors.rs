//! The engine's waiting is plain `std::task::Waker` machinery: the same blocked-pop scenario
//! runs under three executors — tokio, monoio and async-std (a dev-dependency only; it is
//! deprecated upstream and not a shipped runtime). A client blocks in BLPOP, a pusher on
//! another OS thread pushes, and the blocked client's task, parked in
//! `Connection::poll_ready`, must be woken by the engine and find its reply.

use std::future::poll_fn;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use engine::{Config, Connection, Server};

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

fn take(c: &mut Connection) -> Vec<u8> {
    let mut out = Vec::new();
    c.take_output(&mut out);
    out
}

/// Blocks a client, pushes from another thread after a pause, and waits (in whatever
/// executor polls the returned future) until the engine wakes the blocked task.
async fn blocked_pop_is_woken_by_a_push() {
    let server = Arc::new(Server::new(Config::default()));
    let mut waiter = Connection::new(server.clone());
    waiter.receive(b"BLPOP queue 0\r\nPING\r\n", now_us());
    assert!(
        take(&mut waiter).is_empty(),
        "BLPOP on an empty list blocks"
    );
    let pusher = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        let mut p = Connection::new(server);
        p.receive(b"RPUSH queue job1 job2\r\n", now_us());
        take(&mut p)
    });
    poll_fn(|cx| waiter.poll_ready(cx, now_us())).await;
    assert_eq!(pusher.join().unwrap(), b":2\r\n");
    // The served element, then the PING that waited behind the blocked command.
    assert_eq!(
        take(&mut waiter),
        b"*2\r\n$5\r\nqueue\r\n$4\r\njob1\r\n+PONG\r\n"
    );
}

#[test]
fn tokio_executor() {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(blocked_pop_is_woken_by_a_push());
}

#[test]
fn monoio_executor() {
    monoio::RuntimeBuilder::<monoio::LegacyDriver>::new()
        .build()
        .unwrap()
        .block_on(blocked_pop_is_woken_by_a_push());
}

#[test]
fn async_std_executor() {
    async_std::task::block_on(blocked_pop_is_woken_by_a_push());
}
