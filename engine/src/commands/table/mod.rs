//! The command table, generated from the Valkey command specs (`cargo xtask codegen`).
