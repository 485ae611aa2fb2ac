//! `maxmemory` eviction: when used memory is over the limit, keys are deleted by Valkey's
//! approximated policies until it is under again (or nothing is left to evict).
//!
//! Each round samples `maxmemory-samples` keys from each database, starting at a random shard
//! and going on to the next ones until the sample is full, and deletes the best candidate:
//! the least recently used (`*-lru`), the nearest deadline (`volatile-ttl`) or the first
//! (`*-random`). `*-lfu` uses the access time too: ferrokey keeps no access counter yet, so
//! LFU is approximated by recency. Only one shard lock is held at a time, so eviction runs on
//! whatever thread finds memory short, with no global lock. Evicted keys are announced as
//! `evicted` events and invalidated for tracking clients, as Valkey does.

use crate::config::Config;
use crate::keyspace::SHARDS;
use crate::server::Server;

/// Which keys a policy may evict, and how it ranks them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Policy {
    NoEviction,
    AllKeys(Rank),
    Volatile(Rank),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rank {
    Random,
    Lru,
    Ttl,
}

impl Policy {
    fn of(config: &Config) -> Policy {
        match config.passive_text("maxmemory-policy").as_str() {
            "allkeys-random" => Policy::AllKeys(Rank::Random),
            "allkeys-lru" | "allkeys-lfu" => Policy::AllKeys(Rank::Lru),
            "volatile-random" => Policy::Volatile(Rank::Random),
            "volatile-lru" | "volatile-lfu" => Policy::Volatile(Rank::Lru),
            "volatile-ttl" => Policy::Volatile(Rank::Ttl),
            _ => Policy::NoEviction,
        }
    }
}

/// True when used memory is over `maxmemory` (never without the runtime's memory probe).
pub fn over_limit(server: &Server) -> bool {
    let limit = server.maxmemory();
    limit != 0
        && server
            .probes()
            .used_memory
            .is_some_and(|used| used() as u64 > limit)
}

/// Evicts until used memory is at most `maxmemory`; true when it is (or no limit is set).
/// Call with no shard lock held.
pub fn make_room(server: &Server, config: &Config) -> bool {
    if !over_limit(server) {
        return true;
    }
    let policy = Policy::of(config);
    let (volatile, rank) = match policy {
        Policy::NoEviction => return false,
        Policy::AllKeys(rank) => (false, rank),
        Policy::Volatile(rank) => (true, rank),
    };
    let samples = config.passive_i64("maxmemory-samples").clamp(1, 64) as usize;
    let _collect = crate::notify::Collect::new(crate::notify::collect_for(
        config.notify_keyspace_events,
        server.tracking.active(),
    ));
    let mut room = true;
    while over_limit(server) {
        if !evict_one(server, volatile, rank, samples) {
            room = false;
            break;
        }
        server.publish_events(config);
    }
    server.tracking.flush(server);
    crate::lazyfree::release(server);
    room
}

/// Samples each database and deletes the best candidate found; false when there was none.
fn evict_one(server: &Server, volatile: bool, rank: Rank, samples: usize) -> bool {
    // (score: lower is evicted first, db, shard, key)
    let mut best: Option<(u64, usize, usize, Vec<u8>)> = None;
    let start = crate::value::random_below(SHARDS);
    for (db_index, db) in server.dbs().iter().enumerate() {
        let mut found = 0;
        for step in 0..SHARDS {
            if found >= samples {
                break;
            }
            let shard_index = (start + step) % SHARDS;
            let mut shard = db.shards().lock_one(shard_index);
            let empty = if volatile {
                shard.volatile_len() == 0
            } else {
                shard.is_empty()
            };
            if empty {
                continue;
            }
            for (key, atime, expire_at) in shard.eviction_samples(samples - found, volatile) {
                found += 1;
                let score = match rank {
                    Rank::Random => 0,
                    Rank::Lru => u64::from(atime),
                    Rank::Ttl => expire_at,
                };
                if best.as_ref().is_none_or(|b| score < b.0) {
                    best = Some((score, db_index, shard_index, key));
                }
            }
        }
    }
    let Some((_, db, shard, key)) = best else {
        return false;
    };
    let mut shard = server.dbs()[db].shards().lock_one(shard);
    if let Some(old) = shard.evict(&key) {
        drop(shard);
        if crate::lazyfree::worth_it(&old.value) {
            server.lazyfree.free(vec![old], 1);
        }
    }
    true
}

