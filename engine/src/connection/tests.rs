//! In-process conversations with deterministic time. Expected replies were checked against
//! Valkey 9.1.2 over a raw socket with the same input (TTL-dependent ones at the same offsets).

use super::*;

const T0: u64 = 1_700_000_000_000_000; // Unix microseconds

fn conn() -> Connection {
    Connection::new(Arc::new(Server::new(crate::Config::default())))
}

use crate::testing::talk;

#[test]
fn set_options_match_valkey() {
    let mut c = conn();
    let cases = [
        ("SET a 1 EX 10 EX 20\r\nTTL a\r\n", "+OK\r\n:20\r\n"),
        ("SET a 1 EX 10 PX 20\r\n", "-ERR syntax error\r\n"),
        ("SET a 1 KEEPTTL EX 10\r\n", "-ERR syntax error\r\n"),
        ("SET a 1 EX 10 KEEPTTL\r\n", "-ERR syntax error\r\n"),
        ("SET a 1 NX XX\r\n", "-ERR syntax error\r\n"),
        ("SET a 1 GET GET\r\n", "$1\r\n1\r\n"),
        (
            "SET a 1 EX 0\r\n",
            "-ERR invalid expire time in 'set' command\r\n",
        ),
        (
            "SET a 1 EX -1\r\n",
            "-ERR invalid expire time in 'set' command\r\n",
        ),
        (
            "SET a 1 EX x\r\n",
            "-ERR value is not an integer or out of range\r\n",
        ),
        ("SET a 1 EX\r\n", "-ERR syntax error\r\n"),
        ("SET a 1 EXAT 1\r\nEXISTS a\r\n", "+OK\r\n:0\r\n"),
        (
            "SET a 1 PX 9223372036854775807\r\n",
            "-ERR invalid expire time in 'set' command\r\n",
        ),
        (
            "SET a 1 EX 9223372036854775\r\n",
            "-ERR invalid expire time in 'set' command\r\n",
        ),
        ("GETEX a PERSIST EX 10\r\n", "-ERR syntax error\r\n"),
        ("GETEX a KEEPTTL\r\n", "-ERR syntax error\r\n"),
        (
            "DECRBY a -9223372036854775808\r\n",
            "-ERR decrement would overflow\r\n",
        ),
        (
            "SET a 9223372036854775807\r\nINCR a\r\n",
            "+OK\r\n-ERR increment or decrement would overflow\r\n",
        ),
        ("SETRANGE a -1 x\r\n", "-ERR offset is out of range\r\n"),
        (
            "SETRANGE a 536870911 xx\r\n",
            "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n",
        ),
        (
            "GETRANGE a x 1\r\n",
            "-ERR value is not an integer or out of range\r\n",
        ),
        (
            "SETEX a 0 v\r\n",
            "-ERR invalid expire time in 'setex' command\r\n",
        ),
        (
            "PSETEX a -5 v\r\n",
            "-ERR invalid expire time in 'psetex' command\r\n",
        ),
        (
            "MSET a\r\n",
            "-ERR wrong number of arguments for 'mset' command\r\n",
        ),
        (
            "MSET a b c\r\n",
            "-ERR wrong number of arguments for 'mset' command\r\n",
        ),
        (
            "MSETNX a b c\r\n",
            "-ERR wrong number of arguments for 'msetnx' command\r\n",
        ),
    ];
    for (input, want) in cases {
        assert_eq!(talk(&mut c, input, T0), want, "input {input:?}");
    }
}

#[test]
fn errors_for_unknown_and_malformed_commands() {
    let mut c = conn();
    let cases = [
        (
            "FOO a b\r\n",
            "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n",
        ),
        (
            "FOO\r\n",
            "-ERR unknown command 'FOO', with args beginning with: \r\n",
        ),
        (
            "Foo \"x y\" \r\n",
            "-ERR unknown command 'Foo', with args beginning with: 'x y' \r\n",
        ),
        (
            "GET\r\n",
            "-ERR wrong number of arguments for 'get' command\r\n",
        ),
        (
            "gEt\r\n",
            "-ERR wrong number of arguments for 'get' command\r\n",
        ),
        (
            "CLIENT\r\n",
            "-ERR wrong number of arguments for 'client' command\r\n",
        ),
        (
            "CLIENT FOO\r\n",
            "-ERR unknown subcommand 'FOO'. Try CLIENT HELP.\r\n",
        ),
        (
            "*2\r\n$3\r\nFOO\r\n$3\r\na\nb\r\n",
            "-ERR unknown command 'FOO', with args beginning with: 'a b' \r\n",
        ),
        ("SELECT 99\r\n", "-ERR DB index is out of range\r\n"),
        (
            "SELECT x\r\n",
            "-ERR value is not an integer or out of range\r\n",
        ),
        ("SELECT -1\r\n", "-ERR DB index is out of range\r\n"),
        (
            "PING a b\r\n",
            "-ERR wrong number of arguments for 'ping' command\r\n",
        ),
        ("HELLO 4\r\n", "-NOPROTO unsupported protocol version\r\n"),
        (
            "HELLO x\r\n",
            "-ERR Protocol version is not an integer or out of range\r\n",
        ),
        (
            "HELLO 3 SETNAME a b\r\n",
            "-ERR Syntax error in HELLO option 'b'\r\n",
        ),
        (
            "HELLO 3 FOO\r\n",
            "-ERR Syntax error in HELLO option 'FOO'\r\n",
        ),
        (
            "CLIENT SETNAME \"a b\"\r\n",
            "-ERR Client names cannot contain spaces, newlines or special characters.\r\n",
        ),
        ("CLIENT GETNAME\r\n", "$-1\r\n"),
        (
            "CLIENT SETNAME x\r\nCLIENT GETNAME\r\n",
            "+OK\r\n$1\r\nx\r\n",
        ),
        (
            "CLIENT SETNAME \"\"\r\nCLIENT GETNAME\r\n",
            "+OK\r\n$-1\r\n",
        ),
        (
            "TIME x\r\n",
            "-ERR wrong number of arguments for 'time' command\r\n",
        ),
        (
            "ECHO\r\n",
            "-ERR wrong number of arguments for 'echo' command\r\n",
        ),
    ];
    for (input, want) in cases {
        assert_eq!(talk(&mut c, input, T0), want, "input {input:?}");
    }
}

