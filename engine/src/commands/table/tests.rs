//! Unit tests of the command table: lookup, arity, key positions, the derived legacy ranges
//! and flags, and the `COMMAND` replies. Expected values marked "Valkey 9.1.2" were read off a
//! running Valkey 9.1.2 server (`COMMAND INFO` / `COMMAND GETKEYS` / raw reply bytes), not
//! produced by this code.

use resp::{Protocol, ReplyWriter};

use super::introspection::{
    command, command_count, command_docs, command_getkeys, command_help, command_info,
    command_list, Include,
};
use super::*;

fn cmd(name: &str) -> &'static CommandSpec {
    lookup_fullname(name.as_bytes()).unwrap_or_else(|| panic!("{name} is in the table"))
}

fn all(_: &CommandSpec) -> bool {
    true
}

/// Runs `f` against a fresh writer and returns the bytes it wrote.
fn reply(proto: Protocol, f: impl FnOnce(&mut ReplyWriter<'_>)) -> Vec<u8> {
    let mut out = Vec::new();
    f(&mut ReplyWriter::new(&mut out, proto));
    out
}

fn positions(line: &str) -> (KeySearch, Vec<usize>) {
    let args: Vec<&[u8]> = line.split(' ').map(str::as_bytes).collect();
    let spec = lookup_argv(&args).expect("known command");
    let mut out = Vec::new();
    let r = key_positions(spec, &args, &mut out);
    (r, out)
}

fn keys_with_flags(line: &str) -> (KeySearch, Vec<(usize, u64)>) {
    let args: Vec<&[u8]> = line.split(' ').map(str::as_bytes).collect();
    let spec = lookup_argv(&args).expect("known command");
    let mut out = Vec::new();
    let r = get_keys(spec, &args, &mut out);
    (r, out.iter().map(|k| (k.index, k.flags)).collect())
}

#[test]
fn lookup_is_ascii_case_insensitive() {
    let get = lookup(b"get").unwrap();
    assert_eq!(get.name, "get");
    assert!(std::ptr::eq(get, lookup(b"GET").unwrap()));
    assert!(std::ptr::eq(get, lookup(b"gEt").unwrap()));
    assert!(lookup(b"nosuch").is_none());
    assert!(lookup(b"").is_none());
    assert!(lookup(b"get ").is_none());
    assert!(lookup(b"ge").is_none());
    assert_eq!(lookup(b"ZUNIONSTORE").unwrap().name, "zunionstore");
    assert_eq!(lookup(b"Restore-Asking").unwrap().name, "restore-asking");

    let client = lookup(b"Client").unwrap();
    assert_eq!(
        lookup_subcommand(client, b"LIST").unwrap().name,
        "client|list"
    );
    assert_eq!(
        lookup_subcommand(client, b"no-evict").unwrap().name,
        "client|no-evict"
    );
    assert!(lookup_subcommand(client, b"nosuch").is_none());
    assert!(lookup_subcommand(client, b"client|list").is_none());
}

#[test]
fn full_names_and_argv_lookup() {
    assert_eq!(lookup_fullname(b"CLIENT|List").unwrap().name, "client|list");
    assert_eq!(lookup_fullname(b"client").unwrap().name, "client");
    // Valkey's lookupCommandBySds: a `|` needs a container, and one level only.
    assert!(lookup_fullname(b"get|x").is_none());
    assert!(lookup_fullname(b"client|list|x").is_none());
    assert!(lookup_fullname(b"client|").is_none());
    assert!(lookup_fullname(b"|list").is_none());
    assert!(lookup_fullname(b"").is_none());

    assert_eq!(
        lookup_argv(&[&b"object"[..], b"ENCODING", b"k"])
            .unwrap()
            .name,
        "object|encoding"
    );
    assert_eq!(lookup_argv(&[&b"object"[..]]).unwrap().name, "object");
    assert!(lookup_argv(&[&b"object"[..], b"nosuch"]).is_none());
    // A plain command ignores its arguments.
    assert_eq!(lookup_argv(&[&b"get"[..], b"list"]).unwrap().name, "get");
    assert!(lookup_argv::<&[u8]>(&[]).is_none());
}

#[test]
fn table_is_sorted_lowercase_and_sentinel_free() {
    let table = commands();
    assert!(table.len() > 200);
    for pair in table.windows(2) {
        assert!(
            pair[0].name < pair[1].name,
            "{} before {}",
            pair[0].name,
            pair[1].name
        );
    }
    for c in table {
        assert_eq!(c.name, c.name.to_ascii_lowercase());
        assert!(!c.name.contains('|'));
        assert_ne!(c.docs.group, Group::Sentinel);
        for pair in c.subcommands.windows(2) {
            assert!(pair[0].name < pair[1].name);
        }
        for s in c.subcommands {
            assert!(s.name.starts_with(c.name) && s.name.as_bytes()[c.name.len()] == b'|');
            assert!(s.subcommands.is_empty());
        }
    }
    assert!(lookup(b"sentinel").is_none());
}

#[test]
fn arity() {
    assert_eq!(cmd("get").arity, 2);
    assert_eq!(cmd("set").arity, -3);
    assert_eq!(cmd("client|list").arity, -2);
    assert!(arity_ok(cmd("get"), 2));
    assert!(!arity_ok(cmd("get"), 1));
    assert!(!arity_ok(cmd("get"), 3));
    assert!(!arity_ok(cmd("set"), 2));
    assert!(arity_ok(cmd("set"), 3));
    assert!(arity_ok(cmd("set"), 9));
    assert!(arity_ok(cmd("set"), usize::MAX));
}

#[test]
fn key_positions_range_and_keynum() {
    assert_eq!(
        positions("MSET k1 v1 k2 v2"),
        (KeySearch::Found, vec![1, 3])
    );
    assert_eq!(
        positions("ZUNIONSTORE dst 2 a b"),
        (KeySearch::Found, vec![1, 3, 4])
    );
    assert_eq!(
        positions("zunionstore dst 2 a b WEIGHTS 1 2"),
        (KeySearch::Found, vec![1, 3, 4])
    );
    assert_eq!(positions("del a b c"), (KeySearch::Found, vec![1, 2, 3]));
    assert_eq!(positions("blpop a b 0"), (KeySearch::Found, vec![1, 2]));
    assert_eq!(
        positions("blmpop 0 2 a b LEFT"),
        (KeySearch::Found, vec![3, 4])
    );
    assert_eq!(positions("object encoding k"), (KeySearch::Found, vec![2]));
    assert_eq!(positions("ping"), (KeySearch::Found, vec![]));
    // SET's key flags vary with GET, but its key position does not.
    assert_eq!(positions("set k v GET"), (KeySearch::Found, vec![1]));
}

#[test]
fn eval_numkeys() {
    assert_eq!(
        positions("EVAL body 2 a b c"),
        (KeySearch::Found, vec![3, 4])
    );
    assert_eq!(positions("evalsha sha 1 a"), (KeySearch::Found, vec![3]));
    assert_eq!(positions("fcall f 1 a"), (KeySearch::Found, vec![3]));
    // 0 keys, a bad count or too few arguments: the specs give up and Valkey asks evalGetKeys.
    for line in [
        "eval body 0",
        "eval body x a",
        "eval body -1 a",
        "eval body 3 a",
        "eval body 01 a",
    ] {
        assert_eq!(
            positions(line),
            (KeySearch::NeedsGetKeysFunction, vec![]),
            "{line}"
        );
    }
}

#[test]
fn keyword_specs() {
    // GEORADIUS: STORE / STOREDIST searched forward from argument 6.
    assert_eq!(
        positions("georadius k 0 0 1 m"),
        (KeySearch::Found, vec![1])
    );
    assert_eq!(
        positions("georadius k 0 0 1 m STORE dst"),
        (KeySearch::Found, vec![1, 7])
    );
    assert_eq!(
        positions("georadius k 0 0 1 m WITHDIST storedist dst"),
        (KeySearch::Found, vec![1, 8])
    );
    // The search never looks at the last argument: a keyword there has no key after it.
    assert_eq!(
        positions("georadius k 0 0 1 m STORE"),
        (KeySearch::Found, vec![1])
    );
    // XREAD: keys are the first half of what follows STREAMS (limit 2).
    assert_eq!(
        positions("XREAD COUNT 2 STREAMS a b 0 0"),
        (KeySearch::Found, vec![4, 5])
    );
    assert_eq!(positions("xread streams a 0"), (KeySearch::Found, vec![2]));
    assert_eq!(
        positions("xreadgroup GROUP g c STREAMS a b > >"),
        (KeySearch::Found, vec![5, 6])
    );
    // No STREAMS keyword: the spec finds nothing; XREAD has a key function to report errors.
    assert_eq!(positions("xread count 2 a b"), (KeySearch::Found, vec![]));
}

#[test]
fn migrate_and_sort_need_their_key_functions() {
    let migrate = "migrate host 6379 EMPTY 0 5000 KEYS a b";
    let args: Vec<&[u8]> = migrate
        .split(' ')
        .map(|a| if a == "EMPTY" { &b""[..] } else { a.as_bytes() })
        .collect();
    let spec = cmd("migrate");
    let mut pos = Vec::new();
    // The KEYS spec is INCOMPLETE, so the search as a whole fails ...
    assert_eq!(
        key_positions(spec, &args, &mut pos),
        KeySearch::NeedsGetKeysFunction
    );
    assert!(pos.is_empty());
    let mut keys = Vec::new();
    assert_eq!(
        keys_from_specs(spec, &args, SearchOptions::default(), &mut keys),
        Err(InvalidKeySpec)
    );
    assert!(keys.is_empty());
    // ... but a partial search keeps what every spec found (KEYS searched backwards).
    let partial = SearchOptions {
        return_partial: true,
        ..SearchOptions::default()
    };
    keys_from_specs(spec, &args, partial, &mut keys).unwrap();
    assert_eq!(
        keys.iter().map(|k| k.index).collect::<Vec<_>>(),
        vec![3, 7, 8]
    );
    assert!(keys[1].flags & key_flags::INCOMPLETE != 0);

    // SORT's STORE and BY/GET specs are `unknown`.
    assert_eq!(
        positions("sort k STORE dst"),
        (KeySearch::NeedsGetKeysFunction, vec![])
    );
    let mut keys = Vec::new();
    let args: Vec<&[u8]> = vec![b"sort", b"k", b"STORE", b"dst"];
    keys_from_specs(cmd("sort"), &args, partial, &mut keys).unwrap();
    assert_eq!(
        keys,
        vec![KeyRef {
            index: 1,
            flags: key_flags::RO | key_flags::ACCESS
        }]
    );
}

#[test]
fn keys_with_their_flags() {
    assert_eq!(
        keys_with_flags("get k"),
        (
            KeySearch::Found,
            vec![(1, key_flags::RO | key_flags::ACCESS)]
        )
    );
    assert_eq!(
        keys_with_flags("lmove a b LEFT RIGHT"),
        (
            KeySearch::Found,
            vec![
                (1, key_flags::RW | key_flags::ACCESS | key_flags::DELETE),
                (2, key_flags::RW | key_flags::INSERT),
            ]
        )
    );
    // VARIABLE_FLAGS: Valkey asks setGetKeys for the flags.
    assert_eq!(
        keys_with_flags("set k v GET"),
        (KeySearch::NeedsGetKeysFunction, vec![])
    );
    // Too few arguments for a command without a key function: the specs reject it.
    assert_eq!(keys_with_flags("get"), (KeySearch::Invalid, vec![]));
    // The output is appended to, and restored on failure.
    let spec = cmd("zunionstore");
    let mut out = vec![KeyRef {
        index: 99,
        flags: 0,
    }];
    let bad: Vec<&[u8]> = vec![b"zunionstore", b"d", b"5", b"a"];
    assert_eq!(
        get_keys(spec, &bad, &mut out),
        KeySearch::NeedsGetKeysFunction
    );
    assert_eq!(out.len(), 1);
}

/// `(name, first, last, step, movablekeys)` from `COMMAND INFO` on Valkey 9.1.2.
const VALKEY_LEGACY: &[(&str, i32, i32, i32, bool)] = &[
    ("get", 1, 1, 1, false),
    ("set", 1, 1, 1, false),
    ("mset", 1, -1, 2, false),
    ("msetnx", 1, -1, 2, false),
    ("smove", 1, 2, 1, false),
    ("lmove", 1, 2, 1, false),
    ("rpoplpush", 1, 2, 1, false),
    ("brpoplpush", 1, 2, 1, false),
    ("zunionstore", 1, 1, 1, true),
    ("zinterstore", 1, 1, 1, true),
    ("eval", 0, 0, 0, true),
    ("fcall", 0, 0, 0, true),
    ("xread", 0, 0, 0, true),
    ("xreadgroup", 0, 0, 0, true),
    ("georadius", 1, 1, 1, true),
    ("migrate", 3, 3, 1, true),
    ("sort", 1, 1, 1, true),
    ("sort_ro", 1, 1, 1, true),
    ("blpop", 1, -2, 1, false),
    ("bzpopmin", 1, -2, 1, false),
    ("del", 1, -1, 1, false),
    ("mget", 1, -1, 1, false),
    ("bitop", 2, -1, 1, false),
    ("object|encoding", 2, 2, 1, false),
    ("memory|usage", 2, 2, 1, false),
    ("restore", 1, 1, 1, false),
    ("copy", 1, 2, 1, false),
    ("lcs", 1, 2, 1, false),
    ("pfmerge", 1, -1, 1, false),
    ("sinterstore", 1, -1, 1, false),
    ("ping", 0, 0, 0, false),
    ("client|list", 0, 0, 0, false),
    ("exists", 1, -1, 1, false),
    ("bitfield", 1, 1, 1, false),
    ("lmpop", 0, 0, 0, true),
    ("zdiffstore", 1, 1, 1, true),
    ("rename", 1, 2, 1, false),
    ("linsert", 1, 1, 1, false),
    ("watch", 1, -1, 1, false),
    ("keys", 0, 0, 0, false),
];

#[test]
fn legacy_ranges_match_valkey() {
    for &(name, first, last, step, movable) in VALKEY_LEGACY {
        let c = cmd(name);
        assert_eq!(
            (
                c.legacy_range.first,
                c.legacy_range.last,
                c.legacy_range.step
            ),
            (first, last, step),
            "{name}"
        );
        assert_eq!(
            c.flags & flags::MOVABLE_KEYS != 0,
            movable,
            "{name} movablekeys"
        );
    }
}

fn range(pos: i32, lastkey: i32, keystep: i32, flags: u64) -> KeySpec {
    KeySpec {
        notes: None,
        flags,
        begin_search: BeginSearch::Index(pos),
        find_keys: FindKeys::Range {
            lastkey,
            keystep,
            limit: 0,
        },
    }
}

#[test]
fn legacy_range_gluing_rules() {
    let lr = |first, last, step| LegacyRange { first, last, step };
    assert_eq!(legacy_range(&[]), (lr(0, 0, 0), false));
    // One index+range spec is taken as is, step included.
    assert_eq!(legacy_range(&[range(1, -1, 2, 0)]), (lr(1, -1, 2), false));
    assert_eq!(
        legacy_range(&[range(1, 0, 1, key_flags::INCOMPLETE)]),
        (lr(1, 1, 1), true)
    );
    // Consecutive step-1 ranges glue.
    assert_eq!(
        legacy_range(&[range(1, 0, 1, 0), range(2, 0, 1, 0)]),
        (lr(1, 2, 1), false)
    );
    // A negative last key wins (Valkey compares them unsigned).
    assert_eq!(
        legacy_range(&[range(1, 0, 1, 0), range(2, -2, 1, 0)]),
        (lr(1, -2, 1), false)
    );
    // A gap, or a step other than 1, is skipped and makes the keys movable.
    assert_eq!(
        legacy_range(&[range(1, 0, 1, 0), range(3, 0, 1, 0)]),
        (lr(1, 1, 1), true)
    );
    assert_eq!(
        legacy_range(&[range(1, 0, 1, 0), range(2, -1, 2, 0)]),
        (lr(1, 1, 1), true)
    );
    // No usable range at all.
    let keyword = KeySpec {
        notes: None,
        flags: 0,
        begin_search: BeginSearch::Keyword {
            keyword: "STREAMS",
            startfrom: 1,
        },
        find_keys: FindKeys::Range {
            lastkey: -1,
            keystep: 1,
            limit: 2,
        },
    };
    assert_eq!(legacy_range(&[keyword]), (lr(0, 0, 0), true));
    assert_eq!(
        derive_flags(flags::WRITE, &[range(1, 0, 1, 0)]),
        flags::WRITE
    );
    assert_eq!(
        derive_flags(flags::WRITE, &[range(1, 0, 1, 0), range(3, 0, 1, 0)]),
        flags::WRITE | flags::MOVABLE_KEYS
    );
}

#[test]
fn implicit_acl_categories() {
    // Valkey 9.1.2: get is @read @string @fast; set @write @string @slow; client|list
    // @admin @slow @dangerous @connection.
    assert_eq!(
        cmd("get").acl_categories,
        acl::READ | acl::STRING | acl::FAST
    );
    assert_eq!(
        cmd("set").acl_categories,
        acl::WRITE | acl::STRING | acl::SLOW
    );
    assert_eq!(
        cmd("client|list").acl_categories,
        acl::ADMIN | acl::SLOW | acl::DANGEROUS | acl::CONNECTION
    );
    // READONLY scripting commands are not @read.
    assert_eq!(cmd("eval_ro").acl_categories & acl::READ, 0);
    assert_eq!(acl::by_name(b"SortedSet"), Some(acl::SORTEDSET));
    assert_eq!(acl::by_name(b"@read"), None);
}

/// `COMMAND INFO get set` as Valkey 9.1.2 writes it in RESP2.
const RESP2_INFO_GET_SET: &[u8] = b"\
    *2\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n\
    +@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n\
    +access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n\
    *2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\n\
    spec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n\
    *10\r\n$3\r\nset\r\n:-3\r\n*2\r\n+write\r\n+denyoom\r\n:1\r\n:1\r\n:1\r\n*3\r\n\
    +@write\r\n+@string\r\n+@slow\r\n*0\r\n*1\r\n*8\r\n$5\r\nnotes\r\n$48\r\n\
    RW and ACCESS due to the optional `GET` argument\r\n$5\r\nflags\r\n*4\r\n+RW\r\n\
    +access\r\n+update\r\n+variable_flags\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n\
    $5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\n\
    type\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n\
    $5\r\nlimit\r\n:0\r\n*0\r\n";

/// `COMMAND INFO client|list nosuch` as Valkey 9.1.2 writes it in RESP2.
const RESP2_INFO_CLIENT_LIST_NOSUCH: &[u8] = b"\
    *2\r\n*10\r\n$11\r\nclient|list\r\n:-2\r\n*4\r\n+admin\r\n+noscript\r\n+loading\r\n\
    +stale\r\n:0\r\n:0\r\n:0\r\n*4\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n+@connection\r\n\
    *1\r\n$23\r\nnondeterministic_output\r\n*0\r\n*0\r\n$-1\r\n";

/// `COMMAND DOCS get` as Valkey 9.1.2 writes it in RESP2.
const RESP2_DOCS_GET: &[u8] = b"\
    *2\r\n$3\r\nget\r\n*10\r\n$7\r\nsummary\r\n$34\r\nReturns the string value of a key.\r\n\
    $5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$4\r\n\
    O(1)\r\n$9\r\narguments\r\n*1\r\n*8\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\n\
    key\r\n$12\r\ndisplay_text\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n";

/// `COMMAND INFO get set` as Valkey 9.1.2 writes it in RESP3.
const RESP3_INFO_GET_SET: &[u8] = b"\
    *2\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n\
    +@read\r\n+@string\r\n+@fast\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n\
    +access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n\
    %1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\n\
    spec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n\
    *10\r\n$3\r\nset\r\n:-3\r\n~2\r\n+write\r\n+denyoom\r\n:1\r\n:1\r\n:1\r\n~3\r\n\
    +@write\r\n+@string\r\n+@slow\r\n~0\r\n~1\r\n%4\r\n$5\r\nnotes\r\n$48\r\n\
    RW and ACCESS due to the optional `GET` argument\r\n$5\r\nflags\r\n~4\r\n+RW\r\n\
    +access\r\n+update\r\n+variable_flags\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n\
    $5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\n\
    type\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n\
    :1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n";

/// `COMMAND INFO client|list nosuch` as Valkey 9.1.2 writes it in RESP3.
const RESP3_INFO_CLIENT_LIST_NOSUCH: &[u8] = b"\
    *2\r\n*10\r\n$11\r\nclient|list\r\n:-2\r\n~4\r\n+admin\r\n+noscript\r\n+loading\r\n\
    +stale\r\n:0\r\n:0\r\n:0\r\n~4\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n+@connection\r\n\
    ~1\r\n$23\r\nnondeterministic_output\r\n~0\r\n*0\r\n_\r\n";

/// `COMMAND DOCS get` as Valkey 9.1.2 writes it in RESP3.
const RESP3_DOCS_GET: &[u8] = b"\
    %1\r\n$3\r\nget\r\n%5\r\n$7\r\nsummary\r\n$34\r\nReturns the string value of a key.\r\n\
    $5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$4\r\n\
    O(1)\r\n$9\r\narguments\r\n*1\r\n%4\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\n\
    key\r\n$12\r\ndisplay_text\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n";

#[test]
fn command_info_bytes_match_valkey() {
    let info = |proto, names: &[&[u8]]| reply(proto, |w| command_info(w, names, &all));
    assert_eq!(info(Protocol::Resp2, &[b"get", b"set"]), RESP2_INFO_GET_SET);
    assert_eq!(info(Protocol::Resp3, &[b"get", b"set"]), RESP3_INFO_GET_SET);
    assert_eq!(info(Protocol::Resp3, &[b"GET", b"Set"]), RESP3_INFO_GET_SET);
    assert_eq!(
        info(Protocol::Resp2, &[b"client|list", b"nosuch"]),
        RESP2_INFO_CLIENT_LIST_NOSUCH
    );
    assert_eq!(
        info(Protocol::Resp3, &[b"client|list", b"nosuch"]),
        RESP3_INFO_CLIENT_LIST_NOSUCH
    );
}

#[test]
fn command_docs_bytes_match_valkey() {
    let docs = |proto, names: &[&[u8]]| reply(proto, |w| command_docs(w, names, &all));
    assert_eq!(docs(Protocol::Resp2, &[b"get"]), RESP2_DOCS_GET);
    assert_eq!(docs(Protocol::Resp3, &[b"get"]), RESP3_DOCS_GET);
    // Unknown names are left out of the map.
    assert_eq!(docs(Protocol::Resp3, &[b"nosuch", b"get"]), RESP3_DOCS_GET);
    assert_eq!(docs(Protocol::Resp3, &[b"nosuch"]), b"%0\r\n");
    assert_eq!(docs(Protocol::Resp2, &[b"nosuch"]), b"*0\r\n");
}

#[test]
fn include_filters_every_reply() {
    let only = |names: &'static [&'static str]| move |c: &CommandSpec| names.contains(&c.name);
    let info = |names: &[&[u8]], include: Include<'_>| {
        reply(Protocol::Resp3, |w| command_info(w, names, include))
    };
    let get_only = only(&["get"]);
    assert_eq!(
        reply(Protocol::Resp2, |w| command_count(w, &get_only)),
        b":1\r\n"
    );
    assert_eq!(
        reply(Protocol::Resp2, |w| command_count(w, &all)),
        format!(":{}\r\n", commands().len()).into_bytes()
    );
    assert_eq!(info(&[b"set"], &get_only), b"*1\r\n_\r\n");
    // COMMAND INFO without names (and COMMAND): every included command.
    assert_eq!(info(&[], &get_only), info(&[b"get"], &all));
    assert_eq!(
        reply(Protocol::Resp3, |w| command(w, &get_only)),
        info(&[b"get"], &all)
    );
    assert_eq!(
        reply(Protocol::Resp2, |w| command_list(
            w,
            &[],
            &get_only,
            &|_, _| true
        )),
        b"*1\r\n$3\r\nget\r\n"
    );
    assert_eq!(
        reply(Protocol::Resp2, |w| command_docs(w, &[], &get_only)),
        reply(Protocol::Resp2, |w| command_docs(w, &[b"get"], &all))
    );
    // A subcommand needs itself and its parent included.
    assert_eq!(info(&[b"client|list"], &only(&["client"])), b"*1\r\n_\r\n");
    assert_eq!(
        info(&[b"client|list"], &only(&["client|list"])),
        b"*1\r\n_\r\n"
    );
    let both = only(&["client", "client|list"]);
    assert_eq!(
        info(&[b"client|list"], &both),
        info(&[b"client|list"], &all)
    );
    assert_eq!(
        reply(Protocol::Resp2, |w| command_list(w, &[], &both, &|_, _| {
            true
        })),
        b"*2\r\n$6\r\nclient\r\n$11\r\nclient|list\r\n"
    );
    // The container lists only its included subcommands.
    let client = info(&[b"client"], &both);
    let mut tail = b"*1\r\n".to_vec(); // the subcommands array: client|list only
    tail.extend_from_slice(&info(&[b"client|list"], &all)[b"*1\r\n".len()..]);
    assert!(client.ends_with(&tail));
}

