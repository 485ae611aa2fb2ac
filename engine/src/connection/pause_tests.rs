//! CLIENT PAUSE as seen by clients: which commands wait, when they run, and expiry during a
//! pause. Behaviour checked against Valkey 9.1.2 (its suite's unit/pause and by hand).

use super::*;

const T0: u64 = 1_700_000_000_000_000; // Unix microseconds
const MS: u64 = 1000;

use crate::testing::talk;

/// What a parked connection has to say once the runtime wakes it at `now_us`.
fn after_wake(c: &mut Connection, now_us: u64) -> String {
    c.handle_timeout(now_us);
    let mut out = Vec::new();
    c.take_output(&mut out);
    String::from_utf8(out).unwrap()
}

fn clients(n: usize) -> Vec<Connection> {
    let server = Arc::new(Server::new(crate::Config::default()));
    (0..n).map(|_| Connection::new(server.clone())).collect()
}

fn blocked_clients(c: &mut Connection, now_us: u64) -> String {
    let info = talk(c, "INFO clients\r\n", now_us);
    info.lines()
        .find(|l| l.starts_with("blocked_clients:"))
        .unwrap()
        .to_owned()
}

#[test]
fn write_pause_holds_writes_and_what_follows_them_but_not_reads() {
    let mut c = clients(3);
    assert_eq!(
        talk(&mut c[0], "CLIENT PAUSE 60000 WRITE\r\n", T0),
        "+OK\r\n"
    );
    // The SET waits, and the GET pipelined behind it waits with it.
    assert_eq!(talk(&mut c[1], "SET k v\r\nGET k\r\n", T0), "");
    assert_eq!(talk(&mut c[2], "GET k\r\nPING\r\n", T0), "$-1\r\n+PONG\r\n");
    assert_eq!(blocked_clients(&mut c[2], T0), "blocked_clients:1");
    // Input that arrives meanwhile waits too.
    assert_eq!(talk(&mut c[1], "GET k\r\n", T0 + MS), "");
    assert_eq!(
        talk(&mut c[0], "CLIENT UNPAUSE\r\n", T0 + 2 * MS),
        "+OK\r\n"
    );
    assert_eq!(
        after_wake(&mut c[1], T0 + 2 * MS),
        "+OK\r\n$1\r\nv\r\n$1\r\nv\r\n"
    );
    assert_eq!(blocked_clients(&mut c[2], T0 + 2 * MS), "blocked_clients:0");
}

#[test]
fn a_pause_ends_by_itself_at_its_deadline() {
    let mut c = clients(2);
    assert_eq!(talk(&mut c[0], "CLIENT PAUSE 100\r\n", T0), "+OK\r\n");
    // ALL holds reads, and the pausing client itself.
    assert_eq!(talk(&mut c[1], "GET k\r\n", T0), "");
    assert_eq!(talk(&mut c[0], "PING\r\n", T0), "");
    assert_eq!(c[1].poll_timeout(), Some(T0 + 100 * MS));
    assert_eq!(after_wake(&mut c[1], T0 + 99 * MS), "");
    assert_eq!(after_wake(&mut c[1], T0 + 100 * MS), "$-1\r\n");
    assert_eq!(after_wake(&mut c[0], T0 + 100 * MS), "+PONG\r\n");
}

#[test]
fn a_shorter_or_weaker_pause_does_not_shorten_the_one_in_force() {
    let mut c = clients(2);
    talk(&mut c[0], "CLIENT PAUSE 200 ALL\r\n", T0);
    // Held by ALL; when it runs (at 200 ms) it asks for 20 ms of WRITE.
    assert_eq!(talk(&mut c[0], "CLIENT PAUSE 20 WRITE\r\n", T0 + MS), "");
    assert_eq!(talk(&mut c[1], "GET k\r\n", T0 + 50 * MS), "");
    assert_eq!(after_wake(&mut c[1], T0 + 200 * MS), "$-1\r\n");
}

#[test]
fn errors_are_answered_at_once_and_bad_arguments_refused() {
    let mut c = clients(1);
    talk(&mut c[0], "CLIENT PAUSE 60000 WRITE\r\n", T0);
    assert_eq!(
        talk(&mut c[0], "SET k\r\n", T0),
        "-ERR wrong number of arguments for 'set' command\r\n"
    );
    for (input, reply) in [
        (
            "CLIENT PAUSE abc\r\n",
            "-ERR timeout is not an integer or out of range\r\n",
        ),
        ("CLIENT PAUSE -1\r\n", "-ERR timeout is negative\r\n"),
        (
            "CLIENT PAUSE 10 foo\r\n",
            "-ERR CLIENT PAUSE mode must be WRITE or ALL\r\n",
        ),
        ("CLIENT PAUSE 10 write extra\r\n", "+OK\r\n"),
        (
            "CLIENT UNPAUSE x\r\n",
            "-ERR wrong number of arguments for 'client|unpause' command\r\n",
        ),
    ] {
        assert_eq!(talk(&mut c[0], input, T0), reply, "{input}");
    }
}

#[test]
fn transactions_wait_only_when_they_write() {
    let mut c = clients(3);
    talk(&mut c[0], "SET k v\r\n", T0);
    assert_eq!(
        talk(&mut c[1], "MULTI\r\nSET k w\r\n", T0),
        "+OK\r\n+QUEUED\r\n"
    );
    talk(&mut c[0], "CLIENT PAUSE 60000 WRITE\r\n", T0);
    assert_eq!(
        talk(&mut c[2], "MULTI\r\nGET k\r\nPING\r\nEXEC\r\n", T0),
        "+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n$1\r\nv\r\n+PONG\r\n"
    );
    assert_eq!(talk(&mut c[1], "EXEC\r\n", T0), "");
    talk(&mut c[0], "CLIENT UNPAUSE\r\n", T0);
    assert_eq!(after_wake(&mut c[1], T0), "*1\r\n+OK\r\n");
}

#[test]
fn a_pause_inside_multi_starts_after_exec() {
    let mut c = clients(2);
    assert_eq!(
        talk(
            &mut c[0],
            "MULTI\r\nSET a 1\r\nCLIENT PAUSE 60000 WRITE\r\nSET b 1\r\nEXEC\r\n",
            T0
        ),
        "+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n+OK\r\n+OK\r\n+OK\r\n"
    );
    assert_eq!(talk(&mut c[1], "SET c 1\r\n", T0), "");
    assert_eq!(
        talk(&mut c[0], "MGET a b c\r\n", T0),
        "*3\r\n$1\r\n1\r\n$1\r\n1\r\n$-1\r\n"
    );
}

#[test]
fn expired_keys_read_as_missing_but_stay_until_the_pause_ends() {
    let mut c = clients(1);
    talk(
        &mut c[0],
        "SET k v PX 10\r\nCLIENT PAUSE 60000 WRITE\r\n",
        T0,
    );
    let later = T0 + 50 * MS;
    c[0].server.cron(later / 1000);
    assert_eq!(
        talk(&mut c[0], "GET k\r\nDBSIZE\r\n", later),
        "$-1\r\n:1\r\n"
    );
    assert!(talk(&mut c[0], "INFO stats\r\n", later).contains("expired_keys:0\r\n"));
    talk(&mut c[0], "CLIENT UNPAUSE\r\n", later);
    assert_eq!(
        talk(&mut c[0], "GET k\r\nDBSIZE\r\n", later),
        "$-1\r\n:0\r\n"
    );
    assert!(talk(&mut c[0], "INFO stats\r\n", later).contains("expired_keys:1\r\n"));
}
