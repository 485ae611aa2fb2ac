//! The keyspace: databases split into shards by hash slot, each behind its own lock.

mod locks;

pub use locks::{ShardGuards, ShardLocks};
