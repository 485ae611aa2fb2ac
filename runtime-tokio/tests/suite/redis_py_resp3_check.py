#!/usr/bin/env python3
"""redis-py in its default protocol (RESP3 from redis-py 8 on; asked for explicitly before)
against a running server: `python3 redis_py_resp3_check.py PORT`.

Run by tests/suite/clients.rs on a fresh, empty server. Checks the replies whose RESP3 shape
redis-py's parsers depend on (maps, sets, doubles, push frames, flat pair arrays): PUBSUB,
CLIENT, COMMAND, HELLO, INFO, CONFIG GET, ROLE, hashes and sorted sets. Every expectation was
checked against valkey-server 9.1.2. Exits non-zero on the first mismatch; prints `ok: ...` per
check and `redis-py resp3: all checks passed` at the end.
"""

import sys
import time

import redis

GET_DOCS = {
    "summary": "Returns the string value of a key.",
    "since": "1.0.0",
    "group": "string",
    "complexity": "O(1)",
    "arguments": [{"name": "key", "type": "key", "display_text": "key", "key_spec_index": 0}],
}
GET_INFO = {
    "name": "get",
    "arity": 2,
    "flags": ["readonly", "fast"],
    "first_key_pos": 1,
    "last_key_pos": 1,
    "step_count": 1,
    "acl_categories": ["@read", "@string", "@fast"],
    "tips": [],
    "key_specifications": [
        {
            "flags": ["RO", "access"],
            "begin_search": {"type": "index", "spec": {"index": 1}},
            "find_keys": {"type": "range", "spec": {"lastkey": 0, "keystep": 1, "limit": 0}},
        }
    ],
    "subcommands": [],
}


def check(what, got, want):
    if got != want:
        sys.exit(f"MISMATCH {what}: got {got!r}, want {want!r}")
    print(f"ok: {what}")


def wait_until(what, probe, want):
    deadline = time.time() + 5
    while (got := probe()) != want:
        if time.time() > deadline:
            sys.exit(f"MISMATCH {what}: got {got!r}, want {want!r}")
        time.sleep(0.02)
    print(f"ok: {what}")


def main():
    port = int(sys.argv[1])
    major = int(redis.__version__.split(".")[0])
    # redis-py 8 says HELLO 3 on its own; older versions only when asked.
    kw = {} if major >= 8 else {"protocol": 3}
    r = redis.Redis(host="127.0.0.1", port=port, decode_responses=True, socket_timeout=10, **kw)

    # Connect: HELLO 3, CLIENT SETINFO lib-name / lib-ver, then our own SETNAME.
    check("client_setname", r.client_setname("py-resp3"), True)
    me = r.client_info()
    check("client_info resp", me["resp"], "3")
    check("client_info lib-name", me["lib-name"], "redis-py")
    check("client_info name", me["name"], "py-resp3")
    check("client_info id", me["id"], r.client_id())
    mine = [c for c in r.client_list() if c["id"] == str(me["id"])]
    check("client_list has us", [c["name"] for c in mine], ["py-resp3"])
    check("client_getname", r.client_getname(), "py-resp3")
    check("client_trackinginfo", r.client_trackinginfo(), ["flags", ["off"], "redirect", -1, "prefixes", []])
    hello = r.execute_command("HELLO", 3)
    check("hello map", (hello["proto"], hello["mode"], hello["role"], hello["id"]), (3, "standalone", "master", me["id"]))
    check("role", r.role(), ["master", 0, []])

    # INFO parsed into a dict.
    info = r.info()
    check("info role", info["role"], "master")
    check("info connected_slaves", info["connected_slaves"], 0)
    check("info aof_enabled", info["aof_enabled"], 0)
    check("info loading", info["loading"], 0)
    check("info cluster_enabled", info["cluster_enabled"], 0)
    check("info replication only", sorted(r.info("replication"))[:3], ["connected_slaves", "master_failover_state", "master_repl_offset"])
    check("config_get", r.config_get("maxclients"), {"maxclients": "10000"})

    # Hashes and sorted sets: maps and doubles.
    r.hset("p3:h", mapping={"f1": "a", "f2": "b"})
    check("hgetall dict", r.hgetall("p3:h"), {"f1": "a", "f2": "b"})
    r.zadd("p3:z", {"one": 1, "two": 2.5})
    check("zrange withscores", r.zrange("p3:z", 0, -1, withscores=True), [("one", 1.0), ("two", 2.5)])
    check("zscore double", r.zscore("p3:z", "two"), 2.5)
    r.sadd("p3:s", "x")
    check("smembers set", r.smembers("p3:s"), {"x"})
    check("object encoding", r.object("encoding", "p3:h"), "listpack")

    # COMMAND: maps for DOCS and the key specs, flat arrays for the rest.
    check("command docs get", r.execute_command("COMMAND DOCS", "get"), {"get": GET_DOCS})
    check("command docs unknown", r.execute_command("COMMAND DOCS", "nosuch"), {})
    check("command info get", r.command()["get"], GET_INFO)
    check("command count", r.command_count() > 150, True)
    check("command list pattern", r.command_list(pattern="g?t"), ["get"])
    check("command getkeys", r.command_getkeys("set", "a", "b"), ["a"])
    check(
        "command getkeysandflags",
        r.execute_command("COMMAND GETKEYSANDFLAGS", "lmove", "a", "b", "left", "right"),
        [["a", ["RW", "access", "delete"]], ["b", ["RW", "insert"]]],
    )

    # Pub/sub: push frames on a RESP3 connection, PUBSUB counters as flat pair arrays.
    p = r.pubsub()
    p.subscribe("p3:news")
    p.psubscribe("p3:ev:*")
    check("subscribe confirmation", p.get_message(timeout=5)["type"], "subscribe")
    check("psubscribe confirmation", p.get_message(timeout=5)["type"], "psubscribe")
    wait_until("pubsub_numsub", lambda: r.pubsub_numsub("p3:news", "p3:none"), [("p3:news", 1), ("p3:none", 0)])
    check("pubsub_shardnumsub", r.pubsub_shardnumsub("p3:news"), [("p3:news", 0)])
    check("pubsub_channels", r.pubsub_channels(), ["p3:news"])
    check("pubsub_numpat", r.pubsub_numpat(), 1)
    subscribers = r.client_list(_type="pubsub")
    check("client_list type pubsub", [(c["sub"], c["psub"], c["flags"]) for c in subscribers], [("1", "1", "P")])
    check("publish", r.publish("p3:news", "hi"), 1)
    msg = p.get_message(timeout=5)
    check("message", (msg["type"], msg["channel"], msg["data"]), ("message", "p3:news", "hi"))
    check("publish via pattern", r.publish("p3:ev:1", "e"), 1)
    msg = p.get_message(timeout=5)
    check("pmessage", (msg["type"], msg["pattern"], msg["channel"], msg["data"]), ("pmessage", "p3:ev:*", "p3:ev:1", "e"))
    p.close()
    wait_until("pubsub_numsub after close", lambda: r.pubsub_numsub("p3:news"), [("p3:news", 0)])
    print("redis-py resp3: all checks passed")


if __name__ == "__main__":
    main()
