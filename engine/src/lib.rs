//! `engine`: everything ferrokey decides — keyspace, data types, commands, client connections.
//! It opens no socket, spawns nothing and reads no clock; the runtime crates feed it bytes and
//! time. Its only file access is start-up's (config file, pid file, working directory) and the
//! log's appends.

// Unsafe only in `alloc` (the counting global allocator), each block with its SAFETY note.
#![deny(unsafe_code)]

#[allow(unsafe_code)]
pub mod alloc;
pub mod blocking;
pub mod clients;
pub mod commands;
pub mod config;
pub mod connection;
pub mod eventloop;
pub mod evict;
pub mod glob;
pub mod keyspace;
pub mod latency;
pub mod lazyfree;
pub mod log;
pub mod monitor;
pub mod notify;
pub mod pause;
pub mod pubsub;
pub mod server;
pub mod slowlog;
pub mod startup;
pub mod stats;
pub mod sync;
#[cfg(test)]
mod testing;
pub mod tracking;
pub mod value;
pub mod watch;

pub use config::Config;
pub use connection::Connection;
pub use server::{Origin, Probes, Server};

/// The version reported by HELLO, `INFO server` and the start-up log.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
