//! loom models of MULTI/EXEC over the engine's own code (Connection, the lock manager's
//! held shards, WATCH marks): a transaction is all-or-nothing to every other client, a
//! watched key written between WATCH and EXEC fails the EXEC (and only then), and two
//! transactions over the same shards in opposite key order neither deadlock nor interleave.
#![cfg(loom)]

use engine::keyspace::Db;
use engine::{Config, Connection, Server};
use loom::sync::Arc;
use loom::thread;

const NOW: u64 = 1_700_000_000_000_000;

fn server() -> Arc<Server> {
    Arc::new(Server::new(Config {
        databases: 1,
        ..Config::default()
    }))
}

fn run(c: &mut Connection, cmds: &str) -> String {
    c.receive(cmds.as_bytes(), NOW);
    let mut out = Vec::new();
    c.take_output(&mut out);
    String::from_utf8(out).unwrap()
}

fn run_new(server: &Arc<Server>, cmds: &str) -> String {
    run(&mut Connection::new(server.clone()), cmds)
}

#[test]
fn exec_fails_iff_a_write_lands_between_watch_and_exec() {
    loom::model(|| {
        let s = server();
        let s2 = s.clone();
        let writer = thread::spawn(move || run_new(&s2, "INCR k\r\n"));
        let mut c = Connection::new(s.clone());
        // The GET after WATCH shows whether the write had landed by then.
        let exec = run(&mut c, "WATCH k\r\nGET k\r\nMULTI\r\nSET k 10\r\nEXEC\r\n");
        let incr = writer.join().unwrap();
        let (get, exec) = exec
            .strip_prefix("+OK\r\n")
            .and_then(|r| r.split_once("+OK\r\n+QUEUED\r\n"))
            .unwrap();
        let value = run_new(&s, "GET k\r\n");
        match (incr.as_str(), get, exec, value.as_str()) {
            // The write came before WATCH: EXEC runs, its SET wins.
            (":1\r\n", "$1\r\n1\r\n", "*1\r\n+OK\r\n", "$2\r\n10\r\n") => {}
            // Between WATCH and EXEC: EXEC fails, the write stands.
            (":1\r\n", _, "*-1\r\n", "$1\r\n1\r\n") => {}
            // After EXEC: it saw the transaction's whole result.
            (":11\r\n", "$-1\r\n", "*1\r\n+OK\r\n", "$2\r\n11\r\n") => {}
            other => panic!("not serialisable: {other:?}"),
        }
    });
}

#[test]
fn two_execs_over_the_same_shards_serialise() {
    // Keys in different shards, taken in opposite orders by the two transactions.
    let (a, b) = ("a", "b");
    assert_ne!(Db::shard_of(a.as_bytes()), Db::shard_of(b.as_bytes()));
    loom::model(move || {
        let s = server();
        let s2 = s.clone();
        let other = thread::spawn(move || {
            run_new(&s2, &format!("MULTI\r\nINCR {b}\r\nINCR {a}\r\nEXEC\r\n"))
        });
        let mine = run_new(&s, &format!("MULTI\r\nINCR {a}\r\nINCR {b}\r\nEXEC\r\n"));
        let theirs = other.join().unwrap();
        let queued = "+OK\r\n+QUEUED\r\n+QUEUED\r\n";
        let first = format!("{queued}*2\r\n:1\r\n:1\r\n");
        let second = format!("{queued}*2\r\n:2\r\n:2\r\n");
        assert!(
            (mine == first && theirs == second) || (mine == second && theirs == first),
            "interleaved: {mine:?} {theirs:?}"
        );
    });
}

#[test]
fn a_reader_sees_all_of_a_transaction_or_none() {
    let (a, b) = ("a", "b");
    loom::model(move || {
        let s = server();
        let s2 = s.clone();
        let reader = thread::spawn(move || run_new(&s2, &format!("MGET {a} {b}\r\n")));
        run_new(&s, &format!("MULTI\r\nSET {a} 1\r\nSET {b} 1\r\nEXEC\r\n"));
        let seen = reader.join().unwrap();
        assert!(
            seen == "*2\r\n$-1\r\n$-1\r\n" || seen == "*2\r\n$1\r\n1\r\n$1\r\n1\r\n",
            "half a transaction: {seen:?}"
        );
    });
}