#[test]
fn long_unknown_command_text_is_truncated_like_valkey() {
    let mut c = conn();
    let a100 = "a".repeat(100);
    let b40 = "b".repeat(40);
    let got = talk(&mut c, &format!("FOO {a100} {b40} c\r\n"), T0);
    assert_eq!(
        got,
        format!(
            "-ERR unknown command 'FOO', with args beginning with: '{a100}' '{}' \r\n",
            "b".repeat(25)
        )
    );
}

#[test]
fn protocol_error_is_answered_then_closes() {
    let mut c = conn();
    assert_eq!(
        talk(&mut c, "PING\r\n*1\r\nx\r\nPING\r\n", T0),
        "+PONG\r\n-ERR Protocol error: expected '$', got 'x'\r\n"
    );
    assert!(c.should_close());
    assert_eq!(talk(&mut c, "PING\r\n", T0), "");
}

#[test]
fn quit_replies_then_closes() {
    let mut c = conn();
    assert_eq!(talk(&mut c, "QUIT\r\nPING\r\n", T0), "+OK\r\n");
    assert!(c.should_close());
}

#[test]
fn pipelined_requests_split_anywhere_give_the_same_replies() {
    let input = "SET k v\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\nINCR n\r\nINCRBY n 5\r\nAPPEND k xyz\r\nGET k\r\nSTRLEN k\r\n";
    let mut whole = conn();
    let want = talk(&mut whole, input, T0);
    assert_eq!(
        want,
        "+OK\r\n$1\r\nv\r\n:1\r\n:6\r\n:4\r\n$4\r\nvxyz\r\n:4\r\n"
    );
    let mut split = conn();
    let mut got = String::new();
    for chunk in input.as_bytes().chunks(3) {
        got += &talk(&mut split, std::str::from_utf8(chunk).unwrap(), T0);
    }
    assert_eq!(got, want);
}

#[test]
fn ttl_follows_the_clock_passed_in() {
    let mut c = conn();
    assert_eq!(
        talk(&mut c, "SET k v PX 1500\r\nPTTL k\r\nTTL k\r\n", T0),
        "+OK\r\n:1500\r\n:2\r\n"
    );
    assert_eq!(
        talk(&mut c, "PTTL k\r\nTTL k\r\n", T0 + 1_000_000),
        ":500\r\n:1\r\n"
    );
    assert_eq!(
        talk(&mut c, "GET k\r\nTTL k\r\nEXISTS k\r\n", T0 + 1_500_000),
        "$-1\r\n:-2\r\n:0\r\n"
    );
}

#[test]
fn expire_options() {
    let mut c = conn();
    let script = [
        ("SET k v\r\n", "+OK\r\n"),
        ("EXPIRE k 100 XX\r\n", ":0\r\n"),
        ("EXPIRE k 100 GT\r\n", ":0\r\n"),
        ("EXPIRE k 100 NX\r\n", ":1\r\n"),
        ("EXPIRE k 50 NX\r\n", ":0\r\n"),
        ("EXPIRE k 50 GT\r\n", ":0\r\n"),
        ("EXPIRE k 200 GT\r\n", ":1\r\n"),
        ("EXPIRE k 300 LT\r\n", ":0\r\n"),
        ("EXPIRE k 150 LT\r\n", ":1\r\n"),
        ("TTL k\r\n", ":150\r\n"),
        (
            "EXPIRE k 10 NX XX\r\n",
            "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n",
        ),
        (
            "EXPIRE k 10 GT LT\r\n",
            "-ERR GT and LT options at the same time are not compatible\r\n",
        ),
        ("EXPIRE k 10 FOO\r\n", "-ERR Unsupported option FOO\r\n"),
        ("PERSIST k\r\n", ":1\r\n"),
        ("PERSIST k\r\n", ":0\r\n"),
        ("TTL k\r\n", ":-1\r\n"),
        ("EXPIRE missing 10\r\n", ":0\r\n"),
        ("EXPIRE k -1\r\n", ":1\r\n"),
        ("EXISTS k\r\n", ":0\r\n"),
    ];
    for (input, want) in script {
        assert_eq!(talk(&mut c, input, T0), want, "input {input:?}");
    }
}

