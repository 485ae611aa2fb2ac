//! Keyspace events of blocked clients served by a push (BLPOP & co., BZPOPMIN & co.): the
//! pusher's events, then the served pop's, as Valkey 9.1.2 published them to a
//! `PSUBSCRIBE __key*__:*` client for the same scenarios (valkey-server, redis-py).

use std::sync::Arc;

use crate::{Connection, Server};

const T0: u64 = 1_700_000_000_000_000;

fn talk(c: &mut Connection, input: &str) -> String {
    c.receive(input.as_bytes(), T0);
    let mut out = Vec::new();
    c.take_output(&mut out);
    c.output_written();
    String::from_utf8(out).unwrap()
}

/// The pub/sub messages waiting for `c`.
fn mail(c: &mut Connection) -> String {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let _ = c.poll_ready(&mut cx, T0);
    talk(c, "")
}

/// The keyspace and keyevent messages of `event` on `key` in db 0.
fn events(list: &[(&str, &str)]) -> String {
    let pm = |channel: &str, message: &str| {
        format!(
            "*4\r\n$8\r\npmessage\r\n$10\r\n__key*__:*\r\n${}\r\n{channel}\r\n${}\r\n{message}\r\n",
            channel.len(),
            message.len()
        )
    };
    list.iter()
        .map(|(event, key)| {
            pm(&format!("__keyspace@0__:{key}"), event)
                + &pm(&format!("__keyevent@0__:{event}"), key)
        })
        .collect()
}

/// Runs `block` on one client and `push` on another, with a third subscribed under `flags`;
/// returns the subscriber's messages and the blocked client's reply.
fn served(flags: &str, setup: &str, block: &str, push: &str) -> (String, String) {
    let server = Arc::new(Server::new(crate::Config::default()));
    let (mut sub, mut blocked) = (
        Connection::new(server.clone()),
        Connection::new(server.clone()),
    );
    let mut writer = Connection::new(server);
    talk(
        &mut writer,
        &format!("CONFIG SET notify-keyspace-events {flags}\r\n{setup}"),
    );
    assert!(talk(&mut sub, "PSUBSCRIBE __key*__:*\r\n").starts_with("*3\r\n"));
    talk(&mut blocked, block);
    talk(&mut writer, push);
    blocked.handle_timeout(T0);
    let reply = talk(&mut blocked, "");
    (mail(&mut sub), reply)
}

#[test]
fn served_list_pops_publish_after_the_push() {
    let (got, reply) = served("KEAn", "", "BLPOP k 0\r\n", "RPUSH k x\r\n");
    assert_eq!(reply, "*2\r\n$1\r\nk\r\n$1\r\nx\r\n");
    let want = [("new", "k"), ("rpush", "k"), ("lpop", "k"), ("del", "k")];
    assert_eq!(got, events(&want));

    let (got, _) = served("KEA", "", "BRPOP k 0\r\n", "RPUSH k x y\r\n");
    assert_eq!(got, events(&[("rpush", "k"), ("rpop", "k")]));

    let block = "BLMPOP 0 1 k LEFT COUNT 5\r\n";
    let (got, _) = served("KEA", "", block, "RPUSH k x y\r\n");
    assert_eq!(got, events(&[("rpush", "k"), ("lpop", "k"), ("del", "k")]));

    // LMOVE feeding the waiter: the move's events, then the served pop's.
    let push = "LMOVE src k LEFT RIGHT\r\n";
    let (got, _) = served("KEA", "RPUSH src v\r\n", "BLPOP k 0\r\n", push);
    let want = [
        ("rpush", "k"),
        ("lpop", "src"),
        ("del", "src"),
        ("lpop", "k"),
        ("del", "k"),
    ];
    assert_eq!(got, events(&want));

    // BLMOVE runs its move itself once served.
    let block = "BLMOVE k d LEFT LEFT 0\r\n";
    let (got, reply) = served("KEA", "", block, "RPUSH k x\r\n");
    assert_eq!(reply, "$1\r\nx\r\n");
    let want = [("rpush", "k"), ("lpush", "d"), ("lpop", "k"), ("del", "k")];
    assert_eq!(got, events(&want));
}

#[test]
fn served_zset_pops_publish_after_the_add() {
    let (got, reply) = served("KEA", "", "BZPOPMIN z 0\r\n", "ZADD z 1 a\r\n");
    assert_eq!(reply, "*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n");
    assert_eq!(
        got,
        events(&[("zadd", "z"), ("zpopmin", "z"), ("del", "z")])
    );

    let block = "BZMPOP 0 1 z MAX COUNT 1\r\n";
    let (got, _) = served("KEA", "", block, "ZADD z 1 a 2 b\r\n");
    assert_eq!(got, events(&[("zadd", "z"), ("zpopmax", "z")]));

    // Nothing served, nothing but the write's own events.
    let (got, _) = served("KEA", "", "BZPOPMIN z 0\r\n", "ZUNIONSTORE z 1 nokey\r\n");
    assert_eq!(got, "");
}

#[test]
fn a_transaction_feeding_a_waiter_publishes_its_pop_after_all_its_commands() {
    let (got, reply) = served(
        "KEA",
        "",
        "BLPOP k 0\r\n",
        "MULTI\r\nRPUSH k x\r\nSET j 1\r\nEXEC\r\n",
    );
    assert_eq!(reply, "*2\r\n$1\r\nk\r\n$1\r\nx\r\n");
    let want = [("rpush", "k"), ("set", "j"), ("lpop", "k"), ("del", "k")];
    assert_eq!(got, events(&want));
}
