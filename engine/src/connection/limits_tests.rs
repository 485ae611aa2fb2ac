//! Login, limits and shutdown as the runtime sees them through the connection. Error texts
//! were checked against Valkey 9.1.2 over a raw socket (`--requirepass pw`).

use super::*;
use crate::config::OutputLimit;

const T0: u64 = 1_700_000_000_000_000;

fn server(config: crate::Config) -> Arc<Server> {
    Arc::new(Server::new(config))
}

use crate::testing::talk;

fn with_password() -> Arc<Server> {
    server(crate::Config {
        requirepass: "pw".into(),
        ..crate::Config::default()
    })
}

#[test]
fn requirepass_gates_every_command_until_auth() {
    let mut c = Connection::new(with_password());
    let noauth = "-NOAUTH Authentication required.\r\n";
    let wrongpass = "-WRONGPASS invalid username-password pair or user is disabled.\r\n";
    // Valkey answers NOAUTH before the unknown-command and arity checks.
    for input in ["GET k\r\n", "PING\r\n", "NOSUCH\r\n", "GET\r\n"] {
        assert_eq!(talk(&mut c, input, T0), noauth, "{input:?}");
    }
    assert_eq!(talk(&mut c, "AUTH x\r\n", T0), wrongpass);
    assert_eq!(talk(&mut c, "AUTH default x\r\n", T0), wrongpass);
    assert_eq!(
        talk(&mut c, "HELLO 3\r\n", T0),
        "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n"
    );
    assert_eq!(
        talk(&mut c, "HELLO 3 SETNAME a\x01 AUTH default pw\r\n", T0),
        "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"
    );
    assert_eq!(talk(&mut c, "AUTH a b c\r\n", T0), "-ERR syntax error\r\n");
    assert_eq!(talk(&mut c, "AUTH pw\r\nGET k\r\n", T0), "+OK\r\n$-1\r\n");
    // RESET logs the client out again.
    assert_eq!(
        talk(&mut c, "RESET\r\nGET k\r\n", T0),
        format!("+RESET\r\n{noauth}")
    );
    assert_eq!(
        talk(&mut c, "AUTH default pw\r\nPING\r\n", T0),
        "+OK\r\n+PONG\r\n"
    );
    let mut h = Connection::new(with_password());
    let reply = talk(&mut h, "HELLO 3 AUTH default pw SETNAME x\r\nPING\r\n", T0);
    assert!(
        reply.starts_with("%7\r\n") && reply.ends_with("+PONG\r\n"),
        "{reply}"
    );
}

#[test]
fn unauthenticated_clients_get_the_tighter_protocol_limits() {
    let mut c = Connection::new(with_password());
    let many = format!("*11\r\n{}", "$1\r\na\r\n".repeat(11));
    assert_eq!(
        talk(&mut c, &many, T0),
        "-ERR Protocol error: unauthenticated multibulk length\r\n"
    );
    assert!(c.should_close());
    let mut c = Connection::new(with_password());
    assert_eq!(
        talk(&mut c, "*1\r\n$20000\r\n", T0),
        "-ERR Protocol error: unauthenticated bulk length\r\n"
    );
    // Once logged in, the normal limits apply.
    let mut c = Connection::new(with_password());
    let reply = talk(&mut c, &format!("AUTH pw\r\n{many}"), T0);
    assert_eq!(reply, "+OK\r\n-ERR unknown command 'a', with args beginning with: 'a' 'a' 'a' 'a' 'a' 'a' 'a' 'a' 'a' 'a' \r\n");
}

#[test]
fn a_password_set_later_leaves_connected_clients_logged_in() {
    let s = server(crate::Config::default());
    let mut old = Connection::new(s.clone());
    assert_eq!(
        talk(&mut old, "CONFIG SET requirepass pw\r\nPING\r\n", T0),
        "+OK\r\n+PONG\r\n"
    );
    let mut new = Connection::new(s);
    assert_eq!(
        talk(&mut new, "PING\r\n", T0),
        "-NOAUTH Authentication required.\r\n"
    );
}

fn limited(hard: u64, soft: u64, soft_seconds: u64) -> Arc<Server> {
    let mut config = crate::Config::default();
    config.output_limits[0] = OutputLimit {
        hard,
        soft,
        soft_seconds,
    };
    server(config)
}