#[test]
fn hello_3_switches_reply_shapes() {
    let mut c = conn();
    let got = talk(&mut c, "HELLO 3\r\n", T0);
    assert!(got.starts_with("%7\r\n$6\r\nserver\r\n"), "{got}");
    assert_eq!(talk(&mut c, "GET missing\r\n", T0), "_\r\n");
}

#[test]
fn active_expiry_reclaims_without_access() {
    let server = Arc::new(Server::new(crate::Config::default()));
    let mut c = Connection::new(server.clone());
    for i in 0..200 {
        talk(&mut c, &format!("SET k{i} v PX 100\r\n"), T0);
    }
    talk(&mut c, "SET keep v\r\n", T0);
    assert_eq!(talk(&mut c, "DBSIZE\r\n", T0), ":201\r\n");
    for tick in 0..200 {
        server.cron(T0 / 1000 + 200 + tick);
    }
    assert_eq!(talk(&mut c, "DBSIZE\r\n", T0 + 1_000_000), ":1\r\n");
    assert_eq!(server.expired_keys(), 200);
}

#[test]
fn keys_scan_and_rename() {
    let mut c = conn();
    talk(&mut c, "MSET a 1 b 2 c 3\r\n", T0);
    assert_eq!(
        talk(
            &mut c,
            "RENAME a z\r\nRENAME nope x\r\nRENAMENX b c\r\n",
            T0
        ),
        "+OK\r\n-ERR no such key\r\n:0\r\n"
    );
    assert_eq!(
        talk(&mut c, "TYPE z\r\nTYPE a\r\n", T0),
        "+string\r\n+none\r\n"
    );
    let mut cursor = "0".to_string();
    let mut seen = Vec::new();
    loop {
        c.receive(format!("SCAN {cursor} COUNT 1\r\n").as_bytes(), T0);
        let mut out = Vec::new();
        c.take_output(&mut out);
        let (frame, _) = resp::decode(&out, &resp::DecodeLimits::default())
            .unwrap()
            .unwrap();
        let resp::Frame::Array(parts) = frame else {
            panic!()
        };
        let resp::Frame::Bulk(next) = &parts[0] else {
            panic!()
        };
        let resp::Frame::Array(keys) = &parts[1] else {
            panic!()
        };
        for k in keys {
            let resp::Frame::Bulk(k) = k else { panic!() };
            seen.push(String::from_utf8(k.clone()).unwrap());
        }
        cursor = String::from_utf8(next.clone()).unwrap();
        if cursor == "0" {
            break;
        }
    }
    seen.sort();
    assert_eq!(seen, ["b", "c", "z"]);
}

fn debug_server() -> Arc<Server> {
    Arc::new(Server::new(crate::Config {
        enable_debug_command: true,
        ..crate::Config::default()
    }))
}

#[test]
fn debug_sleep_parks_only_this_connection_until_its_deadline() {
    let server = debug_server();
    let mut sleeper = Connection::new(server.clone());
    let mut other = Connection::new(server);
    assert_eq!(
        talk(&mut sleeper, "DEBUG SLEEP 2\r\nSET after 1\r\n", T0),
        ""
    );
    assert_eq!(sleeper.poll_timeout(), Some(T0 + 2_000_000));
    // Meanwhile another client is served at once.
    assert_eq!(
        talk(&mut other, "SET x 1\r\nGET after\r\n", T0 + 1),
        "+OK\r\n$-1\r\n"
    );
    // Input that arrives while asleep waits too.
    assert_eq!(talk(&mut sleeper, "GET x\r\n", T0 + 10), "");
    sleeper.handle_timeout(T0 + 1_999_999);
    assert_eq!(talk(&mut sleeper, "", T0 + 1_999_999), "");
    sleeper.handle_timeout(T0 + 2_000_000);
    let mut out = Vec::new();
    sleeper.take_output(&mut out);
    assert_eq!(out, b"+OK\r\n+OK\r\n$1\r\n1\r\n");
    assert_eq!(sleeper.poll_timeout(), None);
}

#[test]
fn debug_is_refused_by_default_like_valkey() {
    let mut c = conn();
    let got = talk(&mut c, "DEBUG SLEEP 0\r\n", T0);
    assert!(got.starts_with("-ERR DEBUG command not allowed."), "{got}");
}

