#!/usr/bin/env python3
"""redis-py against a running ferrokey: `python3 redis_py_check.py PORT`.

Run by tests/suite/clients.rs on a fresh, empty server. Exits non-zero (with the mismatch on
stderr) on the first wrong reply; prints one `ok: ...` line per check and `redis-py: all checks
passed` at the end.
"""

import sys

import redis

KEYS = 100_000
BATCH = 10_000


def check(what, got, want):
    if got != want:
        sys.exit(f"MISMATCH {what}: got {got!r}, want {want!r}")
    print(f"ok: {what}")


def main():
    port = int(sys.argv[1])
    r = redis.Redis(host="127.0.0.1", port=port, decode_responses=True, socket_timeout=30)
    check("ping", r.ping(), True)
    check("dbsize on a fresh server", r.dbsize(), 0)

    # 100k SETs through non-transactional pipelines, BATCH commands per round trip.
    for start in range(0, KEYS, BATCH):
        pipe = r.pipeline(transaction=False)
        for i in range(start, start + BATCH):
            pipe.set(f"key:{i}", f"val:{i}")
        replies = pipe.execute()
        if replies != [True] * BATCH:
            bad = next(x for x in replies if x is not True)
            sys.exit(f"MISMATCH pipeline batch at {start}: a SET replied {bad!r}")
    print(f"ok: {KEYS} pipelined SETs")
    check("dbsize after the pipelines", r.dbsize(), KEYS)

    # Values read back, also through a pipeline (spot checks plus one full MGET batch).
    check("get key:0", r.get("key:0"), "val:0")
    check("get key:99999", r.get("key:99999"), "val:99999")
    names = [f"key:{i}" for i in range(50_000, 50_000 + BATCH)]
    check("mget of a batch", r.mget(names), [f"val:{i}" for i in range(50_000, 50_000 + BATCH)])

    # SCAN walks the whole keyspace exactly: key:1, key:10..19, key:100..199, ... 11111 keys.
    want = {f"key:{i}" for i in range(KEYS) if str(i).startswith("1")}
    # (SCAN may return a key twice; the set is what it guarantees.)
    seen = set(r.scan_iter(match="key:1*", count=1000))
    check("scan_iter key:1* count", len(seen), 11111)
    check("scan_iter key:1* key set", seen, want)

    # Counters and errors.
    check("incr new key", r.incr("counter"), 1)
    check("incrby", r.incrby("counter", 41), 42)
    check("get counter", r.get("counter"), "42")
    try:
        r.incr("key:5")
        sys.exit("MISMATCH incr on a non-integer value did not raise")
    except redis.ResponseError as e:
        check("incr on a non-integer value", str(e), "value is not an integer or out of range")
    check("set nx on an existing key", r.set("key:5", "x", nx=True), None)
    check("set xx get", r.set("key:5", "new", xx=True, get=True), "val:5")
    check("expire", r.expire("key:5", 100), True)
    ttl = r.ttl("key:5")
    if not 90 <= ttl <= 100:
        sys.exit(f"MISMATCH ttl: got {ttl!r}, want 90..100")
    print("ok: ttl")
    check("delete", r.delete("key:5", "key:6", "no-such-key"), 2)
    check("exists", r.exists("key:5", "key:7", "key:8"), 2)
    check("dbsize at the end", r.dbsize(), KEYS - 2 + 1)

    # RESP3 (HELLO 3): maps come back as dicts, nulls as None.
    r3 = redis.Redis(host="127.0.0.1", port=port, decode_responses=True, protocol=3)
    check("resp3 config get", r3.config_get("port"), {"port": str(port)})
    check("resp3 get missing", r3.get("no-such-key"), None)
    check("resp3 get", r3.get("key:7"), "val:7")
    check("resp3 client setname/getname", (r3.client_setname("py3"), r3.client_getname()), (True, "py3"))
    clients = r.info("clients")["connected_clients"]
    if clients < 2:
        sys.exit(f"MISMATCH connected_clients: got {clients!r}, want >= 2")
    print("ok: info clients")
    print("redis-py: all checks passed")


if __name__ == "__main__":
    main()