#[test]
fn output_over_the_hard_limit_closes_the_client() {
    let s = limited(10_000, 0, 0);
    let mut c = Connection::new(s.clone());
    talk(&mut c, "SET k 0123456789\r\n", T0);
    // The runtime took replies it could not send yet; more pile up behind them.
    // The first 16 KiB are not counted (Valkey's fixed reply buffer).
    let mut in_flight = Vec::new();
    c.receive("GET k\r\n".repeat(1500).as_bytes(), T0);
    c.take_output(&mut in_flight);
    assert!(!c.should_close(), "16 + 9 KiB pending is under the limit");
    c.receive("GET k\r\n".repeat(300).as_bytes(), T0);
    assert!(
        c.should_close() && c.abandoned(),
        "16 + 14 KiB pending is over the limit"
    );
    assert!(
        c.output().is_empty(),
        "a client over its limit is sent nothing more"
    );
    // Other clients are untouched.
    let mut other = Connection::new(s);
    assert_eq!(talk(&mut other, "GET k\r\n", T0), "$10\r\n0123456789\r\n");
}

// Checked against Valkey 9.1.2 under `normal 10 0 0`: INFO (6 KiB) and a 1000-byte GET are
// answered; a 21 KiB MGET reply closes the client.
#[test]
fn a_reply_that_fits_the_fixed_buffer_never_closes_the_client() {
    let mut c = Connection::new(limited(10, 0, 0));
    talk(&mut c, &format!("SET k {}\r\n", "a".repeat(1000)), T0);
    assert!(talk(&mut c, "INFO\r\n", T0).contains("# Keyspace"));
    assert!(talk(&mut c, "GET k\r\n", T0).starts_with("$1000\r\n"));
    assert!(!c.should_close());
    c.receive(format!("MGET{}\r\n", " k".repeat(21)).as_bytes(), T0);
    assert!(c.should_close());
}

#[test]
fn output_over_the_soft_limit_for_its_period_closes_the_client() {
    let mut c = Connection::new(limited(0, 1_000, 2));
    let mut in_flight = Vec::new();
    c.receive("SET k 0123456789\r\n".as_bytes(), T0);
    c.receive("GET k\r\n".repeat(1100).as_bytes(), T0);
    c.take_output(&mut in_flight);
    assert!(!c.should_close());
    c.receive(b"PING\r\n", T0 + 1_000_000);
    assert!(!c.should_close(), "over the soft limit for 1 s of 2");
    c.receive(b"PING\r\n", T0 + 2_000_000);
    assert!(
        c.should_close() && c.abandoned(),
        "over the soft limit for 2 s"
    );
    // Written output resets the clock.
    let mut c = Connection::new(limited(0, 1_000, 2));
    c.receive("SET k 0123456789\r\n".as_bytes(), T0);
    c.receive("GET k\r\n".repeat(1100).as_bytes(), T0);
    c.take_output(&mut in_flight);
    c.output_written();
    c.receive(b"PING\r\n", T0 + 2_000_000);
    assert!(!c.should_close());
}

#[test]
fn query_buffer_over_the_limit_closes_the_client() {
    let s = server(crate::Config {
        client_query_buffer_limit: 1024 * 1024,
        ..crate::Config::default()
    });
    let mut c = Connection::new(s);
    c.receive(b"*2\r\n$3\r\nGET\r\n$2000000\r\n", T0);
    c.receive(&[b'x'; 1024 * 1024], T0);
    assert!(c.should_close() && c.abandoned());
    assert!(c.output().is_empty());
}

#[test]
fn idle_clients_close_after_timeout() {
    let s = server(crate::Config {
        timeout: 5,
        ..crate::Config::default()
    });
    let mut c = Connection::with_peer(s, crate::clients::Peer::default(), T0);
    assert_eq!(c.poll_timeout(), Some(T0 + 5_000_000));
    talk(&mut c, "PING\r\n", T0 + 1_000_000);
    assert_eq!(c.poll_timeout(), Some(T0 + 6_000_000));
    c.handle_timeout(T0 + 5_999_999);
    assert!(!c.should_close());
    c.handle_timeout(T0 + 6_000_000);
    assert!(c.should_close() && c.abandoned());
    // No timeout configured: no deadline.
    assert_eq!(conn_default().poll_timeout(), None);
}

fn conn_default() -> Connection {
    Connection::new(server(crate::Config::default()))
}

#[test]
fn shutdown_closes_every_client_after_its_owed_replies() {
    let s = server(crate::Config::default());
    let mut a = Connection::new(s.clone());
    let b = Connection::new(s.clone());
    for (input, reply) in [
        ("SHUTDOWN ABORT\r\n", "-ERR No shutdown in progress.\r\n"),
        ("SHUTDOWN NOW ABORT\r\n", "-ERR syntax error\r\n"),
        ("SHUTDOWN SAVE NOSAVE\r\n", "-ERR syntax error\r\n"),
        ("SHUTDOWN FOO\r\n", "-ERR syntax error\r\n"),
    ] {
        assert_eq!(talk(&mut a, input, T0), reply, "{input:?}");
    }
    assert!(!s.shutting_down());
    // The caller gets the replies before SHUTDOWN, none for it, and nothing after it runs.
    assert_eq!(
        talk(&mut a, "SET k v\r\nSHUTDOWN NOSAVE\r\nGET k\r\n", T0),
        "+OK\r\n"
    );
    assert!(s.shutting_down() && a.should_close() && b.should_close());
    // Both still get what they are owed: shutting down is not abandoning.
    assert!(!a.abandoned() && !b.abandoned());
    assert!(crate::startup::admit(&s, true).is_err());
}