#[test]
fn debug_set_active_expire_stops_the_cycle() {
    let server = debug_server();
    let mut c = Connection::new(server.clone());
    talk(&mut c, "SET k v PX 10\r\nDEBUG SET-ACTIVE-EXPIRE 0\r\n", T0);
    for _ in 0..100 {
        server.cron(T0 / 1000 + 100);
    }
    assert_eq!(talk(&mut c, "DBSIZE\r\n", T0), ":1\r\n");
    talk(&mut c, "DEBUG SET-ACTIVE-EXPIRE 1\r\n", T0);
    for _ in 0..100 {
        server.cron(T0 / 1000 + 100);
    }
    assert_eq!(talk(&mut c, "DBSIZE\r\n", T0), ":0\r\n");
}

// CLIENT REPLY sequences checked against Valkey 9.1.2.
#[test]
fn client_reply_off_and_skip() {
    let mut c = conn();
    assert_eq!(
        talk(
            &mut c,
            "CLIENT REPLY OFF\r\nPING\r\nCLIENT REPLY ON\r\nPING\r\n",
            T0
        ),
        "+OK\r\n+PONG\r\n"
    );
    assert_eq!(
        talk(&mut c, "CLIENT REPLY SKIP\r\nPING\r\nPING\r\n", T0),
        "+PONG\r\n"
    );
    assert_eq!(
        talk(&mut c, "CLIENT REPLY FOO\r\n", T0),
        "-ERR syntax error\r\n"
    );
}

#[test]
fn client_kill_closes_the_target_and_list_shows_clients() {
    let server = Arc::new(Server::new(crate::Config::default()));
    let mut a = Connection::new(server.clone());
    let mut b = Connection::new(server.clone());
    talk(&mut b, "CLIENT SETNAME bee\r\nSET k v\r\n", T0);
    let list = talk(&mut a, "CLIENT LIST\r\n", T0);
    assert!(list.contains(&format!("id={} ", b.state().id)), "{list}");
    assert!(list.contains("name=bee "), "{list}");
    assert!(list.contains("cmd=set "), "{list}");
    let by_id = talk(&mut a, &format!("CLIENT KILL ID {}\r\n", b.state().id), T0);
    assert_eq!(by_id, ":1\r\n");
    assert!(b.should_close());
    assert!(!a.should_close());
    assert_eq!(talk(&mut a, "CLIENT KILL ID 999999\r\n", T0), ":0\r\n");
    assert_eq!(
        talk(&mut a, "CLIENT KILL 1.2.3.4:5\r\n", T0),
        "-ERR No such client\r\n"
    );
    assert_eq!(
        talk(&mut a, "CLIENT KILL ID x\r\n", T0),
        "-ERR syntax error\r\n"
    );
    drop(b);
    assert_eq!(server.clients.len(), 1);
}

#[test]
fn client_setinfo() {
    let mut c = conn();
    assert_eq!(
        talk(
            &mut c,
            "CLIENT SETINFO lib-name foo\r\nCLIENT SETINFO LIB-VER 1.0\r\n",
            T0
        ),
        "+OK\r\n+OK\r\n"
    );
    let info = talk(&mut c, "CLIENT INFO\r\n", T0);
    assert!(info.contains(" lib-name=foo lib-ver=1.0 "), "{info}");
    assert_eq!(
        talk(&mut c, "CLIENT SETINFO lib-name \"a b\"\r\n", T0),
        "-ERR lib-name cannot contain spaces, newlines or special characters.\r\n"
    );
    assert_eq!(
        talk(&mut c, "CLIENT SETINFO foo bar\r\n", T0),
        "-ERR Unrecognized option 'foo'\r\n"
    );
}

#[test]
fn info_sections_use_valkey_field_names() {
    let mut c = conn();
    talk(&mut c, "SET a 1\r\nSET b 2 EX 100\r\n", T0);
    let all = talk(&mut c, "INFO\r\n", T0);
    for field in [
        "# Server\r\n",
        "redis_version:",
        "# Clients\r\nconnected_clients:1\r\n",
        "# Stats\r\n",
        "total_commands_processed:2\r\n",
    ] {
        assert!(all.contains(field), "missing {field:?} in {all}");
    }
    assert!(all.contains("db0:keys=2,expires=1,"), "{all}");
    let only = talk(&mut c, "INFO clients keyspace\r\n", T0);
    assert!(
        only.contains("# Clients") && only.contains("# Keyspace") && !only.contains("# Server"),
        "{only}"
    );
}

#[test]
fn config_set_proto_max_bulk_len_reaches_every_parser() {
    let server = Arc::new(Server::new(crate::Config::default()));
    let mut admin = Connection::new(server.clone());
    let mut other = Connection::new(server);
    assert_eq!(talk(&mut other, "*2\r\n$4\r\nECHO\r\n$1048577\r\n", T0), "");
    assert!(!other.should_close());
    let mut other = Connection::new(admin.server.clone());
    assert_eq!(
        talk(&mut admin, "CONFIG SET proto-max-bulk-len 1mb\r\n", T0),
        "+OK\r\n"
    );
    assert_eq!(
        talk(&mut other, "*2\r\n$4\r\nECHO\r\n$1048577\r\n", T0),
        "-ERR Protocol error: invalid bulk length\r\n"
    );
}

