//! Commands: the table generated from the Valkey specs, argument parsing, and one module per
//! command family.

pub mod table;