fn out(c: &mut Connection) -> String {
    let mut o = Vec::new();
    c.take_output(&mut o);
    String::from_utf8(o).unwrap()
}

/// Replies checked against Valkey 9.1.2: a blocked BZPOPMIN is served by the next ZADD, in
/// arrival order; the request pipelined behind it runs after; a timeout gives a null array.
#[test]
fn blocked_zset_pops_are_served_in_arrival_order() {
    let s = server(crate::Config::default());
    let mut a = Connection::new(s.clone());
    let mut b = Connection::new(s.clone());
    let mut w = Connection::new(s.clone());
    a.receive(b"BZPOPMIN z 0\r\nPING\r\n", T0);
    b.receive(b"BZMPOP 0 1 z MAX COUNT 5\r\n", T0);
    assert_eq!(out(&mut a), "");
    assert_eq!(
        talk(&mut w, "ZADD z 1 a 2 b 3 c\r\nZCARD z\r\n", T0),
        ":3\r\n:0\r\n"
    );
    a.handle_timeout(T0);
    b.handle_timeout(T0);
    assert_eq!(
        out(&mut a),
        "*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n+PONG\r\n"
    );
    assert_eq!(
        out(&mut b),
        "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"
    );
    a.receive(b"BZPOPMAX z 0.5\r\n", T0);
    a.handle_timeout(T0 + 499_000);
    assert_eq!(out(&mut a), "");
    a.handle_timeout(T0 + 500_000);
    assert_eq!(out(&mut a), "*-1\r\n");
}

#[test]
fn a_blocked_client_that_leaves_takes_nothing() {
    let s = server(crate::Config::default());
    let mut a = Connection::new(s.clone());
    let mut w = Connection::new(s.clone());
    a.receive(b"BZPOPMIN z 0\r\n", T0);
    assert!(talk(&mut w, "INFO clients\r\n", T0).contains("blocked_clients:1\r\n"));
    drop(a);
    assert_eq!(
        talk(&mut w, "ZADD z 1 a\r\nZCARD z\r\n", T0),
        ":1\r\n:1\r\n"
    );
    // Served, then gone before the reply was taken: the element goes back.
    let mut b = Connection::new(s.clone());
    b.receive(b"BZPOPMIN z2 0\r\n", T0);
    talk(&mut w, "ZADD z2 5 m\r\n", T0);
    drop(b);
    assert_eq!(talk(&mut w, "ZSCORE z2 m\r\n", T0), "$1\r\n5\r\n");
}

#[test]
fn client_unblock_ends_a_blocked_command() {
    let s = server(crate::Config::default());
    let mut a = Connection::new(s.clone());
    let mut w = Connection::new(s.clone());
    let id = a.state().id;
    a.receive(b"BZPOPMIN z 0\r\n", T0);
    assert_eq!(
        talk(&mut w, &format!("CLIENT UNBLOCK {id} ERROR\r\n"), T0),
        ":1\r\n"
    );
    a.handle_timeout(T0);
    assert_eq!(
        out(&mut a),
        "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"
    );
    a.receive(b"BZPOPMIN z 0\r\n", T0);
    assert_eq!(
        talk(&mut w, &format!("CLIENT UNBLOCK {id}\r\n"), T0),
        ":1\r\n"
    );
    assert_eq!(
        talk(&mut w, &format!("CLIENT UNBLOCK {id}\r\n"), T0),
        ":0\r\n"
    );
    a.handle_timeout(T0);
    assert_eq!(out(&mut a), "*-1\r\n");
}