// OBJECT IDLETIME semantics checked against Valkey 9.1.2: reads and TOUCH reset it, TYPE,
// TTL, EXISTS and OBJECT itself do not.
#[test]
fn object_idletime_counts_from_the_last_access() {
    let mut c = conn();
    talk(&mut c, "SET k v\r\n", T0);
    assert_eq!(
        talk(&mut c, "OBJECT IDLETIME k\r\n", T0 + 5_000_000),
        ":5\r\n"
    );
    talk(&mut c, "TYPE k\r\nTTL k\r\nEXISTS k\r\n", T0 + 6_000_000);
    assert_eq!(
        talk(&mut c, "OBJECT IDLETIME k\r\n", T0 + 7_000_000),
        ":7\r\n"
    );
    talk(&mut c, "GET k\r\n", T0 + 8_000_000);
    assert_eq!(
        talk(&mut c, "OBJECT IDLETIME k\r\n", T0 + 10_000_000),
        ":2\r\n"
    );
    talk(&mut c, "TOUCH k\r\n", T0 + 11_000_000);
    assert_eq!(
        talk(&mut c, "OBJECT IDLETIME k\r\n", T0 + 11_000_000),
        ":0\r\n"
    );
    assert_eq!(talk(&mut c, "OBJECT IDLETIME missing\r\n", T0), "$-1\r\n");
}

// Counts checked against Valkey 9.1.2 with the same input (usec left out).
#[test]
fn commandstats_and_errorstats_count_like_valkey() {
    let mut c = conn();
    talk(&mut c, "SET a b\r\nGET a\r\nGET\r\nFOO\r\nINCR a\r\nCLIENT FOO\r\nSET a b EX 0\r\nHELLO 3\r\nGET\r\n", T0);
    let cmd = talk(&mut c, "INFO commandstats\r\n", T0);
    let strip = |s: &str| -> Vec<String> {
        s.split("\r\n")
            .filter(|l| l.starts_with("cmdstat_"))
            .map(|l| {
                let (name, rest) = l.split_once(':').unwrap();
                let keep: Vec<&str> = rest.split(',').filter(|f| !f.starts_with("usec")).collect();
                format!("{name}:{}", keep.join(","))
            })
            .collect()
    };
    assert_eq!(
        strip(&cmd),
        [
            "cmdstat_get:calls=1,rejected_calls=2,failed_calls=0",
            "cmdstat_hello:calls=1,rejected_calls=0,failed_calls=0",
            "cmdstat_incr:calls=1,rejected_calls=0,failed_calls=1",
            "cmdstat_set:calls=2,rejected_calls=0,failed_calls=1",
        ]
    );
    let err = talk(&mut c, "INFO errorstats\r\n", T0);
    assert!(err.contains("errorstat_ERR:count=6\r\n"), "{err}");
    let stats = talk(&mut c, "INFO stats\r\n", T0);
    assert!(stats.contains("total_error_replies:6\r\n"), "{stats}");
}

// Checked against Valkey 9.1.2: the commands EXEC runs count in commandstats and errorstats
// (an INCR failing inside the transaction is a failed call and an ERR), EXEC itself once.
#[test]
fn commands_inside_exec_are_counted() {
    let mut c = conn();
    talk(&mut c, "SET s x\r\n", T0);
    talk(&mut c, "CONFIG RESETSTAT\r\n", T0);
    talk(
        &mut c,
        "MULTI\r\nSET foo bar\r\nINCR s\r\nGEOADD g 0 0 m\r\nEXEC\r\n",
        T0,
    );
    let cmd = talk(&mut c, "INFO commandstats\r\n", T0);
    for want in [
        "cmdstat_multi:calls=1,",
        "cmdstat_set:calls=1,",
        "cmdstat_geoadd:calls=1,",
        "cmdstat_exec:calls=1,",
    ] {
        assert!(cmd.contains(want), "{want} in {cmd}");
    }
    assert!(
        cmd.contains("cmdstat_incr:calls=1,")
            && cmd.contains("rejected_calls=0,failed_calls=1\r\n"),
        "{cmd}"
    );
    let err = talk(&mut c, "INFO errorstats\r\n", T0);
    assert!(err.contains("errorstat_ERR:count=1\r\n"), "{err}");
}

// Checked against Valkey 9.1.2: with CLIENT NO-TOUCH ON a GET leaves OBJECT IDLETIME growing,
// TOUCH still resets it.
#[test]
fn client_no_touch_keeps_access_times() {
    let mut c = conn();
    talk(&mut c, "SET k v\r\nCLIENT NO-TOUCH ON\r\n", T0);
    talk(&mut c, "GET k\r\n", T0 + 3_000_000);
    assert_eq!(
        talk(&mut c, "OBJECT IDLETIME k\r\n", T0 + 3_000_000),
        ":3\r\n"
    );
    talk(&mut c, "TOUCH k\r\n", T0 + 4_000_000);
    assert_eq!(
        talk(&mut c, "OBJECT IDLETIME k\r\n", T0 + 4_000_000),
        ":0\r\n"
    );
    talk(&mut c, "CLIENT NO-TOUCH OFF\r\nGET k\r\n", T0 + 6_000_000);
    assert_eq!(
        talk(&mut c, "OBJECT IDLETIME k\r\n", T0 + 6_000_000),
        ":0\r\n"
    );
}