#[cfg(all(test, not(loom)))]
mod tests {
    use crate::sync::Arc;
    use crate::{Config, Connection, Server};

    const T0: u64 = 1_700_000_000_000_000;

    use crate::testing::talk;

    /// A server whose runtime reports 2 MB in use, whatever is stored: over a 1 MB limit,
    /// eviction can never make room, so it evicts every key it may and then refuses.
    fn over_limit_server() -> Arc<Server> {
        fn used() -> usize {
            2 << 20
        }
        Arc::new(Server::new(Config::default()).with_probes(crate::Probes {
            used_memory: Some(used),
            ..Default::default()
        }))
    }

    #[test]
    fn lru_evicts_the_least_recently_used_first_and_announces_it() {
        let server = over_limit_server();
        let (mut c, mut sub) = (Connection::new(server.clone()), Connection::new(server));
        talk(&mut c, "CONFIG SET notify-keyspace-events Ee\r\n", T0);
        talk(&mut sub, "PSUBSCRIBE __keyevent@0__:evicted\r\n", T0);
        talk(&mut c, "SET c 1\r\n", T0);
        talk(&mut c, "SET a 1\r\n", T0 + 10_000_000);
        talk(&mut c, "SET b 1\r\n", T0 + 20_000_000);
        talk(&mut c, "GET c\r\n", T0 + 30_000_000);
        let later = T0 + 40_000_000;
        talk(
            &mut c,
            "CONFIG SET maxmemory-policy allkeys-lru maxmemory 1mb\r\n",
            later,
        );
        let mut pushed = Vec::new();
        sub.take_output(&mut pushed);
        sub.receive(b"", later);
        let mut more = Vec::new();
        sub.take_output(&mut more);
        let text = String::from_utf8([pushed, more].concat()).unwrap();
        let order: Vec<&str> = text
            .split("\r\n")
            .filter(|l| ["a", "b", "c"].contains(l))
            .collect();
        assert_eq!(order, ["a", "b", "c"], "{text:?}");
        assert!(talk(&mut c, "INFO stats\r\n", later).contains("evicted_keys:3\r\n"));
        talk(&mut c, "CONFIG RESETSTAT\r\n", later);
        assert!(talk(&mut c, "INFO stats\r\n", later).contains("evicted_keys:0\r\n"));
        assert_eq!(
            talk(&mut c, "DBSIZE\r\nSET d 1\r\n", later),
            ":0\r\n-OOM command not allowed when used memory > 'maxmemory'.\r\n"
        );
    }

    #[test]
    fn volatile_policies_evict_only_keys_with_a_ttl() {
        let mut c = Connection::new(over_limit_server());
        talk(
            &mut c,
            "SET keep 1\r\nSET soon 1 EX 10\r\nSET later 1 EX 1000\r\n",
            T0,
        );
        talk(
            &mut c,
            "CONFIG SET maxmemory-policy volatile-ttl maxmemory 1mb\r\n",
            T0,
        );
        assert_eq!(talk(&mut c, "KEYS *\r\n", T0), "*1\r\n$4\r\nkeep\r\n");
        // noeviction keeps everything and refuses.
        talk(
            &mut c,
            "CONFIG SET maxmemory 0 maxmemory-policy noeviction\r\nSET x 1\r\n",
            T0,
        );
        talk(&mut c, "CONFIG SET maxmemory 1mb\r\n", T0);
        assert_eq!(talk(&mut c, "DBSIZE\r\n", T0), ":2\r\n");
    }
}
