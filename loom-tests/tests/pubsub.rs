//! loom models of pub/sub over the engine's own code (Connection, the subscription registry,
//! mailboxes): a message published while its receiver unsubscribes either arrives before the
//! unsubscribe reply and was counted by PUBLISH, or was not counted and never arrives; a
//! receiver that disconnects mid-publish leaves nothing behind.
#![cfg(loom)]

use engine::{Config, Connection, Server};
use loom::sync::Arc;
use loom::thread;

const NOW: u64 = 1_700_000_000_000_000;
const MESSAGE: &str = "*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n";
const UNSUBSCRIBED: &str = "*3\r\n$11\r\nunsubscribe\r\n$1\r\nc\r\n:0\r\n";

fn server() -> Arc<Server> {
    Arc::new(Server::new(Config {
        databases: 1,
        ..Config::default()
    }))
}

/// Runs `cmds`, then collects everything the connection has to send, pushed messages too.
fn run(c: &mut Connection, cmds: &str) -> String {
    c.receive(cmds.as_bytes(), NOW);
    let waker = std::task::Waker::noop();
    let _ = c.poll_ready(&mut std::task::Context::from_waker(waker), NOW);
    let mut out = Vec::new();
    c.take_output(&mut out);
    String::from_utf8(out).unwrap()
}

fn subscriber(s: &Arc<Server>) -> Connection {
    let mut c = Connection::new(s.clone());
    assert_eq!(
        run(&mut c, "SUBSCRIBE c\r\n"),
        "*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n"
    );
    c
}

#[test]
fn publish_racing_unsubscribe() {
    loom::model(|| {
        let s = server();
        let mut sub = subscriber(&s);
        let s2 = s.clone();
        let publisher =
            thread::spawn(move || run(&mut Connection::new(s2.clone()), "PUBLISH c m\r\n"));
        let got = run(&mut sub, "UNSUBSCRIBE c\r\n");
        let count = publisher.join().unwrap();
        // Whatever arrives after the reply would be a message after unsubscribing.
        let late = run(&mut sub, "");
        assert_eq!(late, "", "a message after the unsubscribe reply");
        match count.as_str() {
            ":1\r\n" => assert_eq!(got, format!("{MESSAGE}{UNSUBSCRIBED}")),
            ":0\r\n" => assert_eq!(got, UNSUBSCRIBED),
            other => panic!("PUBLISH answered {other:?}"),
        }
    });
}

#[test]
fn publish_racing_disconnect() {
    loom::model(|| {
        let s = server();
        let sub = subscriber(&s);
        let s2 = s.clone();
        let publisher =
            thread::spawn(move || run(&mut Connection::new(s2.clone()), "PUBLISH c m\r\n"));
        drop(sub);
        let count = publisher.join().unwrap();
        assert!(count == ":1\r\n" || count == ":0\r\n", "{count:?}");
        let mut c = Connection::new(s.clone());
        assert_eq!(
            run(&mut c, "PUBSUB NUMSUB c\r\n"),
            "*2\r\n$1\r\nc\r\n:0\r\n",
            "a closed subscriber is still registered"
        );
    });
}