#[test]
fn command_list_filters() {
    let list = |args: &[&[u8]]| {
        let glob = |pat: &[u8], name: &[u8]| match pat.strip_suffix(b"*") {
            Some(prefix) => {
                name.len() >= prefix.len() && name[..prefix.len()].eq_ignore_ascii_case(prefix)
            }
            None => pat.eq_ignore_ascii_case(name),
        };
        reply(Protocol::Resp2, |w| command_list(w, args, &all, &glob))
    };
    assert_eq!(
        list(&[b"FILTERBY", b"pattern", b"CLIENT|LIS*"]),
        b"*1\r\n$11\r\nclient|list\r\n"
    );
    assert_eq!(list(&[b"filterby", b"module", b"m"]), b"*0\r\n");
    assert_eq!(list(&[b"filterby", b"aclcat", b"nosuch"]), b"*0\r\n");
    let hll = list(&[b"filterby", b"ACLCAT", b"hyperloglog"]);
    assert!(
        hll.starts_with(b"*5\r\n$5\r\npfadd\r\n"),
        "{}",
        String::from_utf8_lossy(&hll)
    );
    assert_eq!(
        list(&[b"filterby", b"bogus", b"x"]),
        b"-ERR syntax error\r\n"
    );
    assert_eq!(list(&[b"filterby", b"aclcat"]), b"-ERR syntax error\r\n");
    assert_eq!(list(&[b"x"]), b"-ERR syntax error\r\n");
}