#[test]
fn info_reports_what_the_runtime_probes_measure() {
    use std::sync::atomic::{AtomicU64, Ordering};
    static TICKS: AtomicU64 = AtomicU64::new(0);
    let probes = crate::Probes {
        // Each reading is 7 µs after the previous one: every command "takes" 7 µs.
        monotonic_us: Some(|| TICKS.fetch_add(7, Ordering::Relaxed)),
        used_memory: Some(|| 2_621_440),
        rss: Some(|| 1000),
        cpu: Some(|| (1.5, 2.25)),
    };
    let server = Arc::new(Server::new(crate::Config::default()).with_probes(probes));
    let mut c = Connection::new(server);
    talk(&mut c, "SET a b\r\n", T0);
    let info = talk(&mut c, "INFO memory cpu commandstats\r\n", T0);
    for want in [
        "used_memory:2621440\r\nused_memory_human:2.50M\r\n",
        "used_memory_rss:1000\r\nused_memory_rss_human:1000B\r\n",
        "used_cpu_sys:1.500000\r\nused_cpu_user:2.250000\r\n",
        "cmdstat_set:calls=1,usec=7,usec_per_call=7.00,",
    ] {
        assert!(info.contains(want), "missing {want:?} in {info}");
    }
    // Without probes the figures are left out rather than invented.
    let mut plain = conn();
    let info = talk(&mut plain, "INFO memory cpu\r\n", T0);
    assert!(
        !info.contains("used_memory:") && !info.contains("used_cpu_sys"),
        "{info}"
    );
}

// Keyspace hits/misses for every read/write lookup kind: the same 55 commands on Valkey 9.1.2
// (after CONFIG RESETSTAT) gave keyspace_hits:23 and keyspace_misses:14.
#[test]
fn keyspace_hits_and_misses_count_like_valkey() {
    let mut c = conn();
    let script = concat!(
        "SET a 1\r\nSET a 2 GET\r\nSET m 1 NX\r\nGET a\r\nGET missing\r\n",
        "MGET a missing b\r\nEXISTS a missing\r\nTYPE a\r\nTYPE missing\r\nTTL a\r\n",
        "PTTL missing\r\nEXPIRETIME a\r\nOBJECT ENCODING a\r\nOBJECT ENCODING missing\r\n",
        "TOUCH a missing\r\nSTRLEN a\r\nSTRLEN missing\r\nGETRANGE a 0 1\r\nINCR a\r\n",
        "INCRBYFLOAT a 1.5\r\nAPPEND a x\r\nSETRANGE a 0 y\r\nGETSET a 5\r\nGETDEL a\r\n",
        "GETDEL a\r\nGETEX missing\r\nSET a 1\r\nGETEX a\r\nSETBIT b 1 1\r\n",
        "GETBIT b 1\r\nGETBIT missing 1\r\nBITCOUNT b\r\nBITPOS b 1\r\n",
        "BITOP AND c b missing\r\nBITFIELD b GET u8 0\r\nBITFIELD b SET u8 0 1\r\n",
        "BITFIELD_RO b GET u8 0\r\nLCS a b\r\nCOPY a a2\r\nCOPY missing a3\r\n",
        "MOVE a 1\r\nMOVE missing 1\r\nRENAME a2 a4\r\nEXPIRE a4 100\r\nPERSIST a4\r\n",
        "DEL a4 missing\r\nSETNX n 1\r\nMSETNX n 2 o 3\r\nMSET p 1 q 2\r\n",
        "DEBUG OBJECT p\r\nRANDOMKEY\r\nSCAN 0\r\nKEYS *\r\nDBSIZE\r\n",
    );
    c.receive(script.as_bytes(), T0);
    c.take_output(&mut Vec::new());
    let stats = talk(&mut c, "INFO stats\r\n", T0);
    assert!(
        stats.contains("keyspace_hits:23\r\nkeyspace_misses:14\r\n"),
        "{stats}"
    );
}

// Checked against Valkey 9.1.2: a skipped CLIENT REPLY SKIP re-arms the skip.
#[test]
fn client_reply_skip_twice_skips_two_replies() {
    let mut c = conn();
    assert_eq!(
        talk(
            &mut c,
            "CLIENT REPLY SKIP\r\nCLIENT REPLY SKIP\r\nPING a\r\nPING b\r\n",
            T0
        ),
        "$1\r\nb\r\n"
    );
}

// Checked against Valkey 9.1.2: CLIENT REPLY ON right after SKIP is answered, and clears it.
#[test]
fn client_reply_on_after_skip_is_answered() {
    let mut c = conn();
    assert_eq!(
        talk(
            &mut c,
            "CLIENT REPLY SKIP\r\nCLIENT REPLY ON\r\nPING\r\n",
            T0
        ),
        "+OK\r\n+PONG\r\n"
    );
}