/// Valkey 9.1.2 (raw sockets): two BLPOP waiters and RPUSH q 1 2 3 → the first gets 1, the
/// second 2, 3 stays; a BLPOP on k2 k1 is served by a push to k1; BLMOVE onto a key of the
/// wrong type gets WRONGTYPE and leaves the source alone.
#[test]
fn blocked_list_pops_match_valkey() {
    let s = server(crate::Config::default());
    let (mut a, mut b) = (Connection::new(s.clone()), Connection::new(s.clone()));
    let mut w = Connection::new(s.clone());
    a.receive(b"BLPOP q 0\r\n", T0);
    b.receive(b"BLPOP q 0\r\n", T0);
    assert_eq!(talk(&mut w, "RPUSH q 1 2 3\r\n", T0), ":3\r\n");
    a.handle_timeout(T0);
    b.handle_timeout(T0);
    assert_eq!(out(&mut a), "*2\r\n$1\r\nq\r\n$1\r\n1\r\n");
    assert_eq!(out(&mut b), "*2\r\n$1\r\nq\r\n$1\r\n2\r\n");
    assert_eq!(talk(&mut w, "LRANGE q 0 -1\r\n", T0), "*1\r\n$1\r\n3\r\n");

    a.receive(b"BLPOP k2 k1 0\r\n", T0);
    assert_eq!(talk(&mut w, "RPUSH k1 x y z\r\n", T0), ":3\r\n");
    a.handle_timeout(T0);
    assert_eq!(out(&mut a), "*2\r\n$2\r\nk1\r\n$1\r\nx\r\n");

    a.receive(b"BLMOVE src dst LEFT RIGHT 0\r\n", T0);
    assert_eq!(
        talk(&mut w, "SET dst x\r\nRPUSH src a b\r\n", T0),
        "+OK\r\n:2\r\n"
    );
    a.handle_timeout(T0);
    assert_eq!(
        out(&mut a),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
    );
    assert_eq!(talk(&mut w, "LLEN src\r\n", T0), ":2\r\n");
    // Across shards ({a} and {b} differ), the move happens once data arrives.
    a.receive(b"BRPOPLPUSH {a}s {b}d 0\r\n", T0);
    talk(&mut w, "RPUSH {a}s v1 v2\r\n", T0);
    a.handle_timeout(T0);
    assert_eq!(out(&mut a), "$2\r\nv2\r\n");
    assert_eq!(
        talk(&mut w, "LRANGE {b}d 0 -1\r\nLLEN {a}s\r\n", T0),
        "*1\r\n$2\r\nv2\r\n:1\r\n"
    );
    // A key that becomes another type leaves the waiter waiting, as in Valkey.
    a.receive(b"BLPOP t 0\r\n", T0);
    talk(&mut w, "SET t v\r\n", T0);
    a.handle_timeout(T0);
    assert_eq!(out(&mut a), "");
    talk(&mut w, "DEL t\r\nLPUSH t e\r\n", T0);
    a.handle_timeout(T0);
    assert_eq!(out(&mut a), "*2\r\n$1\r\nt\r\n$1\r\ne\r\n");
}

#[test]
fn a_panicking_command_closes_only_its_connection() {
    let s = server(crate::Config {
        enable_debug_command: true,
        ..crate::Config::default()
    });
    let mut a = Connection::new(s.clone());
    talk(&mut a, "SET k v\r\n", T0);
    a.receive(b"PING\r\nDEBUG PANIC\r\nPING\r\n", T0);
    assert!(a.should_close() && a.abandoned());
    assert_eq!(out(&mut a), "", "a half-written batch is not sent");
    let mut b = Connection::new(s);
    assert_eq!(talk(&mut b, "GET k\r\nDEBUG PANIC x\r\n", T0), "$1\r\nv\r\n-ERR unknown subcommand or wrong number of arguments for 'PANIC'. Try DEBUG HELP.\r\n");
}

/// Valkey 9.1.2 (its suite's "BRPOPLPUSH with multiple blocked clients"): the first waiter's
/// destination is of the wrong type, so it gets WRONGTYPE and the element goes to the second,
/// whichever of the two clients' threads runs first.
#[test]
fn blocked_moves_are_served_in_order_when_the_first_fails() {
    let s = server(crate::Config::default());
    let (mut a, mut b) = (Connection::new(s.clone()), Connection::new(s.clone()));
    let mut w = Connection::new(s.clone());
    talk(&mut w, "SET {t}d1 nolist\r\n", T0);
    a.receive(b"BRPOPLPUSH {t}s {t}d1 0\r\n", T0);
    b.receive(b"BRPOPLPUSH {t}s {t}d2 0\r\n", T0);
    assert_eq!(talk(&mut w, "LPUSH {t}s foo\r\n", T0), ":1\r\n");
    // The second waiter's turn comes only after the first has run.
    b.handle_timeout(T0);
    assert_eq!(out(&mut b), "");
    a.handle_timeout(T0);
    assert_eq!(
        out(&mut a),
        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
    );
    b.handle_timeout(T0);
    assert_eq!(out(&mut b), "$3\r\nfoo\r\n");
    assert_eq!(
        talk(&mut w, "LRANGE {t}d2 0 -1\r\nEXISTS {t}s\r\n", T0),
        "*1\r\n$3\r\nfoo\r\n:0\r\n"
    );
}
