#!/usr/bin/env python3
"""valkey-glide (the sync client, PyPI `valkey-glide-sync`) against a running server:
`python3 glide_check.py PORT`.

Run by tests/suite/clients.rs on a fresh, empty server. Glide reads `INFO REPLICATION` before
its first command to find the primary, speaks RESP3 by default, sends `CLIENT SETINFO` and
`CLIENT SETNAME` on connect, and its server-assisted cache turns on CLIENT TRACKING BCAST.
Exits non-zero (with the mismatch on stderr) on the first wrong reply; prints one `ok: ...`
line per check and `glide: all checks passed` at the end. Every expectation holds against
valkey-server 9.1.2 as well.
"""

import re
import sys
import time

from glide_sync import (
    Batch,
    ClientSideCache,
    GlideClient,
    GlideClientConfiguration,
    InfoSection,
    NodeAddress,
    ProtocolVersion,
    RangeByIndex,
)

PubSub = GlideClientConfiguration.PubSubSubscriptions
Modes = GlideClientConfiguration.PubSubChannelModes


def check(what, got, want):
    if got != want:
        sys.exit(f"MISMATCH {what}: got {got!r}, want {want!r}")
    print(f"ok: {what}")


def connect(port, **kw):
    config = GlideClientConfiguration(
        [NodeAddress("127.0.0.1", port)], request_timeout=5000, **kw
    )
    return GlideClient.create(config)


def main():
    port = int(sys.argv[1])
    c = connect(port, client_name="glide-check")
    check("client name sent on connect", c.client_getname(), b"glide-check")
    check("set", c.set("g:k", "v"), "OK")
    check("get", c.get("g:k"), b"v")
    check("get missing", c.get("g:missing"), None)
    check("mset", c.mset({"g:a": "1", "g:b": "2"}), "OK")
    check("mget", c.mget(["g:a", "g:missing", "g:b"]), [b"1", None, b"2"])
    check("incr", c.incr("g:n"), 1)

    # INFO REPLICATION: what glide itself reads to find the primary.
    repl = c.info([InfoSection.REPLICATION]).decode()
    fields = dict(
        line.split(":", 1) for line in repl.splitlines() if ":" in line
    )
    check("info replication role", fields.get("role"), "master")
    check("info replication connected_slaves", fields.get("connected_slaves"), "0")
    replid = fields.get("master_replid", "")
    check("info replication master_replid", bool(re.fullmatch(r"[0-9a-f]{40}", replid)), True)
    sections = re.findall(r"^# (\w+)", c.info().decode(), re.M)
    for want in ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Keyspace"]:
        if want not in sections:
            sys.exit(f"MISMATCH info: no {want} section in {sections}")
    print("ok: info default sections")

    # A non-atomic batch (one pipeline) and an atomic one (MULTI/EXEC).
    batch = Batch(is_atomic=False)
    for i in range(100):
        batch.set(f"g:p:{i}", str(i))
    batch.get("g:p:42")
    batch.incrby("g:n", 41)
    replies = c.exec(batch, raise_on_error=True)
    check("pipeline replies", replies[-2:], [b"42", 42])
    check("pipeline sets", replies[:100], ["OK"] * 100)
    tx = Batch(is_atomic=True)
    tx.set("g:t", "x")
    tx.append("g:t", "y")
    tx.get("g:t")
    check("transaction", c.exec(tx, raise_on_error=True), ["OK", 2, b"xy"])

    # RESP3 shapes through glide's own parsing.
    c.hset("g:h", {"f1": "a", "f2": "b"})
    check("hgetall", c.hgetall("g:h"), {b"f1": b"a", b"f2": b"b"})
    c.zadd("g:z", {"one": 1.0, "two": 2.5})
    check(
        "zrange withscores",
        c.zrange_withscores("g:z", RangeByIndex(0, -1)),
        {b"one": 1.0, b"two": 2.5},
    )

    # Pub/sub: subscriptions given at connect (glide subscribes and resubscribes itself).
    sub = connect(
        port,
        pubsub_subscriptions=PubSub(
            channels_and_patterns={Modes.Exact: {"g:news"}, Modes.Pattern: {"g:ev:*"}},
            callback=None,
            context=None,
        ),
    )
    deadline = time.time() + 5
    while c.pubsub_numsub(["g:news"]) != {b"g:news": 1}:
        if time.time() > deadline:
            sys.exit(f"MISMATCH pubsub_numsub: {c.pubsub_numsub(['g:news'])!r}")
        time.sleep(0.05)
    print("ok: pubsub_numsub")
    check("pubsub_channels", c.pubsub_channels(), [b"g:news"])
    check("pubsub_numpat", c.pubsub_numpat(), 1)
    check("publish to one subscriber", c.publish("hello", "g:news"), 1)
    check("publish via a pattern", c.publish("event", "g:ev:1"), 1)
    got = []
    deadline = time.time() + 5
    while len(got) < 2 and time.time() < deadline:
        msg = sub.try_get_pubsub_message()
        if msg is None:
            time.sleep(0.02)
            continue
        got.append((msg.message, msg.channel, msg.pattern))
    check(
        "messages received",
        got,
        [(b"hello", b"g:news", None), (b"event", b"g:ev:1", b"g:ev:*")],
    )
    sub.close()

    # Server-assisted client-side caching: glide turns on CLIENT TRACKING BCAST and drops a
    # cached value when the server's invalidation push arrives (the TTL alone would keep the
    # stale value for a minute).
    cache = ClientSideCache.create(max_cache_kb=1024, entry_ttl_ms=60_000, server_assisted=True)
    cached = connect(port, client_side_cache=cache)
    flags = cached.custom_command(["CLIENT", "INFO"]).decode().split(" flags=")[1].split(" ")[0]
    check("cached client tracks in BCAST mode", "t" in flags and "B" in flags, True)
    c.set("g:cached", "1")
    check("cached get", (cached.get("g:cached"), cached.get("g:cached")), (b"1", b"1"))
    c.set("g:cached", "2")
    deadline = time.time() + 5
    while cached.get("g:cached") != b"2":
        if time.time() > deadline:
            sys.exit("MISMATCH cached get after a write: still the old value after 5 s")
        time.sleep(0.02)
    print("ok: cached value invalidated by the server")
    cached.close()

    # RESP2 as well.
    r2 = connect(port, protocol=ProtocolVersion.RESP2)
    check("resp2 get", r2.get("g:k"), b"v")
    check("resp2 hgetall", r2.hgetall("g:h"), {b"f1": b"a", b"f2": b"b"})
    r2.close()
    check("dbsize", c.dbsize(), 108)
    c.close()
    print("glide: all checks passed")


if __name__ == "__main__":
    main()