// Found in review: deadlines near i64::MAX ms must not overflow anywhere (EXPIRETIME
// rounding, the active cycle's TTL average, INFO keyspace).
#[test]
fn far_deadlines_do_not_overflow() {
    let server = Arc::new(Server::new(crate::Config::default()));
    let mut c = Connection::new(server.clone());
    talk(
        &mut c,
        "SET {t}a v PXAT 9223372036854775807\r\nSET {t}b v PXAT 9223372036854775807\r\n",
        T0,
    );
    talk(
        &mut c,
        "SET a v PXAT 9223372036854775807\r\nSET h v PXAT 9223372036854775807\r\n",
        T0,
    );
    assert_eq!(
        talk(&mut c, "EXPIRETIME a\r\n", T0),
        ":9223372036854776\r\n"
    );
    for _ in 0..100 {
        server.cron(T0 / 1000);
    }
    assert!(talk(&mut c, "INFO keyspace\r\n", T0).contains("db0:keys=4,expires=4,"));
}

// Found in review: entries stored without a lookup (MSET) get the command's time, so a fresh
// key is not reported idle for decades.
#[test]
fn keys_stored_without_a_lookup_start_with_zero_idle_time() {
    let mut c = conn();
    talk(&mut c, "MSET a 1 b 2\r\n", T0 + 5_000_000);
    assert_eq!(
        talk(&mut c, "OBJECT IDLETIME a\r\n", T0 + 5_000_000),
        ":0\r\n"
    );
}

/// Valkey 9.1.2: FLUSHALL, SET a 1 EX 100, (active expiry samples it), FLUSHALL, SET b 1 →
/// `db0:keys=1,expires=0,avg_ttl=0,…`; the old estimate must not survive the flush.
#[test]
fn flushall_forgets_the_ttl_estimate() {
    let server = Arc::new(Server::new(crate::Config::default()));
    let mut c = Connection::new(server.clone());
    for i in 0..100 {
        talk(&mut c, &format!("SET k{i} v EX 100\r\n"), T0);
    }
    for tick in 0..100 {
        server.cron(T0 / 1000 + tick);
    }
    let info = talk(&mut c, "INFO keyspace\r\n", T0);
    assert!(!info.contains("avg_ttl=0,"), "{info}");
    talk(&mut c, "FLUSHALL\r\nSET b 1\r\n", T0);
    let info = talk(&mut c, "INFO keyspace\r\n", T0);
    assert!(
        info.contains("db0:keys=1,expires=0,avg_ttl=0,keys_with_volatile_items=0\r\n"),
        "{info}"
    );
}

/// Moves pushed messages (pub/sub, invalidations) into the output, as a runtime does when
/// the connection's waker fires.
fn pushed(c: &mut Connection, now_us: u64) -> String {
    let waker = std::task::Waker::noop();
    let _ = c.poll_ready(&mut std::task::Context::from_waker(waker), now_us);
    talk(c, "", now_us)
}

#[test]
fn active_expiry_publishes_expired_events_and_invalidates() {
    let server = Arc::new(Server::new(crate::Config::default()));
    let mut w = Connection::new(server.clone());
    let mut sub = Connection::new(server.clone());
    let mut cache = Connection::new(server.clone());
    assert_eq!(
        talk(
            &mut w,
            "CONFIG SET notify-keyspace-events Ex\r\nSET k v PX 100\r\n",
            T0
        ),
        "+OK\r\n+OK\r\n"
    );
    talk(&mut sub, "SUBSCRIBE __keyevent@0__:expired\r\n", T0);
    talk(&mut cache, "HELLO 3\r\nCLIENT TRACKING ON\r\nGET k\r\n", T0);
    // Nobody reads `k` again: only the active cycle can reclaim it.
    let later_ms = T0 / 1000 + 200;
    for _ in 0..10 * crate::keyspace::SHARDS {
        server.cron(later_ms);
    }
    assert_eq!(
        pushed(&mut sub, T0 + 200_000),
        "*3\r\n$7\r\nmessage\r\n$22\r\n__keyevent@0__:expired\r\n$1\r\nk\r\n"
    );
    assert_eq!(
        pushed(&mut cache, T0 + 200_000),
        ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n"
    );
}

/// The `name=value` fields of a CLIENT INFO reply named in `want`.
fn info_fields(reply: &str, want: &[&str]) -> String {
    reply
        .split_whitespace()
        .filter(|f| want.iter().any(|w| f.starts_with(&format!("{w}="))))
        .collect::<Vec<_>>()
        .join(" ")
}

