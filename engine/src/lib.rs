//! `engine`: everything ferrokey decides — keyspace, data types, commands, client connections.
//! It performs no I/O and reads no clock; the runtime crates feed it bytes and time.
//!
//! This crate is being built up issue by issue; today it holds the sync facade and the
//! shard lock manager that every multi-key command will go through.

#![forbid(unsafe_code)]

pub mod commands;
pub mod glob;
pub mod keyspace;
pub mod sync;

/// The version reported in `INFO server` and the start-up log.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