#[test]
fn getkeys_replies() {
    // Expected replies from Valkey 9.1.2.
    let getkeys = |line: &str, with_flags: bool| {
        let args: Vec<&[u8]> = line.split(' ').map(str::as_bytes).collect();
        let sort_keys = |spec: &CommandSpec, _: &[&[u8]], out: &mut Vec<KeyRef>| {
            if spec.name == "sort" {
                out.push(KeyRef {
                    index: 1,
                    flags: key_flags::RO | key_flags::ACCESS,
                });
                out.push(KeyRef {
                    index: 3,
                    flags: key_flags::OW | key_flags::UPDATE,
                });
            }
        };
        reply(Protocol::Resp3, |w| {
            command_getkeys(w, &args, with_flags, &all, &sort_keys)
        })
    };
    assert_eq!(
        getkeys("nosuch", false),
        b"-ERR Invalid command specified\r\n"
    );
    assert_eq!(
        getkeys("client nosuch", false),
        b"-ERR Invalid command specified\r\n"
    );
    assert_eq!(
        getkeys("ping", false),
        b"-ERR The command has no key arguments\r\n"
    );
    assert_eq!(
        getkeys("get", false),
        b"-ERR Invalid number of arguments specified for command\r\n"
    );
    assert_eq!(getkeys("GET a", false), b"*1\r\n$1\r\na\r\n");
    assert_eq!(
        getkeys("mset k1 v1 k2 v2", false),
        b"*2\r\n$2\r\nk1\r\n$2\r\nk2\r\n"
    );
    assert_eq!(
        getkeys("lmove a b left right", true),
        &b"*2\r\n*2\r\n$1\r\na\r\n~3\r\n+RW\r\n+access\r\n+delete\r\n\
           *2\r\n$1\r\nb\r\n~2\r\n+RW\r\n+insert\r\n"[..]
    );
    // EVAL has no mandatory keys: an empty array, not an error.
    assert_eq!(getkeys("eval s 0", false), b"*0\r\n");
    assert_eq!(
        getkeys("zunion 3 a b", false),
        b"-ERR Invalid arguments specified for command\r\n"
    );
    assert_eq!(
        getkeys("sort a store b", false),
        b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"
    );
    assert_eq!(getkeys("object encoding k", false), b"*1\r\n$1\r\nk\r\n");
}

#[test]
fn command_help_lines() {
    let help = reply(Protocol::Resp2, command_help);
    assert!(help.starts_with(
        b"*21\r\n+COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"
    ));
    assert!(help.ends_with(b"+HELP\r\n+    Print this help.\r\n"));
}