// Values observed from Valkey 9.1.2 for the same sequences (CLIENT INFO over a raw socket).
#[test]
fn client_info_shows_subscriptions_transactions_and_tracking() {
    let fields = ["flags", "sub", "psub", "ssub", "multi", "watch", "redir"];
    let mut c = conn();
    assert_eq!(
        info_fields(&talk(&mut c, "CLIENT INFO\r\n", T0), &fields),
        "flags=N sub=0 psub=0 ssub=0 multi=-1 watch=0 redir=-1"
    );
    talk(&mut c, "WATCH a\r\n", T0);
    assert_eq!(
        info_fields(&talk(&mut c, "CLIENT INFO\r\n", T0), &fields),
        "flags=N sub=0 psub=0 ssub=0 multi=0 watch=1 redir=-1"
    );
    let mut c = conn();
    talk(
        &mut c,
        "HELLO 3\r\nSUBSCRIBE a b\r\nPSUBSCRIBE p*\r\nSSUBSCRIBE s\r\nCLIENT TRACKING ON BCAST\r\nWATCH k j\r\n",
        T0,
    );
    assert_eq!(
        info_fields(&talk(&mut c, "CLIENT INFO\r\n", T0), &fields),
        "flags=PtB sub=2 psub=1 ssub=1 multi=0 watch=2 redir=0"
    );
    let exec = talk(&mut c, "MULTI\r\nPING\r\nCLIENT INFO\r\nEXEC\r\n", T0);
    assert_eq!(
        info_fields(&exec, &fields),
        "flags=PxtB sub=2 psub=1 ssub=1 multi=2 watch=0 redir=0"
    );
}

/// Every implemented command (and subcommand), queued in MULTI with arguments of the right
/// count and run by EXEC, touches only shards the transaction locked: a miss in the lock
/// plan would panic ("transaction did not lock shard …") and close the connection.
#[test]
fn every_command_runs_inside_exec_with_the_locks_it_needs() {
    use crate::commands::table::{self, CommandSpec};
    fn all(specs: &'static [CommandSpec], out: &mut Vec<&'static CommandSpec>) {
        for s in specs {
            if s.subcommands.is_empty() {
                out.push(s);
            } else {
                all(s.subcommands, out);
            }
        }
    }
    let mut specs = Vec::new();
    all(table::commands(), &mut specs);
    // Stopping the server, panicking on purpose or sleeping would test something else.
    let skip = [
        "shutdown",
        "debug",
        "client|kill",
        "client|pause",
        "quit",
        "reset",
        "exec",
        "discard",
    ];
    let server = Arc::new(Server::new(crate::Config {
        enable_debug_command: true,
        ..crate::Config::default()
    }));
    let mut ran = 0;
    for spec in specs
        .into_iter()
        .filter(|s| crate::commands::implemented(s))
    {
        if skip
            .iter()
            .any(|k| spec.name == *k || spec.name.starts_with(&format!("{k}|")))
        {
            continue;
        }
        let mut argv: Vec<String> = spec.name.split('|').map(str::to_owned).collect();
        let words = ["k", "1", "k2", "0", "v"];
        while argv.len() < spec.arity.unsigned_abs() as usize {
            argv.push(words[argv.len() % words.len()].to_owned());
        }
        let mut c = Connection::new(server.clone());
        talk(&mut c, "SET k 1\r\nRPUSH k2 a\r\nMULTI\r\n", T0);
        let mut request = Vec::new();
        resp::encode_command(&mut request, &argv);
        c.receive(&request, T0);
        let reply = talk(&mut c, "EXEC\r\n", T0);
        assert!(
            !c.should_close(),
            "{argv:?} closed the connection: {reply:?}"
        );
        assert!(
            reply.contains("QUEUED") || reply.starts_with('-'),
            "{argv:?}: {reply:?}"
        );
        ran += 1;
    }
    assert!(ran > 200, "only {ran} commands ran");
}

// Checked against Valkey 9.1.2 with client-query-buffer-limit 1mb: a request whose bytes
// exceed the limit closes the client even when the read that crossed it completed it (the
// requests before it ran); one under the limit is served. Counted in INFO.
#[test]
fn a_request_over_the_query_buffer_limit_closes_the_client() {
    let server = Arc::new(Server::new(crate::Config::default()));
    let mut admin = Connection::new(server.clone());
    talk(
        &mut admin,
        "CONFIG SET client-query-buffer-limit 1048576\r\n",
        T0,
    );
    let set = |len: usize| {
        let mut req = format!("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n${len}\r\n").into_bytes();
        req.resize(req.len() + len, b'a');
        req.extend_from_slice(b"\r\n");
        req
    };
    let mut small = Connection::new(server.clone());
    let req = set(1_000_000);
    for chunk in req.chunks(16 * 1024) {
        small.receive(chunk, T0);
    }
    assert!(!small.should_close());
    let mut big = Connection::new(server.clone());
    let mut req = b"DEL k\r\n".to_vec();
    req.extend_from_slice(&set(1_048_576));
    // As the runtimes read: 16 KiB at a time, replies taken after each.
    let mut out = Vec::new();
    for chunk in req.chunks(16 * 1024) {
        big.receive(chunk, T0);
        big.take_output(&mut out);
    }
    assert!(big.should_close());
    assert_eq!(out, b":1\r\n");
    assert_eq!(talk(&mut admin, "EXISTS k\r\n", T0), ":0\r\n");
    let stats = talk(&mut admin, "INFO stats\r\n", T0);
    assert!(
        stats.contains("client_query_buffer_limit_disconnections:1\r\n"),
        "{stats}"
    );
}
